"""Any attribute set as a tree of JSON-able dicts, decoded as far as the headers and the kernel's layout allow.

Each entry: ``type``, ``name`` (or 'PREFIX_<n>'), ``known``, ``flags``
(NESTED, NET_BYTEORDER) when set, ``len``, and either ``value`` (typed by
`codec.values`; bytes of unknown kind as {hex, uint?, text?}), ``attrs`` (a
nested space, see `codec.spaces`) or ``nexthops`` (RTA_MULTIPATH, parsed by
`codec.multipath`).  An attribute with NLA_F_NESTED is always opened.

Nests are opened at most `codec.depth.MAX_DEPTH` levels deep (a DecodeError
at the nest that goes deeper), so hostile input costs bounded stack and work.
"""
from __future__ import annotations

from typing import Any

from .. import constants as C
from . import spaces as S
from .attribute import Attr, Attrs
from .buffer import Buffer
from .depth import deeper
from .multipath import nexthops
from .values import value


def attrs_tree(attrs: Attrs, space: str | None, *, kind: str | None = None, family: int = 0) -> list[dict[str, Any]]:
    """Every attribute of *attrs* (of *space*; None: unknown) as a list of entries, nests opened.

    *kind* is the link kind that names the space of an IFLA_INFO_DATA found
    here; *family* the message's address family (IFLA_AF_SPEC of AF_BRIDGE
    messages is not a per-family nest).  DecodeError when nests go deeper than `codec.depth.MAX_DEPTH`.
    """
    return _tree(attrs, space, kind, family, 0)


def _tree(attrs: Attrs, space: str | None, kind: str | None, family: int, depth: int) -> list[dict[str, Any]]:
    """`attrs_tree` of a run *depth* nests below the message (each nest opened is checked by `deeper`)."""
    known_space = space if space is not None and S.known(space) else None
    names = S.space_names(known_space) if known_space else {}
    pre = S.prefix(known_space) if known_space else "ATTR"
    out: list[dict[str, Any]] = []
    link_kind, slave_kind = kind, None
    if space == "IFLA_INFO_UNSPEC":  # the kind names the space of INFO_DATA / INFO_SLAVE_DATA
        link_kind = attrs.str(C.IFLA_INFO_KIND)
        slave_kind = attrs.str(C.IFLA_INFO_SLAVE_KIND)
    for a in attrs:
        name = names.get(a.type)
        e: dict[str, Any] = {"type": a.type, "name": name or f"{pre}_{a.type}", "known": name is not None}
        fl = _flag_names(a)
        if fl:
            e["flags"] = fl
        e["len"] = len(a.value)
        out.append(e)
        child: str | None = None
        if space is None and not names and a.nested_flag:
            child = "?"
        elif name in S.NESTED:
            child = S.NESTED[name]
        elif name is not None and S.kind_space(name, link_kind, slave_kind):
            child = S.kind_space(name, link_kind, slave_kind)
        elif name == "IFLA_AF_SPEC" and family != C.AF_BRIDGE:
            inner = deeper(depth, a.offset)
            e["attrs"] = [_af_entry(c, inner) for c in a.nested()]
            continue
        elif name in S.ARRAYS:
            inner = deeper(depth, a.offset)
            e["attrs"] = [{"type": c.type, "name": f"[{c.type}]", "known": True, "len": len(c.value),
                           "attrs": _tree(c.nested(), S.ARRAYS[name], None, 0, deeper(inner, c.offset))}
                          for c in a.nested()]
            continue
        elif name == "RTA_MULTIPATH":
            inner = deeper(depth, a.offset)
            e["nexthops"] = [dict(hop, attrs=_tree(hop["attrs"], "RTA_UNSPEC", None, 0, inner))
                             for hop in nexthops(attrs.buf, a.offset + 4, a.offset + 4 + len(a.value))]
            continue
        elif a.nested_flag:
            child = "?"
        if child is not None:
            e["attrs"] = _tree(a.nested(), None if child == "?" else child, None, 0, deeper(depth, a.offset))
        elif name is not None:
            v = value(name, a.value)
            e["value"] = raw_value(v) if isinstance(v, bytes) else v
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


def _af_entry(a: Attr, depth: int) -> dict[str, Any]:
    """One address family's nest inside IFLA_AF_SPEC (its type is an AF_* number), in a run at *depth*."""
    e: dict[str, Any] = {"type": a.type, "name": S.AF_NAMES.get(a.type, f"AF_{a.type}"), "known": a.type in S.AF_NAMES,
                         "len": len(a.value)}
    if a.type in S.AF_SPEC:
        e["attrs"] = _tree(a.nested(), S.AF_SPEC[a.type], None, 0, deeper(depth, a.offset))
    else:
        e["value"] = raw_value(a.value)
    return e


__all__ = ["attrs_tree", "raw_value"]
