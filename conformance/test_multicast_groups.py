"""Multicast beyond 32 groups: the ADD_MEMBERSHIP range per protocol, NETLINK_LIST_MEMBERSHIPS, what
getsockname()/proc show, bind() after ADD_MEMBERSHIP, odd option values, and real kernel notifications on
group 32 and above (netlink_setsockopt, netlink_getsockopt, netlink_bind, netlink_getname,
do_one_broadcast, netlink_recvmsg)."""
from __future__ import annotations

import functools
import math
import select

import pytest
from support.probes import genl_groups, GROUP_PROBE_LIMIT, group_ranges, open_protocols, protocol_key
from support.multicast import groups_to_words, listener, proc_net_netlink_groups, words_to_groups
from support.expect import expect
from support.outcome import outcome
from support.requirements import protocol_params
from support.iproute2 import have_ip, ip

from netlink_probe import NetlinkTimeout, NetNS, Overrun, Socket, rtnl
from netlink_probe import constants as C
from netlink_probe.sys import calls

ROUTE = C.NETLINK_ROUTE


def route_max() -> int:
    return group_ranges()[ROUTE].max


def list_len_rules(ngroups: int) -> set[int]:
    """The lengths netlink_getsockopt(NETLINK_LIST_MEMBERSHIPS) may report for *ngroups*: since the 2023 fix
    "netlink: fix NETLINK_LIST_MEMBERSHIPS length report" ALIGN(BITS_TO_BYTES(ngroups), 4); before it
    ALIGN(ngroups / 8, 4), which truncates (39 groups -> 4 bytes, one group short of the second word)."""
    return {4 * math.ceil(math.ceil(ngroups / 8) / 4), 4 * math.ceil((ngroups // 8) / 4)}


# -- the group range ------------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", protocol_params("groups"))
def test_add_membership_accepts_1_to_max_and_rejects_0_and_max_plus_1(protocol, observe):
    """netlink_setsockopt(NETLINK_ADD_MEMBERSHIP): `!val || val - 1 >= nlk->ngroups` -> EINVAL; ngroups is
    the protocol's cfg.groups, raised to at least 32 by __netlink_kernel_create (USERSOCK: 32)."""
    rng = group_ranges()[protocol]
    key = f"groups.{protocol_key(protocol)}"
    observe(f"{key}.max", rng.max)
    observe(f"{key}.add_membership.0", rng.zero)
    observe(f"{key}.add_membership.max_plus_1", rng.max_plus_1)
    assert 32 <= rng.max < GROUP_PROBE_LIMIT
    assert (rng.zero, rng.max_plus_1) == ("EINVAL", "EINVAL")


@pytest.mark.parametrize("protocol", protocol_params("groups"))
def test_list_memberships_with_every_group_joined_sets_every_bit(protocol, observe):
    """netlink_getsockopt(NETLINK_LIST_MEMBERSHIPS): one u32 word per 32 groups with a bit per joined group;
    the reported length is the kernel's rounding of ngroups to bytes and u32 words."""
    rng = group_ranges()[protocol]
    observe(f"groups.{protocol_key(protocol)}.list_memberships_len", rng.list_len)
    assert rng.list_len in list_len_rules(rng.max)
    nwords = rng.list_len // 4
    assert list(rng.list_words) == groups_to_words(range(1, rng.max + 1), math.ceil(rng.max / 32))[:nwords]


def test_route_accepts_the_headers_rtnlgrp_max_since_5_18(observe):
    """rtnetlink_net_init: cfg.groups = RTNLGRP_MAX of the running kernel; the 6.1 headers' last groups,
    RTNLGRP_TUNNEL (35) and RTNLGRP_STATS (36), arrived in 5.18, and newer kernels add groups the headers lack."""
    observe("groups.NETLINK_ROUTE.header_max", C.RTNLGRP_MAX)
    expect(route_max() >= C.RTNLGRP_MAX, "groups.NETLINK_ROUTE.covers_header_max") \
        .since("5.18", True, why="RTNLGRP_TUNNEL and RTNLGRP_STATS are in the kernel's enum") \
        .before(False, why="RTNLGRP_MAX is lower (33, RTNLGRP_BRVLAN, on 5.10: measured)")


def test_generic_netlink_accepts_every_group_the_controller_lists(observe):
    """genl_validate_assign_mc_groups -> netlink_change_ngroups: NETLINK_GENERIC's range grows to cover
    every multicast group id the controller hands out (CTRL_ATTR_MCAST_GRP_ID)."""
    if C.NETLINK_GENERIC not in open_protocols():
        pytest.skip("NETLINK_GENERIC does not open")
    ids = genl_groups()
    for gid, (family, group) in ids.items():  # the number is a value: renumbering is not a key change
        observe(f"genl.{family}.groups.{group}.id", gid)
    assert ids, "the controller listed no multicast group (nlctrl's own 'notify' should be there)"
    assert max(ids) <= group_ranges()[C.NETLINK_GENERIC].max


# -- NETLINK_LIST_MEMBERSHIPS, getsockname, /proc ----------------------------------------------------------------
JOINED = (1, 32)  # plus 33 and the protocol's max: see _joined()


def _joined() -> tuple[int, ...]:
    return (*JOINED, 33, route_max())


@pytest.fixture
def member(netns):
    """A bound NETLINK_ROUTE socket in the test's netns that joined 1, 32, 33 and max by ADD_MEMBERSHIP."""
    with Socket(ROUTE, netns=netns, timeout=0.3) as s:
        for g in _joined():
            s.join(g)
        yield s


@pytest.mark.parametrize("size", ["empty", "short", "exact", "long"])
def test_list_memberships_reports_the_full_length_whatever_the_buffer(size, member, observe):
    """netlink_getsockopt(NETLINK_LIST_MEMBERSHIPS): writes the u32 words that fit in the caller's buffer
    and always reports the full length (not the bytes written), so a caller can size its next buffer."""
    full = group_ranges()[ROUTE].list_len
    buflen = {"empty": 0, "short": full - 4 if full > 4 else 2, "exact": full, "long": full + 64}[size]
    data, reported = calls.getsockopt_bytes(member.fd, C.SOL_NETLINK, C.NETLINK_LIST_MEMBERSHIPS, buflen)
    observe(f"multicast.NETLINK_ROUTE.list_memberships.reported_len.{size}", reported)
    words = groups_to_words(_joined(), math.ceil(route_max() / 32))
    fits = min(buflen, full) // 4
    assert reported == full
    assert data[: fits * 4] == b"".join(w.to_bytes(4, "little") for w in words[:fits])


def test_getsockname_reports_only_groups_1_to_32(member, observe):
    """netlink_getname: nl_groups = nlk->groups[0] truncated to u32 — joined groups above 32 are invisible."""
    port, groups = member.sockname()
    observe("multicast.NETLINK_ROUTE.getsockname_nl_groups", groups)
    assert groups == (1 << 0) | (1 << 31)
    assert words_to_groups_of(member) == set(_joined())


def words_to_groups_of(sock: Socket) -> set[int]:
    data, reported = calls.getsockopt_bytes(sock.fd, C.SOL_NETLINK, C.NETLINK_LIST_MEMBERSHIPS, 4096)
    return words_to_groups(w for w in (int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data), 4)))


def test_proc_net_netlink_shows_only_groups_1_to_32(member, netns, observe):
    """netlink_seq_show prints `nlk->groups ? (u32)nlk->groups[0] : 0` as %08x: groups above 32 never appear
    in /proc/net/netlink."""
    column = proc_net_netlink_groups(netns, member.fd)
    observe("multicast.NETLINK_ROUTE.proc_net_netlink_groups", column)
    assert column == "80000001"


def test_bind_after_add_membership_replaces_groups_1_to_32_and_keeps_higher_ones(netns):
    """netlink_bind: `nlk->groups[0] = (nlk->groups[0] & ~0xffffffffUL) | groups` — nl_groups replaces the
    first 32 groups, memberships above 32 (same long word on 64-bit, and further words) stay."""
    top = route_max()
    with Socket(ROUTE, netns=netns, bind=False) as s:
        for g in (1, 5, 33, top):
            s.join(g)
        s.bind(0, 1 << 1)  # group 2 only
        assert words_to_groups_of(s) == {2, 33, top}
        assert s.sockname()[1] == 1 << 1


def test_drop_membership_of_a_group_never_joined_succeeds(netns, observe):
    """netlink_setsockopt(NETLINK_DROP_MEMBERSHIP): clears the bit whether or not it was set; no error."""
    with Socket(ROUTE, netns=netns) as s:
        s.join(3)
        got = outcome(s.leave, 7)
        observe("multicast.NETLINK_ROUTE.drop_never_joined", got)
        assert got == "ok"
        assert words_to_groups_of(s) == {3}


def test_add_membership_with_a_value_shorter_than_an_int_means_group_0(netns, observe):
    """netlink_setsockopt reads val only when optlen >= sizeof(int); a shorter value leaves val = 0, and
    ADD_MEMBERSHIP of group 0 is EINVAL — whatever the byte said."""
    with Socket(ROUTE, netns=netns) as s:
        got = outcome(calls.setsockopt_bytes, s.fd, C.SOL_NETLINK, C.NETLINK_ADD_MEMBERSHIP, b"\x05")
        observe("multicast.NETLINK_ROUTE.add_membership_short_value", got)
        assert got == "EINVAL"
        assert words_to_groups_of(s) == set()


def test_boolean_option_with_a_value_shorter_than_an_int_is_switched_off(netns, observe):
    """netlink_setsockopt: with optlen < sizeof(int) val stays 0, so a one-byte "1" for NETLINK_PKTINFO
    turns the option OFF, without an error."""
    with Socket(ROUTE, netns=netns, pktinfo=True) as s:
        got = outcome(calls.setsockopt_bytes, s.fd, C.SOL_NETLINK, C.NETLINK_PKTINFO, b"\x01")
        after = s.get_option("pktinfo")
        observe("multicast.NETLINK_ROUTE.pktinfo_short_value", got)
        observe("multicast.NETLINK_ROUTE.pktinfo_after_short_value", after)
        assert (got, after) == ("ok", 0)


# -- delivery of real notifications --------------------------------------------------------------------------------
def _drain(socks: dict[int, Socket], silence: float = 0.3) -> dict[int, list[tuple[int, int, int | None]]]:
    """Read every socket until *silence* seconds pass without a datagram: group -> [(type, src nl_groups,
    PKTINFO group)]."""
    seen: dict[int, list] = {g: [] for g in socks}
    by_fd = {s.fd: g for g, s in socks.items()}
    while True:
        ready, _, _ = select.select(list(by_fd), [], [], silence)
        if not ready:
            return seen
        for fd in ready:
            g = by_fd[fd]
            try:
                r, msgs = socks[g].recv_messages(0)
            except (NetlinkTimeout, Overrun):
                continue
            seen[g] += [(m.type, r.src_groups, r.pktinfo_group) for m in msgs]


@functools.cache
def bridge_vlan_filtering() -> str:
    """'ok' when a bridge with VLAN filtering can be created, else what ip said — tried in a throwaway netns
    (a failed creation registers and unregisters the device, which would add events to the capture)."""
    with NetNS.create() as ns:
        r = ip(ns, "link", "add", "np-br0", "type", "bridge", "vlan_filtering", "1")
        return "ok" if r.returncode == 0 else r.stderr.strip() or f"exit {r.returncode}"


@functools.cache
def high_group_capture() -> dict:
    """One socket per group 32..max, each joined to that group only by ADD_MEMBERSHIP (bound, PKTINFO on),
    then real events in a fresh netns: a nexthop object (RTNLGRP_NEXTHOP = 32), a bridge with VLAN
    filtering and a port (RTNLGRP_BRVLAN, if the kernel has VLAN filtering), a veth pair brought up with
    IPv4/IPv6 addresses (multicast/anycast address groups on kernels that have them)."""
    top = route_max()
    out = {"max": top, "actions": {}}
    with NetNS.create() as ns:
        rtnl.loopback_up(ns)
        socks = {}
        try:
            for g in range(32, top + 1):
                socks[g] = listener(ns)
                socks[g].join(g)
            if have_ip():
                r = ip(ns, "nexthop", "add", "id", "7", "blackhole")
                out["actions"]["nexthop"] = "ok" if r.returncode == 0 else r.stderr.strip() or f"exit {r.returncode}"
                out["actions"]["bridge_vlan_filtering"] = bridge_vlan_filtering()
                if out["actions"]["bridge_vlan_filtering"] == "ok":
                    ip(ns, "link", "add", "np-br0", "type", "bridge", "vlan_filtering", "1")
            else:
                out["actions"]["nexthop"] = "iproute2's ip or nsenter is not installed"
            with rtnl.Rtnl(ns) as rt:
                a, b = rt.add_veth("np-mc-a", "np-mc-b")
                if out["actions"].get("bridge_vlan_filtering") == "ok":
                    rt.do(rtnl.set_link(a, master=rt.link_index("np-br0")))
                rt.up(a)
                rt.up(b)
                rt.do(rtnl.new_addr(a, "192.0.2.1", 24))
                rt.do(rtnl.new_addr(a, "2001:db8::1", 64))
            out["seen"] = _drain(socks)
        finally:
            for s in socks.values():
                s.close()
    return out


def test_nexthop_notification_on_group_32_carries_bit_31_in_source_nl_groups(observe):
    """nexthop_notify -> rtnl_notify(RTNLGRP_NEXTHOP = 32); netlink_recvmsg sets the source nl_groups to
    netlink_group_mask(32) = 1 << 31, the last group a bitmask can name, and PKTINFO says 32."""
    cap = high_group_capture()
    if cap["actions"].get("nexthop") != "ok":
        pytest.skip(f"no nexthop object could be created to trigger RTNLGRP_NEXTHOP: `ip nexthop add id 7 "
                    f"blackhole` said {cap['actions'].get('nexthop')!r}")
    got = cap["seen"][32]
    observe("multicast.NETLINK_ROUTE.group_32.src_nl_groups", sorted({src for _, src, _ in got}))
    assert got, "RTM_NEWNEXTHOP did not reach the socket that joined group 32 by ADD_MEMBERSHIP"
    assert {(t, src, pk) for t, src, pk in got} == {(C.RTM_NEWNEXTHOP, 1 << 31, 32)}


def _above_32() -> dict[int, list]:
    return {g: v for g, v in high_group_capture()["seen"].items() if g > 32 and v}


def test_notifications_above_group_32_reach_add_membership_members_with_their_pktinfo_group(observe):
    """netlink_broadcast/do_one_broadcast test the member's bitmap for any group number; netlink_recvmsg's
    NETLINK_PKTINFO cmsg carries NETLINK_CB(skb).dst_group: each datagram on the socket that joined only
    group G names G. Which groups above 32 carry events is kernel-dependent (RTM_NEWMULTICAST on
    RTNLGRP_IPV4/IPV6_MCADDR since 6.13, RTNLGRP_BRVLAN with bridge VLAN filtering): detected, not assumed."""
    cap = high_group_capture()
    above = _above_32()
    observe("multicast.NETLINK_ROUTE.groups_above_32_delivering", sorted(above))
    for g, items in sorted(above.items()):
        observe(f"multicast.NETLINK_ROUTE.group.{g}.message_types", sorted({t for t, _, _ in items}))
    if not above:
        pytest.skip(f"no event reached any group in 33..{cap['max']} (tried: a nexthop, a bridge port with "
                    f"VLAN filtering {cap['actions'].get('bridge_vlan_filtering')!r}, a veth up with addresses)")
    assert {g: {pk for _, _, pk in items} for g, items in above.items()} == {g: {g} for g in above}


def test_source_nl_groups_is_0_for_notifications_above_group_32(observe):
    """netlink_recvmsg: addr->nl_groups = netlink_group_mask(dst_group), which is 0 for groups above 32 —
    only NETLINK_PKTINFO tells such a group."""
    above = _above_32()
    if not above:
        pytest.skip("no event reached any group above 32 on this kernel (see the delivery test)")
    srcs = sorted({src for items in above.values() for _, src, _ in items})
    observe("multicast.NETLINK_ROUTE.above_32.src_nl_groups", srcs)
    assert srcs == [0]


def test_member_with_port_id_0_receives_no_notification_until_bound(netns, observe):
    """netlink_setsockopt(ADD_MEMBERSHIP) does not autobind, and do_one_broadcast skips a member whose portid
    equals the broadcast's exclusion portid — 0 for kernel notifications — so a joined but unbound socket
    hears nothing; after bind() (autobind) it does."""
    with listener(netns, bind=False) as unbound, listener(netns) as bound:
        for s in (unbound, bound):
            s.join(C.RTNLGRP_LINK)
        port_after_join = unbound.sockname()[0]
        with rtnl.Rtnl(netns) as rt:
            a, _ = rt.add_veth("np-ub-a", "np-ub-b")
            got = _drain({0: unbound, 1: bound})
            observe("multicast.NETLINK_ROUTE.add_membership_autobinds", port_after_join != 0)
            observe("multicast.NETLINK_ROUTE.unbound_member_receives", bool(got[0]))
            assert port_after_join == 0
            assert got[1] and {t for t, _, _ in got[1]} == {C.RTM_NEWLINK}, "the bound member heard nothing"
            assert got[0] == []
            unbound.bind(0, 1 << (C.RTNLGRP_LINK - 1))  # nl_groups 0 would drop group 1 again (netlink_bind)
            rt.up(a)
            later = _drain({0: unbound})
            assert {t for t, _, _ in later[0]} == {C.RTM_NEWLINK}
