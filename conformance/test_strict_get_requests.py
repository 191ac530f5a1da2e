"""NETLINK_GET_STRICT_CHK and extended acks for every GET rtnetlink serves, dumps and single-object gets.

One test per cell: request x variant (clean, a bad header field, an unknown attribute type, a known
attribute of the wrong length, a known attribute that is no filter of this request) x strict on/off.
Each cell is the kernel's answer as ``[where, errno, extack message, NLMSGERR_ATTR_OFFS (-1: none),
NLMSGERR_ATTR_MISS_TYPE (-1: none), NLMSGERR_ATTR_POLICY sent]`` — *where*: "done" when the error
travelled in NLMSG_DONE (netlink_dump_done), "error" in NLMSG_ERROR (netlink_ack).  Offsets count
from the request's nlmsghdr.  Recorded as ``strict.<request>.<variant>.<strict|lax>``.

What decides each answer (the kernel functions, per request):
* the dump validators — rtnl_valid_dump_ifinfo_req, inet_valid_dump_ifaddr_req, inet6_valid_dump_ifaddr_req,
  ip_valid_fib_dump_req, neigh_valid_dump_req, neightbl_valid_dump_info, fib_valid_dumprule_req,
  inet_netconf_dump_devconf, rtnl_mdb_valid_dump_req, rtnl_valid_dump_net_req, rtnl_valid_stats_req,
  ip6addrlbl_valid_dump_req — run only when the socket asked for NETLINK_GET_STRICT_CHK
  (cb->strict_check); they refuse nonzero header fields a dump cannot filter on ("Invalid values in
  header ...") and either parse the attributes strictly (nlmsg_parse_deprecated_strict: an unknown type
  -> "Unknown attribute type" with its offset, a short one -> validate_nla ERANGE with the policy nest)
  and refuse those that are no filter ("Unsupported attribute ..."), or refuse any data after the header.
* lax dumps parse with nlmsg_parse_deprecated (unknown types skipped, no length check) or not at all —
  but neigh_dump_table keeps the extack message of a failed lax parse: DONE says 0 *with* the text.
* nexthop dumps (nh_valid_dump_req) and stats requests (rtnl_valid_stats_req's nlmsg_parse for the
  attributes) validate whatever the socket asked: the same answer strict or lax.
* doit GETs (rtnl_valid_getlink_req, inet_rtm_valid_getroute_req, inet_netconf_get_devconf,
  rtnl_stats_get) check headers only when strict, but parse attributes with a policy either way, so a
  short attribute is refused (ERANGE, validate_nla) in both modes.
"""
from __future__ import annotations

import pytest
from support.expect import expect
from support.strict_matrix import REQUESTS, answer, cell_params

from netlink_probe import Socket, rtnl

# (request, variant) -> (answer with NETLINK_GET_STRICT_CHK, answer without); this kernel family's rules
EXPECTED: dict[tuple[str, str], tuple[list, list]] = {
    # getlink_dump
    ('getlink_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getlink_dump', 'bad_header'): (['done', 'EINVAL', 'Invalid values in header for link dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getlink_dump', 'unknown_attr'): (['done', 'EINVAL', 'Unknown attribute type', 32, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getlink_dump', 'wrong_length'): (['done', 'ERANGE', 'Attribute failed policy validation', 32, -1, True],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getlink_dump', 'unsupported_filter'): (['done', 'EINVAL', 'Unsupported attribute in link dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    # getlink_do
    ('getlink_do', 'clean'): (['error', 'ok', 'none', -1, -1, False],
        ['error', 'ok', 'none', -1, -1, False]),
    ('getlink_do', 'bad_header'): (['error', 'EINVAL', 'Invalid values in header for get link request', -1, -1, False],
        ['error', 'ok', 'none', -1, -1, False]),
    ('getlink_do', 'unknown_attr'): (['error', 'EINVAL', 'Unknown attribute type', 32, -1, False],
        ['error', 'ok', 'none', -1, -1, False]),
    ('getlink_do', 'wrong_length'): (['error', 'ERANGE', 'Attribute failed policy validation', 32, -1, True],
        ['error', 'ERANGE', 'Attribute failed policy validation', 32, -1, True]),
    ('getlink_do', 'unsupported_filter'): (['error', 'EINVAL', 'Unsupported attribute in get link request', -1, -1, False],
        ['error', 'ok', 'none', -1, -1, False]),
    # getaddr_dump
    ('getaddr_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getaddr_dump', 'bad_header'): (['done', 'EINVAL', 'ipv4: Invalid values in header for address dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getaddr_dump', 'unknown_attr'): (['done', 'EINVAL', 'Unknown attribute type', 24, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getaddr_dump', 'wrong_length'): (['done', 'ERANGE', 'Attribute failed policy validation', 24, -1, True],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getaddr_dump', 'unsupported_filter'): (['done', 'EINVAL', 'ipv4: Unsupported attribute in dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    # getmulticast_dump
    ('getmulticast_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getmulticast_dump', 'bad_header'): (['done', 'EINVAL', 'ipv6: Invalid values in header for address dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getmulticast_dump', 'unknown_attr'): (['done', 'EINVAL', 'Unknown attribute type', 24, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getmulticast_dump', 'wrong_length'): (['done', 'ERANGE', 'Attribute failed policy validation', 24, -1, True],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getmulticast_dump', 'unsupported_filter'): (['done', 'EINVAL', 'ipv6: Unsupported attribute in dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    # getanycast_dump
    ('getanycast_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getanycast_dump', 'bad_header'): (['done', 'EINVAL', 'ipv6: Invalid values in header for address dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getanycast_dump', 'unknown_attr'): (['done', 'EINVAL', 'Unknown attribute type', 24, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getanycast_dump', 'wrong_length'): (['done', 'ERANGE', 'Attribute failed policy validation', 24, -1, True],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getanycast_dump', 'unsupported_filter'): (['done', 'EINVAL', 'ipv6: Unsupported attribute in dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    # getroute_dump
    ('getroute_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getroute_dump', 'bad_header'): (['done', 'EINVAL', 'Invalid values in header for FIB dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getroute_dump', 'unknown_attr'): (['done', 'EINVAL', 'Unknown attribute type', 28, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getroute_dump', 'wrong_length'): (['done', 'ERANGE', 'Attribute failed policy validation', 28, -1, True],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getroute_dump', 'unsupported_filter'): (['done', 'EINVAL', 'Unsupported attribute in dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    # getroute_do
    ('getroute_do', 'clean'): (['error', 'ok', 'none', -1, -1, False],
        ['error', 'ok', 'none', -1, -1, False]),
    ('getroute_do', 'bad_header'): (['error', 'EINVAL', 'ipv4: Invalid values in header for route get request', -1, -1, False],
        ['error', 'ok', 'none', -1, -1, False]),
    ('getroute_do', 'unknown_attr'): (['error', 'EINVAL', 'Unknown attribute type', 36, -1, False],
        ['error', 'ok', 'none', -1, -1, False]),
    ('getroute_do', 'wrong_length'): (['error', 'ERANGE', 'Attribute failed policy validation', 36, -1, True],
        ['error', 'ERANGE', 'Attribute failed policy validation', 36, -1, True]),
    ('getroute_do', 'unsupported_filter'): (['error', 'EINVAL', 'ipv4: Unsupported attribute in route get request', -1, -1, False],
        ['error', 'ok', 'none', -1, -1, False]),
    # getneigh_dump
    ('getneigh_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getneigh_dump', 'bad_header'): (['done', 'EINVAL', 'Invalid values in header for neighbor dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getneigh_dump', 'unknown_attr'): (['done', 'EINVAL', 'Unknown attribute type', 28, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getneigh_dump', 'wrong_length'): (['done', 'ERANGE', 'Attribute failed policy validation', 28, -1, True],
        ['done', 'ok', 'Attribute failed policy validation', -1, -1, False]),
    ('getneigh_dump', 'unsupported_filter'): (['done', 'EINVAL', 'Unsupported attribute in neighbor dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    # getneightbl_dump
    ('getneightbl_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getneightbl_dump', 'bad_header'): (['done', 'EINVAL', 'Invalid values in header for neighbor table dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getneightbl_dump', 'unknown_attr'): (['done', 'EINVAL', 'Invalid data after header in neighbor table dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getneightbl_dump', 'unsupported_filter'): (['done', 'EINVAL', 'Invalid data after header in neighbor table dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    # getrule_dump
    ('getrule_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getrule_dump', 'bad_header'): (['done', 'EINVAL', 'Invalid values in header for fib rule dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getrule_dump', 'unknown_attr'): (['done', 'EINVAL', 'Invalid data after header in fib rule dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getrule_dump', 'unsupported_filter'): (['done', 'EINVAL', 'Invalid data after header in fib rule dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    # getnexthop_dump
    ('getnexthop_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getnexthop_dump', 'bad_header'): (['done', 'EINVAL', 'Invalid values in header for nexthop dump request', -1, -1, False],
        ['done', 'EINVAL', 'Invalid values in header for nexthop dump request', -1, -1, False]),
    ('getnexthop_dump', 'unknown_attr'): (['done', 'EINVAL', 'Unknown attribute type', 24, -1, False],
        ['done', 'EINVAL', 'Unknown attribute type', 24, -1, False]),
    ('getnexthop_dump', 'wrong_length'): (['done', 'EINVAL', 'invalid attribute length', 24, -1, True],
        ['done', 'EINVAL', 'invalid attribute length', 24, -1, True]),
    ('getnexthop_dump', 'unsupported_filter'): (['done', 'EINVAL', 'Unsupported attribute', 24, -1, False],
        ['done', 'EINVAL', 'Unsupported attribute', 24, -1, False]),
    # getnetconf_dump
    ('getnetconf_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getnetconf_dump', 'unknown_attr'): (['done', 'EINVAL', 'ipv4: Invalid data after header in netconf dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    # getnetconf_do
    ('getnetconf_do', 'clean'): (['error', 'ok', 'none', -1, -1, False],
        ['error', 'ok', 'none', -1, -1, False]),
    ('getnetconf_do', 'unknown_attr'): (['error', 'EINVAL', 'Unknown attribute type', 28, -1, False],
        ['error', 'ok', 'none', -1, -1, False]),
    ('getnetconf_do', 'wrong_length'): (['error', 'ERANGE', 'Attribute failed policy validation', 28, -1, False],
        ['error', 'ERANGE', 'Attribute failed policy validation', 28, -1, False]),
    # getmdb_dump
    ('getmdb_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getmdb_dump', 'bad_header'): (['done', 'EINVAL', 'Filtering by device index is not supported for mdb dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getmdb_dump', 'unknown_attr'): (['done', 'EINVAL', 'Invalid data after header in mdb dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    # getnsid_dump
    ('getnsid_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getnsid_dump', 'unknown_attr'): (['done', 'EINVAL', 'Unknown attribute type', 20, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getnsid_dump', 'wrong_length'): (['done', 'ERANGE', 'Attribute failed policy validation', 20, -1, True],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getnsid_dump', 'unsupported_filter'): (['done', 'EINVAL', 'Unsupported attribute in dump request', 20, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    # getstats_dump
    ('getstats_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getstats_dump', 'bad_header'): (['done', 'EINVAL', 'Invalid values in header for stats dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getstats_dump', 'unknown_attr'): (['done', 'EINVAL', 'Unknown attribute type', 28, -1, False],
        ['done', 'EINVAL', 'Unknown attribute type', 28, -1, False]),
    # getstats_do
    ('getstats_do', 'clean'): (['error', 'ok', 'none', -1, -1, False],
        ['error', 'ok', 'none', -1, -1, False]),
    ('getstats_do', 'bad_header'): (['error', 'EINVAL', 'Invalid values in header for stats dump request', -1, -1, False],
        ['error', 'ok', 'none', -1, -1, False]),
    ('getstats_do', 'unknown_attr'): (['error', 'EINVAL', 'Unknown attribute type', 28, -1, False],
        ['error', 'EINVAL', 'Unknown attribute type', 28, -1, False]),
    # getaddrlabel_dump
    ('getaddrlabel_dump', 'clean'): (['done', 'ok', 'none', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getaddrlabel_dump', 'bad_header'): (['done', 'EINVAL', 'ipv6: Invalid values in header for address label dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getaddrlabel_dump', 'unknown_attr'): (['done', 'EINVAL', 'ipv6: Invalid data after header for address label dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
    ('getaddrlabel_dump', 'unsupported_filter'): (['done', 'EINVAL', 'ipv6: Invalid data after header for address label dump request', -1, -1, False],
        ['done', 'ok', 'none', -1, -1, False]),
}


def older_answers(request_name: str, variant: str, strict: bool, value: list) -> list[tuple[str, str, list]]:
    """How kernels before each change answer this cell: [(since, why, answer before it)], newest change first.

    Each rule rewrites the answer of the kernels after it; checked against all 150 cells on 6.1, sampled on
    5.10, 6.12 and 7.2."""
    rules: list[tuple[str, str, list]] = []
    cur = value
    if request_name == "getlink_dump" and variant == "wrong_length" and not strict:
        # rtnl_dumpit with RTNL_FLAG_DUMP_SPLIT_NLM_DONE does not call rtnl_dump_ifinfo again for the pass
        # that writes DONE; before, the dumpit ran once more there and its lax parse set the message again
        cur = cur[:2] + ["Attribute failed policy validation"] + cur[3:]
        rules.append(("6.10", "rtnl_dumpit: RTNL_FLAG_DUMP_SPLIT_NLM_DONE", cur))
    if cur[0] == "done" and (cur[3] != -1 or cur[5]):
        # 8af4f60472fc "netlink: support all extack types in dumps": before, netlink_dump_done put
        # NLMSGERR_ATTR_MSG only, without the offset and the policy
        cur = cur[:3] + [-1, -1, False]
        rules.append(("6.10", "netlink_dump_done: netlink_ack_tlv_fill", cur))
    if request_name == "getmdb_dump" and cur[2].startswith("Filtering by device index"):
        # the MDB handlers moved from net/bridge/br_mdb.c (br_mdb_valid_dump_req, NL_SET_ERR_MSG_MOD) to
        # net/core/rtnetlink.c (rtnl_mdb_valid_dump_req, NL_SET_ERR_MSG: no module prefix)
        cur = cur[:2] + ["bridge: " + cur[2]] + cur[3:]
        rules.append(("6.4", "rtnl_mdb_valid_dump_req", cur))
    return rules


def observed_of(where: str, info) -> list:
    x = info.extack
    return [where, info.errno_name, x.msg or "none", -1 if x.offset is None else x.offset,
            -1 if x.miss_type is None else x.miss_type, x.policy is not None]


# --sample-exhaustive (guests, ~7 s a cell under TCG): one request type per (variant, mode), e.g.
# 'getlink_dump-unknown_attr-strict' stands for every '*-unknown_attr-strict' cell
@pytest.mark.exhaustive(group=lambda case_id: case_id.split("-", 1)[-1])
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lax"])
@pytest.mark.parametrize("request_name,variant", cell_params())
def test_get_request_answers_per_strict_checking(netns, rt, request_name, variant, strict, observe):
    """rtnetlink_rcv_msg -> the GET's validator (module docstring): errno, extack text, offset, policy."""
    req = REQUESTS[request_name]
    if request_name == "getmdb_dump":
        rt.do(rtnl.new_link("sbr0", "bridge"))  # an MDB dump walks bridges
    with Socket(netns=netns, strict=strict, ext_ack=True) as s:
        where, info, _ = answer(s, req, req.payload(variant) or b"")
    observed = observed_of(where, info)
    key = f"strict.{request_name}.{variant}.{'strict' if strict else 'lax'}"
    observe(key, observed)
    if (request_name, variant) not in EXPECTED:
        pytest.fail(f"{key}: no expectation stated for {observed!r}")
    value = EXPECTED[(request_name, variant)][0 if strict else 1]
    e = expect(observed, key)
    for since, why, older in older_answers(request_name, variant, strict, value):
        e = e.since(since, value, why=why)
        value = older
    e.before(value, why="the validator named in the module docstring")
