"""Reading a file the user named, whole, without ever blocking or reading without end.

``open()`` of a FIFO blocks until a writer comes; reading ``/dev/zero`` never
ends.  `read_regular_file` opens with ``O_NONBLOCK`` (a FIFO or a device
opens at once), checks with ``fstat`` that it holds a regular file, and
reads at most *limit* bytes: anything else is a `FileRefused` whose
message is the reason, without the path (the caller names the file as its
user knows it).
"""

from __future__ import annotations

import os
import stat

from ..netns import file_kind

__all__ = ["FileRefused", "read_regular_file"]

class FileRefused(OSError):
    """A path that cannot be read as a regular file (missing, another kind, too big): a one-line reason."""

    def __init__(self, errno: int | None, message: str) -> None:
        super().__init__(message)  # one argument: str() is the message alone
        self.errno = errno


def read_regular_file(path: str, limit: int) -> bytes:
    """The bytes of the regular file at *path*, at most *limit* of them; `FileRefused` otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
        errno = getattr(e, "errno", None)
        raise FileRefused(errno, _why(e)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(None, f"is {file_kind(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise FileRefused(None, f"{st.st_size} bytes, larger than the limit of {limit} bytes")
        chunks = []
        left = limit + 1  # one byte more tells a file that grew past the limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise FileRefused(None, f"larger than the limit of {limit} bytes")
        return b"".join(chunks)
    except FileRefused:
        raise
    except OSError as e:
        raise FileRefused(e.errno, f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)


def _why(e: BaseException) -> str:
    if isinstance(e, FileNotFoundError):
        return "no such file"
    if isinstance(e, PermissionError):
        return "permission denied"
    if isinstance(e, OSError):
        return f"cannot open: {e.strerror or e}"
    return f"cannot open: {e}"
