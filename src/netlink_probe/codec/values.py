"""Attribute values by name: which attributes are integers, text, addresses or structs, and their decoding.

Derived from the attribute-space tables (`codec.schema`), the one source of
truth: `KIND` maps each attribute name the tables know to its value type
('str' for strings, as before; 'u32', 'be16', 'ip', 'mac', 'struct',
'nest' ...), `STRUCTS` the struct-valued ones with a header layout to their
`Layout`.  `value` decodes one value by name (`schema.decode.leaf`);
attributes the tables do not list, and nests, stay raw bytes.  `KIND` and
`STRUCTS` are derived on first use (PEP 562): ``ip``, ``mac`` and ``text``
(`codec.scalars`) serve the renderers without loading the tables.
"""
from __future__ import annotations

import functools
import struct
from collections.abc import Callable
from typing import Any

from . import layouts as L
from .buffer import Buffer
from .scalars import INTS, ip, mac, text

# Value type by attribute name, from the tables: spelled as this map always has ('str' for 'string';
# 'nest' for every attribute holding attributes: nest, nest-array, submsg, af-nest).
KIND: dict[str, str]
# Attributes that carry one C struct with a header layout, decoded by field name.
STRUCTS: dict[str, L.Layout]
# Struct readers of the host-order scalar kinds (what `codec.rtnl` reads without slicing).
SCALARS: dict[str, struct.Struct] = {k: st for k, st in INTS.items() if not k.startswith("be")}


@functools.cache
def _tables() -> tuple[dict[str, Any], frozenset[str], Callable[[Any, Buffer], Any]]:
    """(FIELDS_BY_NAME, NEST_TYPES, leaf) of `codec.schema`, imported on first use (~15 ms) and kept."""
    from .schema import FIELDS_BY_NAME
    from .schema.decode import NEST_TYPES, leaf
    return FIELDS_BY_NAME, NEST_TYPES, leaf


def __getattr__(name: str) -> Any:
    if name not in ("KIND", "STRUCTS"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    fields, nests, _leaf = _tables()
    globals().update(
        KIND={n: "str" if f.type == "string" else "nest" if f.type in nests else f.type for n, f in fields.items()},
        STRUCTS={n: f.layout for n, f in fields.items() if f.type == "struct" and f.layout})
    return globals()[name]


def value(name: str, raw: Buffer) -> Any:
    """Decode one attribute value by its table type; unknown names, nests and misfit lengths stay bytes."""
    fields, nests, leaf = _tables()
    f = fields.get(name)
    if f is None or f.type in nests:
        return bytes(raw)
    return leaf(f, raw)


__all__ = ["KIND", "SCALARS", "STRUCTS", "ip", "mac", "text", "value"]
