"""``netlink-probe monitor [--group G ...]``: print multicast notifications as they arrive.

Without ``--group`` it listens like ``ip monitor``: to the rtnetlink groups
iproute2 joins by default (`iproute2.monitor.DEFAULT_GROUPS`; a group this
kernel lacks is left out and named on the "listening" line).  Groups are
given by number (any protocol), by RTNLGRP_ name (NETLINK_ROUTE) or as
generic netlink ``FAMILY:GROUP`` names (``nlctrl:notify``; resolved with
CTRL_CMD_GETFAMILY in the namespace listened in, `netlink_probe.genl`; the
protocol is then NETLINK_GENERIC).

Groups are joined with NETLINK_ADD_MEMBERSHIP, so any group number works
(bind()'s nl_groups mask only reaches 32), and NETLINK_PKTINFO is on, so each
notification shows the group it came from (the sender address says 0 for
groups above 32).  With --all-nsid, NETLINK_LISTEN_ALL_NSID is on and
notifications from peer namespaces show their nsid.

One line per notification (or one JSON object per line with --json):
group, nsid, message type, flags, and the object's key fields by ip's names.
``-t`` puts ``ip -t monitor``'s "Timestamp: ..." line before each,
``--timestamp-short`` ``ip -ts``'s prefix (JSON: a "timestamp" key).
Stops after --count notifications or --timeout seconds, else at Ctrl-C.

Keeping up with bursts: a notification the kernel cannot queue is lost
(the next receive fails with ENOBUFS).  Python prints far fewer
notifications a second than the kernel can send in a burst (100k route
changes in well under a second), so the socket asks for a receive queue
large enough to hold such a burst (``--rcvbuf``, default 128 MiB: about
830 bytes of queue per route notification; SO_RCVBUFFORCE with
CAP_NET_ADMIN, else SO_RCVBUF, which net.core.rmem_max caps) and the
output is flushed once per batch of queued notifications, not per line.
When notifications are lost anyway, an "overrun" line marks the place in
the output and stderr says what happened, once, and how many at exit.

Only the kernel (port 0) sends notifications, but any socket with
CAP_NET_ADMIN over the namespace (a container's root, when listening in a
container's namespace) can send datagrams to our port or groups: the socket
drops those unread (`Socket.foreign_dropped`), and at exit their count goes
to stderr.
"""
from __future__ import annotations

import argparse
import datetime
import select
import sys
import time
from typing import Any

from .. import constants as C
from .. import genl
from ..codec import flags_names
from ..codec.describe import describe
from ..codec.describe_text import message_text
from ..codec.errors import errno_name
from ..codec.msgtypes import type_name
from ..errors import Overrun
from ..iproute2.color import PLAIN, Palette
from ..iproute2.monitor import default_groups, timestamp, timestamp_short
from ..iproute2.stream import element_text
from ..iproute2.summary import summary
from ..netns import NetNS
from ..socket import Notification, Socket
from ._common import (Subparsers, add_color_option, complete_netns, count_arg, group_name, group_number, open_netns,
                      palette_for, protocol_arg, protocol_name, seconds_arg)
from .errors import EXIT_REFUSED, CliError, command
from .monitor_queue import DEFAULT_RCVBUF, OverrunReport, receive_queue, size_arg


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Register ``monitor`` and its options."""
    p = subparsers.add_parser(
        "monitor", help="print multicast notifications (like ip monitor; any group number, genl names)",
        description="Join multicast groups and print each notification decoded, with the group it came from. "
                    "Without --group: the rtnetlink groups `ip monitor` listens to. Groups by number, by "
                    "RTNLGRP_ name (NETLINK_ROUTE; groups above 32 included) or as generic netlink "
                    "FAMILY:GROUP (nlctrl:notify).")
    g = p.add_argument("--group", "-g", action="append", default=None, metavar="G",
                       help="group number, RTNLGRP name (link, RTNLGRP_IPV4_IFADDR, 38, ...) or generic netlink "
                            "FAMILY:GROUP (nlctrl:notify); repeatable. Default: ip monitor's groups")
    g.completer = _complete_group  # type: ignore[attr-defined]  # argcomplete reads it, when installed
    p.add_argument("--protocol", default=None, metavar="P",
                   help="netlink protocol (default route; generic when the groups are FAMILY:GROUP names)")
    p.add_argument("--netns", metavar="NAME|PATH", help="listen inside this network namespace"
                   ).completer = complete_netns  # type: ignore[attr-defined]  # read by argcomplete
    p.add_argument("--all-nsid", action="store_true",
                   help="NETLINK_LISTEN_ALL_NSID: also notifications of peer namespaces, with their nsid")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--full", action="store_true", help="also print every attribute (as `decode` does)")
    p.add_argument("-t", "--timestamp", action="store_true",
                   help="a 'Timestamp: ...' line before each notification, as `ip -t monitor`")
    p.add_argument("--timestamp-short", "--ts", action="store_true",
                   help="a short [YYYY-MM-DDTHH:MM:SS.UUUUUU] prefix, as `ip -ts monitor`")
    p.add_argument("--count", type=count_arg, default=None, metavar="N", help="stop after N notifications")
    p.add_argument("--timeout", type=seconds_arg, default=None, metavar="S", help="stop after S seconds")
    p.add_argument("--rcvbuf", type=size_arg, default=DEFAULT_RCVBUF, metavar="BYTES",
                   help="the socket's receive queue, what a burst may fill before notifications are lost "
                        "(K/M/G suffixes; default 128M; beyond net.core.rmem_max only with CAP_NET_ADMIN)")
    add_color_option(p)
    p.set_defaults(func=run)
    return p


def _complete_group(prefix: str, **_: Any) -> list[str]:
    """Shell completion of --group: the RTNLGRP names, lower case without their prefix."""
    return [n[8:].lower() for n in C.RTNL_GROUPS.values() if n != "RTNLGRP_NONE" and n[8:].lower().startswith(prefix)]


def protocol_and_specs(args: argparse.Namespace) -> tuple[int, list[str | int]]:
    """(protocol, groups): numbers and RTNLGRP names resolved, FAMILY:GROUP names kept for the kernel.

    Everything that can be checked without the kernel is checked here, before anything opens.
    """
    texts = list(args.group or ())
    generic_names = [t for t in texts if genl.split_group(t) is not None]
    if args.protocol is not None:
        protocol = protocol_arg(args.protocol)
    else:
        protocol = C.NETLINK_GENERIC if generic_names else C.NETLINK_ROUTE
    if generic_names and protocol != C.NETLINK_GENERIC:
        raise CliError(f"group {generic_names[0]!r} is a generic netlink FAMILY:GROUP name: it needs "
                       f"--protocol generic, not {protocol_name(protocol)}")
    if not texts and protocol != C.NETLINK_ROUTE:
        raise CliError(f"give --group for {protocol_name(protocol)}: only NETLINK_ROUTE has a default "
                       "(the groups `ip monitor` listens to)")
    specs: list[str | int] = []
    for t in texts:
        if genl.split_group(t) is not None:
            specs.append(t.strip())
        elif protocol == C.NETLINK_GENERIC and ":" not in t and not t.strip()[:1].isdigit() \
                and t.strip()[:1] not in "+-":
            raise CliError(f"unknown group {t!r}: generic netlink groups are named FAMILY:GROUP "
                           "(e.g. nlctrl:notify), or give a number")
        else:
            specs.append(group_number(t, protocol))
    return protocol, specs


class GroupNames:
    """Group number -> name for the lines printed: RTNLGRP_ names, or generic netlink FAMILY:GROUP."""

    def __init__(self, protocol: int, netns: NetNS | None) -> None:
        self.protocol = protocol
        self.generic: dict[int, str] = {}
        if protocol == C.NETLINK_GENERIC:
            try:
                self.generic = genl.group_names(netns)
            except OSError:  # names are a nicety; the numbers still say it all
                self.generic = {}

    def __call__(self, group: int | None) -> str | None:
        """The name of *group*, None when it has none (or is None)."""
        if group is not None and self.protocol == C.NETLINK_GENERIC:
            return self.generic.get(group)
        return group_name(group, self.protocol)


def resolve(specs: list[str | int], protocol: int, netns: NetNS | None) -> list[int]:
    """Group numbers for *specs*: FAMILY:GROUP names asked of the generic netlink controller in *netns*."""
    out = []
    for spec in specs:
        if isinstance(spec, int):
            out.append(spec)
            continue
        try:
            out.append(genl.group_id(spec, netns))
        except genl.UnknownGroup as e:
            raise CliError(str(e)) from None
    return out


def join(sock: Socket, groups: list[int], protocol: int, *, required: bool) -> dict[int, str]:
    """Join *groups*; {group: errno name} of those the kernel refused (raises CliError if *required*)."""
    refused = {}
    for g in groups:
        try:
            sock.join(g)
        except OSError as e:
            if required:
                raise CliError(f"the kernel refused to join group {g} of {protocol_name(protocol)}: "
                               f"{errno_name(e.errno or 0)} ({e.strerror})", EXIT_REFUSED) from None
            refused[g] = errno_name(e.errno or 0)
    return refused


@command("monitor")
def run(args: argparse.Namespace) -> int:
    """Join the groups, say so on stderr, print notifications until --count, --timeout or Ctrl-C."""
    protocol, specs = protocol_and_specs(args)
    ns = open_netns(args.netns)
    try:
        groups = resolve(specs, protocol, ns) if specs else default_groups()
        names = GroupNames(protocol, ns)
        try:
            sock = Socket(protocol, netns=ns, rcvbuf=0, pktinfo=True, listen_all_nsid=args.all_nsid)
        except OSError as e:
            raise CliError(f"cannot open a {protocol_name(protocol)} socket: {errno_name(e.errno or 0)} "
                           f"({e.strerror or e})", EXIT_REFUSED) from None
        with sock:
            queue = receive_queue(sock, getattr(args, "rcvbuf", DEFAULT_RCVBUF))
            refused = join(sock, groups, protocol, required=bool(specs))
            joined = [g for g in groups if g not in refused]
            listed = ", ".join(f"{g} ({names(g)})" if names(g) else str(g) for g in joined)
            left_out = "; not on this kernel: " + ", ".join(f"{g} ({names(g) or '?'}: {e})"
                                                            for g, e in refused.items()) if refused else ""
            # on stderr, also with --json: tells a caller the groups are joined
            where = f" in {ns.label} (netns inode {ns.inode})" if ns is not None else ""
            print(f"listening on {protocol_name(protocol)} group{'s' if len(joined) > 1 else ''} {listed}{where}"
                  f"{left_out}", file=sys.stderr, flush=True)
            watch = OverrunReport(queue)
            try:
                return listen(sock, protocol, args, names=names, palette=palette_for(args), overruns=watch)
            finally:  # also on Ctrl-C
                report_dropped(sock)
                watch.at_exit()
    finally:
        if ns is not None:
            ns.close()


def listen(sock: Socket, protocol: int, args: argparse.Namespace, *, names: GroupNames | None = None,
           palette: Palette = PLAIN, overruns: OverrunReport | None = None) -> int:
    """Print notifications from *sock* (one line or JSON object each) until --count or --timeout.

    What the socket has queued is printed in one go and flushed once: a
    write per line would make a burst cost a system call per notification.
    """
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    stamp = getattr(args, "timestamp", False) or getattr(args, "timestamp_short", False)
    out = sys.stdout
    seen = 0
    try:
        while True:
            left = 3600.0 if deadline is None else deadline - time.monotonic()
            if left <= 0:
                return 0
            got = False
            for n in sock.notifications(timeout=0):  # what is queued, without waiting
                got = True
                when = time.time_ns() if stamp else None
                if isinstance(n, Overrun):
                    if overruns is not None:
                        overruns()
                    out.write(_line({"overrun": True, "error": "ENOBUFS"} if args.json else
                                    "overrun: ENOBUFS, the receive queue overflowed and notifications were lost",
                                    args.json))
                    continue
                if args.json:
                    out.write(_line(record(n, protocol, full=args.full, names=names, when=when), True))
                else:
                    line = text(n, protocol, full=args.full, names=names, palette=palette)
                    if getattr(args, "timestamp_short", False):
                        line = timestamp_short(when) + line
                    elif getattr(args, "timestamp", False):
                        line = timestamp(when) + "\n" + line
                    out.write(line + "\n")
                seen += 1
                if args.count is not None and seen >= args.count:
                    return 0
                if deadline is not None and time.monotonic() >= deadline:
                    return 0
            out.flush()
            if not got:
                _wait(sock, min(left, 1.0))
    finally:
        out.flush()


def _wait(sock: Socket, seconds: float) -> None:
    """Until the socket has a datagram or *seconds* have passed (a transport without an fd: a short sleep)."""
    fd = sock.fileno()
    if fd < 0:
        time.sleep(min(seconds, 0.005))
        return
    select.select([fd], [], [], seconds)


def report_dropped(sock: Socket) -> None:
    """One stderr line (both modes) when datagrams from user ports were dropped: how many, the last sender's port."""
    n = sock.foreign_dropped
    if n:
        print(f"dropped {n} datagram{'s' if n > 1 else ''} from user ports (last from port {sock.foreign_last_port}): "
              "only the kernel (port 0) sends notifications", file=sys.stderr, flush=True)


def _line(item: Any, as_json: bool) -> str:
    """One output line: the text, or the JSON object compact as `print_json(lines=True)` writes it."""
    if as_json:
        return element_text(item, lines=True) + "\n"
    return str(item) + "\n"


def record(n: Notification, protocol: int, *, full: bool = False, names: GroupNames | None = None,
           when: int | None = None) -> dict[str, Any]:
    """One notification as a JSON-able dict (*when*: its arrival, time.time_ns(), as an ISO 8601 "timestamp")."""
    m = n.message
    name, known = type_name(m.type, protocol)
    group = names(n.group) if names is not None else group_name(n.group, protocol)
    d: dict[str, Any] = {}
    if when is not None:
        d["timestamp"] = datetime.datetime.fromtimestamp(when / 1e9).astimezone().isoformat(timespec="microseconds")
    d.update({"group": n.group, "group_name": group, "nsid": n.nsid, "type": name or str(m.type),
              "type_number": m.type})
    if name and not known:
        d["type_named_by_headers"] = False
    d["flags"] = flags_names(m.type, m.flags, protocol)
    d["seq"], d["pid"] = m.seq, m.pid
    d["object"] = summary(m, protocol)
    if full:
        d["message"] = describe(m, protocol)
    return d


def text(n: Notification, protocol: int, *, full: bool = False, names: GroupNames | None = None,
         palette: Palette = PLAIN) -> str:
    """One notification as one line: group and name, nsid, type, flags, seq, pid, the object's key fields."""
    d = record(n, protocol, full=full, names=names)
    g = f"group {d['group']}" + (f" {d['group_name']}" if d["group_name"] else "") if d["group"] is not None \
        else f"groups mask {n.src_groups:#x}"
    ns = f" nsid {d['nsid']}" if d["nsid"] is not None else ""
    t = d["type"] + (" [not in the headers]" if d.get("type_named_by_headers") is False else "")
    obj = d["object"]
    fields = " ".join(f"{k}={_painted(k, _v(v), obj.get('family'), palette)}" for k, v in obj.items())
    line = f"[{g}{ns}] {t} flags={'|'.join(d['flags']) or '0'} seq={d['seq']} pid={d['pid']}: {fields}"
    if full:
        line += "\n" + "\n".join(message_text(d["message"]).splitlines()[1:])
    return line


_ADDRESSES = ("local", "address", "dst", "gateway", "multicast", "anycast")


def _painted(key: str, value: str, family: object, palette: Palette) -> str:
    """A summary field coloured as ip colours its kind: names, addresses by family, MACs, states."""
    if key == "ifname":
        return palette.paint("ifname", value)
    if key in _ADDRESSES:
        return palette.address(family if isinstance(family, str) else None, value)
    if key == "lladdr":
        return palette.paint("mac", value)
    if key == "operstate":
        return palette.state(value)
    return value


def _v(v: object) -> str:
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    return str(v)


__all__ = ["GroupNames", "add_parser", "join", "listen", "protocol_and_specs", "record", "report_dropped", "resolve",
           "run", "text"]
