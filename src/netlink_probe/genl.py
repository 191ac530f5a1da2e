"""Generic netlink families and their multicast groups, by name: what the controller (nlctrl) says.

Generic netlink family ids and group ids are allocated at run time, so a
family or group is named, and its number asked of the controller with
CTRL_CMD_GETFAMILY (``genl_ctrl_getfamily``/``ctrl_dumpfamily``).  The answer
depends on the network namespace asked in: outside the initial one the
controller hides the families that are not ``netnsok`` (drop_monitor,
thermal, ...), so ask in the namespace the ids will be used in (*netns*).

`parse_family` reads one CTRL_CMD_NEWFAMILY message (no I/O); `family`,
`families`, `group_id` and `group_names` ask the kernel.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from . import constants as C
from .codec import layouts as L
from .codec.message import Message
from .socket import Socket

__all__ = ["Family", "UnknownGroup", "families", "family", "group_id", "group_names", "parse_family",
           "split_group"]

_TIMEOUT = 2.0


class Family(NamedTuple):
    """One generic netlink family: its name, id, version and multicast groups (name -> group id)."""

    name: str
    id: int
    version: int
    groups: dict[str, int]


class UnknownGroup(ValueError):
    """A ``family:group`` name this kernel's controller does not know (the message says what it knows)."""


def parse_family(m: Message) -> Family:
    """A CTRL_CMD_NEWFAMILY message (an answer to CTRL_CMD_GETFAMILY) as a `Family`."""
    a = m.attrs(L.GENLMSGHDR.size)
    groups: dict[str, int] = {}
    nest = a.nested(C.CTRL_ATTR_MCAST_GROUPS)
    for item in (nest if nest is not None else ()):
        g = item.nested()
        name, gid = g.str(C.CTRL_ATTR_MCAST_GRP_NAME), g.u32(C.CTRL_ATTR_MCAST_GRP_ID)
        if name is not None and gid is not None:
            groups[name] = gid
    return Family(a.str(C.CTRL_ATTR_FAMILY_NAME, ""), a.u16(C.CTRL_ATTR_FAMILY_ID, 0),
                  a.u32(C.CTRL_ATTR_VERSION, 0), groups)


def _getfamily(sock: Socket, name: str | None) -> list[Message]:
    hdr = L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_GETFAMILY, version=1)
    if name is None:
        return sock.dump(C.GENL_ID_CTRL, hdr, timeout=_TIMEOUT).all()
    from .codec import attribute as A
    return sock.request(C.GENL_ID_CTRL, 0, hdr + A.string(C.CTRL_ATTR_FAMILY_NAME, name), timeout=_TIMEOUT)


def families(netns: Any = None) -> list[Family]:
    """Every family the controller shows in *netns* (None: the calling thread's namespace)."""
    with Socket(C.NETLINK_GENERIC, netns=netns, timeout=_TIMEOUT) as s:
        return [parse_family(m) for m in _getfamily(s, None) if m.type == C.GENL_ID_CTRL]


def family(name: str, netns: Any = None) -> Family:
    """The family called *name*; KernelError ENOENT when the controller knows none by that name."""
    with Socket(C.NETLINK_GENERIC, netns=netns, timeout=_TIMEOUT) as s:
        (m,) = [m for m in _getfamily(s, name) if m.type == C.GENL_ID_CTRL]
        return parse_family(m)


def split_group(spec: str) -> tuple[str, str] | None:
    """'nlctrl:notify' -> ('nlctrl', 'notify'); None when *spec* is not of the form FAMILY:GROUP."""
    fam, sep, grp = spec.strip().partition(":")
    if not sep or not fam or not grp or ":" in grp:
        return None
    return fam, grp


def group_id(spec: str, netns: Any = None) -> int:
    """The multicast group id of ``FAMILY:GROUP`` (e.g. 'nlctrl:notify') in *netns*.

    UnknownGroup (a ValueError) when the spec is malformed, or the family or
    the group is unknown here; the message lists what the controller knows.
    """
    parts = split_group(spec)
    if parts is None:
        raise UnknownGroup(f"{spec!r} is not a generic netlink group: give FAMILY:GROUP, e.g. nlctrl:notify")
    fam_name, grp_name = parts
    known = {f.name: f for f in families(netns)}
    fam = known.get(fam_name)
    if fam is None:
        with_groups = ", ".join(sorted(n for n, f in known.items() if f.groups)) or "none"
        raise UnknownGroup(f"no generic netlink family {fam_name!r} here (families with groups: {with_groups})")
    if grp_name not in fam.groups:
        raise UnknownGroup(f"generic netlink family {fam_name!r} has no group {grp_name!r} "
                           f"(its groups: {', '.join(sorted(fam.groups)) or 'none'})")
    return fam.groups[grp_name]


def group_names(netns: Any = None) -> dict[int, str]:
    """Every generic netlink group id shown in *netns* -> 'family:group'."""
    return {gid: f"{f.name}:{g}" for f in families(netns) for g, gid in f.groups.items()}
