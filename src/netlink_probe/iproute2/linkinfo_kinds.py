"""``ip -d`` info_data of vxlan, macvlan/macvtap, vlan, vrf, geneve and bond (iproute2 6.1 ip/iplink_*.c).

Each table follows its print_opt line by line; the comments name what is
not obvious from the row (an ``else if``, a value ip prints whether or not
the attribute came).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .linkinfo_rows import (ABSENT, CLAIMED, Many, Reader, Row, boolean, hex_if_set, ip_set, link_name, names,
                            nonzero, present, same, true_if_set)

if TYPE_CHECKING:
    from .links import Links


def _multicast(addr: str) -> bool:
    return addr.lower().startswith("ff") if ":" in addr else 224 <= int(addr.split(".")[0]) < 240


def _peer(suffix: str, group: bool = True) -> Reader:
    """vxlan's GROUP/GROUP6: a multicast address is the "group", any other the "remote" (+"6" for IPv6);
    geneve (*group* False) shows only unicast remotes."""
    def read(v: Any, _: Links) -> Any:
        if not isinstance(v, str) or v in ("0.0.0.0", "::"):
            return CLAIMED  # present but unspecified: the else-if branch is taken, nothing printed
        if _multicast(v):
            return ("group" + suffix, v) if group else CLAIMED
        return "remote" + suffix, v
    return read


def _ttl_inherit(v: Any, _: Links) -> Any:
    """`if (TTL_INHERIT && u8) print_string(PRINT_FP, "ttl inherit") else if (TTL) ...`: no JSON key."""
    return CLAIMED if v else ABSENT


def _df(v: Any, _: Links) -> Any:
    return {0: "unset", 1: "set", 2: "inherit"}.get(v, ABSENT)


def _port_range(v: Any, _: Links) -> Any:
    return {"low": v["low"], "high": v["high"]} if isinstance(v, dict) else ABSENT


def _ageing(v: Any, _: Links) -> Any:
    return v


VXLAN: tuple[Row, ...] = (
    ("external", "IFLA_VXLAN_COLLECT_METADATA", true_if_set),
    ("vnifilter", "IFLA_VXLAN_VNIFILTER", true_if_set),
    ("id", "IFLA_VXLAN_ID", same),
    ("*peer", "IFLA_VXLAN_GROUP", _peer("")), ("*peer", "IFLA_VXLAN_GROUP6", _peer("6")),
    ("*local", "IFLA_VXLAN_LOCAL", lambda v, _: ("local", v) if ip_set(v, _) is not ABSENT else CLAIMED),
    ("*local", "IFLA_VXLAN_LOCAL6", lambda v, _: ("local6", v) if ip_set(v, _) is not ABSENT else CLAIMED),
    ("link", "IFLA_VXLAN_LINK", link_name),
    ("port_range", "IFLA_VXLAN_PORT_RANGE", _port_range),
    ("port", "IFLA_VXLAN_PORT", same),
    ("learning", "IFLA_VXLAN_LEARNING", boolean),
    ("proxy", "IFLA_VXLAN_PROXY", true_if_set), ("rsc", "IFLA_VXLAN_RSC", true_if_set),
    ("l2miss", "IFLA_VXLAN_L2MISS", true_if_set), ("l3miss", "IFLA_VXLAN_L3MISS", true_if_set),
    ("tos", "IFLA_VXLAN_TOS", hex_if_set),  # JSON: tos 1 (inherit) is "0x1" too
    ("ttl", "IFLA_VXLAN_TTL_INHERIT", _ttl_inherit), ("ttl", "IFLA_VXLAN_TTL", same),
    ("df", "IFLA_VXLAN_DF", _df),
    ("label", "IFLA_VXLAN_LABEL", hex_if_set),
    ("ageing", "IFLA_VXLAN_AGEING", _ageing),
    ("limit", "IFLA_VXLAN_LIMIT", nonzero),
    ("udp_csum", "IFLA_VXLAN_UDP_CSUM", boolean),
    ("udp_zero_csum6_tx", "IFLA_VXLAN_UDP_ZERO_CSUM6_TX", boolean),
    ("udp_zero_csum6_rx", "IFLA_VXLAN_UDP_ZERO_CSUM6_RX", boolean),
    ("remcsum_tx", "IFLA_VXLAN_REMCSUM_TX", true_if_set), ("remcsum_rx", "IFLA_VXLAN_REMCSUM_RX", true_if_set),
    ("gbp", "IFLA_VXLAN_GBP", present), ("gpe", "IFLA_VXLAN_GPE", present),
)

_MACVLAN_MODES = {1: "private", 2: "vepa", 4: "bridge", 8: "passthru", 16: "source"}


def _macvlan(data: dict[str, Any], _: Links) -> Any:
    """macvlan_print_opt: nothing without a mode; flags, queue lengths; in source mode the addresses."""
    mode = data.get("IFLA_MACVLAN_MODE")
    if not isinstance(mode, int):
        return ABSENT
    out = Many(mode=_MACVLAN_MODES.get(mode, "unknown"))
    flags = data.get("IFLA_MACVLAN_FLAGS", 0) or 0
    if flags & 1:  # MACVLAN_FLAG_NOPROMISC
        out["nopromisc"] = True
    if flags & 2:  # MACVLAN_FLAG_NODST
        out["nodst"] = True
    for key, attr in (("bcqueuelen", "IFLA_MACVLAN_BC_QUEUE_LEN"),
                      ("usedbcqueuelen", "IFLA_MACVLAN_BC_QUEUE_LEN_USED")):
        if isinstance(data.get(attr), int):
            out[key] = data[attr]
    if mode == 16 and isinstance(data.get("IFLA_MACVLAN_MACADDR_COUNT"), int):
        out["macaddr_count"] = data["IFLA_MACVLAN_MACADDR_COUNT"]
        macs = data.get("IFLA_MACVLAN_MACADDR_DATA")
        if isinstance(macs, dict):
            got = macs.get("IFLA_MACVLAN_MACADDR", [])
            out["macaddr_data"] = got if isinstance(got, list) else [got]
    return out


MACVLAN: tuple[Row, ...] = (("*", None, _macvlan),)

_VLAN_FLAG_ORDER = (("REORDER_HDR", 1), ("GVRP", 2), ("MVRP", 8), ("LOOSE_BINDING", 4), ("BRIDGE_BINDING", 16))


def _vlan(data: dict[str, Any], _: Links) -> Any:
    """vlan_print_opt: protocol (802.1q without the attribute), id, flags in ip's order, qos maps."""
    if not isinstance(data.get("IFLA_VLAN_ID"), int):
        return ABSENT
    proto = data.get("IFLA_VLAN_PROTOCOL")
    out = Many(protocol={0x8100: "802.1Q", 0x88A8: "802.1ad"}.get(proto, f"{proto:x}") if isinstance(proto, int)
               else "802.1q", id=data["IFLA_VLAN_ID"])
    fl = data.get("IFLA_VLAN_FLAGS")
    if isinstance(fl, dict):
        flags = fl.get("flags", 0)
        names_ = [n for n, bit in _VLAN_FLAG_ORDER if flags & bit]
        rest = flags & ~sum(bit for _, bit in _VLAN_FLAG_ORDER)
        out["flags"] = names_ + ([f"{rest:x}"] if rest else [])
    for key, attr in (("ingress_qos", "IFLA_VLAN_INGRESS_QOS"), ("egress_qos", "IFLA_VLAN_EGRESS_QOS")):
        qos = data.get(attr)
        if isinstance(qos, dict):
            maps = qos.get("IFLA_VLAN_QOS_MAPPING", [])
            out[key] = [{"from": m["from"], "to": m["to"]} for m in (maps if isinstance(maps, list) else [maps])
                        if isinstance(m, dict)]
    return out


VLAN: tuple[Row, ...] = (("*", None, _vlan),)
VRF: tuple[Row, ...] = (("table", "IFLA_VRF_TABLE", same),)
VRF_SLAVE: tuple[Row, ...] = (("table", "IFLA_VRF_PORT_TABLE", same),)

GENEVE: tuple[Row, ...] = (
    ("external", "IFLA_GENEVE_COLLECT_METADATA", present),
    ("id", "IFLA_GENEVE_ID", same),
    ("*peer", "IFLA_GENEVE_REMOTE", lambda v, _: ("remote", v) if ip_set(v, _) is not ABSENT else CLAIMED),
    ("*peer", "IFLA_GENEVE_REMOTE6", _peer("6", group=False)),
    ("ttl", "IFLA_GENEVE_TTL_INHERIT", _ttl_inherit), ("ttl", "IFLA_GENEVE_TTL", same),
    ("tos", "IFLA_GENEVE_TOS", hex_if_set),
    ("df", "IFLA_GENEVE_DF", _df),
    ("label", "IFLA_GENEVE_LABEL", hex_if_set),
    ("port", "IFLA_GENEVE_PORT", same),
    ("udp_csum", "IFLA_GENEVE_UDP_CSUM", boolean),
    ("udp_zero_csum6_tx", "IFLA_GENEVE_UDP_ZERO_CSUM6_TX", boolean),
    ("udp_zero_csum6_rx", "IFLA_GENEVE_UDP_ZERO_CSUM6_RX", boolean),
    ("inner_proto_inherit", "IFLA_GENEVE_INNER_PROTO_INHERIT", present),
)


def _targets(v: Any, _: Links) -> Any:
    """IFLA_BOND_ARP_IP_TARGET / NS_IP6_TARGET: the addresses by index, shown when target 0 exists."""
    if not isinstance(v, dict) or "BOND_TARGET_0" not in v:
        return ABSENT
    return [v[f"BOND_TARGET_{i}"] for i in range(16) if f"BOND_TARGET_{i}" in v]


def _slave_or_index(key: str) -> Reader:
    """ACTIVE_SLAVE / PRIMARY: the name (if_indextoname), nothing for 0."""
    def read(v: Any, links: Links) -> Any:
        if not v:
            return ABSENT
        name = links.by_index.get(v)
        return (key, name[0]) if name else (key + "_index", v)
    return read


def _ad_info(v: Any, _: Links) -> Any:
    if not isinstance(v, dict):
        return ABSENT
    out = {}
    for key, attr in (("aggregator", "IFLA_BOND_AD_INFO_AGGREGATOR"), ("num_ports", "IFLA_BOND_AD_INFO_NUM_PORTS"),
                      ("actor_key", "IFLA_BOND_AD_INFO_ACTOR_KEY"), ("partner_key", "IFLA_BOND_AD_INFO_PARTNER_KEY"),
                      ("partner_mac", "IFLA_BOND_AD_INFO_PARTNER_MAC")):
        if attr in v:
            out[key] = v[attr]
    return out


_BOND_MODES = ("balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb")
_ARP_VALIDATE = ("none", "active", "backup", "all", "filter", "filter_active", "filter_backup")
BOND: tuple[Row, ...] = (
    ("mode", "IFLA_BOND_MODE", names(_BOND_MODES, "UNKNOWN")),
    ("*", "IFLA_BOND_ACTIVE_SLAVE", _slave_or_index("active_slave")),
    ("miimon", "IFLA_BOND_MIIMON", same), ("updelay", "IFLA_BOND_UPDELAY", same),
    ("downdelay", "IFLA_BOND_DOWNDELAY", same), ("peer_notify_delay", "IFLA_BOND_PEER_NOTIF_DELAY", same),
    ("use_carrier", "IFLA_BOND_USE_CARRIER", same), ("arp_interval", "IFLA_BOND_ARP_INTERVAL", same),
    ("arp_missed_max", "IFLA_BOND_MISSED_MAX", same),
    ("arp_ip_target", "IFLA_BOND_ARP_IP_TARGET", _targets),
    ("ns_ip6_target", "IFLA_BOND_NS_IP6_TARGET", _targets),
    ("arp_validate", "IFLA_BOND_ARP_VALIDATE", lambda v, _: None if v == 0 else names(_ARP_VALIDATE, "UNKNOWN")(v, _)),
    ("arp_all_targets", "IFLA_BOND_ARP_ALL_TARGETS", names(("any", "all"), "UNKNOWN")),
    ("*", "IFLA_BOND_PRIMARY", _slave_or_index("primary")),
    ("primary_reselect", "IFLA_BOND_PRIMARY_RESELECT", names(("always", "better", "failure"), "UNKNOWN")),
    ("fail_over_mac", "IFLA_BOND_FAIL_OVER_MAC", names(("none", "active", "follow"), "UNKNOWN")),
    ("xmit_hash_policy", "IFLA_BOND_XMIT_HASH_POLICY",
     names(("layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4", "vlan+srcmac"), "UNKNOWN")),
    ("resend_igmp", "IFLA_BOND_RESEND_IGMP", same), ("num_peer_notif", "IFLA_BOND_NUM_PEER_NOTIF", same),
    ("all_slaves_active", "IFLA_BOND_ALL_SLAVES_ACTIVE", same), ("min_links", "IFLA_BOND_MIN_LINKS", same),
    ("lp_interval", "IFLA_BOND_LP_INTERVAL", same), ("packets_per_slave", "IFLA_BOND_PACKETS_PER_SLAVE", same),
    ("ad_lacp_active", "IFLA_BOND_AD_LACP_ACTIVE", names(("off", "on"), "UNKNOWN")),
    ("ad_lacp_rate", "IFLA_BOND_AD_LACP_RATE", names(("slow", "fast"), "UNKNOWN")),
    ("ad_select", "IFLA_BOND_AD_SELECT", names(("stable", "bandwidth", "count"), "UNKNOWN")),
    ("ad_info", "IFLA_BOND_AD_INFO", _ad_info),
    ("ad_actor_sys_prio", "IFLA_BOND_AD_ACTOR_SYS_PRIO", same),
    ("ad_user_port_key", "IFLA_BOND_AD_USER_PORT_KEY", same),
    ("ad_actor_system", "IFLA_BOND_AD_ACTOR_SYSTEM", same),
    ("tlb_dynamic_lb", "IFLA_BOND_TLB_DYNAMIC_LB", same),
)

_LACP_STATES = (("active", 0x1), ("short_timeout", 0x2), ("aggregating", 0x4), ("in_sync", 0x8),
                ("collecting", 0x10), ("distributing", 0x20), ("defaulted", 0x40), ("expired", 0x80))


def _oper_state(key: str) -> Reader:
    def read(v: Any, _: Links) -> Any:
        state = v & 0xFF  # ip reads both with rta_getattr_u8
        return Many({key: state, key + "_str": [n for n, bit in _LACP_STATES if state & bit]})
    return read


def _indexed(key: str, table: tuple[str, ...]) -> Reader:
    def read(v: Any, _: Links) -> Any:
        return (key, table[v]) if isinstance(v, int) and v < len(table) else (key + "_index", v)
    return read


BOND_SLAVE: tuple[Row, ...] = (
    ("*", "IFLA_BOND_SLAVE_STATE", _indexed("state", ("ACTIVE", "BACKUP"))),
    ("*", "IFLA_BOND_SLAVE_MII_STATUS", _indexed("mii_status", ("UP", "GOING_DOWN", "DOWN", "GOING_BACK"))),
    ("link_failure_count", "IFLA_BOND_SLAVE_LINK_FAILURE_COUNT", same),
    ("perm_hwaddr", "IFLA_BOND_SLAVE_PERM_HWADDR", same),
    ("queue_id", "IFLA_BOND_SLAVE_QUEUE_ID", same),
    ("prio", "IFLA_BOND_SLAVE_PRIO", same),
    ("ad_aggregator_id", "IFLA_BOND_SLAVE_AD_AGGREGATOR_ID", same),
    ("ad_actor_oper_port_state", "IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE",
     _oper_state("ad_actor_oper_port_state")),
    ("ad_partner_oper_port_state", "IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE",
     _oper_state("ad_partner_oper_port_state")),
)

__all__ = ["BOND", "BOND_SLAVE", "GENEVE", "MACVLAN", "VLAN", "VRF", "VRF_SLAVE", "VXLAN"]
