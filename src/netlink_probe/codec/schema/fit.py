"""Whether attributes fit their tables: every number has an entry, every length suits the entry's type.

`check` walks a run of attributes through a space and its nests and reports
each attribute that no table entry names and each whose length its type
cannot have (a u32 of 2 bytes, a struct shorter than its layout, an address
of 5 bytes).  The conformance suite runs it over live dumps; `kernel-info`
style reports can run it over anything the kernel sent.  It reads lengths
only, never values (the decoder's job), so a wrong byte order is not its
concern: that is checked against values put on the wire.

Table forms beyond one scalar per attribute that it understands:
  struct ``fields`` whose last type is 'ip': the rest of the value is an address (struct rtvia);
  a struct Field with ``space``: attributes of that space follow the struct (nla_put_nohdr + nla_put_*:
    MDBA_MDB_ENTRY_INFO, MDBA_ROUTER_PORT);
  array with ``elem='struct'``: consecutive structs of ``fields`` / ``layout`` (NHA_GROUP);
  nest-array with ``elem='nest-array'``: two levels of numbered nests (CTRL_ATTR_POLICY).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..attribute import Attrs, align
from ..buffer import Buffer
from ..errors import DecodeError
from .model import Field, Space

SIZES: dict[str, int] = {"u8": 1, "s8": 1, "u16": 2, "s16": 2, "be16": 2, "u32": 4, "s32": 4, "be32": 4,
                         "u64": 8, "s64": 8, "be64": 8}
VARIABLE: dict[str, tuple[int, ...]] = {"uint": (4, 8), "sint": (4, 8)}
ADDRESS_SIZES = (4, 16)


@dataclass
class Report:
    """What `check` found: how many attributes it checked, and each misfit as 'path: why'."""

    checked: int = 0
    misfits: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)   # 'space/NAME' of every attribute that fitted

    def merge(self, other: Report) -> None:
        """Add *other*'s counts and findings to this one."""
        self.checked += other.checked
        self.misfits.extend(other.misfits)
        self.seen |= other.seen


def struct_size(f: Field) -> int | None:
    """The fixed part of a struct Field's value in bytes (a trailing 'ip' field counts 4); None if unknown."""
    if f.layout is not None:
        return int(f.layout.size)
    if not f.fields:
        return None
    total = 0
    for _, t in f.fields:
        if t == "ip":
            total += ADDRESS_SIZES[0]
        elif t in SIZES:
            total += SIZES[t]
        else:
            return None
    return total


def _struct_fits(f: Field, n: int) -> str | None:
    size = struct_size(f)
    if size is None:
        return "struct without a layout or fields"
    if f.fields and f.fields[-1][1] == "ip":  # a trailing address: exactly 4 or 16 bytes after the fixed part
        fixed = size - ADDRESS_SIZES[0]
        return None if n - fixed in ADDRESS_SIZES else f"{n} bytes: not {fixed} + 4 or 16"
    return None if n >= size else f"{n} bytes, the struct needs {size}"


def leaf_misfit(f: Field, n: int) -> str | None:
    """Why a value of *n* bytes cannot be of *f*'s (non-nest) type; None when it fits."""
    t = f.type
    if t in SIZES:
        return None if n == SIZES[t] else f"{n} bytes for a {t}"
    if t in VARIABLE:
        return None if n in VARIABLE[t] else f"{n} bytes for a {t} (4 or 8)"
    if t == "flag":
        return None if n == 0 else f"{n} bytes for a flag"
    if t == "ip":
        return None if n in ADDRESS_SIZES else f"{n} bytes for an address"
    if t == "mac":
        return None if n > 0 else "an empty link-layer address"
    if t == "string":
        return None if n > 0 else "an empty string (no NUL)"
    if t == "binary":
        return None
    if t == "struct":
        return _struct_fits(f, n)
    if t == "array":
        size = struct_size(f) if f.elem == "struct" else SIZES.get(f.elem or "")
        if not size:
            return f"array of unknown element {f.elem!r}"
        return None if n % size == 0 else f"{n} bytes: not a multiple of {size}"
    return f"type {t!r} is not a leaf"


def _selector_value(sp: Space, sel: str, siblings: Attrs) -> str | None:
    for f in sp.fields:
        if f.name != sel:
            continue
        raw = siblings.get(f.num)
        if raw is None:
            return None
        raw = bytes(raw)
        if f.type == "string":
            return raw.split(b"\0", 1)[0].decode("utf-8", "replace")
        if f.type in SIZES and len(raw) == SIZES[f.type]:
            return str(int.from_bytes(raw, "big" if f.type.startswith("be") else "little",
                                      signed=f.type.startswith("s")))
        return None
    return None


class _Walk:
    def __init__(self, spaces: Mapping[str, Space], family: int) -> None:
        self.spaces, self.family, self.report = spaces, family, Report()

    def run(self, attrs: Attrs, sp: Space, path: str) -> None:
        by_num = sp.by_num()
        for a in attrs:
            self.report.checked += 1
            f = by_num.get(a.type)
            where = f"{path}/{f.name if f else f'{sp.prefix}_{a.type}'}"
            if f is None:
                self.report.misfits.append(f"{where}: no table entry in {sp.name!r} ({len(a.value)} bytes)")
                continue
            why = self.one(a.value, f, attrs, sp, where)
            if why:
                self.report.misfits.append(f"{where}: {why}")
            else:
                self.report.seen.add(f"{sp.name}/{f.name}")

    def inner(self, name: str | None, attrs: Attrs, path: str) -> str | None:
        sp = self.spaces.get(name or "")
        if sp is None:
            return f"space {name!r} is not in the tables"
        self.run(attrs, sp, path)
        return None

    def one(self, value: memoryview, f: Field, siblings: Attrs, sp: Space, path: str) -> str | None:
        t, n = f.type, len(value)
        inner = Attrs(bytes(value), 0, n)
        if t == "nest":
            return self.inner(f.space, inner, path)
        if t == "nest-array":
            for entry in inner:
                entries = Attrs(bytes(entry.value), 0, len(entry.value))
                if f.elem == "nest-array":
                    for sub in entries:
                        why = self.inner(f.space, Attrs(bytes(sub.value), 0, len(sub.value)),
                                         f"{path}[{entry.type}][{sub.type}]")
                        if why:
                            return why
                else:
                    why = self.inner(f.space, entries, f"{path}[{entry.type}]")
                    if why:
                        return why
            return None
        if t == "submsg":
            key = str(self.family) if f.selector == "family" else _selector_value(sp, f.selector or "", siblings)
            name = f.spaces.get(key) if key is not None else None
            if name is None:
                return f"no space for {f.selector}={key!r}"
            return self.inner(name, inner, path)
        if t == "af-nest":
            for entry in inner:
                name = f.spaces.get(str(entry.type))
                if name is None:
                    return f"no space for address family {entry.type}"
                why = self.inner(name, Attrs(bytes(entry.value), 0, len(entry.value)), f"{path}[AF {entry.type}]")
                if why:
                    return why
            return None
        why = leaf_misfit(f, n)
        if why or t != "struct" or not f.space:
            return why
        size = struct_size(f) or 0  # a struct followed by attributes of f.space
        return self.inner(f.space, Attrs(bytes(value), align(size), n), path)


def check(data: Buffer, sp: Space | str, spaces: Mapping[str, Space], *, family: int = 0,
          start: int = 0, end: int | None = None) -> Report:
    """The misfits of the attributes in *data* [start:end] read as space *sp* (a Space or its name in
    *spaces*, every space a nest may open); a malformed run is one misfit, never an exception."""
    walk = _Walk(spaces, family)
    space = spaces.get(sp) if isinstance(sp, str) else sp
    if space is None:
        walk.report.misfits.append(f"space {sp!r} is not in the tables")
        return walk.report
    try:
        walk.run(Attrs(data, start, len(data) if end is None else end), space, space.name)
    except DecodeError as e:
        walk.report.misfits.append(f"{space.name}: malformed attributes: {e}")
    return walk.report


__all__ = ["ADDRESS_SIZES", "Report", "SIZES", "VARIABLE", "check", "leaf_misfit", "struct_size"]
