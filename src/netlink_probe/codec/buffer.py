"""What the codec reads from: a receive buffer, decoded in place (never copied to be parsed)."""
from __future__ import annotations

from typing import TypeAlias

Buffer: TypeAlias = bytes | bytearray | memoryview

__all__ = ["Buffer"]
