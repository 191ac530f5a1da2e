"""Acknowledgements and errors: what netlink_rcv_skb() and netlink_ack() send back, message by message.

netlink_rcv_skb (net/netlink/af_netlink.c) walks one datagram: it stops silently at a header shorter
than 16 bytes or longer than what is left, acks a message without NLM_F_REQUEST or of a control type
(< NLMSG_MIN_TYPE) without handing it to the family, calls the family for the rest, and sends
netlink_ack() when NLM_F_ACK is set or the family returned an error.  netlink_ack echoes the request
(all of it for an error unless NETLINK_CAP_ACK; only the header for a success, flagged NLM_F_CAPPED)
and appends extended-ack TLVs (NLM_F_ACK_TLVS) when NETLINK_EXT_ACK is on.
"""
from __future__ import annotations

import errno

import pytest
from support.raw_io import answers, header, msg, RawReader, summary

from netlink_probe import KernelError, Socket, codec, genl, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L

REQ, ACK = C.NLM_F_REQUEST, C.NLM_F_ACK
GETLINK_LO = L.IFINFOMSG.pack(ifi_index=1)
GETLINK_MISSING = L.IFINFOMSG.pack(ifi_index=0x7FFF0000)  # an ifindex no fresh namespace has


def mtu_of_lo(ns) -> int:
    with rtnl.Rtnl(ns) as r:
        return r.link(1)["attrs"]["IFLA_MTU"]


def set_mtu_payload(mtu: int) -> bytes:
    return L.IFINFOMSG.pack(ifi_index=1) + A.u32(C.IFLA_MTU, mtu)


@pytest.fixture
def sock(netns):
    """A raw NETLINK_ROUTE socket in the test's namespace (EXT_ACK off unless a test turns it on)."""
    with Socket(C.NETLINK_ROUTE, netns=netns, ext_ack=False) as s:
        yield s


def only_error(messages):
    errs = [m for m in messages if m.type == C.NLMSG_ERROR]
    assert len(errs) == 1, summary(messages)
    return errs[0], codec.parse_error(errs[0])


# -- ACKs ------------------------------------------------------------------------------------------
def test_ack_flag_adds_nlmsg_error_zero_after_the_reply(sock, observe):
    """netlink_rcv_skb -> netlink_ack(err=0): NLM_F_ACK gets an NLMSG_ERROR with error 0 after the doit reply."""
    got = answers(sock, msg(C.RTM_GETLINK, REQ | ACK, GETLINK_LO, 0x51, sock.port))
    observe("ack.success_error_code", codec.parse_error(got[-1]).error if got else "silent")
    assert summary(got) == [("RTM_NEWLINK", 0x51), ("ERROR", 0x51, "ok")]
    assert all(m.pid == sock.port for m in got)


def test_success_ack_echoes_only_the_request_header_flagged_capped(sock, observe):
    """netlink_ack: a success never carries the request's payload, CAP_ACK or not; NLM_F_CAPPED says so."""
    request = msg(C.RTM_NEWLINK, REQ | ACK, set_mtu_payload(9000), 0x52, sock.port)
    m, info = only_error(answers(sock, request))
    observe("ack.success_capped_without_cap_ack", bool(m.flags & C.NLM_F_CAPPED))
    observe("ack.success_length", m.length)
    assert info.error == 0
    assert m.flags & C.NLM_F_CAPPED
    assert m.length == 16 + 4 + 16  # nlmsghdr + error + the echoed nlmsghdr, nothing more
    assert info.echo_header == (len(request), C.RTM_NEWLINK, REQ | ACK, 0x52, sock.port)


def test_error_echoes_the_whole_request_without_cap_ack(sock, observe):
    """netlink_ack: an error appends the full request (header and payload) when NETLINK_CAP_ACK is off."""
    request = msg(C.RTM_GETLINK, REQ | ACK, GETLINK_MISSING, 0x53, sock.port)
    m, info = only_error(answers(sock, request))
    observe("ack.error_echo_without_cap_ack", "request" if info.echo_payload == GETLINK_MISSING else "header")
    assert (info.errno_name, info.capped) == ("ENODEV", False)
    assert info.echo_payload == GETLINK_MISSING
    assert m.length == 16 + 4 + len(request)


def test_cap_ack_trims_an_error_to_the_request_header(sock, observe):
    """netlink_ack: with NETLINK_CAP_ACK an error echoes only the request's nlmsghdr and sets NLM_F_CAPPED."""
    sock.set_option("cap_ack")
    request = msg(C.RTM_GETLINK, REQ | ACK, GETLINK_MISSING, 0x54, sock.port)
    m, info = only_error(answers(sock, request))
    observe("ack.error_length_with_cap_ack", m.length)
    assert (info.errno_name, info.capped, m.length) == ("ENODEV", True, 36)
    assert info.echo_header == (len(request), C.RTM_GETLINK, REQ | ACK, 0x54, sock.port)


def test_error_is_reported_even_without_the_ack_flag(sock, observe):
    """netlink_rcv_skb: 'if (nlh->nlmsg_flags & NLM_F_ACK || err) netlink_ack(...)' — errors always answer."""
    got = answers(sock, msg(C.RTM_GETLINK, REQ, GETLINK_MISSING, 0x55, sock.port))
    observe("ack.error_without_ack_flag", summary(got)[0][2] if got else "silent")
    assert summary(got) == [("ERROR", 0x55, "ENODEV")]


def test_successful_change_without_the_ack_flag_is_silent(netns, sock, observe):
    """netlink_rcv_skb: a doit that succeeds and sends nothing gets no ACK without NLM_F_ACK."""
    got = answers(sock, msg(C.RTM_NEWLINK, REQ, set_mtu_payload(7000), 0x56, sock.port))
    observe("ack.success_without_ack_flag", "silent" if not got else "answered")
    assert got == []
    assert mtu_of_lo(netns) == 7000  # it was done, just not acknowledged


# -- extended ack --------------------------------------------------------------------------------
def test_ext_ack_reports_message_offset_and_policy_of_a_short_u32(netns, observe):
    """validate_nla -> NL_SET_ERR_MSG_ATTR_POL; netlink_ack_tlv_fill: MSG, OFFS of the attribute, POLICY nest."""
    with Socket(netns=netns, ext_ack=True) as s:
        payload = L.IFINFOMSG.pack(ifi_index=1) + A.attr(C.IFLA_MTU, b"\x00\x10")  # IFLA_MTU is NLA_U32
        m, info = only_error(answers(s, msg(C.RTM_NEWLINK, REQ | ACK, payload, 0x57, s.port)))
    ext = info.extack
    observe("error.RTM_NEWLINK_u32_of_2_bytes_extack", [info.errno_name, ext.msg or "none"])
    observe("ack.ext_ack_policy_type", int.from_bytes((ext.policy or {}).get(C.NL_POLICY_TYPE_ATTR_TYPE, b"\xff"),
                                                      "little") if ext.policy else "none")
    assert m.flags & C.NLM_F_ACK_TLVS
    assert info.errno_name == "ERANGE"  # validate_nla: 'int err = -ERANGE' for a value below the type's size
    assert ext.msg == "Attribute failed policy validation"
    assert ext.offset == 16 + L.IFINFOMSG.size  # from the start of the request's nlmsghdr
    assert ext.policy is not None
    assert int.from_bytes(ext.policy[C.NL_POLICY_TYPE_ATTR_TYPE], "little") == C.NL_ATTR_TYPE_U32


def test_no_extack_tlvs_without_the_ext_ack_option(sock):
    """netlink_ack_tlv_len: 'if (!extack || !test_bit(NETLINK_F_EXT_ACK, ...)) return 0' — no NLM_F_ACK_TLVS."""
    payload = L.IFINFOMSG.pack(ifi_index=1) + A.attr(C.IFLA_MTU, b"\x00\x10")
    m, info = only_error(answers(sock, msg(C.RTM_NEWLINK, REQ | ACK, payload, 0x58, sock.port)))
    assert info.errno_name == "ERANGE"
    assert not m.flags & C.NLM_F_ACK_TLVS
    assert not info.extack
    assert m.length == 16 + 4 + 16 + len(payload)


def test_ext_ack_offset_points_into_the_echo_also_with_cap_ack(netns):
    """netlink_ack_tlv_fill: NLMSGERR_ATTR_OFFS is relative to the request header, echoed payload or not."""
    with Socket(netns=netns, ext_ack=True, cap_ack=True) as s:
        payload = L.IFINFOMSG.pack(ifi_index=1) + A.u32(C.IFLA_MTU, 1500) + A.attr(C.IFLA_TXQLEN, b"\x01")
        m, info = only_error(answers(s, msg(C.RTM_NEWLINK, REQ | ACK, payload, 0x59, s.port)))
    assert (info.errno_name, info.capped) == ("ERANGE", True)
    assert info.extack.offset == 16 + L.IFINFOMSG.size + 8  # the second attribute, after an 8-byte IFLA_MTU


@pytest.fixture
def netdev_family(netns):
    """The 'netdev' generic netlink family (v6.3+), whose ops use strict validation."""
    with Socket(C.NETLINK_GENERIC, netns=netns, ext_ack=True) as g:
        try:
            fid = genl.family("netdev", netns).id
        except KernelError as e:
            if e.errno != errno.ENOENT:
                raise
            pytest.skip("generic netlink family 'netdev' is not registered (CTRL_CMD_GETFAMILY -> ENOENT); "
                        "it appeared in v6.3")
        yield g, fid


def netdev_dev_get(g, fid, attrs: bytes, seq: int):
    NETDEV_CMD_DEV_GET = 1  # include/uapi/linux/netdev.h (newer than these headers)
    payload = L.GENLMSGHDR.pack(cmd=NETDEV_CMD_DEV_GET, version=1) + attrs
    return only_error(answers(g, msg(fid, REQ | ACK, payload, seq, g.port)))


def test_missing_required_attribute_is_named_by_miss_type(netdev_family, observe):
    """netdev_nl_dev_get_doit: GENL_REQ_ATTR_CHECK -> NL_SET_ERR_ATTR_MISS; netlink_ack puts NLMSGERR_ATTR_MISS_TYPE."""
    g, fid = netdev_family
    _, info = netdev_dev_get(g, fid, b"", 0x5A)
    NETDEV_A_DEV_IFINDEX = 1
    observe("ack.miss_type_reported", info.extack.miss_type is not None)
    assert info.errno_name == "EINVAL"
    assert info.extack.miss_type == NETDEV_A_DEV_IFINDEX
    assert info.extack.miss_nest is None  # a top-level attribute: no MISS_NEST


def test_strict_policy_rejects_an_unknown_attribute_with_its_offset(netdev_family, observe):
    """__nla_validate_parse with NL_VALIDATE_STRICT: an attribute above maxtype -> 'Unknown attribute type'."""
    g, fid = netdev_family
    attrs = A.u32(1, 1) + A.u32(0x77, 0)
    _, info = netdev_dev_get(g, fid, attrs, 0x5B)
    observe("error.genl_netdev_unknown_attribute", info.errno_name)
    assert (info.errno_name, info.extack.msg) == ("EINVAL", "Unknown attribute type")
    assert info.extack.offset == 16 + L.GENLMSGHDR.size + 8


def test_strict_policy_reports_range_bounds_in_the_policy_nest(netdev_family, observe):
    """validate_nla -> nla_validate_int_range: ifindex 0 is below the policy's min 1; POLICY carries MIN/MAX."""
    g, fid = netdev_family
    _, info = netdev_dev_get(g, fid, A.u32(1, 0), 0x5C)
    pol = info.extack.policy or {}
    observe("error.genl_netdev_ifindex_zero", info.errno_name)
    assert (info.errno_name, info.extack.msg) == ("ERANGE", "integer out of range")
    assert int.from_bytes(pol[C.NL_POLICY_TYPE_ATTR_MIN_VALUE_U], "little") == 1
    assert int.from_bytes(pol[C.NL_POLICY_TYPE_ATTR_TYPE], "little") == C.NL_ATTR_TYPE_U32


# -- several requests in one datagram ---------------------------------------------------------------
def test_batch_with_acks_answers_every_request_after_an_error(sock, observe):
    """netlink_rcv_skb loops over the whole datagram: an error in the middle does not stop the rest."""
    data = b"".join([msg(C.RTM_GETLINK, REQ | ACK, GETLINK_LO, 1, sock.port),
                     msg(C.RTM_GETLINK, REQ | ACK, GETLINK_MISSING, 2, sock.port),
                     msg(C.RTM_GETLINK, REQ | ACK, GETLINK_LO, 3, sock.port)])
    got = summary(answers(sock, data))
    observe("ack.batch_continues_after_error", got[-1] == ("ERROR", 3, "ok"))
    assert got == [("RTM_NEWLINK", 1), ("ERROR", 1, "ok"), ("ERROR", 2, "ENODEV"),
                   ("RTM_NEWLINK", 3), ("ERROR", 3, "ok")]


def test_batch_without_acks_answers_only_the_failing_request(netns, sock, observe):
    """netlink_rcv_skb: three changes in one datagram, the middle one bad: one NLMSG_ERROR, both others done."""
    bad = L.IFINFOMSG.pack(ifi_index=0x7FFF0000) + A.u32(C.IFLA_MTU, 1400)
    data = b"".join([msg(C.RTM_NEWLINK, REQ, set_mtu_payload(6000), 1, sock.port),
                     msg(C.RTM_NEWLINK, REQ, bad, 2, sock.port),
                     msg(C.RTM_NEWLINK, REQ, set_mtu_payload(6001), 3, sock.port)])
    got = summary(answers(sock, data))
    observe("ack.batch_without_ack_answers", len(got))
    assert got == [("ERROR", 2, "ENODEV")]
    assert mtu_of_lo(netns) == 6001


# -- malformed headers ----------------------------------------------------------------------------
def test_header_length_below_16_is_answered_with_silence(sock, observe):
    """netlink_rcv_skb: 'if (nlh->nlmsg_len < NLMSG_HDRLEN || skb->len < nlh->nlmsg_len) return 0'."""
    got = answers(sock, header(12, C.RTM_GETLINK, REQ | ACK, 0x60, sock.port) + b"\0" * 20)
    observe("ack.header_length_below_16", "silent" if not got else summary(got)[0][2])
    assert got == []


def test_requests_after_a_short_header_in_the_same_datagram_are_dropped(sock, observe):
    """netlink_rcv_skb returns at the bad header: a valid request behind it in the datagram is never seen."""
    data = (msg(C.RTM_GETLINK, REQ | ACK, GETLINK_LO, 0x61, sock.port)
            + header(12, C.RTM_GETLINK, REQ | ACK, 0x62, sock.port) + b"\0" * 4
            + msg(C.RTM_GETLINK, REQ | ACK, GETLINK_LO, 0x63, sock.port))
    got = summary(answers(sock, data))
    observe("ack.after_short_header", "dropped" if all(s[1] != 0x63 for s in got) else "answered")
    assert got == [("RTM_NEWLINK", 0x61), ("ERROR", 0x61, "ok")]


def test_length_past_the_end_of_the_datagram_is_answered_with_silence(sock, observe):
    """netlink_rcv_skb: nlmsg_len larger than the rest of the datagram ends processing without an answer."""
    data = (msg(C.RTM_GETLINK, REQ | ACK, GETLINK_LO, 0x64, sock.port)
            + header(400, C.RTM_GETLINK, REQ | ACK, 0x65, sock.port) + GETLINK_LO)
    got = summary(answers(sock, data))
    observe("ack.length_past_datagram", "silent" if all(s[1] != 0x65 for s in got) else "answered")
    assert got == [("RTM_NEWLINK", 0x64), ("ERROR", 0x64, "ok")]


def test_datagram_shorter_than_a_header_is_ignored(sock):
    """netlink_rcv_skb: 'while (skb->len >= nlmsg_total_size(0))' — 8 bytes never enter the loop."""
    assert answers(sock, b"\x08\0\0\0\x12\0\x05\0") == []


# -- what reaches the family ------------------------------------------------------------------------
def test_unknown_rtnetlink_message_type_is_eopnotsupp(sock, observe):
    """rtnetlink_rcv_msg: 'if (type > RTM_MAX) return -EOPNOTSUPP'."""
    got = answers(sock, msg(0x7FFF, REQ | ACK, b"\0" * 16, 0x66, sock.port))
    observe("error.rtnl_type_0x7fff", summary(got)[0][2] if got else "silent")
    assert summary(got) == [("ERROR", 0x66, "EOPNOTSUPP")]


def test_unregistered_type_inside_the_rtm_range_is_eopnotsupp(sock, observe):
    """rtnetlink_rcv_msg: no rtnl_link for (family, type) in either table -> -EOPNOTSUPP."""
    unused = C.RTM_GETADDR + 1  # 23: the fourth slot of the address block, no rtnl_register() for it
    got = answers(sock, msg(unused, REQ | ACK, L.RTGENMSG.pack(rtgen_family=C.AF_INET) + b"\0" * 3, 0x67,
                            sock.port))
    observe("error.rtnl_unregistered_type", summary(got)[0][2] if got else "silent")
    assert summary(got) == [("ERROR", 0x67, "EOPNOTSUPP")]


def test_message_without_request_flag_is_acked_but_not_executed(netns, sock, observe):
    """netlink_rcv_skb: '!(nlmsg_flags & NLM_F_REQUEST) -> goto ack' with err 0: ACK, and the family never runs."""
    before = mtu_of_lo(netns)
    got = answers(sock, msg(C.RTM_NEWLINK, ACK, set_mtu_payload(before - 1), 0x68, sock.port))
    observe("ack.no_request_flag", summary(got)[0][2] if got else "silent")
    assert summary(got) == [("ERROR", 0x68, "ok")]
    assert mtu_of_lo(netns) == before


def test_message_without_request_or_ack_flag_is_silent(netns, sock):
    """netlink_rcv_skb: without NLM_F_REQUEST the message is skipped; without NLM_F_ACK nothing is sent."""
    before = mtu_of_lo(netns)
    assert answers(sock, msg(C.RTM_NEWLINK, 0, set_mtu_payload(before - 1), 0x69, sock.port)) == []
    assert mtu_of_lo(netns) == before


@pytest.mark.parametrize("mtype", ["NLMSG_ERROR", "NLMSG_DONE", "NLMSG_OVERRUN"])
def test_control_message_types_are_acked_without_reaching_the_family(sock, mtype, observe):
    """netlink_rcv_skb: 'if (nlh->nlmsg_type < NLMSG_MIN_TYPE) goto ack' — err 0, whatever the payload."""
    got = answers(sock, msg(getattr(C, mtype), REQ | ACK, b"\xff" * 8, 0x6A, sock.port))
    observe(f"ack.control_type.{mtype}", summary(got)[0][2] if got else "silent")
    assert summary(got) == [("ERROR", 0x6A, "ok")]


def test_control_message_without_ack_flag_is_silent(sock):
    """netlink_rcv_skb: a control type is acked only on NLM_F_ACK (err is 0)."""
    assert answers(sock, msg(C.NLMSG_NOOP, REQ, b"", 0x6B, sock.port)) == []


def test_request_shorter_than_rtgenmsg_is_accepted_as_a_no_op(sock, observe):
    """rtnetlink_rcv_msg: 'if (nlmsg_len(nlh) < sizeof(struct rtgenmsg)) return 0' — even RTM_DELLINK is acked 0."""
    got = answers(sock, msg(C.RTM_DELLINK, REQ | ACK, b"", 0x6C, sock.port))
    observe("error.RTM_DELLINK_empty_payload", summary(got)[0][2] if got else "silent")
    assert summary(got) == [("ERROR", 0x6C, "ok")]


# -- strict checking of dump requests ---------------------------------------------------------------
def strict_dump(netns, strict: bool, mtype: int, payload: bytes):
    with Socket(netns=netns, strict=strict, ext_ack=True) as s:
        s.send(msg(mtype, REQ | C.NLM_F_DUMP, payload, 0x70, s.port))
        reader = RawReader(s.fd)
        out = []
        while True:
            r, msgs = reader.messages(2)
            out.extend(msgs)
            if msgs[-1].type in (C.NLMSG_DONE, C.NLMSG_ERROR):
                return out


STRICT_CASES = {
    # name: (message type, payload, extack text)  — texts from rtnl_valid_dump_ifinfo_req, rtnl_dump_ifinfo,
    # inet_valid_dump_ifaddr_req
    "RTM_GETLINK_dump_ifindex": (C.RTM_GETLINK, L.IFINFOMSG.pack(ifi_index=1),
                                 "Filter by device index not supported for link dumps"),
    "RTM_GETLINK_dump_flags": (C.RTM_GETLINK, L.IFINFOMSG.pack(ifi_flags=C.IFF_UP),
                               "Invalid values in header for link dump request"),
    "RTM_GETLINK_dump_attribute": (C.RTM_GETLINK, L.IFINFOMSG.pack() + A.u32(C.IFLA_MTU, 1500),
                                   "Unsupported attribute in link dump request"),
    "RTM_GETADDR_dump_prefixlen": (C.RTM_GETADDR, L.IFADDRMSG.pack(ifa_family=C.AF_INET, ifa_prefixlen=8),
                                   "ipv4: Invalid values in header for address dump request"),
}


@pytest.mark.parametrize("case", sorted(STRICT_CASES))
def test_strict_check_rejects_junk_in_a_dump_request_with_the_error_in_done(netns, case, observe):
    """netlink_dump -> netlink_dump_done: the dump callback's -EINVAL and extack text travel in NLMSG_DONE."""
    mtype, payload, text = STRICT_CASES[case]
    got = strict_dump(netns, True, mtype, payload)
    done = got[-1]
    info = codec.parse_done(done)
    observe(f"error.{case}_strict", info.errno_name if done.type == C.NLMSG_DONE else "NLMSG_ERROR")
    assert [m.type for m in got] == [C.NLMSG_DONE]
    assert done.flags & C.NLM_F_MULTI and done.flags & C.NLM_F_ACK_TLVS
    assert (info.errno_name, info.extack.msg) == ("EINVAL", text)
    assert info.extack.offset is None  # netlink_dump_done puts only NLMSGERR_ATTR_MSG


@pytest.mark.parametrize("case", sorted(STRICT_CASES))
def test_without_strict_check_the_same_dump_request_succeeds(netns, case, observe):
    """rtnl_valid_dump_ifinfo_req / inet_dump_ifaddr: without NETLINK_GET_STRICT_CHK the junk is ignored."""
    mtype, payload, _ = STRICT_CASES[case]
    got = strict_dump(netns, False, mtype, payload)
    info = codec.parse_done(got[-1])
    observe(f"error.{case}_lax", info.errno_name)
    assert got[-1].type == C.NLMSG_DONE and info.error == 0
    assert len(got) >= 2  # lo (its link, or 127.0.0.1) was listed


def test_strict_check_option_reads_back_as_set(netns):
    """netlink_getsockopt(NETLINK_GET_STRICT_CHK) reports the NETLINK_F_STRICT_CHK bit the setsockopt set."""
    with Socket(netns=netns) as s:
        before = s.get_option("strict")
        s.set_option("strict")
        assert (before, s.get_option("strict")) == (0, 1)

