"""Decode oracle: every rtnetlink message type the suite receives, decoded by netlink_probe and by pyroute2.

One fresh namespace per process makes the kernel send each type at least
once (replies, dumps, errors with extended acks and the notifications of
seven groups); a local tap keeps the raw datagrams.  Each type is then
checked on its own, so a disagreement names the message type.  Known pyroute2
limitations are in ``support.allowlist.ALLOWLIST`` (docs/pyroute2-allowlist.md).

Beyond this module, support.plugin's ``decode_oracle_session`` checks every
message each process received from the kernel at the end of the session.
"""
from __future__ import annotations

import time

import pytest
from support.allowlist import ALLOWLIST
from support.decode_oracle import assert_decoders_agree, tap_kernel_transports
from support.decode_compare import compare_message

from netlink_probe import KernelError, NetNS, Overrun, Socket, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import parse_error
from netlink_probe.codec import layouts as L
from netlink_probe.codec import message as M

pytestmark = pytest.mark.oracle

EXPECTED = ("RTM_NEWLINK", "RTM_DELLINK", "RTM_NEWADDR", "RTM_DELADDR", "RTM_NEWROUTE", "RTM_DELROUTE",
            "RTM_NEWNEIGH", "RTM_DELNEIGH", "RTM_NEWNEIGHTBL", "RTM_NEWNSID", "RTM_DELNSID", "NLMSG_ERROR",
            "NLMSG_DONE")
LISTEN = (C.RTNLGRP_LINK, C.RTNLGRP_IPV4_IFADDR, C.RTNLGRP_IPV6_IFADDR, C.RTNLGRP_IPV4_ROUTE,
          C.RTNLGRP_IPV6_ROUTE, C.RTNLGRP_NEIGH, C.RTNLGRP_NSID)
_CACHE: dict = {}


def _expect_error(r, req, errno_name):
    with pytest.raises(KernelError) as ei:
        r.do(req)
    assert ei.value.errno_name == errno_name


def _generate(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[bytes]]:
    """Make the kernel send every EXPECTED type in a fresh namespace; {type name: [raw messages]}."""
    captured: dict[str, list[bytes]] = {}

    def tap(protocol, received):
        if protocol == C.NETLINK_ROUTE:
            for m in M.parse(bytes(received.data)):
                captured.setdefault(m.type_name, []).append(m.raw())

    with monkeypatch.context() as mp:
        tap_kernel_transports(mp, tap)  # every socket opened below is tapped, until the context ends
        with NetNS.create() as ns, NetNS.create() as peer, rtnl.Rtnl(ns) as r, Socket(netns=ns) as lis:
            for g in LISTEN:
                lis.join(g)
            r.up(1)
            a, b = r.add_veth("dc0", "dc1", mtu=1400)
            r.up(b)
            r.up(a)
            r.do(rtnl.new_addr(a, "10.30.0.1", 24))
            r.do(rtnl.new_addr(a, "fd00:30::1", 64))
            r.do(rtnl.route("10.31.0.0", 16, gateway="10.30.0.2", oif=a, priority=7))
            r.do(rtnl.route("fd00:31::", 64, oif=a, table=100))
            r.do(rtnl.route("10.32.0.0", 16, rtype=C.RTN_BLACKHOLE))
            r.do(rtnl.neigh(a, "10.30.0.9", "02:00:00:00:30:09"))
            r.do(rtnl.neigh(a, "fd00:30::9", "02:00:00:00:30:0a", state=C.NUD_STALE))
            r.do(rtnl.new_nsid(11, fd=peer.fd))
            for what, fam in (("links", 0), ("addrs", 0), ("routes", C.AF_INET), ("routes", C.AF_INET6),
                              ("neigh", 0), ("neightbl", 0), ("nsid", 0)):
                r.dump(what, fam).all()
            r.get(rtnl.get_link(a))
            r.get(rtnl.get_route("10.31.1.1"))
            # errors: plain, with an extack message, with an extack offset
            _expect_error(r, rtnl.get_link(4242), "ENODEV")
            _expect_error(r, rtnl.new_link("x0", "no-such-kind"), "EOPNOTSUPP")
            _expect_error(r, rtnl.Request(C.RTM_NEWLINK, 0, L.IFINFOMSG.pack(ifi_index=a) +
                                          A.attr(C.IFLA_MTU, b"\0\0")), "ERANGE")
            _expect_error(r, rtnl.new_nsid(12, fd=peer.fd), "EEXIST")
            # a dump that fails: its NLMSG_DONE carries the errno (with and without extack TLVs)
            bad_dump = L.RTMSG.pack(rtm_family=C.AF_INET) + A.u32(C.RTA_TABLE, 4077)
            for ext_ack in (True, False):
                with rtnl.Rtnl(ns, strict=True, ext_ack=ext_ack) as s:
                    with pytest.raises(KernelError):
                        s.sock.dump(C.RTM_GETROUTE, bad_dump).all()
            r.do(rtnl.neigh(a, "10.30.0.9", cmd=C.RTM_DELNEIGH, flags=0))
            r.do(rtnl.route("10.31.0.0", 16, gateway="10.30.0.2", oif=a, priority=7, cmd=C.RTM_DELROUTE, flags=0))
            r.do(rtnl.new_addr(a, "10.30.0.1", 24, delete=True))
            r.do(rtnl.del_link(a))
            peer.close()  # the namespace's cleanup sends RTM_DELNSID
            deadline = time.monotonic() + 5
            while "RTM_DELNSID" not in captured and time.monotonic() < deadline:
                for n in lis.notifications(0.2):
                    if isinstance(n, Overrun):
                        raise n
            for _ in lis.notifications(0.2):
                pass
    return captured


def captured(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[bytes]]:
    if "msgs" not in _CACHE:
        _CACHE["msgs"] = _generate(monkeypatch)
    return _CACHE["msgs"]


@pytest.mark.parametrize("mtype", EXPECTED)
def test_each_message_type_decodes_the_same_in_pyroute2(mtype, record_property, monkeypatch):
    """rtnetlink_rcv_msg/rtnl_notify/netlink_ack: every message of this type decodes the same in both decoders."""
    msgs = captured(monkeypatch).get(mtype)
    assert msgs, f"the kernel sent no {mtype} in the generating namespace (types seen: {sorted(captured(monkeypatch))})"
    record_property("messages", len(msgs))
    assert assert_decoders_agree(msgs) == len(msgs)


def test_every_type_received_is_compared(record_property, monkeypatch):
    """rtnetlink: the generating run received no message type outside those the decode oracle compares."""
    seen = set(captured(monkeypatch))
    record_property("types_seen", sorted(seen))
    assert seen <= set(EXPECTED), f"types received but not checked by type: {sorted(seen - set(EXPECTED))}"


def test_error_with_extack_offset_decodes_the_same_in_pyroute2(monkeypatch):
    """netlink_ack: an NLMSG_ERROR carrying NLMSGERR_ATTR_MSG and NLMSGERR_ATTR_OFFS decodes the same in pyroute2."""
    with_offset = []
    for raw in captured(monkeypatch)["NLMSG_ERROR"]:
        (m,) = M.parse(raw)
        info = parse_error(m)
        if info.extack.offset is not None and info.extack.msg:
            with_offset.append(raw)
    assert with_offset, "no error with an extack offset was received"
    for raw in with_offset:
        assert [str(d) for d in compare_message(raw) if not any(a.covers(d) for a in ALLOWLIST)] == []
