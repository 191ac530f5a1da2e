"""Smoke: the foundation works end to end against the live kernel."""
from helpers import ip_json

from netlink_probe import constants as C
from netlink_probe import rtnl
from netlink_probe.codec import layouts as L


def test_veth_created_through_netlink_probe_is_seen_by_iproute2(netns, rt, observe):
    """rtnl_newlink creates both ends of a veth pair; `ip -j link` in the namespace lists them."""
    a, b = rt.add_veth("np-a", "np-b")
    by_name = {link["ifname"]: link for link in ip_json(netns, "link", "show")}
    observe("linkkind.veth", "ok")
    assert by_name["np-a"]["ifindex"] == a
    assert by_name["np-b"]["ifindex"] == b
    assert by_name["np-a"]["link_type"] == "ether"


def test_fresh_namespace_holds_only_loopback(rt):
    """copy_net_ns gives a new namespace exactly one device, lo, with ifindex 1."""
    msgs = rt.dump("links").all()
    names = [(m.fixed(L.IFINFOMSG)[3], m.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME)) for m in msgs]
    assert names == [(1, "lo")]
