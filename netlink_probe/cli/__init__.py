"""The ``netlink-probe`` command (also ``python -m netlink_probe``).

Subcommands live in one module each, every one exposing ``add_parser(subparsers)``
(which registers itself with ``set_defaults(func=run)``) and ``run(args) -> int``,
wrapped by `errors.command`: bad use gets one line on stderr and exit status 2,
never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
from typing import NoReturn

from .errors import EXIT_USAGE, PROG

SUBCOMMANDS = ("dump", "monitor", "decode", "kernel_info", "diff", "profile")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is ONE line (no usage block) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(prog=PROG, description="A raw AF_NETLINK client and conformance prober for the live "
                                            "Linux kernel.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line *argv* (default sys.argv[1:]); returns the exit status."""
    args = build_parser().parse_args(argv)
    rc: int = args.func(args)  # each run() reports its own failures (errors.command)
    return rc


__all__ = ["build_parser", "main"]
