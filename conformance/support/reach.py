"""What the suite does not reach: request kinds the kernel answers that no test of the session sent.

A *request kind* is an rtnetlink message type with its operation (``do``; ``dump`` too for GET types,
rtnetlink_rcv_msg dispatches ``NLM_F_DUMP`` to the dumpit) or a generic netlink family's command with its
operation.  During the session every datagram a test sends to the kernel (port 0) through
``netlink_probe.sys.calls.sendto``/``sendmsg`` is noted (``SentRequests.note``; requests sent from
forked privilege contexts, by `ip` or by pyroute2 are not seen).  At session end, in a fresh namespace:

* rtnetlink: a request of every type RTM_BASE..RTM_MAX+4, as ``do`` and (GET types) as ``dump``, once per
  address family in FAMILIES.  rtnetlink_rcv_msg answers -EOPNOTSUPP when neither the family nor
  PF_UNSPEC registered a handler for the kind (rtnl_get_link); anything else means a handler ran.  The
  payload is the 4-byte rtgenmsg only, so handlers refuse it early (EINVAL, ENODEV) and change nothing.
* generic netlink: no request is sent (a bare request to some families acts on the whole machine:
  NET_DM_CMD_START starts the drop monitor).  The controller's family dump lists each family's ops with
  GENL_CMD_CAP_DO / GENL_CMD_CAP_DUMP (ctrl_fill_info iterates the same op table genl_get_cmd looks
  commands up in; an unlisted command is -EOPNOTSUPP in genl_family_rcv_msg).  Families that are not
  netnsok are hidden outside the initial namespace, where every test runs, so they cannot be reached.

``ReachPlugin`` (registered by support.plugin) wires this into the session: it taps the sends on each
process, hands a worker's notes to the xdist controller, probes and records ``reach.*`` keys on the
controller before the profile is written, and prints the not-reached list after the profile summary.
"""
from __future__ import annotations

import functools

import re
import struct
from collections.abc import Iterable
from typing import Any

import pytest

from netlink_probe import KernelError, NetNS, NetlinkError, Socket
from netlink_probe import constants as C
from netlink_probe.codec import layouts as L
from netlink_probe.codec.message import Message
from netlink_probe.genl_policy import parse_ops
from netlink_probe.pytest_plugin import record
from netlink_probe.sys import calls

__all__ = ["FAMILIES", "ReachPlugin", "SentRequests", "genl_ops", "probe_rtnl", "unreached"]

# every address family some kernel registers rtnetlink handlers for (rtnl_register* callers)
FAMILIES = {"unspec": C.AF_UNSPEC, "inet": C.AF_INET, "inet6": C.AF_INET6, "bridge": C.AF_BRIDGE,
            "mpls": 28, "can": 29, "phonet": 35, "qipcrtr": 42, "mctp": 45, "ipmr": 128, "ip6mr": 129}
_HDR = struct.Struct("=IHHII")
_WORKEROUTPUT = "netlink_probe_reach"
Unit = tuple[str, ...]  # ("rtnl", type name, op) or ("genl", family id as str, cmd as str, op)


def _rtm_name(mtype: int) -> str:
    return C.MESSAGE_TYPES.get(mtype, f"RTM_{mtype}")


def _op(mtype_kind_get: bool, flags: int) -> str:
    return "dump" if mtype_kind_get and flags & C.NLM_F_DUMP else "do"


def _is_get(mtype: int) -> bool:
    return (mtype - C.RTM_BASE) & 3 == 2  # rtnl_msgtype_kind: RTNL_KIND_GET


class SentRequests:
    """The request kinds this process sent to the kernel while tapped."""

    def __init__(self) -> None:
        self.units: set[Unit] = set()

    def note(self, fd: int, data: bytes, port: int, groups: int) -> None:
        """Note each message of one datagram sent to the kernel (port 0, no groups); never raises."""
        if port != 0 or groups:
            return
        try:
            protocol = calls.getsockopt_int(fd, C.SOL_SOCKET, C.SO_PROTOCOL)
            off = 0
            while off + _HDR.size <= len(data):
                length, mtype, flags, _, _ = _HDR.unpack_from(data, off)
                if length < _HDR.size:
                    break
                if protocol == C.NETLINK_ROUTE and mtype >= C.RTM_BASE:
                    self.units.add(("rtnl", _rtm_name(mtype), _op(_is_get(mtype), flags)))
                elif protocol == C.NETLINK_GENERIC and mtype >= C.GENL_MIN_ID and off + _HDR.size < len(data):
                    cmd = data[off + _HDR.size]
                    self.units.add(("genl", str(mtype), str(cmd), "dump" if flags & C.NLM_F_DUMP else "do"))
                off += (length + 3) & ~3
        except Exception:  # noqa: BLE001 - a tap must never break the test that sends
            pass

    def install(self, mp: pytest.MonkeyPatch) -> None:
        """Wrap calls.sendto/sendmsg until *mp* is undone."""
        sendto, sendmsg = calls.sendto, calls.sendmsg

        # functools.wraps: the wrappers keep the library's names and docstrings (docs/api.md is generated
        # from the live module, also by tests running in this session)
        @functools.wraps(sendto)
        def tapped_sendto(fd: int, data: bytes, pid: int = 0, groups: int = 0, flags: int = 0) -> int:
            self.note(fd, bytes(data), pid, groups)
            return sendto(fd, data, pid, groups, flags)

        @functools.wraps(sendmsg)
        def tapped_sendmsg(fd: int, chunks: list[bytes], pid: int = 0, groups: int = 0, flags: int = 0) -> int:
            self.note(fd, b"".join(bytes(c) for c in chunks), pid, groups)
            return sendmsg(fd, chunks, pid, groups, flags)

        mp.setattr(calls, "sendto", tapped_sendto)
        mp.setattr(calls, "sendmsg", tapped_sendmsg)


def _answer(sock: Socket, mtype: int, flags: int, payload: bytes) -> str:
    try:
        if flags & C.NLM_F_DUMP:
            sock.dump(mtype, payload).all()
        else:
            sock.request(mtype, flags, payload)
        return "ok"
    except KernelError as e:
        return e.errno_name
    except NetlinkError as e:
        return type(e).__name__


def probe_rtnl(ns: NetNS) -> dict[tuple[str, str], list[str]]:
    """(type name, op) -> the FAMILIES whose request was answered other than EOPNOTSUPP (maybe none)."""
    out: dict[tuple[str, str], list[str]] = {}
    with Socket(netns=ns, timeout=2.0) as s:
        for mtype in range(C.RTM_BASE, C.RTM_MAX + 5):
            for op in ("do", "dump") if _is_get(mtype) else ("do",):
                flags = C.NLM_F_DUMP if op == "dump" else 0
                out[(_rtm_name(mtype), op)] = [
                    name for name, fam in FAMILIES.items()
                    if _answer(s, mtype, flags, bytes([fam, 0, 0, 0])) != "EOPNOTSUPP"]
    return out


def genl_ops(ns: NetNS) -> dict[tuple[str, int], list[str]]:
    """(family name, family id) -> ["<cmd>.do", "<cmd>.dump", ...] as the controller lists them in *ns*."""
    out: dict[tuple[str, int], list[str]] = {}
    with Socket(C.NETLINK_GENERIC, netns=ns, timeout=2.0) as s:
        for m in s.dump(C.GENL_ID_CTRL, L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_GETFAMILY, version=1)).all():
            if m.type == C.GENL_ID_CTRL:
                name, fid, ops = _family_ops(m)
                out[(name, fid)] = ops
    return out


def _family_ops(m: Message) -> tuple[str, int, list[str]]:
    """(name, id, ["<cmd>.do", "<cmd>.dump", ...]) of one CTRL_CMD_NEWFAMILY message (genl_policy.parse_ops)."""
    a = m.attrs(L.GENLMSGHDR.size)
    ops = [f"{cmd}.{half}" for cmd, op in parse_ops(m).items()
           for half, has in (("do", op.do), ("dump", op.dump)) if has]
    return a.str(C.CTRL_ATTR_FAMILY_NAME, ""), a.u16(C.CTRL_ATTR_FAMILY_ID, 0), ops


def _segment(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_+-]", "_", name) or "_"


def unreached(sent: Iterable[Unit], ns: NetNS) -> tuple[dict[str, str], list[str]]:
    """Probe in *ns*; (profile key -> "reached"/"unreached"/errno, the not-reached kinds as printable names)."""
    sent = set(sent)
    keys: dict[str, str] = {}
    missing: list[str] = []
    for (name, op), families in probe_rtnl(ns).items():
        if not families:
            if name in C.MESSAGE_TYPES.values():  # a named type nothing answers: recorded, not listed
                keys[f"reach.rtnl.{name}.{op}"] = "EOPNOTSUPP"
            continue
        hit = ("rtnl", name, op) in sent
        keys[f"reach.rtnl.{name}.{op}"] = "reached" if hit else "unreached"
        if not hit:
            missing.append(f"{name} {op}")
    for (fam, fid), ops in sorted(genl_ops(ns).items()):
        for op in ops:
            cmd, kind = op.split(".")
            hit = ("genl", str(fid), cmd, kind) in sent
            keys[f"reach.genl.{_segment(fam)}.{cmd}.{kind}"] = "reached" if hit else "unreached"
            if not hit:
                missing.append(f"{fam} cmd {cmd} {kind}")
    return keys, missing


class ReachPlugin:
    """The session's tap, worker hand-over, end probe, profile keys and printed list (see the module doc)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.is_worker = hasattr(config, "workerinput")
        self.sent = SentRequests()
        self.mp = pytest.MonkeyPatch()
        self.missing: list[str] | None = None
        self.error: str | None = None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Tap every send of this process (the xdist controller runs no tests)."""
        self.sent.install(self.mp)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """Merge what a finished xdist worker saw its tests send."""
        for unit in (getattr(node, "workeroutput", None) or {}).get(_WORKEROUTPUT, []):
            self.sent.units.add(tuple(unit))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Worker: hand the notes over.  Controller: probe and record, before the profile is written."""
        self.mp.undo()
        if self.is_worker:
            self.config.workeroutput[_WORKEROUTPUT] = sorted(self.sent.units)  # type: ignore[attr-defined]
            return
        from .requirements import session_missing
        if session_missing() or not session.testscollected:
            return
        try:
            with NetNS.create() as ns:
                keys, self.missing = unreached(self.sent.units, ns)
        except Exception as e:  # noqa: BLE001 - any failure here (even a bug) must not cost the run its reports
            self.error = f"{type(e).__name__}: {e}"
            return
        for key, value in keys.items():
            record(key, value)
        record("reach.summary.rtnl_unreached", sum(k.startswith("reach.rtnl.") and v == "unreached"
                                                   for k, v in keys.items()))
        record("reach.summary.genl_unreached", sum(k.startswith("reach.genl.") and v == "unreached"
                                                   for k, v in keys.items()))

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """The not-reached list, after the profile summary."""
        tr = terminalreporter
        if self.error:
            tr.write_line(f"netlink-probe reach: the end probe failed: {self.error}", yellow=True)
        if self.missing is None:
            return
        rtnl_missing = [x for x in self.missing if x.startswith("RTM_")]
        genl_missing = [x for x in self.missing if not x.startswith("RTM_")]
        tr.write_line(f"netlink-probe reach: {len(rtnl_missing)} rtnetlink request kinds and {len(genl_missing)} "
                      "generic netlink operations the kernel answers were sent by no test:")
        tr.write_line("    rtnetlink: " + (", ".join(rtnl_missing) or "none"))
        by_family: dict[str, list[str]] = {}
        for x in genl_missing:
            fam, _, cmd, kind = x.split(" ")
            by_family.setdefault(fam, []).append(f"{cmd}.{kind}")
        for fam in sorted(by_family):
            tr.write_line(f"    genl {fam}: {' '.join(by_family[fam])}")
