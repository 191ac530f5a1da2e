"""Neighbour and forwarding-database attributes (NDA_*, NFEA_*).

Filled by neigh_fill_info / pneigh_fill_info (net/core/neighbour.c), the
bridge's fdb_fill_info (net/bridge/br_fdb.c) and vxlan's vxlan_fdb_info
(drivers/net/vxlan/vxlan_core.c); parsed through nda_policy.  NDA_PORT is the
one network-order value: vxlan puts it with nla_put_be16 and reads it back with
nla_get_be16.  NDA_VNI / NDA_SRC_VNI are host order (be32_to_cpu before
nla_put_u32).
"""
from __future__ import annotations

from functools import partial

from .. import layouts
from .model import Field, Space

_N = "net/core/neighbour.c"
_BR = "net/bridge/br_fdb.c"
_VX = "drivers/net/vxlan/vxlan_core.c"
_n = partial(Field, source=_N)
_vx = partial(Field, source=_VX)

NEIGH = Space("neigh", "NDA", header_enum="NDA_UNSPEC", source=_N, fields=(
    Field(1, "NDA_DST", "ip", source=_N + ", " + _VX),   # nla_put(tbl->key_len) / vxlan_nla_put_addr
    Field(2, "NDA_LLADDR", "mac", source=_N + ", " + _BR),  # nla_put(dev->addr_len)
    Field(3, "NDA_CACHEINFO", "struct", layout=layouts.NDA_CACHEINFO, source=_N + ", " + _BR + ", " + _VX),
    _n(4, "NDA_PROBES", "u32"),                          # nla_put_u32(atomic_read(&neigh->probes))
    Field(5, "NDA_VLAN", "u16", source=_BR),             # nla_put(NDA_VLAN, sizeof(u16), &vlan_id)
    _vx(6, "NDA_PORT", "be16"),                          # nla_put_be16(rdst->remote_port)
    _vx(7, "NDA_VNI", "u32"),                            # nla_put_u32(be32_to_cpu(remote_vni))
    _vx(8, "NDA_IFINDEX", "u32"),                        # nla_put_u32(remote_ifindex)
    Field(9, "NDA_MASTER", "u32", source=_BR + ", " + _N),
    _vx(10, "NDA_LINK_NETNSID", "s32"),                  # nla_put_s32(peernet2id)
    _vx(11, "NDA_SRC_VNI", "u32"),
    Field(12, "NDA_PROTOCOL", "u8", source=_N + ", " + _BR),
    Field(13, "NDA_NH_ID", "u32", source=_VX),
    Field(14, "NDA_FDB_EXT_ATTRS", "nest", space="neigh-fdb-ext", source=_BR),
    Field(15, "NDA_FLAGS_EXT", "u32", source=_N + ", " + _BR),
    _n(16, "NDA_NDM_STATE_MASK", "u16"),                  # nda_policy NLA_U16 (requests: fdb flush)
    _n(17, "NDA_NDM_FLAGS_MASK", "u8"),                   # nda_policy NLA_U8
))

FDB_EXT = Space("neigh-fdb-ext", "NFEA", source=_BR, fields=(
    Field(1, "NFEA_ACTIVITY_NOTIFY", "u8", source=_BR),   # nla_put_u8(FDB_NOTIFY_BIT...)
    Field(2, "NFEA_DONT_REFRESH", "flag", source=_BR),    # br_nda_fdb_pol NLA_FLAG
))

SPACES: tuple[Space, ...] = (NEIGH, FDB_EXT)

__all__ = ["FDB_EXT", "NEIGH", "SPACES"]
