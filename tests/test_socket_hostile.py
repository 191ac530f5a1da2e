"""Hostile peers and odd answers, through the in-memory peer (netlink_probe.testing.FakeKernel).

Only the kernel has port 0: netlink_sendmsg stamps a user socket's datagrams with its port as the
source nl_pid, and any socket with CAP_NET_ADMIN over the namespace may unicast to ours or send to our
groups.  The socket drops such datagrams unread and counts them (or hands them over raw, marked with
the port, when asked).  And the kernel's error fields are 0 or -1..-MAX_ERRNO (netlink_ack,
netlink_dump_done): anything else is a ProtocolViolation carrying the raw value.
"""
from __future__ import annotations

import errno

import pytest
from test_socket_fake import LINK, kernel, link, names, sock  # noqa: F401 - fixtures and helpers

from netlink_probe import KernelError, NetlinkTimeout, ProtocolViolation
from netlink_probe import codec
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.socket import Notification, UserDatagram


# -- datagrams from user ports --------------------------------------------------------------------------
def test_datagram_from_a_user_port_during_a_request_is_dropped_and_counted(kernel, sock):
    """netlink_sendmsg stamps a user socket's port as the source: by default such a datagram is dropped unread."""
    def answer(req, k):
        k.deliver(k.ack(req, errno.EPERM), src_pid=1234)
        return [link(req, "real", flags=0), k.ack(req)]
    kernel.handler = answer
    assert names(sock.request(C.RTM_GETLINK, 0, LINK)) == ["real"]
    assert (sock.foreign_dropped, sock.foreign_last_port) == (1, 1234)
    with pytest.raises(NetlinkTimeout):
        sock.recv(0)  # nothing was set aside


def test_forged_done_from_a_user_port_does_not_end_a_dump(kernel, sock):
    """netlink_dump_done is the kernel's: an NLMSG_DONE from a user port (nl_pid != 0) is dropped, the dump goes on."""
    def answer(req, k):
        k.deliver(k.done(req, errno.EPERM), src_pid=77)
        return [link(req, "a"), link(req, "b"), k.done(req)]
    kernel.handler = answer
    assert names(sock.dump(C.RTM_GETLINK, LINK)) == ["a", "b"]
    assert sock.foreign_dropped == 1


FORGED_DELLINK = codec.encode(C.RTM_DELLINK, 0, L.IFINFOMSG.pack(ifi_index=2) + A.string(C.IFLA_IFNAME, "eth0"))


def deep_nest(levels: int = 5000) -> bytes:
    """An RTM_NEWLINK whose IFLA_LINKINFO nests *levels* deep (4 bytes a level)."""
    body = b""
    for _ in range(levels):
        body = A.attr(C.IFLA_LINKINFO, body, nested=True)
    return codec.encode(C.RTM_NEWLINK, 0, L.IFINFOMSG.pack() + body)


@pytest.mark.parametrize("data", [b"\1\2\3\4\5", FORGED_DELLINK, deep_nest()], ids=["garbage", "forged", "deep"])
@pytest.mark.parametrize("groups", [0, 1 << (C.RTNLGRP_LINK - 1)], ids=["unicast", "to-group"])
def test_user_port_datagram_is_never_a_notification(kernel, sock, data, groups):
    """netlink_sendmsg lets a user socket with CAP_NET_ADMIN over the netns unicast to any port or send to a
    group; the source nl_pid names it: notifications() drops it unread, counts it, and goes on."""
    kernel.deliver(data, src_pid=555, src_groups=groups)
    kernel.deliver(codec.encode(C.RTM_NEWLINK, 0, LINK), src_groups=1 << (C.RTNLGRP_LINK - 1))
    got = list(sock.notifications(0))
    assert [(type(n).__name__, n.message.type, n.src_pid) for n in got] == [("Notification", C.RTM_NEWLINK, 0)]
    assert (sock.foreign_dropped, sock.foreign_last_port) == (1, 555)


def test_user_port_datagrams_are_handed_over_raw_when_asked_for(kernel, sock):
    """notifications(user_ports=True): a user port's datagram comes as UserDatagram, marked and never parsed."""
    kernel.deliver(b"\1\2\3\4\5", src_pid=555)
    kernel.deliver(FORGED_DELLINK, src_pid=556, src_groups=1)
    kernel.deliver(codec.encode(C.RTM_NEWLINK, 0, LINK), src_groups=1)
    got = list(sock.notifications(0, user_ports=True))
    assert got[:2] == [UserDatagram(b"\1\2\3\4\5", 555, 0, None, 5), UserDatagram(FORGED_DELLINK, 556, 1, None,
                                                                                     len(FORGED_DELLINK))]
    assert isinstance(got[2], Notification) and got[2].message.type == C.RTM_NEWLINK
    assert sock.foreign_dropped == 0


def test_set_aside_user_port_datagrams_are_not_notifications(kernel):
    """A user_ports socket keeps a user port's datagram a request skipped; notifications() still never decodes it."""
    def answer(req, k):
        k.deliver(FORGED_DELLINK, src_pid=555, src_groups=1)
        return [k.ack(req)]
    kernel.handler = answer
    with kernel.socket(user_ports=True) as sock:
        assert sock.request(C.NLMSG_NOOP, 0) == []
        assert list(sock.notifications(0)) == [] and sock.foreign_dropped == 1


def test_recv_messages_decodes_only_the_kernels_datagrams(kernel):
    """recv_messages parses: a user port's datagram is dropped there even on a user_ports socket."""
    kernel.deliver(b"\1\2\3\4\5", src_pid=555)
    kernel.deliver(codec.encode(C.RTM_NEWLINK, 0, LINK), src_groups=1)
    with kernel.socket(user_ports=True) as sock:
        r, msgs = sock.recv_messages(0)
    assert (r.src_pid, [m.type for m in msgs], sock.foreign_dropped) == (0, [C.RTM_NEWLINK], 1)


def test_peeking_past_a_user_port_datagram_drops_it(kernel, sock):
    """recv(MSG_PEEK) would see the same foreign datagram forever: it is taken off the queue, then the kernel's peeked."""
    kernel.deliver(b"\1\2\3\4\5", src_pid=555)
    kernel.deliver(codec.encode(C.RTM_NEWLINK, 0, LINK), src_groups=1)
    assert sock.recv(0, C.MSG_PEEK).src_groups == 1 and sock.foreign_dropped == 1
    assert sock.recv(0).src_groups == 1


def test_a_flood_from_user_ports_cannot_hold_a_receive_past_its_timeout(kernel, sock):
    """Past the deadline at most BACKLOG more foreign datagrams are read: a sender cannot keep the call going."""
    for i in range(sock.BACKLOG + 100):
        kernel.deliver(b"x", src_pid=555)
    assert list(sock.notifications(0)) == []
    assert sock.foreign_dropped == sock.BACKLOG + 1 and len(kernel.queue) == 99


# -- error fields and truncated errors ------------------------------------------------------------------
def test_truncated_error_answering_the_request_keeps_its_errno(kernel, sock):
    """netlink_ack echoes the whole request: a reader with a small buffer still gets the error int, which precedes it."""
    def answer(req, k):
        k.deliver(k.ack(req, errno.EMSGSIZE), truncate=64)
        return []
    kernel.handler = answer
    with pytest.raises(KernelError) as e:
        sock.request(C.RTM_NEWLINK, 0, LINK + A.attr(C.IFLA_IFALIAS, b"x" * 40000) * 2)
    assert e.value.errno == errno.EMSGSIZE and e.value.info.truncated and e.value.info.echo_payload is None


@pytest.mark.parametrize("error", [-2**31, 2**31 - 1, 5, -4096])
@pytest.mark.parametrize("where", ["ack", "done"])
def test_error_field_out_of_errno_range_is_a_protocol_violation(kernel, sock, error, where):
    """netlink_ack / netlink_dump_done send 0 or -errno (1..MAX_ERRNO): anything else is reported raw, no OverflowError."""
    if where == "ack":
        kernel.handler = lambda req, k: [codec.encode_error(req.raw(), error)]
        call = lambda: sock.request(C.RTM_NEWLINK, 0, LINK)  # noqa: E731
    else:
        kernel.handler = lambda req, k: [codec.encode_done(req.seq, req.pid, error)]
        call = lambda: sock.dump(C.RTM_GETLINK, LINK).all()  # noqa: E731
    with pytest.raises(ProtocolViolation) as e:
        call()
    assert e.value.info.error == error and str(error) in str(e.value)


def test_kernel_error_accepts_any_int():
    """KernelError built by hand with a value os.strerror cannot take (a C int) still constructs."""
    assert KernelError(2**31).errno == 2**31 and "not an errno" in str(KernelError(-3))
