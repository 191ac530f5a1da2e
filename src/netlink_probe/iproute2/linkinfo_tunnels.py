"""``ip -d`` info_data of IP tunnels: gre/gretap/erspan, ipip/sit, ip6tnl (iproute2 6.1 ip/link_gre.c,
link_iptnl.c, link_ip6tnl.c).

These print some keys whether or not the kernel sent the attribute: the
endpoints ("any" when absent or zero, tnl_print_endpoint), "ttl" (0) and, for
ipip/sit, "pmtudisc".  GRE flags and keys are big-endian on the wire
(ipgre_fill_info: nla_put_be16/be32); the tables decode them so, and GRE_KEY,
GRE_SEQ, GRE_CSUM are compared in that order.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .linkinfo_rows import (ABSENT, Many, Row, c_hex, dotted, encap, endpoint, hex_if_set, link_name,
                            present, same, ttl_always)

if TYPE_CHECKING:
    from .links import Links

GRE_CSUM, GRE_KEY, GRE_SEQ = 0x8000, 0x2000, 0x1000  # include/uapi/linux/if_tunnel.h, host values of the be16


def _gre_flags(data: dict[str, Any], _: Links) -> Any:
    """ikey/okey (dotted, as inet_ntop prints the be32 key) when GRE_KEY is set; iseq/oseq/icsum/ocsum."""
    iflags, oflags = data.get("IFLA_GRE_IFLAGS", 0) or 0, data.get("IFLA_GRE_OFLAGS", 0) or 0
    out = Many()
    if iflags & GRE_KEY and "IFLA_GRE_IKEY" in data:
        out["ikey"] = dotted(data["IFLA_GRE_IKEY"])
    if oflags & GRE_KEY and "IFLA_GRE_OKEY" in data:
        out["okey"] = dotted(data["IFLA_GRE_OKEY"])
    for key, flags, bit in (("iseq", iflags, GRE_SEQ), ("oseq", oflags, GRE_SEQ), ("icsum", iflags, GRE_CSUM),
                            ("ocsum", oflags, GRE_CSUM)):
        if flags & bit:
            out[key] = True
    return out


def _pmtudisc_gre(v: Any, _: Links) -> bool:
    return bool(v)


GRE: tuple[Row, ...] = (
    ("external", "IFLA_GRE_COLLECT_METADATA", present),
    ("remote", None, endpoint("IFLA_GRE_REMOTE")), ("local", None, endpoint("IFLA_GRE_LOCAL")),
    ("link", "IFLA_GRE_LINK", link_name),
    ("ttl", None, ttl_always("IFLA_GRE_TTL")),
    ("tos", "IFLA_GRE_TOS", hex_if_set),
    ("pmtudisc", "IFLA_GRE_PMTUDISC", _pmtudisc_gre),
    ("ignore_df", "IFLA_GRE_IGNORE_DF", lambda v, _: True if v else ABSENT),
    ("*", None, _gre_flags),
    ("fwmark", "IFLA_GRE_FWMARK", hex_if_set),
    ("erspan_index", "IFLA_GRE_ERSPAN_INDEX", same),
    ("erspan_ver", "IFLA_GRE_ERSPAN_VER", same),
    ("erspan_dir", "IFLA_GRE_ERSPAN_DIR", lambda v, _: "ingress" if v == 0 else "egress"),
    ("erspan_hwid", "IFLA_GRE_ERSPAN_HWID", lambda v, _: c_hex(v)),
    ("encap", None, encap("IFLA_GRE")),
)


def _proto(names_: dict[int, str]) -> Any:
    def read(v: Any, _: Links) -> Any:
        return names_.get(v, ABSENT)
    return read


def _sixrd(data: dict[str, Any], _: Links) -> Any:
    """sit's 6rd prefix (and relay prefix when set), when IFLA_IPTUN_6RD_PREFIXLEN is nonzero."""
    plen = data.get("IFLA_IPTUN_6RD_PREFIXLEN")
    if not plen:
        return ABSENT
    out = Many(prefix=data.get("IFLA_IPTUN_6RD_PREFIX"), prefixlen=plen)
    relay = data.get("IFLA_IPTUN_6RD_RELAY_PREFIX")
    if isinstance(relay, str) and relay != "0.0.0.0":
        out["relay_prefix"] = relay
        out["relay_prefixlen"] = data.get("IFLA_IPTUN_6RD_RELAY_PREFIXLEN", 0)
    return out


def _isatap(v: Any, _: Links) -> Any:
    # ip reads the flags with rta_getattr_u16 (host order) and tests SIT_ISATAP (0x0001); the tables
    # decode sit's IFLA_IPTUN_FLAGS as be16, so the host-order low bit is the be16 value's bit 8
    return True if isinstance(v, int) and (v >> 8) & 1 else ABSENT


IPTUN: tuple[Row, ...] = (
    ("external", "IFLA_IPTUN_COLLECT_METADATA", present),
    ("proto", "IFLA_IPTUN_PROTO", _proto({4: "ipip", 41: "ip6ip", 137: "mplsip", 0: "any"})),
    ("remote", None, endpoint("IFLA_IPTUN_REMOTE")), ("local", None, endpoint("IFLA_IPTUN_LOCAL")),
    ("link", "IFLA_IPTUN_LINK", link_name),
    ("ttl", None, ttl_always("IFLA_IPTUN_TTL")),
    ("tos", "IFLA_IPTUN_TOS", hex_if_set),
    ("pmtudisc", None, lambda d, _: bool(d.get("IFLA_IPTUN_PMTUDISC"))),
    ("isatap", "IFLA_IPTUN_FLAGS", _isatap),
    ("*", None, _sixrd),
    ("fwmark", "IFLA_IPTUN_FWMARK", hex_if_set),
    ("encap", None, encap("IFLA_IPTUN")),
)

IP6_TNL_F_IGN_ENCAP_LIMIT, IP6_TNL_F_USE_ORIG_TCLASS, IP6_TNL_F_USE_ORIG_FLOWLABEL = 0x1, 0x2, 0x4
IP6_TNL_F_MIP6_DEV, IP6_TNL_F_RCV_DSCP_COPY, IP6_TNL_F_USE_ORIG_FWMARK = 0x8, 0x10, 0x20
IP6_TNL_F_ALLOW_LOCAL_REMOTE = 0x40  # include/uapi/linux/ip6_tunnel.h


def _ip6tnl_flags(data: dict[str, Any], _: Links) -> Any:
    """encap limit, tclass, flowlabel (each "inherit"-able by a flag), dscp/mip6/local-remote, fwmark."""
    flags = data.get("IFLA_IPTUN_FLAGS", 0) or 0
    flowinfo = data.get("IFLA_IPTUN_FLOWINFO")
    out = Many()
    if flags & IP6_TNL_F_IGN_ENCAP_LIMIT:
        out["ip6_tnl_f_ign_encap_limit"] = True
    elif "IFLA_IPTUN_ENCAP_LIMIT" in data:
        out["encap_limit"] = data["IFLA_IPTUN_ENCAP_LIMIT"]
    if flags & IP6_TNL_F_USE_ORIG_TCLASS:
        out["ip6_tnl_f_use_orig_tclass"] = True
    elif isinstance(flowinfo, int):
        out["tclass"] = f"0x{(flowinfo & 0x0FF00000) >> 20:02x}"
    if flags & IP6_TNL_F_USE_ORIG_FLOWLABEL:
        out["ip6_tnl_f_use_orig_flowlabel"] = True
    elif isinstance(flowinfo, int):
        out["flowlabel"] = f"0x{flowinfo & 0x000FFFFF:05x}"
    for key, bit in (("ip6_tnl_f_rcv_dscp_copy", IP6_TNL_F_RCV_DSCP_COPY), ("ip6_tnl_f_mip6_dev", IP6_TNL_F_MIP6_DEV),
                     ("ip6_tnl_f_allow_local_remote", IP6_TNL_F_ALLOW_LOCAL_REMOTE)):
        if flags & bit:
            out[key] = True
    if flags & IP6_TNL_F_USE_ORIG_FWMARK:
        out["ip6_tnl_f_use_orig_fwmark"] = True
    elif data.get("IFLA_IPTUN_FWMARK"):
        out["fwmark"] = c_hex(data["IFLA_IPTUN_FWMARK"])
    return out


IP6TNL: tuple[Row, ...] = (
    ("external", "IFLA_IPTUN_COLLECT_METADATA", present),
    ("proto", "IFLA_IPTUN_PROTO", _proto({4: "ipip6", 41: "ip6ip6", 0: "any"})),
    ("remote", None, endpoint("IFLA_IPTUN_REMOTE")), ("local", None, endpoint("IFLA_IPTUN_LOCAL")),
    ("link", "IFLA_IPTUN_LINK", link_name),
    ("ttl", None, ttl_always("IFLA_IPTUN_TTL")),
    ("*", None, _ip6tnl_flags),
    ("encap", None, encap("IFLA_IPTUN")),
)

__all__ = ["GRE", "IP6TNL", "IPTUN"]
