"""Attribute spaces by their UAPI enum ('IFLA_UNSPEC', 'NDTPA_UNSPEC'): names of each space's types,
and which space a nested attribute opens — all derived from the tables in `codec.schema`.

A nested attribute opens another space: always the same one (IFLA_LINKINFO
-> IFLA_INFO_*: `NESTED`), one chosen by the link kind (IFLA_INFO_DATA of a
veth -> VETH_INFO_*: `KIND_DATA`, `SLAVE_DATA`), by the address family
(IFLA_AF_SPEC's AF_INET entry -> IFLA_INET_*: `AF_SPEC`), or an array whose
entries are numbered and each a nest of one space (`ARRAYS`).  Spaces are
named here by their enum's first member, as the headers spell it, where the
headers have one, else by the table's name ('gre-info').
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import constants as C

if TYPE_CHECKING:
    from .schema import Space
    from .schema.decode import AF_NAMES, prefix

__all__ = ["AF_NAMES", "AF_SPEC", "ARRAYS", "KIND_DATA", "NESTED", "SLAVE_DATA", "all_names", "kind_space", "known",
           "prefix", "space_names"]


def _id(name: str | None) -> str | None:
    """How this module names the table space *name*: its header enum, or the table name."""
    from .schema import SPACES
    sp = SPACES.get(name) if name else None
    if sp is None:
        return None
    return sp.header_enum or sp.name


def _derive() -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[int, str], dict[str, str]]:
    nested: dict[str, str] = {}
    arrays: dict[str, str] = {}
    kind_data: dict[str, str] = {}
    slave_data: dict[str, str] = {}
    af_spec: dict[int, str] = {}
    from .schema import SPACES
    for sp in SPACES.values():
        for f in sp.fields:
            if f.type == "nest" and _id(f.space):
                nested.setdefault(f.name, _id(f.space) or "")
            elif f.type == "nest-array" and _id(f.space):
                arrays.setdefault(f.name, _id(f.space) or "")
            elif f.type == "submsg" and f.selector == "IFLA_INFO_KIND":
                kind_data.update({k: _id(v) or v for k, v in f.spaces.items() if _id(v)})
            elif f.type == "submsg" and f.selector == "IFLA_INFO_SLAVE_KIND":
                slave_data.update({k: _id(v) or v for k, v in f.spaces.items() if _id(v)})
            elif f.type == "af-nest" and f.name == "IFLA_AF_SPEC":
                af_spec.update({int(k): _id(v) or v for k, v in f.spaces.items() if _id(v) and int(k) != C.AF_BRIDGE})
    return nested, arrays, kind_data, af_spec, slave_data


# Derived from the tables on first use (PEP 562, below): importing the tables costs ~15 ms, and
# `space_names` of a header enum, all a route dump asks, does not need them.
# A nested attribute that always holds attributes of one space.
NESTED: dict[str, str]
# Arrays: entries numbered 1.., each a nest of this space.
ARRAYS: dict[str, str]
# IFLA_INFO_DATA by IFLA_INFO_KIND, IFLA_INFO_SLAVE_DATA by IFLA_INFO_SLAVE_KIND.
KIND_DATA: dict[str, str]
# IFLA_AF_SPEC (outside AF_BRIDGE messages) holds one nest per address family, numbered by AF_*.
AF_SPEC: dict[int, str]
SLAVE_DATA: dict[str, str]


_DERIVED = ("NESTED", "ARRAYS", "KIND_DATA", "AF_SPEC", "SLAVE_DATA")


def _derived(name: str) -> Any:
    """One of the maps of `_DERIVED`, all derived on the first ask."""
    if name not in globals():
        globals().update(zip(_DERIVED, _derive()))
    return globals()[name]


def __getattr__(name: str) -> Any:
    if name in ("AF_NAMES", "prefix"):
        from .schema import decode
        value = getattr(decode, name)
    elif name in _DERIVED:
        value = _derived(name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


_SPACE_NAMES: dict[str, dict[int, str]] = {}


def _space(space: str) -> Space | None:
    from .schema.decode import resolve
    return resolve(space)


def space_names(space: str) -> dict[int, str]:
    """{type number: header name} of an attribute space such as 'IFLA_UNSPEC': the build headers' names
    only ({} for a space the headers lack), as the oracles that compare names expect."""
    if space not in _SPACE_NAMES:
        if space in C.ENUMS:  # a header enum is its own space's enum: no need to load the tables
            _SPACE_NAMES[space] = C.enum_names(space)
            return _SPACE_NAMES[space]
        sp = _space(space)
        enum = sp.header_enum if sp is not None else None
        _SPACE_NAMES[space] = C.enum_names(enum) if enum and enum in C.ENUMS else {}
    return _SPACE_NAMES[space]


def all_names(space: str) -> dict[int, str]:
    """{type number: name} from the headers and, for numbers newer than the headers, from the tables
    ('IFLA_HEADROOM' on 6.1 headers)."""
    from .schema.decode import naming
    sp = _space(space)
    return {n: nm.name for n, nm in naming(sp).items()} if sp is not None else {}


def known(space: str | None) -> bool:
    """Whether the headers or the tables define *space*."""
    return space is not None and _space(space) is not None


def kind_space(name: str, link_kind: str | None, slave_kind: str | None) -> str | None:
    """The space of IFLA_INFO_DATA / IFLA_INFO_SLAVE_DATA for the link's kinds, when the tables have it."""
    if name == "IFLA_INFO_DATA" and link_kind is not None:
        return _derived("KIND_DATA").get(link_kind)  # type: ignore[no-any-return]
    if name == "IFLA_INFO_SLAVE_DATA" and slave_kind is not None:
        return _derived("SLAVE_DATA").get(slave_kind)  # type: ignore[no-any-return]
    return None
