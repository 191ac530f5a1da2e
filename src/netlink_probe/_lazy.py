"""Package attributes loaded on first use (PEP 562): what keeps ``import netlink_probe.X`` light.

A package's ``__init__`` re-exports names from its modules for its users;
importing all of them eagerly made every command pay for every module (the
schema tables alone cost ~15 ms to import, and ``dump routes`` never reads
them).  `exports` gives the package a module-level ``__getattr__`` that
imports the one module defining a name when the name is first asked for,
and a ``__dir__`` that lists the names before they are loaded.
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def exports(package: str, where: dict[str, str],
            submodules: tuple[str, ...] = ()) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """(``__getattr__``, ``__dir__``) for *package*, whose name N lives in its module ``where[N]``
    (relative: ``".message"``), and whose *submodules* are attributes too (``codec.rtnl``)."""

    def __getattr__(name: str) -> Any:
        if name in submodules:
            return importlib.import_module(f".{name}", package)  # the import binds it on the package
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)  # later lookups are plain attribute reads
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where, *submodules})

    return __getattr__, __dir__


__all__ = ["exports"]
