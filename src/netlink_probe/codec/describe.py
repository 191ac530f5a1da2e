"""Any netlink message as a JSON-able description: type and flag names, family header, attribute tree,
or the error/done report of a control message.

This is what the ``decode`` command prints (``--json`` as is, otherwise via
`codec.describe_text`) and what ``monitor --full`` adds to each notification.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .. import constants as C
from . import layouts as L
from .control import ErrorInfo, parse_done, parse_error
from .message import Message, flags_names, parse
from .msgtypes import object_family, type_name
from .tree import attrs_tree


def describe(m: Message, protocol: int = C.NETLINK_ROUTE) -> dict[str, Any]:
    """One message as a dict: header, flags by name, family header, attribute tree (or error/done)."""
    name, known = type_name(m.type, protocol)
    d: dict[str, Any] = {"offset": m.offset, "len": m.length, "type": name or str(m.type), "type_number": m.type}
    if name and not known:
        d["type_named_by_headers"] = False
    d["flags"] = flags_names(m.type, m.flags, protocol)
    d["flags_value"] = m.flags
    d["seq"], d["pid"] = m.seq, m.pid
    fam = object_family(m.type) if protocol == C.NETLINK_ROUTE else None
    if m.type == C.NLMSG_ERROR:
        d["error"] = errinfo(parse_error(m), protocol)
    elif m.type == C.NLMSG_DONE:
        d["done"] = errinfo(parse_done(m), protocol)
    elif m.type < C.NLMSG_MIN_TYPE:
        if m.length > 16:
            d["payload"] = bytes(m.payload).hex()
    elif fam is not None:
        obj, layout, space = fam
        hdr = layout.as_dict(m.header(layout))
        d["object"] = obj
        d["header"] = {layout.name: hdr}
        d["attrs"] = attrs_tree(m.attrs(layout.size), space, family=address_family(hdr))
    elif protocol == C.NETLINK_GENERIC:
        d["header"] = {L.GENLMSGHDR.name: L.GENLMSGHDR.as_dict(m.header(L.GENLMSGHDR))}
        ctrl = "CTRL_ATTR_UNSPEC" if m.type == C.GENL_ID_CTRL else None  # other families: ids from the controller
        d["attrs"] = attrs_tree(m.attrs(L.GENLMSGHDR.size), ctrl)
    elif m.length > 16:
        d["payload"] = bytes(m.payload).hex()
    return d


def address_family(header: dict[str, Any]) -> int:
    """The address family of an rtnetlink family header ({ifi_family: ...}, {rtm_family: ...}, {family: ...})."""
    return next((v for k, v in header.items() if k.endswith("family")), C.AF_UNSPEC)


def errinfo(info: ErrorInfo, protocol: int) -> dict[str, Any]:
    """An NLMSG_ERROR / NLMSG_DONE report: errno and its name, the echoed request, the extended ack."""
    e: dict[str, Any] = {"errno": info.errno, "name": info.errno_name if info.error else "ok (ACK)" if info.echo_header
                         else "ok"}
    if info.echo_header is not None:
        ln, t, fl, seq, pid = info.echo_header
        tn, _ = type_name(t, protocol)
        e["request"] = {"len": ln, "type": tn or str(t), "type_number": t, "flags": flags_names(t, fl),
                        "seq": seq, "pid": pid}
        if info.capped:
            e["capped"] = True
        elif info.echo_payload:
            e["request"]["payload"] = info.echo_payload.hex()
    x = info.extack
    if x:
        ext: dict[str, Any] = {}
        for k in ("msg", "offset", "miss_type", "miss_nest"):
            if getattr(x, k) is not None:
                ext[k] = getattr(x, k)
        if x.cookie is not None:
            ext["cookie"] = x.cookie.hex()
        if x.policy:
            ext["policy"] = {str(k): v.hex() for k, v in x.policy.items()}
        if x.unknown:
            ext["unknown"] = {str(k): v.hex() for k, v in x.unknown.items()}
        e["extack"] = ext
    return e


def describe_buffer(data: bytes, protocol: int = C.NETLINK_ROUTE) -> list[dict[str, Any]]:
    """Every message of *data*, described; raises DecodeError with the byte offset."""
    return list(describe_each(parse(data), protocol))


def describe_each(messages: Iterable[Message], protocol: int = C.NETLINK_ROUTE) -> Iterator[dict[str, Any]]:
    """Each message described in turn: a writer holds one description at a time, not the whole buffer's."""
    for m in messages:
        yield describe(m, protocol)


__all__ = ["address_family", "describe", "describe_buffer", "describe_each", "errinfo"]
