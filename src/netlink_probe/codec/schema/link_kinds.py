"""IFLA_INFO_DATA / IFLA_INFO_SLAVE_DATA spaces of link kinds other than the bridge and IP tunnels.

Each is what the kind's ``fill_info`` / ``fill_slave_info`` puts (cited per
space); veth, ifb and dummy have no fill_info, so their links carry no
IFLA_INFO_DATA (VETH_INFO_PEER exists in requests only: an ifinfomsg plus
IFLA_* attributes, kept as bytes).
"""
from __future__ import annotations

from .model import Field as F
from .model import Space

_U8, _U16, _U32 = "u8", "u16", "u32"


def _space(name: str, prefix: str, enum: str | None, source: str, types: tuple[tuple[str, str], ...],
           **special: F) -> Space:
    """A space numbered 1.. in the order of *types* ((suffix, type)); *special* replaces entries by suffix."""
    fields = tuple(special.get(n) or F(i, f"{prefix}_{n}", t, source) for i, (n, t) in enumerate(types, 1))
    return Space(name, prefix, fields, header_enum=enum, source=source)


_VETH = "drivers/net/veth.c"
VETH = _space("veth-info", "VETH_INFO", "VETH_INFO_UNSPEC", _VETH, (("PEER", "binary"),))

_MV = "drivers/net/macvlan.c"
MACVLAN = _space("macvlan-info", "IFLA_MACVLAN", "IFLA_MACVLAN_UNSPEC", _MV, (
    ("MODE", _U32), ("FLAGS", _U16), ("MACADDR_MODE", _U32), ("MACADDR", "mac"), ("MACADDR_DATA", "nest"),
    ("MACADDR_COUNT", _U32), ("BC_QUEUE_LEN", _U32), ("BC_QUEUE_LEN_USED", _U32), ("BC_CUTOFF", "s32")),
    MACADDR_DATA=F(5, "IFLA_MACVLAN_MACADDR_DATA", "nest", _MV, space="macvlan-macaddrs"))
# macvlan_fill_info_macaddr: every entry is IFLA_MACVLAN_MACADDR (4)
MACVLAN_MACADDRS = Space("macvlan-macaddrs", "IFLA_MACVLAN", (F(4, "IFLA_MACVLAN_MACADDR", "mac", _MV),),
                         source=_MV)

_VL = "net/8021q/vlan_netlink.c"
VLAN = _space("vlan-info", "IFLA_VLAN", "IFLA_VLAN_UNSPEC", _VL, (
    ("ID", _U16), ("FLAGS", "struct"), ("EGRESS_QOS", "nest"), ("INGRESS_QOS", "nest"), ("PROTOCOL", "be16")),
    FLAGS=F(2, "IFLA_VLAN_FLAGS", "struct", _VL, fields=(("flags", _U32), ("mask", _U32))),
    EGRESS_QOS=F(3, "IFLA_VLAN_EGRESS_QOS", "nest", _VL, space="vlan-qos"),
    INGRESS_QOS=F(4, "IFLA_VLAN_INGRESS_QOS", "nest", _VL, space="vlan-qos"))
VLAN_QOS = _space("vlan-qos", "IFLA_VLAN_QOS", "IFLA_VLAN_QOS_UNSPEC", _VL, (("MAPPING", "struct"),),
                  MAPPING=F(1, "IFLA_VLAN_QOS_MAPPING", "struct", _VL, fields=(("from", _U32), ("to", _U32))))

_BOND = "drivers/net/bonding/bond_netlink.c"
BOND = _space("bond-info", "IFLA_BOND", "IFLA_BOND_UNSPEC", _BOND, (
    ("MODE", _U8), ("ACTIVE_SLAVE", _U32), ("MIIMON", _U32), ("UPDELAY", _U32), ("DOWNDELAY", _U32),
    ("USE_CARRIER", _U8), ("ARP_INTERVAL", _U32), ("ARP_IP_TARGET", "nest"), ("ARP_VALIDATE", _U32),
    ("ARP_ALL_TARGETS", _U32), ("PRIMARY", _U32), ("PRIMARY_RESELECT", _U8), ("FAIL_OVER_MAC", _U8),
    ("XMIT_HASH_POLICY", _U8), ("RESEND_IGMP", _U32), ("NUM_PEER_NOTIF", _U8), ("ALL_SLAVES_ACTIVE", _U8),
    ("MIN_LINKS", _U32), ("LP_INTERVAL", _U32), ("PACKETS_PER_SLAVE", _U32), ("AD_LACP_RATE", _U8),
    ("AD_SELECT", _U8), ("AD_INFO", "nest"), ("AD_ACTOR_SYS_PRIO", _U16), ("AD_USER_PORT_KEY", _U16),
    ("AD_ACTOR_SYSTEM", "mac"), ("TLB_DYNAMIC_LB", _U8), ("PEER_NOTIF_DELAY", _U32), ("AD_LACP_ACTIVE", _U8),
    ("MISSED_MAX", _U8), ("NS_IP6_TARGET", "nest"), ("COUPLED_CONTROL", _U8)),
    ARP_IP_TARGET=F(8, "IFLA_BOND_ARP_IP_TARGET", "nest", _BOND, space="bond-ip-targets"),
    AD_INFO=F(23, "IFLA_BOND_AD_INFO", "nest", _BOND, space="bond-ad-info"),
    NS_IP6_TARGET=F(31, "IFLA_BOND_NS_IP6_TARGET", "nest", _BOND, space="bond-ip-targets"))
# bond_fill_info numbers the targets 0, 1, ... (nla_put_be32 / nla_put_in6_addr with the index as type)
BOND_IP_TARGETS = Space("bond-ip-targets", "BOND_TARGET", tuple(F(i, f"BOND_TARGET_{i}", "ip", _BOND)
                                                                for i in range(16)), source=_BOND)
BOND_AD_INFO = _space("bond-ad-info", "IFLA_BOND_AD_INFO", "IFLA_BOND_AD_INFO_UNSPEC", _BOND, (
    ("AGGREGATOR", _U16), ("NUM_PORTS", _U16), ("ACTOR_KEY", _U16), ("PARTNER_KEY", _U16), ("PARTNER_MAC", "mac")))
BOND_SLAVE = _space("bond-slave", "IFLA_BOND_SLAVE", "IFLA_BOND_SLAVE_UNSPEC", _BOND, (
    ("STATE", _U8), ("MII_STATUS", _U8), ("LINK_FAILURE_COUNT", _U32), ("PERM_HWADDR", "mac"), ("QUEUE_ID", _U16),
    ("AD_AGGREGATOR_ID", _U16), ("AD_ACTOR_OPER_PORT_STATE", _U8), ("AD_PARTNER_OPER_PORT_STATE", _U16),
    ("PRIO", "s32")))

_VRF = "drivers/net/vrf.c"
VRF = _space("vrf-info", "IFLA_VRF", "IFLA_VRF_UNSPEC", _VRF, (("TABLE", _U32),))
VRF_PORT = _space("vrf-port", "IFLA_VRF_PORT", "IFLA_VRF_PORT_UNSPEC", _VRF, (("TABLE", _U32),))

IPVLAN = _space("ipvlan-info", "IFLA_IPVLAN", "IFLA_IPVLAN_UNSPEC", "drivers/net/ipvlan/ipvlan_main.c",
                (("MODE", _U16), ("FLAGS", _U16)))
TUN = _space("tun-info", "IFLA_TUN", "IFLA_TUN_UNSPEC", "drivers/net/tun.c", (
    ("OWNER", _U32), ("GROUP", _U32), ("TYPE", _U8), ("PI", _U8), ("VNET_HDR", _U8), ("PERSIST", _U8),
    ("MULTI_QUEUE", _U8), ("NUM_QUEUES", _U32), ("NUM_DISABLED_QUEUES", _U32)))
XFRM = _space("xfrm-info", "IFLA_XFRM", "IFLA_XFRM_UNSPEC", "net/xfrm/xfrm_interface_core.c", (
    ("LINK", _U32), ("IF_ID", _U32), ("COLLECT_METADATA", "flag")))

SPACES = (VETH, MACVLAN, MACVLAN_MACADDRS, VLAN, VLAN_QOS, BOND, BOND_IP_TARGETS, BOND_AD_INFO, BOND_SLAVE, VRF,
          VRF_PORT, IPVLAN, TUN, XFRM)

__all__ = ["BOND", "BOND_AD_INFO", "BOND_IP_TARGETS", "BOND_SLAVE", "IPVLAN", "MACVLAN", "MACVLAN_MACADDRS", "SPACES",
           "TUN", "VETH", "VLAN", "VLAN_QOS", "VRF", "VRF_PORT", "XFRM"]
