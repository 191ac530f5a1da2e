"""Link kinds: which IFLA_INFO_KIND this kernel can create, and what each kind reads back.

The kinds a kernel offers depend on its config and on the modules it can load
(rtnl_newlink calls request_module("rtnl-link-%s") for an unknown kind), so
nothing here assumes a kind exists: `linkkind.<kind>` records the kernel's
answer, and the per-kind tests skip (naming the kernel's answer) when absent.
"""
from __future__ import annotations

import fcntl
import os
import struct

import pytest
from support.expect import expect
from support.link_kinds import DRIVER_SYMBOLS, TUN_REFUSAL, UNKNOWN_KIND, driver_present, link_kind

from netlink_probe import KernelError, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.netns import entered

KINDS = ("veth", "bridge", "vxlan", "ifb", "macvlan", "dummy", "vlan", "bond", "vrf", "tun")

# linux/if_link.h enum macvlan_mode (an enum the binding does not export)
MACVLAN_MODE_VEPA, MACVLAN_MODE_BRIDGE = 2, 4
# linux/if_tun.h: _IOW('T', 202, int) and the ifr_flags bits
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000


def info_data(msg) -> A.Attrs:
    li = msg.attrs(L.IFINFOMSG.size).nested(C.IFLA_LINKINFO)
    return li.nested(C.IFLA_INFO_DATA)


def kind_of(msg) -> str | None:
    li = msg.attrs(L.IFINFOMSG.size).nested(C.IFLA_LINKINFO)
    return None if li is None else li.str(C.IFLA_INFO_KIND)


@pytest.mark.parametrize("kind", KINDS)
def test_link_kind_is_created_or_refused_with_eopnotsupp(kind, observe):
    """rtnl_newlink: a kind is created, or refused with EOPNOTSUPP and an extack (unknown kind, or its ->validate)."""
    result, ext = link_kind(kind)  # kernel_info.link_kind: the least IFLA_INFO_DATA the kind needs (vrf: a table)
    observe(f"linkkind.{kind}", result)
    created = ("EOPNOTSUPP", TUN_REFUSAL) if kind == "tun" else ("ok", None)  # tun_validate refuses even so
    expect((result, ext), f"linkkind.{kind}") \
        .when(driver_present(kind), created, name=DRIVER_SYMBOLS[kind],
              why=f"the {kind} rtnl_link_ops are registered (built in, or autoloaded by request_module)") \
        .otherwise(("EOPNOTSUPP", UNKNOWN_KIND))


def test_tun_kind_is_refused_by_tun_validate_when_tun_is_built_in(observe):
    """tun_validate: RTM_NEWLINK kind "tun" is refused with its own extack; only the TUNSETIFF ioctl creates tun devices."""
    result, ext = link_kind("tun")
    if ext == UNKNOWN_KIND:
        pytest.skip("the tun driver is not in this kernel (RTM_NEWLINK kind 'tun': EOPNOTSUPP 'Unknown device type')")
    observe("error.RTM_NEWLINK_kind_tun", result)
    assert (result, ext) == ("EOPNOTSUPP", TUN_REFUSAL)


def test_tun_device_made_by_tunsetiff_reports_kind_tun(netns, rt):
    """tun_set_iff: a device made with the TUNSETIFF ioctl is a link whose IFLA_INFO_KIND is "tun" (tun_link_ops)."""
    if not os.path.exists("/dev/net/tun"):
        pytest.skip("/dev/net/tun does not exist: no tun driver to test")
    with entered(netns):
        try:
            fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
        except OSError as e:
            pytest.skip(f"opening /dev/net/tun failed ({e.strerror}): no tun driver to test")
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", b"nptun0", IFF_TUN | IFF_NO_PI))
        msg = rt.get(rtnl.get_link(name="nptun0"))
        assert kind_of(msg) == "tun"
        assert msg.header(L.IFINFOMSG).ifi_type == C.ARPHRD_NONE  # ifi_type: tun_net_initialize sets ARPHRD_NONE
    finally:
        os.close(fd)


def test_veth_peer_gets_its_own_name_and_attributes(rt, require_kind):
    """veth_newlink: VETH_INFO_PEER carries the peer's ifinfomsg and attributes (name, mtu, address) separately."""
    require_kind("veth")
    rt.do(rtnl.new_link("vk0", "veth", rtnl.veth_peer("vk1", mtu=1400, address="02:11:22:33:44:55"), mtu=1300))
    a, b = rt.link(name="vk0")["attrs"], rt.link(name="vk1")["attrs"]
    assert (a["IFLA_MTU"], b["IFLA_MTU"]) == (1300, 1400)
    assert b["IFLA_ADDRESS"] == "02:11:22:33:44:55"
    assert b["IFLA_LINKINFO"]["IFLA_INFO_KIND"] == "veth"


def test_veth_ends_point_at_each_other_with_ifla_link(rt, require_kind):
    """veth_fill_info/rtnl_fill_ifinfo: each veth end reports the other's ifindex as IFLA_LINK."""
    require_kind("veth")
    a, b = rt.add_veth("vl0", "vl1")
    assert rt.link(a)["attrs"]["IFLA_LINK"] == b
    assert rt.link(b)["attrs"]["IFLA_LINK"] == a


def test_vxlan_id_and_port_read_back_as_requested(rt, require_kind):
    """vxlan_fill_info: IFLA_VXLAN_ID and IFLA_VXLAN_PORT (network byte order) read back as they were requested."""
    require_kind("vxlan")
    rt.do(rtnl.new_link("vx0", "vxlan", rtnl.vxlan_data(4242, 4790)))
    data = info_data(rt.get(rtnl.get_link(name="vx0")))
    assert data.u32(C.IFLA_VXLAN_ID) == 4242
    assert data.be16(C.IFLA_VXLAN_PORT) == 4790


def test_vxlan_without_id_is_refused_or_gets_vni_zero(rt, require_kind, observe):
    """vxlan_nl2conf: without IFLA_VXLAN_ID a vxlan is refused (older kernels) or created with VNI 0 (newer ones)."""
    require_kind("vxlan")
    try:
        rt.do(rtnl.new_link("vx1", "vxlan", A.attr(C.IFLA_VXLAN_PORT, (4789).to_bytes(2, "big"))))
        result = "ok"
    except KernelError as e:
        result = e.errno_name
    observe("error.RTM_NEWLINK_vxlan_without_id", result)
    if expect(result, "error.RTM_NEWLINK_vxlan_without_id").since(
            "4.12", "ok", why="8bcdc4f3a20b 'vxlan: add changelink support': vxlan_nl2conf takes IFLA_VXLAN_ID "
                              "only when present, vxlan_newlink no longer insists").before("EINVAL") == "ok":
        assert info_data(rt.get(rtnl.get_link(name="vx1"))).u32(C.IFLA_VXLAN_ID) == 0


def test_macvlan_on_veth_reads_back_its_lower_link_and_mode(rt, require_kind):
    """macvlan_newlink/macvlan_fill_info: IFLA_LINK is the lower device, IFLA_MACVLAN_MODE the requested mode."""
    require_kind("macvlan")
    lower, _ = rt.add_veth("ml0", "ml1")
    rt.do(rtnl.new_link("mv0", "macvlan", A.u32(C.IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE), link=lower))
    msg = rt.get(rtnl.get_link(name="mv0"))
    assert msg.attrs(L.IFINFOMSG.size).u32(C.IFLA_LINK) == lower
    assert info_data(msg).u32(C.IFLA_MACVLAN_MODE) == MACVLAN_MODE_BRIDGE


def test_macvlan_default_mode_is_vepa(rt, require_kind):
    """macvlan_common_newlink: without IFLA_MACVLAN_MODE a macvlan starts in MACVLAN_MODE_VEPA."""
    require_kind("macvlan")
    lower, _ = rt.add_veth("md0", "md1")
    rt.do(rtnl.new_link("mv1", "macvlan", link=lower))
    assert info_data(rt.get(rtnl.get_link(name="mv1"))).u32(C.IFLA_MACVLAN_MODE) == MACVLAN_MODE_VEPA


def test_macvlan_without_lower_link_is_einval(rt, require_kind, observe):
    """macvlan_common_newlink: a macvlan needs IFLA_LINK; without it rtnl_newlink answers EINVAL."""
    require_kind("macvlan")
    with pytest.raises(KernelError) as ei:
        rt.do(rtnl.new_link("mv2", "macvlan"))
    observe("error.RTM_NEWLINK_macvlan_without_link", ei.value.errno_name)
    assert ei.value.errno_name == "EINVAL"


def test_bridge_port_reports_master_and_slave_kind(rt, require_kind):
    """do_set_master/rtnl_link_slave_info_fill: a bridge port has IFLA_MASTER and IFLA_INFO_SLAVE_KIND "bridge"."""
    require_kind("bridge")
    rt.do(rtnl.new_link("br0", "bridge"))
    br = rt.link_index("br0")
    port, _ = rt.add_veth("bp0", "bp1")
    rt.do(rtnl.set_link(port, master=br))
    attrs = rt.link(port)["attrs"]
    assert attrs["IFLA_MASTER"] == br
    assert attrs["IFLA_LINKINFO"]["IFLA_INFO_SLAVE_KIND"] == "bridge"
    assert rt.link(br)["header"]["ifi_flags"] & C.IFF_SLAVE == 0  # the bridge itself is nobody's slave


def test_ifb_reads_back_its_kind(rt, require_kind):
    """ifb_setup/rtnl_link_info_fill: an ifb device reports IFLA_INFO_KIND "ifb"."""
    require_kind("ifb")
    rt.do(rtnl.new_link("ifb7", "ifb"))
    assert kind_of(rt.get(rtnl.get_link(name="ifb7"))) == "ifb"


def test_dummy_reads_back_its_kind(rt, require_kind):
    """dummy_setup: a dummy device reports IFLA_INFO_KIND "dummy" and is not IFF_UP when created."""
    require_kind("dummy")
    rt.do(rtnl.new_link("dm0", "dummy"))
    msg = rt.get(rtnl.get_link(name="dm0"))
    assert kind_of(msg) == "dummy"
    assert msg.header(L.IFINFOMSG).ifi_flags & C.IFF_UP == 0


def test_vlan_id_reads_back_as_requested(rt, require_kind):
    """vlan_newlink/vlan_fill_info: IFLA_VLAN_ID reads back as requested and IFLA_LINK is the lower device."""
    require_kind("vlan")
    lower, _ = rt.add_veth("vq0", "vq1")
    rt.do(rtnl.new_link("vq0.77", "vlan", A.u16(C.IFLA_VLAN_ID, 77), link=lower))
    msg = rt.get(rtnl.get_link(name="vq0.77"))
    assert info_data(msg).u16(C.IFLA_VLAN_ID) == 77
    assert msg.attrs(L.IFINFOMSG.size).u32(C.IFLA_LINK) == lower


def test_bond_enslaves_a_veth_with_master_and_slave_flag(rt, require_kind):
    """bond_enslave: a bond port gets IFLA_MASTER, IFF_SLAVE and IFLA_INFO_SLAVE_KIND "bond"; the bond IFF_MASTER."""
    require_kind("bond")
    rt.do(rtnl.new_link("bd0", "bond"))
    bond = rt.link_index("bd0")
    port, _ = rt.add_veth("bo0", "bo1")
    rt.do(rtnl.set_link(port, master=bond))
    p = rt.link(port)
    assert p["attrs"]["IFLA_MASTER"] == bond
    assert p["header"]["ifi_flags"] & C.IFF_SLAVE
    assert p["attrs"]["IFLA_LINKINFO"]["IFLA_INFO_SLAVE_KIND"] == "bond"
    assert rt.link(bond)["header"]["ifi_flags"] & C.IFF_MASTER


def test_vrf_table_reads_back_as_requested(rt):
    """vrf_newlink/vrf_fillinfo: IFLA_VRF_TABLE reads back as requested."""
    result, ext = link_kind("vrf")  # with the IFLA_VRF_TABLE vrf_validate insists on
    if result != "ok":
        pytest.skip(f"link kind 'vrf' unavailable: RTM_NEWLINK with IFLA_VRF_TABLE answered {result} ({ext!r})")
    rt.do(rtnl.new_link("vrf7", "vrf", A.u32(C.IFLA_VRF_TABLE, 1007)))
    assert info_data(rt.get(rtnl.get_link(name="vrf7"))).u32(C.IFLA_VRF_TABLE) == 1007


def test_vrf_without_table_is_refused(rt, observe):
    """vrf_validate/vrf_newlink: a vrf without IFLA_VRF_TABLE is refused with EINVAL and an extack."""
    try:
        rt.do(rtnl.new_link("vrf0", "vrf"))  # IFLA_LINKINFO with the kind only, no IFLA_INFO_DATA
        result, ext = "ok", None
    except KernelError as e:
        result, ext = e.errno_name, e.extack_msg
    if ext == UNKNOWN_KIND:
        pytest.skip("link kind 'vrf' unavailable: RTM_NEWLINK answered EOPNOTSUPP ('Unknown device type')")
    observe("error.RTM_NEWLINK_vrf_without_table", result)
    assert result == "EINVAL" and ext, (result, ext)
