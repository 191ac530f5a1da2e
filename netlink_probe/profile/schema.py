"""Observation keys and values: what may be recorded, and how values compare.

A key is a dotted name (``perm.root.ROUTE.bind.1``) whose first segment is its
family; a value is a small JSON value (``"ok"``, an errno name, ``"silent"``, a
number, a boolean or a short list).  See docs/profile.md.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = [
    "SCHEMA",
    "MAX_LIST_ITEMS",
    "MAX_STRING_LEN",
    "MAX_KEY_LEN",
    "TEST_COUNTS",
    "validate_key",
    "validate_value",
    "normalise_value",
    "values_equal",
    "key_family",
    "show_value",
]

#: The profile format version this netlink-probe writes and reads.
SCHEMA = 1

#: Most items a list value may have.
MAX_LIST_ITEMS = 64
#: Longest string value (characters).
MAX_STRING_LEN = 4096
#: Longest key (characters).
MAX_KEY_LEN = 256

#: The test outcomes a profile counts.
TEST_COUNTS = ("passed", "failed", "skipped")

# Two or more non-empty segments of [A-Za-z0-9_+-], joined by dots.
_SEGMENT = r"[A-Za-z0-9_+\-]+"
_KEY_RE = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})+")


def validate_key(key: object) -> None:
    """Raise TypeError/ValueError unless *key* is a valid observation key.

    A key is two or more dot-separated segments, each made of letters,
    digits, ``_``, ``+`` and ``-`` (e.g. ``perm.nobody+CAP_NET_ADMIN.ROUTE.bind.1``).
    The first segment is the key's family.
    """
    if not isinstance(key, str):
        raise TypeError(f"observation key must be a str, not {type(key).__name__}: {key!r}")
    if len(key) > MAX_KEY_LEN:
        raise ValueError(f"observation key is longer than {MAX_KEY_LEN} characters: {key[:60]!r}...")
    if not _KEY_RE.fullmatch(key):
        raise ValueError(
            f"bad observation key {key!r}: want dotted segments of [A-Za-z0-9_+-], "
            "at least two (family.name), e.g. 'perm.root.ROUTE.bind.1'"
        )


def _validate_scalar(value: object, where: str, allow_float: bool) -> None:
    if isinstance(value, (bool, int)):
        return
    if isinstance(value, str):
        if len(value) > MAX_STRING_LEN:
            raise ValueError(f"{where} is a string longer than {MAX_STRING_LEN} characters")
        return
    if isinstance(value, float):
        if not allow_float:
            raise TypeError(f"{where} must be a str, int or bool, not float: {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{where} must be a finite number, not {value!r}")
        return
    if value is None:
        raise TypeError(
            f"{where} is None: record what the kernel did "
            "('ok', an errno name, 'silent', a number, ...)"
        )
    raise TypeError(
        f"{where} must be a str, int, float, bool or a short list, "
        f"not {type(value).__name__}: {value!r}"
    )


def validate_value(value: object) -> None:
    """Raise TypeError/ValueError unless *value* is a valid observation value.

    Allowed: str, int, bool, finite float, or a list (or tuple) of at most
    64 items each a str, int or bool.  None is not allowed.
    """
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_LIST_ITEMS:
            raise ValueError(
                f"observation value is a list of {len(value)} items; at most {MAX_LIST_ITEMS} allowed"
            )
        for i, item in enumerate(value):
            _validate_scalar(item, f"observation value item [{i}]", allow_float=False)
        return
    _validate_scalar(value, "observation value", allow_float=True)


def normalise_value(value: Any) -> Any:
    """Return *value* as it will appear in JSON (tuples become lists)."""
    if isinstance(value, tuple):
        return list(value)
    return value


def values_equal(a: Any, b: Any) -> bool:
    """Compare two observation values as JSON values.

    Unlike ``==``, a boolean never equals a number (``True != 1``); lists
    compare item by item; ``1 == 1.0``.
    """
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        if not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))):
            return False
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return bool(a == b)


def key_family(key: str) -> str:
    """The family of a key: its first dotted segment."""
    return key.split(".", 1)[0]


def show_value(value: Any) -> str:
    """A value as one line of JSON (how reports print it)."""
    return json.dumps(value, ensure_ascii=False)
