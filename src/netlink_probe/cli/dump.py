"""``netlink-probe dump TABLE [dev NAME] [master NAME] [type KIND]``: rtnetlink dumps shown like ``ip``.

``--json`` prints the objects with the keys and values ``ip -j`` (or
``bridge -j``) uses (iproute2 6.1), ``-d`` and ``-s`` as ``ip -d``/``ip -s``;
``--json-lines`` one object per line.  Objects are printed as the kernel's
answer is read (a JSON array is opened, filled and closed as it goes), except
where ip itself groups (``dump addrs`` text, ``mdb``, ``vlan`` text).  The
text is ip's, coloured as ``ip -c`` with ``--color``.  The reading and
rendering is `netlink_probe.iproute2`'s.
"""
from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..iproute2.color import Palette
from ..iproute2.names import table_id
from ..iproute2.tables import STREAMED_TEXT, TABLES
from ._common import (JsonStream, Subparsers, add_color_option, complete_netns, family_arg, open_netns, palette_for,
                      table_arg)
from .errors import CliError, command

if TYPE_CHECKING:
    from ..iproute2 import show

FILTERS = ("dev", "master", "type")
_FILTERED = {"dev": set(TABLES) - {"rules", "neightbl"}, "master": {"links", "addrs"}, "type": {"links", "addrs"}}


class _Intermixed(argparse.ArgumentParser):
    """Takes the filter words anywhere among the options (`dump links -d dev va --json`), as ip does:
    the subcommand's parse is argparse's intermixed one (mixed into the program's parser class)."""

    _inside = False

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if self._inside:  # parse_known_intermixed_args calls back in here
            return super().parse_known_args(args, namespace)
        self._inside = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inside = False


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Register ``dump`` and its options."""
    p = subparsers.add_parser(
        "dump", help="dump links, addresses, routes, neighbours, rules, nexthops, netconf, fdb, mdb, vlans (like ip)",
        description="Dump one rtnetlink table, readable like `ip` (`bridge` for fdb, mdb, vlan), or with --json as "
                    "`ip -j` prints it. Filters as ip takes them: dev NAME, master NAME, type KIND.")
    p.add_argument("what", choices=TABLES, help="which table")
    p.add_argument("filters", nargs="*", default=[], metavar="dev NAME|master NAME|type KIND",
                   help="only the objects of link NAME (dev), the ports of master NAME, links of kind KIND "
                        "(KIND_slave: ports of such masters), as `ip link show dev|master|type`")
    p.add_argument("--netns", metavar="NAME|PATH",
                   help="network namespace: NAME means /run/netns/NAME; PATH any nsfs file "
                        "(/proc/PID/ns/net, /proc/PID/fd/N). Default: the current one"
                   ).completer = complete_netns  # type: ignore[attr-defined]  # read by argcomplete
    p.add_argument("--family", choices=("inet", "inet6"),
                   help="address family (routes and rules default to inet, as `ip route`/`ip rule` do)")
    p.add_argument("--table", default=None, metavar="main|local|default|all|N",
                   help="routes only: the routing table, a name or 0..4294967295 (default main, as `ip route`; "
                        "all without --family: both families, as `ip route show table all`)")
    p.add_argument("-d", "--details", action="store_true", help="details, as `ip -d` (link kinds' data and more)")
    p.add_argument("-s", "--stats", action="count", default=0, help="statistics, as `ip -s` (twice: `ip -s -s`)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="JSON, with the keys `ip -j` uses")
    out.add_argument("--json-lines", action="store_true", help="one JSON object per line, printed as it is read")
    add_color_option(p)
    p.set_defaults(func=run)
    # add_parser builds every subcommand with the program's one class (its one-line errors): keep it, parse intermixed
    p.__class__ = type("DumpParser", (_Intermixed, type(p)), {})
    return p


def parse_filters(what: str, words: list[str]) -> dict[str, str]:
    """`dev NAME master NAME type KIND` -> {"dev": NAME, ...}; CliError for anything else."""
    if len(words) % 2:
        raise CliError(f"filter {words[-1]!r} needs a value: dev NAME, master NAME or type KIND")
    out: dict[str, str] = {}
    for key, value in zip(words[::2], words[1::2]):
        if key not in FILTERS:
            raise CliError(f"unknown filter {key!r}: dev NAME, master NAME or type KIND")
        if what not in _FILTERED[key]:
            raise CliError(f"`{key}` does not apply to `dump {what}`")
        if key in out:
            raise CliError(f"filter {key!r} given twice")
        out[key] = value
    return out


@command("dump")
def run(args: argparse.Namespace) -> int:
    """Read one table in the namespace asked for and print it, as ip (or ip -j) would."""
    family = family_arg(args.family)
    if args.table is not None and args.what != "routes":
        raise CliError("--table applies to `dump routes` only")
    table = None if args.table is None else table_arg(args.table)
    filters = parse_filters(args.what, list(args.filters))
    palette = palette_for(args)
    ns = open_netns(args.netns)
    try:
        if (args.json or args.json_lines) and args.what == "routes" and not (filters or args.details or args.stats):
            from ..iproute2.fast_routes import write_routes  # the fast path: the same bytes, per datagram
            with JsonStream(lines=args.json_lines) as rout:
                write_routes(ns, rout, family=family, table=table_id(table))
        else:
            _show(args, ns, family, table, filters, palette)
    finally:
        if ns is not None:
            ns.close()
    return 0


def _show(args: argparse.Namespace, ns: object, family: int, table: str | int | None, filters: dict[str, str],
          palette: Palette) -> None:
    """Every other dump, through `show`: imported here, as the route fast path uses none of its renderers."""
    from ..iproute2 import show
    query = show.Query(family=family, table=table, details=args.details, stats=args.stats,
                       dev=filters.get("dev"), master=filters.get("master"), kind=filters.get("type"))
    if args.json or args.json_lines:
        objs = _objects(args.what, ns, query)
        first = list(itertools.islice(objs, 1))  # filter refusals come before any output, as ip's
        with JsonStream(lines=args.json_lines) as out:
            for obj in itertools.chain(first, objs):
                out.write(obj)
    elif args.what == "addrs" and not (query.dev or query.master or query.kind):
        _print(show.addresses_text(ns, family=query.family, palette=palette, details=args.details))
    elif args.what in STREAMED_TEXT:
        for obj in _objects(args.what, ns, query):
            _print(show.text(args.what, [obj], palette))
    else:
        _print(show.text(args.what, _objects(args.what, ns, query), palette))


def _objects(what: str, ns: object, query: show.Query) -> Iterator[dict[str, object]]:
    """`show.objects`, its filter refusals as CliError (a name the namespace lacks is bad use: exit 2)."""
    from ..iproute2 import show
    try:
        yield from show.objects(what, ns, query)
    except show.NoSuchDevice as e:
        raise CliError(str(e)) from None


def _print(text: str) -> None:
    if text:
        sys.stdout.write(text + "\n")


__all__ = ["FILTERS", "add_parser", "parse_filters", "run"]
