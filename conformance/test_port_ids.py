"""Port ids: netlink_autobind, netlink_insert, netlink_bind, netlink_connect.

A port id is unique per (protocol, network namespace): nl_table[protocol].hash is keyed by
(net, portid) (netlink_compare).  Autobind tries the caller's tgid first (task_tgid_vnr), then a
negative rover (below -4096, random start on current kernels).  Every explicit port id used here is
bound inside the test's own fresh namespace, so parallel workers cannot collide.
"""
from __future__ import annotations

import functools
import os

from support.raw_io import msg, RawReader, signed

from netlink_probe import NetNS, Socket, codec
from netlink_probe import constants as C
from netlink_probe.errors import errno_name
from netlink_probe.sys import calls

PORT = 0x5EED0001  # explicit port ids live in the test's private namespace


def unbound(ns, protocol=C.NETLINK_ROUTE) -> Socket:
    return Socket(protocol, netns=ns, bind=False)


def bind_outcome(fd: int, port: int, groups: int = 0) -> str:
    try:
        calls.bind(fd, port, groups)
        return "ok"
    except OSError as e:
        return errno_name(e.errno)


# -- autobind in a fresh child: which ids a process gets ----------------------------------------------
def _child_autobinds(ns_fds: list[int]) -> dict:
    """In a fresh process: autobind sockets in several namespaces and protocols; report the ids."""
    keep = []

    def auto(protocol, ns_fd=None) -> int:
        s = Socket(protocol, netns=ns_fd, bind=False)
        keep.append(s)
        calls.bind(s.fd, 0, 0)
        return signed(calls.getsockname(s.fd)[0])

    first_ns, other_ns = ns_fds
    out = {"tgid": os.getpid()}
    out["route_first"] = auto(C.NETLINK_ROUTE, first_ns)
    out["route_second"] = auto(C.NETLINK_ROUTE, first_ns)
    out["route_third"] = auto(C.NETLINK_ROUTE, first_ns)
    out["usersock_first"] = auto(C.NETLINK_USERSOCK, first_ns)
    out["other_netns_first"] = auto(C.NETLINK_ROUTE, other_ns)
    return out


@functools.lru_cache(maxsize=1)
def child_autobinds() -> dict:
    """One forked child (root, fresh namespaces) per worker process: the first socket there is the child's first."""
    with NetNS.create() as a, NetNS.create() as b:
        from netlink_probe.privileges import run_as
        return run_as("root", _child_autobinds, [a.fd, b.fd], netns=a)


def test_first_autobound_port_of_a_process_is_its_tgid(observe):
    """netlink_autobind: 's32 portid = task_tgid_vnr(current)' is tried first."""
    got = child_autobinds()
    observe("portid.first_is_tgid", got["route_first"] == got["tgid"])
    assert got["route_first"] == got["tgid"]


def test_later_autobound_ports_of_a_process_are_below_minus_4096(observe):
    """netlink_autobind: on a collision the rover hands out negative ids below -4096, never the same twice."""
    got = child_autobinds()
    observe("portid.second_below_minus_4096", got["route_second"] < -4096)
    assert got["route_second"] < -4096 and got["route_third"] < -4096
    assert got["route_second"] != got["route_third"]


def test_tgid_port_is_free_again_in_another_protocol(observe):
    """netlink_autobind looks up nl_table[sk_protocol] only: the tgid is unused in NETLINK_USERSOCK."""
    got = child_autobinds()
    observe("portid.tgid_per_protocol", got["usersock_first"] == got["tgid"])
    assert got["usersock_first"] == got["tgid"]


def test_tgid_port_is_free_again_in_another_namespace(observe):
    """__netlink_lookup compares (net, portid): the tgid is unused in a second namespace."""
    got = child_autobinds()
    observe("portid.tgid_per_netns", got["other_netns_first"] == got["tgid"])
    assert got["other_netns_first"] == got["tgid"]


def _child_tgid_taken(ns_fd: int) -> tuple[int, int]:
    squatter = unbound(ns_fd)
    calls.bind(squatter.fd, os.getpid())  # an explicit bind takes the tgid before any autobind
    s = unbound(ns_fd)
    calls.bind(s.fd, 0)
    return os.getpid(), signed(calls.getsockname(s.fd)[0])


def test_autobind_skips_a_tgid_already_bound_explicitly(netns, run_as, observe):
    """netlink_autobind: __netlink_lookup finds the tgid taken -> the rover's negative id instead."""
    tgid, port = run_as("root", _child_tgid_taken, netns.fd, netns=netns)
    observe("portid.autobind_skips_taken_tgid", port != tgid)
    assert port < -4096


# -- explicit binds -----------------------------------------------------------------------------------
def test_explicit_bind_to_a_taken_port_is_eaddrinuse(netns, observe):
    """netlink_insert: __netlink_insert's -EEXIST becomes -EADDRINUSE."""
    with unbound(netns) as a, unbound(netns) as b:
        calls.bind(a.fd, PORT)
        got = bind_outcome(b.fd, PORT)
    observe("portid.bind_taken", got)
    assert got == "EADDRINUSE"


def test_explicit_bind_sets_exactly_the_requested_port(netns):
    """netlink_bind -> netlink_insert(sk, nladdr->nl_pid): getsockname reports that id."""
    with unbound(netns) as a:
        calls.bind(a.fd, PORT + 7)
        assert calls.getsockname(a.fd) == (PORT + 7, 0)


def test_rebinding_a_bound_socket_to_another_port_is_einval(netns, observe):
    """netlink_bind: 'if (bound && nladdr->nl_pid != nlk->portid) return -EINVAL'."""
    with unbound(netns) as a:
        calls.bind(a.fd, PORT)
        got = bind_outcome(a.fd, PORT + 1)
        assert calls.getsockname(a.fd)[0] == PORT
    observe("portid.rebind_other", got)
    assert got == "EINVAL"


def test_rebinding_a_bound_socket_to_port_zero_is_einval(netns, observe):
    """netlink_bind: nl_pid 0 is not 'autobind again' on a bound socket; it differs from the port -> EINVAL."""
    with unbound(netns) as a:
        calls.bind(a.fd, 0)
        got = bind_outcome(a.fd, 0)
    observe("portid.rebind_zero", got)
    assert got == "EINVAL"


def test_rebinding_to_the_same_port_only_changes_the_groups(netns, observe):
    """netlink_bind: the same nl_pid passes the check and the nl_groups mask is applied."""
    with unbound(netns) as a:
        calls.bind(a.fd, PORT, 0)
        got = bind_outcome(a.fd, PORT, 1 << (C.RTNLGRP_LINK - 1))
        name = calls.getsockname(a.fd)
    observe("portid.rebind_same", got)
    assert got == "ok"
    assert name == (PORT, 1 << (C.RTNLGRP_LINK - 1))


def test_same_explicit_port_in_another_protocol_is_allowed(netns, observe):
    """netlink_insert uses nl_table[sk->sk_protocol]: ids are per protocol."""
    with unbound(netns) as a, unbound(netns, C.NETLINK_USERSOCK) as b:
        calls.bind(a.fd, PORT)
        got = bind_outcome(b.fd, PORT)
    observe("portid.same_port_other_protocol", got)
    assert got == "ok"


def test_same_explicit_port_in_another_namespace_is_allowed(netns_pair, observe):
    """netlink_compare: the hash key is (net, portid), so namespaces do not share ids."""
    a_ns, b_ns = netns_pair
    with unbound(a_ns) as a, unbound(b_ns) as b:
        calls.bind(a.fd, PORT)
        got = bind_outcome(b.fd, PORT)
    observe("portid.same_port_other_netns", got)
    assert got == "ok"


def test_port_is_free_again_once_its_socket_is_closed(netns, observe):
    """netlink_release -> netlink_remove takes the socket out of the hash at close()."""
    a = unbound(netns)
    calls.bind(a.fd, PORT)
    a.close()
    with unbound(netns) as b:
        got = bind_outcome(b.fd, PORT)
    observe("portid.reuse_after_close", got)
    assert got == "ok"


# -- implicit autobind ----------------------------------------------------------------------------------
def test_unbound_socket_reports_port_zero(netns):
    """netlink_getname: nl_pid is nlk->portid, 0 until the socket is bound."""
    with unbound(netns) as a:
        assert calls.getsockname(a.fd) == (0, 0)


def test_sendto_autobinds_and_the_reply_is_addressed_to_the_new_port(netns, observe):
    """netlink_sendmsg: 'if (!nlk->bound) netlink_autobind()'; the kernel answers that port."""
    with unbound(netns) as a:
        calls.sendto(a.fd, msg(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK, b"", 0x90), 0, 0)
        port = calls.getsockname(a.fd)[0]
        r, msgs = RawReader(a.fd).messages(2)
    observe("portid.autobind_on_sendto", port != 0)
    assert port != 0
    assert [(m.type, m.seq, m.pid) for m in msgs] == [(C.NLMSG_ERROR, 0x90, port)]


def test_connect_autobinds_the_socket(netns, observe):
    """netlink_connect: 'if (!nlk->bound) err = netlink_autobind(sock)' before recording the peer."""
    with unbound(netns) as a:
        calls.connect(a.fd, 0, 0)
        port = calls.getsockname(a.fd)[0]
        peer = calls.getpeername(a.fd)
    observe("portid.autobind_on_connect", port != 0)
    assert port != 0
    assert peer == (0, 0)


def test_connected_socket_sends_to_its_peer_without_an_address(netns, observe):
    """netlink_connect stores dst_portid; netlink_sendmsg without msg_name uses it."""
    with Socket(netns=netns) as target, unbound(netns) as a:
        calls.connect(a.fd, target.port, 0)
        assert calls.getpeername(a.fd) == (target.port, 0)
        os.write(a.fd, msg(0x1234, 0, b"ping", 0x91))
        r, msgs = RawReader(target.fd).messages(2)
        src = calls.getsockname(a.fd)[0]
    observe("portid.connected_send_reaches_peer", r.src_pid == src)
    assert (r.src_pid, r.src_groups) == (src, 0)
    assert [(m.type, m.seq) for m in msgs] == [(0x1234, 0x91)]


def test_connected_socket_refuses_datagrams_from_other_ports(netns, observe):
    """netlink_getsockbyportid: a socket connected to X refuses senders other than X -> ECONNREFUSED."""
    with Socket(netns=netns) as x, unbound(netns) as a, Socket(netns=netns) as other:
        calls.connect(a.fd, x.port, 0)
        a_port = calls.getsockname(a.fd)[0]
        try:
            calls.sendto(other.fd, msg(0x1234, 0, b"", 0x92), a_port, 0)
            got = "ok"
        except OSError as e:
            got = errno_name(e.errno)
    observe("portid.connected_refuses_others", got)
    assert got == "ECONNREFUSED"


def test_user_port_messages_carry_the_senders_port_and_kernel_messages_port_zero(netns, observe):
    """netlink_sendmsg sets NETLINK_CB(skb).portid = nlk->portid; netlink_recvmsg reports it as nl_pid."""
    with Socket(netns=netns) as rx, Socket(netns=netns) as tx:
        tx.send(msg(0x1235, 0, b"", 0x93), port=rx.port)
        from_user = RawReader(rx.fd).recv(2)
        rx.send(msg(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK, b"", 0x94, rx.port))
        from_kernel = RawReader(rx.fd).recv(2)
    observe("portid.user_message_src_pid_is_sender", from_user.src_pid == tx.port)
    assert (from_user.src_pid, from_user.src_groups) == (tx.port, 0)
    assert codec.parse(from_user.data)[0].type == 0x1235
    assert (from_kernel.src_pid, codec.parse(from_kernel.data)[0].seq) == (0, 0x94)


def test_sendto_a_port_nobody_holds_is_econnrefused(netns, observe):
    """netlink_unicast -> netlink_getsockbyportid: no socket with that id in this namespace -> ECONNREFUSED."""
    with Socket(netns=netns) as s:
        try:
            s.send(msg(0x1234, 0, b"", 0x96), port=PORT + 99)
            got = "ok"
        except OSError as e:
            got = errno_name(e.errno)
    observe("portid.send_to_missing_port", got)
    assert got == "ECONNREFUSED"


def test_a_port_in_another_namespace_is_unreachable(netns_pair, observe):
    """netlink_lookup(sock_net(ssk), ...): the destination id is looked up in the sender's namespace only."""
    a_ns, b_ns = netns_pair
    with unbound(b_ns) as target, Socket(netns=a_ns) as s:
        calls.bind(target.fd, PORT)
        try:
            s.send(msg(0x1234, 0, b"", 0x97), port=PORT)
            got = "ok"
        except OSError as e:
            got = errno_name(e.errno)
    observe("isolation.unicast_to_port_in_other_netns", got)
    assert got == "ECONNREFUSED"

