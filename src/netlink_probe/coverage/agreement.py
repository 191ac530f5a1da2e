"""Two decoders' views of one message, attribute by attribute: netlink_probe's (`codec.describe`) and YNL's.

Both trees are walked in wire order side by side.  Every attribute of either tree
becomes one `Pair` with each side's status: 'typed' (a value or an opened nest),
'raw' (bytes only), 'unknown' (no name for the number), 'error' (the decoder raised),
'absent' (the side left the enclosing nest closed, or has no spec for the message).
A pair's verdict is 'agree' or 'disagree' when both typed it, else which side left it raw.

Values are compared after `normalise`: addresses canonical, bytes as hex, structs as
their field values in order (pads dropped), enum names replaced by their numbers.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from ..codec import message as M
from ..codec.describe import describe

__all__ = ["Pair", "compare_message", "is_raw", "normalise", "np_status"]

_RAW_KEYS = {"hex", "uint", "text"}
_PAD = re.compile(r"(^|[_-])pad\d*$")  # struct padding fields ('ifi_pad', '__pad1'), not 'use_tempaddr'


@dataclass(frozen=True)
class Pair:
    """One attribute as both decoders saw it."""

    label: str                 # where the message came from ('dump links', 'request route get v4', ...)
    path: tuple[str, ...]      # netlink_probe's names from the message down to this attribute
    type: int
    np_status: str
    ynl_status: str
    np_value: Any = None
    ynl_value: Any = None
    ynl_name: str | None = None

    @property
    def name(self) -> str:
        """netlink_probe's name of the attribute (the path's last element)."""
        return self.path[-1]

    @property
    def verdict(self) -> str:
        """'agree', 'disagree', 'np-raw' (YNL typed it), 'ynl-raw' (netlink_probe typed it) or 'both-raw'."""
        np_t, y_t = self.np_status == "typed", self.ynl_status == "typed"
        if np_t and y_t:
            return "agree" if normalise(self.np_value) == normalise(self.ynl_value) else "disagree"
        if np_t:
            return "ynl-raw"
        return "np-raw" if y_t else "both-raw"


def is_raw(value: Any) -> bool:
    """A netlink_probe tree value that is bytes of unknown kind (`codec.tree.raw_value`)."""
    return isinstance(value, dict) and "hex" in value and set(value) <= _RAW_KEYS


def np_status(entry: dict[str, Any]) -> str:
    """'typed', 'raw' or 'unknown' for one `attrs_tree` entry."""
    if "attrs" in entry or "nexthops" in entry:
        return "typed"
    if not entry.get("known", True):
        return "unknown"
    return "raw" if is_raw(entry.get("value")) or isinstance(entry.get("value"), bytes) else "typed"


def normalise(v: Any) -> Any:
    """A value in a form both decoders' readings compare equal in."""
    if isinstance(v, (bytes, bytearray, memoryview)):
        return ("bytes", bytes(v).hex())
    if isinstance(v, bool) or isinstance(v, int):
        return v
    if isinstance(v, str):
        try:
            return str(ipaddress.ip_address(v))
        except ValueError:
            return v.lower() if len(v) == 17 and v.count(":") == 5 else v
    if isinstance(v, dict):
        if is_raw(v):
            return ("bytes", v["hex"])
        return [normalise(x) for k, x in v.items() if not _PAD.search(str(k).lower())]
    if isinstance(v, (list, tuple)):
        return [normalise(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return sorted(map(str, v))
    return v


def _np_children(e: dict[str, Any]) -> list[dict[str, Any]] | None:
    if "attrs" in e:
        return list(e["attrs"])
    if "nexthops" in e:  # RTA_MULTIPATH: the attributes inside each rtnexthop, in order
        return [c for hop in e["nexthops"] for c in hop.get("attrs", [])]
    return None


def _walk(label: str, path: tuple[str, ...], nps: list[dict[str, Any]] | None, ys: list[dict[str, Any]] | None,
          out: list[Pair], no_ynl: str = "absent") -> None:
    nps, ys = nps or [], ys
    for i, e in enumerate(nps):
        y = ys[i] if ys is not None and i < len(ys) and ys[i]["type"] == e["type"] else None
        p = path + (e["name"],)
        np_st = np_status(e)
        if y is None:
            out.append(Pair(label, p, e["type"], np_st, no_ynl, e.get("value")))
        else:
            out.append(Pair(label, p, e["type"], np_st, y["status"], e.get("value"), y.get("value"), y["name"]))
        kids = _np_children(e)
        ykids = y.get("attrs") if y is not None else None
        if kids is not None:
            _walk(label, p, kids, ykids, out, no_ynl)
        elif ykids:  # YNL opened a nest netlink_probe left closed
            for c in _flatten(ykids):
                out.append(Pair(label, p + (c.get("name") or f"?{c['type']}",), c["type"], "absent", c["status"],
                                None, c.get("value"), c.get("name")))
    if ys is not None:
        for y in ys[len(nps):]:  # never on well-formed input: both walk the same bytes
            out.append(Pair(label, path + (y.get("name") or "?",), y["type"], "absent", y["status"], None,
                            y.get("value"), y.get("name")))


def _flatten(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in entries:
        out.append(c)
        out += _flatten(c.get("attrs") or [])
    return out


def compare_message(label: str, raw: bytes, ynl: Any) -> tuple[list[Pair], list[str]]:
    """Every attribute of one raw rtnetlink message as a `Pair` (YNL: a `ynl_view.Ynl` or None), and the
    fixed-header fields that differ ('field: np != ynl')."""
    (m,) = M.parse(raw)
    d = describe(m)
    y = ynl.decode(raw) if ynl is not None else None
    out: list[Pair] = []
    _walk(label, (d.get("object", d["type"]),), d.get("attrs"), y["attrs"] if y else None, out,
          "absent" if y is not None else "nospec")
    header_diffs: list[str] = []
    if y is not None and "header" in d:
        (fields,) = d["header"].values()
        np_vals = [(k, v) for k, v in fields.items() if not _PAD.search(k)]
        for (k, v), yv in zip(np_vals, y["header"]):
            if normalise(v) != normalise(yv):
                header_diffs.append(f"{k}: {v!r} != {yv!r}")
    return out, header_diffs
