"""Oracles for links, addresses and nsids: pyroute2 reads the same state back; both decoders read the same bytes.

State comparisons keep links down so nothing moves between the two dumps
(linkwatch and IPv6 DAD change flags on their own once a link has carrier).
On a disagreement the failure names which side `ip -j -d` agrees with.
"""
from __future__ import annotations

import pytest
from support.iproute2 import ip_json
from support.linkwatch import settle
from support.decode_oracle import assert_decoders_agree
from support.compare import assert_same
from support.iproute2 import IP_FLAGS_MASK, ip_view
from support.normalise import np_all, np_link
from support.pyroute2_view import pr_addresses, pr_links, pr_nsid_of, pr_nsids

from netlink_probe import NetNS, Socket, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A

pytestmark = pytest.mark.oracle

KIND_SETUP = {
    "bridge": lambda rt: rt.do(rtnl.new_link("ok0", "bridge")),
    "vxlan": lambda rt: rt.do(rtnl.new_link("ok0", "vxlan", rtnl.vxlan_data(77, 4789))),
    "ifb": lambda rt: rt.do(rtnl.new_link("ok0", "ifb")),
    "dummy": lambda rt: rt.do(rtnl.new_link("ok0", "dummy")),
    "bond": lambda rt: rt.do(rtnl.new_link("ok0", "bond")),
    "macvlan": lambda rt: rt.do(rtnl.new_link("ok0", "macvlan", link=rt.add_veth("low0", "low1")[0])),
    "vlan": lambda rt: rt.do(rtnl.new_link("ok0", "vlan", A.u16(C.IFLA_VLAN_ID, 12),
                                           link=rt.add_veth("low0", "low1")[0])),
    "vrf": lambda rt: rt.do(rtnl.new_link("ok0", "vrf", A.u32(C.IFLA_VRF_TABLE, 1010))),
}


def our_links(rt):
    msgs = rt.dump("links").all()
    return msgs, np_all(msgs)


@pytest.mark.parametrize("kind", sorted(KIND_SETUP))
def test_link_of_each_kind_reads_back_the_same_in_pyroute2(netns, rt, require_kind, kind):
    """rtnl_fill_ifinfo: pyroute2's dump of the namespace equals ours field by field for a link of each kind."""
    require_kind(kind)  # vrf: kernel_info.link_kind gives it the table vrf_validate insists on
    KIND_SETUP[kind](rt)
    msgs, ours = our_links(rt)
    assert kind in {o["kind"] for o in ours}
    assert_same("link", ours, pr_links(netns), ns=netns)
    assert_decoders_agree(msgs)


def test_veth_pair_reads_back_the_same_in_pyroute2(netns, rt):
    """rtnl_fill_ifinfo/veth_get_iflink: both veth ends (IFLA_LINK to each other) are the same in pyroute2's view."""
    rt.add_veth("op0", "op1")
    msgs, ours = our_links(rt)
    assert_same("link", ours, pr_links(netns), ns=netns)
    assert_decoders_agree(msgs)


def test_bridge_port_master_reads_back_the_same_in_pyroute2(netns, rt, require_kind):
    """do_set_master/rtnl_fill_ifinfo: IFLA_MASTER of a bridge port is the same in pyroute2's view."""
    require_kind("bridge")
    rt.do(rtnl.new_link("obr0", "bridge"))
    port, _ = rt.add_veth("obp0", "obp1")
    rt.do(rtnl.set_link(port, master=rt.link_index("obr0")))
    msgs, ours = our_links(rt)
    assert [o["master"] for o in ours if o["index"] == port] == [rt.link_index("obr0")]
    assert_same("link", ours, pr_links(netns), ns=netns)
    assert_decoders_agree(msgs)


def test_link_changed_by_newlink_reads_back_the_same_in_pyroute2(netns, rt):
    """do_setlink: after mtu, name, address and IFF_UP changes pyroute2 sees the same link as we do."""
    a, _ = rt.add_veth("oc0", "oc1")
    rt.do(rtnl.set_link(a, mtu=1300, address="02:00:00:00:0c:01"))
    rt.do(rtnl.new_link("oc-renamed", None, index=a, create=False, excl=False))
    rt.up(a)  # peer down: IF_OPER_LOWERLAYERDOWN once linkwatch has run (6.1 shows UNKNOWN and RUNNING before)
    settle(rt)
    msgs, ours = our_links(rt)
    mine = [o for o in ours if o["index"] == a][0]
    assert (mine["name"], mine["mtu"], mine["address"]) == ("oc-renamed", 1300, "02:00:00:00:0c:01")
    assert_same("link", ours, pr_links(netns), ns=netns)
    assert_decoders_agree(msgs)


def test_getlink_doit_reply_reads_the_same_as_pyroute2_dump(netns, rt):
    """rtnl_getlink: the single RTM_NEWLINK of a doit GETLINK matches pyroute2's view of that link."""
    a, _ = rt.add_veth("od0", "od1")
    msg = rt.get(rtnl.get_link(a))
    theirs = [o for o in pr_links(netns) if o["index"] == a]
    assert_same("link", np_link(msg), theirs, ns=netns)
    assert_decoders_agree([msg])


def test_link_dump_agrees_with_iproute2(netns, rt):
    """rtnl_dump_ifinfo: `ip -j -d link show` shows the same index, name, mtu, flags, address, kind, link, operstate."""
    rt.add_veth("oi0", "oi1")
    _, ours = our_links(rt)
    fields = ("index", "name", "mtu", "flags", "address", "kind", "link", "operstate")
    for o in ours:
        o["flags"] &= IP_FLAGS_MASK  # iproute2 does not print IFF_RUNNING
    assert_same("link", ours, [{k: o.get(k) for k in fields} for o in ip_view(netns, "link")], fields=fields)


@pytest.mark.parametrize("family", [C.AF_INET, C.AF_INET6], ids=["inet", "inet6"])
def test_addresses_read_back_the_same_in_pyroute2(netns, rt, family):
    """inet_fill_ifaddr/inet6_fill_ifaddr: every address of the family is the same in pyroute2's dump."""
    a, _ = rt.add_veth("oa0", "oa1")
    if family == C.AF_INET:
        rt.do(rtnl.new_addr(a, "10.11.0.1", 24))
        rt.do(rtnl.new_addr(a, "10.11.0.2", 24))  # a secondary
    else:
        rt.do(rtnl.new_addr(a, "fd00:11::1", 64))
        rt.do(rtnl.new_addr(a, "fd00:11::2", 128))
    msgs = rt.dump("addrs", family).all()
    assert_same("address", np_all(msgs), pr_addresses(netns, family), ns=netns)
    assert_decoders_agree(msgs)


def test_addresses_agree_with_iproute2(netns, rt):
    """inet_dump_ifaddr: `ip -j address show` lists the same family, index, prefix length and local address."""
    a, _ = rt.add_veth("oj0", "oj1")
    rt.do(rtnl.new_addr(a, "10.12.0.1", 24))
    rt.do(rtnl.new_addr(a, "fd00:12::1", 64))
    fields = ("family", "index", "prefixlen", "local")
    ours = [{k: o[k] if not (k == "local" and o[k] is None) else o["address"] for k in fields}
            for o in np_all(rt.dump("addrs").all())]
    theirs = [{k: o[k] if not (k == "local" and o[k] is None) else o["address"] for k in fields}
              for o in ip_view(netns, "address")]
    assert sorted(ours, key=repr) == sorted(theirs, key=repr)


def test_nsid_dump_reads_back_the_same_in_pyroute2_and_iproute2(netns_pair):
    """rtnl_net_dumpid: the assigned ids are the same in pyroute2's RTM_GETNSID dump and in `ip -j netns list-id`."""
    a, b = netns_pair
    with NetNS.create() as c, rtnl.Rtnl(a) as rt:
        rt.do(rtnl.new_nsid(4, fd=b.fd))
        rt.do(rtnl.new_nsid(-1, fd=c.fd))
        msgs = rt.dump("nsid").all()
        ours = np_all(msgs)
        assert sorted(o["nsid"] for o in ours) == [0, 4]
        assert_same("nsid", ours, pr_nsids(a), ns=a)
        assert (pr_nsid_of(a, b.fd), pr_nsid_of(a, c.fd)) == (4, 0)
        assert sorted(x["nsid"] for x in ip_json(a, "netns", "list-id")) == [0, 4]
        assert_decoders_agree(msgs)


def test_link_and_address_notifications_decode_the_same_in_pyroute2(netns, rt):
    """rtmsg_ifinfo/rtmsg_ifa/inet6_ifa_notify: the multicast messages decode the same in both decoders."""
    with Socket(C.NETLINK_ROUTE, netns=netns) as lis:
        for g in (C.RTNLGRP_LINK, C.RTNLGRP_IPV4_IFADDR, C.RTNLGRP_IPV6_IFADDR):
            lis.join(g)
        a, _ = rt.add_veth("on0", "on1")
        rt.do(rtnl.new_addr(a, "10.13.0.1", 24))
        rt.do(rtnl.new_addr(a, "fd00:13::1", 64))
        rt.do(rtnl.set_link(a, mtu=1400))
        rt.do(rtnl.del_link(a))
        notes = [n for n in lis.notifications(0.5) if hasattr(n, "message")]
    types = {n.message.type_name for n in notes}
    assert {"RTM_NEWLINK", "RTM_DELLINK", "RTM_NEWADDR", "RTM_DELADDR"} <= types
    assert assert_decoders_agree(notes) == len(notes)


def test_iproute2_and_pyroute2_see_the_same_namespace_as_netlink_probe(netns, rt):
    """copy_net_ns: all three clients, pointed at the test's namespace, list the same link names (no host leak)."""
    rt.add_veth("ow0", "ow1")
    ours = sorted(o["name"] for o in our_links(rt)[1])
    assert ours == ["lo", "ow0", "ow1"]
    assert sorted(o["name"] for o in pr_links(netns)) == ours
    assert sorted(o["name"] for o in ip_view(netns, "link")) == ours
