"""Packages whose names load on first use (`netlink_probe._lazy`): each lists what it exports once for
``__all__``, once for the loader, and the two agree; every name resolves to its module's object."""
from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

LAZY = ["netlink_probe", "netlink_probe.codec", "netlink_probe.iproute2", "netlink_probe.profile"]


@pytest.mark.parametrize("package", LAZY)
def test_all_is_what_the_loader_knows_and_every_name_resolves(package):
    mod = importlib.import_module(package)
    known = set(mod._WHERE) | set(getattr(mod, "_SUBMODULES", ()))
    assert set(mod.__all__) == known
    assert set(mod.__all__) <= set(dir(mod))
    for name in mod.__all__:
        value = getattr(mod, name)
        if name in getattr(mod, "_SUBMODULES", ()):
            assert value is importlib.import_module(f"{package}.{name}")
        else:
            assert value is getattr(importlib.import_module(mod._WHERE[name], package), name)


@pytest.mark.parametrize("package", LAZY)
def test_an_unknown_name_is_an_attribute_error(package):
    mod = importlib.import_module(package)
    with pytest.raises(AttributeError, match="no_such_name"):
        getattr(mod, "no_such_name")


def test_importing_a_package_loads_none_of_its_modules_until_asked():
    code = ("import sys, netlink_probe.codec, netlink_probe.iproute2, netlink_probe.profile; "
            "print(' '.join(m for m in sys.modules if m.startswith('netlink_probe')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    assert set(out.split()) == {"netlink_probe", "netlink_probe._lazy", "netlink_probe.codec",
                                "netlink_probe.iproute2", "netlink_probe.profile"}
