"""Routes as ``ip -j route`` and ``ip route`` show them (iproute2 print_route), with ip's default filter."""
from __future__ import annotations

from typing import Any

from .. import constants as C
from ..codec import layouts as L
from ..codec.attribute import Attrs
from ..codec.message import Message
from ..codec.multipath import multipath
from ..codec.values import ip
from .color import PLAIN, Palette
from .links import Links
from .names import names

_RT_FLAGS = (("RTNH_F_DEAD", "dead"), ("RTNH_F_ONLINK", "onlink"), ("RTNH_F_PERVASIVE", "pervasive"),
             ("RTNH_F_OFFLOAD", "offload"), ("RTNH_F_TRAP", "trap"), ("RTM_F_NOTIFY", "notify"),
             ("RTNH_F_LINKDOWN", "linkdown"), ("RTNH_F_UNRESOLVED", "unresolved"), ("RTM_F_OFFLOAD", "rt_offload"),
             ("RTM_F_TRAP", "rt_trap"), ("RTM_F_OFFLOAD_FAILED", "rt_offload_failed"))
_PREFS = {3: "low", 0: "medium", 1: "high"}  # ICMPV6_ROUTER_PREF_* (linux/icmpv6.h)


def rt_flags(flags: int) -> list[str]:
    """Route and next-hop flags (RTNH_F_*, RTM_F_*) by ip's names."""
    return [name for const, name in _RT_FLAGS if hasattr(C, const) and flags & getattr(C, const)]


def route_json(m: Message, links: Links, family: int = C.AF_INET, table: int = C.RT_TABLE_MAIN, *,
               details: bool = False, oif: int = 0) -> dict[str, Any] | None:
    """One RTM_NEWROUTE as `ip -j route` prints it, or None when ip's default filter hides it.

    *family* 0 and *table* 0 mean any; *details* is `ip -d` (type, table, protocol and scope always
    shown); *oif* is `dev NAME`'s filter (ip then leaves "dev" out).  A malformed RTA_MULTIPATH raises
    DecodeError.
    """
    if m.type not in (C.RTM_NEWROUTE, C.RTM_DELROUTE):
        return None
    h = m.header(L.RTMSG)
    fam = h.rtm_family
    if family and fam != family:
        return None
    a = m.attrs(L.RTMSG.size)
    tb_id = a.u32(C.RTA_TABLE, h.rtm_table)
    if h.rtm_flags & C.RTM_F_CLONED:
        return None
    if table and tb_id != table:
        return None
    prio = a.u32(C.RTA_PRIORITY)
    if fam == C.AF_INET6 and h.rtm_dst_len == 0 and h.rtm_type == C.RTN_UNREACHABLE and prio == 0xFFFFFFFF:
        return None  # the ip6 null entry, hidden by iproute2's filter_nlmsg
    nm = names()
    host_len = 32 if fam == C.AF_INET else 128 if fam == C.AF_INET6 else -1
    d: dict[str, Any] = {}
    if m.type == C.RTM_DELROUTE:
        d["deleted"] = True
    if oif and a.u32(C.RTA_OIF) != oif:
        return None
    if h.rtm_type != C.RTN_UNICAST or details:
        d["type"] = nm.route_types.get(h.rtm_type, str(h.rtm_type))
    dst = a.get(C.RTA_DST)
    if dst is not None:
        d["dst"] = ip(dst) if h.rtm_dst_len == host_len else f"{ip(dst)}/{h.rtm_dst_len}"
    elif h.rtm_dst_len:
        d["dst"] = f"0/{h.rtm_dst_len} "
    else:
        d["dst"] = "default"
    src = a.get(C.RTA_SRC)
    if src is not None:
        d["from"] = ip(src) if h.rtm_src_len == host_len else f"{ip(src)}/{h.rtm_src_len}"
    elif h.rtm_src_len:
        d["src"] = f"0/{h.rtm_src_len}"
    if C.RTA_NH_ID in a:
        d["nhid"] = a.u32(C.RTA_NH_ID)
    if h.rtm_tos:
        d["tos"] = f"0x{h.rtm_tos:02x}"
    if C.RTA_GATEWAY in a:
        d["gateway"] = ip(a.get(C.RTA_GATEWAY))
    if C.RTA_OIF in a and not oif:
        d["dev"] = links.name(a.u32(C.RTA_OIF))
    if tb_id and (tb_id != C.RT_TABLE_MAIN or details) and not table:
        d["table"] = nm.tables.get(tb_id, str(tb_id))
    if h.rtm_protocol != C.RTPROT_BOOT or details:
        d["protocol"] = nm.protocols.get(h.rtm_protocol, str(h.rtm_protocol))
    if h.rtm_scope != C.RT_SCOPE_UNIVERSE or details:
        d["scope"] = nm.scopes.get(h.rtm_scope, str(h.rtm_scope))
    if C.RTA_PREFSRC in a:
        d["prefsrc"] = ip(a.get(C.RTA_PREFSRC))
    if prio is not None:
        d["metric"] = prio
    d["flags"] = rt_flags(h.rtm_flags)
    mark = a.u32(C.RTA_MARK)
    if mark:
        d["mark"] = mark
    if C.RTA_UID in a:
        d["uid"] = a.u32(C.RTA_UID)
    if C.RTA_IIF in a:
        d["iif"] = links.name(a.u32(C.RTA_IIF))
    if C.RTA_PREF in a:
        p = a.u8(C.RTA_PREF)
        d["pref"] = _PREFS.get(p, p)
    hops = multipath(a)
    if hops is not None:
        d["nexthops"] = [_nexthop(hop, links) for hop in hops]
    return d


def _nexthop(hop: dict[str, Any], links: Links) -> dict[str, Any]:
    """One `codec.multipath` entry as an element of ip's "nexthops"."""
    d: dict[str, Any] = {}
    inner: Attrs = hop["attrs"]
    if C.RTA_GATEWAY in inner:
        d["gateway"] = ip(inner.get(C.RTA_GATEWAY))
    d["dev"] = links.name(hop["rtnh_ifindex"])
    d["weight"] = hop["rtnh_hops"] + 1
    d["flags"] = rt_flags(hop["rtnh_flags"])
    return d


def routes_text(objs: list[dict[str, Any]], palette: Palette = PLAIN) -> str:
    """`ip route`'s lines, from `route_json` objects (next hops on their own tab-indented lines)."""
    lines = []
    for d in objs:
        s = " ".join(x for x in (d.get("type"), palette.address(None, d["dst"])) if x)
        for key, word in (("from", "from"), ("nhid", "nhid"), ("tos", "tos"), ("gateway", "via"), ("dev", "dev"),
                          ("table", "table"), ("protocol", "proto"), ("scope", "scope"), ("prefsrc", "src"),
                          ("metric", "metric")):
            if key in d:
                s += f" {word} {_painted(key, str(d[key]), palette)}"
        if d.get("flags"):
            s += " " + " ".join(d["flags"])
        if "pref" in d:
            s += f" pref {d['pref']}"
        for nh in d.get("nexthops", ()):
            s += "\n\tnexthop" + (f" via {palette.address(None, nh['gateway'])}" if "gateway" in nh else "") + \
                 f" dev {palette.paint('ifname', nh['dev'])} weight {nh['weight']}"
        lines.append(s)
    return "\n".join(lines)


def _painted(key: str, value: str, palette: Palette) -> str:
    """A route field as `ip -c route` colours it: addresses by family, device names."""
    if key in ("from", "gateway", "prefsrc"):
        return palette.address(None, value)
    if key == "dev":
        return palette.paint("ifname", value)
    return value


__all__ = ["route_json", "routes_text", "rt_flags"]
