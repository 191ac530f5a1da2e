"""The netlink-probe program: its parser, the standard streams, the dispatch to one subcommand.

Subcommands live in one module each (`commands.COMMANDS`), every one exposing
``add_parser(subparsers)`` (which registers itself with ``set_defaults(func=run)``)
and ``run(args) -> int``, wrapped by `errors.command`.  Only the module of the
subcommand being run is imported (the program's own ``--help`` imports them
all).  This module is imported by `cli.main` only once Ctrl-C is handled
(`interrupt`).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

from ._common import add_color_option
from .commands import COMMANDS
from .errors import EXIT_OK, EXIT_USAGE, PROG, one_line, print_error
from .streams import OutputError, guarded_stdout, reopen_closed_inputs, silence_stdout


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is ONE line (no usage block) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)} (see --help)\n")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The program's parser: --version, -c/--color, and one subparser per entry of `COMMANDS`.

    Given the command line *argv*, only the subcommand it runs is built (its module imported);
    without *argv*, or when the program's own help may be printed, every subcommand is.
    """
    from .. import __version__

    parser = _Parser(prog=PROG, description="A raw AF_NETLINK client and conformance prober for the live "
                                            "Linux kernel. Exit status: 0 done, 1 the kernel refused (or "
                                            "diff found differences), 2 bad usage.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    add_color_option(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    chosen = None if argv is None else chosen_command(argv)
    for name, module in COMMANDS.items():
        if chosen in (None, name):
            importlib.import_module(f"{__package__}.{module}").add_parser(sub)
    return parser


def chosen_command(argv: list[str]) -> str | None:
    """The subcommand *argv* runs, when it is sure: the first word that is not an option (nor --color's
    value), if that names one and no -h/--help comes before it.  None otherwise (no subcommand, a misspelt
    one, an abbreviated --color, the program's help): then argparse has the whole parser."""
    words = iter(argv)
    for word in words:
        if word == "--color":
            next(words, None)
        elif word.startswith("--h") or (word.startswith("-") and not word.startswith("--") and "h" in word):
            return None  # the program's help lists every subcommand
        elif word == "--":
            word = next(words, "")
            return word if word in COMMANDS else None
        elif not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def offer_completion(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's completion request when argcomplete asks (it exits then); otherwise nothing.

    argcomplete is optional (not a dependency): it is imported only when the
    shell's completion hook has set _ARGCOMPLETE, so a normal run never pays
    for it, and without it installed completion is simply unavailable.
    """
    if "_ARGCOMPLETE" not in os.environ:
        return
    try:
        import argcomplete
    except ImportError:
        return
    argcomplete.autocomplete(parser)


def run_program(argv: list[str] | None) -> int:
    """Parse *argv* (None: sys.argv[1:]) and run the subcommand; SystemExit(2) on a usage error."""
    reopen_closed_inputs()
    if "_ARGCOMPLETE" in os.environ:  # completing: every subcommand's options
        offer_completion(build_parser())
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    try:
        args = _parse(parser, argv)
    except OutputError as e:  # --help or --version into a full or failing stdout
        silence_stdout()
        print_error(f"{PROG}: {one_line(e)}")
        return EXIT_USAGE
    except BrokenPipeError:  # --help | head: the reader has what it wanted
        silence_stdout()
        return EXIT_OK
    rc: int = args.func(args)  # each run() reports its own failures (errors.command)
    return rc


def _parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """parse_args, with what --help/--version print flushed where a failed write can still be reported."""
    if sys.stdout is None:  # closed: argparse drops --help silently; a subcommand will say it is closed
        return parser.parse_args(argv)
    with guarded_stdout():
        try:
            return parser.parse_args(argv)
        finally:
            sys.stdout.flush()


__all__ = ["build_parser", "chosen_command", "offer_completion", "run_program"]
