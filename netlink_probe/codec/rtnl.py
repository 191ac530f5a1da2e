"""rtnetlink message families: which fixed header and attribute space each RTM_* uses,
and decoders from a `Message` to plain dicts (names from the headers, values typed).

Attributes this module has no type hint for are kept as raw bytes under their
header name, or under their number when the headers are older than the kernel.
"""
from __future__ import annotations

import ipaddress
import socket as _socket
import struct

from .. import constants as C
from . import layouts as L
from .attribute import NLA_F_NESTED, NLA_TYPE_MASK, Attrs
from .errors import DecodeError
from .message import Message

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


def family(mtype: int):
    """(object name, fixed-header Layout, attribute-space enum) for an RTM_* type, or None."""
    if mtype < C.RTM_BASE:
        return None
    base = C.RTM_BASE + ((mtype - C.RTM_BASE) & ~3)
    return _FAMILY_OF_BASE.get(base)


# Value kinds by attribute name. Anything not listed decodes to raw bytes.
_KINDS = {
    "str": ("IFLA_IFNAME", "IFLA_QDISC", "IFLA_IFALIAS", "IFLA_ALT_IFNAME", "IFLA_PARENT_DEV_NAME",
            "IFLA_PARENT_DEV_BUS_NAME", "IFLA_INFO_KIND", "IFLA_INFO_SLAVE_KIND", "IFA_LABEL", "NDTA_NAME",
            "FRA_IIFNAME", "FRA_OIFNAME"),
    "u8": ("IFLA_OPERSTATE", "IFLA_LINKMODE", "IFLA_CARRIER", "IFLA_PROTO_DOWN", "RTA_PREF", "RTA_TTL_PROPAGATE",
           "NDA_PROTOCOL", "RTA_IP_PROTO", "IFA_PROTO", "FRA_L3MDEV", "FRA_PROTOCOL", "FRA_IP_PROTO"),
    "u16": ("RTA_DPORT", "RTA_SPORT"),
    "u32": ("IFLA_MTU", "IFLA_LINK", "IFLA_MASTER", "IFLA_TXQLEN", "IFLA_GROUP", "IFLA_PROMISCUITY",
            "IFLA_NUM_TX_QUEUES", "IFLA_NUM_RX_QUEUES", "IFLA_GSO_MAX_SEGS", "IFLA_GSO_MAX_SIZE",
            "IFLA_MIN_MTU", "IFLA_MAX_MTU", "IFLA_CARRIER_CHANGES", "IFLA_CARRIER_UP_COUNT",
            "IFLA_CARRIER_DOWN_COUNT", "IFLA_NEW_IFINDEX", "IFLA_GRO_MAX_SIZE", "IFLA_TSO_MAX_SIZE",
            "IFLA_TSO_MAX_SEGS", "IFLA_ALLMULTI", "IFLA_GSO_IPV4_MAX_SIZE", "IFLA_GRO_IPV4_MAX_SIZE",
            "IFA_FLAGS", "IFA_RT_PRIORITY", "RTA_OIF", "RTA_IIF", "RTA_PRIORITY", "RTA_TABLE", "RTA_MARK",
            "RTA_FLOW", "RTA_UID", "RTA_NH_ID", "NDA_IFINDEX", "NDA_MASTER", "NDA_VNI", "NDA_LINK_NETNSID",
            "NDA_FLAGS_EXT", "NDA_PROBES", "NDTA_THRESH1", "NDTA_THRESH2", "NDTA_THRESH3", "NDTPA_IFINDEX",
            "NDTPA_REFCNT", "NDTPA_QUEUE_LEN", "NDTPA_APP_PROBES", "NDTPA_UCAST_PROBES", "NDTPA_MCAST_PROBES",
            "NDTPA_PROXY_QLEN", "NDTPA_MCAST_REPROBES", "NDTPA_QUEUE_LENBYTES", "NETNSA_PID", "NETNSA_FD",
            "FRA_PRIORITY", "FRA_TABLE", "FRA_FWMARK", "FRA_FWMASK", "FRA_GOTO", "FRA_FLOW",
            "FRA_SUPPRESS_IFGROUP", "FRA_SUPPRESS_PREFIXLEN"),
    "s32": ("IFLA_LINK_NETNSID", "IFLA_TARGET_NETNSID", "IFLA_NEW_NETNSID", "IFLA_IF_NETNSID",
            "NETNSA_NSID", "NETNSA_CURRENT_NSID", "NETNSA_TARGET_NSID"),
    "u64": ("NDTA_GC_INTERVAL", "NDTPA_REACHABLE_TIME", "NDTPA_BASE_REACHABLE_TIME",
            "NDTPA_RETRANS_TIME", "NDTPA_GC_STALETIME", "NDTPA_DELAY_PROBE_TIME", "NDTPA_ANYCAST_DELAY",
            "NDTPA_PROXY_DELAY", "NDTPA_LOCKTIME", "NDTPA_INTERVAL_PROBE_TIME_MS", "RTA_EXPIRES"),
    "mac": ("IFLA_ADDRESS", "IFLA_BROADCAST", "IFLA_PERM_ADDRESS"),
    "ip": ("IFA_ADDRESS", "IFA_LOCAL", "IFA_BROADCAST", "IFA_ANYCAST", "IFA_MULTICAST", "RTA_DST", "RTA_SRC",
           "RTA_GATEWAY", "RTA_PREFSRC", "NDA_DST", "FRA_DST", "FRA_SRC"),
    "lladdr": ("NDA_LLADDR",),
    "nest": ("IFLA_LINKINFO", "NDTA_PARMS", "IFLA_AF_SPEC", "IFLA_PROP_LIST"),
    "flag": (),
}
KIND: dict[str, str] = {n: k for k, names in _KINDS.items() for n in names}
_STRUCTS = {"NDTA_CONFIG": L.NDT_CONFIG, "NDTA_STATS": L.NDT_STATS, "NDA_CACHEINFO": L.NDA_CACHEINFO,
            "IFA_CACHEINFO": L.IFA_CACHEINFO, "RTA_CACHEINFO": L.RTA_CACHEINFO}
_NESTED_SPACE = {"IFLA_LINKINFO": "IFLA_INFO_UNSPEC", "NDTA_PARMS": "NDTPA_UNSPEC"}
_SCALARS = {"u8": struct.Struct("=B"), "u16": struct.Struct("=H"), "u32": struct.Struct("=I"),
            "s32": struct.Struct("=i"), "u64": struct.Struct("=Q")}
_SPACE_NAMES: dict[str, dict[int, str]] = {}


def space_names(space: str) -> dict[int, str]:
    """{type number: header name} of an attribute space such as 'IFLA_UNSPEC'."""
    if space not in _SPACE_NAMES:
        _SPACE_NAMES[space] = C.enum_names(space)
    return _SPACE_NAMES[space]


def mac(b) -> str:
    """'02:00:00:00:00:01' (lower-case hex, colon-separated; any length)."""
    return bytes(b).hex(":")


def ip(b) -> str:
    """An IPv4 or IPv6 address as inet_ntop writes it; other lengths as plain hex."""
    b = bytes(b)
    if len(b) == 4:
        return _socket.inet_ntop(_socket.AF_INET, b)
    if len(b) == 16:
        return str(ipaddress.IPv6Address(b))
    return b.hex()


def value(name: str, raw: memoryview, offset: int = 0):
    """Decode one attribute value by the kind its name has; unknown kinds stay bytes."""
    kind = KIND.get(name)
    if kind in _SCALARS:
        st = _SCALARS[kind]
        if len(raw) >= st.size:
            return st.unpack_from(raw, 0)[0]
        return bytes(raw)
    if kind == "str":
        return bytes(raw).split(b"\0", 1)[0].decode("utf-8", "replace")
    if kind == "mac":
        return mac(raw)
    if kind == "ip":
        return ip(raw)
    if kind == "lladdr":
        return mac(raw) if len(raw) == 6 else bytes(raw).hex()
    if name in _STRUCTS and len(raw) >= _STRUCTS[name].size:
        return _STRUCTS[name].unpack_dict(raw)
    return bytes(raw)


def attrs_dict(attrs: Attrs, space: str) -> dict:
    """{name: value} of an attribute set (repeats become lists; unknown numbers as 'NAME_<n>')."""
    names = space_names(space)
    prefix = space.rsplit("_", 1)[0]
    out: dict = {}
    repeated: set[str] = set()
    buf = attrs.buf
    mv = memoryview(buf)
    entries = attrs._all if attrs._all is not None else attrs._entries()  # validated (type word, offset, nla_len)
    for tw, off, alen in entries:
        t = tw & NLA_TYPE_MASK
        name = names.get(t) or f"{prefix}_{t}"
        kind = KIND.get(name)
        if kind in _SCALARS:
            st = _SCALARS[kind]
            v = st.unpack_from(buf, off + 4)[0] if alen - 4 >= st.size else bytes(mv[off + 4: off + alen])
        elif name in _NESTED_SPACE:
            v = attrs_dict(Attrs(buf, off + 4, off + alen), _NESTED_SPACE[name])
        elif kind == "nest" and tw & NLA_F_NESTED:
            v = bytes(mv[off + 4: off + alen])
        elif name == "IFLA_INFO_DATA" or name == "IFLA_INFO_SLAVE_DATA":
            v = bytes(mv[off + 4: off + alen])  # space depends on the kind; callers decode with kind_data()
        else:
            v = value(name, mv[off + 4: off + alen])
        if name in out:  # a repeated attribute: keep every value, in order
            prev = out[name]
            out[name] = (prev if isinstance(prev, list) and name in repeated else [prev]) + [v]
            repeated.add(name)
        else:
            out[name] = v
    return out


def decode(m: Message) -> dict:
    """A whole rtnetlink message as a dict: header fields + named attributes."""
    fam = family(m.type)
    d = {"type": m.type_name, "flags": m.flags, "seq": m.seq, "pid": m.pid}
    if fam is None:
        d["payload"] = bytes(m.payload)
        return d
    obj, layout, space = fam
    d["object"] = obj
    d["header"] = m.fixed_dict(layout)
    d["attrs"] = attrs_dict(m.attrs(layout.size), space)
    return d


def multipath(attrs: Attrs, t: int = C.RTA_MULTIPATH) -> list[dict] | None:
    """The nexthops of an RTA_MULTIPATH attribute: struct rtnexthop entries, each followed by its own attributes.

    Each entry is the rtnexthop fields plus ``attrs`` (an `Attrs` over the
    entry's attributes, e.g. RTA_GATEWAY).  None when *attrs* has no such
    attribute; DecodeError when an rtnh_len is below the struct or runs past
    the attribute.
    """
    span = attrs.span(t)
    if span is None:
        return None
    buf, off, end = attrs.buf, span[0], span[1]
    size = L.RTNEXTHOP.size
    out = []
    while off + size <= end:
        hop = L.RTNEXTHOP.unpack_dict(buf, off, end)
        ln = hop["rtnh_len"]
        if ln < size:
            raise DecodeError(off, f"rtnh_len {ln} is below the {size}-byte rtnexthop")
        if off + ln > end:
            raise DecodeError(off, f"rtnh_len {ln} runs past RTA_MULTIPATH (ends at {end})")
        hop["attrs"] = Attrs(buf, off + size, off + ln)
        out.append(hop)
        off += (ln + 3) & ~3
    if off < end:
        raise DecodeError(off, f"{end - off} trailing bytes in RTA_MULTIPATH")
    return out
