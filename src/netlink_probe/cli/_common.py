"""Helpers shared by the CLI subcommands: privileges, namespaces, argument values, JSON.

Bad use is reported by raising `CliError` (``cli.errors``: one line, exit 2;
a missing privilege or a refusal exit 1);
the ``*_arg`` functions are argparse ``type=`` callables, whose refusals
argparse prints as one usage line (exit 2).  Every number is range-checked
against what the kernel takes before anything is opened.
"""
from __future__ import annotations

import argparse
import errno as _errno
import json
import math
import os
import sys
from typing import Any, TextIO, TypeAlias

from .. import constants as C
from ..iproute2.color import COLOR_CHOICES, PLAIN, Palette, choose
from ..iproute2.names import table_id
from ..iproute2.stream import JsonStream, jsonable
from ..kernel_info import MAX_LINKS
from ..netns import NamespaceError, NetNS
from .errors import EXIT_REFUSED, EXIT_USAGE, CliError, refusal

# What each subcommand's add_parser() registers with (argparse's add_subparsers() result).
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

CAP_SYS_ADMIN = 21  # include/uapi/linux/capability.h (not among the netlink headers the binding reads)


# -- privileges ------------------------------------------------------------------
def has_cap_sys_admin() -> bool:
    """True when the effective capability set holds CAP_SYS_ADMIN (needed for setns/unshare)."""
    from ..capabilities import status_mask  # not `privileges`: its process-running machinery costs ~7 ms
    mask = status_mask("CapEff")
    if mask is None:  # no /proc: fall back on the uid
        return os.geteuid() == 0
    return bool(mask >> getattr(C, "CAP_SYS_ADMIN", CAP_SYS_ADMIN) & 1)


def require_root(what: str) -> None:
    """Raise CliError unless we may create or enter network namespaces."""
    if not has_cap_sys_admin():
        raise CliError(f"{what} needs root (CAP_SYS_ADMIN, to enter or create a network namespace): "
                       "run it with sudo", EXIT_REFUSED)


# -- namespaces --------------------------------------------------------------------
def open_netns(spec: str | None) -> NetNS | None:
    """--netns NAME (/run/netns/NAME) or PATH (any nsfs file: /proc/PID/ns/net, /proc/PID/fd/N).

    None when *spec* is None (stay in the current namespace).  Errors become
    CliError: a path that does not exist or is no network namespace is bad
    use (exit 2); one the kernel will not let us open or enter (EACCES,
    EPERM) is reported as "permission denied" (exit 1).
    """
    if spec is None:
        return None
    require_root(f"--netns {spec}")
    try:
        return NetNS.open(spec)
    except NamespaceError as e:
        if e.errno == _errno.ENOENT:
            path = spec if "/" in spec else f"/run/netns/{spec}"
            hint = "no such file" if "/" in spec else \
                f"no {path}; see `ip netns list`, or give a path such as /proc/PID/ns/net"
            raise CliError(f"network namespace {spec!r} does not exist ({hint})") from None
        code = EXIT_USAGE if e.errno in _NOT_A_NAMESPACE else EXIT_REFUSED
        raise CliError(refusal(e), code) from None


# errnos of a --netns argument that names nothing usable (bad use); any other errno is a refusal
_NOT_A_NAMESPACE = (_errno.ENOENT, _errno.ENOTDIR, _errno.EINVAL, _errno.ELOOP, _errno.ENAMETOOLONG)


# -- names ---------------------------------------------------------------------------
# -- numbers -------------------------------------------------------------------------
GROUP_MAX = 2**31 - 1  # the binding passes a C int; the kernel's groups are bits of a bitmap of ngroups, far fewer
TABLE_MAX = 2**32 - 1  # rtm_table / RTA_TABLE is a u32, as `ip route ... table N` takes it


def decimal(text: str) -> int | None:
    """*text* as a non-negative decimal integer of ASCII digits, else None ('1e3', '0x10', '-1', '٣' are not)."""
    s = text.strip()
    if s and s.isascii() and s.isdigit() and len(s) <= 40:
        return int(s)
    return None


def _in_range(what: str, text: str, low: int, high: int) -> int:
    n = decimal(text)
    if n is None or not low <= n <= high:
        raise CliError(f"{what} {text.strip()!r} is not a whole number from {low} to {high}")
    return n


def protocol_arg(text: str) -> int:
    """'route', 'NETLINK_GENERIC', '16' -> protocol number (the kernel's are 0..MAX_LINKS-1)."""
    s = text.strip()
    if s[:1] in ("-", "+") or (s and s[0].isdigit()):
        return _in_range("protocol", s, 0, MAX_LINKS - 1)
    try:
        return C.protocol_number(s)
    except ValueError as e:
        raise CliError(str(e)) from None


def protocol_name(proto: int) -> str:
    """A netlink protocol's name (NETLINK_ROUTE), or "protocol N" for one the headers do not name."""
    return C.PROTOCOLS.get(proto, f"protocol {proto}")


def group_number(text: str, protocol: int) -> int:
    """A multicast group by number (any protocol) or by RTNLGRP_ name (NETLINK_ROUTE)."""
    s = text.strip()
    if s[:1] in ("-", "+") or (s and s[0].isdigit()):
        if decimal(s) == 0:
            raise CliError("group 0 is not a multicast group (groups are numbered from 1)")
        return _in_range("group", s, 1, GROUP_MAX)
    if protocol != C.NETLINK_ROUTE:
        raise CliError(f"unknown group {text!r}: only NETLINK_ROUTE groups have names here; give a number")
    try:
        return C.group_number(s)
    except ValueError:
        known = ", ".join(n[8:].lower() for n in C.RTNL_GROUPS.values() if n != "RTNLGRP_NONE")
        raise CliError(f"unknown group {text!r}: the UAPI headers do not name it; give its number, or one of: {known}") from None


def table_arg(text: str) -> int:
    """A routing table as `ip route show table T` takes it: main, local, default, all (0), a name from
    rt_tables, or a number 0..2**32-1."""
    s = text.strip()
    if s[:1] in ("-", "+") or (s and s[0].isdigit()):
        return _in_range("table", s, 0, TABLE_MAX)
    try:
        return table_id(s)
    except ValueError as e:
        raise CliError(str(e)) from None


def _argparse_type(parse: Any) -> Any:
    """A parser raising CliError as an argparse type= callable (argparse prints its refusal as usage)."""
    def typed(text: str) -> Any:
        try:
            return parse(text)
        except CliError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    typed.__name__ = parse.__name__
    return typed


def seconds(text: str) -> float:
    """A duration in seconds: finite and not negative ('nan', 'inf', '-1' and '1e999' are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise CliError(f"{text.strip()!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise CliError(f"{text.strip()!r} is not a number of seconds: give a finite number, 0 or more")
    return value


def count(text: str) -> int:
    """How many (of notifications, ...): a whole number, at least 1."""
    return _in_range("count", text, 1, sys.maxsize)


def group_cap(text: str) -> int:
    """The highest multicast group to probe: 1..GROUP_MAX."""
    return _in_range("group cap", text, 1, GROUP_MAX)


seconds_arg = _argparse_type(seconds)
count_arg = _argparse_type(count)
group_cap_arg = _argparse_type(group_cap)


def group_name(group: int | None, protocol: int) -> str | None:
    """The RTNLGRP_ name of a NETLINK_ROUTE group; None for other protocols or unnamed groups."""
    if group is None or protocol != C.NETLINK_ROUTE:
        return None
    return C.RTNL_GROUPS.get(group)


FAMILIES = {"inet": C.AF_INET, "inet6": C.AF_INET6, "ipv4": C.AF_INET, "ipv6": C.AF_INET6, "4": C.AF_INET,
            "6": C.AF_INET6}


def family_arg(text: str | None) -> int:
    """--family inet|inet6 (also ipv4, ipv6, 4, 6) -> AF_INET/AF_INET6; None -> AF_UNSPEC."""
    if text is None:
        return C.AF_UNSPEC
    try:
        return FAMILIES[text.lower()]
    except KeyError:
        raise CliError(f"unknown family {text!r}: inet or inet6") from None


# -- output --------------------------------------------------------------------------
def add_color_option(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """--color WHEN (auto|always|never) and -c (always), as ip's -color: on the program (*top*: default
    auto) and on the subcommands that print text (default: the program's setting)."""
    default = "auto" if top else argparse.SUPPRESS
    parser.add_argument("--color", choices=COLOR_CHOICES, default=default, metavar="WHEN",
                        help="colour text output: auto (a terminal, unless NO_COLOR is set; the default), "
                             "always or never; JSON is never coloured")
    parser.add_argument("-c", dest="color", action="store_const", const="always", default=default,
                        help="the same as --color always (ip -c)")


def palette_for(args: argparse.Namespace) -> Palette:
    """The palette --color asks for, given where stdout goes (`iproute2.color.choose`)."""
    if getattr(args, "json", False):
        return PLAIN
    return choose(getattr(args, "color", "auto"), sys.stdout)


def complete_netns(prefix: str, **_: Any) -> list[str]:
    """Shell completion of --netns: the names under /run/netns (as `ip netns list`), or paths."""
    if "/" in prefix:
        return []  # the shell's own file completion is better at paths
    try:
        return sorted(n for n in os.listdir("/run/netns") if n.startswith(prefix))
    except OSError:
        return []


def print_json(obj: object, *, stream: TextIO | None = None, lines: bool = False) -> None:
    """Write *obj* as JSON (one compact line with lines=True, for streams)."""
    stream = stream or sys.stdout
    if lines:
        stream.write(json.dumps(obj, separators=(",", ":"), default=jsonable) + "\n")
    else:
        stream.write(json.dumps(obj, indent=2, default=jsonable) + "\n")
    stream.flush()


__all__ = ["FAMILIES", "GROUP_MAX", "JsonStream", "TABLE_MAX", "add_color_option", "complete_netns", "count", "count_arg",
           "decimal", "family_arg", "group_cap", "group_cap_arg", "group_name", "group_number", "has_cap_sys_admin",
           "open_netns", "palette_for", "print_json", "protocol_arg", "protocol_name", "require_root", "seconds",
           "seconds_arg", "table_arg"]
