"""The bridge multicast database as ``bridge -j mdb`` and ``bridge mdb`` show it (iproute2 6.1 mdb.c).

An RTM_GETMDB dump (``struct br_port_msg``: family AF_BRIDGE, the bridge's
ifindex) answers one message per bridge: MDBA_MDB with the group entries
(``struct br_mdb_entry`` followed by MDBA_MDB_EATTR_* attributes in the same
nest) and MDBA_ROUTER with the router ports.  bridge -j prints the whole
dump as ONE object, ``{"mdb": [entries], "router": {bridge: [ports]}}``:
`mdb_entries` yields the entries one by one, `mdb_object` groups them as
bridge does.  The build headers lack these numbers and structs: they are
written here from include/uapi/linux/if_bridge.h.
# TODO(schema): MDBA_* and struct br_mdb_entry from the typed tables once codec/schema/decode.py lands.
"""
from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from typing import Any

from .. import constants as C
from ..codec.attribute import Attrs
from ..codec.message import Message
from ..codec.values import ip
from .color import PLAIN, Palette
from .links import Links
from .names import names

BR_PORT_MSG = struct.Struct("=B3xI")  # struct br_port_msg { __u8 family; __u32 ifindex; }
MDB_ENTRY = struct.Struct("=IBBH16sH2x")  # struct br_mdb_entry: ifindex, state, flags, vid, addr.u, addr.proto
MDBA_MDB, MDBA_ROUTER = 1, 2
MDBA_MDB_ENTRY, MDBA_MDB_ENTRY_INFO = 1, 1
MDBA_MDB_EATTR_TIMER, MDBA_MDB_EATTR_SRC_LIST, MDBA_MDB_EATTR_GROUP_MODE = 1, 2, 3
MDBA_MDB_EATTR_SOURCE, MDBA_MDB_EATTR_RTPROT = 4, 5
MDBA_MDB_SRCLIST_ENTRY, MDBA_MDB_SRCATTR_ADDRESS, MDBA_MDB_SRCATTR_TIMER = 1, 1, 2
MDBA_ROUTER_PORT = 1
MDB_PERMANENT = 1
_FLAGS = ((1, "offload"), (2, "fast_leave"), (4, "added_by_star_ex"), (8, "blocked"))  # MDB_FLAGS_*
ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86DD
# br_mdb_dump (net/bridge/br_mdb.c) answers a dump with RTM_GETMDB messages; vxlan_mdb_dump
# (drivers/net/vxlan/vxlan_mdb.c) with RTM_NEWMDB: both are dump replies
MDB_REPLY_TYPES = (C.RTM_NEWMDB, C.RTM_GETMDB)


def dump_payload() -> bytes:
    """The br_port_msg of an RTM_GETMDB dump (family AF_BRIDGE, every bridge)."""
    return BR_PORT_MSG.pack(C.AF_BRIDGE, 0)


def _timer(centis: int) -> str:
    """bridge's print_timer: "%4i.%.2i" seconds, a string also in JSON."""
    return f"{centis // 100:4d}.{centis % 100:02d}"


def _group(raw: bytes, proto: int) -> str:
    if proto == ETH_P_IP:
        return ip(raw[:4])
    if proto == ETH_P_IPV6:
        return ip(raw[:16])
    return raw[:6].hex(":")


def _entry(bridge: int, raw: bytes, links: Links, details: bool, stats: bool) -> dict[str, Any]:
    port, state, flags, vid, addr, proto_be = MDB_ENTRY.unpack_from(raw)
    proto = int.from_bytes(proto_be.to_bytes(2, "little"), "big")
    ea = Attrs(raw, MDB_ENTRY.size, len(raw))
    d: dict[str, Any] = {"index": bridge, "dev": links.name(bridge), "port": links.name(port),
                         "grp": _group(addr, proto)}
    if MDBA_MDB_EATTR_SOURCE in ea:
        d["src"] = ip(ea.get(MDBA_MDB_EATTR_SOURCE))
    d["state"] = "permanent" if state & MDB_PERMANENT else "temp"
    if details:
        if MDBA_MDB_EATTR_GROUP_MODE in ea:
            d["filter_mode"] = "include" if ea.u8(MDBA_MDB_EATTR_GROUP_MODE) else "exclude"
        srcs = ea.nested(MDBA_MDB_EATTR_SRC_LIST)
        if srcs is not None:
            out = []
            for s in srcs:
                sa = s.nested()
                item: dict[str, Any] = {}
                if MDBA_MDB_SRCATTR_ADDRESS in sa:
                    item["address"] = ip(sa.get(MDBA_MDB_SRCATTR_ADDRESS))
                if MDBA_MDB_SRCATTR_TIMER in sa:
                    item["timer"] = _timer(sa.u32(MDBA_MDB_SRCATTR_TIMER))
                out.append(item)
            d["source_list"] = out
        if MDBA_MDB_EATTR_RTPROT in ea:
            p = ea.u8(MDBA_MDB_EATTR_RTPROT)
            d["protocol"] = names().protocols.get(p, str(p))
    d["flags"] = [name for bit, name in _FLAGS if flags & bit]
    if vid:
        d["vid"] = vid
    if stats and MDBA_MDB_EATTR_TIMER in ea:
        d["timer"] = _timer(ea.u32(MDBA_MDB_EATTR_TIMER))
    return d


def mdb_entries(m: Message, links: Links, *, details: bool = False, stats: bool = False,
                dev: int = 0) -> Iterator[dict[str, Any]]:
    """The group entries of one RTM_NEWMDB (bridge *dev* only, when given), as bridge -j prints them."""
    if m.type not in MDB_REPLY_TYPES or m.length - 16 < BR_PORT_MSG.size:
        return
    _, bridge = BR_PORT_MSG.unpack_from(m.payload)
    if dev and bridge != dev:
        return
    mdb = m.attrs(BR_PORT_MSG.size).nested(MDBA_MDB)
    if mdb is None:
        return
    for entry in mdb:
        if entry.type != MDBA_MDB_ENTRY:
            continue
        for info in entry.nested():
            if info.type == MDBA_MDB_ENTRY_INFO and len(info.value) >= MDB_ENTRY.size:
                yield _entry(bridge, bytes(info.value), links, details, stats)


def router_ports(m: Message, links: Links, *, dev: int = 0) -> tuple[str, list[dict[str, Any]]] | None:
    """(bridge name, [{"port": name}, ...]) from one RTM_NEWMDB's MDBA_ROUTER, or None without one."""
    if m.type not in MDB_REPLY_TYPES or m.length - 16 < BR_PORT_MSG.size:
        return None
    _, bridge = BR_PORT_MSG.unpack_from(m.payload)
    rt = m.attrs(BR_PORT_MSG.size).nested(MDBA_ROUTER)
    if rt is None or (dev and bridge != dev):
        return None
    ports = [{"port": links.name(struct.unpack_from("=I", p.value)[0])} for p in rt
             if p.type == MDBA_ROUTER_PORT and len(p.value) >= 4]
    return (links.name(bridge), ports) if ports else None


def mdb_object(messages: Iterable[Message], links: Links, **kw: Any) -> dict[str, Any]:
    """The one object bridge -j mdb prints: {"mdb": [...], "router": {bridge: [ports]}}."""
    msgs = list(messages)
    entries = [e for m in msgs for e in mdb_entries(m, links, **kw)]
    router: dict[str, Any] = {}
    for m in msgs:
        rp = router_ports(m, links, dev=kw.get("dev", 0))
        if rp is not None:
            router[rp[0]] = rp[1]
    return {"mdb": entries, "router": router}


def mdb_text(objs: Iterable[dict[str, Any]], palette: Palette = PLAIN) -> str:
    """`bridge mdb`'s lines ("dev br0 port va grp ff02::6a temp"), from `mdb_object` objects."""
    lines = []
    for obj in objs:
        for d in obj["mdb"]:
            s = f"dev {palette.paint('ifname', d['dev'])} port {palette.paint('ifname', d['port'])} grp {d['grp']}"
            if "src" in d:
                s += f" src {d['src']}"
            s += f" {d['state']}"
            if "filter_mode" in d:
                s += f" filter_mode {d['filter_mode']}"
            if "source_list" in d:
                s += " source_list " + ",".join(f"{x.get('address')}/{x.get('timer', '').strip()}"
                                                 for x in d["source_list"])
            if "protocol" in d:
                s += f" proto {d['protocol']}"
            s += "".join(f" {f}" for f in d["flags"])
            if "vid" in d:
                s += f" vid {d['vid']}"
            if "timer" in d:
                s += f" {d['timer']}"
            lines.append(s)
        for bridge, ports in obj["router"].items():
            lines.append(f"router ports on {bridge}: " + " ".join(p["port"] for p in ports) + " ")
    return "\n".join(lines)


__all__ = ["dump_payload", "mdb_entries", "mdb_object", "mdb_text", "router_ports"]
