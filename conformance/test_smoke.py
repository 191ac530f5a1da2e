"""Smoke: the foundation works end to end against the live kernel."""
from support.iproute2 import ip_json
from support.requirements import needs

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
    """copy_net_ns gives a new namespace one device, lo, with ifindex 1 — plus the fallback device of each
    tunnel module already loaded (ip_tunnel_init_net: gre0, tunl0, ...; support.fallback_tunnels)."""
    from support.fallback_tunnels import expected_fallback_devices

    msgs = rt.dump("links").all()
    names = [(m.header(L.IFINFOMSG).ifi_index, m.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME)) for m in msgs]
    assert names[0] == (1, "lo")
    # a subset: another worker may load a tunnel module between this namespace's creation and now
    assert {n for _, n in names[1:]} <= expected_fallback_devices()


@needs("context:userns_root_own_netns")
def test_user_and_network_namespace_pair_is_owned_as_created():
    """create_user_ns + copy_net_ns: the new netns is owned by the new user namespace, whose owner is uid 65534."""
    import fcntl
    import os

    from netlink_probe.privileges import NOBODY, UserNetNS

    with UserNetNS.create() as pair:
        owner_fd = fcntl.ioctl(pair.net.fd, C.NS_GET_USERNS)  # nsfs: the user namespace owning this netns
        try:
            assert os.fstat(owner_fd).st_ino == os.fstat(pair.user_fd).st_ino
        finally:
            os.close(owner_fd)
        uid = bytearray(4)
        fcntl.ioctl(pair.user_fd, C.NS_GET_OWNER_UID, uid)
        assert int.from_bytes(uid, "little") == NOBODY
        with rtnl.Rtnl(pair.net) as r:  # a socket opened from outside lands in the pair's netns
            assert [m.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME) for m in r.dump("links")] == ["lo"]
