"""The kernel's rule book: how each netlink protocol is registered, and the outcome that implies.

For each protocol, the ``netlink_kernel_cfg`` the kernel registers it with
(flags, input callback, per-netns or init_net only, family ``bind`` callback),
written down once from the kernel source with a citation, plus the extra rules
(one named function each) that decide what the flags alone do not explain.
``predict()`` turns these into the expected outcome of every permission-matrix
cell; ``predict_noop()`` the answer to NLMSG_NOOP.  Facts that differ between
kernels are read from the kernel itself (/proc/kallsyms), never from outcomes.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from netlink_probe import constants as C
from netlink_probe import privileges
from netlink_probe.kernel_info import MAX_LINKS, socket_outcome

from .kallsyms import read_symbols

__all__ = ["ALL_CAPS", "GENL_ADMIN_GROUPS", "NEVER_REGISTERED", "NONROOT_RECV", "NONROOT_SEND", "Env", "KernelCfg",
           "Privileges", "allowed", "kernel_cfgs", "port0_answers", "predict", "predict_noop", "privileges_of",
           "row_operations"]

NONROOT_RECV = "NL_CFG_F_NONROOT_RECV"
NONROOT_SEND = "NL_CFG_F_NONROOT_SEND"
ALL_CAPS = frozenset(n for n in C.NAMES if n.startswith("CAP_") and n != "CAP_LAST_CAP")


@dataclass(frozen=True)
class Privileges:
    """What a privilege context holds, seen from a socket in the namespace the matrix runs in.

    net_caps: capabilities in the user namespace that owns the socket's netns
    (ns_capable(net->user_ns, ...)); init_caps: in the initial user
    namespace (capable()).  Every context except userns_root_own_netns runs
    in a fresh netns owned by the initial user namespace, where both are
    the same set.
    """

    name: str
    net_caps: frozenset
    init_caps: frozenset

    def ns_capable(self, cap: str) -> bool:
        return cap in self.net_caps

    def capable(self, cap: str) -> bool:
        return cap in self.init_caps


def privileges_of(name: str) -> Privileges:
    ctx = privileges.context(name)
    if ctx.userns == "own_netns":  # create_user_ns(): every capability, over namespaces it owns only
        return Privileges(name, ALL_CAPS, frozenset())
    if ctx.userns:  # root of a user namespace that owns nothing here
        return Privileges(name, frozenset(), frozenset())
    if ctx.uid is None:  # root keeps this process's effective set (a sandbox may have trimmed the bounding set)
        mine = privileges.capeff()
        caps = frozenset(n for n in ALL_CAPS if mine >> C.VALUES[n] & 1)
        return Privileges(name, caps, caps)
    caps = frozenset(ctx.caps)
    return Privileges(name, caps, caps)


@dataclass
class Env:
    """Facts of this kernel the rules need (read from the kernel, not from outcomes)."""

    genl_groups: dict = field(default_factory=dict)


# -- extra rules: family bind callbacks and other checks outside NL_CFG_F_* ------------------------------
def rtnetlink_bind(priv: Privileges, group: int, env: Env) -> str | None:
    """net/core/rtnetlink.c rtnetlink_bind(): RTNLGRP_IPV4_MROUTE_R and RTNLGRP_IPV6_MROUTE_R (raw
    multicast-routing cache reports) need ns_capable(net->user_ns, CAP_NET_ADMIN); every other group is
    open to anyone (NL_CFG_F_NONROOT_RECV)."""
    if group in (C.RTNLGRP_IPV4_MROUTE_R, C.RTNLGRP_IPV6_MROUTE_R) and not priv.ns_capable("CAP_NET_ADMIN"):
        return "EPERM"
    return None


def audit_multicast_bind(priv: Privileges, group: int, env: Env) -> str | None:
    """kernel/audit.c audit_multicast_bind(): every group needs capable(CAP_AUDIT_READ) — in the INITIAL
    user namespace, whatever netns the socket is in: CAP_NET_ADMIN does not help (it only passes
    netlink_allowed), and root of a new user namespace never reads the audit log."""
    return None if priv.capable("CAP_AUDIT_READ") else "EPERM"


# genl_multicast_group.flags, which the controller does not report: (family, group) -> capability.
# Sources: net/mptcp/pm_netlink.c mptcp_pm_mcgrps; net/ipv6/ioam6.c ioam6_mcgrps; net/psample/psample.c
# psample_nl_mcgrps; net/core/drop_monitor.c dropmon_mcgrps; fs/smb/client/netlink.c cifs_genl_mcgrps
# (GENL_MCAST_CAP_NET_ADMIN / GENL_MCAST_CAP_SYS_ADMIN, the Dec 2023 fix "genetlink: add CAP_NET_ADMIN
# test for multicast bind", backported to the stable kernels).
GENL_ADMIN_GROUPS = {
    ("mptcp_pm", "mptcp_pm_events"): "CAP_NET_ADMIN",
    ("IOAM6", "ioam6_events"): "CAP_NET_ADMIN",
    ("psample", "packets"): "CAP_NET_ADMIN",
    ("NET_DM", "events"): "CAP_SYS_ADMIN",
    ("cifs", "swn"): "CAP_NET_ADMIN",
}


def genl_bind(priv: Privileges, group: int, env: Env) -> str | None:
    """net/netlink/genetlink.c genl_bind(): a group whose genl_multicast_group carries
    GENL_MCAST_CAP_NET_ADMIN / GENL_MCAST_CAP_SYS_ADMIN needs ns_capable(net->user_ns, that capability);
    group ids no family owns are accepted.  The flags are not visible through the controller, so the
    admin-only groups are listed in GENL_ADMIN_GROUPS (family, group) from the kernel source."""
    owner = env.genl_groups.get(group)
    cap = GENL_ADMIN_GROUPS.get(owner) if owner else None
    if cap and not priv.ns_capable(cap):
        return "EPERM"
    return None


def cn_bind(priv: Privileges, group: int, env: Env) -> str | None:
    """drivers/connector/connector.c cn_bind() (v6.6, "connector/cn_proc: Add filtering to fix some bugs"):
    meant to let unprivileged users join only CN_IDX_PROC (group 1), anything else needing
    ns_capable(net->user_ns, CAP_NET_ADMIN).  KERNEL QUIRK: it does `groups = (unsigned long) group;
    test_bit(CN_IDX_PROC - 1, &groups)`, testing bit 0 of the group NUMBER rather than group == 1, so
    every odd group is open to everyone and every even group needs CAP_NET_ADMIN."""
    if priv.ns_capable("CAP_NET_ADMIN") or group & 1:
        return None
    return "EPERM"


def listen_all_nsid_rule(priv: Privileges) -> str:
    """net/netlink/af_netlink.c netlink_setsockopt(NETLINK_LISTEN_ALL_NSID): needs
    ns_capable(sock_net(sk)->user_ns, CAP_NET_BROADCAST) — not CAP_NET_ADMIN, and independent of the
    protocol's NL_CFG_F_* flags."""
    return "ok" if priv.ns_capable("CAP_NET_BROADCAST") else "EPERM"


def rtnetlink_rcv_msg_rule(priv: Privileges, op: str) -> str:
    """net/core/rtnetlink.c rtnetlink_rcv_msg(): any request that is not a GET (kind 2) needs
    netlink_net_capable(skb, CAP_NET_ADMIN) (over the socket's netns, checked for the opener and the
    sender); dumps need nothing."""
    if op == "dump":
        return "ok"
    return "ok" if priv.ns_capable("CAP_NET_ADMIN") else "EPERM"


# -- netlink_kernel_cfg of each protocol -----------------------------------------------------------------
BindRule = Callable[["Privileges", int, "Env"], "str | None"]


@dataclass(frozen=True)
class KernelCfg:
    """How a protocol registers with netlink_kernel_create() (or, for USERSOCK, without a kernel socket)."""

    name: str
    source: str  # the function that builds the netlink_kernel_cfg
    flags: frozenset  # NL_CFG_F_* of the cfg
    kernel_socket: bool  # False: nobody listens at port 0 (NETLINK_USERSOCK)
    per_netns: bool  # the kernel socket exists in every netns (pernet_operations), else only in init_net
    has_input: bool  # cfg.input set: port 0 accepts datagrams
    noop: str  # what the input callback does with NLMSG_NOOP|NLM_F_REQUEST|NLM_F_ACK
    noop_why: str
    bind_rule: BindRule | None = None  # extra rule for bind()/ADD_MEMBERSHIP: fn(priv, group, env) -> errno | None
    exercised_here: bool = True  # False: read from the source, not present on the development kernel


_RCV_SKB_ACK = "netlink_rcv_skb() acks control messages (type < NLMSG_MIN_TYPE) without calling the family"


def _connector_cfg() -> KernelCfg:
    syms = read_symbols("cn_bind", "cn_rx_skb")
    has_cn_bind = bool(syms and syms["cn_bind"])
    return KernelCfg(
        "NETLINK_CONNECTOR", "drivers/connector/connector.c cn_init(): netlink_kernel_create(&init_net, ...)"
        + ("; .flags = NL_CFG_F_NONROOT_RECV, .bind = cn_bind (v6.6+, cn_bind found in /proc/kallsyms)"
           if has_cn_bind else "; no flags and no bind callback before v6.6 (cn_bind absent from /proc/kallsyms)"),
        frozenset({NONROOT_RECV}) if has_cn_bind else frozenset(), True, False, True, "silent",
        "cn_rx_skb() drops messages shorter than a struct cn_msg without answering",
        cn_bind if has_cn_bind else None)


def _rdma_cfg() -> KernelCfg:
    """NETLINK_RDMA gained NL_CFG_F_NONROOT_RECV with RDMA monitoring (v6.11: "RDMA/nldev: Add support
    for RDMA monitoring" also added rdma_nl_notify_event()); before it, no flags."""
    socket_outcome(C.NETLINK_RDMA)  # opening the socket autoloads ib_core on module kernels: its symbols appear
    syms = read_symbols("rdma_nl_notify_event")
    monitor = bool(syms and syms["rdma_nl_notify_event"])
    return KernelCfg(
        "NETLINK_RDMA", "drivers/infiniband/core/netlink.c rdma_nl_net_init(): .input = rdma_nl_rcv"
        + (", .flags = NL_CFG_F_NONROOT_RECV (v6.11+, rdma_nl_notify_event found in /proc/kallsyms)" if monitor
           else ", no flags before v6.11 (rdma_nl_notify_event absent from /proc/kallsyms)"),
        frozenset({NONROOT_RECV}) if monitor else frozenset(), True, True, True, "ack",
        "rdma_nl_rcv_skb() acks control messages", exercised_here=False)


def _static_cfgs() -> dict[int, KernelCfg]:
    E: frozenset[str] = frozenset()
    R = frozenset({NONROOT_RECV})
    return {
        C.NETLINK_ROUTE: KernelCfg(
            "NETLINK_ROUTE", "net/core/rtnetlink.c rtnetlink_net_init(): .groups = RTNLGRP_MAX, "
            ".input = rtnetlink_rcv, .flags = NL_CFG_F_NONROOT_RECV, .bind = rtnetlink_bind",
            R, True, True, True, "ack", _RCV_SKB_ACK, rtnetlink_bind),
        C.NETLINK_USERSOCK: KernelCfg(
            "NETLINK_USERSOCK", "net/netlink/af_netlink.c netlink_add_usersock_entry(): .groups = 32, "
            ".flags = NL_CFG_F_NONROOT_SEND, no kernel socket",
            frozenset({NONROOT_SEND}), False, False, False, "ECONNREFUSED",
            "netlink_getsockbyportid(): nobody is bound to port 0"),
        C.NETLINK_SOCK_DIAG: KernelCfg(
            "NETLINK_SOCK_DIAG", "net/core/sock_diag.c diag_net_init(): .groups = SKNLGRP_MAX, "
            ".input = sock_diag_rcv, .bind = sock_diag_bind (only loads inet_diag), .flags = NL_CFG_F_NONROOT_RECV",
            R, True, True, True, "ack", _RCV_SKB_ACK),
        C.NETLINK_XFRM: KernelCfg(
            "NETLINK_XFRM", "net/xfrm/xfrm_user.c xfrm_user_net_init(): .groups = XFRMNLGRP_MAX, "
            ".input = xfrm_netlink_rcv, no flags",
            E, True, True, True, "ack", _RCV_SKB_ACK),
        C.NETLINK_SELINUX: KernelCfg(
            "NETLINK_SELINUX", "security/selinux/netlink.c selnl_init(): netlink_kernel_create(&init_net, ...), "
            ".groups = SELNLGRP_MAX, .flags = NL_CFG_F_NONROOT_RECV, no input",
            R, True, False, False, "ECONNREFUSED",
            "netlink_unicast_kernel() refuses datagrams for a kernel socket without netlink_rcv"),
        C.NETLINK_ISCSI: KernelCfg(
            "NETLINK_ISCSI", "drivers/scsi/scsi_transport_iscsi.c iscsi_transport_init(): "
            "netlink_kernel_create(&init_net, ...), .groups = 1, .input = iscsi_if_rx, no flags",
            E, True, False, True, "silent", "iscsi_if_rx() stops at a message shorter than nlmsghdr + iscsi_uevent",
            exercised_here=False),
        C.NETLINK_AUDIT: KernelCfg(
            "NETLINK_AUDIT", "kernel/audit.c audit_net_init(): .input = audit_receive, .bind = audit_multicast_bind, "
            ".flags = NL_CFG_F_NONROOT_RECV, .groups = AUDIT_NLGRP_MAX",
            R, True, True, True, "EINVAL",
            "audit_receive() has its own loop: audit_netlink_ok() knows no NLMSG_NOOP (-EINVAL), and every "
            "error is acked", audit_multicast_bind),
        C.NETLINK_FIB_LOOKUP: KernelCfg(
            "NETLINK_FIB_LOOKUP", "net/ipv4/fib_frontend.c nl_fib_lookup_init(): .input = nl_fib_input, no flags",
            E, True, True, True, "silent",
            "nl_fib_input() returns without answering when the datagram is shorter than a fib_result_nl"),
        C.NETLINK_NETFILTER: KernelCfg(
            "NETLINK_NETFILTER", "net/netfilter/nfnetlink.c nfnetlink_net_init(): .groups = NFNLGRP_MAX, "
            ".input = nfnetlink_rcv, .bind = nfnetlink_bind (never refuses; may load modules), no flags",
            E, True, True, True, "ack", "nfnetlink_rcv() hands non-batch datagrams to netlink_rcv_skb()"),
        C.NETLINK_KOBJECT_UEVENT: KernelCfg(
            "NETLINK_KOBJECT_UEVENT", "lib/kobject_uevent.c uevent_net_init(): .groups = 1, .input = uevent_net_rcv "
            "(since v4.18; older books: no input), .flags = NL_CFG_F_NONROOT_RECV",
            R, True, True, True, "ack", _RCV_SKB_ACK),
        C.NETLINK_GENERIC: KernelCfg(
            "NETLINK_GENERIC", "net/netlink/genetlink.c genl_pernet_init(): .input = genl_rcv, "
            ".flags = NL_CFG_F_NONROOT_RECV, .bind = genl_bind",
            R, True, True, True, "ack", _RCV_SKB_ACK, genl_bind),
        C.NETLINK_SCSITRANSPORT: KernelCfg(
            "NETLINK_SCSITRANSPORT", "drivers/scsi/scsi_netlink.c scsi_netlink_init(): "
            "netlink_kernel_create(&init_net, ...), .input = scsi_nl_rcv_msg, no flags",
            E, True, False, True, "silent", "scsi_nl_rcv_msg() discards a message shorter than its scsi_nl_hdr",
            exercised_here=False),
        C.NETLINK_CRYPTO: KernelCfg(
            "NETLINK_CRYPTO", "crypto/crypto_user.c crypto_netlink_init(): .input = crypto_netlink_rcv, no flags",
            E, True, True, True, "ack", _RCV_SKB_ACK, exercised_here=False),
    }


@functools.cache
def kernel_cfgs() -> dict[int, KernelCfg]:
    cfgs = _static_cfgs()
    cfgs[C.NETLINK_CONNECTOR] = _connector_cfg()
    cfgs[C.NETLINK_RDMA] = _rdma_cfg()
    return cfgs


# Protocol numbers no kernel since v6.1 registers (removed users or never assigned).
NEVER_REGISTERED = {
    C.NETLINK_UNUSED: "never used",
    C.NETLINK_FIREWALL: "ip_queue, removed in v3.5",
    C.NETLINK_NFLOG: "ipt_ULOG, removed in v3.17",
    C.NETLINK_IP6_FW: "ip6_queue, removed in v3.5",
    C.NETLINK_DNRTMSG: "DECnet, removed in v6.1",
    C.NETLINK_ECRYPTFS: "eCryptfs' netlink transport, removed in v2.6.32",
    17: "no NETLINK_ macro has this number",
    **{n: "no NETLINK_ macro has this number" for n in range(23, MAX_LINKS)},
}


# -- predictions ---------------------------------------------------------------------------------------------
def allowed(priv: Privileges, cfg: KernelCfg, flag: str) -> bool:
    """net/netlink/af_netlink.c netlink_allowed(): the protocol's NL_CFG_F_* flag, or
    ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN)."""
    return flag in cfg.flags or priv.ns_capable("CAP_NET_ADMIN")


def port0_answers(cfg: KernelCfg, fresh_netns: bool) -> bool:
    """Whether a datagram to port 0 is accepted: a kernel socket in that netns with an input callback."""
    present = cfg.kernel_socket and (cfg.per_netns or not fresh_netns)
    return present and cfg.has_input


def predict_noop(cfg: KernelCfg, fresh_netns: bool) -> str:
    return cfg.noop if port0_answers(cfg, fresh_netns) else "ECONNREFUSED"


def predict(priv: Privileges, cfg: KernelCfg, op: str, env: Env, ngroups: int = 32) -> tuple[str, str]:
    """(expected outcome, the rule that decides it) for one cell; the matrix runs in a fresh netns."""
    kind, _, arg = op.partition(".")
    if kind in ("bind", "add_membership"):
        who = "netlink_bind" if kind == "bind" else "netlink_setsockopt(NETLINK_ADD_MEMBERSHIP)"
        if not allowed(priv, cfg, NONROOT_RECV):
            return "EPERM", f"{who}: netlink_allowed(NL_CFG_F_NONROOT_RECV) fails without CAP_NET_ADMIN over the netns"
        groups = range(1, min(32, ngroups) + 1) if arg == "all" else (int(arg),)
        if cfg.bind_rule is not None:
            for g in groups:  # netlink_bind() calls the family's bind for each bit, lowest first
                refused = cfg.bind_rule(priv, g, env)
                if refused:
                    return refused, f"{cfg.bind_rule.__name__} refuses group {g}"
        why = "NL_CFG_F_NONROOT_RECV" if NONROOT_RECV in cfg.flags else "CAP_NET_ADMIN over the netns"
        return "ok", why + (f", {cfg.bind_rule.__name__} accepts" if cfg.bind_rule else "")
    if kind.startswith("send_"):
        if not allowed(priv, cfg, NONROOT_SEND):
            return "EPERM", "netlink_sendmsg: netlink_allowed(NL_CFG_F_NONROOT_SEND) fails for a group or port"
        if kind == "send_port":
            return "ok", "netlink_sendmsg → netlink_unicast to the bound user port"
        if kind == "send_missing_port":
            return "ECONNREFUSED", "netlink_getsockbyportid finds no socket at that port"
        # send_group: netlink_broadcast() to the group, then netlink_unicast() to nl_pid 0, the kernel
        if port0_answers(cfg, True):
            return "ok", "netlink_sendmsg also unicasts the datagram to nl_pid 0, the kernel socket, which takes it"
        return "ECONNREFUSED", ("netlink_sendmsg broadcasts, then its netlink_unicast() to nl_pid 0 fails: "
                                "no kernel socket with an input callback in this netns")
    if kind == "listen_all_nsid":
        return listen_all_nsid_rule(priv), listen_all_nsid_rule.__name__
    if kind in ("newlink", "dump"):
        return rtnetlink_rcv_msg_rule(priv, kind), rtnetlink_rcv_msg_rule.__name__
    if kind == "socket":
        return "ok", "netlink_create checks no capability"
    raise ValueError(f"no rule for operation {op!r}")


def row_operations(protocol: int, ngroups: int) -> list[str]:
    ops = ["socket", *(f"bind.{g}" for g in range(1, 33)), "bind.all",
           *(f"add_membership.{g}" for g in range(1, ngroups + 1)),
           "send_group", "send_port", "send_missing_port", "listen_all_nsid"]
    if protocol == C.NETLINK_ROUTE:
        ops += ["newlink", "dump"]
    return ops
