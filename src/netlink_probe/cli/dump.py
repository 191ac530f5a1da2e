"""``netlink-probe dump {links,addrs,routes,neigh,neightbl}``: rtnetlink dumps shown like ``ip``.

``--json`` prints the objects with the keys and values ``ip -j`` uses
(iproute2 6.1); the text is ip's (``dump addrs``: each link, its addresses
below it, as ``ip addr``), coloured as ``ip -c`` with ``--color``.  The
reading and rendering is `netlink_probe.iproute2`'s.
"""
from __future__ import annotations

import argparse

from ..iproute2 import show
from ._common import (Subparsers, add_color_option, complete_netns, family_arg, open_netns, palette_for, print_json,
                      table_arg)
from .errors import CliError, command


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Register ``dump`` and its options."""
    p = subparsers.add_parser(
        "dump", help="dump links, addresses, routes, neighbours or neighbour tables (like ip)",
        description="Dump one rtnetlink table, readable like `ip`, or with --json as `ip -j` prints it.")
    p.add_argument("what", choices=show.TABLES, help="which table")
    p.add_argument("--netns", metavar="NAME|PATH",
                   help="network namespace: NAME means /run/netns/NAME; PATH any nsfs file "
                        "(/proc/PID/ns/net, /proc/PID/fd/N). Default: the current one"
                   ).completer = complete_netns  # type: ignore[attr-defined]  # read by argcomplete
    p.add_argument("--family", choices=("inet", "inet6"),
                   help="address family (routes default to inet, as `ip route` does)")
    p.add_argument("--table", default=None, metavar="main|local|default|all|N",
                   help="routes only: the routing table, a name or 0..4294967295 (default main, as `ip route`)")
    p.add_argument("--json", action="store_true", help="JSON, with the keys `ip -j` uses")
    add_color_option(p)
    p.set_defaults(func=run)
    return p


@command("dump")
def run(args: argparse.Namespace) -> int:
    """Read one table in the namespace asked for and print it, as ip (or ip -j) would."""
    family = family_arg(args.family)
    if args.table is not None and args.what != "routes":
        raise CliError("--table applies to `dump routes` only")
    table = None if args.table is None else table_arg(args.table)
    palette = palette_for(args)
    ns = open_netns(args.netns)
    try:
        if args.what == "addrs" and not args.json:
            text = show.addresses_text(ns, family=family, palette=palette)
        else:
            objs = show.collect(args.what, ns, family=family, table=table)
            if args.json:
                print_json(objs)
                return 0
            text = show.text(args.what, objs, palette)
    finally:
        if ns is not None:
            ns.close()
    if text:
        print(text)
    return 0


__all__ = ["add_parser", "run"]
