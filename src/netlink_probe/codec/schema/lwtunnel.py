"""Lightweight-tunnel encapsulations (RTA_ENCAP / NHA_ENCAP), chosen by RTA_ENCAP_TYPE / NHA_ENCAP_TYPE.

The encap type's number (LWTUNNEL_ENCAP_*, include/uapi/linux/lwtunnel.h) picks
the space; `ENCAP_SPACES` maps it (as text, the way a submsg selector's value
is looked up) to the space's name.  Typed here: MPLS (net/mpls/mpls_iptunnel.c),
IP and IP6 tunnel keys (net/ipv4/ip_tunnel_core.c, ip_tun_fill_encap_info /
ip6_tun_fill_encap_info) with their options.  ILA, SEG6, BPF, SEG6_LOCAL,
RPL, IOAM6 and XFRM are named in `ENCAP_TYPES` only: their payloads stay bytes.
"""
from __future__ import annotations

from functools import partial

from .model import Field, Space

_TUN = "net/ipv4/ip_tunnel_core.c"
_t = partial(Field, source=_TUN)

# LWTUNNEL_ENCAP_* (enum lwtunnel_encap_types)
ENCAP_TYPES: dict[int, str] = {0: "none", 1: "mpls", 2: "ip", 3: "ila", 4: "ip6", 5: "seg6", 6: "bpf",
                               7: "seg6local", 8: "rpl", 9: "ioam6", 10: "xfrm"}
ENCAP_SPACES: dict[str, str] = {"1": "lwt-mpls", "2": "lwt-ip", "4": "lwt-ip6"}

MPLS = Space("lwt-mpls", "MPLS_IPTUNNEL", source="net/mpls/mpls_iptunnel.c", fields=(
    # nla_put_labels: the label stack, one struct mpls_shim_hdr (be32) per label
    Field(1, "MPLS_IPTUNNEL_DST", "array", elem="be32", source="net/mpls/af_mpls.c"),
    Field(2, "MPLS_IPTUNNEL_TTL", "u8", source="net/mpls/mpls_iptunnel.c"),
))

IP = Space("lwt-ip", "LWTUNNEL_IP", source=_TUN, fields=(
    _t(1, "LWTUNNEL_IP_ID", "be64"),          # nla_put_be64(tun_id)
    _t(2, "LWTUNNEL_IP_DST", "ip"),           # nla_put_in_addr
    _t(3, "LWTUNNEL_IP_SRC", "ip"),
    _t(4, "LWTUNNEL_IP_TTL", "u8"),
    _t(5, "LWTUNNEL_IP_TOS", "u8"),
    _t(6, "LWTUNNEL_IP_FLAGS", "be16"),       # nla_put_be16(ip_tunnel_flags_to_be16)
    _t(7, "LWTUNNEL_IP_PAD", "binary"),
    _t(8, "LWTUNNEL_IP_OPTS", "nest", space="lwt-ip-opts"),
))

IP6 = Space("lwt-ip6", "LWTUNNEL_IP6", source=_TUN, fields=(
    _t(1, "LWTUNNEL_IP6_ID", "be64"),
    _t(2, "LWTUNNEL_IP6_DST", "ip"),          # nla_put_in6_addr
    _t(3, "LWTUNNEL_IP6_SRC", "ip"),
    _t(4, "LWTUNNEL_IP6_HOPLIMIT", "u8"),
    _t(5, "LWTUNNEL_IP6_TC", "u8"),
    _t(6, "LWTUNNEL_IP6_FLAGS", "be16"),
    _t(7, "LWTUNNEL_IP6_PAD", "binary"),
    _t(8, "LWTUNNEL_IP6_OPTS", "nest", space="lwt-ip-opts"),
))

IP_OPTS = Space("lwt-ip-opts", "LWTUNNEL_IP_OPTS", source=_TUN, fields=(
    _t(1, "LWTUNNEL_IP_OPTS_GENEVE", "nest", space="lwt-ip-opt-geneve"),
    _t(2, "LWTUNNEL_IP_OPTS_VXLAN", "nest", space="lwt-ip-opt-vxlan"),
    _t(3, "LWTUNNEL_IP_OPTS_ERSPAN", "nest", space="lwt-ip-opt-erspan"),
))

GENEVE = Space("lwt-ip-opt-geneve", "LWTUNNEL_IP_OPT_GENEVE", source=_TUN, fields=(
    _t(1, "LWTUNNEL_IP_OPT_GENEVE_CLASS", "be16"),
    _t(2, "LWTUNNEL_IP_OPT_GENEVE_TYPE", "u8"),
    _t(3, "LWTUNNEL_IP_OPT_GENEVE_DATA", "binary"),  # option data, opaque by design
))

VXLAN = Space("lwt-ip-opt-vxlan", "LWTUNNEL_IP_OPT_VXLAN", source=_TUN, fields=(
    _t(1, "LWTUNNEL_IP_OPT_VXLAN_GBP", "u32"),
))

ERSPAN = Space("lwt-ip-opt-erspan", "LWTUNNEL_IP_OPT_ERSPAN", source=_TUN, fields=(
    _t(1, "LWTUNNEL_IP_OPT_ERSPAN_VER", "u8"),
    _t(2, "LWTUNNEL_IP_OPT_ERSPAN_INDEX", "be32"),
    _t(3, "LWTUNNEL_IP_OPT_ERSPAN_DIR", "u8"),
    _t(4, "LWTUNNEL_IP_OPT_ERSPAN_HWID", "u8"),
))

SPACES: tuple[Space, ...] = (MPLS, IP, IP6, IP_OPTS, GENEVE, VXLAN, ERSPAN)

__all__ = ["ENCAP_SPACES", "ENCAP_TYPES", "ERSPAN", "GENEVE", "IP", "IP6", "IP_OPTS", "MPLS", "SPACES", "VXLAN"]
