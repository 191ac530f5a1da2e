"""The command line's one error path: its exit statuses, `CliError`, and how a failure becomes one line.

Every subcommand's ``run`` is wrapped by `command`: whatever it raises (bad
use, undecodable bytes, a refusal from the kernel, a missing privilege) is
printed as ONE line ``netlink-probe SUBCOMMAND: why`` on stderr, never a
traceback, and mapped to an exit status below.  The wrapper sits on ``run``
itself, so it holds also when a subcommand is driven without `cli.main`.
"""
from __future__ import annotations

import argparse
import contextlib
import errno as _errno
import functools
import os
import sys
from collections.abc import Callable, Iterator

from ..codec import DecodeError
from ..errors import KernelError, NetlinkError

PROG = "netlink-probe"
EXIT_OK = 0
EXIT_DIFFERENT = 1  # diff: the profiles disagree
EXIT_USAGE = 2  # bad use, bad input, an unusable environment, a kernel refusal
EXIT_INTERRUPTED = 130  # Ctrl-C

Run = Callable[..., int]


class CliError(Exception):
    """Bad use or an unusable environment: one line for the user, exit status *code*."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def one_line(text: object) -> str:
    """*text* with every run of whitespace (newlines included) as one space."""
    return " ".join(str(text).split())


def say(command: str, message: str) -> None:
    """A line on stderr from *command* that is not a failure (e.g. where a file was written)."""
    print(f"{PROG} {command}: {message}", file=sys.stderr)


def command(name: str) -> Callable[[Run], Run]:
    """Decorate the ``run(args)`` of subcommand *name* with the one error path (see the module docstring)."""
    def wrap(run: Run) -> Run:
        @functools.wraps(run)
        def guarded(args: argparse.Namespace) -> int:
            return _run(name, run, args)
        return guarded
    return wrap


def _run(name: str, run: Run, args: argparse.Namespace) -> int:
    where = f"{PROG} {name}"
    try:
        rc = run(args)
        sys.stdout.flush()
        return int(rc or 0)
    except CliError as e:
        print(f"{where}: {one_line(e)}", file=sys.stderr)
        return e.code
    except DecodeError as e:
        print(f"{where}: undecodable input at offset {e.offset}: {one_line(e.reason)}", file=sys.stderr)
        return EXIT_USAGE
    except KernelError as e:
        msg = f"the kernel answered {e.errno_name} ({os.strerror(e.errno or 0)})"
        if e.extack_msg:
            msg += f": {e.extack_msg}"
        print(f"{where}: {one_line(msg)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        _stdout_to_devnull()
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except (NetlinkError, OSError) as e:
        if isinstance(e, OSError) and e.errno == _errno.EPERM:
            print(f"{where}: operation not permitted ({one_line(e)}): run it with sudo", file=sys.stderr)
        else:
            print(f"{where}: {one_line(e) or type(e).__name__}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as e:
        print(f"{where}: {one_line(e)}", file=sys.stderr)
        return EXIT_USAGE


@contextlib.contextmanager
def reader_may_leave() -> Iterator[None]:
    """Output whose reader may close the pipe early (``| head``): stop writing, keep the exit status."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush into the closed pipe stays silent."""
    try:
        sys.stdout = open(os.devnull, "w")
    except OSError:
        pass


__all__ = ["EXIT_DIFFERENT", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "PROG", "CliError", "command",
           "one_line", "reader_may_leave", "say"]
