"""The row machinery of ``ip -d`` info_data tables (`linkinfo`): a kind's data is a tuple of rows.

A row is (json key, attribute name, reader).  The reader gets the decoded
value (`codec.schema.decode`) and the `Links` index and returns what ip
prints, or one of: `ABSENT` (ip prints nothing: the key stays free for a
later row), `CLAIMED` (ip prints nothing to JSON and skips the rows after it
for this key: an ``if .. else if`` whose taken branch is text-only), or
`Many` (several keys at once).  With attribute None the reader gets the
whole decoded IFLA_INFO_DATA dict, for what ip prints whether or not an
attribute came (``"ttl": 0``, ``"remote": "any"``).  Key "*" lets the reader
choose the key (returns (key, value)); rows keyed "*name" form one ``if ..
else if`` chain (vxlan's GROUP then GROUP6): the first that prints or claims
ends it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..codec.values import ip

if TYPE_CHECKING:
    from .links import Links

Reader = Callable[[Any, "Links"], Any]
Row = tuple[str, "str | None", Reader]
ABSENT = object()
CLAIMED = object()


class Many(dict[str, Any]):
    """Several keys from one row, in order (ip's 6rd prefix and relay prefix, a tunnel's encap...)."""


def render(rows: tuple[Row, ...], data: Any, links: Links) -> dict[str, Any]:
    """One info_data object from a decoded IFLA_INFO_DATA (or SLAVE_DATA): the rows in ip's order."""
    out: dict[str, Any] = {}
    taken: set[str] = set()
    data = data if isinstance(data, dict) else {}
    for key, attr, read in rows:
        if key in taken:
            continue
        if attr is None:
            v = read(data, links)
        elif attr in data:
            v = read(data[attr], links)
        else:
            continue
        if v is ABSENT:
            continue
        if v is CLAIMED:
            taken.add(key)
            continue
        if isinstance(v, Many):
            for k, x in v.items():
                out.setdefault(k, x)
            continue
        if key.startswith("*"):  # the reader chose the key; "*name" rows share one else-if chain
            if key != "*":
                taken.add(key)
            key, v = v
        out[key] = v
        taken.add(key)
    return out


# -- readers ip uses again and again ----------------------------------------------------
def same(v: Any, _: Links) -> Any:
    """The decoded value as it is (ip's print_uint/print_string of the attribute)."""
    return v


def boolean(v: Any, _: Links) -> bool:
    """true/false (ip's print_bool of a u8 flag attribute)."""
    return bool(v)


def true_if_set(v: Any, _: Links) -> Any:
    """ip's `if (tb[X] && rta_getattr_u8(tb[X])) print_bool(X, true)`: shown only when set."""
    return True if v else ABSENT


def present(v: Any, _: Links) -> bool:
    """A flag attribute (or any ip prints as true when present)."""
    return True


def c_hex(v: int) -> str:
    """C's "%#x" (print_0xhex's JSON form): 0x-prefixed hex, except that 0 is "0"."""
    return f"{v:#x}" if v else "0"


def hex0x(v: Any, _: Links) -> str:
    """'0x1f' (ip's "%#x")."""
    return c_hex(v)


def hex_if_set(v: Any, _: Links) -> Any:
    """'0x1f', or nothing printed when the value is 0."""
    return c_hex(v) if v else ABSENT


def nonzero(v: Any, _: Links) -> Any:
    """The value, or nothing printed when it is 0 (ip's `if (val)` guards)."""
    return v if v else ABSENT


def link_name(v: Any, links: Links) -> Any:
    """An ifindex ip prints by name (ll_index_to_name), nothing for 0."""
    return links.name(v) if v else ABSENT


def ip_set(v: Any, _: Links) -> Any:
    """An address ip prints only when not all zeros."""
    return v if isinstance(v, str) and v not in ("0.0.0.0", "::") else ABSENT


def names(table: dict[int, str] | tuple[str, ...], unknown: str | None = None) -> Reader:
    """A number by name: *table* a dict or ip's array (index -> name); others as *unknown* or the number."""
    lookup = dict(enumerate(table)) if isinstance(table, tuple) else table

    def read(v: Any, _: Links) -> Any:
        return lookup.get(v, unknown if unknown is not None else str(v))
    return read


def endpoint(attr: str) -> Reader:
    """tnl_print_endpoint: the address, "any" when absent or all zeros (printed either way)."""
    def read(data: dict[str, Any], _: Links) -> str:
        v = data.get(attr)
        return v if isinstance(v, str) and v not in ("0.0.0.0", "::") else "any"
    return read


def ttl_always(attr: str) -> Reader:
    """The tunnels' `if (is_json_context() || ttl) print_uint("ttl", ttl)`: 0 when the attribute is absent."""
    def read(data: dict[str, Any], _: Links) -> int:
        v = data.get(attr, 0)
        return v if isinstance(v, int) else 0
    return read


def dotted(v: Any) -> str:
    """A be32 key as inet_ntop prints its bytes (ip's gre ikey/okey)."""
    return ip(int(v).to_bytes(4, "big"))


def encap(prefix: str) -> Reader:
    """tnl_print_encap: {"encap": {"type", "sport", "dport", "csum", "csum6", "remcsum"}} unless type NONE."""
    def read(data: dict[str, Any], _: Links) -> Any:
        etype = data.get(f"{prefix}_ENCAP_TYPE")
        if not etype:  # absent or TUNNEL_ENCAP_NONE
            return ABSENT
        flags = data.get(f"{prefix}_ENCAP_FLAGS", 0) or 0
        return {"type": {1: "fou", 2: "gue"}.get(etype), "sport": data.get(f"{prefix}_ENCAP_SPORT", 0),
                "dport": data.get(f"{prefix}_ENCAP_DPORT", 0), "csum": bool(flags & 1), "csum6": bool(flags & 2),
                "remcsum": bool(flags & 4)}
    return read


__all__ = ["ABSENT", "CLAIMED", "Many", "Reader", "Row", "boolean", "c_hex", "dotted", "encap", "endpoint",
           "hex0x", "hex_if_set", "ip_set", "link_name", "names", "nonzero", "present", "render", "same",
           "true_if_set", "ttl_always"]
