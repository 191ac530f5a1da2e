"""The readable form of a `codec.describe` description: one header line per message, attributes indented.

Raw values show at most 32 bytes (``--json`` has them all), with their
readings as text or integer when plausible.  Attributes only the tables name
(newer than the build headers) are marked ``[not in the headers]``.
"""
from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from .. import constants as C

_HEX_SHOWN = 32
# Family-header fields whose numbers the headers name: field-name ending -> constant prefix.
_NAMED_FIELDS = (("family", "AF_"), ("_scope", "RT_SCOPE_"), ("rtm_protocol", "RTPROT_"), ("rtm_type", "RTN_"),
                 ("rtm_table", "RT_TABLE_"), ("ifi_type", "ARPHRD_"))


@cache
def _names(prefix: str) -> dict[int, str]:
    return C.names_by_prefix(prefix)


def field_text(field: str, value: Any) -> str:
    """``name=value``, with the headers' name of the number where the field has one: ``ifa_family=2 (AF_INET)``."""
    for suffix, prefix in _NAMED_FIELDS:
        if field.endswith(suffix) and isinstance(value, int):
            name = _names(prefix).get(value)
            if name:
                return f"{field}={value} ({name})"
    return f"{field}={value}"


def message_text(d: dict[str, Any]) -> str:
    """A described message (`codec.describe.describe`) as lines of text."""
    t = d["type"] if d["type"] == str(d["type_number"]) else f"{d['type']} ({d['type_number']})"
    if d.get("type_named_by_headers") is False:
        t += " [not in the headers]"
    lines = [f"{t} flags={'|'.join(d['flags']) or '0'} ({d['flags_value']:#x}) seq={d['seq']} pid={d['pid']} "
             f"len={d['len']} at offset {d['offset']}"]
    for key in ("error", "done"):
        if key in d:
            e = d[key]
            lines.append(f"    {key}: {e['name']}" + (f" (errno {e['errno']})" if e["errno"] else ""))
            if "request" in e:
                r = e["request"]
                lines.append(f"    request: {r['type']} flags={'|'.join(r['flags']) or '0'} seq={r['seq']} "
                             f"pid={r['pid']} len={r['len']}" + (" (capped)" if e.get("capped") else ""))
            for k, v in e.get("extack", {}).items():
                lines.append(f"    extack {k}: {v}")
    for layout, hdr in d.get("header", {}).items():
        lines.append(f"    {layout}: " + " ".join(field_text(k, v) for k, v in hdr.items()))
    lines += attrs_text(d.get("attrs", []), "    ")
    if "payload" in d:
        lines.append(f"    payload: {d['payload']}")
    return "\n".join(lines)


def attrs_text(attrs: list[dict[str, Any]], indent: str) -> list[str]:
    """An attribute tree (`codec.tree.attrs_tree`), one line per attribute, nests indented further.

    The walk keeps its own stack (one generator per open nest), so a tree of any depth renders.
    """
    lines: list[str] = []
    stack: list[Iterator[str | tuple[list[dict[str, Any]], str]]] = [_level(attrs, indent)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
        elif isinstance(item, str):
            lines.append(item)
        else:
            stack.append(_level(*item))
    return lines


def _level(attrs: list[dict[str, Any]], indent: str) -> Iterator[str | tuple[list[dict[str, Any]], str]]:
    """The lines of one run of attributes, and (nested run, its indent) where a nest's lines go."""
    for e in attrs:
        tag = f"{e['name']} ({e['type']})" if e.get("known", True) else f"unknown attribute {e['type']}"
        if e.get("source") == "table":  # named by codec.schema's tables only: newer than the build headers
            tag += " [not in the headers]"
        fl = f" [{','.join(e['flags'])}]" if e.get("flags") else ""
        if "attrs" in e:
            yield f"{indent}{tag}{fl}: nested, {e['len']} bytes"
            yield e["attrs"], indent + "    "
        elif "nexthops" in e:
            yield f"{indent}{tag}{fl}: {len(e['nexthops'])} nexthops"
            for nh in e["nexthops"]:
                yield (f"{indent}    rtnexthop ifindex={nh['rtnh_ifindex']} hops={nh['rtnh_hops']} "
                       f"flags={nh['rtnh_flags']:#x}")
                yield nh["attrs"], indent + "        "
        else:
            named = f" ({e['enum']})" if "enum" in e else ""
            yield f"{indent}{tag}{fl}: {value_text(e.get('value'))}{named}"


def value_text(v: object) -> str:
    """One decoded value: raw bytes as spaced hex (cut at 32 bytes) with their readings; text quoted."""
    if isinstance(v, dict) and "hex" in v:
        h = v["hex"]
        s = " ".join(h[i:i + 2] for i in range(0, min(len(h), 2 * _HEX_SHOWN), 2)) or "(empty)"
        if len(h) > 2 * _HEX_SHOWN:
            s += f" ... ({len(h) // 2} bytes; --json shows all)"
        if "text" in v:
            s += f"  (text {v['text']!r})"
        return s + (f"  (u{len(v['hex']) * 4} {v['uint']})" if "uint" in v else "")
    if isinstance(v, str):
        return repr(v)
    return str(v)


__all__ = ["attrs_text", "field_text", "message_text", "value_text"]
