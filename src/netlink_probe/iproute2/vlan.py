"""Bridge port VLANs as ``bridge -j vlan`` and ``bridge vlan`` show them (iproute2 6.1 print_vlan_info).

An RTM_GETLINK dump in family AF_BRIDGE asking, with IFLA_EXT_MASK
RTEXT_FILTER_BRVLAN, for each port's IFLA_AF_SPEC IFLA_BRIDGE_VLAN_INFO
entries (``struct bridge_vlan_info {u16 flags; u16 vid}``).  A port without
VLANs (no IFLA_AF_SPEC: a kernel without CONFIG_BRIDGE_VLAN_FILTERING) is
not shown.  # TODO(schema): struct bridge_vlan_info from the typed tables.
"""
from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Any

from .. import constants as C
from ..codec import attribute as A
from ..codec import layouts as L
from ..codec.message import Message
from .color import PLAIN, Palette
from .links import Links

RTEXT_FILTER_BRVLAN = 2  # include/uapi/linux/rtnetlink.h
VLAN_INFO = struct.Struct("=HH")
_PVID, _UNTAGGED, _RANGE_BEGIN, _RANGE_END = 0x2, 0x4, 0x8, 0x10  # BRIDGE_VLAN_INFO_*


def dump_payload() -> bytes:
    """ifinfomsg (AF_BRIDGE) + IFLA_EXT_MASK RTEXT_FILTER_BRVLAN, as `bridge vlan show` asks."""
    return L.IFINFOMSG.pack(ifi_family=C.AF_BRIDGE) + A.u32(C.IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN)


def vlan_json(m: Message, links: Links, *, dev: int = 0) -> dict[str, Any] | None:
    """One AF_BRIDGE RTM_NEWLINK as an element of `bridge -j vlan`, or None when it has no VLANs."""
    if m.type != C.RTM_NEWLINK:
        return None
    h = m.header(L.IFINFOMSG)
    if h.ifi_family != C.AF_BRIDGE or (dev and h.ifi_index != dev):
        return None
    af = m.attrs(L.IFINFOMSG.size).nested(C.IFLA_AF_SPEC)
    if af is None:
        return None
    vlans = []
    start = 0
    for attr in af:
        if attr.type != C.IFLA_BRIDGE_VLAN_INFO or len(attr.value) < VLAN_INFO.size:
            continue
        flags, vid = VLAN_INFO.unpack_from(attr.value)
        if not flags & _RANGE_END:
            start = vid
        if flags & _RANGE_BEGIN:
            continue
        v: dict[str, Any] = {"vlan": start}
        if start != vid:
            v["vlanEnd"] = vid
        if flags:
            v["flags"] = [name for bit, name in ((_PVID, "PVID"), (_UNTAGGED, "Egress Untagged")) if flags & bit]
        vlans.append(v)
    if not vlans:
        return None
    return {"ifname": links.name(h.ifi_index), "vlans": vlans}


def vlans_text(objs: Iterable[dict[str, Any]], palette: Palette = PLAIN) -> str:
    """`bridge vlan`'s table (port, vlan-id and flags per line), from `vlan_json` objects.

    No blank line between ports: iproute2 6.1 prints none (measured with two ports, a bridge port and
    the bridge's own VLAN 1, on Debian's 5.10, 6.1 and 6.12 kernels)."""
    lines = ["port              vlan-id  "]
    for d in objs:
        for i, v in enumerate(d["vlans"]):
            name = palette.paint("ifname", d["ifname"]) if i == 0 else ""
            vid = f"{v['vlan']}" + (f"-{v['vlanEnd']}" if "vlanEnd" in v else "")
            pad = " " * (16 - len(d["ifname"] if i == 0 else ""))
            lines.append(f"{name}{pad}  {vid}" + "".join(f" {f}" for f in v.get("flags", [])))
    return "\n".join(lines)


__all__ = ["dump_payload", "vlan_json", "vlans_text"]
