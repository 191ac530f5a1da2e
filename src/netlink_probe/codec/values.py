"""Attribute values by name: which attributes are integers, text, addresses or structs, and their decoding.

Derived from the attribute-space tables (`codec.schema`), the one source of
truth: `KIND` maps each attribute name the tables know to its value type
('str' for strings, as before; 'u32', 'be16', 'ip', 'mac', 'struct',
'nest' ...), `STRUCTS` the struct-valued ones with a header layout to their
`Layout`.  `value` decodes one value by name (`schema.decode.leaf`);
attributes the tables do not list, and nests, stay raw bytes.
"""
from __future__ import annotations

import struct
from typing import Any

from . import layouts as L
from .buffer import Buffer
from .schema import FIELDS_BY_NAME
from .schema.decode import INTS, NEST_TYPES, ip, leaf, mac, text

# Value type by attribute name, from the tables: spelled as this map always has ('str' for 'string';
# 'nest' for every attribute holding attributes: nest, nest-array, submsg, af-nest).
KIND: dict[str, str] = {n: "str" if f.type == "string" else "nest" if f.type in NEST_TYPES else f.type
                        for n, f in FIELDS_BY_NAME.items()}
# Attributes that carry one C struct with a header layout, decoded by field name.
STRUCTS: dict[str, L.Layout] = {n: f.layout for n, f in FIELDS_BY_NAME.items() if f.type == "struct" and f.layout}
# Struct readers of the host-order scalar kinds (what `codec.rtnl` reads without slicing).
SCALARS: dict[str, struct.Struct] = {k: st for k, st in INTS.items() if not k.startswith("be")}


def value(name: str, raw: Buffer) -> Any:
    """Decode one attribute value by its table type; unknown names, nests and misfit lengths stay bytes."""
    f = FIELDS_BY_NAME.get(name)
    if f is None or f.type in NEST_TYPES:
        return bytes(raw)
    return leaf(f, raw)


__all__ = ["KIND", "SCALARS", "STRUCTS", "ip", "mac", "text", "value"]
