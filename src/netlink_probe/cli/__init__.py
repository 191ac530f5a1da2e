# PYTHON_ARGCOMPLETE_OK  (argcomplete's marker: this module is the console script's entry point)
"""The ``netlink-probe`` command (also ``python -m netlink_probe``).

This module imports nothing heavy: `main` first makes Ctrl-C exit 130
quietly (`interrupt`), then loads the parser and the subcommands
(`program`).  A failure gets one line on stderr, never a traceback, and exit
status 1 (the kernel refused) or 2 (bad use) (`errors`).  Shell completion
comes from argcomplete when it is installed (`program.offer_completion`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .interrupt import EXIT_INTERRUPTED, quiet_interrupts

if TYPE_CHECKING:
    import argparse


def main(argv: list[str] | None = None) -> int:
    """Run the command line *argv*; returns the exit status.

    With *argv* None (the program: sys.argv[1:]) a Ctrl-C after the return
    still exits 130 quietly; an in-process caller passing *argv* gets its own
    SIGINT handler back.
    """
    with quiet_interrupts(keep=argv is None):
        try:
            from .program import run_program
            return run_program(argv)
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED


def build_parser() -> argparse.ArgumentParser:
    """The whole command's argument parser (loads every subcommand)."""
    from .program import build_parser as build
    return build()


__all__ = ["build_parser", "main"]
