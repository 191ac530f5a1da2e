"""CREATE / EXCL / REPLACE / APPEND on a "new" request, per object, against an existing and a missing object.

One test per cell (object x flag set x state).  Each handler reads the flags its own way; the rule of
each is `expected` below, from the kernel source:

* link      — __rtnl_newlink (net/core/rtnetlink.c): an existing device: EXCL -> EEXIST, REPLACE ->
              EOPNOTSUPP, else a change (do_setlink); none: without CREATE -> ENODEV, else created.
* address   — inet_rtm_newaddr (net/ipv4/devinet.c): no matching ifa -> inserted whatever the flags
              ("userspace already relies on not having to provide" CREATE); a match: EXCL or no
              REPLACE -> EEXIST "ipv4: Address already assigned", else the metric/proto are replaced.
* route     — fib_table_insert (net/ipv4/fib_trie.c): the same alias: EXCL -> EEXIST, REPLACE ->
              replaced, an exact match (APPEND too) -> EEXIST; none: without CREATE -> ENOENT.
* neighbour — neigh_add (net/core/neighbour.c): none: without CREATE -> ENOENT; one: EXCL -> EEXIST,
              else updated (override only with REPLACE).
* rule      — fib_nl_newrule (net/core/fib_rules.c): EXCL and rule_exists() -> EEXIST; else added
              (a duplicate is a second rule).
* nexthop   — insert_nexthop (net/ipv4/nexthop.c): an id in use: REPLACE -> replaced, else EEXIST;
              a free id with REPLACE and no CREATE -> ENOENT with its extack message, else inserted.
* neightbl  — neightbl_set (net/core/neighbour.c): never creates; the flags are not read; an unknown
              NDTA_NAME -> ENOENT.
Recorded as ``flags.<object>.<flag set>.<existing|missing>`` = [errno or "ok", extack message or "none"].
"""
from __future__ import annotations

import pytest
from support.expect import expect
from support.flags_matrix import ACK, FLAG_SETS, OBJECTS, exchange, flag_set_params, object_params, scene

from netlink_probe import Socket

CREATE, EXCL, REPLACE, APPEND = "create", "excl", "replace", "append"
ADDR_EXISTS = "ipv4: Address already assigned"
NH_NO_ENTRY = "Replace specified without create and no entry exists"


def _has(flag_set: str, word: str) -> bool:
    return word in flag_set.split("_")


def expected(obj: str, flag_set: str, existing: bool) -> tuple[str, str]:
    """The kernel's answer (errno or 'ok', extack message or 'none'), per handler (module docstring)."""
    create, excl, replace = _has(flag_set, CREATE), _has(flag_set, EXCL), _has(flag_set, REPLACE)
    if obj == "link":  # __rtnl_newlink
        if existing:
            return ("EEXIST" if excl else "EOPNOTSUPP" if replace else "ok"), "none"
        return ("ok" if create else "ENODEV"), "none"
    if obj == "address":  # inet_rtm_newaddr
        if existing and (excl or not replace):
            return "EEXIST", ADDR_EXISTS
        return "ok", "none"
    if obj == "route":  # fib_table_insert
        if existing:
            return ("ok" if replace and not excl else "EEXIST"), "none"
        return ("ok" if create else "ENOENT"), "none"
    if obj == "neighbour":  # neigh_add
        if existing:
            return ("EEXIST" if excl else "ok"), "none"
        return ("ok" if create else "ENOENT"), "none"
    if obj == "rule":  # fib_nl_newrule
        return ("EEXIST" if existing and excl else "ok"), "none"
    if obj == "nexthop":  # insert_nexthop
        if existing:
            return ("ok" if replace else "EEXIST"), "none"
        return ("ENOENT", NH_NO_ENTRY) if replace and not create else ("ok", "none")
    if obj == "neightbl":  # neightbl_set
        return ("ok" if existing else "ENOENT"), "none"
    raise KeyError(obj)


def version_aware(observed: list[str], obj: str, flag_set: str, existing: bool, key: str) -> None:
    errno_name, message = expected(obj, flag_set, existing)
    if message == ADDR_EXISTS:
        expect(observed, key).since(
            "6.3", [errno_name, message],
            why="inet_rtm_newaddr: NL_SET_ERR_MSG 'ipv4: Address already assigned'",
        ).before([errno_name, "none"])
        return
    expect(observed, key).before([errno_name, message], why="the handler's flag rule (module docstring)")


@pytest.mark.parametrize("state", ["existing", "missing"])
@pytest.mark.parametrize("flag_set", flag_set_params())
@pytest.mark.parametrize("obj", object_params())
def test_new_request_flags_against_existing_or_missing_object(netns, rt, obj, flag_set, state, observe):
    """__rtnl_newlink / inet_rtm_newaddr / fib_table_insert / neigh_add / fib_nl_newrule / insert_nexthop /
    neightbl_set: what a new request with these NLM_F_* flags answers (module docstring)."""
    kind, ifindex = OBJECTS[obj], scene(rt)
    existing = state == "existing"
    with Socket(netns=netns) as s:
        if existing and obj != "neightbl":
            first = exchange(s, kind.new_type, ACK | FLAG_SETS["create_excl"], kind.payload(ifindex), seq=1)
            assert first.outcome == "ok", f"creating the {obj}: {first.outcome}"
        payload = kind.payload(ifindex, missing_variant=not existing)
        answer = exchange(s, kind.new_type, ACK | FLAG_SETS[flag_set], payload, seq=2)
    info = answer.error
    observed = [answer.outcome, (info.extack.msg if info and info.extack.msg else "none")]
    key = f"flags.{obj}.{flag_set}.{state}"
    observe(key, observed)
    version_aware(observed, obj, flag_set, existing, key)
