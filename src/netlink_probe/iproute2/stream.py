"""A streaming JSON writer: objects written as they are read, as one JSON array or as JSON lines.

The array is byte for byte what ``json.dumps(objects, indent=2)`` and a
newline give (the ``dump --json`` output), but written element by element,
so nothing is held and the first objects show before the dump has ended;
``lines=True`` writes one compact object per line (``--json-lines``, as
``print_json(lines=True)`` does).  `flush` once per datagram keeps a reader
of a pipe up to date without a write per object.

Renderers that build the element text themselves (`fast_routes`) hand it
over with `write_element`: `element_text` says what that text must be.
"""
from __future__ import annotations

import json
import sys
from typing import Any, TextIO

_COMPACT = (",", ":")


def element_text(obj: Any, lines: bool = False) -> str:
    """The text of *obj* as an element: indented at the array's first level, or one compact line (no newline)."""
    if lines:
        return json.dumps(obj, separators=_COMPACT, default=jsonable)
    return "  " + json.dumps(obj, indent=2, default=jsonable).replace("\n", "\n  ")


class JsonStream:
    """Write objects to *stream* (default stdout) as a JSON array, or with *lines* as JSON lines.

    Use as a context manager: the array is closed (``]``, ``[]`` when
    empty) on the way out, also after an error, so what was written stays
    valid JSON.  `write` flushes each JSON line, and each object on a
    terminal; `write_elements` leaves flushing to `flush`, once per datagram.
    """

    def __init__(self, stream: TextIO | None = None, *, lines: bool = False) -> None:
        self.out = sys.stdout if stream is None else stream
        self.lines = lines
        self.count = 0
        self.closed = False
        self._tty: bool | None = None

    def write(self, obj: Any) -> None:
        """One object (a dict, list, str, int, ...; bytes as hex, sets and tuples as lists)."""
        self.write_element(element_text(obj, self.lines))
        if self._tty is None:
            try:
                self._tty = self.out.isatty()
            except (AttributeError, ValueError, OSError):
                self._tty = False
        if self.lines or self._tty:  # a line (or a terminal) is for a reader waiting now
            self.out.flush()

    def write_element(self, text: str) -> None:
        """One element already rendered as `element_text` renders it."""
        if self.lines:
            self.out.write(text + "\n")
        else:
            self.out.write((",\n" if self.count else "[\n") + text)
        self.count += 1

    def write_elements(self, texts: list[str], count: int | None = None) -> None:
        """Several elements at once (one write: a fast renderer's datagram).  A text may hold several elements
        already joined by the separator (",\\n" in an array, "\\n" in lines): *count* says how many in all."""
        if not texts:
            return
        if self.lines:
            self.out.write("\n".join(texts) + "\n")
        else:
            self.out.write((",\n" if self.count else "[\n") + ",\n".join(texts))
        self.count += len(texts) if count is None else count

    def flush(self) -> None:
        """Push what was written to the reader (once per datagram, not per object)."""
        self.out.flush()

    def close(self) -> None:
        """End the array (``[]`` when empty) and flush; JSON lines need no end.  Idempotent."""
        if self.closed:
            return
        self.closed = True
        if not self.lines:
            self.out.write("\n]\n" if self.count else "[]\n")
        self.out.flush()

    def __enter__(self) -> JsonStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def jsonable(v: object) -> str | list[Any]:
    """What ``cli._common.print_json`` makes of values json cannot write: bytes as hex, sets and tuples as lists."""
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    if isinstance(v, (set, frozenset, tuple)):
        return list(v)
    raise TypeError(f"not JSON serialisable: {type(v).__name__}")


__all__ = ["JsonStream", "element_text", "jsonable"]
