"""The command line's one error path: its exit statuses, `CliError`, and how a failure becomes one line.

Every subcommand's ``run`` is wrapped by `command`: whatever it raises (bad
use, undecodable bytes, a refusal from the kernel, a missing privilege, a
closed or full stdout) is printed as ONE line ``netlink-probe SUBCOMMAND:
why`` on stderr, never a traceback, and mapped to an exit status below.
The line is made safe for a terminal (`profile.terminal.printable`): text
from files and the kernel cannot send escape sequences.  The wrapper sits on
``run`` itself, so it holds also when a subcommand is driven without
`cli.main`.
"""
from __future__ import annotations

import argparse
import contextlib
import errno as _errno
import functools
import sys
from collections.abc import Callable, Iterator

from ..codec import DecodeError
from ..errors import KernelError, NetlinkError
from ..profile.terminal import printable
from .interrupt import EXIT_INTERRUPTED
from .streams import OutputError, guarded_stdout, silence_stdout

PROG = "netlink-probe"
EXIT_OK = 0
EXIT_DIFFERENT = 1  # diff: the profiles disagree
EXIT_USAGE = 2  # bad use, bad input, an unusable environment, a kernel refusal

Run = Callable[..., int]


class CliError(Exception):
    """Bad use or an unusable environment: one line for the user, exit status *code*."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def one_line(text: object) -> str:
    """*text* with every run of whitespace (newlines included) as one space, unprintable characters escaped."""
    return printable(" ".join(str(text).split()))


def say(command: str, message: str) -> None:
    """A line on stderr from *command* that is not a failure (e.g. where a file was written)."""
    print_error(f"{PROG} {command}: {one_line(message)}")


def print_error(line: str) -> None:
    """*line* on stderr (flushed); nowhere when stderr is closed or refuses it (there is no better place)."""
    if sys.stderr is None:
        return
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


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
        with guarded_stdout():
            rc = run(args)
            sys.stdout.flush()
        return int(rc or 0)
    except CliError as e:
        print_error(f"{where}: {one_line(e)}")
        return e.code
    except OutputError as e:
        silence_stdout()
        print_error(f"{where}: {one_line(e)}")
        return EXIT_USAGE
    except DecodeError as e:
        print_error(f"{where}: undecodable input at offset {e.offset}: {one_line(e.reason)}")
        return EXIT_USAGE
    except KernelError as e:
        msg = f"the kernel answered {e.errno_name} ({e.description})"
        if e.extack_msg:
            msg += f": {e.extack_msg}"
        print_error(f"{where}: {one_line(msg)}")
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except (NetlinkError, OSError) as e:
        if isinstance(e, OSError) and e.errno == _errno.EPERM:
            print_error(f"{where}: operation not permitted ({one_line(e)}): run it with sudo")
        else:
            print_error(f"{where}: {one_line(e) or type(e).__name__}")
        return EXIT_USAGE
    except ValueError as e:
        print_error(f"{where}: {one_line(e)}")
        return EXIT_USAGE


@contextlib.contextmanager
def reader_may_leave() -> Iterator[None]:
    """Output whose reader may close the pipe early (``| head``): stop writing, keep the exit status."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


__all__ = ["EXIT_DIFFERENT", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "PROG", "CliError", "command",
           "one_line", "print_error", "reader_may_leave", "say"]
