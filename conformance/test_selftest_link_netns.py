"""The kernel's tools/testing/selftests/net/link_netns.py behaviours, reimplemented with netlink_probe.

IFLA_LINK_NETNSID names, by an id the *requesting* namespace holds, the namespace a new link's lower
device, underlay or peer lives in (rtnl_newlink -> rtnl_get_net_ns_capable/get_net_ns_by_id).  Before
7ca486d08a30 ('rtnetlink: Create link directly in target net namespace', 6.15) the link was created in
that link namespace and then moved (dev_change_net_namespace), so the link namespace saw it come and go.
The self-id LISTEN_ALL_NSID case of test_event_all_nsid is
test_namespace_isolation.py::test_listen_all_nsid_local_notification_when_the_namespace_has_an_id_for_itself.
"""
from __future__ import annotations

import pytest
from support.expect import expect
from support.routes import SILENCE, collect, listener

from netlink_probe import NetNS, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L

LINK_NETNSID = 100


@pytest.fixture
def three(netns_pair):
    """(ns1, ns2, ns3): ns2 holds id LINK_NETNSID for ns3, which has a veth 'low0' (a lower device)."""
    ns1, ns2 = netns_pair
    ns3 = NetNS.create()
    try:
        with rtnl.Rtnl(ns2) as r:
            r.do(rtnl.new_nsid(LINK_NETNSID, fd=ns3.fd))
        with rtnl.Rtnl(ns3) as r:
            r.add_veth("low0", "low1")
        yield ns1, ns2, ns3
    finally:
        ns3.close()


def link_netnsid(ns, name: str) -> int | None:
    with rtnl.Rtnl(ns) as r:
        return r.get(rtnl.get_link(name=name)).attrs(L.IFINFOMSG.size).s32(C.IFLA_LINK_NETNSID)


def test_a_link_created_with_a_link_netnsid_sends_no_notification_into_that_namespace(netns_pair, require_kind,
                                                                                       observe):
    """rtnl_newlink_create: since 6.15 the link is created in its target namespace at once; before, it was
    registered in the link namespace (rtnl_create_link(link_net)) and moved out, notified there both times."""
    require_kind("vxlan")
    ns1, ns2 = netns_pair
    with rtnl.Rtnl(ns1) as r:
        r.do(rtnl.new_nsid(LINK_NETNSID, fd=ns2.fd))
    with listener(ns2, C.RTNLGRP_LINK) as lis:
        with rtnl.Rtnl(ns1) as r:
            r.do(rtnl.new_link("vx-ln", "vxlan", rtnl.vxlan_data(42, port=4789),
                               extra=A.s32(C.IFLA_LINK_NETNSID, LINK_NETNSID)))
            r.do(rtnl.del_link(name="vx-ln"))
        heard = [n.message.type_name for n in collect(lis, SILENCE)]
    observe("selftest.link_netns.link_ns_notifications", heard or "silent")
    expect(heard, "selftest.link_netns.link_ns_notifications").since(
        "6.15", [], why="7ca486d08a30 'rtnetlink: Create link directly in target net namespace'").before(
        ["RTM_NEWLINK", "RTM_DELLINK"])


def _create(kind: str, ns2, ns3) -> tuple[str, int | None, str]:
    """Create 'foo' of *kind* from ns2 with IFLA_LINK_NETNSID -> ns3; (kind, its link netnsid, where the
    other end is: the veth peer's or the macvlan lower device's namespace, the vxlan underlay's id)."""
    link = A.s32(C.IFLA_LINK_NETNSID, LINK_NETNSID)
    with rtnl.Rtnl(ns2) as r:
        if kind == "veth":
            r.do(rtnl.new_link("foo", "veth", rtnl.veth_peer("foo-peer"), extra=link))
        elif kind == "vxlan":
            r.do(rtnl.new_link("foo", "vxlan", rtnl.vxlan_data(7, port=4789), extra=link))
        else:
            with rtnl.Rtnl(ns3) as r3:
                low = r3.link_index("low0")
            r.do(rtnl.new_link("foo", "macvlan", extra=link + A.u32(C.IFLA_LINK, low)))
    with rtnl.Rtnl(ns3) as r3:
        names = {m.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME) for m in r3.dump("links")}
    other = "ns3" if (kind != "veth" or "foo-peer" in names) else "elsewhere"
    return kind, link_netnsid(ns2, "foo"), other


@pytest.mark.parametrize("kind", ["veth", "vxlan", "macvlan"])
def test_link_netnsid_of_a_link_created_with_its_other_end_in_another_namespace(three, kind, require_kind, observe):
    """rtnl_fill_link_netnsid -> ops->get_link_net (veth_get_link_net: the peer's net; vxlan: vxlan->net;
    macvlan: the lower device's net) shown through peernet2id: `ip link add link-netns ns3 foo type KIND`."""
    require_kind(kind)
    _, ns2, ns3 = three
    got = _create(kind, ns2, ns3)
    observe(f"selftest.link_netns.link_netnsid.{kind}", got[1] if got[1] is not None else "none")
    assert got == (kind, LINK_NETNSID, "ns3")
