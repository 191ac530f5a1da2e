"""``netlink-probe diff A.json B.json [--json]``: compare two profiles.

Exit status: 0 when the observations agree, 1 when they differ, 2 on bad
input (one line on stderr naming the file and the key: profiles are checked
against the package's JSON Schema, ``profile/schema.json``; a FIFO, a device
or a file over 16 MiB is refused without reading it).  Strings from the
profiles are escaped before they reach the terminal.  Test counts, "created", the kernel release and
the headers version are shown but are not behavioural differences.
"""

from __future__ import annotations

import argparse
import json
import sys

from netlink_probe import profile as _profile

from ._common import Subparsers
from .errors import EXIT_DIFFERENT, EXIT_OK, CliError, command, reader_may_leave


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Register ``diff`` and its arguments."""
    p = subparsers.add_parser(
        "diff",
        help="compare two observation profiles",
        description="Compare two observation profiles (written by --profile or "
        "'netlink-probe profile'), grouped by key family. Exit status: 0 no "
        "behavioural difference, 1 differences, 2 bad input.",
    )
    p.add_argument("a", metavar="A.json", help="the first profile")
    p.add_argument("b", metavar="B.json", help="the second profile")
    p.add_argument("--json", action="store_true", help="print the diff as JSON (for CI)")
    p.set_defaults(func=run)
    return p


@command("diff")
def run(args: argparse.Namespace) -> int:
    """Compare the two profiles: 0 when they agree, 1 when they differ (bad input: CliError, 2)."""
    try:
        a = _profile.load_profile(args.a)
        b = _profile.load_profile(args.b)
    except _profile.ProfileError as e:
        raise CliError(str(e)) from None
    d = _profile.diff_profiles(a, b)
    different = _profile.has_differences(d)
    with reader_may_leave():  # `| head` does not change the verdict
        if getattr(args, "json", False):
            out = dict(d, a=args.a, b=args.b, different=different)
            # ASCII only: a crafted profile's strings reach a terminal as \u escapes, never as control codes
            sys.stdout.write(json.dumps(out, sort_keys=True, indent=1, ensure_ascii=True) + "\n")
        else:
            sys.stdout.write(_profile.format_diff(d, args.a, args.b))
    return EXIT_DIFFERENT if different else EXIT_OK


__all__ = ["add_parser", "run"]
