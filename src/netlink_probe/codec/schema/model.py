"""What an attribute-space table is made of: `Field` (one attribute type) and `Space` (a numbered set of them).

Every rtnetlink (and generic netlink) attribute space is written once as data
in a module of this package (``link.py``, ``route.py``, ...), each entry
checked against the kernel source that fills or parses it (``nla_put_*`` /
``nla_get_*`` / ``nla_policy``) and citing that file in ``source``.  The
generic decoder reads values from these tables only.

Value types (``Field.type``):
  u8 u16 u32 u64 s8 s16 s32 s64   host byte order integers (a shorter value stays bytes)
  be16 be32 be64                  network byte order integers (``nla_get_be16`` ...)
  uint sint                       variable-width (NLA_UINT/NLA_SINT: 4 or 8 bytes)
  string                          NUL-terminated text
  binary                          bytes, by design (no better reading exists)
  flag                            NLA_FLAG: presence is the value (True)
  ip                              an IPv4/IPv6 address by length (inet_ntop)
  mac                             a link-layer address, colon hex
  struct                          one C struct: ``layout`` (a `codec.layouts.Layout`), or ``fields``
                                  (name, scalar type) for structs the build headers lack; a last field
                                  of a non-integer type ('ip') takes the rest (RTA_VIA); with ``space``,
                                  attributes of that space follow the struct, NLA_ALIGNed
                                  (MDBA_MDB_ENTRY_INFO, MDBA_ROUTER_PORT)
  array                           consecutive scalars of ``elem`` type (IFLA_INET_CONF: s32 by devconf
                                  index), or with ``elem='struct'`` consecutive ``fields`` structs (NHA_GROUP)
  nest                            attributes of ``space``
  nest-array                      numbered entries (1, 2, ...), each a nest of ``space``; with
                                  ``elem='nest-array'`` two numbered levels (CTRL_ATTR_POLICY: policy
                                  index, then attribute type), decoded as {"idx": {"type": {...}}}
  submsg                          a nest whose space is chosen by a sibling attribute's value:
                                  ``selector`` names the sibling (e.g. 'IFLA_INFO_KIND'), ``spaces`` maps
                                  its value to a space name (e.g. {'veth': 'veth-info'}).
  af-nest                         a nest of per-address-family nests; ``spaces`` maps AF_* numbers
                                  (as str: '2', '10', '7') to space names (IFLA_AF_SPEC)
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SCALAR_TYPES = ("u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "be16", "be32", "be64", "uint", "sint")
TYPES = SCALAR_TYPES + ("string", "binary", "flag", "ip", "mac", "struct", "array", "nest", "nest-array",
                        "submsg", "af-nest")


@dataclass(frozen=True)
class Field:
    """One attribute type of a space: its number, name, value type and where the kernel says so."""

    num: int
    name: str                      # as the UAPI headers spell it (or would: 'IFLA_NETNS_IMMUTABLE')
    type: str                      # one of TYPES
    source: str = ""               # kernel file that puts/parses it, e.g. 'net/core/rtnetlink.c'
    space: str | None = None       # nest / nest-array: the inner space's name
    layout: Any = None             # struct: a codec.layouts.Layout
    fields: tuple[tuple[str, str], ...] = ()   # struct without a Layout: (field name, scalar type) in order
    elem: str | None = None        # array: the element's scalar type
    selector: str | None = None    # submsg: the sibling attribute whose value picks the space
    spaces: Mapping[str, str] = field(default_factory=dict)  # submsg / af-nest: selector value -> space name
    enum: Mapping[int, str] | None = None  # optional symbolic names of integer values (shown beside, never instead)

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"{self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Space:
    """A numbered attribute space: 'link' (IFLA_*), 'linkinfo' (IFLA_INFO_*), 'veth-info' (VETH_INFO_*) ..."""

    name: str                      # short name used by Field.space / Field.spaces
    prefix: str                    # how unnamed numbers are spelled: 'IFLA' -> 'IFLA_70'
    fields: tuple[Field, ...]
    header_enum: str | None = None  # the UAPI enum's first member ('IFLA_UNSPEC') when the headers have one
    source: str = ""

    def by_num(self) -> dict[int, Field]:
        """{number: Field}."""
        return {f.num: f for f in self.fields}


__all__ = ["Field", "SCALAR_TYPES", "Space", "TYPES"]
