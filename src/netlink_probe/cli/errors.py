"""The command line's one error path: its exit statuses, `CliError`, and how a failure becomes one line.

Every subcommand's ``run`` is wrapped by `command`: whatever it raises (bad
use, undecodable bytes, a refusal from the kernel, a missing privilege, a
closed or full stdout) is printed as ONE line ``netlink-probe SUBCOMMAND:
why`` on stderr, never a traceback, and mapped to an exit status:

* 0 (`EXIT_OK`): done;
* 1 (`EXIT_REFUSED`): the kernel refused or failed the request (the line
  names the errno and its text, and the extended-ack message when there is
  one), a missing privilege (EPERM/EACCES, or a command that needs root run
  without it), or -- `diff` only -- the profiles differ (`EXIT_DIFFERENT`);
* 2 (`EXIT_USAGE`): bad use -- bad arguments, bad input files or bytes, an
  unusable standard output;
* 130 (`EXIT_INTERRUPTED`): Ctrl-C.

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
import os
import sys
from collections.abc import Callable, Iterator

from ..codec import DecodeError
from ..errors import KernelError, NetlinkError
from ..profile.terminal import printable
from .interrupt import EXIT_INTERRUPTED
from .streams import OutputError, guarded_stdout, silence_stdout

PROG = "netlink-probe"
EXIT_OK = 0
EXIT_REFUSED = 1  # the kernel refused or failed (errno in the line), or a privilege is missing
EXIT_DIFFERENT = 1  # diff: the profiles disagree
EXIT_USAGE = 2  # bad use: bad arguments, bad input files or bytes, an unusable stdout

Run = Callable[..., int]


class CliError(Exception):
    """A failure for the user in one line, with its exit status *code*: `EXIT_USAGE` (bad use, the
    default) or `EXIT_REFUSED` (the kernel or a missing privilege said no)."""

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
        return EXIT_REFUSED
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except (NetlinkError, OSError) as e:  # the kernel (a syscall) said no, or the exchange failed
        print_error(f"{where}: {one_line(refusal(e))}")
        return EXIT_REFUSED
    except ValueError as e:
        print_error(f"{where}: {one_line(e)}")
        return EXIT_USAGE


def refusal(e: BaseException) -> str:
    """What a failed syscall or netlink exchange tells the user: its text, the errno by name, and for
    EPERM/EACCES that it is a permission error."""
    err = getattr(e, "errno", None)
    strerror = getattr(e, "strerror", None)
    text = str(strerror) if strerror else str(e) or type(e).__name__
    filename = getattr(e, "filename", None)
    if filename is not None and str(filename) not in text:
        text = f"{filename}: {text}"
    if not isinstance(err, int) or err <= 0:
        return text
    name = _errno.errorcode.get(err, f"errno {err}")
    if name not in text:
        text += f" ({name})"
    if err in (_errno.EPERM, _errno.EACCES) and "permission denied" not in text.lower():
        text = f"permission denied: {text}"
    if err == _errno.EPERM and os.geteuid() != 0:
        text += ": run it with sudo"
    return text


@contextlib.contextmanager
def reader_may_leave() -> Iterator[None]:
    """Output whose reader may close the pipe early (``| head``): stop writing, keep the exit status."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


__all__ = ["EXIT_DIFFERENT", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_REFUSED", "EXIT_USAGE", "PROG", "CliError",
           "command", "one_line", "print_error", "reader_may_leave", "refusal", "say"]
