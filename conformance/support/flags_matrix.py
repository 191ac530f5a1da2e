"""The objects of the request-flag matrix (conformance/test_request_flags_*.py) and how to send to them.

Every rtnetlink object the suite can create in a fresh namespace — a veth link, an IPv4 address, a
blackhole route, a permanent neighbour, a FIB rule, a blackhole nexthop — and the neighbour table
(RTM_SETNEIGHTBL; "missing" is a table name nobody registered).  Each is sent on a quiet veth pair
(down, no addresses: no traffic makes neighbours or notifications of its own).

Requests are raw datagrams, so any NLM_F_* combination reaches the kernel as written.  The kernel
sends every notification and echo of a change synchronously in the requester's sendmsg() (the doit
runs there, rtnl_notify -> nlmsg_notify queues them), so when the requester holds the ACK that closes
an exchange, whatever other sockets will ever get for it is already in their queues: `queued` reads
them without waiting for silence.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from netlink_probe import NetlinkTimeout, Socket, codec, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L

from .raw_io import MARKER_SEQ, RawReader, msg

__all__ = ["FLAG_SETS", "OBJECTS", "REQ", "Answer", "ObjectKind", "Reply", "exchange", "flag_set_params",
           "group_mask_to_number", "object_params", "queued", "scene"]

REQ, ACK = C.NLM_F_REQUEST, C.NLM_F_ACK
NHA_ID, NHA_BLACKHOLE = 1, 4  # include/uapi/linux/nexthop.h (not in these headers' constants)
NHMSG = struct.Struct("=BBBBI")  # struct nhmsg: family, scope, protocol, resvd, flags
VETH_A, VETH_B = "fa0", "fb0"

# name -> NLM_F_* bits of a "new" request; the names are the profile's key segments
FLAG_SETS = {
    "none": 0,
    "create": C.NLM_F_CREATE,
    "create_excl": C.NLM_F_CREATE | C.NLM_F_EXCL,
    "create_replace": C.NLM_F_CREATE | C.NLM_F_REPLACE,
    "create_append": C.NLM_F_CREATE | C.NLM_F_APPEND,
    "replace": C.NLM_F_REPLACE,
    "append": C.NLM_F_APPEND,
    "excl": C.NLM_F_EXCL,
}


@dataclass(frozen=True)
class ObjectKind:
    """One kind of object: its new/delete message types, the group its notifications go to, its requests."""

    name: str
    new_type: int
    del_type: int | None  # None: nothing deletes it (a neighbour table)
    group: int  # RTNLGRP_* of its notifications (neightbl: the neighbour group, which it never uses)
    notify_type: int | None  # the message type its creation notifies, None: it notifies nothing

    def payload(self, ifindex: int, missing_variant: bool = False) -> bytes:
        """The new request's payload for the object on link *ifindex* (family header + attributes)."""
        return _PAYLOADS[self.name](ifindex, missing_variant)

    def del_payload(self, ifindex: int) -> bytes:
        """The delete request's payload for the same object."""
        return _DEL_PAYLOADS[self.name](ifindex)


def _nexthop(_: int, __: bool = False) -> bytes:
    return NHMSG.pack(C.AF_INET, 0, C.RTPROT_STATIC, 0, 0) + A.u32(NHA_ID, 7) + A.attr(NHA_BLACKHOLE, b"")


def _rule(_: int, __: bool = False) -> bytes:
    return L.FIB_RULE_HDR.pack(family=C.AF_INET, table=C.RT_TABLE_MAIN, action=C.FR_ACT_TO_TBL) + \
        A.u32(C.FRA_PRIORITY, 1000)


def _neightbl(_: int, missing: bool = False) -> bytes:
    head = L.NDTMSG.pack(ndtm_family=C.AF_INET)
    head += b"\0" * (A.align(len(head)) - len(head))
    return head + A.string(C.NDTA_NAME, "no_such_table" if missing else "arp_cache")


_PAYLOADS = {
    # a veth without VETH_INFO_PEER (its peer is named by the kernel): an existing one takes the same
    # request as a change, since no IFLA_INFO_DATA asks for a changelink veth does not have
    "link": lambda i, m=False: L.IFINFOMSG.pack() + A.string(C.IFLA_IFNAME, "fc0") + rtnl.linkinfo("veth"),
    "address": lambda i, m=False: rtnl.new_addr(i, "10.9.0.1", 24).payload,
    "route": lambda i, m=False: rtnl.route("10.8.0.0", 24, rtype=C.RTN_BLACKHOLE).payload,
    "neighbour": lambda i, m=False: rtnl.neigh(i, "10.9.0.7", "02:00:00:00:00:07").payload,
    "rule": _rule,
    "nexthop": _nexthop,
    "neightbl": _neightbl,
}
_DEL_PAYLOADS = {
    "link": lambda i: L.IFINFOMSG.pack() + A.string(C.IFLA_IFNAME, "fc0"),
    "address": lambda i: rtnl.new_addr(i, "10.9.0.1", 24, delete=True).payload,
    "route": lambda i: rtnl.route("10.8.0.0", 24, rtype=C.RTN_BLACKHOLE, cmd=C.RTM_DELROUTE).payload,
    "neighbour": lambda i: rtnl.neigh(i, "10.9.0.7", cmd=C.RTM_DELNEIGH).payload,
    "rule": lambda i: _rule(i),
    "nexthop": lambda i: NHMSG.pack(C.AF_UNSPEC, 0, 0, 0, 0) + A.u32(NHA_ID, 7),
}

OBJECTS = {o.name: o for o in (
    ObjectKind("link", C.RTM_NEWLINK, C.RTM_DELLINK, C.RTNLGRP_LINK, C.RTM_NEWLINK),
    ObjectKind("address", C.RTM_NEWADDR, C.RTM_DELADDR, C.RTNLGRP_IPV4_IFADDR, C.RTM_NEWADDR),
    ObjectKind("route", C.RTM_NEWROUTE, C.RTM_DELROUTE, C.RTNLGRP_IPV4_ROUTE, C.RTM_NEWROUTE),
    ObjectKind("neighbour", C.RTM_NEWNEIGH, C.RTM_DELNEIGH, C.RTNLGRP_NEIGH, C.RTM_NEWNEIGH),
    ObjectKind("rule", C.RTM_NEWRULE, C.RTM_DELRULE, C.RTNLGRP_IPV4_RULE, C.RTM_NEWRULE),
    ObjectKind("nexthop", C.RTM_NEWNEXTHOP, C.RTM_DELNEXTHOP, C.RTNLGRP_NEXTHOP, C.RTM_NEWNEXTHOP),
    ObjectKind("neightbl", C.RTM_SETNEIGHTBL, None, C.RTNLGRP_NEIGH, None),
)}


def object_params(*, deletable: bool = False) -> list[str]:
    """The object names to parametrize over (only those with a delete request when *deletable*)."""
    return [n for n, o in OBJECTS.items() if o.del_type is not None or not deletable]


def flag_set_params() -> list[str]:
    return list(FLAG_SETS)


def scene(rt: rtnl.Rtnl) -> int:
    """A veth pair, left down, in *rt*'s namespace: the ifindex the objects hang on."""
    a, _ = rt.add_veth(VETH_A, VETH_B)
    return a


@dataclass(frozen=True)
class Reply:
    """One message the requester got, with the source group of its datagram (0: a plain unicast)."""

    message: codec.Message
    src_groups: int


@dataclass(frozen=True)
class Answer:
    """Everything the kernel answered one request with: the replies before the final NLMSG_ERROR, if any."""

    replies: list[Reply]
    error: codec.ErrorInfo | None  # the NLMSG_ERROR answering the request (None: it was not acknowledged)
    error_message: codec.Message | None

    @property
    def outcome(self) -> str:
        """'ok', an errno name, or 'silent' (no NLMSG_ERROR came)."""
        return self.error.errno_name if self.error else "silent"


def exchange(sock: Socket, mtype: int, flags: int, payload: bytes, seq: int = 0x5EC) -> Answer:
    """Send one request (REQUEST | *flags*) and read its answers up to the closing marker's ACK.

    Unlike raw_io.answers, datagrams with a source group are kept: an echo goes out on the skb
    nlmsg_multicast already stamped with the object's group (NETLINK_CB(skb).dst_group)."""
    sock.send(msg(mtype, REQ | flags, payload, seq, sock.port))
    sock.send(msg(C.NLMSG_NOOP, REQ | ACK, b"", MARKER_SEQ, sock.port))
    reader = RawReader(sock.fd)
    replies: list[Reply] = []
    while True:
        r, msgs = reader.messages(2)
        for m in msgs:
            if m.type == C.NLMSG_ERROR and m.seq == MARKER_SEQ:
                errs = [x.message for x in replies if x.message.type == C.NLMSG_ERROR and x.message.seq == seq]
                rest = [x for x in replies if x.message.type != C.NLMSG_ERROR]
                last = errs[-1] if errs else None
                return Answer(rest, codec.parse_error(last) if last else None, last)
            replies.append(Reply(m, r.src_groups))


def queued(sock: Socket) -> list[Reply]:
    """Every datagram already queued on *sock* (none are waited for: see the module docstring)."""
    reader = RawReader(sock.fd)
    out: list[Reply] = []
    while True:
        try:
            r = reader.recv(0.001)
        except NetlinkTimeout:
            return out
        out.extend(Reply(m, r.src_groups) for m in codec.parse(r.data))


def group_mask_to_number(mask: int) -> int:
    """A datagram's source nl_groups (a bitmask, groups 1..32) as a group number; 0 for none."""
    return mask.bit_length()
