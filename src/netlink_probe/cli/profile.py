"""``netlink-probe profile -o out.json``: run the conformance suite, write a profile.

Runs ``python -m pytest SUITE -n auto -p no:cacheprovider --profile OUT``
(``--serial``: without xdist) plus any pytest arguments given after ``--``,
and returns pytest's exit status.  The suite needs root.  An existing OUT is
replaced only with ``--force``: without it the command refuses at once,
before the suite runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterable

from ._common import Subparsers
from .errors import EXIT_INTERRUPTED, EXIT_REFUSED, CliError, command, say

DEFAULT_SUITE = "conformance"


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Register ``profile`` and its options."""
    p = subparsers.add_parser(
        "profile",
        help="run the conformance suite and write an observation profile",
        description="Run the conformance suite against the running kernel (as root) "
        "and write the observation profile. Extra pytest arguments go after '--', "
        "e.g.: netlink-probe profile -o out.json -- -k links",
    )
    p.add_argument("-o", "--output", required=True, metavar="OUT.json",
                   help="where to write the profile")
    p.add_argument("--force", action="store_true",
                   help="replace OUT.json when it exists (without --force an existing file is an error)")
    p.add_argument("--serial", action="store_true",
                   help="run the tests in one process (no pytest-xdist)")
    p.add_argument("--suite", metavar="DIR", default=None,
                   help="the conformance suite directory (default: ./conformance)")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, metavar="-- PYTEST_ARGS",
                   help="extra arguments for pytest, after '--'")
    p.set_defaults(func=run)
    return p


def resolve_suite(suite: str | None) -> str:
    """The suite directory: --suite, else ./conformance; CliError when there is none."""
    if suite is not None:
        if not os.path.isdir(suite):
            raise CliError(f"--suite {suite}: no such directory")
        return suite
    if os.path.isdir(DEFAULT_SUITE):
        return DEFAULT_SUITE
    raise CliError("no ./conformance directory here: run from a netlink-probe source checkout "
                   "or pass --suite DIR")


def check_output(path: str, *, force: bool) -> str:
    """The absolute path to write the profile to; CliError when it cannot or (without *force*) may not be."""
    output = os.path.abspath(os.path.expanduser(path))
    if not os.path.isdir(os.path.dirname(output)):
        raise CliError(f"-o {path}: directory {os.path.dirname(output)} does not exist")
    if os.path.isdir(output):
        raise CliError(f"-o {path}: is a directory")
    if os.path.lexists(output) and not force:
        raise CliError(f"-o {path}: the file exists; add --force to replace it")
    return output


def build_command(suite: str, output: str, serial: bool, extra: Iterable[str] | None) -> list[str]:
    """The pytest command line that runs *suite* and writes the profile to *output*."""
    extra = list(extra or [])
    if extra and extra[0] == "--":
        extra = extra[1:]
    cmd = [sys.executable, "-m", "pytest", suite]
    cmd += ["-n", "0"] if serial else ["-n", "auto"]
    cmd += ["-p", "no:cacheprovider", "-p", "netlink_probe.pytest_plugin",
            "--profile", output]
    return cmd + extra


@command("profile")
def run(args: argparse.Namespace) -> int:
    """Run the suite as root and say whether the profile was written; pytest's exit status."""
    if os.geteuid() != 0 and "--rootless" not in args.pytest_args:
        raise CliError("the conformance suite needs root: run it with sudo "
                       "(sudo netlink-probe profile -o OUT.json), or rootless: "
                       "netlink-probe profile -o OUT.json -- --rootless", EXIT_REFUSED)
    suite = resolve_suite(args.suite)
    output = check_output(args.output, force=getattr(args, "force", False))
    replacing = os.path.lexists(output)
    cmd = build_command(suite, output, args.serial, args.pytest_args)
    started = time.time()
    try:
        rc = subprocess.call(cmd)
    except KeyboardInterrupt:
        rc = EXIT_INTERRUPTED  # pytest was stopped: still say whether it wrote the profile
    except OSError as e:
        raise CliError(f"cannot run pytest: {e}") from None
    try:
        fresh = os.path.getmtime(output) >= started - 1
    except OSError:
        fresh = False
    if fresh:
        replaced = ", replacing the previous file" if replacing else ""
        say("profile", f"profile written to {output}{replaced} (pytest exit status {rc})")
    else:
        say("profile", f"no profile was written to {output} (pytest exit status {rc})")
    return rc


__all__ = ["add_parser", "build_command", "check_output", "resolve_suite", "run"]
