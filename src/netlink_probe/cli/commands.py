"""The subcommands: the module that runs each, and its one-line help.

`program` lists every subcommand in ``--help`` from this table, and imports
only the module of the one being run: a command does not pay for the
others' imports (``dump routes`` once imported the schema tables, the
profile machinery and ``monitor``'s genl resolver).  Each module registers
its own options with ``add_parser(subparsers)`` and takes its help from here.
"""
from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    """One subcommand: the module that implements it and its line in ``--help``."""

    module: str  # netlink_probe.cli.<module>
    help: str  # the line `netlink-probe --help` shows


COMMANDS = {
    "dump": Command("dump", "dump links, addresses, routes, neighbours, rules, nexthops, netconf, fdb, mdb, "
                            "vlans (like ip)"),
    "monitor": Command("monitor", "print multicast notifications (like ip monitor; any group number, genl names)"),
    "decode": Command("decode", "decode netlink bytes (hex text or raw) from stdin"),
    "kernel-info": Command("kernel_info", "what the running kernel's netlink offers, measured (needs root)"),
    "diff": Command("diff", "compare two observation profiles"),
    "profile": Command("profile", "run the conformance suite and write an observation profile"),
    "report": Command("report", "render one HTML/Markdown report across the kernels of a results directory"),
}

__all__ = ["COMMANDS", "Command"]
