"""The codec on bytes captured from the kernel (tests/data, made by scripts/capture-fixtures).

Expected values come from what the capture script configured (manifest.json
"setup"), from the request it sent, from documented kernel rules, or from
pyroute2 decoding the same bytes -- never from netlink_probe itself.
No privileges needed.
"""
from __future__ import annotations

import ipaddress

import pytest
from captured import blob, datagrams, entry, request, setup
from pyroute2.netlink.rtnl.marshal import MarshalRtnl

from netlink_probe import DumpInterrupted, codec
from netlink_probe import constants as C
from netlink_probe.codec import layouts as L
from netlink_probe.codec import rtnl as R
from netlink_probe.testing import FakeKernel, replay


def messages(name: str) -> list[codec.Message]:
    return codec.parse(blob(name))


def data_messages(name: str) -> list[codec.Message]:
    return [m for m in messages(name) if m.type >= C.NLMSG_MIN_TYPE]


def links_by_name(name: str = "links") -> dict[str, codec.Message]:
    return {m.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME): m for m in data_messages(name)}


def pyroute2(name: str) -> list:
    return list(MarshalRtnl().parse(blob(name)))


# -- splitting the buffers -----------------------------------------------------------
@pytest.mark.parametrize("name", ["links", "addrs", "routes_v4", "routes_v6", "neigh", "neightbl", "dump_intr"])
def test_dump_capture_splits_into_the_same_messages_as_pyroute2(name):
    """netlink_dump: each datagram is a run of aligned nlmsghdrs; both decoders find the same headers."""
    ours = [(m.length, m.type, m.flags, m.seq, m.pid) for m in messages(name)]
    theirs = [(p["header"]["length"], p["header"]["type"], p["header"]["flags"], p["header"]["sequence_number"],
               p["header"]["pid"]) for p in pyroute2(name)]
    assert ours == theirs


@pytest.mark.parametrize("name", ["links", "addrs", "routes_v4", "routes_v6", "neigh", "neightbl", "dump_intr"])
def test_dump_capture_ends_with_a_zero_errno_done_after_multi_parts(name):
    """netlink_dump_done: a dump's last message is NLMSG_DONE with error 0; every part before it is NLM_F_MULTI."""
    ms = messages(name)
    assert ms[-1].type == C.NLMSG_DONE
    assert codec.parse_done(ms[-1]).error == 0
    assert all(m.flags & C.NLM_F_MULTI for m in ms)
    assert codec.flags_names(ms[0].type, ms[0].flags) == ["MULTI"]


@pytest.mark.parametrize("name", ["links", "dump_intr"])
def test_datagram_boundaries_are_message_boundaries(name):
    """netlink_dump: no message straddles two datagrams, so each .hex line parses alone and the lines add up."""
    per = [codec.parse(d) for d in datagrams(name)]
    assert sum(len(p) for p in per) == len(messages(name))
    assert sum(len(d) for d in datagrams(name)) == len(blob(name))


@pytest.mark.parametrize("name", ["links", "addrs", "routes_v4", "routes_v6", "neigh", "neightbl"])
def test_dump_replies_echo_the_request_sequence_and_port(name):
    """netlink_dump: every part carries the request's nlmsg_seq and the requester's port id."""
    req = codec.parse(request(name))[0]
    assert {(m.seq, m.pid) for m in messages(name)} == {(req.seq, req.pid)}


# -- links -----------------------------------------------------------------------------
def test_link_dump_holds_lo_the_veth_pair_and_the_bridge_by_name():
    """rtnl_dump_ifinfo: one RTM_NEWLINK per device, IFLA_IFNAME a NUL-terminated string."""
    s = setup()
    assert sorted(links_by_name()) == sorted(["lo", *s["veth"], s["bridge"]])


def test_link_mtu_and_mac_are_the_configured_ones():
    """rtnl_fill_ifinfo: IFLA_MTU is a u32, IFLA_ADDRESS the device address bytes."""
    s = setup()
    links = links_by_name()
    for dev, mtu in s["mtu"].items():
        assert links[dev].attrs(L.IFINFOMSG.size).u32(C.IFLA_MTU) == mtu
    for dev, mac in s["mac"].items():
        assert R.mac(links[dev].attrs(L.IFINFOMSG.size).get(C.IFLA_ADDRESS)) == mac


def test_enslaved_veth_names_the_bridge_in_ifla_master():
    """rtnl_fill_ifinfo: IFLA_MASTER of a bridge port is the bridge's ifindex (ifinfomsg.ifi_index)."""
    s = setup()
    links = links_by_name()
    (port, master), = s["master"].items()
    bridge_index = links[master].header(L.IFINFOMSG).ifi_index
    assert links[port].attrs(L.IFINFOMSG.size).u32(C.IFLA_MASTER) == bridge_index
    assert links[s["veth"][0]].attrs(L.IFINFOMSG.size).u32(C.IFLA_MASTER) is None


def test_linkinfo_is_a_nest_without_the_nested_flag_naming_the_kind():
    """rtnl_link_fill: IFLA_LINKINFO opens with nla_nest_start_noflag (no NLA_F_NESTED) and holds IFLA_INFO_KIND."""
    s = setup()
    links = links_by_name()
    kinds = {}
    for dev in [*s["veth"], s["bridge"]]:
        a = links[dev].attrs(L.IFINFOMSG.size)
        (info,) = [x for x in a if x.type == C.IFLA_LINKINFO]
        assert not info.nested_flag  # legacy rtnetlink nests: the codec must not rely on the flag
        kinds[dev] = info.nested().str(C.IFLA_INFO_KIND)
        assert R.decode(links[dev])["attrs"]["IFLA_LINKINFO"]["IFLA_INFO_KIND"] == kinds[dev]
    assert kinds == {s["veth"][0]: "veth", s["veth"][1]: "veth", s["bridge"]: "bridge"}
    assert links["lo"].attrs(L.IFINFOMSG.size).nested(C.IFLA_LINKINFO) is None


def test_link_attributes_match_pyroute2_by_name_and_scalar_value():
    """rtnl_fill_ifinfo: the attribute list, in order, and its u32 values read the same through pyroute2."""
    names = R.space_names("IFLA_UNSPEC")
    compared = 0
    for ours, theirs in zip(data_messages("links"), pyroute2("links")):
        a = ours.attrs(L.IFINFOMSG.size)
        p_attrs = theirs["attrs"]
        assert len(a) == len(p_attrs)
        for mine, (pname, pval) in zip(a, p_attrs):
            if pname == "UNKNOWN":  # pyroute2 has no name for it: only the count is comparable
                continue
            assert names.get(mine.type) == pname
            if R.KIND.get(pname) == "u32":
                assert a.u32(mine.type) == pval
                compared += 1
    assert compared > 20


def test_link_attributes_beyond_the_headers_are_named_from_the_tables_or_kept_by_number():
    """rtnl_fill_ifinfo on a newer kernel than the headers: types the headers lack take the tables' name
    (codec.schema, from the kernel source), and types nobody names decode as IFLA_<n> raw bytes."""
    from netlink_probe.codec.spaces import all_names
    headers, names = R.space_names("IFLA_UNSPEC"), all_names("IFLA_UNSPEC")
    beyond = 0
    for m in data_messages("links"):
        a = m.attrs(L.IFINFOMSG.size)
        d = R.decode(m)["attrs"]
        for t in a.types():
            if t not in headers:
                beyond += 1
                if t in names:
                    assert names[t] in d
                else:
                    assert isinstance(d[f"IFLA_{t}"], (bytes, list))
        assert len(a) == sum(len(v) if isinstance(v, list) else 1 for v in d.values())
    assert beyond, "the captured 6.18 dump has attributes beyond the 6.1 headers"


# -- addresses, routes, neighbours -------------------------------------------------------
def test_address_dump_holds_the_configured_v4_and_v6_addresses():
    """inet_fill_ifaddr / inet6_fill_ifaddr: IFA_ADDRESS with ifa_prefixlen in the ifaddrmsg."""
    s = setup()
    got = set()
    for m in data_messages("addrs"):
        hdr = m.header(L.IFADDRMSG)
        got.add((R.ip(m.attrs(L.IFADDRMSG.size).get(C.IFA_ADDRESS)), hdr.ifa_prefixlen))
    assert (s["addr4"][1], s["addr4"][2]) in got
    assert (s["addr6"][1], s["addr6"][2]) in got


def routes(name: str) -> dict:
    out = {}
    for m in data_messages(name):
        hdr = m.header(L.RTMSG)
        a = m.attrs(L.RTMSG.size)
        dst = a.get(C.RTA_DST)
        key = (R.ip(dst) if dst is not None else None, hdr.rtm_dst_len, a.u32(C.RTA_TABLE))
        out[key] = (hdr, a)
    return out


def test_ipv4_route_dump_holds_the_gateway_and_link_routes():
    """fib_dump_info: RTA_DST/RTA_GATEWAY are address bytes, RTA_PRIORITY and RTA_TABLE u32s."""
    s = setup()
    table = routes("routes_v4")
    for dst, plen, gw, prio in s["route4"]:
        hdr, a = table[(dst, plen, C.RT_TABLE_MAIN)]
        assert (R.ip(a.get(C.RTA_GATEWAY)) if a.get(C.RTA_GATEWAY) is not None else None) == gw
        assert a.u32(C.RTA_PRIORITY) == prio
        assert hdr.rtm_table == C.RT_TABLE_MAIN


def test_multipath_route_lists_one_rtnexthop_per_gateway():
    """fib_add_multipath: RTA_MULTIPATH holds struct rtnexthop entries, each followed by its RTA_GATEWAY."""
    s = setup()
    dst, plen, gws = s["multipath4"]
    _, a = routes("routes_v4")[(dst, plen, C.RT_TABLE_MAIN)]
    hops = R.multipath(a)
    assert [R.ip(h["attrs"].get(C.RTA_GATEWAY)) for h in hops] == gws
    assert all(h["rtnh_len"] >= L.RTNEXTHOP.size for h in hops)
    assert a.get(C.RTA_GATEWAY) is None


def test_ipv6_route_dump_holds_the_gateway_route():
    """rt6_fill_node: a 16-byte RTA_DST and RTA_GATEWAY, RTA_PRIORITY the metric."""
    s = setup()
    table = routes("routes_v6")
    for dst, plen, gw, prio in s["route6"]:
        hdr, a = table[(str(ipaddress.IPv6Address(dst)), plen, C.RT_TABLE_MAIN)]
        assert R.ip(a.get(C.RTA_GATEWAY)) == gw
        assert a.u32(C.RTA_PRIORITY) == prio
        assert hdr.rtm_family == C.AF_INET6


def test_route_values_match_pyroute2():
    """fib_dump_info / rt6_fill_node: table, destination, gateway and output device read the same via pyroute2."""
    for name in ("routes_v4", "routes_v6"):
        for ours, theirs in zip(data_messages(name), pyroute2(name)):
            a = ours.attrs(L.RTMSG.size)
            assert a.u32(C.RTA_TABLE) == theirs.get_attr("RTA_TABLE")
            assert a.u32(C.RTA_OIF) == theirs.get_attr("RTA_OIF")
            for t, n in ((C.RTA_DST, "RTA_DST"), (C.RTA_GATEWAY, "RTA_GATEWAY"), (C.RTA_PREFSRC, "RTA_PREFSRC")):
                v = a.get(t)
                assert (R.ip(v) if v is not None else None) == theirs.get_attr(n)
            assert ours.header(L.RTMSG).rtm_dst_len == theirs["dst_len"]


def test_neighbour_dump_holds_the_permanent_entries():
    """neigh_fill_info: NDA_DST, NDA_LLADDR and ndm_state NUD_PERMANENT for entries added permanent."""
    s = setup()
    got = {}
    for m in data_messages("neigh"):
        a = m.attrs(L.NDMSG.size)
        got[R.ip(a.get(C.NDA_DST))] = (R.mac(a.get(C.NDA_LLADDR)), m.header(L.NDMSG).ndm_state)
    for _, ip, mac in s["neigh"]:
        assert got[str(ipaddress.ip_address(ip))] == (mac, C.NUD_PERMANENT)


def test_neighbour_table_dump_names_arp_and_ndisc_with_their_key_length():
    """neightbl_fill_info: NDTA_NAME is the table id; NDTA_CONFIG's ndtc_key_len is the address length."""
    tables = {}
    for m in data_messages("neightbl"):
        a = m.attrs(L.NDTMSG.size)
        if C.NDTA_CONFIG in a:
            cfg = L.NDT_CONFIG.unpack_dict(a.get(C.NDTA_CONFIG))
            tables[a.str(C.NDTA_NAME)] = cfg["ndtc_key_len"]
    assert tables == {"arp_cache": 4, "ndisc_cache": 16}


def test_neighbour_table_parms_are_nested_per_device():
    """neightbl_fill_parms: NDTA_PARMS nests NDTPA_*; NDTPA_IFINDEX only for per-device parms, times as u64 ms."""
    seen = []
    for m in data_messages("neightbl"):
        a = m.attrs(L.NDTMSG.size)
        parms = a.nested(C.NDTA_PARMS)
        if parms is None:
            continue
        seen.append(parms.u32(C.NDTPA_IFINDEX))
        assert parms.u64(C.NDTPA_REACHABLE_TIME) is not None
        assert parms.u32(C.NDTPA_QUEUE_LENBYTES) is not None  # a u32, unlike the other NDTPA_ quantities
        d = R.decode(m)["attrs"]["NDTA_PARMS"]
        assert d.get("NDTPA_IFINDEX") == parms.u32(C.NDTPA_IFINDEX)
        assert isinstance(d["NDTPA_QUEUE_LENBYTES"], int)
    assert None in seen and any(i for i in seen)


# -- errors and acks -----------------------------------------------------------------------
def test_ack_is_capped_and_echoes_only_the_request_header():
    """netlink_ack: error 0 gets NLM_F_CAPPED and only the request's nlmsghdr, with its seq and port."""
    (m,) = messages("ack")
    req = codec.parse(request("ack"))[0]
    info = codec.parse_error(m)
    assert (info.error, info.capped, info.echo_payload) == (0, True, None)
    assert info.echo_header == (req.length, req.type, req.flags, req.seq, req.pid)
    assert (m.seq, m.pid) == (req.seq, req.pid)
    assert codec.flags_names(m.type, m.flags) == ["CAPPED"]
    assert m.length == codec.HDRLEN + 4 + codec.HDRLEN


def test_wrong_size_mtu_error_points_at_the_attribute_with_a_policy():
    """validate_nla: a 2-byte IFLA_MTU fails NLA_U32 with ERANGE; OFFS is its offset, POLICY says u32."""
    (m,) = messages("err_mtu_size")
    req_bytes = request("err_mtu_size")
    req = codec.parse(req_bytes)[0]
    info = codec.parse_error(m)
    assert info.errno_name == "ERANGE"
    assert info.echo_payload == bytes(req.payload)
    assert info.extack.offset == req.attrs(L.IFINFOMSG.size).offset(C.IFLA_MTU)
    assert info.extack.policy[C.NL_POLICY_TYPE_ATTR_TYPE] == C.NL_ATTR_TYPE_U32.to_bytes(4, "little")
    assert codec.flags_names(m.type, m.flags) == ["ACK_TLVS"]
    (p,) = pyroute2("err_mtu_size")
    assert (-p["error"].code if hasattr(p["error"], "code") else p["error"]) == info.error
    assert p.get_attr("NLMSGERR_ATTR_MSG") == info.extack.msg
    assert p.get_attr("NLMSGERR_ATTR_OFFS") == info.extack.offset


def test_unknown_kind_error_echoes_the_whole_request_and_says_why():
    """rtnl_newlink: an unregistered kind is EOPNOTSUPP 'Unknown device type'; netlink_ack echoes the request."""
    (m,) = messages("err_unknown_kind")
    req = request("err_unknown_kind")
    info = codec.parse_error(m)
    assert (info.errno_name, info.capped, info.extack.msg) == ("EOPNOTSUPP", False, "Unknown device type")
    assert info.echo_header[0] == len(req) and info.echo_payload == req[codec.HDRLEN:]


def test_cap_ack_error_carries_only_the_header_and_still_the_extack():
    """netlink_ack with NETLINK_CAP_ACK: NLM_F_CAPPED, no echoed payload, the TLVs right after the header."""
    (m,) = messages("err_capped")
    (full,) = messages("err_unknown_kind")
    req = codec.parse(request("err_capped"))[0]
    info = codec.parse_error(m)
    assert entry("err_capped")["options"]["cap_ack"] is True
    assert (info.capped, info.echo_payload) == (True, None)
    assert info.echo_header == (req.length, req.type, req.flags, req.seq, req.pid)
    assert info.extack.msg == codec.parse_error(full).extack.msg
    assert codec.flags_names(m.type, m.flags) == ["CAPPED", "ACK_TLVS"]
    assert m.length == full.length - (req.length - codec.HDRLEN)


def test_missing_attribute_error_reports_its_type():
    """NL_SET_ERR_ATTR_MISS: the error carries NLMSGERR_ATTR_MISS_TYPE = NDA_DST (neigh_get without NDA_DST)."""
    (m,) = messages("err_miss_type")
    info = codec.parse_error(m)
    assert info.errno_name == "EINVAL"
    assert info.extack.miss_type == C.NDA_DST
    assert info.extack.miss_nest is None


def test_strict_dump_error_arrives_in_done_with_extack():
    """netlink_dump_done: a dumpit error is NLMSG_DONE's int, with NLM_F_ACK_TLVS and the extack message."""
    (m,) = messages("done_strict_err")
    info = codec.parse_done(m)
    assert info.errno_name == "EINVAL"
    assert codec.flags_names(m.type, m.flags) == ["MULTI", "ACK_TLVS"]
    (p,) = pyroute2("done_strict_err")
    assert p.get_attr("NLMSGERR_ATTR_MSG") == info.extack.msg
    assert info.extack.msg


def test_errno_and_extack_through_the_socket_layer():
    """netlink_ack replayed to Socket.request: KernelError with errno_name, extack msg and offset."""
    from netlink_probe import KernelError
    kernel = FakeKernel(replay(list(datagrams("err_mtu_size"))))
    with kernel.socket() as sock, pytest.raises(KernelError) as e:
        sock.request(C.RTM_NEWLINK, 0, codec.parse(request("err_mtu_size"))[0].payload.tobytes())
    info = codec.parse_error(messages("err_mtu_size")[0])
    assert (e.value.errno_name, e.value.extack_msg, e.value.extack_offset) == (
        "ERANGE", info.extack.msg, info.extack.offset)


# -- DUMP_INTR and notifications ------------------------------------------------------------
def test_dump_parts_after_a_concurrent_change_carry_dump_intr():
    """nl_dump_check_consistent: a part built after dev_base_seq moved is flagged NLM_F_DUMP_INTR."""
    flagged = [(i, m) for i, d in enumerate(datagrams("dump_intr")) for m in codec.parse(d)
               if m.flags & C.NLM_F_DUMP_INTR]
    assert flagged
    # the link was added after the second datagram had been read: earlier parts cannot carry the flag
    assert all(i >= 2 for i, _ in flagged)
    assert "DUMP_INTR" in codec.flags_names(flagged[0][1].type, flagged[0][1].flags)


def test_captured_interrupted_dump_raises_after_its_last_message():
    """nl_dump_check_consistent replayed to Socket.dump: DumpInterrupted carries every message of the dump."""
    kernel = FakeKernel(replay(list(datagrams("dump_intr"))))
    with kernel.socket() as sock:
        with pytest.raises(DumpInterrupted) as e:
            sock.dump(C.RTM_GETLINK, L.IFINFOMSG.pack()).all()
        flagged = sock.dump(C.RTM_GETLINK, L.IFINFOMSG.pack(), on_intr="flag")
        msgs = flagged.all()
    assert len(e.value.messages) == len(msgs) == len(data_messages("dump_intr"))
    assert flagged.interrupted


def test_link_notification_comes_from_the_link_group():
    """rtnl_notify: RTNLGRP_LINK datagrams arrive with source nl_groups = the group's bit and nl_pid 0."""
    (d,) = entry("notify_link")["datagrams"]
    assert (d["src_pid"], d["src_groups"]) == (0, 1 << (C.RTNLGRP_LINK - 1))
    (m,) = messages("notify_link")
    assert m.type == C.RTM_NEWLINK and not m.flags & C.NLM_F_MULTI
    assert R.decode(m)["attrs"]["IFLA_IFNAME"].startswith("np-")


def test_captured_notification_is_not_taken_for_a_reply():
    """netlink_broadcast datagrams (nl_groups != 0) are skipped by Socket.request and yielded by notifications()."""
    (d,) = entry("notify_link")["datagrams"]
    kernel = FakeKernel()
    with kernel.socket() as sock:
        def answer(req, k):
            k.deliver(blob("notify_link"), src_groups=d["src_groups"])
            return [k.ack(req)]
        kernel.handler = answer
        assert sock.request(C.RTM_NEWLINK, 0, L.IFINFOMSG.pack()) == []
        (n,) = list(sock.notifications(0))
    assert n.src_groups == d["src_groups"] and n.message.type == C.RTM_NEWLINK


@pytest.mark.parametrize("name", ["links", "addrs", "routes_v4", "routes_v6", "neigh", "neightbl", "dump_intr",
                                  "notify_link"])
def test_every_captured_rtnetlink_message_decodes_to_a_dict(name):
    """rtnl fill functions: codec.rtnl.decode turns every captured message into named header fields and attrs."""
    for m in data_messages(name):
        d = R.decode(m)
        obj, layout, space = R.family(m.type)
        assert d["object"] == obj and set(d["header"]) == set(layout.fields)
        assert d["attrs"]
