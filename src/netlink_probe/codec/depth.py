"""How deep attribute nests may be opened, and the one check every nested walk makes.

The kernel itself bounds nesting where it parses: ``MAX_POLICY_RECURSION_DEPTH``
(10, lib/nlattr.c: "Nested policies might refer back to the original policy
... userspace could try to abuse that and recurse by nesting in the right
ways") makes ``__nla_validate_parse`` refuse deeper input with EINVAL.  What
the kernel sends is built by fill functions that nest far less than that.
`MAX_DEPTH` allows three times the kernel's bound, so no real message is
refused, while a hostile one (a nest per 4 bytes: 16,000 levels in 64 KiB)
costs at most MAX_DEPTH levels of work and stack.
"""
from __future__ import annotations

from .errors import DecodeError

MAX_DEPTH = 32  # attribute runs opened inside one message: the top-level run is depth 0


def deeper(depth: int, offset: int) -> int:
    """The depth of the run inside the nest at *offset*, opened from a run at *depth*.

    DecodeError at *offset* (the nlattr header of the nest) when that passes MAX_DEPTH.
    """
    if depth >= MAX_DEPTH:
        raise DecodeError(offset, f"attributes nested deeper than {MAX_DEPTH} levels")
    return depth + 1


__all__ = ["MAX_DEPTH", "deeper"]
