"""The requests of the strict-checking matrix (conformance/test_strict_*.py) and how their answers are read.

Every GET rtnetlink serves (as a dump, and as a single-object doit where one exists), each in a clean
form and in the forms a strict validator looks at: a nonzero header field a dump cannot filter on, an
attribute type above the family's maxtype, a known attribute of the wrong length, a known attribute
the request does not accept as a filter.  Sent with NETLINK_GET_STRICT_CHK on and off, NETLINK_EXT_ACK on.

`Cell.answer` reads the whole answer: a dump's error comes in NLMSG_DONE (netlink_dump_done puts the
dumpit's errno and its extack TLVs there), a doit's or a refused dump start's in NLMSG_ERROR
(netlink_ack).  The codec's parse_done/parse_error read both, extack included.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from netlink_probe import Socket, codec
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L

from .raw_io import RawReader, msg

__all__ = ["REQUESTS", "VARIANTS", "Request", "answer", "cell_params"]

VARIANTS = ("clean", "bad_header", "unknown_attr", "wrong_length", "unsupported_filter")
UNKNOWN_TYPE = 0x3FF  # above every rtnetlink family's maxtype


def _pad(b: bytes) -> bytes:
    return b + b"\0" * (A.align(len(b)) - len(b))


@dataclass(frozen=True)
class Request:
    """One GET: its type, whether a dump, its clean header, and the variant payloads it has."""

    name: str
    mtype: int
    dump: bool
    header: bytes
    bad_header: bytes | None = None
    wrong_length: bytes | None = None  # an accepted filter attribute, cut short
    unsupported: bytes | None = None  # a known attribute that is not a filter of this request
    clean_attrs: bytes = b""  # what a clean doit needs (the object's key)

    def payload(self, variant: str) -> bytes | None:
        """The request payload of *variant*, or None when this request has no such form."""
        if variant == "clean":
            return self.header + self.clean_attrs
        if variant == "bad_header":
            return None if self.bad_header is None else self.bad_header + self.clean_attrs
        if variant == "unknown_attr":
            return self.header + self.clean_attrs + A.u32(UNKNOWN_TYPE, 0)
        if variant == "wrong_length":
            return None if self.wrong_length is None else self.header + self.clean_attrs + self.wrong_length
        if variant == "unsupported_filter":
            return None if self.unsupported is None else self.header + self.clean_attrs + self.unsupported
        raise KeyError(variant)


def _short(atype: int) -> bytes:
    return A.attr(atype, b"\x01\x00")  # 2 bytes where the policy wants 4 or more


NHMSG = struct.Struct("=BBBBI")  # family, scope, protocol, resvd, flags
IF_STATS_MSG = struct.Struct("=BBHII")  # family, pad1, pad2, ifindex, filter_mask
BR_PORT_MSG = struct.Struct("=BxxxI")  # family, (pad), ifindex
V4, V6 = C.AF_INET, C.AF_INET6
NETCONFA_IFINDEX, NHA_OIF, NHA_GATEWAY, NHA_ID = 1, 5, 6, 1
STATS_LINK_64 = 1 << (C.IFLA_STATS_LINK_64 - 1)

REQUESTS = {r.name: r for r in (
    # rtnl_valid_dump_ifinfo_req / rtnl_valid_getlink_req (net/core/rtnetlink.c)
    Request("getlink_dump", C.RTM_GETLINK, True, L.IFINFOMSG.pack(), L.IFINFOMSG.pack(ifi_change=1),
            _short(C.IFLA_MASTER), A.u32(C.IFLA_MTU, 1500)),
    Request("getlink_do", C.RTM_GETLINK, False, L.IFINFOMSG.pack(ifi_index=1), L.IFINFOMSG.pack(ifi_index=1,
            ifi_change=1), _short(C.IFLA_EXT_MASK), A.u32(C.IFLA_MTU, 1500)),
    # inet_valid_dump_ifaddr_req (net/ipv4/devinet.c), inet6_valid_dump_ifaddr_req (net/ipv6/addrconf.c)
    Request("getaddr_dump", C.RTM_GETADDR, True, L.IFADDRMSG.pack(ifa_family=V4),
            L.IFADDRMSG.pack(ifa_family=V4, ifa_prefixlen=8), _short(C.IFA_TARGET_NETNSID),
            A.attr(C.IFA_LOCAL, b"\x7f\0\0\1")),
    Request("getmulticast_dump", C.RTM_GETMULTICAST, True, L.IFADDRMSG.pack(ifa_family=V6),
            L.IFADDRMSG.pack(ifa_family=V6, ifa_prefixlen=8), _short(C.IFA_TARGET_NETNSID),
            A.attr(C.IFA_LOCAL, bytes(16))),
    Request("getanycast_dump", C.RTM_GETANYCAST, True, L.IFADDRMSG.pack(ifa_family=V6),
            L.IFADDRMSG.pack(ifa_family=V6, ifa_prefixlen=8), _short(C.IFA_TARGET_NETNSID),
            A.attr(C.IFA_LOCAL, bytes(16))),
    # ip_valid_fib_dump_req (net/ipv4/fib_frontend.c), inet_rtm_valid_getroute_req (net/ipv4/route.c)
    Request("getroute_dump", C.RTM_GETROUTE, True, L.RTMSG.pack(rtm_family=V4), L.RTMSG.pack(rtm_family=V4,
            rtm_dst_len=8), _short(C.RTA_TABLE), A.attr(C.RTA_DST, b"\x0a\0\0\0")),
    Request("getroute_do", C.RTM_GETROUTE, False, L.RTMSG.pack(rtm_family=V4, rtm_dst_len=32),
            L.RTMSG.pack(rtm_family=V4, rtm_dst_len=32, rtm_type=C.RTN_UNICAST), _short(C.RTA_OIF),
            A.u32(C.RTA_PRIORITY, 1), clean_attrs=A.attr(C.RTA_DST, b"\x7f\0\0\1")),
    # neigh_valid_dump_req / neigh_valid_get_req (net/core/neighbour.c)
    Request("getneigh_dump", C.RTM_GETNEIGH, True, L.NDMSG.pack(ndm_family=V4), L.NDMSG.pack(ndm_family=V4,
            ndm_state=C.NUD_PERMANENT), _short(C.NDA_IFINDEX), A.attr(C.NDA_DST, b"\x7f\0\0\1")),
    Request("getneightbl_dump", C.RTM_GETNEIGHTBL, True, _pad(L.NDTMSG.pack(ndtm_family=V4)),
            _pad(L.NDTMSG.pack(ndtm_family=V4, ndtm_pad1=1)), None, A.string(C.NDTA_NAME, "arp_cache")),
    # fib_valid_dumprule_req (net/core/fib_rules.c)
    Request("getrule_dump", C.RTM_GETRULE, True, L.FIB_RULE_HDR.pack(family=V4),
            L.FIB_RULE_HDR.pack(family=V4, dst_len=8), None, A.u32(C.FRA_TABLE, 254)),
    # nh_valid_dump_req / nh_valid_get_del_req (net/ipv4/nexthop.c)
    Request("getnexthop_dump", C.RTM_GETNEXTHOP, True, NHMSG.pack(0, 0, 0, 0, 0), NHMSG.pack(0, 1, 0, 0, 0),
            _short(NHA_OIF), A.attr(NHA_GATEWAY, b"\x7f\0\0\1")),
    # inet_netconf_dump_devconf (net/ipv4/devinet.c), inet_netconf_get_devconf
    Request("getnetconf_dump", C.RTM_GETNETCONF, True, _pad(bytes([V4])), None, None, None),
    Request("getnetconf_do", C.RTM_GETNETCONF, False, _pad(bytes([V4])), None, _short(NETCONFA_IFINDEX),
            None, clean_attrs=A.s32(NETCONFA_IFINDEX, 1)),
    # br_mdb_valid_dump_req (net/bridge/br_mdb.c; rtnl_mdb_valid_dump_req in net/core/rtnetlink.c since v6.4)
    Request("getmdb_dump", C.RTM_GETMDB, True, BR_PORT_MSG.pack(C.AF_BRIDGE, 0), BR_PORT_MSG.pack(C.AF_BRIDGE, 1),
            None, None),
    # rtnl_net_valid_getid_req / rtnl_valid_dump_net_req (net/core/net_namespace.c)
    Request("getnsid_dump", C.RTM_GETNSID, True, _pad(bytes([0])), None, _short(C.NETNSA_TARGET_NSID),
            A.u32(C.NETNSA_FD, 0)),
    # rtnl_valid_stats_req (net/core/rtnetlink.c)
    Request("getstats_dump", C.RTM_GETSTATS, True, IF_STATS_MSG.pack(0, 0, 0, 0, STATS_LINK_64),
            IF_STATS_MSG.pack(0, 1, 0, 0, STATS_LINK_64), None, None),
    Request("getstats_do", C.RTM_GETSTATS, False, IF_STATS_MSG.pack(0, 0, 0, 1, STATS_LINK_64),
            IF_STATS_MSG.pack(0, 1, 0, 1, STATS_LINK_64), None, None),
    # ip6addrlbl_valid_dump_req (net/ipv6/addrlabel.c): struct ifaddrlblmsg is 12 bytes
    Request("getaddrlabel_dump", C.RTM_GETADDRLABEL, True, bytes([V6]) + bytes(11), bytes([V6, 0, 8]) + bytes(9),
            None, A.attr(1, bytes(16))),
)}


def cell_params() -> list[tuple[str, str]]:
    """(request, variant) pairs that exist: the matrix's rows."""
    return [(name, v) for name, r in REQUESTS.items() for v in VARIANTS if r.payload(v) is not None]


def answer(sock: Socket, req: Request, payload: bytes, seq: int = 0x57) -> tuple[str, codec.ErrorInfo, int]:
    """Send *req* with *payload*; ('done'|'error'|'reply', the final error info, messages before it)."""
    flags = C.NLM_F_REQUEST | (C.NLM_F_DUMP if req.dump else C.NLM_F_ACK)
    sock.send(msg(req.mtype, flags, payload, seq, sock.port))
    reader = RawReader(sock.fd)
    count = 0
    while True:
        _, msgs = reader.messages(3)
        for m in msgs:
            if m.seq != seq:
                continue
            if m.type == C.NLMSG_DONE:
                return "done", codec.parse_done(m), count
            if m.type == C.NLMSG_ERROR:
                return "error", codec.parse_error(m), count
            count += 1
