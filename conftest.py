# pytest_plugins is only honoured in the root conftest: the profile plugin (--profile, observe,
# per-area summary) is loaded here so any way of invoking pytest in this checkout has it.
pytest_plugins = ["netlink_probe.pytest_plugin"]
