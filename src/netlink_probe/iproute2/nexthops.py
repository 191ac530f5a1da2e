"""Nexthop objects as ``ip -j nexthop`` and ``ip nexthop`` show them (iproute2 6.1 print_nexthop).

RTM_NEWNEXTHOP carries ``struct nhmsg`` (family, scope, protocol, flags) and
NHA_* attributes.  The build headers (6.1 UAPI, through the binding) lack
linux/nexthop.h, so its numbers are written here from
include/uapi/linux/nexthop.h.  # TODO(schema): take NHA_* and struct nhmsg /
nexthop_grp from the typed tables once codec/schema/decode.py lands.
"""
from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Any

from .. import constants as C
from ..codec.message import Message
from ..codec.values import ip
from .color import PLAIN, Palette
from .links import Links
from .names import names
from .routes import rt_flags

NHMSG = struct.Struct("=BBBBI")  # struct nhmsg: nh_family, nh_scope, nh_protocol, resvd, nh_flags
NHA_ID, NHA_GROUP, NHA_GROUP_TYPE, NHA_BLACKHOLE, NHA_OIF, NHA_GATEWAY = 1, 2, 3, 4, 5, 6
NHA_ENCAP_TYPE, NHA_ENCAP, NHA_GROUPS, NHA_MASTER, NHA_FDB, NHA_RES_GROUP = 7, 8, 9, 10, 11, 12
NEXTHOP_GRP_TYPE_RES = 1
_GRP = struct.Struct("=IBBH")  # struct nexthop_grp: id, weight, weight_high (6.12+; resvd1 before), resvd2


def dump_payload(family: int = C.AF_UNSPEC) -> bytes:
    """The nhmsg of an RTM_GETNEXTHOP dump (the kernel refuses nonzero scope/protocol/flags)."""
    return NHMSG.pack(family, 0, 0, 0, 0)


def nexthop_json(m: Message, links: Links, *, details: bool = False) -> dict[str, Any] | None:
    """One RTM_NEWNEXTHOP as `ip -j nexthop` (with *details*: `ip -j -d nexthop`) prints it."""
    if m.type not in (C.RTM_NEWNEXTHOP, C.RTM_DELNEXTHOP) or m.length - 16 < NHMSG.size:
        return None
    family, scope, protocol, _, flags = NHMSG.unpack_from(m.payload)
    a = m.attrs(NHMSG.size)
    nm = names()
    d: dict[str, Any] = {}
    if m.type == C.RTM_DELNEXTHOP:
        d["deleted"] = True
    d["id"] = a.u32(NHA_ID)
    if NHA_GROUP in a:
        raw = bytes(a.get(NHA_GROUP))
        group = []
        for off in range(0, len(raw) - _GRP.size + 1, _GRP.size):
            gid, weight, _, _ = _GRP.unpack_from(raw, off)
            entry: dict[str, Any] = {"id": gid}
            if weight:
                entry["weight"] = weight + 1
            group.append(entry)
        d["group"] = group
    if NHA_GROUP_TYPE in a and a.u16(NHA_GROUP_TYPE) == NEXTHOP_GRP_TYPE_RES:
        d["type"] = "resilient"
    if NHA_GATEWAY in a:
        d["gateway"] = ip(a.get(NHA_GATEWAY))
    if NHA_OIF in a:
        d["dev"] = links.name(a.u32(NHA_OIF))
    if scope != C.RT_SCOPE_UNIVERSE or details:
        d["scope"] = nm.scopes.get(scope, str(scope))
    if NHA_BLACKHOLE in a:
        d["blackhole"] = None
    if protocol != C.RTPROT_UNSPEC or details:
        d["protocol"] = nm.protocols.get(protocol, str(protocol))
    d["flags"] = rt_flags(flags)
    if NHA_FDB in a:
        d["fdb"] = None
    return d


def nexthops_text(objs: Iterable[dict[str, Any]], palette: Palette = PLAIN) -> str:
    """`ip nexthop`'s lines ("id 2 via 192.0.2.2 dev vb scope link "), from `nexthop_json` objects."""
    lines = []
    for d in objs:
        s = f"id {d['id']} "
        if "group" in d:
            s += "group " + "/".join(f"{g['id']}" + (f",{g['weight']}" if "weight" in g else "")
                                     for g in d["group"]) + " "
        if "type" in d:
            s += f"type {d['type']} "
        if "gateway" in d:
            s += f"via {palette.address(None, d['gateway'])} "
        if "dev" in d:
            s += f"dev {palette.paint('ifname', d['dev'])} "
        if "scope" in d:
            s += f"scope {d['scope']} "
        if "blackhole" in d:
            s += "blackhole "
        if "protocol" in d:
            s += f"proto {d['protocol']} "
        if d.get("flags"):
            s += " ".join(d["flags"]) + " "
        if "fdb" in d:
            s += "fdb"
        lines.append(s)
    return "\n".join(lines)


__all__ = ["NHMSG", "dump_payload", "nexthop_json", "nexthops_text"]
