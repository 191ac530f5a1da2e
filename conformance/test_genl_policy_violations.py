"""Generic netlink attribute policies, broken on purpose: what the kernel answers each violation.

Driven by what the controller publishes (support.genl_contract): for every operation half (do, dump)
with a policy, one attribute per published attribute type gets each bad value its policy rules out
(wrong length, out of range, a bit outside the mask, a string without NUL, a nest without NLA_F_NESTED,
a violation inside a nest), plus an unknown attribute type, the type just above the highest published
one, and type 0.  genl_family_rcv_msg_doit / genl_start parse the attributes
(genl_family_rcv_msg_attrs_parse) before any pre_doit or handler, so a refused request changes nothing;
a kind liberal validation would let through is followed by a guard attribute every mode refuses.
Sent from root, in a fresh namespace (never the host's), NETLINK_EXT_ACK on.

Each answer is ``[errno, extack text / "none", NLMSGERR_ATTR_OFFS / -1, NLMSGERR_ATTR_POLICY's type /
"none"]`` (offsets count from the request's nlmsghdr), recorded as
``genl.<family>.ops.<op>.<do|dump>.violation.<attr path>.<kind>`` and asserted against
`genl_contract.refusal`, the rule of lib/nlattr.c.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.genl_contract import Violation, contract, expected, observe_refusal, violations

from netlink_probe import NetlinkError, NetNS, Socket
from netlink_probe import constants as C


def _cases() -> list[Violation]:
    try:
        fams = contract()
    except (OSError, NetlinkError):  # no namespace to ask in (unprivileged collection): no cases
        return []
    return [v for f in fams for h in f.halves for v in violations(h)]


CASES = _cases()
# --sample-exhaustive keeps one case per family and violation kind ('ethtool.rings-set.do.attr18.short')
pytestmark = pytest.mark.exhaustive(group=lambda case_id: f"{case_id.split('.')[0]}.{case_id.rsplit('.', 1)[-1]}")


@pytest.fixture(scope="module")
def genl_sock() -> Iterator[Socket]:
    """One NETLINK_GENERIC socket in one fresh namespace for the module: refused requests change nothing."""
    ns = NetNS.create()
    try:
        with Socket(C.NETLINK_GENERIC, netns=ns, ext_ack=True) as s:
            yield s
    finally:
        ns.close()


@pytest.mark.parametrize("violation", CASES, ids=[v.id for v in CASES])
def test_policy_violation_is_refused_with_the_offending_attribute(genl_sock, violation, observe):
    """__nla_validate_parse / validate_nla (lib/nlattr.c), reached from genl_family_rcv_msg_attrs_parse."""
    h = violation.half
    observed = observe_refusal(genl_sock, h, violation.attrs)
    observe(f"genl.{h.family}.ops.{h.name}.{h.kind}.violation.{violation.path}.{violation.kind}", observed)
    assert observed == expected(violation), \
        f"{violation.id} ({'liberal: ' + h.liberal if h.liberal else 'strict'} validation)"
