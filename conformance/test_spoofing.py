"""Spoofed notifications: only the kernel has port 0 (netlink_sendmsg, netlink_unicast, netlink_broadcast).

A container's root -- root of an unprivileged user namespace that owns a network namespace -- has
CAP_NET_ADMIN over that namespace, so netlink_sendmsg lets its sockets unicast to any port there and
send to any group (netlink_allowed: ns_capable(net->user_ns, CAP_NET_ADMIN)), NETLINK_ROUTE's missing
NL_CFG_F_NONROOT_SEND notwithstanding.  What it cannot forge is the source address: netlink_sendmsg
stamps NETLINK_CB(skb).portid with the sender's port, and netlink_recvmsg reports it as nl_pid; only
kernel sockets have port 0.

Here the container's root (a child that enters the container's user namespace and becomes its uid 0,
host uid 65534) finds the listeners of RTNLGRP_LINK in /proc/net/netlink, as a real one would, and
sends them 5 bytes of garbage, a well-formed forged RTM_DELLINK of "eth0", and a message nested
thousands of levels deep -- to their port, and to the group.  A root listener in that namespace (a
`netlink-probe monitor --netns` subprocess, a library `Socket`) must show none of it, keep running,
count what it dropped, and still show the kernel's next notification (a veth created there).

Whether the kernel lets that root send at all is the permission matrix's observation
(``perm.userns_root_own_netns.NETLINK_ROUTE.send_port`` / ``.send_group``: "ok" on current
kernels); a kernel that refuses makes these tests skip, naming the errno.
"""
from __future__ import annotations

import re

import pytest
from support.requirements import needs
from support.monitor import Monitor

from netlink_probe import Socket, codec, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.errors import errno_name
from netlink_probe.privileges import UserNetNS, run_as
from netlink_probe.socket import Notification, UserDatagram
from netlink_probe.sys import calls

pytestmark = needs("context:userns_root_own_netns")

LINK_GROUP = 1 << (C.RTNLGRP_LINK - 1)
VETH = ("sp-a", "sp-b")  # the real event: created in the container's namespace after the forgeries


def deep_nest(levels: int = 5000) -> bytes:
    """An RTM_NEWLINK whose IFLA_LINKINFO nests *levels* deep (4 bytes a level: 20 KB)."""
    body = b""
    for _ in range(levels):
        body = A.attr(C.IFLA_LINKINFO, body, nested=True)
    return codec.encode(C.RTM_NEWLINK, 0, L.IFINFOMSG.pack() + body)


ATTACKS = {
    "garbage": b"\1\2\3\4\5",
    "forged_dellink": codec.encode(C.RTM_DELLINK, 0, L.IFINFOMSG.pack(ifi_index=2) + A.string(C.IFLA_IFNAME, "eth0")),
    "deep_nest": deep_nest(),
}
ROUTES = ["to_port", "to_group"]  # unicast to each listener's port; or to RTNLGRP_LINK (nl_groups)


@pytest.fixture
def container():
    """A user namespace owned by uid 65534 and the network namespace it owns (held by fds), lo up."""
    with UserNetNS.create() as c:
        rtnl.loopback_up(c.net)
        yield c


# -- the container's root ----------------------------------------------------------------------------------
def link_listeners() -> list[int]:
    """Ports of this namespace's NETLINK_ROUTE sockets in RTNLGRP_LINK (/proc/net/netlink: Eth, Pid, Groups)."""
    ports = []
    with open("/proc/self/net/netlink") as f:
        next(f)
        for line in f:
            sk, eth, pid, groups, *_ = line.split()
            if int(eth) == C.NETLINK_ROUTE and int(groups, 16) & LINK_GROUP:
                ports.append(int(pid))
    return ports


def _as_container_root(user_fd: int, data: bytes, route: str, port: int | None) -> tuple[int, str, list[str]]:
    """In a child already in the container's netns: join its user namespace as uid 0 there, then send *data*.

    Returns (the sending socket's port, the child's uid_map line, the outcome of each send).
    """
    calls.setns(user_fd, C.CLONE_NEWUSER)  # ns_capable(user_ns, CAP_SYS_ADMIN): we are root of its parent
    calls.setresgid(0, 0, 0)
    calls.setresuid(0, 0, 0)  # the namespace's uid 0: host uid 65534, full capabilities over its netns only
    with open("/proc/self/uid_map") as f:
        uid_map = " ".join(f.read().split())
    with Socket(C.NETLINK_ROUTE) as s:
        targets = [(0, LINK_GROUP)] if route == "to_group" else \
            [(p, 0) for p in ([port] if port is not None else link_listeners())]
        out = []
        for dst, groups in targets:
            try:
                s.send(data, port=dst, groups=groups)
                out.append("ok")
            except OSError as e:
                out.append(errno_name(e.errno or 0))
        return s.port, uid_map, out


def attack(container: UserNetNS, data: bytes, route: str, port: int | None = None) -> tuple[int, list[str]]:
    """Send *data* as the container's root; (its port, the outcome of each send).  Skips when refused."""
    sender, uid_map, sent = run_as("root", _as_container_root, container.user_fd, data, route, port,
                                   netns=container.net)
    assert uid_map == "0 65534 1", f"the sender is not the container's root: uid_map {uid_map!r}"
    assert sent, "no listener of RTNLGRP_LINK found in /proc/net/netlink"
    if sent != ["ok"] * len(sent):
        pytest.skip(f"the kernel refused the container root's datagram {route}: {sent}")
    return sender, sent


def make_veth(container: UserNetNS) -> None:
    with rtnl.Rtnl(container.net) as r:
        r.add_veth(*VETH)


# -- a library listener -------------------------------------------------------------------------------------
def listener(container: UserNetNS, **kw) -> Socket:
    s = Socket(C.NETLINK_ROUTE, netns=container.net, pktinfo=True, timeout=2.0, **kw)
    s.join(C.RTNLGRP_LINK)
    return s


def until_veth(sock: Socket, **kw) -> list:
    """Everything notifications() yields until the veth's RTM_NEWLINK (or 2 s of silence)."""
    got = []
    for n in sock.notifications(2.0, **kw):
        got.append(n)
        if isinstance(n, Notification) and n.message.type == C.RTM_NEWLINK and \
                n.message.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME) in VETH:
            break
    return got


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_library_listener_drops_a_user_ports_datagram_and_counts_it(container, name, route):
    """netlink_sendmsg: the container's root may unicast to any port in its netns, or send to a group, but
    the source nl_pid is its own port: Socket.notifications() never yields it and goes on to the kernel's."""
    with listener(container) as sock:
        sender, _ = attack(container, ATTACKS[name], route)
        make_veth(container)
        got = until_veth(sock)
        assert got and all(isinstance(n, Notification) and n.src_pid == 0 for n in got), got
        assert not [n for n in got if n.message.type == C.RTM_DELLINK]
        assert got[-1].message.type == C.RTM_NEWLINK  # the kernel's event is still shown
        assert (sock.foreign_dropped, sock.foreign_last_port) == (1, sender)


def test_library_listener_that_asks_gets_user_ports_datagrams_raw_and_marked(container):
    """netlink_recvmsg reports the sender's port as nl_pid: notifications(user_ports=True) hands the forged
    RTM_DELLINK over as a UserDatagram with that port and the bytes as sent, never as a Notification."""
    forged = ATTACKS["forged_dellink"]
    with listener(container) as sock:
        sender, _ = attack(container, forged, "to_port", sock.port)
        make_veth(container)
        got = until_veth(sock, user_ports=True)
    assert got[0] == UserDatagram(forged, sender, 0, 0, len(forged))  # NETLINK_PKTINFO: group 0, a unicast
    assert all(isinstance(n, Notification) for n in got[1:]) and sock.foreign_dropped == 0


def test_forged_error_from_a_user_port_is_not_the_answer_to_a_request(container):
    """netlink_ack answers from port 0: an NLMSG_ERROR for our next seq sent first by the container's root
    (source nl_pid its port) is dropped and counted; the kernel's ACK answers the request."""
    with Socket(C.NETLINK_ROUTE, netns=container.net, timeout=2.0) as sock:
        seq = sock.next_seq() + 1  # the sequence number the next request will use
        request = codec.encode(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK, b"", seq, sock.port)
        sender, _ = attack(container, codec.encode_error(request, -1), "to_port", sock.port)
        assert sock.request(C.NLMSG_NOOP, 0) == []
        assert (sock.foreign_dropped, sock.foreign_last_port) == (1, sender)


def test_forged_done_from_a_user_port_does_not_end_a_dump(container):
    """netlink_dump_done is the kernel's: an NLMSG_DONE(EPERM) queued first by the container's root for our
    next seq is dropped and counted; the link dump lists lo and ends at the kernel's NLMSG_DONE."""
    with Socket(C.NETLINK_ROUTE, netns=container.net, timeout=2.0) as sock:
        seq = sock.next_seq() + 1
        sender, _ = attack(container, codec.encode_done(seq, sock.port, -1), "to_port", sock.port)
        d = sock.dump(C.RTM_GETLINK, L.IFINFOMSG.pack())
        names = [m.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME) for m in d]
        assert names == ["lo"] and d.done is not None and d.done.error == 0
        assert (sock.foreign_dropped, sock.foreign_last_port) == (1, sender)


# -- a root `netlink-probe monitor --netns <the container's netns>` ----------------------------------------
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_monitor_drops_a_user_ports_datagram_and_reports_the_count(container, name, route):
    """netlink_sendmsg from the container's root reaches a root monitor in its netns with the sender's port as
    nl_pid: the monitor prints none of it, does not exit, shows the kernel's next RTM_NEWLINK, and reports
    the dropped datagram on stderr at exit."""
    mon = Monitor("--group", "link", "--netns", container.net.path, "--count", "1", "--timeout", "15")
    sender, _ = attack(container, ATTACKS[name], route)
    make_veth(container)
    recs = mon.records()  # exit status 0, or the test fails
    assert [(r["type"], r["pid"], r["object"]["ifname"] in VETH) for r in recs] == [("RTM_NEWLINK", 0, True)]
    m = re.search(r"dropped (\d+) datagrams? from user ports \(last from port (\d+)\)", mon.stderr)
    assert m and (int(m[1]), int(m[2])) == (1, sender), mon.stderr
