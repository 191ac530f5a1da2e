"""Untrusted text made safe to print on a terminal.

A profile is a file anyone can write: its kernel release, headers version,
keys and values reach the terminal through `diff`.  Control characters (C0,
DEL, C1 such as the 8-bit CSI), format characters (bidirectional overrides)
and other unprintable code points are shown as Python escapes (``\\x1b``,
``\\u202e``) so no escape sequence from a file reaches the terminal.
"""

from __future__ import annotations

__all__ = ["printable"]


def printable(text: object) -> str:
    """*text* (str() of it) with every unprintable character escaped; printable text is unchanged."""
    s = str(text)
    if s.isprintable():
        return s
    return "".join(c if c.isprintable() else _escape(c) for c in s)


def _escape(c: str) -> str:
    n = ord(c)
    if n <= 0xFF:
        return f"\\x{n:02x}"
    if n <= 0xFFFF:
        return f"\\u{n:04x}"
    return f"\\U{n:08x}"
