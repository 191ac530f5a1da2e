"""rtnetlink message families: which fixed header and attribute space each RTM_* uses,
and `decode`, a whole message as a plain dict (header fields by name, values typed).

Values are typed by the attribute-space tables (`codec.schema`, decoded by
`codec.schema.decode`): nests open into dicts (IFLA_LINKINFO, IFLA_INFO_DATA
by kind, IFLA_AF_SPEC by family, RTA_METRICS, NDTA_PARMS ...), RTA_MULTIPATH
stays bytes (`multipath` parses it).  Attributes the tables do not know are
kept as raw bytes under their header name, or under 'PREFIX_<number>' when
neither headers nor tables name them.  The value kinds, attribute spaces and next-hop parser live in
their own modules and are re-exported here: ``R.KIND``, ``R.value``, ``R.ip``,
``R.mac``, ``R.space_names``, ``R.multipath``.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .. import constants as C
from . import layouts as L
from .attribute import Attrs
from .message import Message
from .multipath import multipath, nexthops
from .spaces import space_names
from .values import ip, mac, value

# RTM_NEWLINK.. are grouped by four (NEW, DEL, GET, SET) from RTM_BASE.
_FAMILY_OF_BASE = {
    C.RTM_NEWLINK: ("link", L.IFINFOMSG, "IFLA_UNSPEC"),
    C.RTM_NEWADDR: ("addr", L.IFADDRMSG, "IFA_UNSPEC"),
    C.RTM_NEWROUTE: ("route", L.RTMSG, "RTA_UNSPEC"),
    C.RTM_NEWNEIGH: ("neigh", L.NDMSG, "NDA_UNSPEC"),
    C.RTM_NEWNEIGHTBL: ("neightbl", L.NDTMSG, "NDTA_UNSPEC"),
    C.RTM_NEWNSID: ("nsid", L.RTGENMSG, "NETNSA_NONE"),
    C.RTM_NEWRULE: ("rule", L.FIB_RULE_HDR, "FRA_UNSPEC"),
    C.RTM_NEWVLAN: ("vlan", L.BR_VLAN_MSG, "BRIDGE_VLANDB_UNSPEC"),
    C.RTM_NEWNEXTHOP: ("nexthop", L.NHMSG, "nexthop"),        # struct nhmsg + NHA_* (net/ipv4/nexthop.c)
    C.RTM_NEWNETCONF: ("netconf", L.NETCONFMSG, "netconf"),   # struct netconfmsg + NETCONFA_* (devinet.c, addrconf.c)
    C.RTM_NEWMDB: ("mdb", L.BR_PORT_MSG, "mdb"),               # struct br_port_msg + MDBA_* (net/bridge/br_mdb.c)
    # RTM_NEWMULTICAST (56) and RTM_NEWANYCAST (60) are newer than some headers; their replies carry an
    # ifaddrmsg and IFA_* (inet6_fill_ifmcaddr / inet6_fill_ifacaddr, net/ipv6/addrconf.c)
    C.RTM_GETMULTICAST - 2: ("multicast", L.IFADDRMSG, "IFA_UNSPEC"),
    C.RTM_GETANYCAST - 2: ("anycast", L.IFADDRMSG, "IFA_UNSPEC"),
}


def family(mtype: int) -> tuple[str, L.Layout, str] | None:
    """(object name, fixed-header Layout, attribute-space enum) for an RTM_* type, or None."""
    if mtype < C.RTM_BASE:
        return None
    base = C.RTM_BASE + ((mtype - C.RTM_BASE) & ~3)
    return _FAMILY_OF_BASE.get(base)


def attrs_dict(attrs: Attrs, space: str, *, family: int = 0) -> dict[str, Any]:
    """{name: value} of an attribute set (repeats become lists; unknown numbers as 'NAME_<n>').

    *space* is a UAPI enum ('IFLA_UNSPEC') or a table name ('link'); *family*
    the message's address family (IFLA_AF_SPEC and IFLA_PROTINFO depend on it).
    DecodeError for malformed bytes.
    """
    return _decoder()(attrs, space, family=family)


@functools.cache
def _decoder() -> Callable[..., dict[str, Any]]:
    from .schema.decode import decode_attrs  # here, not at the top: the tables cost ~15 ms to import
    return decode_attrs


def decode(m: Message) -> dict[str, Any]:
    """A whole rtnetlink message as a dict: header fields (C names) + named attributes."""
    fam = family(m.type)
    d: dict[str, Any] = {"type": m.type_name, "flags": m.flags, "seq": m.seq, "pid": m.pid}
    if fam is None:
        d["payload"] = bytes(m.payload)
        return d
    obj, layout, space = fam
    d["object"] = obj
    d["header"] = layout.as_dict(m.header(layout))
    hdr = d["header"]
    d["attrs"] = attrs_dict(m.attrs(layout.size), space, family=next(iter(hdr.values())) if hdr else 0)
    return d


def __getattr__(name: str) -> Any:
    if name == "KIND":  # derived from the tables on first use (`codec.values`), then a plain global
        from . import values
        globals()["KIND"] = values.KIND
        return values.KIND
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["KIND", "attrs_dict", "decode", "family", "ip", "mac", "multipath", "nexthops", "space_names", "value"]
