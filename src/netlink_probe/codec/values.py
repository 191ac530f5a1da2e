"""Attribute values by kind: which attributes are integers, text, addresses or structs, and their decoding.

One table (`KIND`, by attribute name as the UAPI headers spell it) says how a
value reads; `value` applies it.  Attributes the table does not list stay raw
bytes: a name without a kind is never guessed at.
"""
from __future__ import annotations

import ipaddress
import socket as _socket
import struct
from typing import Any

from . import layouts as L
from .buffer import Buffer

# Value kinds by attribute name. Anything not listed decodes to raw bytes.
_KINDS = {
    "str": ("IFLA_IFNAME", "IFLA_QDISC", "IFLA_IFALIAS", "IFLA_ALT_IFNAME", "IFLA_PARENT_DEV_NAME",
            "IFLA_PARENT_DEV_BUS_NAME", "IFLA_INFO_KIND", "IFLA_INFO_SLAVE_KIND", "IFA_LABEL", "NDTA_NAME",
            "FRA_IIFNAME", "FRA_OIFNAME", "CTRL_ATTR_FAMILY_NAME", "CTRL_ATTR_MCAST_GRP_NAME"),
    "u8": ("IFLA_OPERSTATE", "IFLA_LINKMODE", "IFLA_CARRIER", "IFLA_PROTO_DOWN", "RTA_PREF", "RTA_TTL_PROPAGATE",
           "NDA_PROTOCOL", "RTA_IP_PROTO", "IFA_PROTO", "FRA_L3MDEV", "FRA_PROTOCOL", "FRA_IP_PROTO"),
    "u16": ("RTA_DPORT", "RTA_SPORT", "CTRL_ATTR_FAMILY_ID"),
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
            "FRA_SUPPRESS_IFGROUP", "FRA_SUPPRESS_PREFIXLEN", "CTRL_ATTR_VERSION", "CTRL_ATTR_HDRSIZE",
            "CTRL_ATTR_MAXATTR", "CTRL_ATTR_OP_ID", "CTRL_ATTR_OP_FLAGS", "CTRL_ATTR_MCAST_GRP_ID"),
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
# Attributes that carry one C struct, decoded by field name.
STRUCTS: dict[str, L.Layout] = {"NDTA_CONFIG": L.NDT_CONFIG, "NDTA_STATS": L.NDT_STATS,
                                "NDA_CACHEINFO": L.NDA_CACHEINFO, "IFA_CACHEINFO": L.IFA_CACHEINFO,
                                "RTA_CACHEINFO": L.RTA_CACHEINFO}
SCALARS: dict[str, struct.Struct] = {"u8": struct.Struct("=B"), "u16": struct.Struct("=H"),
                                     "u32": struct.Struct("=I"), "s32": struct.Struct("=i"),
                                     "u64": struct.Struct("=Q")}


def mac(b: Buffer) -> str:
    """'02:00:00:00:00:01' (lower-case hex, colon-separated; any length)."""
    return bytes(b).hex(":")


def ip(b: Buffer) -> str:
    """An IPv4 or IPv6 address as inet_ntop writes it; other lengths as plain hex."""
    b = bytes(b)
    if len(b) == 4:
        return _socket.inet_ntop(_socket.AF_INET, b)
    if len(b) == 16:
        return str(ipaddress.IPv6Address(b))
    return b.hex()


def text(raw: Buffer) -> str:
    """A NUL-terminated string value (bytes after the first NUL ignored), as UTF-8."""
    return bytes(raw).split(b"\0", 1)[0].decode("utf-8", "replace")


def value(name: str, raw: Buffer) -> Any:
    """Decode one attribute value by the kind its name has; unknown kinds (and short scalars) stay bytes."""
    kind = KIND.get(name)
    if kind in SCALARS:
        st = SCALARS[kind]
        if len(raw) >= st.size:
            return st.unpack_from(raw, 0)[0]
        return bytes(raw)
    if kind == "str":
        return text(raw)
    if kind == "mac":
        return mac(raw)
    if kind == "ip":
        return ip(raw)
    if kind == "lladdr":
        return mac(raw) if len(raw) == 6 else bytes(raw).hex()
    if name in STRUCTS and len(raw) >= STRUCTS[name].size:
        return STRUCTS[name].unpack_dict(raw)
    return bytes(raw)


__all__ = ["KIND", "SCALARS", "STRUCTS", "ip", "mac", "text", "value"]
