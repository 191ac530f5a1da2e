"""Probing helpers and the kernel's rule book for the protocol-registry, permission and multicast tests.

The tests are the source of truth, so this module does its own probing (it
does not use netlink_probe.kernel_info).  Everything expensive is computed
once per process (functools.cache) in forked children or fresh namespaces,
and the parametrized tests only read the cached answers.

Two halves:

* probes: what the kernel answers (socket(), NLMSG_NOOP to port 0, the
  ADD_MEMBERSHIP range, a whole permission-matrix row per privilege context);
* the rule book: for each protocol, the ``netlink_kernel_cfg`` the kernel
  registers it with (flags, input callback, per-netns or init_net only,
  family ``bind`` callback), written down once from the kernel source with a
  citation, plus the extra rules (one named function each) that decide the
  cells the flags alone do not explain.  ``predict()`` turns these into the
  expected outcome of every cell; the tests compare it with the probes.
"""
from __future__ import annotations

import functools
import os
import select
import socket as _pysocket
import struct
import subprocess
from dataclasses import dataclass, field

from netlink_probe import NetlinkTimeout, NetNS, Socket, rtnl
from netlink_probe import constants as C
from netlink_probe import privileges
from netlink_probe.codec import control, layouts as L
from netlink_probe.errors import errno_name
from netlink_probe.sys import calls

from helpers import outcome  # noqa: E402  (conformance/ is on sys.path: conftest puts it there)

# -- the numbers probed -----------------------------------------------------------------------
MAX_LINKS = 32  # include/uapi/linux/netlink.h: MAX_LINKS (not exported by our binding)
PROTOCOL_NUMBERS = tuple(range(0, MAX_LINKS + 2))  # 0..33: every slot of nl_table and the first two past it
NEGATIVE_PROTOCOLS = (-1, -2, -(2 ** 31))  # through libc's socket(): Python's socket module would map -1 to 0
# Socket types: the values are libc's (Python's socket module), the names the kernel's.
SOCKET_TYPES = {"SOCK_STREAM": C.SOCK_STREAM, "SOCK_DGRAM": C.SOCK_DGRAM, "SOCK_RAW": C.SOCK_RAW,
                "SOCK_RDM": _pysocket.SOCK_RDM, "SOCK_SEQPACKET": C.SOCK_SEQPACKET}
NOOP_SILENCE = 0.3  # seconds of silence that count as "no answer"
GROUP_PROBE_LIMIT = 1 << 16  # ADD_MEMBERSHIP probing stops here even if the kernel kept accepting


def protocol_name(number: int) -> str:
    """The kernel macro name (NETLINK_ROUTE ...) or NETLINK_<n> for a number the headers do not name."""
    return C.PROTOCOLS.get(number, f"NETLINK_{number}")


def protocol_key(number: int) -> str:
    """The name in observation keys: the kernel macro name (NETLINK_ROUTE), else the number."""
    return C.PROTOCOLS.get(number, str(number))


def netns_inode() -> int:
    return os.stat("/proc/thread-self/ns/net").st_ino


HOST_NETNS_INODE = netns_inode()  # the namespace this process started in: never changed by these tests


# -- socket() -----------------------------------------------------------------------------------
def socket_outcome(protocol: int, sock_type: int = C.SOCK_RAW) -> str:
    """socket(AF_NETLINK, sock_type, protocol) through libc: 'ok' or the errno name (netlink_create)."""
    try:
        fd = calls.socket(C.AF_NETLINK, sock_type | C.SOCK_CLOEXEC, protocol)
    except OSError as e:
        return errno_name(e.errno)
    calls.close(fd)
    return "ok"


@functools.cache
def socket_table() -> dict[int, str]:
    """socket() outcome for every probed protocol number in the namespace this process started in."""
    return {n: socket_outcome(n) for n in PROTOCOL_NUMBERS + NEGATIVE_PROTOCOLS}


@functools.cache
def socket_table_fresh_netns() -> dict[int, str]:
    with NetNS.create() as ns:
        return ns.run(lambda: {n: socket_outcome(n) for n in PROTOCOL_NUMBERS + NEGATIVE_PROTOCOLS})


@functools.cache
def open_protocols() -> tuple[int, ...]:
    """The protocol numbers whose socket() succeeds on this kernel (may load modules on distro kernels)."""
    return tuple(n for n in PROTOCOL_NUMBERS if socket_table()[n] == "ok")


# -- NLMSG_NOOP to the kernel -----------------------------------------------------------------------
def noop_to_kernel(protocol: int, netns=None) -> str:
    """Send NLMSG_NOOP|NLM_F_REQUEST|NLM_F_ACK to port 0: 'ack', an errno name, or 'silent'.

    An errno raised by sendto() itself (ECONNREFUSED when port 0 has no kernel
    socket or one without an input callback) is returned as it is.
    """
    with Socket(protocol, netns=netns, timeout=NOOP_SILENCE) as s:
        try:
            s.send_message(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK)
        except OSError as e:
            return errno_name(e.errno)
        try:
            r, msgs = s.recv_messages(NOOP_SILENCE)
        except NetlinkTimeout:
            return "silent"
        for m in msgs:
            if m.type == C.NLMSG_ERROR and r.src_pid == 0:
                info = control.parse_error(m)
                return "ack" if info.error == 0 else errno_name(-info.error)
        return "unexpected:" + ",".join(m.type_name for m in msgs)


@functools.cache
def noop_table() -> dict[int, tuple[str, str]]:
    """protocol -> (answer in the initial namespace, answer in a fresh namespace)."""
    out = {}
    with NetNS.create() as ns:
        for p in open_protocols():
            out[p] = (noop_to_kernel(p), noop_to_kernel(p, ns))
    return out


# -- the multicast group range ------------------------------------------------------------------------
def _add(fd: int, group: int) -> str:
    return outcome(calls.setsockopt_int, fd, C.SOL_NETLINK, C.NETLINK_ADD_MEMBERSHIP, group)


@dataclass(frozen=True)
class GroupRange:
    max: int  # the largest group ADD_MEMBERSHIP accepts (as root)
    zero: str  # ADD_MEMBERSHIP of group 0
    max_plus_1: str
    list_len: int  # NETLINK_LIST_MEMBERSHIPS' reported length with every group joined
    list_words: tuple[int, ...]  # the u32 words it wrote (buffer large enough)


def _probe_range(protocol: int) -> GroupRange:
    fd = calls.socket(C.AF_NETLINK, C.SOCK_RAW | C.SOCK_CLOEXEC, protocol)
    try:
        g = 1
        while g <= GROUP_PROBE_LIMIT and _add(fd, g) == "ok":
            g += 1
        top = g - 1
        zero, over = _add(fd, 0), _add(fd, top + 1)
        data, reported = calls.getsockopt_bytes(fd, C.SOL_NETLINK, C.NETLINK_LIST_MEMBERSHIPS, 4096)
        words = tuple(w for (w,) in struct.iter_unpack("=I", data[: len(data) // 4 * 4]))
        return GroupRange(top, zero, over, reported, words)
    finally:
        calls.close(fd)


@functools.cache
def group_ranges() -> dict[int, GroupRange]:
    """For every protocol that opens: its ADD_MEMBERSHIP range, probed as root in a fresh namespace."""
    with NetNS.create() as ns:
        return ns.run(lambda: {p: _probe_range(p) for p in open_protocols()})


# -- generic netlink groups ------------------------------------------------------------------------------
@functools.cache
def genl_groups() -> dict[int, tuple[str, str]]:
    """Multicast group id -> (family, group name), from the controller (CTRL_CMD_GETFAMILY dump).

    Dumped in the initial namespace (read-only): ctrl_dumpfamily hides families without .netnsok
    (drop_monitor, thermal, acpi_event, ...) from other namespaces, but genl_bind checks every family.
    """
    out: dict[int, tuple[str, str]] = {}
    if C.NETLINK_GENERIC not in open_protocols():
        return out
    with Socket(C.NETLINK_GENERIC, timeout=2.0) as s:
        hdr = L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_GETFAMILY, version=1)
        for m in s.dump(C.GENL_ID_CTRL, hdr):
            a = m.attrs(L.GENLMSGHDR.size)
            family = a.str(C.CTRL_ATTR_FAMILY_NAME)
            groups = a.nested(C.CTRL_ATTR_MCAST_GROUPS)
            for item in (groups if groups is not None else ()):
                ia = item.nested()
                out[ia.u32(C.CTRL_ATTR_MCAST_GRP_ID)] = (family, ia.str(C.CTRL_ATTR_MCAST_GRP_NAME))
    return out


@functools.cache
def kernel_symbols(*names: str) -> dict[str, bool] | None:
    """Which of *names* are functions in /proc/kallsyms (None when kallsyms is unreadable)."""
    want = set(names)
    found: set[str] = set()
    try:
        with open("/proc/kallsyms") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2] in want:
                    found.add(parts[2])
    except OSError:
        return None
    return {n: n in found for n in names}


# =====================================================================================================
# The rule book
# =====================================================================================================
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
    bind_rule: object = None  # extra rule for bind()/ADD_MEMBERSHIP: fn(priv, group, env) -> errno | None
    exercised_here: bool = True  # False: read from the source, not present on the development kernel


_RCV_SKB_ACK = "netlink_rcv_skb() acks control messages (type < NLMSG_MIN_TYPE) without calling the family"


def _connector_cfg() -> KernelCfg:
    syms = kernel_symbols("cn_bind", "cn_rx_skb")
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
    try:  # opening the socket autoloads ib_core on module kernels, so its symbols are in kallsyms
        calls.close(calls.socket(C.AF_NETLINK, C.SOCK_RAW | C.SOCK_CLOEXEC, C.NETLINK_RDMA))
    except OSError:
        pass
    syms = kernel_symbols("rdma_nl_notify_event")
    monitor = bool(syms and syms["rdma_nl_notify_event"])
    return KernelCfg(
        "NETLINK_RDMA", "drivers/infiniband/core/netlink.c rdma_nl_net_init(): .input = rdma_nl_rcv"
        + (", .flags = NL_CFG_F_NONROOT_RECV (v6.11+, rdma_nl_notify_event found in /proc/kallsyms)" if monitor
           else ", no flags before v6.11 (rdma_nl_notify_event absent from /proc/kallsyms)"),
        frozenset({NONROOT_RECV}) if monitor else frozenset(), True, True, True, "ack",
        "rdma_nl_rcv_skb() acks control messages", exercised_here=False)


def _static_cfgs() -> dict[int, KernelCfg]:
    E = frozenset()
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


# =====================================================================================================
# The permission matrix: one forked child per context
# =====================================================================================================
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
            cells[f"add_membership.{g}"] = _add(fd, g)
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
    out = {"capeff": privileges.capeff(), "uid": os.getuid(), "netns_is_host": netns_inode() == host_inode,
           "rows": {}}
    for p, ngroups in protocols.items():
        out["rows"][p] = _row_in_child(p, ngroups, host_inode)
    return out


@functools.cache
def permission_matrix(context: str) -> dict:
    """The whole matrix row set of one privilege context, computed in ONE forked child.

    The child runs in a fresh netns owned by the initial user namespace (for
    userns_root_own_netns: in the netns its new user namespace creates), so
    nothing it does can reach the host namespace.
    """
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


# =====================================================================================================
# Multicast helpers
# =====================================================================================================
def listener(netns, *, bind: bool = True, pktinfo: bool = True, timeout: float = 0.3) -> Socket:
    """A NETLINK_ROUTE socket for notifications (PKTINFO on: each datagram names its group)."""
    return Socket(C.NETLINK_ROUTE, netns=netns, bind=bind, pktinfo=pktinfo, timeout=timeout)


def run_ip(ns: NetNS, *args: str) -> subprocess.CompletedProcess:
    """`ip ARGS` inside *ns* (iproute2: an independent client builds the request)."""
    return subprocess.run(["nsenter", f"--net={ns.path}", "ip", *args], capture_output=True, text=True,
                          timeout=30)


def proc_net_netlink_groups(ns: NetNS, fd: int) -> str | None:
    """The Groups column of /proc/net/netlink for the socket *fd* (matched by inode), read inside *ns*."""
    ino = os.fstat(fd).st_ino

    def read():
        with open("/proc/thread-self/net/netlink") as f:
            rows = f.read().splitlines()
        head = rows[0].split()
        gi, ii = head.index("Groups"), head.index("Inode")
        for row in rows[1:]:
            cols = row.split()
            if int(cols[ii]) == ino:
                return cols[gi]
        return None

    return ns.run(read)


def words_to_groups(words) -> set[int]:
    return {i * 32 + b + 1 for i, w in enumerate(words) for b in range(32) if w >> b & 1}


def groups_to_words(groups, nwords: int) -> list[int]:
    words = [0] * nwords
    for g in groups:
        words[(g - 1) // 32] |= 1 << ((g - 1) % 32)
    return words


# =====================================================================================================
# The generated document
# =====================================================================================================
DOC_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "permission-matrix.md")


def _runs(numbers: list[int]) -> str:
    """[1,2,3,5,7,9,11] -> '1–3, 5,7,…,11': runs of consecutive numbers and longer arithmetic runs."""
    numbers = sorted(numbers)
    parts, i = [], 0
    while i < len(numbers):
        j = i
        if i + 1 < len(numbers):
            step = numbers[i + 1] - numbers[i]
            while j + 1 < len(numbers) and numbers[j + 1] - numbers[j] == step:
                j += 1
            if step == 1 and j - i >= 2:
                parts.append(f"{numbers[i]}–{numbers[j]}")
                i = j + 1
                continue
            if step > 1 and j - i >= 3:
                parts.append(f"{numbers[i]},{numbers[i] + step},…,{numbers[j]}")
                i = j + 1
                continue
        parts.append(str(numbers[i]))
        i += 1
    return ", ".join(parts)


def summarise(cells: dict[int, str]) -> str:
    """Group number -> outcome, as 'ok', 'EPERM', or 'ok; EPERM: 30–31'."""
    by: dict[str, list[int]] = {}
    for g, v in cells.items():
        by.setdefault(v, []).append(g)
    if len(by) == 1:
        return next(iter(by))
    main = max(by, key=lambda v: (len(by[v]), v == "ok"))
    rest = "; ".join(f"{v}: {_runs(gs)}" for v, gs in sorted(by.items()) if v != main)
    return f"{main}; {rest}"


def render_doc(matrices: dict[str, dict], release: str) -> str:
    """docs/permission-matrix.md from the matrices of every context (deterministic for one kernel)."""
    contexts = list(matrices)
    lines = [
        "# Netlink permission matrix",
        "",
        "<!-- GENERATED by conformance/test_permissions.py "
        "(NLP_WRITE_DOCS=1 python3 -m pytest conformance/test_permissions.py); do not edit. -->",
        "",
        f"Kernel: `{release}`",
        "",
        "What this kernel answered, per privilege context, for every netlink protocol that opens. "
        "Cells are `ok` or the errno; a mixed cell names the majority outcome first and then the groups "
        "that differ (e.g. `ok; EPERM: 30–31`). Every context except `userns_root_own_netns` ran in a fresh "
        "network namespace owned by the initial user namespace (see below); the suite asserts every cell "
        "against the rules in `conformance/registry_support.py`.",
        "",
        "Contexts: `root`; `nobody` (uid/gid 65534, no groups, no capabilities); `nobody+CAP_NET_ADMIN`; "
        "`nobody+CAP_AUDIT_READ`; `userns_root_own_netns` (root of a new user namespace that owns a new "
        "netns); `userns_root_init_netns` (root of a new user namespace, netns owned by the initial one).",
        "",
        "| protocol | operation | " + " | ".join(contexts) + " |",
        "| --- | --- | " + " | ".join("---" for _ in contexts) + " |",
    ]
    protocols = sorted({p for m in matrices.values() for p in m["rows"]})
    for p in protocols:
        name = protocol_name(p)
        ops: dict[str, list[str]] = {}
        for ctx in contexts:
            cells = matrices[ctx]["rows"][p][0]
            row = {
                "bind 1..32 (one at a time)": summarise({g: cells[f"bind.{g}"] for g in range(1, 33)}),
                "bind all 32 bits": cells["bind.all"],
                "ADD_MEMBERSHIP 1..max": summarise(
                    {int(k.split(".")[1]): v for k, v in cells.items() if k.startswith("add_membership.")}),
                "sendto group 1": cells["send_group"],
                "sendto user port": cells["send_port"],
                "sendto missing port": cells["send_missing_port"],
                "LISTEN_ALL_NSID": cells["listen_all_nsid"],
            }
            if "newlink" in cells:
                row["RTM_NEWLINK (veth)"] = cells["newlink"]
                row["RTM_GETLINK dump"] = cells["dump"]
            for op, v in row.items():
                ops.setdefault(op, []).append(v)
        maxg = max(int(k.split(".")[1]) for k in matrices[contexts[0]]["rows"][p][0] if k.startswith("add_"))
        for op, values in ops.items():
            label = op.replace("1..max", f"1..{maxg}")
            lines.append(f"| {name} | {label} | " + " | ".join(f"`{v}`" for v in values) + " |")
    lines += [
        "",
        "## How to read it",
        "",
        "- `netlink_allowed()` (net/netlink/af_netlink.c) lets a socket bind/join groups when the protocol "
        "has `NL_CFG_F_NONROOT_RECV`, and send to a group or a user port when it has `NL_CFG_F_NONROOT_SEND`; "
        "otherwise it needs `ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN)`.",
        "- \"init_netns\" contexts mean *a netns owned by the initial user namespace*: the suite never "
        "binds or sends as another user in the host namespace. That is equivalent for every check above: "
        "`netlink_allowed`, `netlink_ns_capable`/`netlink_net_capable` and the family bind callbacks ask "
        "about `net->user_ns` (the initial user namespace for both namespaces) or about the initial user "
        "namespace itself (`capable()`, audit); none of them looks at which netns it is.",
        "- Family `bind` callbacks refuse some groups: `rtnetlink_bind` (RTNLGRP_IPV4_MROUTE_R/IPV6_MROUTE_R "
        "need CAP_NET_ADMIN), `audit_multicast_bind` (CAP_AUDIT_READ in the initial user namespace), "
        "`genl_bind` (groups flagged GENL_MCAST_CAP_NET_ADMIN/SYS_ADMIN), `cn_bind` (see below).",
        "- **Kernel quirk:** `cn_bind()` (drivers/connector/connector.c, v6.6+) tests bit 0 of the group "
        "*number* instead of `group == CN_IDX_PROC`, so every odd connector group is open to unprivileged "
        "users and every even one needs CAP_NET_ADMIN.",
        "- `sendto group 1` is also unicast to `nl_pid` 0 (the kernel): protocols without a kernel socket "
        "taking input in that netns answer ECONNREFUSED after the broadcast went out.",
        "- `LISTEN_ALL_NSID` needs CAP_NET_BROADCAST over the netns, whatever the protocol.",
        "- `RTM_NEWLINK` needs `netlink_net_capable(CAP_NET_ADMIN)`; dumps need nothing.",
    ]
    genl = genl_groups()
    if genl:
        lines += ["", "Generic netlink groups on this kernel: "
                  + ", ".join(f"{g} = {fam}/{name}" for g, (fam, name) in sorted(genl.items())) + "."]
    return "\n".join(lines) + "\n"


def doc_release(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("Kernel: `"):
            return line[len("Kernel: `"):].rstrip("`")
    return None
