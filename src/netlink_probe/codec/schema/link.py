"""The link spaces: IFLA_* (rtnl_fill_ifinfo), IFLA_INFO_*, IFLA_XDP_*, IFLA_PROTO_DOWN_REASON_*, VF info/ports.

Types from net/core/rtnetlink.c: rtnl_fill_ifinfo and its helpers (nla_put_*)
and ifla_policy / ifla_info_policy / ifla_xdp_policy / ifla_vf_policy /
ifla_port_policy (what requests may carry).  Kind-specific data spaces are in
`link_kinds` / `link_tunnels`, IFLA_AF_SPEC's in `af_spec`.
"""
from __future__ import annotations

from .link_stats import IFMAP_FIELDS, STATS64_FIELDS, STATS_FIELDS
from .model import Field as F
from .model import Space

_RT = "net/core/rtnetlink.c"

# IFLA_INFO_DATA's space by IFLA_INFO_KIND (rtnl_link_info_fill -> ops->fill_info); kinds without fill_info
# (veth, ifb, dummy, wireguard) send no IFLA_INFO_DATA.
KIND_DATA = {
    "veth": "veth-info", "bridge": "bridge-info", "vxlan": "vxlan-info", "macvlan": "macvlan-info",
    "macvtap": "macvlan-info", "vlan": "vlan-info", "bond": "bond-info", "vrf": "vrf-info",
    "gre": "gre-info", "gretap": "gre-info", "erspan": "gre-info", "ip6gre": "gre-info", "ip6gretap": "gre-info",
    "ip6erspan": "gre-info", "ipip": "ipip-info", "sit": "sit-info", "ip6tnl": "ip6tnl-info",
    "geneve": "geneve-info", "ipvlan": "ipvlan-info", "ipvtap": "ipvlan-info", "tun": "tun-info",
    "xfrm": "xfrm-info"}
# IFLA_INFO_SLAVE_DATA's space by IFLA_INFO_SLAVE_KIND (rtnl_link_slave_info_fill -> ops->fill_slave_info).
SLAVE_DATA = {"bridge": "brport", "bond": "bond-slave", "vrf": "vrf-port"}

LINK = Space("link", "IFLA", header_enum="IFLA_UNSPEC", source=_RT, fields=(
    F(1, "IFLA_ADDRESS", "mac", _RT), F(2, "IFLA_BROADCAST", "mac", _RT), F(3, "IFLA_IFNAME", "string", _RT),
    F(4, "IFLA_MTU", "u32", _RT), F(5, "IFLA_LINK", "u32", _RT), F(6, "IFLA_QDISC", "string", _RT),
    F(7, "IFLA_STATS", "struct", _RT, fields=STATS_FIELDS), F(8, "IFLA_COST", "u32", _RT),
    F(9, "IFLA_PRIORITY", "u32", _RT), F(10, "IFLA_MASTER", "u32", _RT),
    F(11, "IFLA_WIRELESS", "binary", "net/wireless/wext-core.c"),
    # the protocol's own per-link info: bridge port (br_fill_ifinfo) or inet6 (inet6_fill_ifinfo)
    F(12, "IFLA_PROTINFO", "submsg", "net/bridge/br_netlink.c", selector="family",
      spaces={"7": "brport", "10": "inet6-af"}),
    F(13, "IFLA_TXQLEN", "u32", _RT), F(14, "IFLA_MAP", "struct", _RT, fields=IFMAP_FIELDS),
    F(15, "IFLA_WEIGHT", "u32", _RT), F(16, "IFLA_OPERSTATE", "u8", _RT), F(17, "IFLA_LINKMODE", "u8", _RT),
    F(18, "IFLA_LINKINFO", "nest", _RT, space="linkinfo"), F(19, "IFLA_NET_NS_PID", "u32", _RT),
    F(20, "IFLA_IFALIAS", "string", _RT), F(21, "IFLA_NUM_VF", "u32", _RT),
    F(22, "IFLA_VFINFO_LIST", "nest-array", _RT, space="vf-info"), F(23, "IFLA_STATS64", "struct", _RT,
                                                                        fields=STATS64_FIELDS),
    F(24, "IFLA_VF_PORTS", "nest-array", _RT, space="vf-port"), F(25, "IFLA_PORT_SELF", "nest", _RT, space="vf-port"),
    F(26, "IFLA_AF_SPEC", "af-nest", _RT, spaces={"2": "inet-af", "10": "inet6-af", "7": "bridge-af"}),
    F(27, "IFLA_GROUP", "u32", _RT), F(28, "IFLA_NET_NS_FD", "s32", _RT), F(29, "IFLA_EXT_MASK", "u32", _RT),
    F(30, "IFLA_PROMISCUITY", "u32", _RT), F(31, "IFLA_NUM_TX_QUEUES", "u32", _RT),
    F(32, "IFLA_NUM_RX_QUEUES", "u32", _RT), F(33, "IFLA_CARRIER", "u8", _RT),
    F(34, "IFLA_PHYS_PORT_ID", "binary", _RT), F(35, "IFLA_CARRIER_CHANGES", "u32", _RT),
    F(36, "IFLA_PHYS_SWITCH_ID", "binary", _RT), F(37, "IFLA_LINK_NETNSID", "s32", _RT),
    F(38, "IFLA_PHYS_PORT_NAME", "string", _RT), F(39, "IFLA_PROTO_DOWN", "u8", _RT),
    F(40, "IFLA_GSO_MAX_SEGS", "u32", _RT), F(41, "IFLA_GSO_MAX_SIZE", "u32", _RT),
    F(42, "IFLA_PAD", "binary", _RT), F(43, "IFLA_XDP", "nest", _RT, space="xdp"), F(44, "IFLA_EVENT", "u32", _RT),
    F(45, "IFLA_NEW_NETNSID", "s32", _RT), F(46, "IFLA_IF_NETNSID", "s32", _RT),
    F(47, "IFLA_CARRIER_UP_COUNT", "u32", _RT), F(48, "IFLA_CARRIER_DOWN_COUNT", "u32", _RT),
    F(49, "IFLA_NEW_IFINDEX", "s32", _RT), F(50, "IFLA_MIN_MTU", "u32", _RT), F(51, "IFLA_MAX_MTU", "u32", _RT),
    F(52, "IFLA_PROP_LIST", "nest", _RT, space="link"), F(53, "IFLA_ALT_IFNAME", "string", _RT),
    F(54, "IFLA_PERM_ADDRESS", "mac", _RT),
    F(55, "IFLA_PROTO_DOWN_REASON", "nest", _RT, space="proto-down-reason"),
    F(56, "IFLA_PARENT_DEV_NAME", "string", _RT), F(57, "IFLA_PARENT_DEV_BUS_NAME", "string", _RT),
    F(58, "IFLA_GRO_MAX_SIZE", "u32", _RT), F(59, "IFLA_TSO_MAX_SIZE", "u32", _RT),
    F(60, "IFLA_TSO_MAX_SEGS", "u32", _RT), F(61, "IFLA_ALLMULTI", "u32", _RT),
    # a devlink port handle (devlink_nl_port_handle_fill, net/devlink/port.c): devlink's space, kept as bytes
    F(62, "IFLA_DEVLINK_PORT", "binary", "net/devlink/port.c"),
    F(63, "IFLA_GSO_IPV4_MAX_SIZE", "u32", _RT), F(64, "IFLA_GRO_IPV4_MAX_SIZE", "u32", _RT),
    F(65, "IFLA_DPLL_PIN", "binary", "drivers/dpll/dpll_netlink.c"),  # the dpll family's space, kept as bytes
    F(66, "IFLA_MAX_PACING_OFFLOAD_HORIZON", "uint", _RT),  # nla_put_uint
    F(67, "IFLA_NETNS_IMMUTABLE", "u8", _RT), F(68, "IFLA_HEADROOM", "u16", _RT), F(69, "IFLA_TAILROOM", "u16", _RT),
))

LINKINFO = Space("linkinfo", "IFLA_INFO", header_enum="IFLA_INFO_UNSPEC", source=_RT, fields=(
    F(1, "IFLA_INFO_KIND", "string", _RT),
    F(2, "IFLA_INFO_DATA", "submsg", _RT, selector="IFLA_INFO_KIND", spaces=KIND_DATA),
    F(3, "IFLA_INFO_XSTATS", "binary", _RT),  # ops->fill_xstats: per-kind C structs (can), no common layout
    F(4, "IFLA_INFO_SLAVE_KIND", "string", _RT),
    F(5, "IFLA_INFO_SLAVE_DATA", "submsg", _RT, selector="IFLA_INFO_SLAVE_KIND", spaces=SLAVE_DATA),
))

XDP = Space("xdp", "IFLA_XDP", header_enum="IFLA_XDP_UNSPEC", source=_RT, fields=(
    F(1, "IFLA_XDP_FD", "s32", _RT), F(2, "IFLA_XDP_ATTACHED", "u8", _RT), F(3, "IFLA_XDP_FLAGS", "u32", _RT),
    F(4, "IFLA_XDP_PROG_ID", "u32", _RT), F(5, "IFLA_XDP_DRV_PROG_ID", "u32", _RT),
    F(6, "IFLA_XDP_SKB_PROG_ID", "u32", _RT), F(7, "IFLA_XDP_HW_PROG_ID", "u32", _RT),
    F(8, "IFLA_XDP_EXPECTED_FD", "s32", _RT),
))

PROTO_DOWN_REASON = Space("proto-down-reason", "IFLA_PROTO_DOWN_REASON", source=_RT,
                          header_enum="IFLA_PROTO_DOWN_REASON_UNSPEC", fields=(
    F(1, "IFLA_PROTO_DOWN_REASON_MASK", "u32", _RT), F(2, "IFLA_PROTO_DOWN_REASON_VALUE", "u32", _RT)))

_VF = (("vf", "u32"),)
VF_INFO = Space("vf-info", "IFLA_VF", header_enum="IFLA_VF_UNSPEC", source=_RT, fields=(  # rtnl_fill_vfinfo
    F(1, "IFLA_VF_MAC", "binary", _RT),  # struct ifla_vf_mac: u32 vf + u8 mac[32]
    F(2, "IFLA_VF_VLAN", "struct", _RT, fields=_VF + (("vlan", "u32"), ("qos", "u32"))),
    F(3, "IFLA_VF_TX_RATE", "struct", _RT, fields=_VF + (("rate", "u32"),)),
    F(4, "IFLA_VF_SPOOFCHK", "struct", _RT, fields=_VF + (("setting", "u32"),)),
    F(5, "IFLA_VF_LINK_STATE", "struct", _RT, fields=_VF + (("link_state", "u32"),)),
    F(6, "IFLA_VF_RATE", "struct", _RT, fields=_VF + (("min_tx_rate", "u32"), ("max_tx_rate", "u32"))),
    F(7, "IFLA_VF_RSS_QUERY_EN", "struct", _RT, fields=_VF + (("setting", "u32"),)),
    F(8, "IFLA_VF_STATS", "nest", _RT, space="vf-stats"),
    F(9, "IFLA_VF_TRUST", "struct", _RT, fields=_VF + (("setting", "u32"),)),
    F(10, "IFLA_VF_IB_NODE_GUID", "binary", _RT), F(11, "IFLA_VF_IB_PORT_GUID", "binary", _RT),
    F(12, "IFLA_VF_VLAN_LIST", "binary", _RT), F(13, "IFLA_VF_BROADCAST", "binary", _RT),
))
VF_STATS = Space("vf-stats", "IFLA_VF_STATS", header_enum="IFLA_VF_STATS_RX_PACKETS", source=_RT, fields=tuple(
    F(i, "IFLA_VF_STATS_" + n, "binary" if n == "PAD" else "u64", _RT) for i, n in enumerate(
        ("RX_PACKETS", "TX_PACKETS", "RX_BYTES", "TX_BYTES", "BROADCAST", "MULTICAST", "PAD", "RX_DROPPED",
         "TX_DROPPED"))))
VF_PORT = Space("vf-port", "IFLA_PORT", header_enum="IFLA_PORT_UNSPEC", source=_RT, fields=(  # rtnl_vf_port_fill
    F(1, "IFLA_PORT_VF", "u32", _RT), F(2, "IFLA_PORT_PROFILE", "string", _RT),
    F(3, "IFLA_PORT_VSI_TYPE", "binary", _RT), F(4, "IFLA_PORT_INSTANCE_UUID", "binary", _RT),
    F(5, "IFLA_PORT_HOST_UUID", "binary", _RT), F(6, "IFLA_PORT_REQUEST", "u8", _RT),
    F(7, "IFLA_PORT_RESPONSE", "u16", _RT),
))

SPACES = (LINK, LINKINFO, XDP, PROTO_DOWN_REASON, VF_INFO, VF_STATS, VF_PORT)

__all__ = ["KIND_DATA", "LINK", "LINKINFO", "PROTO_DOWN_REASON", "SLAVE_DATA", "SPACES", "VF_INFO", "VF_PORT",
           "VF_STATS", "XDP"]
