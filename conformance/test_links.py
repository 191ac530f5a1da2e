"""Links: RTM_NEWLINK / RTM_GETLINK / RTM_DELLINK against the live kernel (net/core/rtnetlink.c).

Every test works on veth pairs in its own namespace (veth exists on every
kernel the suite runs on: see test_link_kinds.py for the others).
"""
from __future__ import annotations

import pytest
from support.expect import expect

from netlink_probe import KernelError, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.codec import message as M

HDR = M.HDRLEN


def names_in_dump(rt) -> dict[int, str]:
    out = {}
    for m in rt.dump("links").all():
        idx = m.header(L.IFINFOMSG).ifi_index
        assert idx not in out, f"ifindex {idx} twice in one dump"
        out[idx] = m.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME)
    return out


def rename(index: int, name: str) -> rtnl.Request:
    return rtnl.set_link(index, name=name)


def refused(rt, req) -> KernelError:
    with pytest.raises(KernelError) as ei:
        rt.do(req)
    return ei.value


# -- reading ------------------------------------------------------------------------
def test_getlink_by_index_returns_that_link(rt):
    """rtnl_getlink: RTM_GETLINK with ifi_index answers one RTM_NEWLINK for exactly that index and name."""
    a, _ = rt.add_veth("ga0", "ga1")
    (msg,) = rt.sock.request(C.RTM_GETLINK, 0, L.IFINFOMSG.pack(ifi_index=a), ack=False)
    assert msg.type == C.RTM_NEWLINK
    assert msg.header(L.IFINFOMSG).ifi_index == a
    assert msg.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME) == "ga0"


def test_getlink_by_name_finds_the_link_created_under_that_name(rt):
    """rtnl_getlink/rtnl_dev_get: with ifi_index 0 the kernel looks the device up by IFLA_IFNAME."""
    _, b = rt.add_veth("gb0", "gb1")
    msg = rt.get(rtnl.get_link(name="gb1"))
    assert msg.header(L.IFINFOMSG).ifi_index == b
    assert msg.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME) == "gb1"


def test_getlink_with_index_and_name_uses_the_index(rt):
    """rtnl_getlink: when ifi_index > 0 the device is found by index and IFLA_IFNAME is ignored."""
    a, _ = rt.add_veth("gc0", "gc1")
    msg = rt.get(rtnl.get_link(a, name="gc1"))
    assert msg.header(L.IFINFOMSG).ifi_index == a
    assert msg.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME) == "gc0"


def test_link_dump_lists_every_link_once(rt):
    """rtnl_dump_ifinfo: a GETLINK dump lists lo and both veth ends, each index once, with their names."""
    a, b = rt.add_veth("gd0", "gd1")
    assert names_in_dump(rt) == {1: "lo", a: "gd0", b: "gd1"}


# -- changing ---------------------------------------------------------------------------
def test_newlink_without_create_changes_mtu(rt):
    """rtnl_setlink path of rtnl_newlink (do_setlink/dev_set_mtu): IFLA_MTU on an existing index changes its MTU."""
    a, _ = rt.add_veth("ma0", "ma1")
    rt.do(rtnl.set_link(a, mtu=1280))
    assert rt.link(a)["attrs"]["IFLA_MTU"] == 1280


def test_newlink_sets_iff_up_through_the_change_mask(rt):
    """do_setlink/rtnl_dev_combine_flags: ifi_flags=IFF_UP with ifi_change=IFF_UP brings the link up."""
    a, _ = rt.add_veth("mb0", "mb1")
    assert rt.link(a)["header"]["ifi_flags"] & C.IFF_UP == 0
    rt.do(rtnl.set_link(a, up=True))
    assert rt.link(a)["header"]["ifi_flags"] & C.IFF_UP


def test_ifi_change_zero_applies_ifi_flags_as_if_the_mask_were_all_ones(rt):
    """rtnl_dev_combine_flags: "bugwards compatibility" - ifi_change 0 is treated as ~0, so ifi_flags applies whole."""
    a, _ = rt.add_veth("mc0", "mc1")
    rt.do(rtnl.Request(C.RTM_NEWLINK, 0, L.IFINFOMSG.pack(ifi_index=a, ifi_flags=C.IFF_UP, ifi_change=0)))
    assert rt.link(a)["header"]["ifi_flags"] & C.IFF_UP


def test_ifi_flags_outside_the_change_mask_are_ignored(rt):
    """rtnl_dev_combine_flags: bits of ifi_flags outside a non-zero ifi_change leave the device's flags alone."""
    a, _ = rt.add_veth("md0", "md1")
    rt.do(rtnl.Request(C.RTM_NEWLINK, 0, L.IFINFOMSG.pack(ifi_index=a, ifi_flags=C.IFF_UP,
                                                          ifi_change=C.IFF_PROMISC)))
    assert rt.link(a)["header"]["ifi_flags"] & (C.IFF_UP | C.IFF_PROMISC) == 0


def test_newlink_renames_a_down_link(rt):
    """do_setlink/dev_change_name: IFLA_IFNAME with an ifi_index renames a link that is down."""
    a, _ = rt.add_veth("me0", "me1")
    rt.do(rename(a, "renamed0"))
    assert rt.link(a)["attrs"]["IFLA_IFNAME"] == "renamed0"
    assert rt.link_index("renamed0") == a


def test_renaming_an_up_link_is_ebusy_before_live_rename_or_renames_it(rt, observe):
    """dev_change_name: an IFF_UP veth was EBUSY to rename until 6.2 ("Allow live renaming when an interface is up")."""
    a, _ = rt.add_veth("mf0", "mf1")
    rt.up(a)
    try:
        rt.do(rename(a, "renamed1"))
        result = "ok"
    except KernelError as e:
        result = e.errno_name
    observe("error.RTM_NEWLINK_rename_up_link", result)
    expect(result, "error.RTM_NEWLINK_rename_up_link").since(
        "6.2", "ok", why="bd039b5ea2a9 'net/core: Allow live renaming when an interface is up' dropped "
                         "dev_change_name's IFF_UP check (and IFF_LIVE_RENAME_OK)").before("EBUSY")
    assert rt.link(a)["attrs"]["IFLA_IFNAME"] == ("renamed1" if result == "ok" else "mf0")
    assert rt.link(a)["header"]["ifi_flags"] & C.IFF_UP  # renaming never takes the link down


def test_newlink_changes_the_hardware_address(rt):
    """do_setlink/dev_set_mac_address: IFLA_ADDRESS on an existing link sets its MAC address."""
    a, _ = rt.add_veth("mg0", "mg1")
    rt.do(rtnl.set_link(a, address="02:aa:bb:cc:dd:ee"))
    assert rt.link(a)["attrs"]["IFLA_ADDRESS"] == "02:aa:bb:cc:dd:ee"


def test_mtu_below_the_device_minimum_is_einval_with_extack(rt, observe):
    """dev_validate_mtu: an MTU below dev->min_mtu (68 for veth) is EINVAL with an extack message."""
    a, _ = rt.add_veth("mh0", "mh1")
    min_mtu = rt.link(a)["attrs"]["IFLA_MIN_MTU"]
    e = refused(rt, rtnl.set_link(a, mtu=min_mtu - 1))
    observe("error.RTM_NEWLINK_mtu_below_min", e.errno_name)
    assert e.errno_name == "EINVAL"
    assert e.extack_msg and "mtu" in e.extack_msg.lower()


# -- creating over an existing name ----------------------------------------------------------
def test_newlink_create_excl_on_an_existing_name_is_eexist(rt, observe):
    """rtnl_changelink (from rtnl_newlink): a device found by name with NLM_F_EXCL set is EEXIST."""
    rt.add_veth("xa0", "xa1")
    e = refused(rt, rtnl.new_link("xa0", "veth", rtnl.veth_peer("xa2")))
    observe("error.RTM_NEWLINK_create_excl_existing_name", e.errno_name)
    assert e.errno_name == "EEXIST"
    assert "xa2" not in names_in_dump(rt).values()


def test_newlink_create_without_excl_on_an_existing_name_modifies_it(rt, observe):
    """rtnl_changelink: CREATE without EXCL on an existing name is a plain ACK that applies the attributes (do_setlink)."""
    a, _ = rt.add_veth("xb0", "xb1")
    rt.do(rtnl.new_link("xb0", None, create=True, excl=False, mtu=1400))
    observe("error.RTM_NEWLINK_create_existing_name", "ok")
    assert rt.link(a)["attrs"]["IFLA_MTU"] == 1400
    assert names_in_dump(rt)[a] == "xb0"


def test_newlink_create_replace_on_an_existing_name_is_eopnotsupp(rt, observe):
    """rtnl_changelink: NLM_F_REPLACE on an existing link is EOPNOTSUPP (links cannot be replaced)."""
    rt.add_veth("xc0", "xc1")
    e = refused(rt, rtnl.Request(C.RTM_NEWLINK, C.NLM_F_CREATE | C.NLM_F_REPLACE,
                                 L.IFINFOMSG.pack() + A.string(C.IFLA_IFNAME, "xc0")))
    observe("error.RTM_NEWLINK_replace_existing", e.errno_name)
    assert e.errno_name == "EOPNOTSUPP"


def test_info_data_for_an_existing_veth_is_eopnotsupp(rt, observe):
    """rtnl_changelink: IFLA_INFO_DATA for an existing device whose ops lack ->changelink (veth) is EOPNOTSUPP."""
    rt.add_veth("xd0", "xd1")
    e = refused(rt, rtnl.new_link("xd0", "veth", rtnl.veth_peer("xd2"), excl=False))
    observe("error.RTM_NEWLINK_info_data_existing_veth", e.errno_name)
    assert e.errno_name == "EOPNOTSUPP"


def test_other_kind_without_info_data_on_an_existing_name_is_accepted(rt, observe):
    """rtnl_changelink: IFLA_INFO_KIND alone is only checked when IFLA_INFO_DATA is present; a foreign kind is ignored."""
    a, _ = rt.add_veth("xe0", "xe1")
    rt.do(rtnl.new_link("xe0", "bridge", excl=False, mtu=1450))
    observe("error.RTM_NEWLINK_foreign_kind_existing", "ok")
    link = rt.link(a)["attrs"]
    assert link["IFLA_LINKINFO"]["IFLA_INFO_KIND"] == "veth"
    assert link["IFLA_MTU"] == 1450


def test_newlink_without_a_name_gets_the_kind_template_name(rt, require_kind):
    """rtnl_newlink: with no IFLA_IFNAME the kernel names the link "<kind>%d", i.e. bridge0 in a fresh netns."""
    require_kind("bridge")
    rt.do(rtnl.new_link(None, "bridge"))
    assert "bridge0" in names_in_dump(rt).values()


# -- deleting ---------------------------------------------------------------------------
def test_dellink_of_one_veth_end_removes_both(rt):
    """rtnl_dellink/veth_dellink: deleting one end unregisters its peer too; only lo is left."""
    a, b = rt.add_veth("da0", "da1")
    rt.do(rtnl.del_link(a))
    assert names_in_dump(rt) == {1: "lo"}


def test_dellink_by_name(rt):
    """rtnl_dellink: with ifi_index 0 the device to delete is found by IFLA_IFNAME."""
    rt.add_veth("db0", "db1")
    rt.do(rtnl.del_link(name="db1"))
    assert names_in_dump(rt) == {1: "lo"}


def test_dellink_of_loopback_is_eopnotsupp(rt, observe):
    """rtnl_delete_link: a device without rtnl_link_ops->dellink (lo) cannot be deleted: EOPNOTSUPP."""
    e = refused(rt, rtnl.del_link(1))
    observe("error.RTM_DELLINK_loopback", e.errno_name)
    assert e.errno_name == "EOPNOTSUPP"
    assert names_in_dump(rt) == {1: "lo"}


# -- errors -------------------------------------------------------------------------------
def test_getlink_of_a_missing_index_is_enodev(rt, observe):
    """rtnl_getlink: no device with that ifi_index is ENODEV."""
    e = refused(rt, rtnl.get_link(4242))
    observe("error.RTM_GETLINK_missing_index", e.errno_name)
    assert e.errno_name == "ENODEV"


def test_getlink_of_a_missing_name_is_enodev(rt, observe):
    """rtnl_getlink/rtnl_dev_get: no device with that IFLA_IFNAME is ENODEV."""
    e = refused(rt, rtnl.get_link(name="nosuchlink"))
    observe("error.RTM_GETLINK_missing_name", e.errno_name)
    assert e.errno_name == "ENODEV"


def test_dellink_of_a_missing_index_is_enodev(rt, observe):
    """rtnl_dellink: no device with that ifi_index is ENODEV."""
    e = refused(rt, rtnl.del_link(4242))
    observe("error.RTM_DELLINK_missing_index", e.errno_name)
    assert e.errno_name == "ENODEV"


def test_newlink_of_a_new_name_without_create_is_enodev(rt, observe):
    """rtnl_newlink: no device by that name and no NLM_F_CREATE is ENODEV (nothing is created)."""
    e = refused(rt, rtnl.new_link("ne0", "veth", rtnl.veth_peer("ne1"), create=False, excl=False))
    observe("error.RTM_NEWLINK_new_name_without_create", e.errno_name)
    assert e.errno_name == "ENODEV"
    assert names_in_dump(rt) == {1: "lo"}


def test_short_ifla_mtu_is_erange_with_the_offset_of_the_attribute(rt, observe):
    """validate_nla (ifla_policy, NLA_U32): a 2-byte IFLA_MTU is ERANGE; the extack offset points at that attribute."""
    a, _ = rt.add_veth("ra0", "ra1")
    head = L.IFINFOMSG.pack(ifi_index=a) + A.u32(C.IFLA_TXQLEN, 500)
    bad = A.attr(C.IFLA_MTU, b"\x00\x05")
    e = refused(rt, rtnl.Request(C.RTM_NEWLINK, 0, head + bad))
    observe("error.RTM_NEWLINK_ifla_mtu_2_bytes", e.errno_name)
    assert e.errno_name == "ERANGE"
    expected = HDR + len(head)  # offset of the IFLA_MTU nlattr in the request we sent
    assert e.extack_offset == expected
    assert A.Attrs(e.request, expected, len(e.request)).types()[0] == C.IFLA_MTU
    assert rt.link(a)["attrs"]["IFLA_TXQLEN"] != 500  # the whole request was refused before any change


def test_oversized_ifla_mtu_is_accepted_by_the_liberal_parser(rt, observe):
    """validate_nla: rtnl_newlink parses with nlmsg_parse_deprecated, so an 8-byte IFLA_MTU passes (first 4 bytes used)."""
    a, _ = rt.add_veth("rb0", "rb1")
    payload = L.IFINFOMSG.pack(ifi_index=a) + A.u64(C.IFLA_MTU, 1300)
    try:
        rt.do(rtnl.Request(C.RTM_NEWLINK, 0, payload))
        result = "ok"
    except KernelError as e:
        result = e.errno_name
    observe("error.RTM_NEWLINK_ifla_mtu_8_bytes", result)
    assert result == "ok"
    assert rt.link(a)["attrs"]["IFLA_MTU"] == 1300


def test_unknown_kind_is_eopnotsupp_with_extack(rt, observe):
    """rtnl_newlink: an IFLA_INFO_KIND no driver registered (even after request_module) is EOPNOTSUPP "Unknown device type"."""
    e = refused(rt, rtnl.new_link("uk0", "no-such-kind"))
    observe("error.RTM_NEWLINK_unknown_kind", e.errno_name)
    assert e.errno_name == "EOPNOTSUPP"
    assert e.extack_msg == "Unknown device type"
