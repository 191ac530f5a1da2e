"""Neighbours as ``ip -j neigh`` and ``ip neigh`` show them (iproute2 print_neigh), NOARP entries hidden."""
from __future__ import annotations

from typing import Any

from .. import constants as C
from ..codec import layouts as L
from ..codec.message import Message
from ..codec.values import ip
from .color import PLAIN, Palette
from .links import Links
from .linktypes import ll_addr
from .names import names

_NUD_ORDER = ("INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "NOARP", "PERMANENT")


def neigh_json(m: Message, links: Links, family: int = C.AF_UNSPEC, *, dev: int = 0,
               stats: bool = False) -> dict[str, Any] | None:
    """One RTM_NEWNEIGH as `ip -j neigh` prints it, or None when ip's default filter hides it.

    *dev* is `dev NAME`'s filter (ip then leaves "dev" out); *stats* is `ip -s neigh` (the cache
    timers in seconds and the probe count)."""
    if m.type not in (C.RTM_NEWNEIGH, C.RTM_DELNEIGH, C.RTM_GETNEIGH):
        return None
    h = m.header(L.NDMSG)
    index, state, flags = h.ndm_ifindex, h.ndm_state, h.ndm_flags
    if family and h.ndm_family != family:
        return None
    if h.ndm_family == C.AF_BRIDGE or (dev and index != dev):
        return None  # AF_BRIDGE entries are the fdb (`bridge fdb`); ip neigh asks for inet/inet6 only
    show = 0xFF & ~C.NUD_NOARP
    if not (show & state) and not flags & (C.NTF_PROXY | C.NTF_EXT_LEARNED):
        return None  # iproute2 print_neigh's default state filter
    a = m.attrs(L.NDMSG.size)
    d: dict[str, Any] = {}
    if m.type == C.RTM_DELNEIGH:
        d["deleted"] = True
    elif m.type == C.RTM_GETNEIGH:
        d["miss"] = None
    if C.NDA_DST in a:
        d["dst"] = ip(a.get(C.NDA_DST))
    if index and not dev:
        d["dev"] = links.name(index)
    if C.NDA_LLADDR in a:
        d["lladdr"] = ll_addr(a.get(C.NDA_LLADDR), links.type(index))
    for bit, name in ((C.NTF_ROUTER, "router"), (C.NTF_PROXY, "proxy"), (C.NTF_EXT_LEARNED, "extern_learn"),
                      (C.NTF_OFFLOADED, "offload")):
        if flags & bit:
            d[name] = None
    if stats:
        ci = a.get(C.NDA_CACHEINFO)
        if ci is not None and len(ci) >= L.NDA_CACHEINFO.size:
            c = L.NDA_CACHEINFO.unpack(ci)  # clock_t (USER_HZ 100) -> seconds, as ip's print_cacheinfo
            if c.ndm_refcnt:
                d["refcnt"] = c.ndm_refcnt
            d["used"], d["confirmed"], d["updated"] = c.ndm_used // 100, c.ndm_confirmed // 100, \
                c.ndm_updated // 100
        if C.NDA_PROBES in a:
            d["probes"] = a.u32(C.NDA_PROBES)
    if state:
        d["state"] = [n for n in _NUD_ORDER if state & getattr(C, "NUD_" + n)]
    proto = a.u8(C.NDA_PROTOCOL) if hasattr(C, "NDA_PROTOCOL") else None
    if proto:
        d["protocol"] = names().protocols.get(proto, str(proto))
    return d


def neigh_text(objs: list[dict[str, Any]], palette: Palette = PLAIN) -> str:
    """`ip neigh`'s one line per neighbour, from `neigh_json` objects."""
    lines = []
    for d in objs:
        s = palette.address(None, d.get("dst", ""))
        if "dev" in d:
            s += f" dev {palette.paint('ifname', d['dev'])}"
        if "lladdr" in d:
            s += f" lladdr {palette.paint('mac', d['lladdr'])}"
        for k in ("router", "proxy", "extern_learn", "offload"):
            if k in d:
                s += f" {k}"
        if "state" in d:
            s += " " + " ".join(d["state"])
        lines.append(s.strip())
    return "\n".join(lines)


__all__ = ["neigh_json", "neigh_text"]
