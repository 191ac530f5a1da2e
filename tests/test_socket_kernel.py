"""The socket layer against the running kernel, without privileges and without changing anything.

Only read-only, unprivileged operations in the current network namespace:
opening NETLINK_ROUTE sockets, joining groups (rtnetlink sets
NL_CFG_F_NONROOT_RECV), socket options, NLMSG_NOOP requests and a link dump.
"""
from __future__ import annotations

import errno
import time

import pytest

import netlink_probe.transport
from netlink_probe import KernelError, NetlinkTimeout, Socket, codec
from netlink_probe import constants as C
from netlink_probe.codec import layouts as L
from netlink_probe.sys import calls
from netlink_probe.transport import Tapped, open_kernel_transport


def has_cap(cap: int) -> bool:
    return bool(calls.capget()[0] >> cap & 1)


@pytest.fixture
def sock():
    with Socket(C.NETLINK_ROUTE, timeout=2.0) as s:
        yield s


def test_list_memberships_grows_its_buffer_past_the_first_word(sock):
    """netlink_getsockopt(NETLINK_LIST_MEMBERSHIPS) reports the full bitmap length; a second word holds 33+."""
    sock.join(C.RTNLGRP_LINK)
    sock.join(33)
    assert sock.memberships() == {C.RTNLGRP_LINK, 33}
    sock.leave(33)
    assert sock.memberships() == {C.RTNLGRP_LINK}
    assert sock.sockname()[1] == 1 << (C.RTNLGRP_LINK - 1)


def test_every_named_option_round_trips(sock):
    """netlink_setsockopt / netlink_getsockopt: EXT_ACK, CAP_ACK, GET_STRICT_CHK, NO_ENOBUFS, ... read back 1."""
    for name in ("ext_ack", "cap_ack", "strict", "no_enobufs", "broadcast_error", "pktinfo"):
        sock.set_option(name, True)
        assert sock.get_option(name) == 1, name
        sock.set_option(name, False)
        assert sock.get_option(name) == 0, name
    with pytest.raises(TypeError):
        Socket(C.NETLINK_ROUTE, no_such_option=True)


def test_listen_all_nsid_needs_cap_net_broadcast(sock):
    """netlink_setsockopt(NETLINK_LISTEN_ALL_NSID) checks ns_capable(CAP_NET_BROADCAST): EPERM without it."""
    if has_cap(C.CAP_NET_BROADCAST):
        sock.set_option("listen_all_nsid", True)  # accepted (reading it back needs getsockopt's case, v6.9:
        # conformance's business, not this file's, which must pass on any kernel)
    else:
        with pytest.raises(OSError) as e:
            sock.set_option("listen_all_nsid", True)
        assert e.value.errno == errno.EPERM


def test_constructor_options_are_set_on_the_socket():
    """Socket(ext_ack=True, strict=True, cap_ack=True): the kernel reports each option on."""
    with Socket(C.NETLINK_ROUTE, ext_ack=True, strict=True, cap_ack=True, no_enobufs=True) as s:
        assert [s.get_option(n) for n in ("ext_ack", "strict", "cap_ack", "no_enobufs")] == [1, 1, 1, 1]


def test_noop_without_ack_is_answered_with_silence_and_times_out(sock):
    """netlink_rcv_skb: a control message below NLMSG_MIN_TYPE is acked only on NLM_F_ACK; no hang."""
    t = time.monotonic()
    with pytest.raises(NetlinkTimeout):
        sock.request(C.NLMSG_NOOP, 0, ack=False, timeout=0.2)
    assert time.monotonic() - t < 1.5


def test_noop_with_ack_gets_an_ack(sock):
    """netlink_rcv_skb -> netlink_ack(err=0) for NLMSG_NOOP with NLM_F_ACK."""
    assert sock.request(C.NLMSG_NOOP, 0) == []


def test_autobound_socket_learns_its_port_from_the_first_send():
    """netlink_autobind on the first sendmsg: replies carry the assigned port, which the socket now knows."""
    with Socket(C.NETLINK_ROUTE, bind=False, timeout=2.0) as s:
        assert s.port == 0
        assert s.request(C.NLMSG_NOOP, 0) == []
        assert s.port != 0 and s.port == s.sockname()[0]


def test_link_dump_ends_with_done_and_holds_lo(sock):
    """rtnl_dump_ifinfo: every namespace has lo; the dump ends with NLMSG_DONE error 0."""
    d = sock.dump(C.RTM_GETLINK, L.IFINFOMSG.pack())
    names = [m.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME) for m in d]
    assert "lo" in names and d.done.error == 0 and not d.interrupted


def test_late_ack_of_an_earlier_request_is_skipped(sock):
    """netlink_ack answers every NLM_F_ACK request: an unread ACK of an older seq must not fail the next one."""
    sock.send_message(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK)
    assert sock.request(C.NLMSG_NOOP, 0) == []
    with pytest.raises(NetlinkTimeout):
        sock.recv(0.1)


def test_forged_reply_from_a_user_port_is_not_taken_for_the_kernel(sock):
    """netlink_unicast between user sockets: source nl_pid is the sender's port, never 0 like the kernel's."""
    if not has_cap(C.CAP_NET_ADMIN):
        pytest.skip("netlink_sendmsg refuses a unicast to a user port on NETLINK_ROUTE (no NL_CFG_F_NONROOT_SEND) "
                    "without CAP_NET_ADMIN, which this process lacks (capget)")
    with Socket(C.NETLINK_ROUTE) as other, Socket(C.NETLINK_ROUTE, timeout=2.0, user_ports=True) as asks:
        for s in (sock, asks):
            seq = s.next_seq() + 1  # the sequence number the next request will use
            forged = codec.encode_error(codec.encode(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK, b"", seq, s.port),
                                        -1, capped=True)
            other.send(forged, port=s.port)
        time.sleep(0.01)
        assert sock.request(C.NLMSG_NOOP, 0) == []  # the forged EPERM was not taken as the answer...
        assert (sock.foreign_dropped, sock.foreign_last_port) == (1, other.port)  # ...but dropped and counted
        assert asks.request(C.NLMSG_NOOP, 0) == []
        r = asks.recv(0.5)  # a socket that asked for user ports' datagrams gets it, marked with the sender's port
    assert r.src_pid == other.port and codec.parse_error(codec.parse(r.data)[0]).errno_name == "EPERM"


def test_an_error_echoing_a_request_over_64k_is_read_whole(sock):
    """netlink_ack echoes the whole refused request (no NETLINK_CAP_ACK): the answer to a 80 KB request is longer
    than the 64 KiB buffer, so its length is peeked (MSG_PEEK|MSG_TRUNC) and it is read whole, errno and all.
    rtnetlink_rcv_msg refuses a type above RTM_MAX with EOPNOTSUPP before any permission check."""
    payload = L.IFINFOMSG.pack() + codec.attribute.attr(0x3FF0, b"x" * 40000) * 2
    with pytest.raises(KernelError) as e:
        sock.request(0x7FF0, 0, payload)
    assert e.value.errno == errno.EOPNOTSUPP and e.value.info.echo_payload == payload
    assert not e.value.info.truncated


def test_a_session_taps_the_kernel_transport_by_wrapping_its_opener(monkeypatch):
    """transport.Tapped around open_kernel_transport (as the conformance decode oracle does): every datagram seen."""
    seen = []
    real = netlink_probe.transport.open_kernel_transport

    def tapped(protocol, sock_type, netns):
        return Tapped(real(protocol, sock_type, netns),
                      lambda proto, r: seen.append((proto, codec.parse(r.data)[0].type)))
    monkeypatch.setattr(netlink_probe.transport, "open_kernel_transport", tapped)
    with Socket(C.NETLINK_ROUTE, timeout=2.0) as s:
        assert s.request(C.NLMSG_NOOP, 0) == []
        assert s.fd >= 0 and s.sockname()[0] == s.port
    assert s.fd == -1
    assert seen == [(C.NETLINK_ROUTE, C.NLMSG_ERROR)]


def test_kernel_transport_receive_ends_at_its_timeout():
    """poll() bounds recvmsg: nothing queued gives None after the timeout, never a blocked thread."""
    t = open_kernel_transport(C.NETLINK_ROUTE, C.SOCK_RAW, None)
    try:
        start = time.monotonic()
        assert t.recv(0.05, 0) is None
        assert time.monotonic() - start < 1.0
    finally:
        t.close()
    assert t.fileno() == -1
    t.close()  # closing twice is harmless
