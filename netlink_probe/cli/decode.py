"""``netlink-probe decode [--protocol P] [--json]``: netlink bytes on stdin -> decoded messages.

Input is hex text (whitespace, ``0x`` prefixes, ``:``/``,`` separators and
``#`` comments allowed) or raw binary; which one is detected.  Each message is
shown with its type name, flag names, seq, pid, family header and every
attribute by name (nested ones indented, unknown types as numbers with their
bytes in hex).  Malformed input ends with one line naming the byte offset
(exit status 2).

The message describers here (`describe`, `summary`) are also what ``monitor``
prints.
"""
from __future__ import annotations

import argparse
import re
import struct
import sys

from .. import constants as C
from ..codec import Attrs, DecodeError, flags_names, parse, parse_done, parse_error
from ..codec import layouts as L
from ..codec import rtnl as R
from ._common import CliError, print_json, protocol_arg, protocol_name

# -- message types --------------------------------------------------------------------
_VERBS = ("NEW", "DEL", "GET", "SET")


def type_name(mtype: int, protocol: int = C.NETLINK_ROUTE) -> tuple[str | None, bool]:
    """(name, named_by_headers). Control types (< 16) are named for every protocol.

    rtnetlink types come in groups of four (NEW, DEL, GET, SET from RTM_BASE):
    a type the headers lack is named from a header-known member of its group,
    e.g. 56 -> RTM_NEWMULTICAST from RTM_GETMULTICAST, with named_by_headers False.
    """
    if mtype < C.NLMSG_MIN_TYPE:
        n = C.MESSAGE_TYPES.get(mtype)
        return (n, True) if n and n.startswith("NLMSG_") else (None, False)
    if protocol == C.NETLINK_GENERIC:
        return ("GENL_ID_CTRL", True) if mtype == C.GENL_ID_CTRL else (None, False)
    if protocol != C.NETLINK_ROUTE:
        return None, False
    n = C.MESSAGE_TYPES.get(mtype)
    if n and n.startswith("RTM_"):
        return n, True
    if mtype >= C.RTM_BASE:
        base = C.RTM_BASE + ((mtype - C.RTM_BASE) & ~3)
        for i in range(4):
            sib = C.MESSAGE_TYPES.get(base + i, "")
            if sib.startswith("RTM_" + _VERBS[i]):
                return "RTM_" + _VERBS[mtype - base] + sib[len("RTM_" + _VERBS[i]):], False
    return None, False


def rtnl_family(mtype: int):
    """(object, fixed-header Layout, attribute space) of an rtnetlink type, or None.

    MULTICAST and ANYCAST messages (RTM_NEWMULTICAST... newer than the 6.1
    headers) carry an ifaddrmsg and IFA_ attributes: inet6_fill_ifmcaddr /
    inet6_fill_ifacaddr (net/ipv6/addrconf.c) and inet_fill_ifmcaddr (net/ipv4/igmp.c).
    """
    fam = R.family(mtype)
    if fam is not None:
        return fam
    name, _ = type_name(mtype)
    if name and name.endswith(("MULTICAST", "ANYCAST")):
        return ("multicast" if name.endswith("MULTICAST") else "anycast"), L.IFADDRMSG, "IFA_UNSPEC"
    return None


# -- attributes ---------------------------------------------------------------------------
_NESTED = {"IFLA_LINKINFO": "IFLA_INFO_UNSPEC", "NDTA_PARMS": "NDTPA_UNSPEC", "RTA_METRICS": "RTAX_UNSPEC",
           "IFLA_PROP_LIST": "IFLA_UNSPEC", "IFLA_XDP": "IFLA_XDP_UNSPEC",
           "IFLA_PROTO_DOWN_REASON": "IFLA_PROTO_DOWN_REASON_UNSPEC"}
_ARRAYS = {"CTRL_ATTR_MCAST_GROUPS": "CTRL_ATTR_MCAST_GRP_UNSPEC", "CTRL_ATTR_OPS": "CTRL_ATTR_OP_UNSPEC"}
_KIND_DATA = {"veth": "VETH_INFO_UNSPEC", "bridge": "IFLA_BR_UNSPEC", "vxlan": "IFLA_VXLAN_UNSPEC",
              "macvlan": "IFLA_MACVLAN_UNSPEC", "macvtap": "IFLA_MACVLAN_UNSPEC", "vlan": "IFLA_VLAN_UNSPEC",
              "bond": "IFLA_BOND_UNSPEC", "geneve": "IFLA_GENEVE_UNSPEC", "vrf": "IFLA_VRF_UNSPEC",
              "ipvlan": "IFLA_IPVLAN_UNSPEC", "ipvtap": "IFLA_IPVLAN_UNSPEC", "tun": "IFLA_TUN_UNSPEC",
              "xfrm": "IFLA_XFRM_UNSPEC", "gtp": "IFLA_GTP_UNSPEC", "hsr": "IFLA_HSR_UNSPEC",
              "macsec": "IFLA_MACSEC_UNSPEC", "ipoib": "IFLA_IPOIB_UNSPEC", "ppp": "IFLA_PPP_UNSPEC",
              "rmnet": "IFLA_RMNET_UNSPEC", "bareudp": "IFLA_BAREUDP_UNSPEC", "mctp": "IFLA_MCTP_UNSPEC"}
_SLAVE_DATA = {"bridge": "IFLA_BRPORT_UNSPEC", "bond": "IFLA_BOND_SLAVE_UNSPEC", "vrf": "IFLA_VRF_PORT_UNSPEC"}
_AF_SPEC = {C.AF_INET: "IFLA_INET_UNSPEC", C.AF_INET6: "IFLA_INET6_UNSPEC"}
_AF_NAMES = {C.AF_INET: "AF_INET", C.AF_INET6: "AF_INET6", C.AF_BRIDGE: "AF_BRIDGE", C.AF_UNSPEC: "AF_UNSPEC"}


def _space_names(space: str | None) -> tuple[dict[int, str], str]:
    if space is None or space not in C.ENUMS:
        return {}, "ATTR"
    return R.space_names(space), space.rsplit("_", 1)[0]


def _flag_list(a) -> list[str]:
    out = []
    if a.nested_flag:
        out.append("NESTED")
    if a.net_byteorder:
        out.append("NET_BYTEORDER")
    return out


def _raw_value(raw) -> dict:
    """Bytes of unknown kind: hex, plus the readings that are plausible (integer, NUL-terminated text)."""
    b = bytes(raw)
    v: dict = {"hex": b.hex()}
    if len(b) in (1, 2, 4, 8):
        v["uint"] = int.from_bytes(b, "little")
    if len(b) > 1 and b[-1] == 0 and b[:-1].isascii() and b[:-1].decode().isprintable() and b[0] != 0:
        v["text"] = b[:-1].decode()
    return v


_LOCAL_KINDS = {"CTRL_ATTR_FAMILY_NAME": "str", "CTRL_ATTR_MCAST_GRP_NAME": "str", "CTRL_ATTR_FAMILY_ID": "u16",
                "CTRL_ATTR_VERSION": "u32", "CTRL_ATTR_HDRSIZE": "u32", "CTRL_ATTR_MAXATTR": "u32",
                "CTRL_ATTR_OP_ID": "u32", "CTRL_ATTR_OP_FLAGS": "u32", "CTRL_ATTR_MCAST_GRP_ID": "u32"}
_LOCAL_STRUCTS = {"str": None, "u16": struct.Struct("=H"), "u32": struct.Struct("=I")}


def _value(name: str, raw):
    kind = _LOCAL_KINDS.get(name)
    if kind == "str":
        return bytes(raw).split(b"\0", 1)[0].decode("utf-8", "replace")
    if kind is not None and len(raw) >= _LOCAL_STRUCTS[kind].size:
        return _LOCAL_STRUCTS[kind].unpack_from(raw)[0]
    return R.value(name, raw)


def attrs_tree(attrs: Attrs, space: str | None, *, kind: str | None = None, family: int = 0) -> list[dict]:
    """Every attribute of *attrs*, decoded as far as the headers and the kernel's layout allow."""
    names, prefix = _space_names(space)
    out: list[dict] = []
    link_kind, slave_kind = kind, None
    if space == "IFLA_INFO_UNSPEC":  # the kind names the space of INFO_DATA / INFO_SLAVE_DATA
        link_kind = attrs.str(C.IFLA_INFO_KIND)
        slave_kind = attrs.str(C.IFLA_INFO_SLAVE_KIND)
    for a in attrs:
        name = names.get(a.type)
        e: dict = {"type": a.type, "name": name or f"{prefix}_{a.type}", "known": name is not None}
        fl = _flag_list(a)
        if fl:
            e["flags"] = fl
        e["len"] = len(a.value)
        child_space = None
        if space is None and not names and a.nested_flag:
            child_space = "?"
        elif name in _NESTED:
            child_space = _NESTED[name]
        elif name == "IFLA_INFO_DATA" and link_kind in _KIND_DATA and _KIND_DATA[link_kind] in C.ENUMS:
            child_space = _KIND_DATA[link_kind]
        elif name == "IFLA_INFO_SLAVE_DATA" and slave_kind in _SLAVE_DATA:
            child_space = _SLAVE_DATA[slave_kind]
        elif name == "IFLA_AF_SPEC" and family != C.AF_BRIDGE:
            e["attrs"] = [_af_entry(c) for c in a.nested()]
            out.append(e)
            continue
        elif name in _ARRAYS:  # an array: entries numbered 1.., each a nest of one space
            e["attrs"] = [{"type": c.type, "name": f"[{c.type}]", "known": True, "len": len(c.value),
                           "attrs": attrs_tree(c.nested(), _ARRAYS[name])} for c in a.nested()]
            out.append(e)
            continue
        elif name == "RTA_MULTIPATH":
            e["nexthops"] = _nexthops(a)
            out.append(e)
            continue
        elif a.nested_flag:
            child_space = "?"
        if child_space is not None:
            e["attrs"] = attrs_tree(a.nested(), None if child_space == "?" else child_space)
        elif name is not None:
            v = _value(name, a.value)
            e["value"] = _raw_value(v) if isinstance(v, bytes) else v
        else:
            e["value"] = _raw_value(a.value)
        out.append(e)
    return out


def _af_entry(a) -> dict:
    e = {"type": a.type, "name": _AF_NAMES.get(a.type, f"AF_{a.type}"), "known": a.type in _AF_NAMES,
         "len": len(a.value)}
    if a.type in _AF_SPEC:
        e["attrs"] = attrs_tree(a.nested(), _AF_SPEC[a.type])
    else:
        e["value"] = _raw_value(a.value)
    return e


def _nexthops(a) -> list[dict]:
    raw, out, off = a.value, [], 0
    base = a.offset + 4
    while len(raw) - off >= L.RTNEXTHOP.size:
        nh = L.RTNEXTHOP.unpack_dict(raw, off)
        ln = nh["rtnh_len"]
        if ln < L.RTNEXTHOP.size or off + ln > len(raw):
            raise DecodeError(base + off, f"rtnh_len {ln} does not fit RTA_MULTIPATH")
        start = base + off + L.RTNEXTHOP.size  # absolute, in the buffer the attribute lies in
        inner = Attrs(a.value.obj, start, start + ln - L.RTNEXTHOP.size)
        nh["attrs"] = attrs_tree(inner, "RTA_UNSPEC")
        out.append(nh)
        off += (ln + 3) & ~3
    return out


# -- messages -----------------------------------------------------------------------------
def describe(m, protocol: int = C.NETLINK_ROUTE) -> dict:
    """One message as a dict: header, flags by name, family header, attribute tree (or error/done)."""
    name, known = type_name(m.type, protocol)
    d: dict = {"offset": m.offset, "len": m.length, "type": name or str(m.type), "type_number": m.type}
    if name and not known:
        d["type_named_by_headers"] = False
    d["flags"] = flags_names(m.type, m.flags, protocol)
    d["flags_value"] = m.flags
    d["seq"], d["pid"] = m.seq, m.pid
    if m.type == C.NLMSG_ERROR:
        info = parse_error(m)
        d["error"] = _errinfo(info, protocol)
    elif m.type == C.NLMSG_DONE:
        info = parse_done(m)
        d["done"] = _errinfo(info, protocol)
    elif m.type < C.NLMSG_MIN_TYPE:
        if m.length > 16:
            d["payload"] = bytes(m.payload).hex()
    elif protocol == C.NETLINK_ROUTE and rtnl_family(m.type) is not None:
        obj, layout, space = rtnl_family(m.type)
        hdr = m.fixed_dict(layout)
        d["object"] = obj
        d["header"] = {layout.name: hdr}
        fam = next(iter(hdr.values()))
        d["attrs"] = attrs_tree(m.attrs(layout.size), space, family=fam)
    elif protocol == C.NETLINK_GENERIC:
        hdr = m.fixed_dict(L.GENLMSGHDR)
        d["header"] = {L.GENLMSGHDR.name: hdr}
        space = "CTRL_ATTR_UNSPEC" if m.type == C.GENL_ID_CTRL else None
        d["attrs"] = attrs_tree(m.attrs(L.GENLMSGHDR.size), space)
    elif m.length > 16:
        d["payload"] = bytes(m.payload).hex()
    return d


def _errinfo(info, protocol: int) -> dict:
    e: dict = {"errno": info.errno, "name": info.errno_name if info.error else "ok (ACK)" if info.echo_header
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
        ext: dict = {}
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


def decode_buffer(data: bytes, protocol: int = C.NETLINK_ROUTE) -> list[dict]:
    """Every message of *data*, described; raises DecodeError with the byte offset."""
    return [describe(m, protocol) for m in parse(data)]


# -- key fields (monitor's one-line view) --------------------------------------------------
def summary(m, protocol: int = C.NETLINK_ROUTE) -> dict:
    """The object's key fields: what identifies it and what usually changed."""
    if protocol != C.NETLINK_ROUTE or rtnl_family(m.type) is None:
        if protocol == C.NETLINK_GENERIC and m.type >= C.NLMSG_MIN_TYPE and m.length >= 20:
            hdr = m.fixed_dict(L.GENLMSGHDR)
            return {"cmd": hdr["cmd"], "version": hdr["version"], "attrs": len(m.attrs(L.GENLMSGHDR.size))}
        return {"payload_len": m.length - 16}
    obj, layout, _space = rtnl_family(m.type)
    h = m.fixed_dict(layout)
    a = m.attrs(layout.size)
    if obj == "link":
        fam, index, flags = h["ifi_family"], h["ifi_index"], h["ifi_flags"]
        from .dump import link_flags
        d = {"ifindex": index, "ifname": a.str(C.IFLA_IFNAME), "flags": link_flags(flags)}
        if C.IFLA_OPERSTATE in a:
            d["operstate"] = C.enum_names("IF_OPER_UNKNOWN").get(a.u8(C.IFLA_OPERSTATE), "?")[8:]
        for k, t in (("mtu", C.IFLA_MTU), ("master", C.IFLA_MASTER), ("link", C.IFLA_LINK)):
            if t in a:
                d[k] = a.u32(t)
        li = a.nested(C.IFLA_LINKINFO)
        if li is not None and C.IFLA_INFO_KIND in li:
            d["kind"] = li.str(C.IFLA_INFO_KIND)
        if fam:
            d["family"] = fam
        return d
    if obj in ("addr", "multicast", "anycast"):
        fam, plen, scope, index = h["ifa_family"], h["ifa_prefixlen"], h["ifa_scope"], h["ifa_index"]
        d = {"family": _fam(fam), "ifindex": index}
        for k, t in (("local", C.IFA_LOCAL), ("address", C.IFA_ADDRESS), ("multicast", C.IFA_MULTICAST),
                     ("anycast", C.IFA_ANYCAST)):
            if t in a:
                d[k] = R.ip(a.get(t))
        if obj == "addr":
            d["prefixlen"] = plen
            d["scope"] = scope
            if C.IFA_LABEL in a:
                d["label"] = a.str(C.IFA_LABEL)
        return d
    if obj == "route":
        fam, dst_len, table, proto = h["rtm_family"], h["rtm_dst_len"], h["rtm_table"], h["rtm_protocol"]
        scope, rtype = h["rtm_scope"], h["rtm_type"]
        dst = a.get(C.RTA_DST)
        d = {"family": _fam(fam), "dst": f"{R.ip(dst) if dst is not None else 'default'}/{dst_len}",
             "table": a.u32(C.RTA_TABLE, table), "type": C.names_by_prefix("RTN_").get(rtype, str(rtype))[4:].lower(),
             "protocol": proto, "scope": scope}
        for k, t in (("oif", C.RTA_OIF), ("priority", C.RTA_PRIORITY)):
            if t in a:
                d[k] = a.u32(t)
        if C.RTA_GATEWAY in a:
            d["gateway"] = R.ip(a.get(C.RTA_GATEWAY))
        return d
    if obj == "neigh":
        fam, index, state = h["ndm_family"], h["ndm_ifindex"], h["ndm_state"]
        d = {"family": _fam(fam), "ifindex": index, "state": [n[4:] for v, n in C.names_by_prefix("NUD_").items()
                                                              if v and state & v]}
        if C.NDA_DST in a:
            d["dst"] = R.ip(a.get(C.NDA_DST))
        if C.NDA_LLADDR in a:
            d["lladdr"] = R.mac(a.get(C.NDA_LLADDR))
        return d
    if obj == "nsid":
        d = {}
        for n in ("NETNSA_NSID", "NETNSA_CURRENT_NSID", "NETNSA_TARGET_NSID"):
            t = getattr(C, n, None)
            if t is not None and t in a:
                d[n[7:].lower()] = a.s32(t)
        return d
    if obj == "neightbl":
        return {"family": _fam(h["ndtm_family"]), "name": a.str(C.NDTA_NAME)}
    return {}


def _fam(f: int) -> str:
    return {C.AF_INET: "inet", C.AF_INET6: "inet6", C.AF_BRIDGE: "bridge", C.AF_UNSPEC: "unspec"}.get(f, str(f))


_HEX_SHOWN = 32


# -- text --------------------------------------------------------------------------------------
def _value_text(v) -> str:
    if isinstance(v, dict) and "hex" in v:
        h = v["hex"]
        s = " ".join(h[i:i + 2] for i in range(0, min(len(h), 2 * _HEX_SHOWN), 2)) or "(empty)"
        if len(h) > 2 * _HEX_SHOWN:
            s += f" ... ({len(h) // 2} bytes; --json shows all)"
        if "text" in v:
            s += f"  (text {v['text']!r})"
        return f"{s}" + (f"  (u{len(v['hex']) * 4} {v['uint']})" if "uint" in v else "")
    if isinstance(v, str):
        return repr(v)
    return str(v)


def _attrs_text(attrs: list[dict], indent: str) -> list[str]:
    lines = []
    for e in attrs:
        tag = f"{e['name']} ({e['type']})" if e.get("known", True) else f"unknown attribute {e['type']}"
        fl = f" [{','.join(e['flags'])}]" if e.get("flags") else ""
        if "attrs" in e:
            lines.append(f"{indent}{tag}{fl}: nested, {e['len']} bytes")
            lines += _attrs_text(e["attrs"], indent + "    ")
        elif "nexthops" in e:
            lines.append(f"{indent}{tag}{fl}: {len(e['nexthops'])} nexthops")
            for nh in e["nexthops"]:
                lines.append(f"{indent}    rtnexthop ifindex={nh['rtnh_ifindex']} hops={nh['rtnh_hops']} "
                             f"flags={nh['rtnh_flags']:#x}")
                lines += _attrs_text(nh["attrs"], indent + "        ")
        else:
            lines.append(f"{indent}{tag}{fl}: {_value_text(e.get('value'))}")
    return lines


def message_text(d: dict) -> str:
    t = d["type"] if d["type"] == str(d["type_number"]) else f"{d['type']} ({d['type_number']})"
    if d.get("type_named_by_headers") is False:
        t += " [not in the headers]"
    lines = [f"{t} flags={'|'.join(d['flags']) or '0'} ({d['flags_value']:#x}) seq={d['seq']} pid={d['pid']} "
             f"len={d['len']} at offset {d['offset']}"]
    for key in ("error", "done"):
        if key in d:
            e = d[key]
            s = f"    {key}: {e['name']}" + (f" (errno {e['errno']})" if e["errno"] else "")
            lines.append(s)
            if "request" in e:
                r = e["request"]
                lines.append(f"    request: {r['type']} flags={'|'.join(r['flags']) or '0'} seq={r['seq']} "
                             f"pid={r['pid']} len={r['len']}" + (" (capped)" if e.get("capped") else ""))
            for k, v in e.get("extack", {}).items():
                lines.append(f"    extack {k}: {v}")
    for layout, hdr in d.get("header", {}).items():
        lines.append(f"    {layout}: " + " ".join(f"{k}={v}" for k, v in hdr.items()))
    lines += _attrs_text(d.get("attrs", []), "    ")
    if "payload" in d:
        lines.append(f"    payload: {d['payload']}")
    return "\n".join(lines)


# -- input -------------------------------------------------------------------------------------
_HEX_NOISE = re.compile(r"0[xX]|[\s:,]|#[^\n]*")


def read_input(data: bytes) -> tuple[bytes, str]:
    """(bytes, 'hex'|'raw'): hex text is recognised when, stripped of separators, 0x prefixes and
    comments, only an even number of hex digits is left; anything else is taken as raw bytes."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return data, "raw"
    digits = _HEX_NOISE.sub("", text)
    if digits and len(digits) % 2 == 0 and re.fullmatch(r"[0-9a-fA-F]+", digits):
        return bytes.fromhex(digits), "hex"
    if not digits and not data.strip(b" \t\r\n"):
        return b"", "hex"
    if re.fullmatch(r"[0-9a-fA-F\s:,xX#]*", text) and "\0" not in text:
        raise CliError("input looks like hex text but has an odd number of digits or stray characters")
    return data, "raw"


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "decode", help="decode netlink bytes (hex text or raw) from stdin",
        description="Read netlink messages from stdin (hex text or raw bytes, detected) and print them "
                    "decoded: type and flag names, seq, pid, family header, attributes by name.")
    p.add_argument("--protocol", default="route", metavar="P",
                   help="netlink protocol the bytes belong to: name (route, generic, ...) or number; "
                        "default route")
    p.add_argument("--json", action="store_true", help="a JSON list of messages")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    protocol = protocol_arg(args.protocol)
    data = sys.stdin.buffer.read()
    raw, _kind = read_input(data)
    if not raw:
        raise CliError("no input: pipe netlink bytes (hex text or raw) into stdin")
    msgs = decode_buffer(raw, protocol)  # DecodeError -> one line with the offset (dispatcher)
    if args.json:
        print_json(msgs)
    else:
        out = [f"{len(msgs)} message{'s' if len(msgs) != 1 else ''} ({protocol_name(protocol)}, {len(raw)} bytes)"]
        out += [message_text(d) for d in msgs]
        print("\n".join(out))
    return 0


__all__ = ["add_parser", "attrs_tree", "decode_buffer", "describe", "message_text", "read_input", "run",
           "summary", "type_name"]
