"""The permission matrix: every cell of every protocol's row, probed in one forked child per context.

``permission_matrix(context)`` forks ONE child with the exact privilege context
(netlink_probe.privileges.run_as) in a fresh namespace and probes socket(),
bind() per group, ADD_MEMBERSHIP per group, sendto() to a group, to a user port
and to a missing port, NETLINK_LISTEN_ALL_NSID and (NETLINK_ROUTE) RTM_NEWLINK
and a dump; ``expected_row(context, protocol)`` is what ``kernel_rules``
predicts for the same cells.
"""
from __future__ import annotations

import functools
import os
import select
import struct

from netlink_probe import NetNS, rtnl
from netlink_probe import constants as C
from netlink_probe import privileges
from netlink_probe.kernel_info import join_group, socket_outcome
from netlink_probe.sys import calls

from .kernel_rules import Env, kernel_cfgs, predict, privileges_of, row_operations
from .outcome import outcome
from .probes import HOST_NETNS_INODE, genl_groups, group_ranges, netns_inode, open_protocols

__all__ = ["NOOP_REQUEST", "env", "expected_row", "permission_matrix"]

NOOP_REQUEST = struct.pack("=IHHII", 16, C.NLMSG_NOOP, C.NLM_F_REQUEST, 1, 0)  # no ACK: nothing comes back


def _sock(protocol: int) -> int:
    return calls.socket(C.AF_NETLINK, C.SOCK_RAW | C.SOCK_CLOEXEC, protocol)


def _bind_one(protocol: int, mask: int) -> str:
    fd = _sock(protocol)
    try:
        return outcome(calls.bind, fd, 0, mask)
    finally:
        calls.close(fd)


def _arrived(fd: int, timeout: float) -> bool:
    r, _, _ = select.select([fd], [], [], timeout)
    return bool(r)


def _row_in_child(protocol: int, ngroups: int, host_inode: int) -> tuple[dict[str, str], dict]:
    """Every cell of one protocol's row, in the calling (child) process's context and netns."""
    cells: dict[str, str] = {}
    extra: dict = {}
    cells["socket"] = socket_outcome(protocol)
    if cells["socket"] != "ok":
        return cells, extra
    for g in range(1, 33):
        cells[f"bind.{g}"] = _bind_one(protocol, 1 << (g - 1))
    cells["bind.all"] = _bind_one(protocol, 0xFFFFFFFF)
    fd = _sock(protocol)
    try:
        for g in range(1, ngroups + 1):
            cells[f"add_membership.{g}"] = join_group(fd, g)
    finally:
        calls.close(fd)
    sender, receiver = _sock(protocol), _sock(protocol)
    try:
        calls.bind(sender, 0, 0)
        calls.bind(receiver, 0, 0)
        cells["send_group"] = outcome(calls.sendto, sender, NOOP_REQUEST, 0, 1)
        port = calls.getsockname(receiver)[0]
        cells["send_port"] = outcome(calls.sendto, sender, NOOP_REQUEST, port, 0)
        extra["send_port_delivered"] = _arrived(receiver, 1.0) if cells["send_port"] == "ok" else None
        gone = _sock(protocol)
        calls.bind(gone, 0, 0)
        missing = calls.getsockname(gone)[0]
        calls.close(gone)  # nothing else binds in this private namespace: the port stays free
        cells["send_missing_port"] = outcome(calls.sendto, sender, NOOP_REQUEST, missing, 0)
        cells["listen_all_nsid"] = outcome(calls.setsockopt_int, sender, C.SOL_NETLINK,
                                           C.NETLINK_LISTEN_ALL_NSID, 1)
    finally:
        calls.close(sender)
        calls.close(receiver)
    if protocol == C.NETLINK_ROUTE:
        if netns_inode() == host_inode:  # belt and braces: never create anything in the host namespace
            raise RuntimeError("permission child is in the host network namespace; refusing RTM_NEWLINK")
        with rtnl.Rtnl(timeout=5.0) as r:
            cells["newlink"] = outcome(r.do, rtnl.new_link("np-perm0", "veth", rtnl.veth_peer("np-perm1")))
            cells["dump"] = outcome(lambda: r.dump("links").all())
    return cells, extra


def _matrix_child(protocols: dict[int, int], host_inode: int) -> dict:
    rows = {p: _row_in_child(p, ngroups, host_inode) for p, ngroups in protocols.items()}
    return {"capeff": privileges.capeff(), "uid": os.getuid(), "netns_is_host": netns_inode() == host_inode,
            "rows": rows}


@functools.cache
def permission_matrix(context: str) -> dict:
    """The whole matrix row set of one privilege context, computed in ONE forked child.

    The child runs in a fresh netns owned by the initial user namespace (for
    userns_root_own_netns: in the netns its new user namespace creates), so
    nothing it does can reach the host namespace.  PrivilegeUnavailable (naming what is missing)
    when this process cannot take *context*.
    """
    privileges.require(context)  # before creating anything
    protocols = {p: group_ranges()[p].max for p in open_protocols()}
    with NetNS.create() as ns:
        return privileges.run_as(context, _matrix_child, protocols, HOST_NETNS_INODE, netns=ns, timeout=120.0)


@functools.cache
def env() -> Env:
    return Env(genl_groups=genl_groups())


def expected_row(context: str, protocol: int) -> dict[str, tuple[str, str]]:
    cfg = kernel_cfgs()[protocol]
    ngroups = group_ranges()[protocol].max
    priv = privileges_of(context)
    return {op: predict(priv, cfg, op, env(), ngroups) for op in row_operations(protocol, ngroups)}
