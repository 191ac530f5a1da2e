"""Generic netlink groups by name: `netlink_probe.genl` and `netlink-probe monitor --group FAMILY:GROUP`.

The controller (nlctrl) exists on every kernel and is netnsok, so its group
"notify" is named in any namespace; which other families exist depends on the
kernel's configuration and modules, so they are probed first (the netdev
family, whose "mgmt" group announces new devices, arrived in 6.5).
"""
from __future__ import annotations

import errno

import pytest
from support.cli_fork import run_cli
from support.monitor import Monitor
from support.probes import genl_groups

from netlink_probe import KernelError, Socket, genl, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L



def controller_answer(ns, name: str) -> genl.Family:
    """CTRL_CMD_GETFAMILY for *name* sent by hand in *ns*: the oracle for the library's resolver."""
    with Socket(C.NETLINK_GENERIC, netns=ns) as s:
        hdr = L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_GETFAMILY, version=1)
        (m,) = s.request(C.GENL_ID_CTRL, 0, hdr + A.string(C.CTRL_ATTR_FAMILY_NAME, name))
    a = m.attrs(L.GENLMSGHDR.size)
    groups = {g.nested().str(C.CTRL_ATTR_MCAST_GRP_NAME): g.nested().u32(C.CTRL_ATTR_MCAST_GRP_ID)
              for g in a.nested(C.CTRL_ATTR_MCAST_GROUPS) or ()}
    return genl.Family(a.str(C.CTRL_ATTR_FAMILY_NAME), a.u16(C.CTRL_ATTR_FAMILY_ID), a.u32(C.CTRL_ATTR_VERSION),
                       groups)


def test_nlctrl_notify_resolves_to_the_group_id_the_controller_reports(netns):
    """ctrl_getfamily / ctrl_dumpfamily: the controller names its own group "notify" in every namespace (nlctrl is
    netnsok); genl.family, genl.group_id and genl.group_names agree with a hand-built CTRL_CMD_GETFAMILY."""
    truth = controller_answer(netns, "nlctrl")
    assert truth.id == C.GENL_ID_CTRL and "notify" in truth.groups
    assert genl.family("nlctrl", netns) == truth
    assert genl.group_id("nlctrl:notify", netns) == truth.groups["notify"]
    assert genl.group_names(netns)[truth.groups["notify"]] == "nlctrl:notify"
    assert genl_groups()[truth.groups["notify"]] == ("nlctrl", "notify")  # the initial namespace says the same


@pytest.mark.parametrize("name,err", [("np-nosuch", errno.ENOENT), ("x" * 16, errno.EINVAL)])
def test_getfamily_of_an_unknown_name_is_enoent_and_of_a_too_long_one_einval(netns, name, err):
    """ctrl_getfamily: no family by that name -> -ENOENT; ctrl_policy: CTRL_ATTR_FAMILY_NAME is an NLA_NUL_STRING
    of at most GENL_NAMSIZ - 1 = 15 characters, longer -> -EINVAL (the library passes the KernelError on)."""
    with pytest.raises(KernelError) as e:
        genl.family(name, netns)
    assert e.value.errno == err


def test_monitor_joins_nlctrl_notify_by_name(netns):
    """genl_bind: a NETLINK_GENERIC socket joins the controller's group by the id CTRL_CMD_GETFAMILY gives;
    the command names it FAMILY:GROUP and picks the protocol from the name."""
    gid = controller_answer(netns, "nlctrl").groups["notify"]
    mon = Monitor("--group", "nlctrl:notify", "--netns", netns.path, "--timeout", "0.2")
    assert mon.ready_line.startswith(f"listening on NETLINK_GENERIC group {gid} (nlctrl:notify)"), mon.ready_line
    assert mon.records() == []


@pytest.mark.parametrize("spec,needle", [("np-no-such-family:x", "no generic netlink family"),
                                         ("nlctrl:np-no-such-group", "its groups: notify")])
def test_monitor_refuses_unknown_generic_netlink_names_as_bad_use(netns, spec, needle):
    """ctrl_dumpfamily lists what exists: an unknown family or group is bad use (exit 2), named in one line."""
    p = run_cli(["monitor", "--group", spec, "--netns", netns.path, "--timeout", "0"])
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 2 and len(lines) == 1 and needle in lines[0], p.stderr


def test_monitor_prints_a_netdev_mgmt_notification_by_its_group_name(netns):
    """netdev_genl_netdevice_event -> netdev_genl_dev_notify(NETDEV_CMD_DEV_ADD_NTF) on the netdev family's "mgmt"
    group of the device's namespace: a new veth is announced, and the command names the group netdev:mgmt."""
    try:
        fam = genl.family("netdev", netns)
    except KernelError as e:
        if e.errno == errno.ENOENT:
            pytest.skip("generic netlink family 'netdev' is not registered (CTRL_CMD_GETFAMILY -> ENOENT); "
                        "it appeared in v6.3")
        raise
    if "mgmt" not in fam.groups:
        pytest.skip(f"the netdev family has no mgmt group here (groups: {sorted(fam.groups)})")
    mon = Monitor("--group", "netdev:mgmt", "--netns", netns.path, "--count", "2", "--timeout", "10")
    with rtnl.Rtnl(netns) as r:
        r.add_veth("gn-a", "gn-b")
    recs = mon.records()
    assert recs, f"no netdev:mgmt notification; monitor stderr: {mon.stderr!r}"
    assert {(r["group"], r["group_name"], r["type_number"]) for r in recs} == \
        {(fam.groups["mgmt"], "netdev:mgmt", fam.id)}
