"""The permission matrix: NL_CFG_F_NONROOT_RECV / NL_CFG_F_NONROOT_SEND (netlink_allowed), the family
bind callbacks, NETLINK_LISTEN_ALL_NSID and rtnetlink's own capability check, per privilege context.

Each context's whole matrix (every protocol that opens x every operation) is computed in ONE forked
child (support.permission_matrix, cached per process); the parametrized tests assert one row
each against support.kernel_rules.predict(), which derives every cell from the protocol's netlink_kernel_cfg
flags plus named extra rules (each with its kernel source in its docstring).

"init_netns" contexts run in a fresh netns owned by the initial user namespace, never in the host
namespace: for netlink_allowed / netlink_ns_capable / the bind callbacks that is the same thing, since
they ask about net->user_ns (the initial user namespace either way) or about the initial user namespace
itself (capable()); none looks at which netns it is.  So the predictions hold for a process in the initial
user namespace only (``needs("init_userns")``); a context this process cannot take is skipped, named.
"""
from __future__ import annotations

import os

import pytest
from support.permission_doc import DOC_PATH, doc_release
from support.perm_keys import perm_observations
from support.permission_matrix import expected_row
from support.probes import genl_groups, open_protocols
from support.kernel_rules import kernel_cfgs
from support.permission_matrix import permission_matrix as _permission_matrix
from support.probes import protocol_key, protocol_name
from support.permission_doc import render_doc
from support.requirements import needs

from netlink_probe import constants as C
from netlink_probe import privileges

CONTEXTS = privileges.CONTEXTS
# genl_bind's rule reads the families from a dump of the starting netns: all of them only in init_net
ROW_NEEDS = {C.NETLINK_GENERIC: ("init_userns", "init_netns")}


def _row_id(row) -> str:
    ctx, p = row
    return f"{ctx}-{protocol_name(p)}"


ROWS = [pytest.param((ctx, p), id=_row_id((ctx, p)), marks=needs(*ROW_NEEDS.get(p, ("init_userns",))))
        for ctx in CONTEXTS for p in open_protocols()]


def permission_matrix(context: str) -> dict:
    """The cached matrix of *context*; skips, naming what is missing, when this process cannot take the
    context (PrivilegeUnavailable) or the child cannot create its user namespace (the errno)."""
    try:
        return _permission_matrix(context)
    except privileges.PrivilegeUnavailable as e:
        pytest.skip(str(e))
    except OSError as e:
        if privileges.context(context).userns:
            pytest.skip(f"context {context} needs an unprivileged user namespace: the child's "
                        f"unshare(CLONE_NEWUSER)/uid_map failed with {e}")
        raise


@pytest.mark.parametrize("context", CONTEXTS)
def test_matrix_child_ran_with_exactly_the_claimed_privileges(context):
    """commit_creds/capset (and create_user_ns for the userns contexts): the child that computed the matrix
    had exactly the CapEff and uid its context names, and was not in the host netns."""
    m = permission_matrix(context)
    ctx = privileges.context(context)
    want_uid = 0 if (ctx.uid is None or ctx.userns) else ctx.uid
    assert (hex(m["capeff"]), m["uid"], m["netns_is_host"]) == \
        (hex(ctx.expected_capeff(privileges.bounding_set())), want_uid, False)


@pytest.mark.parametrize("row", ROWS)
def test_permission_row_matches_the_protocols_flags_and_rules(row, observe):
    """netlink_allowed (NL_CFG_F_NONROOT_RECV/SEND or CAP_NET_ADMIN over the netns), the family bind
    callback (rtnetlink_bind, audit_multicast_bind, genl_bind, cn_bind), netlink_setsockopt
    (LISTEN_ALL_NSID: CAP_NET_BROADCAST) and rtnetlink_rcv_msg decide every cell of the row."""
    context, protocol = row
    cfg = kernel_cfgs().get(protocol)
    if cfg is None:
        pytest.fail(f"{protocol_name(protocol)} opens but has no netlink_kernel_cfg row in support/kernel_rules.py")
    cells, _ = permission_matrix(context)["rows"][protocol]
    groups = genl_groups() if protocol == C.NETLINK_GENERIC else {}
    for key, value in perm_observations(context, protocol, protocol_key(protocol), cells, groups):
        observe(key, value)
    expected = expected_row(context, protocol)
    wrong = [f"  {op}: kernel {cells.get(op, 'missing')}, rules predict {want} ({why})"
             for op, (want, why) in expected.items() if cells.get(op) != want]
    extra = sorted(set(cells) - set(expected))
    assert not wrong and not extra, (
        f"{context} on {protocol_name(protocol)} ({cfg.source}):\n" + "\n".join(wrong)
        + (f"\n  cells without a rule: {extra}" if extra else ""))


@pytest.mark.parametrize("context", CONTEXTS)
def test_datagram_to_a_user_port_arrives_whenever_sendto_succeeds(context):
    """netlink_sendmsg -> netlink_unicast -> netlink_attachskb: a successful sendto() to a bound user port
    queues the datagram on that socket (it is readable at once), for every protocol."""
    rows = permission_matrix(context)["rows"]
    sent = {protocol_name(p): extra["send_port_delivered"] for p, (cells, extra) in rows.items()
            if cells.get("send_port") == "ok"}
    assert sent == {name: True for name in sent}


@needs("init_userns")
def test_connector_opens_odd_groups_to_everyone_and_even_groups_to_cap_net_admin():
    """KERNEL QUIRK, cn_bind (drivers/connector/connector.c, v6.6+): meant to open only CN_IDX_PROC
    (group 1) to unprivileged users, it tests bit 0 of the group NUMBER (`test_bit(CN_IDX_PROC - 1,
    &groups)` with groups = group), so nobody may join 1, 3, 5, ... but not 2, 4, 6, ...."""
    if C.NETLINK_CONNECTOR not in open_protocols():
        pytest.skip("NETLINK_CONNECTOR does not open on this kernel (socket() -> EPROTONOSUPPORT)")
    if kernel_cfgs()[C.NETLINK_CONNECTOR].bind_rule is None:
        pytest.skip("no cn_bind in /proc/kallsyms: this kernel predates the v6.6 connector bind callback "
                    "(connector groups need CAP_NET_ADMIN, covered by the matrix rows)")
    cells, _ = permission_matrix("nobody")["rows"][C.NETLINK_CONNECTOR]
    assert {g: cells[f"bind.{g}"] for g in range(1, 33)} == \
        {g: ("ok" if g % 2 else "EPERM") for g in range(1, 33)}


def test_listen_all_nsid_needs_cap_net_broadcast_not_cap_net_admin():
    """netlink_setsockopt(NETLINK_LISTEN_ALL_NSID): ns_capable(net->user_ns, CAP_NET_BROADCAST) — the one
    socket option CAP_NET_ADMIN does not unlock, on every protocol alike."""
    admin = permission_matrix("nobody+CAP_NET_ADMIN")["rows"]
    root = permission_matrix("root")["rows"]
    assert {protocol_name(p): (root[p][0]["listen_all_nsid"], admin[p][0]["listen_all_nsid"]) for p in root} == \
        {protocol_name(p): ("ok", "EPERM") for p in root}


@needs("init_userns", "init_netns")  # the doc lists genl_groups(), every family only from init_net
def test_committed_permission_matrix_doc_matches_this_kernel():
    """docs/permission-matrix.md is generated from the whole matrix (every context, computed here, not from
    other tests' results). NLP_WRITE_DOCS=1 rewrites it; otherwise, on the kernel release it was generated
    on, what this kernel answers now must render to exactly the committed file."""
    release = os.uname().release
    text = render_doc({ctx: permission_matrix(ctx) for ctx in CONTEXTS}, release)
    header = next(line for line in text.splitlines() if line.startswith("| protocol |"))
    assert header.split(" | ")[2:] == [*CONTEXTS[:-1], CONTEXTS[-1] + " |"]
    assert {protocol_name(p) for p in open_protocols()} <= {
        line.split(" | ")[0][2:] for line in text.splitlines() if line.startswith("| NETLINK_")}
    if os.environ.get("NLP_WRITE_DOCS") == "1":
        with open(DOC_PATH, "w") as f:
            f.write(text)
        return
    if not os.path.exists(DOC_PATH):
        pytest.skip(f"{DOC_PATH} does not exist: generate it with NLP_WRITE_DOCS=1")
    with open(DOC_PATH) as f:
        committed = f.read()
    if doc_release(committed) != release:
        pytest.skip(f"docs/permission-matrix.md was generated on kernel {doc_release(committed)}, this is "
                    f"{release}: not comparable (NLP_WRITE_DOCS=1 regenerates it)")
    assert committed == text, "this kernel's permission matrix differs from docs/permission-matrix.md"


@needs("init_userns", "init_netns")  # genl_groups(): ctrl_dumpfamily lists every family only in init_net
def test_generic_netlink_admin_groups_refuse_unprivileged_members():
    """genl_bind: the groups this kernel's families flag GENL_MCAST_CAP_NET_ADMIN/SYS_ADMIN (listed in
    support.kernel_rules.GENL_ADMIN_GROUPS from the source) refuse nobody and accept CAP_NET_ADMIN; all other
    generic netlink groups accept nobody (NL_CFG_F_NONROOT_RECV)."""
    from support.kernel_rules import GENL_ADMIN_GROUPS
    groups = genl_groups()
    flagged = {g: owner for g, owner in groups.items() if owner in GENL_ADMIN_GROUPS}
    if not flagged:
        pytest.skip("no generic netlink family with an admin-only multicast group is registered "
                    f"(groups: {sorted(groups.values())})")
    nobody = permission_matrix("nobody")["rows"][C.NETLINK_GENERIC][0]
    got = {f"{g} {fam}/{name}": nobody[f"add_membership.{g}"] for g, (fam, name) in groups.items()}
    admin = permission_matrix("nobody+CAP_NET_ADMIN")["rows"][C.NETLINK_GENERIC][0]
    got = {label: (v, admin[f"add_membership.{label.split()[0]}"]) for label, v in got.items()}
    want = {f"{g} {fam}/{name}": ("EPERM" if g in flagged else "ok",
                                  "EPERM" if GENL_ADMIN_GROUPS.get((fam, name)) == "CAP_SYS_ADMIN" else "ok")
            for g, (fam, name) in groups.items()}
    assert got == want


def test_group_send_on_usersock_is_delivered_although_sendto_reports_econnrefused():
    """netlink_sendmsg: a datagram to a group is netlink_broadcast() to the members, then netlink_unicast()
    to nl_pid (0): NETLINK_USERSOCK has no kernel socket, so sendto() fails with ECONNREFUSED after the
    members already got the datagram."""
    from support.outcome import outcome
    from support.permission_matrix import NOOP_REQUEST

    from netlink_probe import NetNS
    from netlink_probe.sys import calls

    def send_and_listen():
        member = calls.socket(C.AF_NETLINK, C.SOCK_RAW | C.SOCK_CLOEXEC, C.NETLINK_USERSOCK)
        sender = calls.socket(C.AF_NETLINK, C.SOCK_RAW | C.SOCK_CLOEXEC, C.NETLINK_USERSOCK)
        try:
            calls.bind(member, 0, 1)  # group 1
            result = outcome(calls.sendto, sender, NOOP_REQUEST, 0, 1)
            arrived = calls.poll_in(member, 1000) != 0
            return result, arrived
        finally:
            calls.close(member)
            calls.close(sender)

    with NetNS.create() as ns:
        assert ns.run(send_and_listen) == ("ECONNREFUSED", True)
