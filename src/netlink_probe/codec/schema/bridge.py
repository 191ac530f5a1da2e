"""Bridge multicast database (MDBA_*, MDBE_*) and bridge VLAN database (BRIDGE_VLANDB_*) attributes.

MDB: RTM_NEWMDB replies filled by br_mdb_fill_info / __mdb_fill_info /
br_rports_fill_info (net/bridge/br_mdb.c, net/bridge/br_multicast.c) and by
vxlan's MDB (drivers/net/vxlan/vxlan_mdb.c).  Two attributes carry a struct
*followed by attributes* (nla_nest_start, nla_put_nohdr, then nla_put_*):
MDBA_MDB_ENTRY_INFO (struct br_mdb_entry, then MDBA_MDB_EATTR_*) and
MDBA_ROUTER_PORT (the port's u32 ifindex, then MDBA_ROUTER_PATTR_*): a
``struct`` Field whose ``space`` names the attributes after the struct.

VLANs: RTM_NEWVLAN replies filled by br_vlan_fill_vids / br_vlan_opts_fill
(net/bridge/br_vlan.c, net/bridge/br_vlan_options.c) and
br_vlan_global_opts_fill; the querier state (BRIDGE_QUERIER_*, the same
enum as IFLA_BR_MCAST_QUERIER_STATE) is link_bridge.py's 'bridge-querier-state'.  The build
headers (6.1) do not export MDBA_*; BRIDGE_VLANDB_ENTRY_MCAST_N_GROUPS ..
NEIGH_SUPPRESS (7-9) are newer than them (6.3 / 6.7).
"""
from __future__ import annotations

from functools import partial

from .model import Field, Space

_MDB = "net/bridge/br_mdb.c"
_MC = "net/bridge/br_multicast.c"
_VXM = "drivers/net/vxlan/vxlan_mdb.c"
_VL = "net/bridge/br_vlan.c"
_VO = "net/bridge/br_vlan_options.c"
_mdb = partial(Field, source=_MDB)
_vxm = partial(Field, source=_VXM)
_vo = partial(Field, source=_VO)
_mc = partial(Field, source=_MC)

# struct br_mdb_entry (include/uapi/linux/if_bridge.h, 28 bytes): not in the cffi build.  addr.u is a
# union (be32 ip4 / in6_addr ip6 / mac_addr[6]) read by addr.proto: 0x0800, 0x86dd, or 0 for an L2 group.
BR_MDB_ENTRY_FIELDS = (("ifindex", "u32"), ("state", "u8"), ("flags", "u8"), ("vid", "u16"),
                       ("addr.u[0]", "be32"), ("addr.u[1]", "be32"), ("addr.u[2]", "be32"), ("addr.u[3]", "be32"),
                       ("addr.proto", "be16"), ("pad", "u16"))
ROUTER_PORT_FIELDS = (("ifindex", "u32"),)
# struct bridge_vlan_info (include/uapi/linux/if_bridge.h): not in the cffi build
BRIDGE_VLAN_INFO_FIELDS = (("flags", "u16"), ("vid", "u16"))

MDB = Space("mdb", "MDBA", source=_MDB, fields=(
    _mdb(1, "MDBA_MDB", "nest", space="mdb-mdb"),
    _mdb(2, "MDBA_ROUTER", "nest", space="mdb-router"),
))
MDB_MDB = Space("mdb-mdb", "MDBA_MDB", source=_MDB, fields=(
    _mdb(1, "MDBA_MDB_ENTRY", "nest", space="mdb-entry"),   # one per group, repeated
))
MDB_ENTRY = Space("mdb-entry", "MDBA_MDB_ENTRY", source=_MDB, fields=(
    # nla_put_nohdr(sizeof(struct br_mdb_entry)), then MDBA_MDB_EATTR_* (one INFO per port group)
    _mdb(1, "MDBA_MDB_ENTRY_INFO", "struct", fields=BR_MDB_ENTRY_FIELDS, space="mdb-entry-attrs"),
))
MDB_ENTRY_ATTRS = Space("mdb-entry-attrs", "MDBA_MDB_EATTR", source=_MDB, fields=(
    _mdb(1, "MDBA_MDB_EATTR_TIMER", "u32"),                 # br_timer_value
    _mdb(2, "MDBA_MDB_EATTR_SRC_LIST", "nest", space="mdb-src-list"),
    _mdb(3, "MDBA_MDB_EATTR_GROUP_MODE", "u8"),
    _mdb(4, "MDBA_MDB_EATTR_SOURCE", "ip"),                 # nla_put_in_addr / nla_put_in6_addr
    _mdb(5, "MDBA_MDB_EATTR_RTPROT", "u8"),
    # vxlan MDB entries (6.5, newer than the 6.1 headers' enum):
    _vxm(6, "MDBA_MDB_EATTR_DST", "ip"),                    # vxlan_nla_put_addr
    _vxm(7, "MDBA_MDB_EATTR_DST_PORT", "u16"),              # nla_put_u16(be16_to_cpu(remote_port))
    _vxm(8, "MDBA_MDB_EATTR_VNI", "u32"),                   # nla_put_u32(be32_to_cpu(remote_vni))
    _vxm(9, "MDBA_MDB_EATTR_IFINDEX", "u32"),
    _vxm(10, "MDBA_MDB_EATTR_SRC_VNI", "u32"),
))
MDB_SRC_LIST = Space("mdb-src-list", "MDBA_MDB_SRCLIST", source=_MDB, fields=(
    _mdb(1, "MDBA_MDB_SRCLIST_ENTRY", "nest", space="mdb-src-entry"),
))
MDB_SRC_ENTRY = Space("mdb-src-entry", "MDBA_MDB_SRCATTR", source=_MDB, fields=(
    _mdb(1, "MDBA_MDB_SRCATTR_ADDRESS", "ip"),
    _mdb(2, "MDBA_MDB_SRCATTR_TIMER", "u32"),
))
MDB_ROUTER = Space("mdb-router", "MDBA_ROUTER", source=_MC, fields=(
    # nla_put_nohdr(sizeof(u32), &ifindex), then MDBA_ROUTER_PATTR_*
    _mc(1, "MDBA_ROUTER_PORT", "struct", fields=ROUTER_PORT_FIELDS, space="mdb-router-port"),
))
MDB_ROUTER_PORT = Space("mdb-router-port", "MDBA_ROUTER_PATTR", source=_MC, fields=(
    _mc(1, "MDBA_ROUTER_PATTR_TIMER", "u32"),
    _mc(2, "MDBA_ROUTER_PATTR_TYPE", "u8"),                 # MDB_RTR_TYPE_*
    _mc(3, "MDBA_ROUTER_PATTR_INET_TIMER", "u32"),
    _mc(4, "MDBA_ROUTER_PATTR_INET6_TIMER", "u32"),
    _mc(5, "MDBA_ROUTER_PATTR_VID", "u16"),
))
# Requests (RTM_NEWMDB / RTM_DELMDB / RTM_GETMDB doit): MDBA_SET_ENTRY and MDBA_GET_ENTRY share numbers.
MDB_SET = Space("mdb-set", "MDBA_SET_ENTRY", source=_MDB, fields=(
    _mdb(1, "MDBA_SET_ENTRY", "struct", fields=BR_MDB_ENTRY_FIELDS),  # NLA_POLICY_VALIDATE_FN(sizeof)
    _mdb(2, "MDBA_SET_ENTRY_ATTRS", "nest", space="mdb-request-attrs"),
))
MDB_REQUEST_ATTRS = Space("mdb-request-attrs", "MDBE_ATTR", source=_MDB, fields=(
    _mdb(1, "MDBE_ATTR_SOURCE", "ip"),
    _mdb(2, "MDBE_ATTR_SRC_LIST", "nest", space="mdb-request-src-list"),
    _mdb(3, "MDBE_ATTR_GROUP_MODE", "u8"),
    _mdb(4, "MDBE_ATTR_RTPROT", "u8"),
    _vxm(5, "MDBE_ATTR_DST", "ip"),
    _vxm(6, "MDBE_ATTR_DST_PORT", "u16"),
    _vxm(7, "MDBE_ATTR_VNI", "u32"),
    _vxm(8, "MDBE_ATTR_IFINDEX", "u32"),
    _vxm(9, "MDBE_ATTR_SRC_VNI", "u32"),
    _mdb(10, "MDBE_ATTR_STATE_MASK", "u8"),                 # 6.8: bulk delete
))
MDB_REQUEST_SRC_LIST = Space("mdb-request-src-list", "MDBE_SRC_LIST", source=_MDB, fields=(
    _mdb(1, "MDBE_SRC_LIST_ENTRY", "nest", space="mdb-request-src-entry"),
))
MDB_REQUEST_SRC_ENTRY = Space("mdb-request-src-entry", "MDBE_SRCATTR", source=_MDB, fields=(
    _mdb(1, "MDBE_SRCATTR_ADDRESS", "ip"),
))

BRIDGE_VLAN = Space("bridge-vlan", "BRIDGE_VLANDB", header_enum="BRIDGE_VLANDB_UNSPEC", source=_VL, fields=(
    Field(1, "BRIDGE_VLANDB_ENTRY", "nest", space="bridge-vlan-entry", source=_VL),
    Field(2, "BRIDGE_VLANDB_GLOBAL_OPTIONS", "nest", space="bridge-vlan-gopts", source=_VO),
))
BRIDGE_VLAN_DUMP = Space("bridge-vlan-dump", "BRIDGE_VLANDB_DUMP", header_enum="BRIDGE_VLANDB_DUMP_UNSPEC",
                         source=_VL, fields=(
    Field(1, "BRIDGE_VLANDB_DUMP_FLAGS", "u32", source=_VL),  # BRIDGE_VLANDB_DUMPF_STATS / _GLOBAL
))
BRIDGE_VLAN_ENTRY = Space("bridge-vlan-entry", "BRIDGE_VLANDB_ENTRY", header_enum="BRIDGE_VLANDB_ENTRY_UNSPEC",
                          source=_VL, fields=(
    Field(1, "BRIDGE_VLANDB_ENTRY_INFO", "struct", fields=BRIDGE_VLAN_INFO_FIELDS, source=_VL),  # nla_put(sizeof)
    Field(2, "BRIDGE_VLANDB_ENTRY_RANGE", "u16", source=_VL),
    _vo(3, "BRIDGE_VLANDB_ENTRY_STATE", "u8"),
    _vo(4, "BRIDGE_VLANDB_ENTRY_TUNNEL_INFO", "nest", space="bridge-vlan-tinfo"),
    Field(5, "BRIDGE_VLANDB_ENTRY_STATS", "nest", space="bridge-vlan-stats", source=_VL),
    _vo(6, "BRIDGE_VLANDB_ENTRY_MCAST_ROUTER", "u8"),
    # newer than the 6.1 headers:
    _vo(7, "BRIDGE_VLANDB_ENTRY_MCAST_N_GROUPS", "u32"),    # 6.3: nla_put_u32
    _vo(8, "BRIDGE_VLANDB_ENTRY_MCAST_MAX_GROUPS", "u32"),  # 6.3
    _vo(9, "BRIDGE_VLANDB_ENTRY_NEIGH_SUPPRESS", "u8"),     # 6.7: nla_put_u8
))
BRIDGE_VLAN_TINFO = Space("bridge-vlan-tinfo", "BRIDGE_VLANDB_TINFO", source=_VO, fields=(
    _vo(1, "BRIDGE_VLANDB_TINFO_ID", "u32"),
    _vo(2, "BRIDGE_VLANDB_TINFO_CMD", "u32"),
))
BRIDGE_VLAN_STATS = Space("bridge-vlan-stats", "BRIDGE_VLANDB_STATS", header_enum="BRIDGE_VLANDB_STATS_UNSPEC",
                          source=_VL, fields=(
    Field(1, "BRIDGE_VLANDB_STATS_RX_BYTES", "u64", source=_VL),     # nla_put_u64_64bit
    Field(2, "BRIDGE_VLANDB_STATS_RX_PACKETS", "u64", source=_VL),
    Field(3, "BRIDGE_VLANDB_STATS_TX_BYTES", "u64", source=_VL),
    Field(4, "BRIDGE_VLANDB_STATS_TX_PACKETS", "u64", source=_VL),
    Field(5, "BRIDGE_VLANDB_STATS_PAD", "binary", source=_VL),
))
BRIDGE_VLAN_GOPTS = Space("bridge-vlan-gopts", "BRIDGE_VLANDB_GOPTS", header_enum="BRIDGE_VLANDB_GOPTS_UNSPEC",
                          source=_VO, fields=(
    _vo(1, "BRIDGE_VLANDB_GOPTS_ID", "u16"),
    _vo(2, "BRIDGE_VLANDB_GOPTS_RANGE", "u16"),
    _vo(3, "BRIDGE_VLANDB_GOPTS_MCAST_SNOOPING", "u8"),
    _vo(4, "BRIDGE_VLANDB_GOPTS_MCAST_IGMP_VERSION", "u8"),
    _vo(5, "BRIDGE_VLANDB_GOPTS_MCAST_MLD_VERSION", "u8"),
    _vo(6, "BRIDGE_VLANDB_GOPTS_MCAST_LAST_MEMBER_CNT", "u32"),
    _vo(7, "BRIDGE_VLANDB_GOPTS_MCAST_STARTUP_QUERY_CNT", "u32"),
    _vo(8, "BRIDGE_VLANDB_GOPTS_MCAST_LAST_MEMBER_INTVL", "u64"),   # nla_put_u64_64bit(clock_t)
    _vo(9, "BRIDGE_VLANDB_GOPTS_PAD", "binary"),
    _vo(10, "BRIDGE_VLANDB_GOPTS_MCAST_MEMBERSHIP_INTVL", "u64"),
    _vo(11, "BRIDGE_VLANDB_GOPTS_MCAST_QUERIER_INTVL", "u64"),
    _vo(12, "BRIDGE_VLANDB_GOPTS_MCAST_QUERY_INTVL", "u64"),
    _vo(13, "BRIDGE_VLANDB_GOPTS_MCAST_QUERY_RESPONSE_INTVL", "u64"),
    _vo(14, "BRIDGE_VLANDB_GOPTS_MCAST_STARTUP_QUERY_INTVL", "u64"),
    _vo(15, "BRIDGE_VLANDB_GOPTS_MCAST_QUERIER", "u8"),
    # br_rports_fill_info opens its own MDBA_ROUTER nest inside: the MDBA space, not MDBA_ROUTER_*
    _vo(16, "BRIDGE_VLANDB_GOPTS_MCAST_ROUTER_PORTS", "nest", space="mdb"),
    _vo(17, "BRIDGE_VLANDB_GOPTS_MCAST_QUERIER_STATE", "nest", space="bridge-querier-state"),  # link_bridge.py
    _vo(18, "BRIDGE_VLANDB_GOPTS_MSTI", "u16"),
))
SPACES: tuple[Space, ...] = (MDB, MDB_MDB, MDB_ENTRY, MDB_ENTRY_ATTRS, MDB_SRC_LIST, MDB_SRC_ENTRY, MDB_ROUTER,
                             MDB_ROUTER_PORT, MDB_SET, MDB_REQUEST_ATTRS, MDB_REQUEST_SRC_LIST,
                             MDB_REQUEST_SRC_ENTRY, BRIDGE_VLAN, BRIDGE_VLAN_DUMP, BRIDGE_VLAN_ENTRY,
                             BRIDGE_VLAN_TINFO, BRIDGE_VLAN_STATS, BRIDGE_VLAN_GOPTS)

__all__ = ["BRIDGE_VLAN", "BRIDGE_VLAN_DUMP", "BRIDGE_VLAN_ENTRY", "BRIDGE_VLAN_GOPTS",
           "BRIDGE_VLAN_INFO_FIELDS", "BRIDGE_VLAN_STATS", "BRIDGE_VLAN_TINFO", "BR_MDB_ENTRY_FIELDS", "MDB",
           "MDB_ENTRY", "MDB_ENTRY_ATTRS", "MDB_MDB", "MDB_REQUEST_ATTRS", "MDB_REQUEST_SRC_ENTRY",
           "MDB_REQUEST_SRC_LIST", "MDB_ROUTER", "MDB_ROUTER_PORT", "MDB_SET", "MDB_SRC_ENTRY", "MDB_SRC_LIST",
           "ROUTER_PORT_FIELDS", "SPACES"]
