"""IFLA_INFO_DATA spaces of tunnels and UDP encapsulations: vxlan, geneve, gre/gretap/erspan, ipip, sit, ip6tnl.

Byte order matters here: ports, keys, flow labels and GRE flags are put
with nla_put_be16/be32 (cited per space), addresses with nla_put_in_addr /
nla_put_in6_addr.  IFLA_IPTUN_FLAGS is be16 for sit (ipip6_fill_info puts
the GRE-style tunnel flags) but u32 for ip6tnl (ip6_tnl_fill_info) and
absent from ipip: hence three spaces.  The build headers lack if_tunnel.h's
enums, so IFLA_GRE_* / IFLA_IPTUN_* are named by this table.
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


_VX = "drivers/net/vxlan/vxlan_core.c"
_PORT_RANGE = (("low", "be16"), ("high", "be16"))  # struct ifla_vxlan_port_range / ifla_geneve_port_range
VXLAN = _space("vxlan-info", "IFLA_VXLAN", "IFLA_VXLAN_UNSPEC", _VX, (
    ("ID", _U32), ("GROUP", "ip"), ("LINK", _U32), ("LOCAL", "ip"), ("TTL", _U8), ("TOS", _U8),
    ("LEARNING", _U8), ("AGEING", _U32), ("LIMIT", _U32), ("PORT_RANGE", "struct"), ("PROXY", _U8),
    ("RSC", _U8), ("L2MISS", _U8), ("L3MISS", _U8), ("PORT", "be16"), ("GROUP6", "ip"), ("LOCAL6", "ip"),
    ("UDP_CSUM", _U8), ("UDP_ZERO_CSUM6_TX", _U8), ("UDP_ZERO_CSUM6_RX", _U8), ("REMCSUM_TX", _U8),
    ("REMCSUM_RX", _U8), ("GBP", "flag"), ("REMCSUM_NOPARTIAL", "flag"), ("COLLECT_METADATA", _U8),
    ("LABEL", "be32"), ("GPE", "flag"), ("TTL_INHERIT", _U8), ("DF", _U8), ("VNIFILTER", _U8),
    ("LOCALBYPASS", _U8), ("LABEL_POLICY", _U32),
    ("RESERVED_BITS", "binary"),  # struct vxlanhdr (two __be32 words): the reserved-bit mask as sent
    ("MC_ROUTE", _U8)),
    PORT_RANGE=F(10, "IFLA_VXLAN_PORT_RANGE", "struct", _VX, fields=_PORT_RANGE))

_GEN = "drivers/net/geneve.c"
GENEVE = _space("geneve-info", "IFLA_GENEVE", "IFLA_GENEVE_UNSPEC", _GEN, (
    ("ID", _U32), ("REMOTE", "ip"), ("TTL", _U8), ("TOS", _U8), ("PORT", "be16"), ("COLLECT_METADATA", "flag"),
    ("REMOTE6", "ip"), ("UDP_CSUM", _U8), ("UDP_ZERO_CSUM6_TX", _U8), ("UDP_ZERO_CSUM6_RX", _U8),
    ("LABEL", "be32"), ("TTL_INHERIT", _U8), ("DF", _U8), ("INNER_PROTO_INHERIT", "flag"),
    ("PORT_RANGE", "struct")),
    PORT_RANGE=F(15, "IFLA_GENEVE_PORT_RANGE", "struct", _GEN, fields=_PORT_RANGE))

_GRE = "net/ipv4/ip_gre.c"  # ipgre_fill_info (also ip6gre's ip6gre_fill_info in net/ipv6/ip6_gre.c)
GRE = _space("gre-info", "IFLA_GRE", None, _GRE, (
    ("LINK", _U32), ("IFLAGS", "be16"), ("OFLAGS", "be16"), ("IKEY", "be32"), ("OKEY", "be32"), ("LOCAL", "ip"),
    ("REMOTE", "ip"), ("TTL", _U8), ("TOS", _U8), ("PMTUDISC", _U8), ("ENCAP_LIMIT", _U8), ("FLOWINFO", "be32"),
    ("FLAGS", _U32), ("ENCAP_TYPE", _U16), ("ENCAP_FLAGS", _U16), ("ENCAP_SPORT", "be16"),
    ("ENCAP_DPORT", "be16"), ("COLLECT_METADATA", "flag"), ("IGNORE_DF", _U8), ("FWMARK", _U32),
    ("ERSPAN_INDEX", _U32), ("ERSPAN_VER", _U8), ("ERSPAN_DIR", _U8), ("ERSPAN_HWID", _U16)))

_IPTUN = (("LINK", _U32), ("LOCAL", "ip"), ("REMOTE", "ip"), ("TTL", _U8), ("TOS", _U8), ("ENCAP_LIMIT", _U8),
          ("FLOWINFO", "be32"), ("FLAGS", _U32), ("PROTO", _U8), ("PMTUDISC", _U8), ("6RD_PREFIX", "ip"),
          ("6RD_RELAY_PREFIX", "ip"), ("6RD_PREFIXLEN", _U16), ("6RD_RELAY_PREFIXLEN", _U16),
          ("ENCAP_TYPE", _U16), ("ENCAP_FLAGS", _U16), ("ENCAP_SPORT", "be16"), ("ENCAP_DPORT", "be16"),
          ("COLLECT_METADATA", "flag"), ("FWMARK", _U32),
          ("FMRS", "binary"))  # ip6tnl's MAP-E rule nests (ip6_tnl_fill_info): kept as bytes
IPIP = _space("ipip-info", "IFLA_IPTUN", None, "net/ipv4/ipip.c", _IPTUN)
SIT = _space("sit-info", "IFLA_IPTUN", None, "net/ipv6/sit.c", _IPTUN,
             FLAGS=F(8, "IFLA_IPTUN_FLAGS", "be16", "net/ipv6/sit.c"))
IP6TNL = _space("ip6tnl-info", "IFLA_IPTUN", None, "net/ipv6/ip6_tunnel.c", _IPTUN)

SPACES = (VXLAN, GENEVE, GRE, IPIP, SIT, IP6TNL)

__all__ = ["GENEVE", "GRE", "IP6TNL", "IPIP", "SIT", "SPACES", "VXLAN"]
