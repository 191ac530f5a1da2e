"""Helpers shared by the CLI subcommands: privileges, namespaces, protocol/group/family names, JSON.

Bad use is reported by raising `CliError` (``cli.errors``: one line, exit 2).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, TextIO, TypeAlias

from .. import constants as C
from ..netns import NamespaceError, NetNS
from .errors import CliError

# What each subcommand's add_parser() registers with (argparse's add_subparsers() result).
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

CAP_SYS_ADMIN = 21  # include/uapi/linux/capability.h (not among the netlink headers the binding reads)


# -- privileges ------------------------------------------------------------------
def has_cap_sys_admin() -> bool:
    """True when the effective capability set holds CAP_SYS_ADMIN (needed for setns/unshare)."""
    try:
        from ..privileges import capeff
        return bool(capeff() >> getattr(C, "CAP_SYS_ADMIN", CAP_SYS_ADMIN) & 1)
    except Exception:  # no /proc: fall back on the uid
        return os.geteuid() == 0


def require_root(what: str) -> None:
    """Raise CliError unless we may create or enter network namespaces."""
    if not has_cap_sys_admin():
        raise CliError(f"{what} needs root (CAP_SYS_ADMIN, to enter or create a network namespace): "
                       "run it with sudo")


# -- namespaces --------------------------------------------------------------------
def open_netns(spec: str | None) -> NetNS | None:
    """--netns NAME (/run/netns/NAME) or PATH (any nsfs file: /proc/PID/ns/net, /proc/PID/fd/N).

    None when *spec* is None (stay in the current namespace). Errors become CliError.
    """
    if spec is None:
        return None
    require_root(f"--netns {spec}")
    path = spec if "/" in spec else f"/run/netns/{spec}"
    if not os.path.exists(path):
        if "/" in spec:
            raise CliError(f"network namespace {spec!r} does not exist (no such file)")
        raise CliError(f"network namespace {spec!r} does not exist (no {path}; "
                       "see `ip netns list`, or give a path such as /proc/PID/ns/net)")
    try:
        return NetNS.open(spec)
    except NamespaceError as e:
        raise CliError(str(e.strerror or e)) from None


# -- names ---------------------------------------------------------------------------
def protocol_arg(text: str) -> int:
    """argparse type: 'route', 'NETLINK_GENERIC', '16' -> protocol number."""
    try:
        return C.protocol_number(text)
    except ValueError as e:
        raise CliError(str(e)) from None


def protocol_name(proto: int) -> str:
    return C.PROTOCOLS.get(proto, f"protocol {proto}")


def group_number(text: str, protocol: int) -> int:
    """A multicast group by number (any protocol) or by RTNLGRP_ name (NETLINK_ROUTE)."""
    s = text.strip()
    if s.isdigit():
        n = int(s)
        if n == 0:
            raise CliError("group 0 is not a multicast group (groups are numbered from 1)")
        return n
    if protocol != C.NETLINK_ROUTE:
        raise CliError(f"unknown group {text!r}: only NETLINK_ROUTE groups have names here; give a number")
    try:
        return C.group_number(s)
    except ValueError:
        known = ", ".join(n[8:].lower() for n in C.RTNL_GROUPS.values() if n != "RTNLGRP_NONE")
        raise CliError(f"unknown group {text!r}: the UAPI headers do not name it; give its number, or one of: {known}") from None


def group_name(group: int | None, protocol: int) -> str | None:
    if group is None or protocol != C.NETLINK_ROUTE:
        return None
    return C.RTNL_GROUPS.get(group)


FAMILIES = {"inet": C.AF_INET, "inet6": C.AF_INET6, "ipv4": C.AF_INET, "ipv6": C.AF_INET6, "4": C.AF_INET,
            "6": C.AF_INET6}


def family_arg(text: str | None) -> int:
    if text is None:
        return C.AF_UNSPEC
    try:
        return FAMILIES[text.lower()]
    except KeyError:
        raise CliError(f"unknown family {text!r}: inet or inet6") from None


# -- output --------------------------------------------------------------------------
def print_json(obj: object, *, stream: TextIO | None = None, lines: bool = False) -> None:
    """Write *obj* as JSON (one compact line with lines=True, for streams)."""
    stream = stream or sys.stdout
    if lines:
        stream.write(json.dumps(obj, separators=(",", ":"), default=_jsonable) + "\n")
    else:
        stream.write(json.dumps(obj, indent=2, default=_jsonable) + "\n")
    stream.flush()


def _jsonable(v: object) -> str | list[Any]:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    if isinstance(v, (set, frozenset, tuple)):
        return list(v)
    raise TypeError(f"not JSON serialisable: {type(v).__name__}")


__all__ = ["FAMILIES", "family_arg", "group_name", "group_number", "has_cap_sys_admin", "open_netns", "print_json",
           "protocol_arg", "protocol_name", "require_root"]
