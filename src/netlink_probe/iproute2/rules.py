"""Routing rules as ``ip -j rule`` and ``ip rule`` show them (iproute2 6.1 print_rule).

One RTM_NEWRULE (``struct fib_rule_hdr`` + FRA_* attributes) per rule; the
keys, their order and the cases follow ip's print_rule: ``"src": "all"``
when the rule matches any source, ``"not"``/``"l3mdev"`` as JSON null (ip's
print_null), ``"goto"`` for FR_ACT_GOTO, ``"action"`` for the other
non-lookup actions, ``"protocol"`` only when not kernel/unspec or with ``-d``.
"""
from __future__ import annotations

import functools
import struct
from collections.abc import Iterator
from typing import Any

from .. import constants as C
from ..codec import layouts as L
from ..codec.message import Message
from ..codec.values import ip
from .color import PLAIN, Palette
from .linkinfo_rows import c_hex
from .names import names, read_table

FIB_RULE_INVERT, FIB_RULE_UNRESOLVED, FIB_RULE_IIF_DETACHED, FIB_RULE_OIF_DETACHED = 0x2, 0x4, 0x8, 0x10
FR_ACT_TO_TBL, FR_ACT_GOTO, FR_ACT_NOP = 1, 2, 3
RTN_NAT = 10
_ACTIONS = {6: "blackhole", 7: "unreachable", 8: "prohibit"}  # FR_ACT_* (fib_rules.h), named as RTN_*


@functools.lru_cache(maxsize=1)
def ip_protocols() -> dict[int, str]:
    """/etc/protocols as getprotobynumber reads it (number -> first name)."""
    out: dict[int, str] = {}
    try:
        with open("/etc/protocols") as f:
            for line in f:
                parts = line.split("#", 1)[0].split()
                if len(parts) >= 2 and parts[1].isdigit():
                    out.setdefault(int(parts[1]), parts[0])
    except OSError:
        pass
    return out


@functools.lru_cache(maxsize=1)
def _dsfields() -> dict[int, str]:
    return read_table("rt_dsfield", {})


@functools.lru_cache(maxsize=1)
def _realms() -> dict[int, str]:
    return read_table("rt_realms", {0: "unknown"})


def _ports(d: dict[str, Any], key: str, raw: Any) -> None:
    start, end = struct.unpack_from("=HH", raw)  # struct fib_rule_port_range  # TODO(schema)
    if start == end:
        d[key] = start
    else:
        d[key + "_start"], d[key + "_end"] = start, end


def rule_json(m: Message, *, details: bool = False) -> dict[str, Any] | None:
    """One RTM_NEWRULE as `ip -j rule` (`ip -j -d rule` with *details*) prints it; None for other types."""
    if m.type not in (C.RTM_NEWRULE, C.RTM_DELRULE):
        return None
    h = m.header(L.FIB_RULE_HDR)
    a = m.attrs(L.FIB_RULE_HDR.size)
    host_len = 32 if h.family == C.AF_INET else 128
    nm = names()
    d: dict[str, Any] = {}
    if m.type == C.RTM_DELRULE:
        d["deleted"] = True
    d["priority"] = a.u32(C.FRA_PRIORITY, 0)
    if h.flags & FIB_RULE_INVERT:
        d["not"] = None
    for key, attr, plen in (("src", C.FRA_SRC, h.src_len), ("dst", C.FRA_DST, h.dst_len)):
        if attr in a:
            d[key] = ip(a.get(attr))
            if plen != host_len:
                d[key + "len"] = plen
        elif plen:
            d[key], d[key + "len"] = "0", plen
        elif key == "src":
            d["src"] = "all"
    if h.tos:
        d["tos"] = _dsfields().get(h.tos, f"0x{h.tos:02x}")  # rtnl_dsfield_n2a
    if C.FRA_FWMARK in a or C.FRA_FWMASK in a:
        mark, mask = a.u32(C.FRA_FWMARK, 0), a.u32(C.FRA_FWMASK, 0xFFFFFFFF)
        d["fwmark"] = c_hex(mark)
        if mask != 0xFFFFFFFF:
            d["fwmask"] = c_hex(mask)
    if C.FRA_IIFNAME in a:
        d["iif"] = a.str(C.FRA_IIFNAME)
        if h.flags & FIB_RULE_IIF_DETACHED:
            d["iif_detached"] = None
    if C.FRA_OIFNAME in a:
        d["oif"] = a.str(C.FRA_OIFNAME)
        if h.flags & FIB_RULE_OIF_DETACHED:
            d["oif_detached"] = None
    if a.u8(C.FRA_L3MDEV):
        d["l3mdev"] = None
    if C.FRA_UID_RANGE in a:
        d["uid_start"], d["uid_end"] = struct.unpack_from("=II", a.get(C.FRA_UID_RANGE))  # TODO(schema)
    if C.FRA_IP_PROTO in a:
        p = a.u8(C.FRA_IP_PROTO)
        d["ipproto"] = ip_protocols().get(p, f"ipproto-{p}")
    if C.FRA_SPORT_RANGE in a:
        _ports(d, "sport", a.get(C.FRA_SPORT_RANGE))
    if C.FRA_DPORT_RANGE in a:
        _ports(d, "dport", a.get(C.FRA_DPORT_RANGE))
    if C.FRA_TUN_ID in a:
        d["tun_id"] = int.from_bytes(bytes(a.get(C.FRA_TUN_ID))[:8], "big")
    table = a.u32(C.FRA_TABLE, h.table)
    if table:
        d["table"] = nm.tables.get(table, str(table))
        pl = a.s32(C.FRA_SUPPRESS_PREFIXLEN)
        if pl is not None and pl != -1:
            d["suppress_prefixlen"] = pl
        grp = a.u32(C.FRA_SUPPRESS_IFGROUP)
        if grp is not None and grp != 0xFFFFFFFF:
            d["suppress_ifgroup"] = nm.groups.get(grp, str(grp))
    if C.FRA_FLOW in a:
        flow = a.u32(C.FRA_FLOW)
        if flow >> 16:
            d["flow_from"] = _realms().get(flow >> 16, str(flow >> 16))
        d["flow_to"] = _realms().get(flow & 0xFFFF, str(flow & 0xFFFF))
    if h.action == RTN_NAT:  # the old NAT rules: ip prints the map-to gateway (RTA_GATEWAY, number 5)
        d["nat_gateway" if C.RTA_GATEWAY in a else "masquerade"] = ip(a.get(C.RTA_GATEWAY)) \
            if C.RTA_GATEWAY in a else None
    elif h.action == FR_ACT_GOTO:
        d["goto"] = a.u32(C.FRA_GOTO) if C.FRA_GOTO in a else "none"
        if h.flags & FIB_RULE_UNRESOLVED:
            d["unresolved"] = None
    elif h.action == FR_ACT_NOP:
        d["nop"] = None
    elif h.action != FR_ACT_TO_TBL:
        d["action"] = _ACTIONS.get(h.action, nm.route_types.get(h.action, str(h.action)))
    proto = a.u8(C.FRA_PROTOCOL)
    if proto is not None and ((proto and proto != C.RTPROT_KERNEL) or details):
        d["protocol"] = nm.protocols.get(proto, str(proto))
    return d


def rules_text(objs: Iterator[dict[str, Any]] | list[dict[str, Any]], palette: Palette = PLAIN) -> str:
    """`ip rule`'s lines ("PRIO:\\tfrom all lookup main"), from `rule_json` objects."""
    lines = []
    for d in objs:
        s = f"{d['priority']}:\t" + ("not " if "not" in d else "")
        s += "from " + palette.address(None, d["src"]) + (f"/{d['srclen']}" if "srclen" in d else "")
        if "dst" in d:
            s += " to " + palette.address(None, d["dst"]) + (f"/{d['dstlen']}" if "dstlen" in d else "")
        if "tos" in d:
            s += f" tos {d['tos']}"
        if "fwmark" in d:
            s += f" fwmark {d['fwmark']}" + (f"/{d['fwmask']}" if "fwmask" in d else "")
        for key, word in (("iif", "iif"), ("oif", "oif")):
            if key in d:
                s += f" {word} {palette.paint('ifname', d[key])}" + (" [detached]" if f"{key}_detached" in d else "")
        if "uid_start" in d:
            s += f" uidrange {d['uid_start']}-{d['uid_end']}"
        if "ipproto" in d:
            s += f" ipproto {d['ipproto']}"
        for key in ("sport", "dport"):
            if key in d:
                s += f" {key} {d[key]}"
            elif key + "_start" in d:
                s += f" {key} {d[key + '_start']}-{d[key + '_end']}"
        if "tun_id" in d:
            s += f" tun_id {d['tun_id']}"
        if "l3mdev" in d:
            s += " lookup [l3mdev-table]"
        if "table" in d:
            s += f" lookup {d['table']}"
            if "suppress_prefixlen" in d:
                s += f" suppress_prefixlength {d['suppress_prefixlen']}"
            if "suppress_ifgroup" in d:
                s += f" suppress_ifgroup {d['suppress_ifgroup']}"
        if "flow_to" in d:
            s += " realms " + (f"{d['flow_from']}/" if "flow_from" in d else "") + d["flow_to"]
        if "nat_gateway" in d:
            s += f" map-to {d['nat_gateway']}"
        elif "masquerade" in d:
            s += " masquerade"
        elif "nop" in d:
            s += " nop"
        elif "goto" in d:
            s += f" goto {d['goto']}" + (" [unresolved]" if "unresolved" in d else "")
        elif "action" in d:
            s += f" {d['action']}"
        if "protocol" in d:
            s += f" proto {d['protocol']}"
        lines.append(s)
    return "\n".join(lines)


__all__ = ["ip_protocols", "rule_json", "rules_text"]
