"""The bridge forwarding database as ``bridge -j fdb`` and ``bridge fdb`` show it (iproute2 6.1 print_fdb).

An RTM_GETNEIGH dump in family AF_BRIDGE: ``struct ndmsg`` and NDA_*
attributes per entry.  NDA_PORT is big-endian (``get_be16`` in
drivers/net/vxlan/vxlan_core.c); ``state`` is bridge's state_n2a:
permanent, static (NUD_NOARP), stale, "" (NUD_REACHABLE), else hex.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import constants as C
from ..codec import layouts as L
from ..codec.message import Message
from ..codec.values import ip
from .color import PLAIN, Palette
from .links import Links

_FLAGS = (("NTF_SELF", "self"), ("NTF_ROUTER", "router"), ("NTF_EXT_LEARNED", "extern_learn"),
          ("NTF_OFFLOADED", "offload"), ("NTF_MASTER", "master"), ("NTF_STICKY", "sticky"))
NTF_EXT_LOCKED = 0x2  # include/uapi/linux/neighbour.h (6.1 headers may lack it)


def fdb_state(state: int) -> str:
    """bridge's state_n2a for an fdb entry (JSON form)."""
    if state & C.NUD_PERMANENT:
        return "permanent"
    if state & C.NUD_NOARP:
        return "static"
    if state & C.NUD_STALE:
        return "stale"
    if state & C.NUD_REACHABLE:
        return ""
    return f"{state:#x}"


def fdb_json(m: Message, links: Links, *, dev: int = 0, stats: bool = False) -> dict[str, Any] | None:
    """One AF_BRIDGE RTM_NEWNEIGH as `bridge -j fdb` prints it; *dev* (an ifindex) filters as `dev NAME`
    does and hides "ifname"."""
    if m.type not in (C.RTM_NEWNEIGH, C.RTM_DELNEIGH):
        return None
    h = m.header(L.NDMSG)
    if h.ndm_family != C.AF_BRIDGE or (dev and h.ndm_ifindex != dev):
        return None
    a = m.attrs(L.NDMSG.size)
    d: dict[str, Any] = {}
    if m.type == C.RTM_DELNEIGH:
        d["deleted"] = True
    if C.NDA_LLADDR in a:
        d["mac"] = bytes(a.get(C.NDA_LLADDR)).hex(":")
    if not dev and h.ndm_ifindex:
        d["ifname"] = links.name(h.ndm_ifindex)
    if C.NDA_VLAN in a:
        d["vlan"] = a.u16(C.NDA_VLAN)
    if C.NDA_SRC_VNI in a:
        d["src_vni"] = a.u32(C.NDA_SRC_VNI)
    if C.NDA_DST in a:
        d["dst"] = ip(a.get(C.NDA_DST))
    if C.NDA_PORT in a:
        d["port"] = a.be16(C.NDA_PORT)
    if C.NDA_VNI in a:
        d["vni"] = a.u32(C.NDA_VNI)
    if C.NDA_IFINDEX in a:
        d["viaIf"] = links.name(a.u32(C.NDA_IFINDEX))  # bridge -j's key; the text says "via"
    if hasattr(C, "NDA_NH_ID") and C.NDA_NH_ID in a:
        d["nhid"] = a.u32(C.NDA_NH_ID)
    if C.NDA_LINK_NETNSID in a:
        d["linkNetNsId"] = a.u32(C.NDA_LINK_NETNSID)
    if stats and C.NDA_CACHEINFO in a:
        ci = L.NDA_CACHEINFO.unpack(a.get(C.NDA_CACHEINFO))
        d["used"], d["updated"] = ci.ndm_used // 100, ci.ndm_updated // 100  # clock_t (USER_HZ 100) -> s
    ext = a.u32(C.NDA_FLAGS_EXT, 0) if hasattr(C, "NDA_FLAGS_EXT") else 0
    flags = [name for const, name in _FLAGS if h.ndm_flags & getattr(C, const, 0)]
    if ext & NTF_EXT_LOCKED:
        flags.append("locked")
    d["flags"] = flags
    if C.NDA_MASTER in a:
        d["master"] = links.name(a.u32(C.NDA_MASTER))
    d["state"] = fdb_state(h.ndm_state)
    return d


def fdb_text(objs: Iterable[dict[str, Any]], palette: Palette = PLAIN) -> str:
    """`bridge fdb`'s lines ("MAC dev NAME vlan N master BR permanent"), from `fdb_json` objects."""
    lines = []
    for d in objs:
        s = palette.paint("mac", d.get("mac", "")) + " "
        if "ifname" in d:
            s += f"dev {palette.paint('ifname', d['ifname'])} "
        for key, word in (("vlan", "vlan"), ("src_vni", "src_vni"), ("dst", "dst"), ("port", "port"),
                          ("vni", "vni"), ("viaIf", "via"), ("nhid", "nhid"), ("linkNetNsId", "link-netnsid"),
                          ("used", "used"), ("updated", "updated")):
            if key in d:
                s += f"{word} {d[key]} "
        s += "".join(f"{f} " for f in d["flags"])
        if "master" in d:
            s += f"master {palette.paint('ifname', d['master'])} "
        lines.append(s + d["state"])  # a learned entry ends "master br0 " (state ""), as bridge prints it
    return "\n".join(lines)


__all__ = ["fdb_json", "fdb_state", "fdb_text"]
