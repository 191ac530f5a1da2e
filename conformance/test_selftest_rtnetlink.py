"""The kernel's tools/testing/selftests/net/rtnetlink.sh behaviours, reimplemented with netlink_probe.

Each test is one kci_test_* check of the shell script, asserted on the messages instead of `ip` output:
address lifetimes (check_lifetime), promote_secondaries (__inet_del_ifa), IPv6 address labels
(ip6addrlbl_*), the interface alias (IFLA_IFALIAS), `bridge fdb get` (rtnl_fdb_get), proxy neighbours
(pneigh_*), IFA_PROTO, route lookups by iif/tos/mark (inet_rtm_getroute) and fwmark policy routing.
A veth stands in for the script's dummy device (dummy is a module on the guest kernels).
"""
from __future__ import annotations

import ipaddress
import struct
import time

import pytest
from support.expect import expect
from support.raw_io import answers, msg
from support.routes import add_addr, collect, listener, no_link_local

from netlink_probe import KernelError, codec, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.codec import rtnl as R

IPV4_DEVCONF_PROMOTE_SECONDARIES = 20  # linux/ip.h
IFAL_ADDRESS, IFAL_LABEL = 1, 2  # linux/if_addrlabel.h
IFADDRLBLMSG = struct.Struct("=BBBBII")  # family, __reserved, prefixlen, flags, ifindex, seq


def packed(address: str) -> bytes:
    return ipaddress.ip_address(address).packed


def addresses(rt, family: int) -> dict[str, dict]:
    """IFA_LOCAL/IFA_ADDRESS -> the decoded RTM_NEWADDR, for one family."""
    out = {}
    for m in rt.dump("addrs", family):
        d = R.decode(m)
        out[d["attrs"].get("IFA_LOCAL") or d["attrs"].get("IFA_ADDRESS")] = d
    return out


# -- kci_test_addrlft -------------------------------------------------------------------------------------------
def test_address_with_finite_lifetimes_is_deprecated_then_deleted(netns, rt, observe):
    """check_lifetime: past preferred_lft the address is re-announced IFA_F_DEPRECATED, past valid_lft deleted."""
    cache = L.IFA_CACHEINFO.pack(ifa_prefered=1, ifa_valid=2)
    with listener(netns, C.RTNLGRP_IPV4_IFADDR) as lis:
        req = rtnl.new_addr(1, "10.23.11.10", 32)
        rt.do(rtnl.Request(req.type, req.flags, req.payload + A.attr(C.IFA_CACHEINFO, cache)))
        seen, deadline = [], time.monotonic() + 6
        while time.monotonic() < deadline and (not seen or seen[-1][0] != "RTM_DELADDR"):
            for n in collect(lis, 0.2):
                d = R.decode(n.message)
                seen.append((n.message.type_name, bool(d["header"]["ifa_flags"] & C.IFA_F_DEPRECATED)))
    observe("selftest.rtnetlink.addrlft", [f"{t}{'+deprecated' if dep else ''}" for t, dep in seen])
    assert seen == [("RTM_NEWADDR", False), ("RTM_NEWADDR", True), ("RTM_DELADDR", True)]
    assert "10.23.11.10" not in addresses(rt, C.AF_INET)


# -- kci_test_promote_secondaries -------------------------------------------------------------------------------
def promote(rt, index: int, on: bool) -> None:
    conf = A.nest(C.IFLA_INET_CONF, A.u32(IPV4_DEVCONF_PROMOTE_SECONDARIES, int(on)))
    rt.do(rtnl.set_link(index, extra=A.nest(C.IFLA_AF_SPEC, A.nest(C.AF_INET, conf))))


@pytest.mark.parametrize("promote_on", [True, False], ids=["promote", "no_promote"])
def test_deleting_the_primary_address_promotes_or_flushes_its_secondaries(quiet_net, promote_on, observe):
    """__inet_del_ifa: with promote_secondaries the first secondary becomes primary; without it, they all go."""
    rt, a = quiet_net.rt, quiet_net.a
    promote(rt, a, promote_on)
    for i in (1, 2, 3):
        rt.do(rtnl.new_addr(a, f"10.23.11.{i}", 16))
    rt.do(rtnl.new_addr(a, "10.23.11.1", 16, delete=True))
    left = {k: bool(v["header"]["ifa_flags"] & C.IFA_F_SECONDARY) for k, v in addresses(rt, C.AF_INET).items()
            if k.startswith("10.23.11.")}
    observe(f"selftest.rtnetlink.promote_secondaries.{'on' if promote_on else 'off'}", sorted(left))
    assert left == ({"10.23.11.2": False, "10.23.11.3": True} if promote_on else {})


# -- kci_test_addrlabel --------------------------------------------------------------------------------------------
def addrlabel(cmd: int, prefix: str, plen: int, label: int | None, index: int = 0, flags: int = 0) -> rtnl.Request:
    payload = IFADDRLBLMSG.pack(C.AF_INET6, 0, plen, 0, index, 0) + A.attr(IFAL_ADDRESS, packed(prefix))
    if label is not None:
        payload += A.u32(IFAL_LABEL, label)
    return rtnl.Request(cmd, flags, payload)


def raw_label_answer(rt, req: rtnl.Request, dump: bool = False) -> list:
    """The RTM_NEWADDRLABEL answers, read raw: the codec has no decoder for them, so the decode oracle
    (which taps Socket reads) must not see them."""
    flags = C.NLM_F_REQUEST | (C.NLM_F_DUMP if dump else 0) | req.flags
    got = answers(rt.sock, msg(req.type, flags, req.payload, 0x1AB, rt.sock.port))
    errors = [codec.parse_error(m) for m in got if m.type == C.NLMSG_ERROR and codec.parse_error(m).error]
    if errors:
        raise KernelError(-errors[0].error, errors[0])
    return [m for m in got if m.type == C.RTM_NEWADDRLABEL]


def labels(rt) -> set[tuple[str, int, int, int]]:
    out = set()
    req = rtnl.Request(C.RTM_GETADDRLABEL, 0, IFADDRLBLMSG.pack(C.AF_INET6, 0, 0, 0, 0, 0))
    for m in raw_label_answer(rt, req, dump=True):
        _, _, plen, _, index, _ = IFADDRLBLMSG.unpack_from(m.payload)
        a = m.attrs(IFADDRLBLMSG.size)
        out.add((str(ipaddress.ip_address(a.bytes(IFAL_ADDRESS))), plen, index, a.u32(IFAL_LABEL)))
    return out


def test_address_label_is_listed_got_and_deleted(rt, observe):
    """ip6addrlbl_newdel/ip6addrlbl_dump/ip6addrlbl_get: `ip addrlabel add prefix dead::/64 dev lo label 1`."""
    lo = rt.link_index("lo")
    rt.do(addrlabel(C.RTM_NEWADDRLABEL, "dead::", 64, 1, lo, C.NLM_F_CREATE | C.NLM_F_EXCL))
    listed = ("dead::", 64, lo, 1) in labels(rt)
    (got,) = raw_label_answer(rt, addrlabel(C.RTM_GETADDRLABEL, "dead::", 128, None, lo))
    rt.do(addrlabel(C.RTM_DELADDRLABEL, "dead::", 64, 1, lo))
    observe("selftest.rtnetlink.addrlabel", "ok" if listed else "missing")
    assert listed
    assert got.attrs(IFADDRLBLMSG.size).u32(IFAL_LABEL) == 1
    assert ("dead::", 64, lo, 1) not in labels(rt)


def test_address_label_get_falls_back_to_the_default_table(rt, observe):
    """ip6addrlbl_get -> __ipv6_addr_label: an address no label covers answers from the RFC 6724 default ::/0."""
    (got,) = raw_label_answer(rt, addrlabel(C.RTM_GETADDRLABEL, "2001:db8::1", 128, None))
    _, _, plen, _, _, _ = IFADDRLBLMSG.unpack_from(got.payload)
    label = got.attrs(IFADDRLBLMSG.size).u32(IFAL_LABEL)
    observe("selftest.rtnetlink.addrlabel_default", label)
    assert label == 1 and plen == 0  # { ::/0, label 1 } of ip6addrlbl_init_table


# -- kci_test_ifalias -----------------------------------------------------------------------------------------------
def test_interface_alias_is_set_and_cleared(quiet_net, observe):
    """rtnl_setlink -> dev_set_alias: IFLA_IFALIAS is shown after it is set; an empty one removes it."""
    rt, a = quiet_net.rt, quiet_net.a
    rt.do(rtnl.set_link(a, extra=A.string(C.IFLA_IFALIAS, "some alias")))
    shown = rt.get(rtnl.get_link(a)).attrs(L.IFINFOMSG.size).str(C.IFLA_IFALIAS)
    rt.do(rtnl.set_link(a, extra=A.attr(C.IFLA_IFALIAS, b"")))
    cleared = rt.get(rtnl.get_link(a)).attrs(L.IFINFOMSG.size).str(C.IFLA_IFALIAS)
    observe("selftest.rtnetlink.ifalias", [shown or "none", cleared or "none"])
    assert (shown, cleared) == ("some alias", None)


# -- kci_test_fdb_get -------------------------------------------------------------------------------------------------
MAC = "de:ad:be:ef:13:37"


@pytest.fixture
def bridge_port(quiet_net, require_kind):
    require_kind("bridge")
    rt = quiet_net.rt
    rt.do(rtnl.new_link("br-fdb", "bridge"))
    br = rt.link_index("br-fdb")
    rt.do(rtnl.set_link(quiet_net.a, extra=A.u32(C.IFLA_MASTER, br)))
    return rt, br, quiet_net.a


def fdb_get(rt, br: int, port: int, mac: str) -> dict:
    payload = L.NDMSG.pack(ndm_family=C.AF_BRIDGE, ndm_ifindex=port, ndm_flags=C.NTF_MASTER)
    payload += A.attr(C.NDA_LLADDR, rtnl.mac_bytes(mac))  # with ndm_ifindex, NDA_MASTER would be EINVAL
    return R.decode(rt.get(rtnl.Request(C.RTM_GETNEIGH, 0, payload)))


def test_bridge_fdb_get_answers_a_static_entry(bridge_port, observe):
    """rtnl_fdb_get -> br_fdb_get: RTM_GETNEIGH (AF_BRIDGE, NDA_LLADDR, NTF_MASTER) finds the port's entry."""
    rt, br, port = bridge_port
    add = L.NDMSG.pack(ndm_family=C.AF_BRIDGE, ndm_ifindex=port, ndm_state=C.NUD_NOARP, ndm_flags=C.NTF_MASTER)
    rt.do(rtnl.Request(C.RTM_NEWNEIGH, C.NLM_F_CREATE | C.NLM_F_EXCL, add + A.attr(C.NDA_LLADDR, rtnl.mac_bytes(MAC))))
    got = fdb_get(rt, br, port, MAC)
    observe("selftest.rtnetlink.fdb_get", "ok")
    assert got["attrs"]["NDA_LLADDR"] == MAC and got["header"]["ndm_ifindex"] == port
    assert got["attrs"]["NDA_MASTER"] == br


def test_bridge_fdb_get_of_a_missing_entry_is_enoent(bridge_port, observe):
    """br_fdb_get: no entry for the address -> -ENOENT "Fdb entry not found"."""
    rt, br, port = bridge_port
    with pytest.raises(KernelError) as ei:
        fdb_get(rt, br, port, "02:00:00:00:00:99")
    observe("selftest.rtnetlink.fdb_get_missing", ei.value.errno_name)
    assert (ei.value.errno_name, ei.value.extack_msg) == ("ENOENT", "Fdb entry not found")


# -- kci_test_neigh_get (proxy) --------------------------------------------------------------------------------------
PROXY = {C.AF_INET: "10.0.2.4", C.AF_INET6: "dead::2"}


def proxy_req(cmd: int, family: int, index: int, flags: int = 0) -> rtnl.Request:
    payload = L.NDMSG.pack(ndm_family=family, ndm_ifindex=index, ndm_flags=C.NTF_PROXY)
    return rtnl.Request(cmd, flags, payload + A.attr(C.NDA_DST, packed(PROXY[family])))


@pytest.mark.parametrize("family", [C.AF_INET, C.AF_INET6], ids=["inet", "inet6"])
def test_proxy_neighbour_get_and_dump(quiet_net, family, observe):
    """neigh_get/pneigh_lookup and neigh_dump_info with ndm_flags == NTF_PROXY (pneigh_dump_table)."""
    rt, a = quiet_net.rt, quiet_net.a
    rt.do(proxy_req(C.RTM_NEWNEIGH, family, a, C.NLM_F_CREATE | C.NLM_F_EXCL))
    got = R.decode(rt.get(proxy_req(C.RTM_GETNEIGH, family, a)))
    dumped = [R.decode(m) for m in rt.sock.dump(C.RTM_GETNEIGH, L.NDMSG.pack(ndm_family=family,
                                                                              ndm_flags=C.NTF_PROXY)).all()]
    rt.do(proxy_req(C.RTM_DELNEIGH, family, a))
    after = rt.sock.dump(C.RTM_GETNEIGH, L.NDMSG.pack(ndm_family=family, ndm_flags=C.NTF_PROXY)).all()
    observe(f"selftest.rtnetlink.proxy_neigh.{rtnl.af_name(family)}", "ok")
    assert got["attrs"]["NDA_DST"] == PROXY[family] and got["header"]["ndm_flags"] & C.NTF_PROXY
    assert [(d["attrs"]["NDA_DST"], d["header"]["ndm_ifindex"]) for d in dumped] == [(PROXY[family], a)]
    assert after == []


# -- kci_test_address_proto -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("family", [C.AF_INET, C.AF_INET6], ids=["inet", "inet6"])
def test_address_protocol_round_trips_and_replace_changes_it(quiet_net, family, observe):
    """inet_rtm_newaddr/inet6_rtm_newaddr store IFA_PROTO (ifa_proto); the dump shows it only when set."""
    rt, a = quiet_net.rt, quiet_net.a
    base = "192.0.2." if family == C.AF_INET else "2001:db8::"
    plen = 28 if family == C.AF_INET else 64

    def add(host: str, proto: int | None, flags: int = C.NLM_F_CREATE | C.NLM_F_EXCL) -> None:
        req = rtnl.new_addr(a, base + host, plen)
        extra = A.u8(C.IFA_PROTO, proto) if proto is not None else b""
        if family == C.AF_INET6:
            extra += A.u32(C.IFA_FLAGS, C.IFA_F_NODAD)
        rt.do(rtnl.Request(req.type, flags, req.payload + extra))

    add("3", None)
    add("2", 0x99)
    add("1", 0xAB)
    add("1", 0x11, C.NLM_F_CREATE | C.NLM_F_REPLACE)
    got = {k: v["attrs"].get("IFA_PROTO") for k, v in addresses(rt, family).items() if k.startswith(base)}
    observe(f"selftest.rtnetlink.address_proto.{rtnl.af_name(family)}",
            sorted("none" if v is None else str(v) for v in got.values()))
    kept = any(v is not None for v in got.values())
    if not expect(kept, f"selftest.rtnetlink.address_proto_kept.{rtnl.af_name(family)}").since(
            "5.18", True, why="IFA_PROTO: rtm_newaddr / inet6_rtm_newaddr store ifa_proto").before(
            False, why="IFA_PROTO (11) is above IFA_MAX, and nlmsg_parse_deprecated skips unknown types"):
        return
    replaced = 0x11 if family == C.AF_INET6 else expect(got[base + "1"], "selftest.rtnetlink.address_proto.inet").since(
        "6.18", 0x11, unknown_from="6.2",
        why="6.1's IPv4 REPLACE (find_matching_ifa path) keeps the old ifa_proto (measured; the change lies between)"
    ).before(0xAB)
    assert got == {base + "3": None, base + "2": 0x99, base + "1": replaced}


# -- kci_test_route_get -----------------------------------------------------------------------------------------------
def route_get(rt, dst: str, *attrs: bytes, tos: int = 0) -> dict:
    fam = C.AF_INET6 if ":" in dst else C.AF_INET
    payload = L.RTMSG.pack(rtm_family=fam, rtm_dst_len=128 if fam == C.AF_INET6 else 32, rtm_tos=tos)
    return R.decode(rt.get(rtnl.Request(C.RTM_GETROUTE, 0, payload + A.attr(C.RTA_DST, packed(dst))
                                        + b"".join(attrs))))


def test_route_get_by_incoming_interface_answers_the_input_route(net, observe):
    """inet_rtm_getroute: RTA_IIF makes it an input lookup (ip_route_input_rcu): the local address is RTN_LOCAL
    with RTA_IIF echoed (`ip route get 10.23.7.11 from 10.23.7.12 iif dev`)."""
    got = route_get(net.rt, "10.1.0.1", A.attr(C.RTA_SRC, packed("10.1.0.7")), A.u32(C.RTA_IIF, net.a))
    observe("selftest.rtnetlink.route_get_iif", [got["header"]["rtm_type"], "RTA_IIF" in got["attrs"]])
    assert got["header"]["rtm_type"] == C.RTN_LOCAL and got["attrs"]["RTA_IIF"] == net.a


def test_inet_route_get_with_tos_and_mark_echoes_the_mark_and_the_routes_tos(net, observe):
    """inet_rtm_getroute -> rt_fill_info: RTA_MARK is echoed; rtm_tos is the matched FIB entry's dscp (res.dscp,
    0 here), not the lookup's tos (`ip route get 127.0.0.1 from 127.0.0.1 oif lo tos 0x10 mark 0x1`)."""
    got = route_get(net.rt, "127.0.0.1", A.attr(C.RTA_SRC, packed("127.0.0.1")), A.u32(C.RTA_OIF, 1),
                    A.u32(C.RTA_MARK, 1), tos=0x10)
    tos = got["header"]["rtm_tos"]
    observe("selftest.rtnetlink.route_get_tos_mark.inet", [tos, got["attrs"].get("RTA_MARK", 0)])
    assert got["header"]["rtm_type"] == C.RTN_LOCAL and got["attrs"].get("RTA_MARK") == 1
    expect(tos, "selftest.rtnetlink.route_get_tos_mark.inet").since(
        "6.10", 0, why="338bb57e4c2a 'ipv4: Fix incorrect TOS in route get reply' (rt_fill_info takes res.dscp)",
        backports={"6.1": "6.1.103", "6.6": "6.6.44"}).before(0x10)


def test_inet6_route_get_with_tos_and_mark_echoes_neither(net, observe):
    """inet6_rtm_getroute -> rt6_fill_info: rtm_tos is always 0 and RTA_MARK is never put, though the lookup
    took both (`ip route get ::1 from ::1 iif lo oif lo tos 0x10 mark 0x1`)."""
    got = route_get(net.rt, "::1", A.attr(C.RTA_SRC, packed("::1")), A.u32(C.RTA_IIF, 1), A.u32(C.RTA_OIF, 1),
                    A.u32(C.RTA_MARK, 1), tos=0x10)
    observe("selftest.rtnetlink.route_get_tos_mark.inet6", [got["header"]["rtm_tos"], got["attrs"].get("RTA_MARK", 0)])
    assert got["attrs"]["RTA_DST"] == "::1" and got["attrs"]["RTA_IIF"] == 1
    assert (got["header"]["rtm_tos"], got["attrs"].get("RTA_MARK")) == (0, None)


# -- kci_test_polrouting ---------------------------------------------------------------------------------------------
def fwmark_rule(cmd: int, family: int) -> rtnl.Request:
    hdr = L.FIB_RULE_HDR.pack(family=family, action=C.FR_ACT_TO_TBL)
    flags = C.NLM_F_CREATE | C.NLM_F_EXCL if cmd == C.RTM_NEWRULE else 0
    return rtnl.Request(cmd, flags, hdr + A.u32(C.FRA_FWMARK, 1) + A.u32(C.FRA_TABLE, 100))


@pytest.mark.parametrize("family", [C.AF_INET, C.AF_INET6], ids=["inet", "inet6"])
def test_fwmark_rule_sends_marked_lookups_to_a_local_table_until_deleted(net, family, observe):
    """fib_nl_newrule/fib_rule_match (FRA_FWMARK) + a `local default` route in table 100: a lookup with
    mark 1 is RTN_LOCAL from table 100; fib_nl_delrule removes the rule and the lookup goes to main."""
    rt = net.rt
    dst = "198.51.100.1" if family == C.AF_INET else "2001:db8:100::1"
    rt.do(fwmark_rule(C.RTM_NEWRULE, family))
    any_dst = "0.0.0.0" if family == C.AF_INET else "::"
    rt.do(rtnl.route(any_dst, 0, family=family, table=100, oif=rt.link_index("lo"), rtype=C.RTN_LOCAL,
                     scope=C.RT_SCOPE_HOST))
    marked = route_get(rt, dst, A.u32(C.RTA_MARK, 1))
    with pytest.raises(KernelError) as unmarked:
        route_get(rt, dst)  # the rule matches the mark only
    rt.do(fwmark_rule(C.RTM_DELRULE, family))
    with pytest.raises(KernelError) as ei:
        route_get(rt, dst, A.u32(C.RTA_MARK, 1))  # main has no route there
    observe(f"selftest.rtnetlink.fwmark_local_table.{rtnl.af_name(family)}",
            [marked["header"]["rtm_type"], ei.value.errno_name])
    assert marked["header"]["rtm_type"] == C.RTN_LOCAL and marked["attrs"]["RTA_MARK" if family == C.AF_INET
                                                                            else "RTA_DST"]
    assert unmarked.value.errno_name == ei.value.errno_name == "ENETUNREACH"
