"""Addresses: RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR for IPv4 (net/ipv4/devinet.c) and IPv6 (net/ipv6/addrconf.c)."""
from __future__ import annotations

import pytest

from netlink_probe import KernelError, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import layouts as L
from netlink_probe.codec import rtnl as R

FAMILY = {"inet": C.AF_INET, "inet6": C.AF_INET6}
ADDR = {"inet": ("10.7.0.1", 24), "inet6": ("fd00:7::1", 64)}
TOO_LONG = {"inet": 33, "inet6": 129}


def addresses(rt, family=C.AF_UNSPEC, index=None) -> dict[str, dict]:
    """{address: decoded message} of a GETADDR dump (optionally one link's)."""
    out = {}
    for m in rt.dump("addrs", family).all():
        d = R.decode(m)
        if index is None or d["header"]["ifa_index"] == index:
            out[d["attrs"].get("IFA_LOCAL", d["attrs"].get("IFA_ADDRESS"))] = d
    return out


def outcome(rt, req) -> str:
    try:
        rt.do(req)
        return "ok"
    except KernelError as e:
        return e.errno_name


def with_flags(req: rtnl.Request, flags: int) -> rtnl.Request:
    return rtnl.Request(req.type, flags, req.payload)


@pytest.fixture
def veth(rt):
    a, _ = rt.add_veth("ad0", "ad1")
    return a


def test_ipv4_address_reads_back_in_the_dump(rt, veth):
    """inet_rtm_newaddr/inet_fill_ifaddr: the new address is dumped with its prefix, index, IFA_LABEL and IFA_F_PERMANENT."""
    rt.do(rtnl.new_addr(veth, "10.7.0.1", 24))
    d = addresses(rt, C.AF_INET, veth)["10.7.0.1"]
    assert d["header"]["ifa_prefixlen"] == 24
    assert d["attrs"]["IFA_ADDRESS"] == "10.7.0.1"
    assert d["attrs"]["IFA_LABEL"] == "ad0"  # the label defaults to the device name
    assert d["attrs"]["IFA_FLAGS"] & C.IFA_F_PERMANENT
    assert d["header"]["ifa_scope"] == C.RT_SCOPE_UNIVERSE


def test_ipv6_address_on_a_down_link_stays_tentative(rt, veth):
    """inet6_rtm_newaddr/addrconf_dad_begin: on a down link DAD cannot run, so the address is PERMANENT|TENTATIVE."""
    rt.do(rtnl.new_addr(veth, "fd00:7::1", 64))
    d = addresses(rt, C.AF_INET6, veth)["fd00:7::1"]
    assert d["header"]["ifa_prefixlen"] == 64
    assert d["attrs"]["IFA_FLAGS"] & (C.IFA_F_PERMANENT | C.IFA_F_TENTATIVE) == C.IFA_F_PERMANENT | C.IFA_F_TENTATIVE


def test_address_dump_of_one_family_holds_only_that_family(rt, veth):
    """inet_dump_ifaddr/inet6_dump_ifaddr: RTM_GETADDR with ifa_family AF_INET6 dumps IPv6 addresses only."""
    rt.do(rtnl.new_addr(veth, "10.7.0.1", 24))
    rt.do(rtnl.new_addr(veth, "fd00:7::1", 64))
    families = {m.header(L.IFADDRMSG).ifa_family for m in rt.dump("addrs", C.AF_INET6).all()}
    assert families == {C.AF_INET6}
    assert "10.7.0.1" not in addresses(rt, C.AF_INET6)


def test_second_ipv4_address_in_the_same_subnet_is_secondary(rt, veth):
    """__inet_insert_ifa: a second address inside an existing primary's prefix gets IFA_F_SECONDARY."""
    rt.do(rtnl.new_addr(veth, "10.7.0.1", 24))
    rt.do(rtnl.new_addr(veth, "10.7.0.2", 24))
    got = addresses(rt, C.AF_INET, veth)
    assert got["10.7.0.1"]["attrs"]["IFA_FLAGS"] & C.IFA_F_SECONDARY == 0
    assert got["10.7.0.2"]["attrs"]["IFA_FLAGS"] & C.IFA_F_SECONDARY


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_adding_an_existing_address_with_excl_is_eexist(rt, veth, family, observe):
    """inet_rtm_newaddr/inet6_rtm_newaddr: the same address again with CREATE|EXCL is EEXIST."""
    addr, plen = ADDR[family]
    rt.do(rtnl.new_addr(veth, addr, plen))
    result = outcome(rt, rtnl.new_addr(veth, addr, plen))
    observe(f"error.RTM_NEWADDR_{family}_existing_excl", result)
    assert result == "EEXIST"


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_adding_an_existing_address_without_replace_is_eexist_even_without_excl(rt, veth, family, observe):
    """find_matching_ifa/inet6_rtm_newaddr: an existing address is only modified under NLM_F_REPLACE; CREATE alone is EEXIST."""
    addr, plen = ADDR[family]
    rt.do(rtnl.new_addr(veth, addr, plen))
    result = outcome(rt, rtnl.new_addr(veth, addr, plen, excl=False))
    observe(f"error.RTM_NEWADDR_{family}_existing_create", result)
    assert result == "EEXIST"


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_replacing_an_existing_address_is_acked(rt, veth, family, observe):
    """inet_rtm_newaddr/inet6_addr_modify: CREATE|REPLACE on an existing address acks and keeps one copy of it."""
    addr, plen = ADDR[family]
    rt.do(rtnl.new_addr(veth, addr, plen))
    result = outcome(rt, with_flags(rtnl.new_addr(veth, addr, plen), C.NLM_F_CREATE | C.NLM_F_REPLACE))
    observe(f"error.RTM_NEWADDR_{family}_existing_replace", result)
    assert result == "ok"
    assert sum(1 for m in rt.dump("addrs", FAMILY[family]).all()
               if R.decode(m)["attrs"].get("IFA_ADDRESS") == addr) == 1


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_newaddr_without_create_still_adds_a_new_address(rt, veth, family, observe):
    """inet_rtm_newaddr/inet6_rtm_newaddr: neither handler checks NLM_F_CREATE; flags 0 adds a new address."""
    addr, plen = ADDR[family]
    result = outcome(rt, with_flags(rtnl.new_addr(veth, addr, plen), 0))
    observe(f"error.RTM_NEWADDR_{family}_new_without_create", result)
    assert result == "ok"
    assert addr in addresses(rt, FAMILY[family], veth)


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_deladdr_removes_the_address(rt, veth, family):
    """inet_rtm_deladdr/inet6_rtm_deladdr: RTM_DELADDR with the address and prefix removes it from the dump."""
    addr, plen = ADDR[family]
    rt.do(rtnl.new_addr(veth, addr, plen))
    rt.do(rtnl.new_addr(veth, addr, plen, delete=True))
    assert addr not in addresses(rt, FAMILY[family], veth)


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_deleting_a_missing_address_is_eaddrnotavail(rt, veth, family, observe):
    """inet_rtm_deladdr/inet6_addr_del: an address that is not there is EADDRNOTAVAIL."""
    addr, plen = ADDR[family]
    result = outcome(rt, rtnl.new_addr(veth, addr, plen, delete=True))
    observe(f"error.RTM_DELADDR_{family}_missing", result)
    assert result == "EADDRNOTAVAIL"


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_prefix_length_beyond_the_address_is_einval(rt, veth, family, observe):
    """inet_rtm_to_ifa/inet6_rtm_newaddr: ifa_prefixlen above 32 (IPv4) or 128 (IPv6) is EINVAL, nothing added."""
    addr, _ = ADDR[family]
    result = outcome(rt, rtnl.new_addr(veth, addr, TOO_LONG[family]))
    observe(f"error.RTM_NEWADDR_{family}_prefixlen_too_long", result)
    assert result == "EINVAL"
    assert addr not in addresses(rt, FAMILY[family])


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_newaddr_on_a_missing_ifindex_is_enodev(rt, family, observe):
    """inet_rtm_to_ifa/inet6_rtm_newaddr: an ifa_index with no device is ENODEV."""
    addr, plen = ADDR[family]
    result = outcome(rt, rtnl.new_addr(4242, addr, plen))
    observe(f"error.RTM_NEWADDR_{family}_missing_ifindex", result)
    assert result == "ENODEV"


def test_ipv4_newaddr_without_ifa_local_is_einval(rt, veth, observe):
    """inet_rtm_to_ifa: an IPv4 RTM_NEWADDR without IFA_LOCAL is EINVAL (the address to add is IFA_LOCAL)."""
    payload = L.IFADDRMSG.pack(ifa_family=C.AF_INET, ifa_prefixlen=24, ifa_index=veth)
    result = outcome(rt, rtnl.Request(C.RTM_NEWADDR, C.NLM_F_CREATE | C.NLM_F_EXCL, payload))
    observe("error.RTM_NEWADDR_inet_without_local", result)
    assert result == "EINVAL"
