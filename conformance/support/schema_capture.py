"""A namespace holding one of everything the non-link attribute tables describe, and the kernel's dumps of it.

`build` fills a fresh namespace (iproute2's ``ip``/``bridge`` through nsenter,
and netlink_probe's own requests for attributes iproute2 6.1 cannot send:
FRA_DSCP, FRA_FLOWLABEL, FRA_TUN_ID, port masks); each optional step the
running kernel or tools refuse is kept in ``notes`` with the reason.
`capture` dumps every object: {object: [raw message, ...]}.  `OBJECTS` says
per object the fixed header length and the root space of its attributes.

Run as a script to write the captures for the unit tests:
``cd conformance && python3 -m support.schema_capture ../tests/data`` (as root).
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from netlink_probe import NetNS, Socket
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.codec import message as M
from netlink_probe.errors import KernelError
from netlink_probe.rtnl import Request, Rtnl, new_nsid

__all__ = ["OBJECTS", "Built", "build", "capture", "main", "write"]

# object -> (fixed header length, root space); the header is padded to 4 (NLMSG_ALIGN)
OBJECTS: dict[str, tuple[int, str]] = {
    "addr": (8, "addr"), "multicast": (8, "addr"), "anycast": (8, "addr"), "route": (12, "route"),
    "neigh": (12, "neigh"), "neightbl": (4, "neightbl"), "rule": (12, "rule"), "nexthop": (8, "nexthop"),
    "nsid": (4, "nsid"), "netconf": (4, "netconf"), "mdb": (8, "mdb"), "bridge-vlan": (8, "bridge-vlan"),
    "genl-ctrl": (4, "genl-ctrl")}
WIRE = {"RTA_SPORT": 1234, "RTA_DPORT": 80, "NDA_PORT": 4790, "FRA_TUN_ID": 0x1122334455667788,
        "FRA_FLOWLABEL": 0xABCDE, "FRA_DSCP": 10}

_REQUIRED_IP = [
    "link set lo up", "link add v0 type veth peer name v1", "link add v2 type veth peer name v3",
    "link add br0 type bridge mcast_snooping 1 mcast_igmp_version 3", "link set v1 master br0",
    "link set v3 master br0", "link add vx0 type vxlan id 42 dstport 4789 local 10.1.0.1 dev v0",
    "link add mv0 link v0 type macvlan mode bridge",
    *(f"link set {d} up" for d in ("v0", "v1", "v2", "v3", "br0", "vx0", "mv0")),
    "addr add 10.1.0.1/24 brd + dev v0 label v0:m", "addr add fd00:1::1/64 dev v0 nodad",
    "addr add 10.2.0.1/24 dev br0", "addr add fd00:2::1/64 dev br0 nodad",
    "addr add 10.6.0.1/24 dev v2 valid_lft 3600 preferred_lft 1800",
]
# After br0 has a carrier: a port's carrier reaches its bridge through linkwatch's work queue
# (br_port_carrier_check), after `ip` returns; a nexthop via a carrier-less device is refused.
_REQUIRED_IP_ROUTES = [
    "nexthop add id 1 via 10.1.0.2 dev v0", "nexthop add id 2 via 10.2.0.2 dev br0",
    "nexthop add id 3 group 1/2,3", "nexthop add id 4 blackhole", "nexthop add id 6 via fd00:1::2 dev v0",
    "nexthop add id 10 via 10.1.0.5 fdb", "nexthop add id 11 group 10 fdb",
    "route add 198.51.100.0/24 nexthop via 10.1.0.2 dev v0 weight 1 nexthop via 10.2.0.2 dev br0 weight 2",
    "route add 203.0.113.0/24 via 10.1.0.2 dev v0 table 100", "route add 198.18.3.0/24 nhid 3",
    "route add fd00:5::/64 via fd00:1::2 dev v0 expires 300",
    "route add fd00:6::/64 via fd00:1::2 dev v0 pref high",
    "route add fd00:7::/64 nexthop via fd00:1::2 dev v0 nexthop via fd00:2::2 dev br0",
    "neigh add proxy 10.1.0.77 dev v0", "neigh add proxy fd00:1::77 dev v0",
    "neigh add 10.1.0.30 dev v0 nud failed",
    *(f"neigh add 10.1.0.{10 + i} lladdr 02:00:00:00:01:{10 + i:02x} dev v0 nud {nud}"
      for i, nud in enumerate(("permanent", "reachable", "stale", "delay", "probe", "noarp"))),
    "rule add from 10.1.0.0/24 table 100 pref 100", "rule add uidrange 1000-2000 table 100 pref 101",
    "rule add ipproto tcp sport 1000-2000 dport 80 table 100 pref 102",
    "rule add fwmark 0x10/0xff table 100 pref 103", "rule add iif lo oif v0 table 100 pref 104",
    "rule add table main suppress_prefixlength 0 pref 105", "rule add table 100 suppress_ifgroup 5 pref 106",
    "rule add goto 200 pref 107", "rule add table 100 pref 200", "rule add protocol 99 table 100 pref 108",
]
_REQUIRED_BRIDGE = [
    "fdb add 02:00:00:00:04:01 dev v1 master static",
    "fdb append 00:00:00:00:00:00 dev vx0 dst 10.1.0.2",
    f"fdb append 00:00:00:00:00:00 dev vx0 dst 10.1.0.3 port {WIRE['NDA_PORT']} vni 43",
    "fdb add 02:00:00:00:04:03 dev vx0 dst 10.1.0.4 vni 44 via v0",
    "mdb add dev br0 port v1 grp 239.1.1.1 permanent", "mdb add dev br0 port v1 grp ff0e::1 permanent",
    "link set dev v1 mcast_router 2",
]
# Optional: what older kernels or iproute2 6.1 may refuse; a refusal is a note, not a failure.
_OPTIONAL = [
    ("ip", "route add 192.0.2.0/24 via 10.1.0.2 dev v0 metric 100 mtu lock 1400 advmss 1300 window 20000 rtt 10ms "
           "rttvar 5ms ssthresh 10 cwnd 10 initcwnd 10 initrwnd 10 hoplimit 64 reordering 3 rto_min 200ms "
           "quickack 1 congctl reno features ecn fastopen_no_cookie 1 realm 5"),
    ("ip", "route add 192.0.3.0/24 via 10.1.0.2 dev v0 mtu 1400 advmss 1300 congctl reno features ecn"),
    ("ip", "route add 198.18.0.0/24 via inet6 fd00:1::2 dev v0"),
    ("ip", "route add 198.18.1.0/24 encap ip id 7 dst 192.0.2.9 ttl 5 dev vx0"),
    ("ip", "route add 198.18.2.0/24 encap ip6 id 8 dst fd00:9::9 hoplimit 5 dev vx0"),
    ("ip", "addr add 10.1.0.9/24 dev v0 metric 50"),
    ("ip", "addr add 10.7.0.1/24 dev v2 proto 0x42"),
    ("ip", "rule add realms 5 table 100 pref 109"),
    ("ip", "nexthop add id 7 encap ip id 7 dst 192.0.2.9 dev vx0"),
    # resilient groups: NHA_RES_GROUP since 5.13 (net/ipv4/nexthop.c rtm_to_nh_config)
    ("ip", "nexthop add id 5 group 1/2 type resilient buckets 8 idle_timer 10 unbalanced_timer 20"),
    ("bridge", "mdb add dev br0 port v3 grp 239.1.1.2 src 10.2.0.7 permanent"),
    ("bridge", "mdb add dev br0 port v1 grp 01:00:5e:01:01:05 permanent"),
    ("bridge", "mdb add dev vx0 port vx0 grp 239.1.1.3 permanent dst 10.1.0.7"),
    # VLANs need CONFIG_BRIDGE_VLAN_FILTERING (the guests' kernels have it, this host's may not)
    ("ip", "link set br0 type bridge vlan_filtering 1 mcast_vlan_snooping 1"),
    ("bridge", "vlan add vid 10 dev v1"), ("bridge", "vlan add vid 20-25 dev v1"),
    ("bridge", "vlan add vid 10 dev br0 self"), ("bridge", "mdb add dev br0 port v1 grp 239.1.1.9 permanent vid 10"),
    ("bridge", "fdb add 02:00:00:00:04:05 dev vx0 nhid 11 self"),
    ("bridge", "vlan set vid 10 dev v1 state 3"),
    ("bridge", "vlan set vid 10 dev v1 mcast_router 2"),
    ("bridge", "vlan global set vid 10 dev br0 mcast_snooping 1"),
    ("sysctl", "-w net.ipv6.conf.all.forwarding=1"),
    ("ip", "-6 rule add from fd00::/16 table 100 pref 100"),
]


@dataclass
class Built:
    """What `build` could not do here, and why (one line each)."""

    notes: list[str] = field(default_factory=list)


def _run(ns: NetNS, tool: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["nsenter", f"--net={ns.path}", tool, *args], input=stdin, capture_output=True,
                          text=True, timeout=60)


def _batch(ns: NetNS, tool: str, lines: list[str]) -> None:
    r = _run(ns, tool, "-batch", "-", stdin="\n".join(lines) + "\n")
    if r.returncode:
        raise RuntimeError(f"{tool} -batch: {r.stderr.strip()[:500]}")


def _wait_for_carrier(ns: NetNS, dev: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while "LOWER_UP" not in _run(ns, "ip", "-o", "link", "show", "dev", dev).stdout:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{dev} has no carrier {timeout:.0f} s after its ports came up")
        time.sleep(0.05)


def _rule(family: int, prio: int, *attrs: bytes) -> Request:
    hdr = L.FIB_RULE_HDR.pack(family=family, table=C.RT_TABLE_UNSPEC, action=C.FR_ACT_TO_TBL)
    return Request(C.RTM_NEWRULE, C.NLM_F_CREATE | C.NLM_F_EXCL,
                   hdr + A.u32(C.FRA_PRIORITY, prio) + A.u32(C.FRA_TABLE, 100) + b"".join(attrs))


def _raw_rules() -> list[tuple[str, Request]]:
    """Rules iproute2 6.1 cannot add: attributes newer than it (numbers from fib_rules.h), and FRA_TUN_ID."""
    dscp, flowlabel, flowlabel_mask, sport_mask, dscp_mask = 25, 26, 27, 28, 30
    ports = (0x1200).to_bytes(2, "little") * 2
    return [
        ("FRA_TUN_ID", _rule(C.AF_INET, 300, A.attr(C.FRA_TUN_ID, WIRE["FRA_TUN_ID"].to_bytes(8, "big")))),
        ("FRA_DSCP", _rule(C.AF_INET, 301, A.u8(dscp, WIRE["FRA_DSCP"]), A.u8(dscp_mask, 0x3F))),
        ("FRA_FLOWLABEL", _rule(C.AF_INET6, 302, A.attr(flowlabel, WIRE["FRA_FLOWLABEL"].to_bytes(4, "big")),
                                A.attr(flowlabel_mask, (0xFFFFF).to_bytes(4, "big")))),
        ("FRA_SPORT_MASK", _rule(C.AF_INET, 303, A.u8(C.FRA_IP_PROTO, socket.IPPROTO_TCP),
                                 A.attr(C.FRA_SPORT_RANGE, ports), A.u16(sport_mask, 0xFF00))),
    ]


def build(ns: NetNS, peer: NetNS) -> Built:
    """Fill *ns* (and give *peer* an nsid in it); RuntimeError when a required step is refused."""
    built = Built()
    _batch(ns, "ip", _REQUIRED_IP)
    _wait_for_carrier(ns, "br0")
    _batch(ns, "ip", _REQUIRED_IP_ROUTES)
    _batch(ns, "bridge", _REQUIRED_BRIDGE)
    for tool, line in _OPTIONAL:
        r = _run(ns, tool, *line.split())
        if r.returncode:
            built.notes.append(f"{tool} {line[:60]}...: {r.stderr.strip()[:160]}")
    with Rtnl(ns) as rt:
        rt.do(new_nsid(5, fd=peer.fd))
        for name, req in _raw_rules():
            try:
                rt.do(req)
            except KernelError as e:
                built.notes.append(f"rule with {name}: {e}")
    return built


def _route_get(family: int, dst: str) -> bytes:
    """`ip route get DST ipproto tcp sport 1234 dport 80`: the ports big-endian, as iproute2 sends them."""
    addr = socket.inet_pton(family, dst)
    return (L.RTMSG.pack(rtm_family=family, rtm_dst_len=len(addr) * 8) + A.attr(C.RTA_DST, addr)
            + A.u8(C.RTA_IP_PROTO, socket.IPPROTO_TCP)
            + A.attr(C.RTA_SPORT, WIRE["RTA_SPORT"].to_bytes(2, "big"))
            + A.attr(C.RTA_DPORT, WIRE["RTA_DPORT"].to_bytes(2, "big")))


def _dump(sock: Socket, mtype: int, payload: bytes) -> list[bytes]:
    try:
        return [m.raw() for m in sock.dump(mtype, payload).all()]
    except KernelError:
        return []   # a family without this dump (RTM_GETMULTICAST AF_INET before 6.13): nothing to check


def capture(ns: NetNS) -> dict[str, list[bytes]]:
    """Every object's dump in *ns* (and route get replies, the requests sent for them): {object: [raw message]}."""
    out: dict[str, list[bytes]] = {}
    port_msg = bytes([C.AF_BRIDGE, 0, 0, 0]) + bytes(4)      # struct br_port_msg
    with Rtnl(ns) as rt:
        s = rt.sock
        out["addr"] = _dump(s, C.RTM_GETADDR, L.IFADDRMSG.pack())
        out["multicast"] = (_dump(s, C.RTM_GETMULTICAST, L.IFADDRMSG.pack(ifa_family=C.AF_INET6))
                            + _dump(s, C.RTM_GETMULTICAST, L.IFADDRMSG.pack(ifa_family=C.AF_INET)))
        out["anycast"] = _dump(s, C.RTM_GETANYCAST, L.IFADDRMSG.pack(ifa_family=C.AF_INET6))
        route = _dump(s, C.RTM_GETROUTE, L.RTMSG.pack(rtm_family=C.AF_INET))
        route += _dump(s, C.RTM_GETROUTE, L.RTMSG.pack(rtm_family=C.AF_INET6))
        for family, dst in ((C.AF_INET, "192.0.2.5"), (C.AF_INET6, "fd00:5::9")):
            req = _route_get(family, dst)
            route.append(M.encode(C.RTM_GETROUTE, C.NLM_F_REQUEST, req))
            route += [m.raw() for m in s.request(C.RTM_GETROUTE, 0, req, ack=False)]
        # an IPv6 route with a 4-byte RTA_EXPIRES, as iproute2 sends it (rtm_to_fib6_config: nla_get_u32)
        six = L.RTMSG.pack(rtm_family=C.AF_INET6, rtm_dst_len=64, rtm_table=C.RT_TABLE_MAIN,
                           rtm_protocol=C.RTPROT_STATIC, rtm_type=C.RTN_UNICAST)
        six += A.attr(C.RTA_DST, socket.inet_pton(socket.AF_INET6, "fd00:300::"))
        six += A.u32(C.RTA_OIF, rt.link_index("v0")) + A.u32(C.RTA_EXPIRES, 300)
        rt.do(Request(C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_EXCL, six))
        route.append(M.encode(C.RTM_NEWROUTE, C.NLM_F_REQUEST | C.NLM_F_CREATE | C.NLM_F_EXCL, six))
        out["route"] = route
        out["neigh"] = (_dump(s, C.RTM_GETNEIGH, L.NDMSG.pack()) + _dump(s, C.RTM_GETNEIGH, L.NDMSG.pack(
            ndm_flags=C.NTF_PROXY)) + _dump(s, C.RTM_GETNEIGH, L.NDMSG.pack(ndm_family=C.AF_BRIDGE)))
        out["neightbl"] = _dump(s, C.RTM_GETNEIGHTBL, L.NDTMSG.pack() + bytes(3))
        out["rule"] = _dump(s, C.RTM_GETRULE, L.FIB_RULE_HDR.pack())
        nhmsg = bytes(8)
        out["nexthop"] = (_dump(s, C.RTM_GETNEXTHOP, nhmsg + A.u32(14, 1))        # NHA_OP_FLAGS: DUMP_STATS
                          + _dump(s, C.RTM_GETNEXTHOPBUCKET, nhmsg))
        out["nsid"] = _dump(s, C.RTM_GETNSID, L.RTGENMSG.pack() + bytes(3))
        out["netconf"] = _dump(s, C.RTM_GETNETCONF, bytes(4))
        out["mdb"] = _dump(s, C.RTM_GETMDB, port_msg)
        vlan = L.BR_VLAN_MSG.pack(family=C.AF_BRIDGE)
        out["bridge-vlan"] = (_dump(s, C.RTM_GETVLAN, vlan + A.u32(C.BRIDGE_VLANDB_DUMP_FLAGS, 1))   # STATS
                              + _dump(s, C.RTM_GETVLAN, vlan + A.u32(C.BRIDGE_VLANDB_DUMP_FLAGS, 2)))  # GLOBAL
    with Socket(C.NETLINK_GENERIC, netns=ns) as g:
        fam = L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_GETFAMILY, version=1)
        pol = L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_GETPOLICY, version=1)
        out["genl-ctrl"] = (_dump(g, C.GENL_ID_CTRL, fam)
                            + _dump(g, C.GENL_ID_CTRL, pol + A.attr(C.CTRL_ATTR_FAMILY_NAME, b"nlctrl\0")))
    return out


def write(data: dict[str, list[bytes]], where: Path) -> list[Path]:
    """Each object's messages, concatenated (each padded to 4), as ``schema_<object>.bin`` under *where*
    (none for an object the kernel sent nothing of)."""
    paths = []
    for obj, msgs in data.items():
        if not msgs:
            continue
        p = where / f"schema_{obj}.bin"
        p.write_bytes(b"".join(m + bytes(-len(m) % 4) for m in msgs))
        paths.append(p)
    return paths


def main(argv: list[str]) -> int:
    """Build, capture and write the unit tests' data (argv: the output directory)."""
    where = Path(argv[0] if argv else "tests/data")
    with NetNS.create() as ns, NetNS.create() as peer:
        built = build(ns, peer)
        data = capture(ns)
    for p in write(data, where):
        print(p, p.stat().st_size)
    for n in built.notes:
        print("note:", n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

