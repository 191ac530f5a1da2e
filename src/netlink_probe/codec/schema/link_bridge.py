"""The bridge's link spaces: IFLA_BR_* (the bridge device) and IFLA_BRPORT_* (each port).

br_fill_info and br_port_fill_attrs (net/bridge/br_netlink.c) fill them;
IFLA_BRPORT_* is also IFLA_PROTINFO of AF_BRIDGE link messages.  Bridge ids
(struct ifla_bridge_id: u8 prio[2], u8 addr[6]) stay bytes: no scalar reads them.
"""
from __future__ import annotations

from .model import Field as F
from .model import Space

_BR = "net/bridge/br_netlink.c"
_U8, _U16, _U32, _U64 = "u8", "u16", "u32", "u64"

_BR_TYPES = (
    ("FORWARD_DELAY", _U32), ("HELLO_TIME", _U32), ("MAX_AGE", _U32), ("AGEING_TIME", _U32), ("STP_STATE", _U32),
    ("PRIORITY", _U16), ("VLAN_FILTERING", _U8), ("VLAN_PROTOCOL", "be16"), ("GROUP_FWD_MASK", _U16),
    ("ROOT_ID", "binary"), ("BRIDGE_ID", "binary"), ("ROOT_PORT", _U16), ("ROOT_PATH_COST", _U32),
    ("TOPOLOGY_CHANGE", _U8), ("TOPOLOGY_CHANGE_DETECTED", _U8), ("HELLO_TIMER", _U64), ("TCN_TIMER", _U64),
    ("TOPOLOGY_CHANGE_TIMER", _U64), ("GC_TIMER", _U64), ("GROUP_ADDR", "mac"), ("FDB_FLUSH", "flag"),
    ("MCAST_ROUTER", _U8), ("MCAST_SNOOPING", _U8), ("MCAST_QUERY_USE_IFADDR", _U8), ("MCAST_QUERIER", _U8),
    ("MCAST_HASH_ELASTICITY", _U32), ("MCAST_HASH_MAX", _U32), ("MCAST_LAST_MEMBER_CNT", _U32),
    ("MCAST_STARTUP_QUERY_CNT", _U32), ("MCAST_LAST_MEMBER_INTVL", _U64), ("MCAST_MEMBERSHIP_INTVL", _U64),
    ("MCAST_QUERIER_INTVL", _U64), ("MCAST_QUERY_INTVL", _U64), ("MCAST_QUERY_RESPONSE_INTVL", _U64),
    ("MCAST_STARTUP_QUERY_INTVL", _U64), ("NF_CALL_IPTABLES", _U8), ("NF_CALL_IP6TABLES", _U8),
    ("NF_CALL_ARPTABLES", _U8), ("VLAN_DEFAULT_PVID", _U16), ("PAD", "binary"), ("VLAN_STATS_ENABLED", _U8),
    ("MCAST_STATS_ENABLED", _U8), ("MCAST_IGMP_VERSION", _U8), ("MCAST_MLD_VERSION", _U8),
    ("VLAN_STATS_PER_PORT", _U8), ("MULTI_BOOLOPT", "struct"), ("MCAST_QUERIER_STATE", "nest"),
    ("FDB_N_LEARNED", _U32), ("FDB_MAX_LEARNED", _U32))


def _br(i: int, n: str, t: str) -> F:
    if t == "struct":  # struct br_boolopt_multi
        return F(i, "IFLA_BR_" + n, t, _BR, fields=(("optval", _U32), ("optmask", _U32)))
    if t == "nest":  # br_multicast_dump_querier_state (net/bridge/br_multicast.c)
        return F(i, "IFLA_BR_" + n, t, "net/bridge/br_multicast.c", space="bridge-querier-state")
    return F(i, "IFLA_BR_" + n, t, _BR)


BRIDGE = Space("bridge-info", "IFLA_BR", header_enum="IFLA_BR_UNSPEC", source=_BR,
               fields=tuple(_br(i, n, t) for i, (n, t) in enumerate(_BR_TYPES, 1)))

_MC = "net/bridge/br_multicast.c"
QUERIER_STATE = Space("bridge-querier-state", "BRIDGE_QUERIER", source=_MC, fields=(
    F(1, "BRIDGE_QUERIER_IP_ADDRESS", "ip", _MC), F(2, "BRIDGE_QUERIER_IP_PORT", _U32, _MC),
    F(3, "BRIDGE_QUERIER_IP_OTHER_TIMER", _U64, _MC), F(4, "BRIDGE_QUERIER_PAD", "binary", _MC),
    F(5, "BRIDGE_QUERIER_IPV6_ADDRESS", "ip", _MC), F(6, "BRIDGE_QUERIER_IPV6_PORT", _U32, _MC),
    F(7, "BRIDGE_QUERIER_IPV6_OTHER_TIMER", _U64, _MC),
))

_BRPORT_TYPES = (
    ("STATE", _U8), ("PRIORITY", _U16), ("COST", _U32), ("MODE", _U8), ("GUARD", _U8), ("PROTECT", _U8),
    ("FAST_LEAVE", _U8), ("LEARNING", _U8), ("UNICAST_FLOOD", _U8), ("PROXYARP", _U8), ("LEARNING_SYNC", _U8),
    ("PROXYARP_WIFI", _U8), ("ROOT_ID", "binary"), ("BRIDGE_ID", "binary"), ("DESIGNATED_PORT", _U16),
    ("DESIGNATED_COST", _U16), ("ID", _U16), ("NO", _U16), ("TOPOLOGY_CHANGE_ACK", _U8), ("CONFIG_PENDING", _U8),
    ("MESSAGE_AGE_TIMER", _U64), ("FORWARD_DELAY_TIMER", _U64), ("HOLD_TIMER", _U64), ("FLUSH", "flag"),
    ("MULTICAST_ROUTER", _U8), ("PAD", "binary"), ("MCAST_FLOOD", _U8), ("MCAST_TO_UCAST", _U8),
    ("VLAN_TUNNEL", _U8), ("BCAST_FLOOD", _U8), ("GROUP_FWD_MASK", _U16), ("NEIGH_SUPPRESS", _U8),
    ("ISOLATED", _U8), ("BACKUP_PORT", _U32), ("MRP_RING_OPEN", _U8), ("MRP_IN_OPEN", _U8),
    ("MCAST_EHT_HOSTS_LIMIT", _U32), ("MCAST_EHT_HOSTS_CNT", _U32), ("LOCKED", _U8), ("MAB", _U8),
    ("MCAST_N_GROUPS", _U32), ("MCAST_MAX_GROUPS", _U32), ("NEIGH_VLAN_SUPPRESS", _U8), ("BACKUP_NHID", _U32))

BRPORT = Space("brport", "IFLA_BRPORT", header_enum="IFLA_BRPORT_UNSPEC", source=_BR, fields=tuple(
    F(i, "IFLA_BRPORT_" + n, t, _BR) for i, (n, t) in enumerate(_BRPORT_TYPES, 1)))

SPACES = (BRIDGE, QUERIER_STATE, BRPORT)

__all__ = ["BRIDGE", "BRPORT", "QUERIER_STATE", "SPACES"]
