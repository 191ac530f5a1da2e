"""``ip -d`` info_data of bridges and bridge ports (iproute2 6.1 ip/iplink_bridge.c, iplink_bridge_slave.c).

Timers (clock_t at USER_HZ 100) print as "%i.%.2i" seconds, a JSON number;
bridge ids (``struct ifla_bridge_id``, left as bytes by the tables) as
``br_dump_bridge_id`` does: priority bytes in hex, the address by
ether_ntoa (no zero padding).  ip 6.1 formats IFLA_BR_BRIDGE_ID under
"root_id" too (not IFLA_BR_ROOT_ID): kept for parity.
# TODO(schema): read the bridge id from the tables once they type the struct.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .linkinfo_rows import ABSENT, Reader, Row, boolean, c_hex, hex0x, link_name, names, same

if TYPE_CHECKING:
    from .links import Links


def timer(v: Any, _: Links) -> float:
    """A bridge timer as ip's _print_timer: "%i.%.2i" seconds of a clock_t (100 Hz)."""
    return float(f"{v // 100}.{v % 100:02d}")


def bridge_id(v: Any, _: Links | None = None) -> str:
    """struct ifla_bridge_id {u8 prio[2]; u8 addr[6]} as br_dump_bridge_id: "8000.aa:b:..."."""
    if isinstance(v, dict):  # once typed
        v = bytes(v.get("prio", b"")) + bytes.fromhex(str(v.get("addr", "")).replace(":", ""))
    b = bytes(v)
    return f"{b[0]:02x}{b[1]:02x}." + ":".join(f"{x:x}" for x in b[2:8])


def _boolopt(bit: int) -> Reader:
    """One bit of IFLA_BR_MULTI_BOOLOPT ({optval, optmask}) as 0/1, shown when the mask has it."""
    def read(v: Any, _: Links) -> Any:
        if not isinstance(v, dict) or not v.get("optmask", 0) & bit:
            return ABSENT
        return int(bool(v.get("optval", 0) & bit))
    return read


def _vlan_proto(v: Any, _: Links) -> str:
    """ll_proto_n2a: 802.1Q / 802.1ad by name, others in hex."""
    return {0x8100: "802.1Q", 0x88A8: "802.1ad"}.get(v, f"{v:x}")


_FWD_MASK_NAMES = {0: "stp", 2: "lacp", 14: "lldp"}


def _fwd_mask_str(v: Any, _: Links) -> str:
    """_bitmask2str: named bits (stp, lacp, lldp) or 0x<bit>, comma-separated; "0x0" for none."""
    parts = [_FWD_MASK_NAMES.get(i, f"{1 << i:#x}") for i in range(16) if v >> i & 1]
    return ",".join(parts) if parts else "0x0"


_PORT_STATES = ("disabled", "listening", "learning", "forwarding", "blocking")


def _port_state(v: Any, _: Links) -> Any:
    return _PORT_STATES[v] if isinstance(v, int) and v < len(_PORT_STATES) else ("state_index", v)


BRIDGE: tuple[Row, ...] = (
    ("forward_delay", "IFLA_BR_FORWARD_DELAY", same), ("hello_time", "IFLA_BR_HELLO_TIME", same),
    ("max_age", "IFLA_BR_MAX_AGE", same), ("ageing_time", "IFLA_BR_AGEING_TIME", same),
    ("stp_state", "IFLA_BR_STP_STATE", same), ("priority", "IFLA_BR_PRIORITY", same),
    ("vlan_filtering", "IFLA_BR_VLAN_FILTERING", same), ("vlan_protocol", "IFLA_BR_VLAN_PROTOCOL", _vlan_proto),
    ("bridge_id", "IFLA_BR_BRIDGE_ID", bridge_id), ("root_id", "IFLA_BR_BRIDGE_ID", bridge_id),
    ("root_port", "IFLA_BR_ROOT_PORT", same), ("root_path_cost", "IFLA_BR_ROOT_PATH_COST", same),
    ("topology_change", "IFLA_BR_TOPOLOGY_CHANGE", same),
    ("topology_change_detected", "IFLA_BR_TOPOLOGY_CHANGE_DETECTED", same),
    ("hello_timer", "IFLA_BR_HELLO_TIMER", timer), ("tcn_timer", "IFLA_BR_TCN_TIMER", timer),
    ("topology_change_timer", "IFLA_BR_TOPOLOGY_CHANGE_TIMER", timer), ("gc_timer", "IFLA_BR_GC_TIMER", timer),
    ("vlan_default_pvid", "IFLA_BR_VLAN_DEFAULT_PVID", same),
    ("vlan_stats_enabled", "IFLA_BR_VLAN_STATS_ENABLED", same),
    ("vlan_stats_per_port", "IFLA_BR_VLAN_STATS_PER_PORT", same),
    ("group_fwd_mask", "IFLA_BR_GROUP_FWD_MASK", hex0x), ("group_addr", "IFLA_BR_GROUP_ADDR", same),
    ("mcast_snooping", "IFLA_BR_MCAST_SNOOPING", same),
    ("no_linklocal_learn", "IFLA_BR_MULTI_BOOLOPT", _boolopt(1)),  # BR_BOOLOPT_NO_LL_LEARN
    ("mcast_vlan_snooping", "IFLA_BR_MULTI_BOOLOPT", _boolopt(2)),  # BR_BOOLOPT_MCAST_VLAN_SNOOPING
    ("mcast_router", "IFLA_BR_MCAST_ROUTER", same),
    ("mcast_query_use_ifaddr", "IFLA_BR_MCAST_QUERY_USE_IFADDR", same),
    ("mcast_querier", "IFLA_BR_MCAST_QUERIER", same),
    ("mcast_hash_elasticity", "IFLA_BR_MCAST_HASH_ELASTICITY", same),
    ("mcast_hash_max", "IFLA_BR_MCAST_HASH_MAX", same),
    ("mcast_last_member_cnt", "IFLA_BR_MCAST_LAST_MEMBER_CNT", same),
    ("mcast_startup_query_cnt", "IFLA_BR_MCAST_STARTUP_QUERY_CNT", same),
    ("mcast_last_member_intvl", "IFLA_BR_MCAST_LAST_MEMBER_INTVL", same),
    ("mcast_membership_intvl", "IFLA_BR_MCAST_MEMBERSHIP_INTVL", same),
    ("mcast_querier_intvl", "IFLA_BR_MCAST_QUERIER_INTVL", same),
    ("mcast_query_intvl", "IFLA_BR_MCAST_QUERY_INTVL", same),
    ("mcast_query_response_intvl", "IFLA_BR_MCAST_QUERY_RESPONSE_INTVL", same),
    ("mcast_startup_query_intvl", "IFLA_BR_MCAST_STARTUP_QUERY_INTVL", same),
    ("mcast_stats_enabled", "IFLA_BR_MCAST_STATS_ENABLED", same),
    ("mcast_igmp_version", "IFLA_BR_MCAST_IGMP_VERSION", same),
    ("mcast_mld_version", "IFLA_BR_MCAST_MLD_VERSION", same),
    ("nf_call_iptables", "IFLA_BR_NF_CALL_IPTABLES", same),
    ("nf_call_ip6tables", "IFLA_BR_NF_CALL_IP6TABLES", same),
    ("nf_call_arptables", "IFLA_BR_NF_CALL_ARPTABLES", same),
)

BRIDGE_SLAVE: tuple[Row, ...] = (
    ("*", "IFLA_BRPORT_STATE", lambda v, links: (("state", r) if isinstance(r := _port_state(v, links), str)
                                                  else r)),
    ("priority", "IFLA_BRPORT_PRIORITY", same), ("cost", "IFLA_BRPORT_COST", same),
    ("hairpin", "IFLA_BRPORT_MODE", boolean), ("guard", "IFLA_BRPORT_GUARD", boolean),
    ("root_block", "IFLA_BRPORT_PROTECT", boolean), ("fastleave", "IFLA_BRPORT_FAST_LEAVE", boolean),
    ("learning", "IFLA_BRPORT_LEARNING", boolean), ("flood", "IFLA_BRPORT_UNICAST_FLOOD", boolean),
    ("id", "IFLA_BRPORT_ID", lambda v, _: f"{v:#x}"), ("no", "IFLA_BRPORT_NO", lambda v, _: f"{v:#x}"),
    ("designated_port", "IFLA_BRPORT_DESIGNATED_PORT", same),
    ("designated_cost", "IFLA_BRPORT_DESIGNATED_COST", same),
    ("bridge_id", "IFLA_BRPORT_BRIDGE_ID", bridge_id), ("root_id", "IFLA_BRPORT_ROOT_ID", bridge_id),
    ("hold_timer", "IFLA_BRPORT_HOLD_TIMER", timer),
    ("message_age_timer", "IFLA_BRPORT_MESSAGE_AGE_TIMER", timer),
    ("forward_delay_timer", "IFLA_BRPORT_FORWARD_DELAY_TIMER", timer),
    ("topology_change_ack", "IFLA_BRPORT_TOPOLOGY_CHANGE_ACK", same),
    ("config_pending", "IFLA_BRPORT_CONFIG_PENDING", same),
    ("proxy_arp", "IFLA_BRPORT_PROXYARP", boolean), ("proxy_arp_wifi", "IFLA_BRPORT_PROXYARP_WIFI", boolean),
    ("multicast_router", "IFLA_BRPORT_MULTICAST_ROUTER", same),
    ("mcast_flood", "IFLA_BRPORT_MCAST_FLOOD", boolean), ("bcast_flood", "IFLA_BRPORT_BCAST_FLOOD", boolean),
    ("mcast_to_unicast", "IFLA_BRPORT_MCAST_TO_UCAST", boolean),
    ("neigh_suppress", "IFLA_BRPORT_NEIGH_SUPPRESS", boolean),
    ("group_fwd_mask", "IFLA_BRPORT_GROUP_FWD_MASK", lambda v, _: c_hex(v)),
    ("group_fwd_mask_str", "IFLA_BRPORT_GROUP_FWD_MASK", _fwd_mask_str),
    ("vlan_tunnel", "IFLA_BRPORT_VLAN_TUNNEL", boolean), ("isolated", "IFLA_BRPORT_ISOLATED", boolean),
    ("locked", "IFLA_BRPORT_LOCKED", boolean),
    ("backup_port", "IFLA_BRPORT_BACKUP_PORT", link_name),
)

__all__ = ["BRIDGE", "BRIDGE_SLAVE", "bridge_id", "timer"]
