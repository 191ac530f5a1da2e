#!/usr/bin/env python3
"""`netlink-probe dump routes --json` as it runs once `cli/dump.py` uses `iproute2.fast_routes`.

    python3 bench/fast_routes_cli.py [--json-lines] [--netns PATH] [--family inet|inet6] [--table T]

Pays what the command pays -- the CLI's imports and argument parsing
(`cli.program.build_parser`) -- then writes the routes through
`fast_routes.write_routes`.  The harness (`bench/harness.py`, workload
`cli`) times it as a whole process against `ip -j route show` and the
command as it is today.  Not a test.
"""
from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from netlink_probe.cli import program
    from netlink_probe.cli._common import family_arg, open_netns, table_arg
    from netlink_probe.iproute2.fast_routes import write_routes
    from netlink_probe.iproute2.names import table_id
    from netlink_probe.iproute2.stream import JsonStream

    lines = "--json-lines" in argv
    args = program.build_parser().parse_args(
        ["dump", "routes", "--json-lines" if lines else "--json"] + [a for a in argv if not a.startswith("--json")])
    table = table_id(None if args.table is None else table_arg(args.table))
    ns = open_netns(args.netns)
    try:
        with JsonStream(lines=lines) as out:
            write_routes(ns, out, family=family_arg(args.family), table=table)
    finally:
        if ns is not None:
            ns.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
