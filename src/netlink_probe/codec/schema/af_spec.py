"""IFLA_AF_SPEC's per-family spaces: AF_INET (devconf), AF_INET6 (flags, conf, stats, token ...), AF_BRIDGE.

inet_fill_link_af (net/ipv4/devinet.c) reserves IFLA_INET_CONF as
IPV4_DEVCONF_MAX ints, one per devconf index (the kernel's ``int data[]``).
inet6_fill_ifla6_attrs (net/ipv6/addrconf.c) fills AF_INET6 (and, for
AF_INET6 link messages, IFLA_PROTINFO): conf as ``__s32`` by DEVCONF_*
index (ipv6_store_devconf), stats and icmp6 stats as u64 arrays whose first
element is the count (__snmp6_fill_stats64, __snmp6_fill_statsdev).  The
AF_BRIDGE space is what br_fill_ifinfo (net/bridge/br_netlink.c) nests
directly in IFLA_AF_SPEC of AF_BRIDGE link messages.
"""
from __future__ import annotations

from .. import layouts as L
from .model import Field as F
from .model import Space

_V4 = "net/ipv4/devinet.c"
_V6 = "net/ipv6/addrconf.c"
_BR = "net/bridge/br_netlink.c"

INET = Space("inet-af", "IFLA_INET", header_enum="IFLA_INET_UNSPEC", source=_V4, fields=(
    F(1, "IFLA_INET_CONF", "array", _V4, elem="s32"),
))

INET6 = Space("inet6-af", "IFLA_INET6", header_enum="IFLA_INET6_UNSPEC", source=_V6, fields=(
    F(1, "IFLA_INET6_FLAGS", "u32", _V6), F(2, "IFLA_INET6_CONF", "array", _V6, elem="s32"),
    F(3, "IFLA_INET6_STATS", "array", _V6, elem="u64"), F(4, "IFLA_INET6_MCAST", "binary", _V6),  # never filled
    F(5, "IFLA_INET6_CACHEINFO", "struct", _V6, layout=L.IFLA_CACHEINFO),
    F(6, "IFLA_INET6_ICMP6STATS", "array", _V6, elem="u64"), F(7, "IFLA_INET6_TOKEN", "ip", _V6),
    F(8, "IFLA_INET6_ADDR_GEN_MODE", "u8", _V6), F(9, "IFLA_INET6_RA_MTU", "u32", _V6),
))

BRIDGE_AF = Space("bridge-af", "IFLA_BRIDGE", header_enum="IFLA_BRIDGE_FLAGS", source=_BR, fields=(
    F(0, "IFLA_BRIDGE_FLAGS", "u16", _BR), F(1, "IFLA_BRIDGE_MODE", "u16", _BR),
    F(2, "IFLA_BRIDGE_VLAN_INFO", "struct", _BR, fields=(("flags", "u16"), ("vid", "u16"))),  # bridge_vlan_info
    F(3, "IFLA_BRIDGE_VLAN_TUNNEL_INFO", "nest", "net/bridge/br_netlink_tunnel.c", space="bridge-vlan-tunnel"),
    F(4, "IFLA_BRIDGE_MRP", "binary", "net/bridge/br_mrp_netlink.c"),  # MRP status nests: kept as bytes
    F(5, "IFLA_BRIDGE_CFM", "binary", "net/bridge/br_cfm_netlink.c"),  # CFM status nests: kept as bytes
    F(6, "IFLA_BRIDGE_MST", "nest", "net/bridge/br_mst.c", space="bridge-mst"),
))

VLAN_TUNNEL = Space("bridge-vlan-tunnel", "IFLA_BRIDGE_VLAN_TUNNEL", header_enum="IFLA_BRIDGE_VLAN_TUNNEL_UNSPEC",
                    source="net/bridge/br_netlink_tunnel.c", fields=(
    F(1, "IFLA_BRIDGE_VLAN_TUNNEL_ID", "u32", "net/bridge/br_netlink_tunnel.c"),
    F(2, "IFLA_BRIDGE_VLAN_TUNNEL_VID", "u16", "net/bridge/br_netlink_tunnel.c"),
    F(3, "IFLA_BRIDGE_VLAN_TUNNEL_FLAGS", "u16", "net/bridge/br_netlink_tunnel.c"),
))

MST = Space("bridge-mst", "IFLA_BRIDGE_MST", header_enum="IFLA_BRIDGE_MST_UNSPEC", source="net/bridge/br_mst.c",
            fields=(F(1, "IFLA_BRIDGE_MST_ENTRY", "nest", "net/bridge/br_mst.c", space="bridge-mst-entry"),))
MST_ENTRY = Space("bridge-mst-entry", "IFLA_BRIDGE_MST_ENTRY", header_enum="IFLA_BRIDGE_MST_ENTRY_UNSPEC",
                  source="net/bridge/br_mst.c", fields=(
    F(1, "IFLA_BRIDGE_MST_ENTRY_MSTI", "u16", "net/bridge/br_mst.c"),
    F(2, "IFLA_BRIDGE_MST_ENTRY_STATE", "u8", "net/bridge/br_mst.c"),
))

SPACES = (INET, INET6, BRIDGE_AF, VLAN_TUNNEL, MST, MST_ENTRY)

__all__ = ["BRIDGE_AF", "INET", "INET6", "MST", "MST_ENTRY", "SPACES", "VLAN_TUNNEL"]
