"""The command's standard streams: closed ones, and writes to stdout that fail.

Started with a closed descriptor (``cmd >&-``, ``<&-``, ``2>&-``) Python sets
the stream to None, and the first ``sys.stdout.write`` is an AttributeError.
`reopen_closed_inputs` points a closed stdin or stderr at /dev/null (``decode``
then sees no input; errors go nowhere, as the caller asked), while
`guarded_stdout` refuses a closed stdout and turns a failing write (``>
/dev/full``, a disk that fills, a revoked terminal) into `OutputError`
(`errors` prints it as one line, exit status 2).  A reader that leaves early (``| head``) is not an
error; `errors` handles BrokenPipeError quietly.

After a failed write, `silence_stdout` points descriptor 1 at /dev/null so
the interpreter's last flush of what is still buffered fails no more (the
"Exception ignored ... BrokenPipeError" line at exit).
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, cast

__all__ = ["OutputError", "guarded_stdout", "reopen_closed_inputs", "silence_stdout"]


class OutputError(Exception):
    """Standard output is closed or refuses the bytes written to it; the message is one line."""


def _devnull_at(fd: int, mode: str) -> TextIO:
    """/dev/null opened on exactly descriptor *fd* (which was closed)."""
    null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    if null != fd:
        os.dup2(null, fd, inheritable=False)
        os.close(null)
    return cast(TextIO, open(fd, mode, closefd=False))


def reopen_closed_inputs() -> None:
    """A closed stdin or stderr becomes /dev/null (on its own descriptor, so no later file lands there)."""
    if sys.stdin is None:
        sys.stdin = _devnull_at(0, "r")
    if sys.stderr is None:
        sys.stderr = _devnull_at(2, "w")


class _Guarded:
    """sys.stdout, with OSError from write/flush (other than a closed pipe) raised as OutputError."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        with _as_output_error():
            return self._stream.write(text)

    def writelines(self, lines: Iterable[str]) -> None:
        with _as_output_error():
            self._stream.writelines(lines)

    def flush(self) -> None:
        with _as_output_error():
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def _as_output_error() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as e:
        raise OutputError(f"cannot write to standard output: {e.strerror or e}") from None


@contextlib.contextmanager
def guarded_stdout() -> Iterator[None]:
    """sys.stdout guarded for the with-block; OutputError at once when it is closed."""
    stream = sys.stdout
    if stream is None:
        raise OutputError("standard output is closed: send it somewhere (> FILE, > /dev/null)")
    if isinstance(stream, _Guarded):
        yield
        return
    sys.stdout = cast(TextIO, _Guarded(stream))  # duck-typed: write, flush, the rest delegated
    try:
        yield
    finally:
        if sys.stdout is not None and isinstance(sys.stdout, _Guarded):
            sys.stdout = stream


def silence_stdout() -> None:
    """After a failed write: what stdout still buffers goes to /dev/null, so the exit is quiet."""
    stream = sys.stdout
    try:
        if stream is not None and stream.fileno() == 1 and stream is sys.__stdout__:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.close(null)
            return
    except (OSError, ValueError):
        pass
    try:
        sys.stdout = open(os.devnull, "w")
    except OSError:
        pass
