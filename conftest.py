# The profile plugin (--profile, observe, per-area summary) is registered by the installed
# package's pytest11 entry point, named "netlink_probe.pytest_plugin" like the module. This line
# is the fallback for runs where no entry point is seen: the package only on PYTHONPATH (a kernel
# matrix interpreter without the project installed) or PYTEST_DISABLE_PLUGIN_AUTOLOAD=1. When
# the entry point already loaded the plugin, pytest finds it registered under this name and
# skips it. (pytest_plugins is only honoured in the root conftest.)
pytest_plugins = ["netlink_probe.pytest_plugin"]
