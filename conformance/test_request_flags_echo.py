"""NLM_F_ECHO on object creation: what the requester gets, and what other sockets get.

nlmsg_notify (net/netlink/af_netlink.c), called by rtnl_notify with report = nlmsg_report(nlh) (the
request's NLM_F_ECHO): the notification is multicast to the object's group *excluding the requester's
port* when report is set, then unicast to the requester.  So with ECHO the requester gets exactly one
copy (in its group or not); without it only what its group memberships give; other sockets get the
group's copy either way, a socket in no group or in another namespace nothing.

A handler that calls rtnl_notify without the request's nlh cannot echo:
* neighbour — __neigh_notify passes nlh NULL (and only the requester's port): never echoed;
* link      — before v6.3 rtnl_configure_link -> __dev_notify_flags -> rtmsg_ifinfo knew neither
              nlh nor port (1d997f101307 "rtnetlink: pass netlink message header and portid to
              rtnl_configure_link" made creation echo);
* neightbl  — neightbl_set notifies nothing at all;
* address (rtmsg_ifa), route (rtmsg_fib), rule (notify_rule_change), nexthop (nexthop_notify) pass it.
A veth link is two devices: the peer's registration is notified too, by the kernel (no port, no seq).
Recorded as ``flags.<object>.<echo|noecho>.<target>`` = copies of the object's notification received.
"""
from __future__ import annotations

import pytest
from support.expect import expect
from support.flags_matrix import (ACK, FLAG_SETS, OBJECTS, Reply, exchange, group_mask_to_number, object_params,
                                  queued, scene)

from netlink_probe import NetNS, Socket
from netlink_probe import constants as C

TARGETS = ["requester", "requester_in_group", "group", "unbound", "other_netns"]
COPIES = {"link": 2, "neightbl": 0}  # notifications one creation multicasts (default 1)
LINK_ECHO_SINCE = ("6.3", "1d997f101307 rtnetlink: pass netlink message header and portid to rtnl_configure_link")
NEVER_ECHOED = {"neighbour", "neightbl"}  # __neigh_notify: nlh NULL; neightbl_set: no notification


def copies(obj: str) -> int:
    return COPIES.get(obj, 1)


def expected_count(obj: str, echo: bool, target: str, echoes: bool) -> int:
    """nlmsg_notify's rule: the echo replaces the requester's group copy; the group always gets its copies."""
    if target == "requester":
        return 1 if echo and echoes else 0
    if target in ("requester_in_group", "group"):
        return copies(obj)
    return 0  # unbound, other_netns: no membership in this namespace's group


def echo_rule(observed, obj: str, key: str, value_with, value_without):
    """expect() with the per-kernel echo capability of *obj*: value_with where it echoes."""
    if obj == "link":
        return expect(observed, key).since(LINK_ECHO_SINCE[0], value_with, why=LINK_ECHO_SINCE[1]) \
            .before(value_without, why="rtmsg_ifinfo without nlh/portid")
    if obj in NEVER_ECHOED:
        return expect(observed, key).before(value_without, why="rtnl_notify(..., nlh=NULL) or no notification")
    return expect(observed, key).before(value_with, why="rtnl_notify(..., info->nlh): nlmsg_report")


def notifications(replies: list[Reply], obj: str) -> list[Reply]:
    ntype = OBJECTS[obj].notify_type
    return [r for r in replies if ntype is not None and r.message.type == ntype]


def create(netns: NetNS, rt, obj: str, echo: bool, *, requester_groups: tuple[int, ...] = (),
           listener_netns: NetNS | None = None, listener_groups: tuple[int, ...] = ()):
    """Create *obj* (CREATE|EXCL|ACK, ECHO when asked); the requester's notifications and a listener's."""
    kind, ifindex = OBJECTS[obj], scene(rt)
    with Socket(netns=netns) as s, Socket(netns=listener_netns or netns) as listener:
        for g in requester_groups:
            s.join(g)
        for g in listener_groups:
            listener.join(g)
        flags = ACK | FLAG_SETS["create_excl"] | (C.NLM_F_ECHO if echo else 0)
        answer = exchange(s, kind.new_type, flags, kind.payload(ifindex), seq=0x3C)
        assert answer.outcome == "ok", f"creating the {obj}: {answer.outcome}"
        return s.port, notifications(answer.replies, obj), notifications(queued(listener), obj)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("echo", [True, False], ids=["echo", "noecho"])
@pytest.mark.parametrize("obj", object_params())
def test_echo_flag_decides_who_receives_the_new_object(netns, rt, obj, echo, target, observe):
    """nlmsg_notify (via rtnl_notify, report = NLM_F_ECHO): copies of the creation notice each socket gets."""
    group = OBJECTS[obj].group
    other = NetNS.create() if target == "other_netns" else None
    try:
        _, mine, theirs = create(netns, rt, obj, echo,
                                 requester_groups=(group,) if target == "requester_in_group" else (),
                                 listener_netns=other, listener_groups=() if target == "unbound" else (group,))
    finally:
        if other is not None:
            other.close()
    count = len(mine) if target.startswith("requester") else len(theirs)
    key = f"flags.{obj}.{'echo' if echo else 'noecho'}.{target}"
    observe(key, count)
    echo_rule(count, obj, key, expected_count(obj, echo, target, True), expected_count(obj, echo, target, False))


def origin(r: Reply, port: int) -> str:
    """Whose message a notification says it is: 'port+seq' (the request's), 'port', or 'kernel'."""
    m = r.message
    return "+".join(w for w, hit in (("port", m.pid == port), ("seq", m.seq == 0x3C)) if hit) or "kernel"


@pytest.mark.parametrize("echo", [True, False], ids=["echo", "noecho"])
@pytest.mark.parametrize("obj", [o for o in object_params() if o != "neightbl"])
def test_group_notification_names_the_requesters_port_and_seq(netns, rt, obj, echo, observe):
    """rtnl_notify callers fill the notice with info->portid and nlh->nlmsg_seq when they have them."""
    port, _, theirs = create(netns, rt, obj, echo, listener_groups=(OBJECTS[obj].group,))
    seen = sorted({origin(r, port) for r in theirs})
    key = f"flags.{obj}.{'echo' if echo else 'noecho'}.notification_origin"
    observe(key, seen)
    if obj == "neighbour":  # neigh_update_notify(neigh, nlmsg_pid) -> __neigh_notify(..., pid): no seq
        expect(seen, key).before(["port"], why="__neigh_notify fills only the port")
    elif obj == "link":  # rtmsg_ifinfo_build_skb: 'if (nlmsg_report(nlh)) seq = ...; else portid = 0'
        echo_rule(seen, obj, key, ["kernel", "port+seq"] if echo else ["kernel"], ["kernel"])
    else:
        expect(seen, key).before(["port+seq"], why="the handler passes info->portid and nlh")


ECHO_FLAGS = {  # nlmsg_flags of the echoed notice: what each fill function is given
    "link": 0,  # rtnl_fill_ifinfo(..., flags 0)
    "address": 0,  # inet_fill_ifaddr: args.flags 0
    "route": C.NLM_F_CREATE | C.NLM_F_EXCL,  # fib_table_insert: nlflags = NLM_F_EXCL | NLM_F_CREATE (new alias)
    "rule": 0,  # fib_nl_fill_rule(..., flags 0)
    "nexthop": None,  # nexthop_notify: nlflags = info->nlh->nlmsg_flags, the request's own
}


@pytest.mark.parametrize("obj", [o for o in object_params() if o not in NEVER_ECHOED])
def test_echo_is_the_group_notification_sent_back_with_its_group(netns, rt, obj, observe):
    """nlmsg_notify: the echo is the multicast skb itself, NETLINK_CB(skb).dst_group already set by
    nlmsg_multicast, so the requester's unicast copy names the object's group as its source."""
    port, mine, _ = create(netns, rt, obj, True)
    echoed = [r for r in mine if r.message.seq == 0x3C]
    shape = [[group_mask_to_number(r.src_groups), r.message.flags, r.message.pid == port] for r in echoed]
    key = f"flags.{obj}.echo.shape"
    observe(key, [x for row in shape for x in row])
    flags = ECHO_FLAGS[obj]
    if flags is None:
        flags = C.NLM_F_REQUEST | ACK | FLAG_SETS["create_excl"] | C.NLM_F_ECHO
    echo_rule([x for row in shape for x in row], obj, key, [OBJECTS[obj].group, flags, True], [])
