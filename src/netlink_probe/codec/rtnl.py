"""rtnetlink message families: which fixed header and attribute space each RTM_* uses,
and `decode`, a whole message as a plain dict (header fields by name, values typed).

Attributes without a kind (`codec.values.KIND`) are kept as raw bytes under
their header name, or under 'PREFIX_<number>' when the headers are older than
the kernel.  The value kinds, attribute spaces and next-hop parser live in
their own modules and are re-exported here: ``R.KIND``, ``R.value``, ``R.ip``,
``R.mac``, ``R.space_names``, ``R.multipath``.
"""
from __future__ import annotations

from typing import Any

from .. import constants as C
from . import layouts as L
from .attribute import NLA_TYPE_MASK, Attrs
from .message import Message
from .multipath import multipath, nexthops
from .spaces import NESTED, prefix, space_names
from .values import KIND, SCALARS, ip, mac, value

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
}
# The nests `decode` opens into dicts; the others stay bytes there (`codec.tree` opens every one).
_DICT_NESTS = ("IFLA_LINKINFO", "NDTA_PARMS")


def family(mtype: int) -> tuple[str, L.Layout, str] | None:
    """(object name, fixed-header Layout, attribute-space enum) for an RTM_* type, or None."""
    if mtype < C.RTM_BASE:
        return None
    base = C.RTM_BASE + ((mtype - C.RTM_BASE) & ~3)
    return _FAMILY_OF_BASE.get(base)


def attrs_dict(attrs: Attrs, space: str) -> dict[str, Any]:
    """{name: value} of an attribute set (repeats become lists; unknown numbers as 'NAME_<n>')."""
    names = space_names(space)
    pre = prefix(space)
    out: dict[str, Any] = {}
    repeated: set[str] = set()
    buf = attrs.buf
    mv = memoryview(buf)
    entries = attrs._all if attrs._all is not None else attrs._entries()  # validated (type word, offset, nla_len)
    for tw, off, alen in entries:
        t = tw & NLA_TYPE_MASK
        name = names.get(t) or f"{pre}_{t}"
        kind = KIND.get(name)
        v: object
        if kind in SCALARS:  # the common case, read without slicing
            st = SCALARS[kind]
            v = st.unpack_from(buf, off + 4)[0] if alen - 4 >= st.size else bytes(mv[off + 4: off + alen])
        elif name in _DICT_NESTS:
            v = attrs_dict(Attrs(buf, off + 4, off + alen), NESTED[name])
        else:
            v = value(name, mv[off + 4: off + alen])
        if name in repeated:  # a repeated attribute: keep every value, in order (appended in place: linear)
            out[name].append(v)
        elif name in out:
            out[name] = [out[name], v]
            repeated.add(name)
        else:
            out[name] = v
    return out


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
    d["attrs"] = attrs_dict(m.attrs(layout.size), space)
    return d


__all__ = ["KIND", "attrs_dict", "decode", "family", "ip", "mac", "multipath", "nexthops", "space_names", "value"]
