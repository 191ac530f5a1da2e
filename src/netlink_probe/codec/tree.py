"""Any attribute set as a tree of JSON-able dicts, decoded as far as the headers and the tables allow.

Each entry: ``type``, ``name`` (or 'PREFIX_<n>'), ``known``, ``source``
('headers': the build headers name it; 'table': only `codec.schema`'s tables
do, i.e. it is newer than the headers), ``flags`` (NESTED, NET_BYTEORDER)
when set, ``len``, and either ``value`` (typed by the tables; bytes of unknown
kind as {hex, uint?, text?}; ``enum`` beside it where the table names the
number), ``attrs`` (a nested space, see `codec.schema.decode.child`) or
``nexthops`` (RTA_MULTIPATH, parsed by `codec.multipath`).  An attribute
with NLA_F_NESTED is always opened (as attributes of an unknown space where
the table does not type it as a nest).

Nests are opened at most `codec.depth.MAX_DEPTH` levels deep (a DecodeError
at the nest that goes deeper), so hostile input costs bounded stack and work.
"""
from __future__ import annotations

from typing import Any

from .attribute import Attr, Attrs
from .buffer import Buffer
from .depth import deeper
from .multipath import nexthops
from .schema import Space
from .schema.decode import AF_NAMES, NEST_TYPES, child, leaf, name_of, resolve


def attrs_tree(attrs: Attrs, space: str | Space | None, *, kind: str | None = None,
               family: int = 0) -> list[dict[str, Any]]:
    """Every attribute of *attrs* (of *space*: a UAPI enum, a table name or a Space; None: unknown) as a
    list of entries, nests opened.

    *kind* is the link kind that names the space of an IFLA_INFO_DATA found
    here when the run has no IFLA_INFO_KIND; *family* the message's address
    family (IFLA_AF_SPEC of AF_BRIDGE messages is not a per-family nest).
    DecodeError when nests go deeper than `codec.depth.MAX_DEPTH`.
    """
    return _tree(attrs, resolve(space), kind, family, 0)


def _tree(attrs: Attrs, sp: Space | None, kind: str | None, family: int, depth: int) -> list[dict[str, Any]]:
    """`attrs_tree` of a run *depth* nests below the message (each nest opened is checked by `deeper`)."""
    out: list[dict[str, Any]] = []
    for a in attrs:
        nm = name_of(sp, a.type)
        e: dict[str, Any] = {"type": a.type, "name": nm.name, "known": nm.source is not None}
        if nm.source is not None:
            e["source"] = nm.source
        fl = _flag_names(a)
        if fl:
            e["flags"] = fl
        e["len"] = len(a.value)
        out.append(e)
        f = nm.field
        if nm.name == "RTA_MULTIPATH":
            inner = deeper(depth, a.offset)
            e["nexthops"] = [dict(hop, attrs=_tree(hop["attrs"], sp, None, family, inner))
                             for hop in nexthops(attrs.buf, a.offset + 4, a.offset + 4 + len(a.value))]
        elif f is not None and f.type in NEST_TYPES:
            assert sp is not None
            how = child(f, attrs, sp, family, kind)
            inner = deeper(depth, a.offset)
            if how is None or (how.form != "af" and how.space is None):
                e["attrs"] = _tree(a.nested(), None, None, family, inner)
            elif how.form == "nest":
                e["attrs"] = _tree(a.nested(), how.space, None, family, inner)
            elif how.form == "array":
                e["attrs"] = [{"type": c.type, "name": f"[{c.type}]", "known": True, "len": len(c.value),
                               "attrs": _tree(c.nested(), how.space, None, family, deeper(inner, c.offset))}
                              for c in a.nested()]
            else:
                assert how.by_family is not None
                e["attrs"] = [_af_entry(c, how.by_family.get(c.type), family, inner) for c in a.nested()]
        elif a.nested_flag:  # the sender says it holds attributes: shown as such, whatever the table says
            e["attrs"] = _tree(a.nested(), None, None, family, deeper(depth, a.offset))
        elif f is not None:
            v = leaf(f, a.value)
            e["value"] = raw_value(v) if isinstance(v, bytes) else v
            if f.enum and isinstance(v, int) and v in f.enum:
                e["enum"] = f.enum[v]
        else:
            e["value"] = raw_value(a.value)
    return out


def raw_value(raw: Buffer) -> dict[str, Any]:
    """Bytes of unknown kind: hex, plus the readings that are plausible (integer, NUL-terminated text)."""
    b = bytes(raw)
    v: dict[str, Any] = {"hex": b.hex()}
    if len(b) in (1, 2, 4, 8):
        v["uint"] = int.from_bytes(b, "little")
    if len(b) > 1 and b[-1] == 0 and b[:-1].isascii() and b[:-1].decode().isprintable() and b[0] != 0:
        v["text"] = b[:-1].decode()
    return v


def _flag_names(a: Attr) -> list[str]:
    out = []
    if a.nested_flag:
        out.append("NESTED")
    if a.net_byteorder:
        out.append("NET_BYTEORDER")
    return out


def _af_entry(a: Attr, sp: Space | None, family: int, depth: int) -> dict[str, Any]:
    """One address family's nest inside IFLA_AF_SPEC (its type is an AF_* number), in a run at *depth*."""
    e: dict[str, Any] = {"type": a.type, "name": AF_NAMES.get(a.type, f"AF_{a.type}"), "known": a.type in AF_NAMES,
                         "len": len(a.value)}
    if sp is not None:
        e["attrs"] = _tree(a.nested(), sp, None, family, deeper(depth, a.offset))
    else:
        e["value"] = raw_value(a.value)
    return e


__all__ = ["attrs_tree", "raw_value"]
