"""The generic netlink contract as the running kernel publishes it, and the requests that break it.

Discovery (`contract`): in a fresh namespace, every family the controller lists there (only ``netnsok``
families: genl_rcv_msg refuses the others outside init_net, ctrl_dumpfamily hides them), minus
DENYLIST; per family its operations (`genl_policy.family_ops`) and, per operation, its do and dump
policy (`genl_policy.policy_dump` with CTRL_ATTR_OP).  Operation names come from the YNL specs of the
linux-source tree (read at run time) and fall back to ``cmd<N>``.

Violations (`violations`): for each op half (do, dump) that publishes a policy, one attribute per
published attribute type (the lowest-numbered) gets every kind of bad value its policy rules out, plus
an attribute type just above the highest listed one, plus type 0.  No request is valid: a kind an
op's validation may let through (an unknown type or a nest without NLA_F_NESTED under liberal
validation, GENL_DONT_VALIDATE_STRICT) is followed by a *guard*, an attribute that every validation
mode refuses, so the handler never runs; `refusal` states, from lib/nlattr.c, what the kernel answers.
"""
from __future__ import annotations

import functools
import struct
from dataclasses import dataclass, field

from netlink_probe import KernelError, NetNS, Socket, genl, genl_policy
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.genl_policy import AttrPolicy, Operation

from .expect import kernel_version, parse_version

__all__ = ["DENYLIST", "HIDDEN_UNSPEC", "LIBERAL", "LIBERAL_SINCE", "Family", "Half", "Violation", "attrs_offset", "contract", "expected", "guard", "observe_refusal", "op_names", "PermRequest", "perm_child", "perm_expected", "perm_requests",
           "refusal", "request_payload", "violations"]

# Families never sent to, though a fresh namespace may show them: each could act on state outside the
# namespace if a request ever got past validation.  (Families that are not netnsok -- thermal, acpi_event,
# NET_DM, NLBL_*, VFS_DQUOT, nbd, vdpa -- are not even listed outside init_net; they are named here too.)
DENYLIST: dict[str, str] = {
    "TASKSTATS": "kernel/taskstats.c: registers per-cpu listeners and reads any task by pid (not per-netns)",
    "MAC80211_HWSIM": "drivers/net/wireless/virtual/mac80211_hwsim.c: HWSIM_CMD_NEW_RADIO creates radios",
    "mac802154_hwsim": "drivers/net/ieee802154/mac802154_hwsim.c: creates and deletes radios",
    "dpll": "drivers/dpll: pins and devices are machine-wide hardware state",
    "vdpa": "drivers/vdpa/vdpa.c: management devices are machine-wide (and not netnsok)",
    "devlink": "net/devlink: reload/flash/port split act on hardware shared by all namespaces",
    "nfsd": "fs/nfsd/nfsctl.c: starts and stops server threads",
    "NET_DM": "net/core/drop_monitor.c: NET_DM_CMD_START traces drops machine-wide (not netnsok)",
    "thermal": "drivers/thermal: machine-wide (not netnsok)",
    "acpi_event": "drivers/acpi/event.c: machine-wide (not netnsok)",
    "VFS_DQUOT": "fs/quota/netlink.c: machine-wide (not netnsok)",
    "NLBL_MGMT": "net/netlabel: LSM labelling is machine-wide (not netnsok)",
    "NLBL_UNLBL": "net/netlabel (not netnsok)", "NLBL_CIPSOv4": "net/netlabel (not netnsok)",
    "NLBL_CALIPSO": "net/netlabel (not netnsok)",
}

# Op halves whose validation is liberal (GENL_DONT_VALIDATE_STRICT in the op's .validate, found by
# experiment and read in the source): unknown types are skipped, fixed-size ints only need their minimum
# length, nests need no NLA_F_NESTED.  (family, op name or None for every op, "do"/"dump") -> source.
# Keyed by command NUMBER (the kernel's uapi enum), not the YNL name: the names need the linux-source
# tree, which a run may not have (then ops are named 'cmd<N>').
LIBERAL: dict[tuple[str, int | None, str], str] = {
    ("nlctrl", 3, "do"):  # CTRL_CMD_GETFAMILY
    "net/netlink/genetlink.c genl_ctrl_ops: GENL_DONT_VALIDATE_STRICT",
    ("tcp_metrics", None, "do"): "net/ipv4/tcp_metrics.c tcp_metrics_nl_ops: GENL_DONT_VALIDATE_STRICT",
    ("SEG6", None, "do"): "net/ipv6/seg6.c seg6_genl_ops: GENL_DONT_VALIDATE_STRICT",
    ("IOAM6", None, "do"): "net/ipv6/ioam6.c ioam6_genl_ops: GENL_DONT_VALIDATE_STRICT",
    ("mptcp_pm", None, "do"): "net/mptcp/mptcp_pm_gen.c (mptcp_pm.yaml dont-validate: strict)",
}
# LIBERAL entries that hold from a kernel on: mptcp_pm's ops were net/mptcp/pm_netlink.c small_ops with strict
# validation (measured on 6.1) until the YNL-generated mptcp_pm_gen.c (v6.7)
LIBERAL_SINCE: dict[tuple[str, int | None, str], str] = {("mptcp_pm", None, "do"): "6.7"}

UNKNOWN_KINDS = ("unknown", "unlisted", "type0", "no_nested_flag")  # may pass liberal validation: a guard follows
UNKNOWN_TYPE = 0x3FFF  # NLA_TYPE_MASK: above every policy's maxtype (which the kernel does not publish)

# Op halves whose attribute just above the highest published one is still within the policy's maxtype:
# an NLA_UNSPEC entry, which netlink_policy_dump_write skips, so only an experiment finds it (strict
# validation then answers "Unsupported attribute", validate_nla's NL_VALIDATE_UNSPEC check).  ethtool's
# *_set and tsinfo policies are arrays up to ETHTOOL_A_*_MAX whose reply-only tail stays NLA_UNSPEC.
HIDDEN_UNSPEC: dict[tuple[str, int, str], str] = {  # by command number, as LIBERAL
    ("ethtool", 16, "do"): "ETHTOOL_MSG_RINGS_SET: ethnl_rings_set_policy[ETHTOOL_A_RINGS_HDS_THRESH + 1]",
    ("ethtool", 22, "do"): "ETHTOOL_MSG_PAUSE_SET: ethnl_pause_set_policy[ETHTOOL_A_PAUSE_TX + 1 .. STATS_SRC]",
    ("ethtool", 25, "do"): "ETHTOOL_MSG_TSINFO_GET: ethnl_tsinfo_get_policy[..._HWTSTAMP_PROVIDER + 1]",
    ("ethtool", 25, "dump"): "ETHTOOL_MSG_TSINFO_GET: ethnl_tsinfo_get_policy[..._HWTSTAMP_PROVIDER + 1]",
    ("ethtool", 43, "do"): "ETHTOOL_MSG_MM_SET: ethnl_mm_set_policy[ETHTOOL_A_MM_MAX + 1]",
}
_MAX = {"u8": 0xFF, "u16": 0xFFFF, "u32": 0xFFFFFFFF, "u64": (1 << 64) - 1, "uint": (1 << 64) - 1,
        "s8": 0x7F, "s16": 0x7FFF, "s32": 0x7FFFFFFF, "s64": (1 << 63) - 1, "sint": (1 << 63) - 1}
_FMT = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q", "s8": "b", "s16": "h", "s32": "i", "s64": "q"}
_SIZE = {k: struct.calcsize("=" + f) for k, f in _FMT.items()}


@functools.cache
def op_names(family: str) -> dict[int, str]:
    """cmd -> op name from the family's YNL spec in the linux-source tree; {} without tree or spec."""
    from netlink_probe.coverage.ynl_view import Ynl, YnlUnavailable
    from netlink_probe.matrix.linux_source import source_tree

    tree = source_tree()
    if tree is None:
        return {}
    try:
        ynl = Ynl(tree)
    except YnlUnavailable:
        return {}
    path = ynl.specs_dir / f"{family}.yaml"
    if not path.is_file():
        return {}
    spec = ynl.lib.SpecFamily(str(path), schema_path="")
    if spec.name != family:
        return {}
    return {op.req_value: op.name for op in spec.ops.values() if op.req_value is not None and op.is_call}


@dataclass(frozen=True)
class Half:
    """The do or the dump half of one operation, with the policy it publishes (attr type -> AttrPolicy)."""

    family: str
    family_id: int
    hdrsize: int
    op: Operation
    name: str
    kind: str  # "do" or "dump"
    attrs: dict[int, AttrPolicy]
    policies: dict[int, dict[int, AttrPolicy]]  # every policy of the op's dump, for nested attributes

    @property
    def liberal(self) -> str | None:
        """Why this half validates liberally (LIBERAL), or None: strict."""
        for key in ((self.family, self.op.cmd, self.kind), (self.family, None, self.kind)):
            if key in LIBERAL and kernel_version() >= parse_version(LIBERAL_SINCE.get(key, "0")):
                return LIBERAL[key]
        return None

    @property
    def hidden_unspec(self) -> bool:
        """Whether the attribute above the highest published one is an unpublished NLA_UNSPEC (HIDDEN_UNSPEC)."""
        return (self.family, self.op.cmd, self.kind) in HIDDEN_UNSPEC


@dataclass
class Family:
    """One family of the contract: its controller entry, its ops and their published policies."""

    info: genl.Family
    hdrsize: int
    ops: dict[int, Operation]
    names: dict[int, str]
    halves: list[Half] = field(default_factory=list)
    listed_as: dict[int, int] = field(default_factory=dict)  # cmd -> the number its policy dump lists it under
    unlisted: set[int] = field(default_factory=set)  # HASPOL ops whose per-op policy dump lists no op (pre-6.2)

    def op_name(self, cmd: int) -> str:
        """The YNL name of *cmd*, else 'cmd<N>'."""
        return self.names.get(cmd, f"cmd{cmd}")


def _hdrsize(ns: NetNS, name: str) -> int:
    with Socket(C.NETLINK_GENERIC, netns=ns) as s:
        hdr = L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_GETFAMILY, version=1)
        (m,) = s.request(C.GENL_ID_CTRL, 0, hdr + A.string(C.CTRL_ATTR_FAMILY_NAME, name))
    return int(m.attrs(L.GENLMSGHDR.size).u32(C.CTRL_ATTR_HDRSIZE, 0))


def _family(ns: NetNS, info: genl.Family) -> Family:
    fam = Family(info, _hdrsize(ns, info.name), genl_policy.family_ops(info.name, ns), op_names(info.name))
    for cmd, op in sorted(fam.ops.items()):
        if not op.has_policy:
            continue
        mine = genl_policy.policy_dump(info.name, cmd, ns)
        if not mine.ops:  # before 6.2 ctrl_dumppolicy_put_op skips a dump-only op with GENL_DONT_VALIDATE_DUMP
            fam.unlisted.add(cmd)
            continue
        ((listed, (do_idx, dump_idx)),) = mine.ops.items()  # one op asked, one listed
        fam.listed_as[cmd] = listed
        for kind, idx in (("do", do_idx), ("dump", dump_idx)):
            if idx is not None and (op.do if kind == "do" else op.dump):
                fam.halves.append(Half(info.name, info.id, fam.hdrsize, op, fam.op_name(cmd), kind,
                                       mine.policies.get(idx, {}), mine.policies))
    return fam


@functools.cache
def contract() -> list[Family]:
    """Every non-denylisted family a fresh namespace shows, with ops and per-op policies (cached)."""
    ns = NetNS.create()
    try:
        return [_family(ns, f) for f in sorted(genl.families(ns), key=lambda f: f.name) if f.name not in DENYLIST]
    finally:
        ns.close()


# -- violations ---------------------------------------------------------------------------------------
def _int(t: str, v: int) -> bytes:
    if t in ("uint", "sint"):
        return struct.pack("=q" if t == "sint" else "=Q", v) if not (-(1 << 31) <= v < (1 << 32)) \
            else struct.pack("=i" if t == "sint" else "=I", v)
    return struct.pack("=" + _FMT[t], v)


def _kinds(p: AttrPolicy) -> dict[str, bytes]:
    """kind -> bad payload (value bytes, or a whole nest for 'no_nested_flag') for one attribute policy."""
    t, out = p.type, {}
    if t in _FMT or t in ("uint", "sint"):
        out["short"] = b"\x01\x00" if t not in ("u8", "s8", "u16", "s16") else b"" if _SIZE[t] == 1 else b"\x01"
        lo_type = -_MAX[t] - 1 if p.signed else 0
        if p.min_value is not None and p.min_value > lo_type:
            out["too_low"] = _int(t, p.min_value - 1)
        if p.max_value is not None and p.max_value < _MAX[t]:
            out["too_high"] = _int(t, p.max_value + 1)
        if p.mask is not None and (~p.mask) & _MAX[t]:
            out["mask"] = _int(t, (~p.mask & _MAX[t]) & -(~p.mask & _MAX[t]))  # lowest bit outside the mask
    elif t == "flag":
        out["payload"] = b"\0\0\0\0"
    elif t == "nul_string":
        out["no_nul"] = b"abc"
        if p.max_length is not None:
            out["too_long"] = b"x" * (p.max_length + 1) + b"\0"
    elif t == "string":
        out["empty"] = b""
        if p.max_length is not None:
            out["too_long"] = b"x" * (p.max_length + 1)
    elif t == "binary":
        if p.max_length is not None and p.max_length < 0xFFFF - 8:
            out["too_long"] = b"\0" * (p.max_length + 1)
        if p.min_length:
            out["too_short"] = b"\0" * (p.min_length - 1)
    elif t in ("nested", "nested_array"):
        out["short"] = b"\x01\x00"
        out["no_nested_flag"] = b""
    elif t == "bitfield32":
        out["short"] = b"\0\0\0\0"
    return out


def _encode(atype: int, p: AttrPolicy, kind: str, payload: bytes) -> bytes:
    nested = p.type in ("nested", "nested_array") and kind != "no_nested_flag"
    return A.attr(atype, payload, nested=nested)


def guard(attrs: dict[int, AttrPolicy]) -> tuple[int, str, bytes] | None:
    """(attr type, kind, encoded attribute) that every validation mode refuses, or None when none is."""
    for atype, p in sorted(attrs.items()):
        for kind, payload in _kinds(p).items():
            if kind not in UNKNOWN_KINDS and not (kind == "short" and p.type in _FMT):
                return atype, kind, _encode(atype, p, kind, payload)
    for atype, p in sorted(attrs.items()):  # a short fixed int: ERANGE liberal, EINVAL strict
        if p.type in _FMT:
            return atype, "short", _encode(atype, p, "short", _kinds(p)["short"])
    return None


@dataclass(frozen=True)
class Violation:
    """One bad request: the attribute payload after the headers, and which attribute the kernel blames."""

    half: Half
    path: str  # 'attr3', or 'attr1.attr2' inside a nest
    kind: str
    attrs: bytes
    blamed_at: int  # offset in *attrs* of the attribute the refusal names when the violation is refused
    policy: AttrPolicy | None
    guard_at: int | None  # offset of the guard in *attrs* (None: no guard needed)
    guard_policy: AttrPolicy | None = None
    guard_kind: str = ""

    @property
    def id(self) -> str:
        """family.op.half.attr.kind"""
        return f"{self.half.family}.{self.half.name}.{self.half.kind}.{self.path}.{self.kind}"


def violations(h: Half) -> list[Violation]:
    """The sampled violations of one op half (module docstring); [] when no guard exists for it."""
    g = guard(h.attrs)
    out: list[Violation] = []

    def add(path: str, kind: str, body: bytes, at: int, pol: AttrPolicy | None) -> None:
        if kind in UNKNOWN_KINDS:
            if g is None:
                return
            out.append(Violation(h, path, kind, body + g[2], at, pol, len(body), h.attrs[g[0]], g[1]))
        else:
            out.append(Violation(h, path, kind, body, at, pol, None))

    seen_types: set[str] = set()
    for atype, p in sorted(h.attrs.items()):
        if p.type in seen_types:
            continue
        seen_types.add(p.type)
        for kind, payload in _kinds(p).items():
            add(f"attr{atype}", kind, _encode(atype, p, kind, payload), 0, p)
        inner = h.policies.get(p.nested_policy) if p.nested_policy is not None else None
        ig = guard(inner) if inner else None
        if ig is not None and p.type == "nested":
            body = A.attr(atype, ig[2], nested=True)
            add(f"attr{atype}.attr{ig[0]}", ig[1], body, 4, inner[ig[0]] if inner else None)
    top = max(h.attrs, default=0) + 1
    add(f"attr{top}", "unlisted", A.u32(top, 0), 0, None)
    add(f"attr{UNKNOWN_TYPE}", "unknown", A.u32(UNKNOWN_TYPE, 0), 0, None)
    add("attr0", "type0", A.u32(0, 0), 0, None)
    return out


def request_payload(h: Half, attrs: bytes) -> bytes:
    """genlmsghdr (the op's cmd), the family's fixed header zeroed, then *attrs*."""
    return L.GENLMSGHDR.pack(cmd=h.op.cmd, version=1) + b"\0" * h.hdrsize + attrs


def attrs_offset(h: Half) -> int:
    """Where the attributes start in the request, counted from the nlmsghdr (extack offsets do)."""
    return 16 + L.GENLMSGHDR.size + h.hdrsize


def observe_refusal(sock: Socket, h: Half, attrs: bytes) -> list[object]:
    """Send one request of *h*; [errno / "ok", extack text / "none", offset / -1, policy type / "none"]."""
    payload = request_payload(h, attrs)
    try:
        if h.kind == "dump":
            sock.dump(h.family_id, payload).all()
        else:
            sock.request(h.family_id, 0, payload)
    except KernelError as e:
        pol = genl_policy.parse_attr_policy(e.policy).type if e.policy is not None else "none"
        return [e.errno_name, e.extack_msg or "none", -1 if e.extack_offset is None else e.extack_offset, pol]
    return ["ok", "none", -1, "none"]


def expected(v: Violation) -> list[object]:
    """What `observe_refusal` should give for *v*: `refusal` of the violation, else of its guard."""
    strict = v.half.liberal is None
    r, at, pol = refusal(v.kind, v.policy, strict, v.half.hidden_unspec), v.blamed_at, v.policy
    if r is None:
        assert v.guard_at is not None
        r, at, pol = refusal(v.guard_kind, v.guard_policy, strict), v.guard_at, v.guard_policy
        assert r is not None
    return [r[0], r[1], attrs_offset(v.half) + at, pol.type if r[2] and pol is not None else "none"]


# -- the rule -----------------------------------------------------------------------------------------
def refusal(kind: str, p: AttrPolicy | None, strict: bool, hidden_unspec: bool = False
            ) -> tuple[str, str, bool] | None:
    """(errno, extack text, policy TLVs sent) for *kind* against *p*; None: liberal validation lets it pass.

    lib/nlattr.c, __nla_validate_parse and validate_nla (Linux 6.x):
    * type 0 or above maxtype: "Unknown attribute type" -EINVAL with NL_VALIDATE_MAXTYPE (strict), no policy;
      an unpublished NLA_UNSPEC entry (*hidden_unspec*, see HIDDEN_UNSPEC): "Unsupported attribute" -EINVAL;
    * strict (NL_VALIDATE_STRICT_ATTRS): a fixed-size int of another length is "invalid attribute length"
      -EINVAL (NL_SET_ERR_MSG_ATTR_POL: with the policy); liberal: only shorter than nla_attr_minlen is
      refused, "Attribute failed policy validation" -ERANGE (out_err);
    * NLA_F_NESTED missing on a nest (NL_VALIDATE_NESTED, strict): "NLA_F_NESTED is missing" -EINVAL;
    * NLA_UINT/NLA_SINT of neither 4 nor 8 bytes: "invalid attribute length" -EINVAL in every mode;
    * nla_validate_int_range_*: "integer out of range" -ERANGE; nla_validate_mask: "reserved bit set"
      -EINVAL (NL_SET_ERR_MSG_ATTR: no policy);
    * NLA_NUL_STRING without a NUL in its first len+1 bytes: -EINVAL; a flag with payload, an empty or
      too long NLA_STRING, a too long NLA_BINARY, a short nest or bitfield32: -ERANGE, both
      "Attribute failed policy validation" with the policy;
    * a binary with a length range (NLA_POLICY_EXACT_LEN/RANGE, both bounds published):
      nla_validate_range_unsigned, "binary attribute size out of range" -ERANGE.
    """
    if kind == "unlisted" and hidden_unspec:
        return ("EINVAL", "Unsupported attribute", False) if strict else None
    if kind in ("unknown", "unlisted", "type0"):
        return ("EINVAL", "Unknown attribute type", False) if strict else None
    assert p is not None
    failed = "Attribute failed policy validation"
    if kind == "no_nested_flag":
        return ("EINVAL", "NLA_F_NESTED is missing", True) if strict else None
    if kind == "short" and p.type in ("uint", "sint"):
        return ("EINVAL", "invalid attribute length", True)
    if kind == "short" and p.type in _FMT:
        return ("EINVAL", "invalid attribute length", True) if strict else ("ERANGE", failed, True)
    if kind in ("too_low", "too_high"):
        return ("ERANGE", "integer out of range", True)
    if kind == "mask":
        return ("EINVAL", "reserved bit set", False)
    if p.type == "nul_string":
        return ("EINVAL", failed, True)
    if p.type == "binary" and p.min_length is not None and p.max_length is not None:
        return ("ERANGE", "binary attribute size out of range", True)
    return ("ERANGE", failed, True)


# -- permission requests ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PermRequest:
    """One request to an admin-only op: its do half with a guard (refused by validation if permitted), else
    its dump half with a guard, else (no policy) a bare dump, which only reads."""

    family: str
    name: str
    op: Operation
    family_id: int
    dump: bool
    payload: bytes
    passed: str  # the answer once the permission check passes: the guard's errno, or "ok"

    @property
    def id(self) -> str:
        """family.op"""
        return f"{self.family}.{self.name}"


def perm_requests(fam: Family) -> list[PermRequest]:
    """A PermRequest for each GENL_ADMIN_PERM / GENL_UNS_ADMIN_PERM op of *fam* that can be sent safely."""
    out: list[PermRequest] = []
    for cmd, op in sorted(fam.ops.items()):
        if not (op.admin_perm or op.uns_admin_perm):
            continue
        halves = [h for h in fam.halves if h.op.cmd == cmd]
        for h in sorted(halves, key=lambda h: h.kind):  # "do" first
            g = guard(h.attrs)
            if g is not None:
                r = refusal(g[1], h.attrs[g[0]], h.liberal is None)
                assert r is not None
                out.append(PermRequest(fam.info.name, h.name, op, fam.info.id, h.kind == "dump",
                                       request_payload(h, g[2]), r[0]))
                break
        else:
            if op.dump and not op.has_policy:
                hdr = L.GENLMSGHDR.pack(cmd=cmd, version=1) + b"\0" * fam.hdrsize
                out.append(PermRequest(fam.info.name, fam.op_name(cmd), op, fam.info.id, True, hdr, "ok"))
    return out


def perm_child(requests: list[tuple[int, bool, bytes]]) -> list[str]:
    """In a privilege context: send each (family id, dump, payload); the errno names (or "ok") answered."""
    out: list[str] = []
    with Socket(C.NETLINK_GENERIC, ext_ack=True) as s:
        for fid, dump, payload in requests:
            try:
                if dump:
                    s.dump(fid, payload).all()
                else:
                    s.request(fid, 0, payload)
                out.append("ok")
            except KernelError as e:
                out.append(e.errno_name)
    return out


def perm_expected(op: Operation, context: str, passed: str) -> str:
    """genl_family_rcv_msg: GENL_ADMIN_PERM needs netlink_capable(CAP_NET_ADMIN) (the initial user namespace),
    GENL_UNS_ADMIN_PERM netlink_ns_capable(net->user_ns, CAP_NET_ADMIN) -- else -EPERM, before any parsing."""
    init_admin = context in ("root", "nobody+CAP_NET_ADMIN")
    ns_admin = init_admin or context == "userns_root_own_netns"
    if (op.admin_perm and not init_admin) or (op.uns_admin_perm and not ns_admin):
        return "EPERM"
    return passed
