"""Observation keys and values: what may be recorded, and how values compare.

A key is a dotted name (``perm.root.ROUTE.bind.1``) whose first segment is its
family; a value is a small JSON value (``"ok"``, an errno name, ``"silent"``, a
number, a boolean or a short list).  See docs/profile.md.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from .terminal import printable
from .validator import SchemaError, WrongType, format_path, validate

__all__ = [
    "DOCUMENT",
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

#: The profile format as a JSON Schema (schema.json, shipped with the package): the one statement of
#: what a profile may hold, used to record (`validate_key`, `validate_value`) and to load (`io.load_profile`).
DOCUMENT: dict[str, Any] = json.loads(resources.files(__package__).joinpath("schema.json").read_text("utf-8"))
_KEY: dict[str, Any] = DOCUMENT["$defs"]["key"]
_VALUE: dict[str, Any] = DOCUMENT["$defs"]["value"]

#: The profile format version this netlink-probe writes and reads.
SCHEMA: int = DOCUMENT["properties"]["schema"]["const"]

#: Most items a list value may have.
MAX_LIST_ITEMS: int = _VALUE["maxItems"]
#: Longest string value (characters).
MAX_STRING_LEN: int = _VALUE["maxLength"]
#: Longest key (characters).
MAX_KEY_LEN: int = _KEY["maxLength"]

#: The test outcomes a profile counts.
TEST_COUNTS: tuple[str, ...] = tuple(DOCUMENT["properties"]["tests"]["properties"])


def validate_key(key: object) -> None:
    """Raise TypeError/ValueError unless *key* is a valid observation key (schema.json's ``$defs/key``).

    A key is two or more dot-separated segments, each made of letters,
    digits, ``_``, ``+`` and ``-`` (e.g. ``perm.nobody+CAP_NET_ADMIN.ROUTE.bind.1``).
    The first segment is the key's family.
    """
    try:
        validate(key, _KEY, root=DOCUMENT)
    except SchemaError as e:
        raise _python_error(e, f"bad observation key {_quoted(key)}: {e.reason}") from None


def validate_value(value: object) -> None:
    """Raise TypeError/ValueError unless *value* is a valid observation value (schema.json's ``$defs/value``).

    Allowed: str, int, bool, finite float, or a list (or tuple) of at most
    64 items each a str, int or bool.  None is not allowed.
    """
    if value is None:
        raise TypeError("observation value is None: record what the kernel did "
                        "('ok', an errno name, 'silent', a number, ...)")
    try:
        validate(value, _VALUE, root=DOCUMENT)
    except SchemaError as e:
        raise _python_error(e, f"observation value{format_path(e.path)}: {e.reason}") from None


def _python_error(e: SchemaError, message: str) -> TypeError | ValueError:
    """What a recording caller sees: a plain TypeError (wrong type) or ValueError (out of bounds)."""
    return TypeError(message) if isinstance(e, WrongType) else ValueError(message)


def _quoted(key: object) -> str:
    text = repr(key)  # escapes control characters: the message stays one line
    return text if len(text) <= 62 else text[:59] + "..."


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
    """A value as one line of JSON (how reports print it), safe for a terminal (`terminal.printable`)."""
    return printable(json.dumps(value, ensure_ascii=False))
