"""Ctrl-C at any moment of the command: exit status 130, no traceback.

Python turns SIGINT into KeyboardInterrupt, which escapes as a traceback
wherever no handler waits for it: in the imports, in argument parsing,
between one handler and the next.  `cli.main` enters `quiet_interrupts`
before it imports anything heavy:

* the first Ctrl-C still raises KeyboardInterrupt, so ``finally`` blocks
  close namespaces and sockets and the error path returns 130;
* from then on a further Ctrl-C ends the process with 130 at once, so a
  second one during the way out cannot print a traceback either;
* for the program itself (``keep=True``) that last behaviour stays after the
  with-block, through interpreter shutdown; an in-process caller gets its
  own handler back.

A SIGINT the parent set to be ignored (``nohup``, ``cmd &`` in a script)
stays ignored.  Only the standard library's lightest modules are imported
here: this runs before the rest of the package is loaded.
"""
from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from types import FrameType

__all__ = ["EXIT_INTERRUPTED", "quiet_interrupts"]

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


def _exit_now(signum: int, frame: FrameType | None) -> None:
    os._exit(EXIT_INTERRUPTED)  # nothing left to clean up that the kernel does not close


def _interrupt_once(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGINT, _exit_now)
    raise KeyboardInterrupt


@contextlib.contextmanager
def quiet_interrupts(*, keep: bool) -> Iterator[None]:
    """Ctrl-C in the with-block raises KeyboardInterrupt once, then exits 130 (see the module docstring)."""
    previous = signal.getsignal(signal.SIGINT)
    if previous == signal.SIG_IGN:
        yield
        return
    try:
        signal.signal(signal.SIGINT, _interrupt_once)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        restore = signal.SIG_DFL if previous is None else previous  # None: a handler set outside Python
        signal.signal(signal.SIGINT, _exit_now if keep else restore)
