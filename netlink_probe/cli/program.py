"""The netlink-probe program: its parser, the standard streams, the dispatch to one subcommand.

Subcommands live in one module each, every one exposing ``add_parser(subparsers)``
(which registers itself with ``set_defaults(func=run)``) and ``run(args) -> int``,
wrapped by `errors.command`.  This module is imported by `cli.main` only once
Ctrl-C is handled (`interrupt`): it loads the whole package.
"""
from __future__ import annotations

import argparse
import importlib
from typing import NoReturn

from .errors import EXIT_USAGE, PROG, one_line
from .streams import reopen_closed_inputs

SUBCOMMANDS = ("dump", "monitor", "decode", "kernel_info", "diff", "profile")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is ONE line (no usage block) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(prog=PROG, description="A raw AF_NETLINK client and conformance prober for the live "
                                            "Linux kernel.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"{__package__}.{name}")
        module.add_parser(sub)
    return parser


def run_program(argv: list[str] | None) -> int:
    """Parse *argv* (None: sys.argv[1:]) and run the subcommand; SystemExit(2) on a usage error."""
    reopen_closed_inputs()
    args = build_parser().parse_args(argv)
    rc: int = args.func(args)  # each run() reports its own failures (errors.command)
    return rc


__all__ = ["SUBCOMMANDS", "build_parser", "run_program"]
