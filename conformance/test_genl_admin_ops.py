"""Admin-only generic netlink operations from each privilege context: who gets EPERM.

genl_family_rcv_msg checks an op's flags before it parses anything: GENL_ADMIN_PERM asks
netlink_capable(CAP_NET_ADMIN) -- the capability in the initial user namespace -- and
GENL_UNS_ADMIN_PERM asks netlink_ns_capable(net->user_ns, CAP_NET_ADMIN) -- in the user namespace that
owns the socket's network namespace.  One request per (family, op) per context, built to be refused by
policy validation once the permission check passes (support.genl_contract.perm_requests), so it never
reaches a handler; an op without a policy gets a bare dump, which only reads.  Each context's requests
run in ONE forked child (cached per context); "nobody" contexts in a fresh namespace owned by the
initial user namespace, userns_root_own_netns in the namespace its own user namespace owns.
Recorded as ``genl.<family>.ops.<op>.perm.<context>``.
"""
from __future__ import annotations

import functools

import pytest
from support.genl_contract import PermRequest, contract, perm_child, perm_expected, perm_requests
from support.requirements import needs

from netlink_probe import NetlinkError, NetNS, privileges

CONTEXTS = ("nobody", "nobody+CAP_NET_ADMIN", "userns_root_own_netns")


def _requests() -> list[PermRequest]:
    try:
        return [r for f in contract() for r in perm_requests(f)]
    except (OSError, NetlinkError):  # no namespace to ask in (unprivileged collection): no cases
        return []


REQUESTS = _requests()


@functools.cache
def answers(context: str) -> dict[str, str]:
    """request id -> answer, every request of REQUESTS sent from one child in *context*."""
    wire = [(r.family_id, r.dump, r.payload) for r in REQUESTS]
    if privileges.context(context).userns:
        got = privileges.run_as(context, perm_child, wire, timeout=120.0)
    else:
        ns = NetNS.create()
        try:
            got = privileges.run_as(context, perm_child, wire, netns=ns, timeout=120.0)
        finally:
            ns.close()
    return {r.id: a for r, a in zip(REQUESTS, got)}


@pytest.mark.parametrize("context", [pytest.param(c, marks=needs("init_userns", f"context:{c}")) for c in CONTEXTS])
@pytest.mark.parametrize("request_", REQUESTS, ids=[r.id for r in REQUESTS])
def test_admin_op_permission_per_context(request_, context, observe):
    """genl_family_rcv_msg: GENL_ADMIN_PERM -> netlink_capable, GENL_UNS_ADMIN_PERM -> netlink_ns_capable."""
    try:
        got = answers(context)[request_.id]
    except privileges.PrivilegeUnavailable as e:
        pytest.skip(str(e))
    observe(f"genl.{request_.family}.ops.{request_.name}.perm.{context}", got)
    assert got == perm_expected(request_.op, context, request_.passed), \
        f"{request_.id} flags {request_.op.flag_names()} from {context}"
