"""Helpers of the route, neighbour, neighbour-table and route-notification tests.

Nothing here decides what the kernel should answer: the helpers build
requests, set up a namespace, and read back what the kernel holds.
"""
from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

import pytest

from netlink_probe import KernelError, Socket, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.codec import rtnl as R


__all__ = ["FAMILIES", "Net", "SILENCE", "add_addr", "collect", "device_messages", "dump_neigh", "dump_neightbl",
           "dump_routes", "extack_value", "family_name", "fib_rule_to_table", "get_neigh", "kernel_error",
           "listener", "lookup", "make_net", "multipath", "ndtmsg", "neigh_dsts", "nexthops", "no_link_local",
           "raw_route", "request_seq", "route_dicts", "routes_to", "set_neightbl", "table_messages",
           "wait_for_local_route"]

# Addresses of the test network (inside fresh namespaces only).
V4_LOCAL, V4_PEER, V4_PEER2, V4_NET = "10.1.0.1", "10.1.0.2", "10.1.0.3", 24
V6_LOCAL, V6_PEER, V6_PEER2, V6_NET = "fd00::1", "fd00::2", "fd00::3", 64
FAMILIES = {"inet": C.AF_INET, "inet6": C.AF_INET6}


@dataclass
class Net:
    """A namespace with a veth pair: *a* up with 10.1.0.1/24 and fd00::1/64 (no DAD), *b* its peer."""

    ns: object
    rt: rtnl.Rtnl
    a: int
    b: int

    def local(self, family: int) -> str:
        return V4_LOCAL if family == C.AF_INET else V6_LOCAL

    def peer(self, family: int, second: bool = False) -> str:
        if family == C.AF_INET:
            return V4_PEER2 if second else V4_PEER
        return V6_PEER2 if second else V6_PEER


def add_addr(rt: rtnl.Rtnl, index: int, address: str, prefixlen: int) -> None:
    """RTM_NEWADDR; IPv6 addresses get IFA_F_NODAD so they are usable at once (no tentative state)."""
    req = rtnl.new_addr(index, address, prefixlen)
    if ":" in address:
        req.payload += A.u32(C.IFA_FLAGS, C.IFA_F_NODAD)
    rt.do(req)


def no_link_local(rt: rtnl.Rtnl, index: int) -> None:
    """IFLA_INET6_ADDR_GEN_MODE = NONE: no fe80:: address, hence no DAD and no routes appearing later on their own."""
    spec = A.nest(C.IFLA_AF_SPEC, A.nest(C.AF_INET6, A.u8(C.IFLA_INET6_ADDR_GEN_MODE, C.IN6_ADDR_GEN_MODE_NONE)))
    rt.do(rtnl.set_link(index, extra=spec))


def wait_for_local_route(rt: rtnl.Rtnl, address: str, timeout: float = 5.0) -> None:
    """An IPv6 address's local /128 route is inserted by addrconf's DAD work (even with NODAD): wait for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for m in rt.dump("routes", C.AF_INET6):
            d = R.decode(m)
            if d["attrs"].get("RTA_DST") == address and d["header"]["rtm_type"] == C.RTN_LOCAL:
                return
        time.sleep(0.01)
    pytest.fail(f"the local route of {address} did not appear within {timeout} s")


def make_net(ns, rt: rtnl.Rtnl, *, up: bool = True, addresses: bool = True) -> Net:
    a, b = rt.add_veth("rn-a", "rn-b")
    if up:
        for i in (a, b):
            no_link_local(rt, i)
            rt.up(i)
    if addresses:
        add_addr(rt, a, V4_LOCAL, V4_NET)
        add_addr(rt, a, V6_LOCAL, V6_NET)
        if up:
            wait_for_local_route(rt, V6_LOCAL)
    return Net(ns, rt, a, b)


def kernel_error(fn, *args, **kwargs) -> KernelError:
    """The KernelError fn raised; fails the test if the kernel accepted the request."""
    try:
        fn(*args, **kwargs)
    except KernelError as e:
        return e
    pytest.fail(f"the kernel accepted the request ({getattr(fn, '__name__', fn)})")


def extack_value(e: KernelError) -> str:
    """The extack text as a profile value ('none' when the kernel sent none)."""
    return e.extack_msg if e.extack_msg else "none"


def family_name(family: int) -> str:
    return {C.AF_INET: "inet", C.AF_INET6: "inet6", C.AF_UNSPEC: "unspec"}[family]


# -- routes ------------------------------------------------------------------------
def route_dicts(msgs) -> list[dict]:
    return [R.decode(m) for m in msgs]


def dump_routes(rt: rtnl.Rtnl, family: int = C.AF_UNSPEC, *, table: int = 0, attrs: bytes = b"",
                **header) -> list:
    """RTM_GETROUTE dump with an rtmsg of our choosing (filters go in rtm_table/attrs); raw messages."""
    payload = L.RTMSG.pack(rtm_family=family, rtm_table=table, **header) + attrs
    return rt.sock.dump(C.RTM_GETROUTE, payload).all()


def routes_to(rt: rtnl.Rtnl, family: int, dst: str, dst_len: int | None = None) -> list[dict]:
    """Decoded dump entries of *family* whose RTA_DST is *dst* (and prefix length, when given)."""
    out = []
    for d in route_dicts(rt.dump("routes", family)):
        if d["header"]["rtm_family"] == family and d["attrs"].get("RTA_DST") == dst and \
                (dst_len is None or d["header"]["rtm_dst_len"] == dst_len):
            out.append(d)
    return out


def nexthops(raw: bytes) -> list[dict]:
    """RTA_MULTIPATH's struct rtnexthop entries (codec.rtnl.multipath), each with its RTA_GATEWAY as text."""
    wrapped = A.attr(C.RTA_MULTIPATH, bytes(raw))
    out = []
    for hop in R.multipath(A.Attrs(wrapped, 0, len(wrapped))) or ():
        gw = hop.pop("attrs").bytes(C.RTA_GATEWAY)
        hop["gateway"] = str(ipaddress.ip_address(gw)) if gw else None
        out.append(hop)
    return out


def lookup(rt: rtnl.Rtnl, dst: str, *, lookup_table: bool = False, oif: int | None = None) -> dict:
    return R.decode(rt.get(rtnl.get_route(dst, lookup_table=lookup_table, oif=oif)))


def fib_rule_to_table(family: int, table: int, priority: int) -> rtnl.Request:
    """RTM_NEWRULE 'from all lookup TABLE' (struct fib_rule_hdr + FRA_PRIORITY + FRA_TABLE)."""
    hdr = L.FIB_RULE_HDR.pack(family=family, action=C.FR_ACT_TO_TBL)
    payload = hdr + A.u32(C.FRA_PRIORITY, priority) + A.u32(C.FRA_TABLE, table)
    return rtnl.Request(C.RTM_NEWRULE, C.NLM_F_CREATE | C.NLM_F_EXCL, payload)


# -- neighbours ------------------------------------------------------------------------
def get_neigh(rt: rtnl.Rtnl, index: int, dst: str) -> dict:
    """RTM_GETNEIGH doit by NDA_DST + ndm_ifindex (ndm_state 0, as neigh_valid_get_req demands)."""
    return R.decode(rt.get(rtnl.neigh(index, dst, cmd=C.RTM_GETNEIGH, flags=0, state=0)))


def dump_neigh(rt: rtnl.Rtnl, family: int = C.AF_UNSPEC, attrs: bytes = b"", **header) -> list:
    payload = L.NDMSG.pack(ndm_family=family, **header) + attrs
    return rt.sock.dump(C.RTM_GETNEIGH, payload).all()


def neigh_dsts(msgs) -> set[tuple[int, str]]:
    return {(m.header(L.NDMSG).ndm_family, R.decode(m)["attrs"].get("NDA_DST")) for m in msgs}


# -- neighbour tables ----------------------------------------------------------------------
def ndtmsg(family: int) -> bytes:
    p = L.NDTMSG.pack(ndtm_family=family)
    return p + b"\0" * (A.align(len(p)) - len(p))


def dump_neightbl(rt: rtnl.Rtnl, family: int = C.AF_UNSPEC) -> list[dict]:
    return [R.decode(m) for m in rt.dump("neightbl", family)]


def set_neightbl(rt: rtnl.Rtnl, family: int, name: str | None, *attrs: bytes, parms: list[bytes] | None = None):
    """RTM_SETNEIGHTBL: NDTA_NAME, table attributes, and an NDTA_PARMS nest of NDTPA_* attributes."""
    payload = ndtmsg(family)
    if name is not None:
        payload += A.string(C.NDTA_NAME, name)
    payload += b"".join(attrs)
    if parms is not None:
        payload += A.nest(C.NDTA_PARMS, *parms)
    return rt.sock.request(C.RTM_SETNEIGHTBL, 0, payload)


def table_messages(msgs: list[dict]) -> list[dict]:
    """neightbl_fill_info messages: the ones that carry the table-wide NDTA_CONFIG."""
    return [d for d in msgs if "NDTA_CONFIG" in d["attrs"]]


def device_messages(msgs: list[dict]) -> list[dict]:
    """neightbl_fill_param_info messages: NDTA_NAME + NDTA_PARMS with NDTPA_IFINDEX, nothing table-wide."""
    return [d for d in msgs if "NDTA_CONFIG" not in d["attrs"]]


# -- notifications -------------------------------------------------------------------------
def listener(ns, *groups: int) -> Socket:
    s = Socket(C.NETLINK_ROUTE, netns=ns, timeout=1.0)
    for g in groups:
        s.join(g)
    return s


SILENCE = 0.2  # seconds of quiet that count as "the kernel sent nothing"


def collect(sock: Socket, timeout: float = 0.05) -> list:
    """Every notification until *timeout* of silence; overruns fail the test.

    rtnl_notify() queues a change's multicast on the listeners inside the doit, before the
    requester's ACK is sent, so once a request is acked its notifications are already queued:
    a short wait gathers them.  Tests asserting silence pass SILENCE.
    """
    out = []
    for n in sock.notifications(timeout):
        if not hasattr(n, "message"):
            pytest.fail("listener overran (ENOBUFS) while collecting notifications")
        out.append(n)
    return out


def multipath(hops: list[tuple[int, str | None, int]]) -> bytes:
    """RTA_MULTIPATH from (ifindex, gateway, rtnh_hops) triples; rtnh_hops is the weight minus one."""
    body = b""
    for ifindex, gw, weight_minus_one in hops:
        inner = A.attr(C.RTA_GATEWAY, ipaddress.ip_address(gw).packed) if gw else b""
        body += L.RTNEXTHOP.pack(rtnh_len=L.RTNEXTHOP.size + len(inner), rtnh_hops=weight_minus_one,
                                 rtnh_ifindex=ifindex) + inner
    return A.attr(C.RTA_MULTIPATH, body)


def raw_route(cmd: int, flags: int, family: int, dst: str | None, dst_len: int, *attrs: bytes,
              rtm_table: int = C.RT_TABLE_MAIN, rtype: int = C.RTN_UNICAST,
              scope: int = C.RT_SCOPE_UNIVERSE, protocol: int = C.RTPROT_STATIC) -> rtnl.Request:
    """A route request with every field under the caller's control (rtm_table and RTA_TABLE apart)."""
    payload = L.RTMSG.pack(rtm_family=family, rtm_dst_len=dst_len, rtm_table=rtm_table, rtm_protocol=protocol,
                           rtm_scope=scope, rtm_type=rtype)
    if dst:
        payload += A.attr(C.RTA_DST, ipaddress.ip_address(dst).packed)
    return rtnl.Request(cmd, flags, payload + b"".join(attrs))


def request_seq(rt: rtnl.Rtnl, req: rtnl.Request, seq: int, timeout: float = 2.0) -> None:
    """Send *req* with NLM_F_ACK and a sequence number of our choosing; raise KernelError unless acked with 0."""
    from netlink_probe import codec

    rt.sock.send_message(req.type, req.flags | C.NLM_F_REQUEST | C.NLM_F_ACK, req.payload, seq=seq)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, msgs = rt.sock.recv_messages(max(deadline - time.monotonic(), 0.01))
        for m in msgs:
            if m.type == C.NLMSG_ERROR and m.seq == seq:
                info = codec.parse_error(m)
                if info.error:
                    raise KernelError(-info.error, info, None)
                return
    pytest.fail(f"no ACK for seq {seq} within {timeout} s")
