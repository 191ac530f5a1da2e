"""The generic decoder: any attribute run of a known space, typed by the tables alone.

Names come from the build headers first (``source`` 'headers') and from the
tables for numbers the headers lack (``source`` 'table', i.e. newer than the
headers); a number neither knows is spelled 'PREFIX_<n>' and stays bytes.

Values: integers of exactly their size (big-endian for be*; a shorter or
longer value stays bytes: never a guess), strings up to the first NUL, IP and
link-layer addresses as text, structs as dicts (a struct shorter than its
layout stays bytes; bytes past it are kept under '_trailing' unless they are
alignment padding), arrays as lists.  Nests open to dicts; a nest-array to a
list; a sub-message picks its space by a sibling's value (IFLA_INFO_DATA by
IFLA_INFO_KIND) or, for the selector 'family', by the message's address
family (IFLA_PROTINFO: bridge port or inet6); an af-nest (IFLA_AF_SPEC) holds
one nest per AF_* number, except in AF_BRIDGE messages where it holds the
bridge space directly (br_fill_ifinfo, net/bridge/br_netlink.c).

Any bytes give values or `DecodeError` (malformed TLVs, nests deeper than
`codec.depth.MAX_DEPTH`), never another exception.
"""
from __future__ import annotations

import struct
from functools import cache
from typing import Any, NamedTuple

from ... import constants as C
from ..attribute import NLA_TYPE_MASK, Attrs
from ..buffer import Buffer
from ..depth import deeper
from ..errors import DecodeError
from ..scalars import INTS, ip, mac, text
from . import space as lookup_space
from .model import Field, Space

AF_BRIDGE = 7
AF_NAMES: dict[int, str] = {C.AF_INET: "AF_INET", C.AF_INET6: "AF_INET6", C.AF_BRIDGE: "AF_BRIDGE",
                            C.AF_UNSPEC: "AF_UNSPEC", C.AF_PACKET: "AF_PACKET", 28: "AF_MPLS"}
_VARIABLE = {"uint": {4: INTS["u32"], 8: INTS["u64"]}, "sint": {4: INTS["s32"], 8: INTS["s64"]}}
NEST_TYPES = frozenset({"nest", "nest-array", "submsg", "af-nest"})
# Attributes whose value is not a run of attributes nor a leaf: read by their own parser (codec.multipath).
SPECIAL = frozenset({"RTA_MULTIPATH"})


class Name(NamedTuple):
    """How one attribute number of a space is named: the name, who names it, and its table entry."""

    name: str
    source: str | None  # 'headers', 'table', or None (unknown: 'PREFIX_<n>')
    field: Field | None


def prefix(enum: str) -> str:
    """'IFLA' of 'IFLA_UNSPEC' (and of 'NETNSA_NONE'): how a space's unknown numbers are spelled."""
    return enum.rsplit("_", 1)[0]


@cache
def _header_only(enum: str) -> Space:
    return Space(name=enum, prefix=prefix(enum), fields=(), header_enum=enum)


def resolve(sp: Space | str | None) -> Space | None:
    """A `Space` from a Space, a table name ('link'), a UAPI enum ('IFLA_UNSPEC'), or None.

    An enum the headers define but no table describes gives a space of names only (values stay bytes).
    """
    if sp is None or isinstance(sp, Space):
        return sp
    found = lookup_space(sp)
    if found is None and sp in C.ENUMS:
        return _header_only(sp)
    return found


_NAMING: dict[tuple[str, str | None], dict[int, Name]] = {}
_STRUCTS: dict[int, tuple[Field, tuple[struct.Struct, tuple[str, ...]] | None]] = {}


def naming(sp: Space) -> dict[int, Name]:
    """{number: Name} of every number the headers or the table know in *sp* (cached per space)."""
    key = (sp.name, sp.header_enum)
    got = _NAMING.get(key)
    if got is None:
        got = _NAMING[key] = _naming(sp)
    return got


def _naming(sp: Space) -> dict[int, Name]:
    table = sp.by_num()
    out: dict[int, Name] = {}
    if sp.header_enum and sp.header_enum in C.ENUMS:
        for n, nm in C.enum_names(sp.header_enum).items():
            out[n] = Name(nm, "headers", table.get(n))
    for n, f in table.items():
        if n not in out:
            out[n] = Name(f.name, "table", f)
    return out


def name_of(sp: Space | None, t: int) -> Name:
    """The Name of number *t* in *sp* ('PREFIX_<t>' with source None when unknown; 'ATTR_<t>' without a space)."""
    if sp is None:
        return Name(f"ATTR_{t}", None, None)
    return naming(sp).get(t) or Name(f"{sp.prefix}_{t}", None, None)


def struct_of(f: Field) -> tuple[struct.Struct, tuple[str, ...]] | None:
    """The Struct and field names of a 'struct' Field described by ``fields`` (None when it has a layout
    or mixes byte orders); cached per Field (tables live as long as the process)."""
    got = _STRUCTS.get(id(f))
    if got is None or got[0] is not f:
        got = _STRUCTS[id(f)] = (f, _struct_of(f))
    return got[1]


def _struct_of(f: Field) -> tuple[struct.Struct, tuple[str, ...]] | None:
    if f.layout is not None or not f.fields:
        return None
    fixed = f.fields[:-1] if f.fields[-1][1] not in INTS else f.fields
    if any(t not in INTS or t.startswith("be") for _, t in fixed):  # mixed byte order: read one by one
        return None
    return struct.Struct("=" + "".join(INTS[t].format[1:] for _, t in fixed)), tuple(n for n, _ in fixed)


def _struct(f: Field, raw: Buffer) -> Any:
    """A struct value: {field: value}; bytes when shorter than its fixed part.

    A last field of a non-integer type (RTA_VIA's address: 'ip') takes the
    rest of the value; otherwise bytes past the struct are kept under
    '_trailing' unless they are alignment padding (rtnl_link_ifmap's 4).
    """
    b = bytes(raw)
    tail: tuple[str, str] | None = None
    if f.layout is not None:
        size = f.layout.size
        if len(b) < size:
            return b
        d: dict[str, Any] = f.layout.unpack_dict(b, 0, size)
    else:
        if f.fields[-1][1] not in INTS:
            tail = f.fields[-1]
        plan = struct_of(f)
        if plan is not None:
            st, names = plan
            size = st.size
            if len(b) < size:
                return b
            d = dict(zip(names, st.unpack_from(b, 0)))
        else:
            fixed = f.fields[:-1] if tail else f.fields
            if any(t not in INTS for _, t in fixed):  # a table entry this decoder cannot lay out
                return b
            size = sum(INTS[t].size for _, t in fixed)
            if len(b) < size:
                return b
            d, off = {}, 0
            for n, t in fixed:
                d[n] = INTS[t].unpack_from(b, off)[0]
                off += INTS[t].size
    rest = b[size:]
    if tail is not None:
        d[tail[0]] = leaf(Field(f.num, f"{f.name}.{tail[0]}", tail[1]), rest)
    elif rest and (any(rest) or len(rest) >= 8):
        d["_trailing"] = rest.hex()
    return d


def _array(f: Field, raw: Buffer) -> Any:
    """Consecutive scalars of ``elem`` (a list), or of a struct described by ``fields`` (a list of dicts)."""
    if f.elem == "struct":
        plan = struct_of(f)
        if plan is None or not plan[0].size or len(raw) % plan[0].size:
            return bytes(raw)
        st, names = plan
        return [dict(zip(names, vals)) for vals in st.iter_unpack(raw)]
    elem = INTS.get(f.elem or "")
    if elem is None or len(raw) % elem.size:
        return bytes(raw)
    return [v for (v,) in elem.iter_unpack(raw)]


def leaf(f: Field, raw: Buffer) -> Any:
    """The value of a non-nest attribute by its table type; bytes when its length does not fit the type."""
    t = f.type
    st = INTS.get(t)
    if st is not None:
        return st.unpack(raw)[0] if len(raw) == st.size else bytes(raw)
    if t in _VARIABLE:
        st = _VARIABLE[t].get(len(raw))
        return bytes(raw) if st is None else st.unpack(raw)[0]
    if t == "string":
        return text(raw)
    if t == "flag":
        return True
    if t == "ip":
        return ip(raw) if len(raw) in (4, 16) else bytes(raw)
    if t == "mac":
        return mac(raw) if len(raw) else bytes(raw)
    if t == "struct":
        return _struct(f, raw)
    if t == "array":
        return _array(f, raw)
    return bytes(raw)


class Child(NamedTuple):
    """What a nest attribute opens: 'nest' (one space), 'array' (numbered nests of one space) or 'af' (AF_* -> space)."""

    form: str
    space: Space | None = None
    by_family: dict[int, Space | None] | None = None


def child(f: Field, siblings: Attrs, sp: Space, family: int, kind: str | None = None) -> Child | None:
    """How to open nest-type attribute *f* found among *siblings* of *sp*; None: no space known (bytes)."""
    t = f.type
    if t == "nest":
        return Child("nest", resolve(f.space)) if f.space else None
    if t == "nest-array":
        return Child("array", resolve(f.space)) if f.space else None
    if t == "submsg":
        key = _selector(f, siblings, sp, family, kind)
        name = f.spaces.get(key) if key is not None else None
        return Child("nest", resolve(name)) if name else None
    if t == "af-nest":
        if family == AF_BRIDGE and str(AF_BRIDGE) in f.spaces:
            return Child("nest", resolve(f.spaces[str(AF_BRIDGE)]))
        got = _AF_CHILDREN.get(id(f))
        if got is None or got[0] is not f:
            got = _AF_CHILDREN[id(f)] = (f, Child("af", by_family={int(k): resolve(v) for k, v in f.spaces.items()}))
        return got[1]
    return None


_AF_CHILDREN: dict[int, tuple[Field, Child]] = {}  # af-nest Field -> its Child (tables live as long as the process)


def _selector(f: Field, siblings: Attrs, sp: Space, family: int, kind: str | None) -> str | None:
    if f.selector == "family":
        return str(family)
    sel = _plan_by_name(sp).get(f.selector or "")
    if sel is None:
        return kind
    n, sf = sel
    raw = siblings.get(n)
    if raw is None:
        return kind
    return str(leaf(sf, raw) if sf is not None else text(raw))


def _plan_by_name(sp: Space) -> dict[str, tuple[int, Field | None]]:
    """{name: (number, field)} of *sp* (cached): how a submsg finds its selector among its siblings."""
    key = (sp.name, sp.header_enum)
    got = _BY_NAME.get(key)
    if got is None:
        got = _BY_NAME[key] = {nm.name: (n, nm.field) for n, nm in naming(sp).items()}
    return got


_BY_NAME: dict[tuple[str, str | None], dict[str, tuple[int, Field | None]]] = {}


def decode_attrs(attrs: Attrs, sp: Space | str | None, *, family: int = 0, depth: int = 0,
                 kind: str | None = None) -> dict[str, Any]:
    """{name: value} of a run of attributes of space *sp*: repeats become lists, nests dicts.

    *family* is the message's address family (IFLA_AF_SPEC / IFLA_PROTINFO
    depend on it); *depth* the number of nests above this run; *kind* the
    link kind when the run's own IFLA_INFO_KIND is missing.  RTA_MULTIPATH
    stays bytes here (`codec.multipath` parses it).  DecodeError for malformed
    bytes or nests deeper than MAX_DEPTH.
    """
    space = resolve(sp)
    plan = _plan(space) if space is not None else {}
    pre = space.prefix if space is not None else "ATTR"
    out: dict[str, Any] = {}
    repeated: set[str] = set()
    buf = attrs.buf
    mv = memoryview(buf)
    entries = attrs._all if attrs._all is not None else attrs._entries()
    for tw, off, alen in entries:
        t = tw & NLA_TYPE_MASK
        step = plan.get(t)
        v: Any
        if step is None:
            name = f"{pre}_{t}"
            v = bytes(mv[off + 4: off + alen])
        else:
            name, f, st = step
            if st is not None:  # the common case: a fixed-size integer, read without slicing
                v = st.unpack_from(buf, off + 4)[0] if alen - 4 == st.size else bytes(mv[off + 4: off + alen])
            elif f is None or name in SPECIAL:
                v = bytes(mv[off + 4: off + alen])
            elif f.type in NEST_TYPES:
                assert space is not None
                v = _open(f, Attrs(buf, off + 4, off + alen), attrs, space, family, deeper(depth, off), kind)
            elif f.type == "struct" and f.space:
                v = _struct_then_attrs(f, buf, off + 4, off + alen, family, deeper(depth, off))
            else:
                v = leaf(f, mv[off + 4: off + alen])
        if name in repeated:
            out[name].append(v)
        elif name in out:
            out[name] = [out[name], v]
            repeated.add(name)
        else:
            out[name] = v
    return out


_PLANS: dict[tuple[str, str | None], dict[int, tuple[str, Field | None, struct.Struct | None]]] = {}


def _plan(sp: Space) -> dict[int, tuple[str, Field | None, struct.Struct | None]]:
    """{number: (name, field, Struct of a fixed-size integer or None)}: `decode_attrs`'s per-space lookup."""
    key = (sp.name, sp.header_enum)
    got = _PLANS.get(key)
    if got is None:
        got = _PLANS[key] = {n: (nm.name, nm.field, INTS.get(nm.field.type) if nm.field is not None else None)
                             for n, nm in naming(sp).items()}
    return got


def _fixed_size(f: Field) -> int | None:
    """The byte size of a struct Field's fixed part (None when its fields are not all integers)."""
    if f.layout is not None:
        return int(f.layout.size)
    if not f.fields or any(t not in INTS for _, t in f.fields):
        return None
    return sum(INTS[t].size for _, t in f.fields)


def _struct_then_attrs(f: Field, buf: Buffer, start: int, end: int, family: int, depth: int) -> Any:
    """A struct followed by attributes of ``f.space`` in one value (nla_put_nohdr of the struct, then
    nla_put of each attribute: MDBA_MDB_ENTRY_INFO, MDBA_ROUTER_PORT): {field: value, ..., 'attrs': {...}}."""
    mv = memoryview(buf)
    size = _fixed_size(f)
    if size is None or end - start < size:
        return leaf(f, mv[start:end])
    d = _struct(f, mv[start: start + size])
    after = start + ((size + 3) & ~3)  # the attributes start NLA_ALIGNed after the struct
    if isinstance(d, dict) and after < end:
        try:
            d["attrs"] = decode_attrs(Attrs(buf, after, end), f.space, family=family, depth=depth)
        except DecodeError:  # not attributes after all: kept as the plain struct reading keeps them
            d["_trailing"] = bytes(mv[start + size:end]).hex()
    return d


def _open(f: Field, inner: Attrs, siblings: Attrs, sp: Space, family: int, depth: int, kind: str | None) -> Any:
    how = child(f, siblings, sp, family, kind)
    if how is None or (how.form != "af" and how.space is None):
        return bytes(inner.buf[inner.start:inner.end])
    if how.form == "nest":
        return decode_attrs(inner, how.space, family=family, depth=depth)
    if how.form == "array" and f.elem == "nest-array":  # two numbered levels (CTRL_ATTR_POLICY: idx -> attr)
        return {str(a.type): {str(b.type): decode_attrs(b.nested(), how.space, family=family,
                                                        depth=deeper(deeper(depth, a.offset), b.offset))
                              for b in a.nested()} for a in inner}
    if how.form == "array":
        return [decode_attrs(a.nested(), how.space, family=family, depth=deeper(depth, a.offset)) for a in inner]
    out: dict[str, Any] = {}
    assert how.by_family is not None
    for a in inner:
        name = AF_NAMES.get(a.type, f"AF_{a.type}")
        fsp = how.by_family.get(a.type)
        out[name] = (decode_attrs(a.nested(), fsp, family=family, depth=deeper(depth, a.offset)) if fsp is not None
                     else bytes(a.value))
    return out


def decode_bytes(data: Buffer, sp: Space | str | None, *, family: int = 0) -> dict[str, Any]:
    """`decode_attrs` of *data* as one whole run of attributes (the hypothesis properties' entry point)."""
    return decode_attrs(Attrs(data, 0, len(data)), sp, family=family)


__all__ = ["AF_BRIDGE", "AF_NAMES", "Child", "INTS", "NEST_TYPES", "Name", "SPECIAL", "child", "decode_attrs",
           "decode_bytes", "ip", "leaf", "mac", "name_of", "naming", "prefix", "resolve", "struct_of", "text"]
