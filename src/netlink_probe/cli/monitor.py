"""``netlink-probe monitor --group G [...]``: print multicast notifications as they arrive.

Groups are joined with NETLINK_ADD_MEMBERSHIP, so any group number works
(bind()'s nl_groups mask only reaches 32), and NETLINK_PKTINFO is on, so each
notification shows the group it came from (the sender address says 0 for
groups above 32).  With --all-nsid, NETLINK_LISTEN_ALL_NSID is on and
notifications from peer namespaces show their nsid.

One line per notification (or one JSON object per line with --json):
group, nsid, message type, flags, and the object's key fields.  Stops after
--count notifications or --timeout seconds, else at Ctrl-C.

Only the kernel (port 0) sends notifications, but any socket with
CAP_NET_ADMIN over the namespace (a container's root, when listening in a
container's namespace) can send datagrams to our port or groups: the socket
drops those unread (`Socket.foreign_dropped`), and at exit their count goes
to stderr.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from ..codec import flags_names
from ..codec.describe import describe
from ..codec.describe_text import message_text
from ..codec.errors import errno_name
from ..codec.msgtypes import type_name
from ..errors import Overrun
from ..iproute2.summary import summary
from ..socket import Notification, Socket
from ._common import (Subparsers, count_arg, group_name, group_number, open_netns, print_json, protocol_arg,
                      protocol_name, seconds_arg)
from .errors import CliError, command


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "monitor", help="print multicast notifications (any group number, with group and nsid)",
        description="Join multicast groups (by number, or by RTNLGRP_ name for NETLINK_ROUTE; groups above 32 "
                    "included) and print each notification decoded, with the group it came from.")
    p.add_argument("--group", "-g", action="append", required=True, metavar="G",
                   help="group number or RTNLGRP name (link, RTNLGRP_IPV4_IFADDR, 38, ...); repeatable")
    p.add_argument("--protocol", default="route", metavar="P", help="netlink protocol (default route)")
    p.add_argument("--netns", metavar="NAME|PATH", help="listen inside this network namespace")
    p.add_argument("--all-nsid", action="store_true",
                   help="NETLINK_LISTEN_ALL_NSID: also notifications of peer namespaces, with their nsid")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--full", action="store_true", help="also print every attribute (as `decode` does)")
    p.add_argument("--count", type=count_arg, default=None, metavar="N", help="stop after N notifications")
    p.add_argument("--timeout", type=seconds_arg, default=None, metavar="S", help="stop after S seconds")
    p.set_defaults(func=run)
    return p


@command("monitor")
def run(args: argparse.Namespace) -> int:
    protocol = protocol_arg(args.protocol)
    groups = [group_number(g, protocol) for g in args.group]
    ns = open_netns(args.netns)
    try:
        try:
            sock = Socket(protocol, netns=ns, pktinfo=True, listen_all_nsid=args.all_nsid)
        except OSError as e:
            raise CliError(f"cannot open a {protocol_name(protocol)} socket: {e.strerror or e}") from None
        with sock:
            for g in groups:
                try:
                    sock.join(g)
                except OSError as e:
                    raise CliError(f"the kernel refused to join group {g} of {protocol_name(protocol)}: "
                                   f"{errno_name(e.errno or 0)} ({e.strerror})") from None
            names = ", ".join(f"{g} ({group_name(g, protocol)})" if group_name(g, protocol) else str(g)
                              for g in groups)
            # on stderr, also with --json: tells a caller the groups are joined
            where = f" in {ns.label} (netns inode {ns.inode})" if ns is not None else ""
            print(f"listening on {protocol_name(protocol)} group{'s' if len(groups) > 1 else ''} {names}{where}",
                  file=sys.stderr, flush=True)
            try:
                return listen(sock, protocol, args)
            finally:  # also on Ctrl-C
                report_dropped(sock)
    finally:
        if ns is not None:
            ns.close()


def listen(sock: Socket, protocol: int, args: argparse.Namespace) -> int:
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    seen = 0
    while True:
        left = 3600.0 if deadline is None else deadline - time.monotonic()
        if left <= 0:
            return 0
        for n in sock.notifications(timeout=min(left, 1.0)):
            if isinstance(n, Overrun):
                line = {"overrun": True, "error": "ENOBUFS"} if args.json else \
                    "overrun: ENOBUFS, the receive queue overflowed and notifications were lost"
                _emit(line, args.json)
                continue
            _emit(record(n, protocol, full=args.full) if args.json else text(n, protocol, full=args.full),
                  args.json)
            seen += 1
            if args.count is not None and seen >= args.count:
                return 0
            if deadline is not None and time.monotonic() >= deadline:
                return 0


def report_dropped(sock: Socket) -> None:
    """One stderr line (both modes) when datagrams from user ports were dropped: how many, the last sender's port."""
    n = sock.foreign_dropped
    if n:
        print(f"dropped {n} datagram{'s' if n > 1 else ''} from user ports (last from port {sock.foreign_last_port}): "
              "only the kernel (port 0) sends notifications", file=sys.stderr, flush=True)


def _emit(item: Any, as_json: bool) -> None:
    if as_json:
        print_json(item, lines=True)
    else:
        sys.stdout.write(item + "\n")
        sys.stdout.flush()


def record(n: Notification, protocol: int, *, full: bool = False) -> dict[str, Any]:
    """One notification as a JSON-able dict."""
    m = n.message
    name, known = type_name(m.type, protocol)
    d: dict[str, Any] = {"group": n.group, "group_name": group_name(n.group, protocol), "nsid": n.nsid,
                         "type": name or str(m.type), "type_number": m.type}
    if name and not known:
        d["type_named_by_headers"] = False
    d["flags"] = flags_names(m.type, m.flags, protocol)
    d["seq"], d["pid"] = m.seq, m.pid
    d["object"] = summary(m, protocol)
    if full:
        d["message"] = describe(m, protocol)
    return d


def text(n: Notification, protocol: int, *, full: bool = False) -> str:
    d = record(n, protocol, full=full)
    g = f"group {d['group']}" + (f" {d['group_name']}" if d["group_name"] else "") if d["group"] is not None \
        else f"groups mask {n.src_groups:#x}"
    ns = f" nsid {d['nsid']}" if d["nsid"] is not None else ""
    t = d["type"] + (" [not in the headers]" if d.get("type_named_by_headers") is False else "")
    obj = " ".join(f"{k}={_v(v)}" for k, v in d["object"].items())
    line = f"[{g}{ns}] {t} flags={'|'.join(d['flags']) or '0'} seq={d['seq']} pid={d['pid']}: {obj}"
    if full:
        line += "\n" + "\n".join(message_text(d["message"]).splitlines()[1:])
    return line


def _v(v: object) -> str:
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    return str(v)


__all__ = ["add_parser", "listen", "record", "report_dropped", "run", "text"]
