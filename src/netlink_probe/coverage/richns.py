"""A namespace with something of every kind rtnetlink reports, and the kernel's bytes for it.

`capture()` builds it (iproute2's ``ip``/``bridge`` through nsenter for the bulk, netlink_probe's
own requests where the bytes on the wire matter), then dumps links, addresses, routes (IPv4,
IPv6, IPv4 multicast), neighbours (incl. proxies and fdb entries) and neighbour tables, and
sends a few requests of its own (``ip route get ... sport 1234 dport 80``, an IPv6 route with
a 4-byte RTA_EXPIRES, a vxlan fdb entry with a port): requests and replies are kept too.

`WIRE` holds the byte-order-sensitive values this module itself puts on the wire, so a
decoder can be checked against them and not only against another decoder.
"""
from __future__ import annotations

import contextlib
import shutil
import socket
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field

from .. import constants as C
from ..codec import attribute as A
from ..codec import layouts as L
from ..codec import message as M
from ..netns import NetNS
from ..rtnl import Request, Rtnl, new_link

__all__ = ["Captured", "RichNetnsError", "WIRE", "capture", "missing_tools"]

#: Values put on the wire here, by attribute name: a decoder must read them back as these.
WIRE = {"RTA_SPORT": 1234, "RTA_DPORT": 80, "NDA_PORT": 4790, "IFLA_VXLAN_PORT": 4790}
VXLAN_PORT = WIRE["NDA_PORT"]
ROUTES_PER_FAMILY = 60

# linux/mroute.h (not in every build's constants)
_MRT_INIT, _MRT_ADD_VIF, _MRT_ADD_MFC = 200, 202, 204
_VIFF_USE_IFINDEX = 0x8
_RTNL_FAMILY_IPMR = 128


class RichNetnsError(RuntimeError):
    """The namespace could not be built (a tool missing, a command refused): the message says which."""


@dataclass
class Captured:
    """What the kernel sent (and what was sent to it): (label, one raw netlink message) in order."""

    messages: list[tuple[str, bytes]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # parts that could not be built here, and why

    def add(self, label: str, raw: bytes) -> None:
        """Keep one message under *label* ('dump links', 'request route get', ...)."""
        self.messages.append((label, raw))


def missing_tools() -> list[str]:
    """The commands `capture` needs that are not installed."""
    return [t for t in ("ip", "bridge", "nsenter") if shutil.which(t) is None]


def _run(ns: NetNS, tool: str, *args: str, stdin: str | None = None) -> None:
    r = subprocess.run(["nsenter", f"--net={ns.path}", tool, *args], input=stdin, capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        raise RichNetnsError(f"{tool} {' '.join(args)[:200]}: {r.stderr.strip()[:500]}")


def _batch(ns: NetNS, tool: str, lines: list[str]) -> None:
    _run(ns, tool, "-batch", "-", stdin="\n".join(lines) + "\n")


def _links(ns: NetNS, peer: NetNS, r: Rtnl) -> None:
    """lo, two veth pairs, a bridge with two ports, vxlan, macvlan, ifb, a tap, a veth into *peer*."""
    _batch(ns, "ip", [
        "link set lo up",
        "link add v0 type veth peer name v1", "link add v2 type veth peer name v3",
        "link add br0 type bridge", "link set v1 master br0", "link set v3 master br0",
        f"link add vx0 type vxlan id 42 dstport {VXLAN_PORT} local 10.1.0.1 dev v0",
        "link add mv0 link v0 type macvlan mode bridge",
        "link add ifb0 type ifb",
        "link add x0 type veth peer name x1",
        "link set v0 up", "link set v1 up", "link set v2 up", "link set v3 up", "link set br0 up",
        "link set vx0 up", "link set mv0 up", "link set ifb0 up", "link set x0 up",
    ])
    r.do(new_link(None, index=r.link_index("x1"), create=False, excl=False, net_ns_fd=peer.fd))
    with contextlib.suppress(RichNetnsError):  # a tap needs /dev/net/tun
        _run(ns, "ip", "tuntap", "add", "tap0", "mode", "tap")


def _addresses_and_routes(ns: NetNS) -> None:
    """Addresses, then IPv4/IPv6 routes: plain, multipath, nhid, metrics, prefsrc, table 100, expires."""
    lines = ["addr add 10.1.0.1/24 dev v0", "addr add fd00:1::1/64 dev v0 nodad",
             "addr add 10.2.0.1/24 dev br0", "addr add fd00:2::1/64 dev br0 nodad",
             "addr add 10.3.0.1/24 dev x0", "addr add 10.4.0.1/24 dev mv0",
             "addr add 10.5.0.1/24 dev v2 valid_lft 3600 preferred_lft 1800",
             "nexthop add id 1 via 10.1.0.2 dev v0", "nexthop add id 2 via 10.2.0.2 dev br0",
             "nexthop add id 3 group 1/2",
             "nexthop add id 6 via fd00:1::2 dev v0"]
    for i in range(ROUTES_PER_FAMILY):
        via = ("via 10.1.0.2 dev v0", "via 10.2.0.2 dev br0", "dev x0")[i % 3]
        extra = ("", " metric 7", " mtu 1300 advmss 1200 rtt 10ms window 20000", " src 10.1.0.1",
                 " table 100", " proto 99")[i % 6]
        lines.append(f"route add 10.{100 + i // 200}.{i % 200}.0/24 {via}{extra}")
        via6 = ("via fd00:1::2 dev v0", "via fd00:2::2 dev br0", "dev x0")[i % 3]
        extra6 = ("", " metric 7", " mtu 1300 hoplimit 9", " expires 600", " table 100", " pref high")[i % 6]
        lines.append(f"route add fd00:{100 + i}::/64 {via6}{extra6}")
    lines += ["route add 10.200.0.0/16 nexthop via 10.1.0.2 dev v0 weight 1 nexthop via 10.2.0.2 dev br0 weight 3",
              "route add 10.201.0.0/16 nhid 1", "route add 10.202.0.0/16 nhid 3",
              "route add 10.203.0.0/16 via 10.1.0.2 dev v0 table 100 src 10.1.0.1 mtu lock 1280 initcwnd 10",
              "route add blackhole 10.204.0.0/16", "route add unreachable 10.205.0.0/16",
              "route add prohibit 10.206.0.0/16 table 100",
              "route add fd00:200::/48 nexthop via fd00:1::2 dev v0 nexthop via fd00:2::2 dev br0",
              "route add fd00:201::/48 nhid 6", "route add blackhole fd00:202::/48"]
    _batch(ns, "ip", lines)


def _neighbours(ns: NetNS) -> None:
    """Neighbours in several states, proxies, bridge and vxlan fdb entries."""
    lines = []
    for i, nud in enumerate(("permanent", "reachable", "stale", "delay", "probe", "noarp")):
        lines.append(f"neigh add 10.1.0.{10 + i} lladdr 02:00:00:00:01:{10 + i:02x} dev v0 nud {nud}")
        lines.append(f"neigh add fd00:1::{10 + i:x} lladdr 02:00:00:00:02:{10 + i:02x} dev v0 nud {nud}")
    lines += ["neigh add 10.1.0.30 dev v0 nud failed", "neigh add 10.2.0.40 lladdr 02:00:00:00:03:40 dev br0",
              "neigh add proxy 10.1.0.77 dev v0", "neigh add proxy fd00:1::77 dev v0"]
    _batch(ns, "ip", lines)
    _batch(ns, "bridge", [
        "fdb add 02:00:00:00:04:01 dev v1 master static",
        "fdb add 02:00:00:00:04:02 dev v3 master static",
        "fdb append 00:00:00:00:00:00 dev vx0 dst 10.1.0.2",
        f"fdb append 00:00:00:00:00:00 dev vx0 dst 10.1.0.3 port {VXLAN_PORT} vni 43",
        "fdb add 02:00:00:00:04:03 dev vx0 dst 10.1.0.4 src_vni 42 via v0",
    ])


@contextlib.contextmanager
def _multicast_routes(ns: NetNS, r: Rtnl) -> Iterator[bool]:
    """An IPv4 multicast routing socket with two vifs and one (S,G) entry; False when refused."""
    try:
        s = ns.run(socket.socket, socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
    except OSError:
        yield False
        return
    try:
        ok = True
        try:
            s.setsockopt(socket.IPPROTO_IP, _MRT_INIT, 1)
            for vifi, name in enumerate(("v0", "br0")):
                vif = struct.pack("@HBBIi4s", vifi, _VIFF_USE_IFINDEX, 1, 0, r.link_index(name), bytes(4))
                s.setsockopt(socket.IPPROTO_IP, _MRT_ADD_VIF, vif)
            ttls = bytes([0, 1] + [0] * 30)
            mfc = struct.pack("@4s4sH32sIIIi", socket.inet_aton("10.1.0.2"), socket.inet_aton("239.1.1.1"), 0,
                              ttls, 0, 0, 0, 0)
            s.setsockopt(socket.IPPROTO_IP, _MRT_ADD_MFC, mfc)
        except OSError:
            ok = False
        yield ok
    finally:
        s.close()


def _request(r: Rtnl, cap: Captured, label: str, req: Request, flags: int = 0) -> None:
    """Send *req*, keeping its bytes and the kernel's replies (an error reply raises KernelError)."""
    cap.add(f"request {label}", M.encode(req.type, C.NLM_F_REQUEST | req.flags | flags, req.payload))
    for m in r.do(req, flags=flags) if flags else [r.get(req)]:
        cap.add(f"reply {label}", m.raw())


def _route_get(family: int, dst: bytes) -> Request:
    """`ip route get DST ipproto tcp sport 1234 dport 80`: ports big-endian, as iproute2 sends them."""
    payload = L.RTMSG.pack(rtm_family=family, rtm_dst_len=len(dst) * 8) + A.attr(C.RTA_DST, dst)
    payload += A.u8(C.RTA_IP_PROTO, socket.IPPROTO_TCP)
    payload += A.attr(C.RTA_SPORT, WIRE["RTA_SPORT"].to_bytes(2, "big"))
    payload += A.attr(C.RTA_DPORT, WIRE["RTA_DPORT"].to_bytes(2, "big"))
    return Request(C.RTM_GETROUTE, 0, payload)


def _requests(r: Rtnl, cap: Captured) -> None:
    """Requests built here, with the replies: route lookups with ports, an IPv6 route with a
    4-byte RTA_EXPIRES, a vxlan fdb entry with a port, a single link."""
    _request(r, cap, "route get v4", _route_get(C.AF_INET, socket.inet_pton(socket.AF_INET, "10.100.1.9")))
    _request(r, cap, "route get v6", _route_get(C.AF_INET6, socket.inet_pton(socket.AF_INET6, "fd00:100::9")))
    six = L.RTMSG.pack(rtm_family=C.AF_INET6, rtm_dst_len=64, rtm_table=C.RT_TABLE_MAIN,
                       rtm_protocol=C.RTPROT_STATIC, rtm_scope=C.RT_SCOPE_UNIVERSE, rtm_type=C.RTN_UNICAST)
    six += A.attr(C.RTA_DST, socket.inet_pton(socket.AF_INET6, "fd00:300::")) + A.u32(C.RTA_OIF, r.link_index("v0"))
    six += A.u32(C.RTA_EXPIRES, 300)
    _request(r, cap, "route add v6 expires", Request(C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_EXCL, six),
             flags=C.NLM_F_ECHO)
    fdb = L.NDMSG.pack(ndm_family=C.AF_BRIDGE, ndm_ifindex=r.link_index("vx0"), ndm_state=C.NUD_PERMANENT,
                       ndm_flags=C.NTF_SELF)
    fdb += A.attr(C.NDA_LLADDR, bytes.fromhex("020000000505")) + A.attr(C.NDA_DST, socket.inet_aton("10.1.0.5"))
    fdb += A.attr(C.NDA_PORT, VXLAN_PORT.to_bytes(2, "big")) + A.u32(C.NDA_VNI, 44)
    _request(r, cap, "fdb add vxlan", Request(C.RTM_NEWNEIGH, C.NLM_F_CREATE | C.NLM_F_EXCL, fdb), flags=C.NLM_F_ECHO)
    _request(r, cap, "link get vx0", Request(C.RTM_GETLINK, 0, L.IFINFOMSG.pack(ifi_index=r.link_index("vx0"))))


def _dumps(r: Rtnl, cap: Captured, mroutes: bool) -> None:
    dumps: list[tuple[str, int, bytes]] = [
        ("links", C.RTM_GETLINK, L.IFINFOMSG.pack()),
        ("addrs", C.RTM_GETADDR, L.IFADDRMSG.pack()),
        ("routes v4", C.RTM_GETROUTE, L.RTMSG.pack(rtm_family=C.AF_INET)),
        ("routes v6", C.RTM_GETROUTE, L.RTMSG.pack(rtm_family=C.AF_INET6)),
        ("neigh", C.RTM_GETNEIGH, L.NDMSG.pack()),
        ("neigh proxy", C.RTM_GETNEIGH, L.NDMSG.pack(ndm_flags=C.NTF_PROXY)),
        ("neightbl", C.RTM_GETNEIGHTBL, L.NDTMSG.pack() + bytes(3)),
    ]
    if mroutes:
        dumps.append(("routes ipmr", C.RTM_GETROUTE, L.RTMSG.pack(rtm_family=_RTNL_FAMILY_IPMR)))
    for label, mtype, payload in dumps:
        for m in r.sock.dump(mtype, payload).all():
            cap.add(f"dump {label}", m.raw())


def capture() -> Captured:
    """Build the rich namespace (and a peer namespace), capture everything; RichNetnsError when it cannot."""
    missing = missing_tools()
    if missing:
        raise RichNetnsError(f"not installed: {', '.join(missing)}")
    cap = Captured()
    with NetNS.create() as ns, NetNS.create() as peer, Rtnl(ns) as r:
        _links(ns, peer, r)
        _addresses_and_routes(ns)
        _neighbours(ns)
        with _multicast_routes(ns, r) as mroutes:
            if not mroutes:
                cap.notes.append("IPv4 multicast routing refused here (MRT_INIT): no multicast routes")
            _requests(r, cap)
            _dumps(r, cap, mroutes)
    return cap
