"""The generic netlink contract the controller publishes: each family's operations and attribute policies.

CTRL_CMD_GETFAMILY lists a family's operations with their flags
(``ctrl_fill_info``: GENL_ADMIN_PERM, GENL_UNS_ADMIN_PERM, and the
GENL_CMD_CAP_DO/DUMP/HASPOL capabilities); CTRL_CMD_GETPOLICY dumps its
attribute policies (``ctrl_dumppolicy``, written by
``netlink_policy_dump_write`` in net/netlink/policy.c): a policy index per
policy, per attribute the NL_POLICY_TYPE_ATTR_* TLVs, and per operation the
index of its do and dump policy (CTRL_ATTR_OP_POLICY).  A policy dump can span
several datagrams; it is read with the library's `Dump`.

The parsers take messages (no I/O): `parse_ops`, `parse_policy_dump`, and
`parse_attr_policy`, which also reads the NLMSGERR_ATTR_POLICY nest of an
extended ack.  `family_ops` and `policy_dump` ask the kernel.

What the kernel does not publish: NLA_UNSPEC and NLA_REJECT attributes are
skipped (a hole in the listing is either), a policy's own maxtype is published
only for nested policies (NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE of the parent),
and required attributes are checked by handlers, not policies.
"""
from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import constants as C
from .codec import attribute as A
from .codec import layouts as L
from .codec.attribute import Attrs
from .codec.message import Message
from .socket import Socket

__all__ = ["ATTR_TYPES", "AttrPolicy", "FamilyPolicy", "Operation", "family_ops", "parse_attr_policy", "parse_ops",
           "parse_policy_dump", "policy_dump"]

_TIMEOUT = 2.0
# NL_ATTR_TYPE_* -> short name; SINT/UINT (Linux 6.8) may be newer than the installed headers
ATTR_TYPES: dict[int, str] = {v: n[len("NL_ATTR_TYPE_"):].lower()
                              for v, n in C.enum_names("NL_ATTR_TYPE_INVALID").items()}
ATTR_TYPES.setdefault(16, "sint")
ATTR_TYPES.setdefault(17, "uint")
_SIGNED = {"s8", "s16", "s32", "s64", "sint"}
_U32, _U64, _S64 = struct.Struct("=I"), struct.Struct("=Q"), struct.Struct("=q")
# NL_POLICY_TYPE_ATTR_* numbers (stable UAPI; MASK arrived in 5.10, older headers may lack it)
_P = {"type": 1, "min_s": 2, "max_s": 3, "min_u": 4, "max_u": 5, "min_len": 6, "max_len": 7, "policy_idx": 8,
      "maxtype": 9, "bitfield32_mask": 10, "mask": 12}


def _uint(raw: bytes | None) -> int | None:
    if raw is None:
        return None
    return _U64.unpack(raw[:8])[0] if len(raw) >= 8 else _U32.unpack(raw[:4])[0] if len(raw) >= 4 else None


def _sint(raw: bytes | None) -> int | None:
    if raw is None:
        return None
    return _S64.unpack(raw[:8])[0] if len(raw) >= 8 else struct.unpack("=i", raw[:4])[0] if len(raw) >= 4 else None


@dataclass(frozen=True)
class AttrPolicy:
    """One attribute's policy as published: its type name and the bounds the kernel validates against.

    ``type``: 'u32', 'nul_string', 'nested', ... ('type<N>' for a number this module does not name).
    Value bounds are those of NL_POLICY_TYPE_ATTR_MIN/MAX_VALUE_U or _S (signed types); lengths those of
    MIN/MAX_LENGTH; ``nested_policy``/``nested_maxtype`` point at the policy of a nested attribute.
    """

    type: str
    min_value: int | None = None
    max_value: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    nested_policy: int | None = None
    nested_maxtype: int | None = None
    bitfield32_mask: int | None = None
    mask: int | None = None

    @property
    def signed(self) -> bool:
        """Whether the value bounds are signed (s8..s64, sint)."""
        return self.type in _SIGNED

    def summary(self) -> str:
        """A short stable text: 'u32 0..4294967295', 'nul_string len..15', 'nested p2 max 5', 'flag'."""
        parts = [self.type]
        if self.min_value is not None or self.max_value is not None:
            parts.append(f"{self.min_value}..{self.max_value}")
        if self.min_length is not None or self.max_length is not None:
            lo = "" if self.min_length is None else self.min_length
            hi = "" if self.max_length is None else self.max_length
            parts.append(f"len{lo}..{hi}")
        if self.nested_policy is not None:
            parts.append(f"p{self.nested_policy} max {self.nested_maxtype}")
        if self.bitfield32_mask is not None:
            parts.append(f"bits {self.bitfield32_mask:#x}")
        if self.mask is not None:
            parts.append(f"mask {self.mask:#x}")
        return " ".join(parts)


def parse_attr_policy(tlvs: Mapping[int, bytes]) -> AttrPolicy:
    """NL_POLICY_TYPE_ATTR_* number -> raw value (a policy dump entry, or an extack's NLMSGERR_ATTR_POLICY)."""
    tnum = _uint(tlvs.get(_P["type"]))
    name = ATTR_TYPES.get(tnum, f"type{tnum}") if tnum is not None else "unknown"
    signed = name in _SIGNED
    lo = _sint(tlvs.get(_P["min_s"])) if signed else _uint(tlvs.get(_P["min_u"]))
    hi = _sint(tlvs.get(_P["max_s"])) if signed else _uint(tlvs.get(_P["max_u"]))
    return AttrPolicy(name, lo, hi, _uint(tlvs.get(_P["min_len"])), _uint(tlvs.get(_P["max_len"])),
                      _uint(tlvs.get(_P["policy_idx"])), _uint(tlvs.get(_P["maxtype"])),
                      _uint(tlvs.get(_P["bitfield32_mask"])), _uint(tlvs.get(_P["mask"])))


@dataclass(frozen=True)
class Operation:
    """One operation (command) of a family as ctrl_fill_info lists it: its number and CTRL_ATTR_OP_FLAGS."""

    cmd: int
    flags: int

    @property
    def admin_perm(self) -> bool:
        """GENL_ADMIN_PERM: CAP_NET_ADMIN in the initial user namespace (netlink_capable)."""
        return bool(self.flags & C.GENL_ADMIN_PERM)

    @property
    def uns_admin_perm(self) -> bool:
        """GENL_UNS_ADMIN_PERM: CAP_NET_ADMIN in the user namespace owning the netns (netlink_ns_capable)."""
        return bool(self.flags & C.GENL_UNS_ADMIN_PERM)

    @property
    def do(self) -> bool:
        """GENL_CMD_CAP_DO: the operation has a doit."""
        return bool(self.flags & C.GENL_CMD_CAP_DO)

    @property
    def dump(self) -> bool:
        """GENL_CMD_CAP_DUMP: the operation has a dumpit."""
        return bool(self.flags & C.GENL_CMD_CAP_DUMP)

    @property
    def has_policy(self) -> bool:
        """GENL_CMD_CAP_HASPOL: the operation validates attributes against a policy."""
        return bool(self.flags & C.GENL_CMD_CAP_HASPOL)

    def flag_names(self) -> list[str]:
        """The flags by name, in a fixed order (unnamed bits as hex)."""
        named = [("admin_perm", C.GENL_ADMIN_PERM), ("uns_admin_perm", C.GENL_UNS_ADMIN_PERM),
                 ("do", C.GENL_CMD_CAP_DO), ("dump", C.GENL_CMD_CAP_DUMP), ("haspol", C.GENL_CMD_CAP_HASPOL)]
        out = [n for n, bit in named if self.flags & bit]
        rest = self.flags & ~sum(bit for _, bit in named)
        return out + ([f"{rest:#x}"] if rest else [])


def parse_ops(m: Message) -> dict[int, Operation]:
    """The CTRL_ATTR_OPS of a CTRL_CMD_NEWFAMILY message: cmd -> Operation."""
    ops: dict[int, Operation] = {}
    nest = m.attrs(L.GENLMSGHDR.size).nested(C.CTRL_ATTR_OPS)
    for item in (nest if nest is not None else ()):
        op = item.nested()
        cmd = op.u32(C.CTRL_ATTR_OP_ID)
        if cmd is not None:
            ops[cmd] = Operation(cmd, op.u32(C.CTRL_ATTR_OP_FLAGS, 0))
    return ops


@dataclass
class FamilyPolicy:
    """A family's CTRL_CMD_GETPOLICY answer.

    ``policies``: policy index -> attribute type -> AttrPolicy (index 0 is the policy asked about: the
    family's, or the op's when one op was asked); ``ops``: cmd -> (do policy index, dump policy index),
    None where the op has no such policy (or, before split policies, no such callback).
    """

    family_id: int
    policies: dict[int, dict[int, AttrPolicy]] = field(default_factory=dict)
    ops: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)

    def op_policy(self, cmd: int, dump: bool = False) -> dict[int, AttrPolicy] | None:
        """The attribute policy of *cmd*'s do (or dump) half, or None when it has none published."""
        idx = self.ops.get(cmd, (None, None))[1 if dump else 0]
        return None if idx is None else self.policies.get(idx, {})

    def tree(self, idx: int, _seen: tuple[int, ...] = ()) -> dict[int, Any]:
        """Policy *idx* with nested policies inlined (indexes differ from dump to dump, trees do not):
        attr type -> (summary without the index, subtree or None; 'recursive' where a policy nests itself)."""
        out: dict[int, Any] = {}
        for atype, p in sorted(self.policies.get(idx, {}).items()):
            sub: Any = None
            if p.nested_policy is not None:
                sub = "recursive" if p.nested_policy in _seen + (idx,) else self.tree(p.nested_policy, _seen + (idx,))
            out[atype] = (replace(p, nested_policy=None).summary(), sub)
        return out


def _tlvs(a: Attrs) -> dict[int, bytes]:
    return {x.type: bytes(x.value) for x in a}


def parse_policy_dump(messages: Iterable[Message]) -> FamilyPolicy:
    """Every CTRL_CMD_GETPOLICY message of one dump, merged (the dump splits policies across messages)."""
    out = FamilyPolicy(-1)
    for m in messages:
        if m.type != C.GENL_ID_CTRL:
            continue
        a = m.attrs(L.GENLMSGHDR.size)
        out.family_id = a.u16(C.CTRL_ATTR_FAMILY_ID, out.family_id)
        pol = a.nested(C.CTRL_ATTR_POLICY)
        for pidx in (pol if pol is not None else ()):
            attrs = out.policies.setdefault(pidx.type, {})
            for entry in pidx.nested():
                attrs[entry.type] = parse_attr_policy(_tlvs(entry.nested()))
        opp = a.nested(C.CTRL_ATTR_OP_POLICY)
        for op in (opp if opp is not None else ()):
            n = op.nested()
            out.ops[op.type] = (n.u32(C.CTRL_ATTR_POLICY_DO), n.u32(C.CTRL_ATTR_POLICY_DUMP))
    return out


def _ask(family: str | int, netns: Any, cmd: int, extra: bytes, dump: bool) -> list[Message]:
    key = A.u16(C.CTRL_ATTR_FAMILY_ID, family) if isinstance(family, int) \
        else A.string(C.CTRL_ATTR_FAMILY_NAME, family)
    payload = L.GENLMSGHDR.pack(cmd=cmd, version=1) + key + extra
    with Socket(C.NETLINK_GENERIC, netns=netns, timeout=_TIMEOUT) as s:
        if dump:
            return s.dump(C.GENL_ID_CTRL, payload, timeout=_TIMEOUT).all()
        return s.request(C.GENL_ID_CTRL, 0, payload, timeout=_TIMEOUT)


def family_ops(family: str | int, netns: Any = None) -> dict[int, Operation]:
    """The operations of *family* (name or id) as the controller in *netns* lists them (KernelError ENOENT)."""
    (m,) = [m for m in _ask(family, netns, C.CTRL_CMD_GETFAMILY, b"", False) if m.type == C.GENL_ID_CTRL]
    return parse_ops(m)


def policy_dump(family: str | int, op: int | None = None, netns: Any = None) -> FamilyPolicy:
    """CTRL_CMD_GETPOLICY for *family* (name or id), of one op when *op* is given, asked in *netns*.

    KernelError: ENOENT for an unknown family or op, ENODATA when there is no policy to show
    (ctrl_dumppolicy_start), EOPNOTSUPP on kernels without policy dumps (before 5.8).
    """
    extra = b"" if op is None else A.u32(C.CTRL_ATTR_OP, op)
    return parse_policy_dump(_ask(family, netns, C.CTRL_CMD_GETPOLICY, extra, True))
