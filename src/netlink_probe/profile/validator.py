"""A small JSON Schema validator: the keywords ``schema.json`` uses, no dependency.

Supported (draft 2020-12 meaning): ``type`` (a name or a list of names),
``const``, ``properties``, ``required``, ``additionalProperties`` (false or a
schema), ``patternProperties``, ``propertyNames``, ``maxProperties``,
``items``, ``maxItems``, ``maxLength``, ``pattern``, ``minimum`` and local
``$ref`` (``#/$defs/NAME``).  Annotations (``description``, ``title``, ...)
are ignored, except that a failed ``pattern`` quotes its schema's
``description``.  Any other keyword is refused when the schema is used, so
the schema cannot silently ask for more than is checked.

Differences from a general validator, on purpose: ``integer`` is a Python
int (not a float with no fraction), booleans are never numbers, a
``number`` must be finite, tuples count as arrays, and ``pattern`` reads
``$`` as ECMA-262 does (end of input, not before a final newline).

The first violation raises `SchemaError` (`WrongType` when the instance has
the wrong type), whose message names where: ``tests.passed: expected an
integer, got a string``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

__all__ = ["SchemaError", "WrongType", "format_path", "json_kind", "json_type", "shown", "validate"]

Path = tuple[str | int, ...]

_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples"})
_KEYWORDS = frozenset({"type", "const", "properties", "required", "additionalProperties", "patternProperties",
                       "propertyNames", "maxProperties", "items", "maxItems", "maxLength", "pattern", "minimum",
                       "$ref"})
_ARTICLE = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
            "array": "an array", "object": "an object", "null": "null"}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SchemaError(ValueError):
    """*instance* breaks the schema at *path*; the message is one line."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{format_path(path)}: {reason}" if path else reason)


class WrongType(SchemaError, TypeError):
    """A value of the wrong JSON type (also a TypeError, as Python's own checks raise)."""


def format_path(path: Path) -> str:
    """``("tests", "passed")`` -> ``tests.passed``; odd keys quoted (``observations["a.b"]``), indexes ``[3]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{shown(part)}]"
    return out


def shown(value: Any, limit: int = 60) -> str:
    """A value quoted for an error message: JSON, ASCII only (no control characters), shortened."""
    text = json.dumps(value, ensure_ascii=True, default=repr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def json_type(value: Any) -> str:
    """The JSON type name of a Python value as json.loads makes them."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return f"Python {type(value).__name__}"  # not a JSON value at all


def json_kind(value: Any) -> str:
    """'a string', 'an integer', 'null', ...: the JSON type of *value* for a message."""
    name = json_type(value)
    return _ARTICLE.get(name, name)


def _is(value: Any, name: str) -> bool:
    actual = json_type(value)
    return actual == name or (name == "number" and actual == "integer")


def _expected(names: list[str]) -> str:
    words = [_ARTICLE.get(n, n) for n in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


@lru_cache(maxsize=None)
def _regex(pattern: str) -> re.Pattern[str]:
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"  # ECMA-262: `$` is the end of the input
    return re.compile(pattern)


def validate(instance: Any, schema: Mapping[str, Any], *, root: Mapping[str, Any] | None = None,
             path: Path = ()) -> None:
    """Raise `SchemaError` at the first place *instance* breaks *schema* (*root* resolves ``$ref``)."""
    root = schema if root is None else root
    unknown = set(schema) - _KEYWORDS - _ANNOTATIONS
    if unknown:
        raise ValueError(f"schema keyword(s) {sorted(unknown)} not supported by this validator")
    if "$ref" in schema:
        validate(instance, _resolve(root, schema["$ref"]), root=root, path=path)
    _check_type(instance, schema, path)
    if "const" in schema and not (json_type(instance) == json_type(schema["const"]) and instance == schema["const"]):
        raise SchemaError(path, f"expected {shown(schema['const'])}, got {shown(instance)}")
    if isinstance(instance, str):
        _check_string(instance, schema, path)
    elif isinstance(instance, float) and not math.isfinite(instance):
        raise SchemaError(path, f"expected a finite number, got {instance!r}")
    elif isinstance(instance, (int, float)) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            raise SchemaError(path, f"must be at least {schema['minimum']}, got {instance}")
    elif isinstance(instance, (list, tuple)):
        _check_array(instance, schema, root, path)
    elif isinstance(instance, Mapping):
        _check_object(instance, schema, root, path)


def _resolve(root: Mapping[str, Any], ref: str) -> Mapping[str, Any]:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref (#/...) is supported, not {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    resolved: Mapping[str, Any] = node
    return resolved


def _check_type(instance: Any, schema: Mapping[str, Any], path: Path) -> None:
    if "type" not in schema:
        return
    names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if not any(_is(instance, n) for n in names):
        raise WrongType(path, f"expected {_expected(names)}, got {json_kind(instance)}")


def _check_string(s: str, schema: Mapping[str, Any], path: Path) -> None:
    if "maxLength" in schema and len(s) > schema["maxLength"]:
        raise SchemaError(path, f"a string longer than {schema['maxLength']} characters ({len(s)})")
    if "pattern" in schema and not _regex(schema["pattern"]).search(s):
        why = schema.get("description") or f"does not match {schema['pattern']}"
        raise SchemaError(path, f"does not match the pattern ({why})")


def _check_array(items: list[Any] | tuple[Any, ...], schema: Mapping[str, Any], root: Mapping[str, Any],
                 path: Path) -> None:
    if "maxItems" in schema and len(items) > schema["maxItems"]:
        raise SchemaError(path, f"a list of {len(items)} items; at most {schema['maxItems']} allowed")
    if "items" in schema:
        for i, item in enumerate(items):
            validate(item, schema["items"], root=root, path=(*path, i))


def _check_object(obj: Mapping[Any, Any], schema: Mapping[str, Any], root: Mapping[str, Any], path: Path) -> None:
    if "maxProperties" in schema and len(obj) > schema["maxProperties"]:
        raise SchemaError(path, f"an object of {len(obj)} members; at most {schema['maxProperties']} allowed")
    for name in schema.get("required", ()):
        if name not in obj:
            raise SchemaError(path, f"missing required field {shown(name)}")
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    extra = schema.get("additionalProperties", True)
    for key, value in obj.items():
        where = (*path, key)
        if "propertyNames" in schema:
            try:
                validate(key, schema["propertyNames"], root=root)
            except SchemaError as e:
                raise type(e)(path, f"bad key {shown(key)}: {e.reason}") from None
        matched = key in properties
        if matched:
            validate(value, properties[key], root=root, path=where)
        for pattern, sub in patterns.items():
            if isinstance(key, str) and _regex(pattern).search(key):
                matched = True
                validate(value, sub, root=root, path=where)
        if matched:
            continue
        if extra is False:
            allowed = ", ".join(shown(k) for k in properties) or "none"
            raise SchemaError(path, f"unexpected field {shown(key)} (allowed: {allowed})")
        if isinstance(extra, Mapping):
            validate(value, extra, root=root, path=where)
