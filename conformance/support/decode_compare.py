"""One netlink message decoded by netlink_probe and by pyroute2's message classes, compared.

``compare_message(raw)`` returns the ``Difference``s: header fields by byte
offset, attribute type numbers in wire order (and those of the nests
IFLA_LINKINFO, IFLA_INFO_DATA, IFLA_AF_SPEC, NDTA_PARMS), attribute names where
both know the number, and values of scalar/string/address attributes;
NLMSG_ERROR/NLMSG_DONE: error, echoed header, extended-ack TLVs.
"""
from __future__ import annotations

import functools
import struct
from typing import Any

from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import control as CTL
from netlink_probe.codec import message as M
from netlink_probe.codec import rtnl as R
from netlink_probe.sys import ffi

from .allowlist import Difference
from .normalise import OPERSTATES, canon_ip

__all__ = ["compare_message"]

_SCALAR_KINDS = {"u8", "u16", "u32", "s32", "u64", "str", "mac", "ip", "lladdr"}
# nests whose children are compared (space for names/values, or None: type numbers only)
_NESTS = {"IFLA_LINKINFO": "IFLA_INFO_UNSPEC", "NDTA_PARMS": "NDTPA_UNSPEC", "IFLA_INFO_DATA": None,
          "IFLA_AF_SPEC": None}


@functools.cache
def _pr_classes() -> dict:
    from pyroute2.netlink.rtnl.marshal import MarshalRtnl

    return dict(MarshalRtnl.msg_map)


def _pr_class(mtype: int) -> Any:
    return _pr_classes().get(mtype)


def _pr_slot_type(nla_owner, slot) -> int:
    """The attribute number of a pyroute2 slot: from its name table, or the raw header when UNKNOWN."""
    name, cell = slot.cell
    if name == "UNKNOWN":
        return struct.unpack_from("=HH", cell.data, cell.offset)[1] & A.NLA_TYPE_MASK
    rmap = nla_owner._nlmsg_base__r_nla_map
    return rmap[name]["type"]


def _header_offsets_pr(cls: Any) -> dict[int, str]:
    out: dict[int, str] = {}
    off = 0
    for name, fmt in cls.fields:
        size = struct.calcsize(fmt)
        if fmt.strip("0123456789") != "x":
            out[off] = name
        off += size
    return out


def _header_offsets_np(layout) -> dict[int, str]:
    t = ffi.typeof(layout.ctype)
    return {f.offset: n for n, f in t.fields}


def _norm_pr_value(ours, theirs, slot):
    """Bring pyroute2's representation of a value to netlink_probe's where they merely spell it differently."""
    if isinstance(ours, int) and isinstance(theirs, str):
        cell = slot.cell[1]
        vm = getattr(cell, "value_map", None) or {}
        for k, v in vm.items():
            if v == theirs and isinstance(k, int):
                return k
        if theirs.upper() in OPERSTATES.values():
            return {n: k for k, n in OPERSTATES.items()}[theirs.upper()]
    return theirs


def _compare_attrs(mtype, ours: A.Attrs, pr_owner, space: str | None, path: str, out: list):
    our_list = list(ours)
    their_slots = list(pr_owner["attrs"])
    our_types = [a.type for a in our_list]
    their_types = [_pr_slot_type(pr_owner, s) for s in their_slots]
    if our_types != their_types:
        out.append(Difference(mtype, "types", path or "/", our_types, their_types))
        return
    names = R.space_names(space) if space else {}
    for a, slot in zip(our_list, their_slots):
        our_name = names.get(a.type)
        their_name = slot.cell[0]
        p = f"{path}/{our_name or a.type}" if path else (our_name or str(a.type))
        if our_name and their_name != our_name:
            out.append(Difference(mtype, "name", p, our_name, their_name))
            continue
        if our_name in _NESTS:
            cell = slot.nla
            if not hasattr(cell, "get") or "attrs" not in cell:
                out.append(Difference(mtype, "types", p, [x.type for x in a.nested()], "not a nest"))
                continue
            try:
                _compare_attrs(mtype, a.nested(), cell, _NESTS[our_name], p, out)
            except KeyError:
                pass  # pyroute2 class without a reverse map (nested by function): numbers not derivable
            continue
        if not our_name or R.KIND.get(our_name) not in _SCALAR_KINDS:
            continue
        ov = R.value(our_name, a.value)
        if isinstance(ov, bytes) and not isinstance(slot.value, (bytes, bytearray)):
            # netlink_probe could not decode it as its declared kind (a size mismatch): a codec finding
            out.append(Difference(mtype, "value", p, f"{R.KIND[our_name]}? {ov.hex()}", slot.value))
            continue
        tv = _norm_pr_value(ov, slot.value, slot)
        if R.KIND[our_name] == "ip":
            tv = canon_ip(tv)
        if ov != tv:
            out.append(Difference(mtype, "value", p, ov, tv))


def compare_message(raw: bytes) -> list[Difference]:
    """Decode one message (bytes of exactly one nlmsghdr + payload) with both decoders."""
    raw = bytes(raw)
    (m,) = M.parse(raw)
    tname = m.type_name
    out: list[Difference] = []
    if m.type in (C.NLMSG_ERROR, C.NLMSG_DONE):
        return _compare_control(m, raw)
    if m.type < C.NLMSG_MIN_TYPE:  # NOOP/OVERRUN: a bare header, nothing to decode on either side
        return out
    fam = R.family(m.type)
    cls = _pr_class(m.type)
    if fam is None or cls is None:
        out.append(Difference(tname, "decode", "class", fam and fam[0], cls and cls.__name__))
        return out
    obj, layout, space = fam
    msg = cls(raw)
    try:
        msg.decode()
    except Exception as e:  # noqa: BLE001 - a pyroute2 decoding failure is a difference
        out.append(Difference(tname, "decode", "pyroute2", "ok", repr(e)))
        return out
    # fixed header, field by field at the same byte offsets
    ours_h = layout.as_dict(m.header(layout))
    np_off = _header_offsets_np(layout)
    for off, pname in _header_offsets_pr(cls).items():
        nname = np_off.get(off)
        if nname is None:
            out.append(Difference(tname, "header", pname, None, msg[pname]))
        elif ours_h[nname] != msg[pname]:
            out.append(Difference(tname, "header", nname, ours_h[nname], msg[pname]))
    _compare_attrs(tname, m.attrs(layout.size), msg, space, "", out)
    return out


def _compare_control(m, raw) -> list[Difference]:
    from pyroute2.netlink import nlmsgerr
    from pyroute2.netlink.rtnl.marshal import MarshalRtnl

    tname = m.type_name
    out: list[Difference] = []
    info = CTL.parse_error(m) if m.type == C.NLMSG_ERROR else CTL.parse_done(m)
    msgs = list(MarshalRtnl().parse(raw))
    if len(msgs) != 1:
        return [Difference(tname, "decode", "pyroute2", 1, len(msgs))]
    pm = msgs[0]
    if isinstance(pm, nlmsgerr) or "error" in pm:
        if pm["error"] != info.error:
            out.append(Difference(tname, "value", "error", info.error, pm["error"]))
        ours_ext = {"NLMSGERR_ATTR_MSG": info.extack.msg, "NLMSGERR_ATTR_OFFS": info.extack.offset}
        for name, ov in ours_ext.items():
            tv = pm.get_attr(name) if hasattr(pm, "get_attr") else None
            if ov != tv:
                out.append(Difference(tname, "value", name, ov, tv))
        errmsg = pm["header"].get("errmsg")
        if m.type == C.NLMSG_ERROR and info.error and errmsg is not None and info.echo_header is not None:
            eh = errmsg["header"]
            theirs = (eh["length"], eh["type"], eh["flags"], eh["sequence_number"], eh["pid"])
            if tuple(info.echo_header) != theirs:
                out.append(Difference(tname, "header", "echo", tuple(info.echo_header), theirs))
    elif m.type == C.NLMSG_DONE and info.error == 0 and not info.extack:
        pass  # pyroute2 decodes a plain DONE as a bare nlmsg: nothing to compare beyond the type
    elif m.type == C.NLMSG_DONE and not info.extack:
        out.append(Difference(tname, "value", "error", info.error, None))  # pyroute2 does not read the errno
    else:
        out.append(Difference(tname, "decode", "pyroute2", "nlmsgerr", type(pm).__name__))
    return out
