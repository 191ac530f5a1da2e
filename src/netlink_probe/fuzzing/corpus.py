"""The fuzz corpus: captured kernel replies, the crafted cases of issue #13, and live captures on demand.

Entries are byte strings by name.  `load` reads a directory of ``NAME.bin``
(one buffer) and ``NAME.hex`` (one datagram per line) files and adds each
message of each datagram on its own, so mutations also start from small,
well-formed inputs.  `crafted` builds the hostile cases the issue reported
(deep nests, 5 garbage bytes, an INT_MIN error field, thousands of repeated
attributes, a forged notification).  `capture_live` (root) dumps every
object kind the kernel offers in a fresh namespace, rules, nsids and the
generic netlink controller included, for `write`.
"""
from __future__ import annotations

import os
import struct

from .. import constants as C
from ..codec import attribute as A
from ..codec import layouts as L
from ..codec.errors import DecodeError
from ..codec.message import parse
from .mutate import message, nest

_GARBAGE = b"\xde\xad\xbe\xef\x01"


def load(directory: str) -> dict[str, bytes]:
    """Every NAME.bin and NAME.hex datagram of *directory*, and each message of them ('NAME#i.mj')."""
    out: dict[str, bytes] = {}
    for fn in sorted(os.listdir(directory)):
        path, (stem, ext) = os.path.join(directory, fn), os.path.splitext(fn)
        if ext == ".bin":
            with open(path, "rb") as f:
                out[stem] = f.read()
        elif ext == ".hex":
            with open(path) as f:
                for i, line in enumerate(ln for ln in f if ln.strip() and not ln.startswith("#")):
                    out[f"{stem}#{i}"] = bytes.fromhex(line)
    for name, data in list(out.items()):
        try:
            msgs = parse(data)
        except DecodeError:
            continue
        if len(msgs) > 1:
            out.update({f"{name}.m{j}": m.raw() for j, m in enumerate(msgs)})
    return out


def crafted() -> dict[str, bytes]:
    """The hostile inputs of issue #13, and well-formed messages of the kinds no capture has."""
    link = L.IFINFOMSG.pack()
    mtu = A.u32(C.IFLA_MTU, 1500)
    request = message(C.RTM_NEWLINK, link + mtu, C.NLM_F_REQUEST | C.NLM_F_ACK, 1, 4242)
    genl = L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_NEWFAMILY, version=2)
    groups = A.nest(C.CTRL_ATTR_MCAST_GROUPS, A.nest(1, A.u32(C.CTRL_ATTR_MCAST_GRP_ID, 16),
                                                     A.string(C.CTRL_ATTR_MCAST_GRP_NAME, "notify")))
    ops = A.nest(C.CTRL_ATTR_OPS, A.nest(1, A.u32(C.CTRL_ATTR_OP_ID, 3), A.u32(C.CTRL_ATTR_OP_FLAGS, 14)))
    return {
        "deep_nest_1000": message(C.RTM_NEWLINK, link + nest(1000, (1,))),
        "deep_prop_list_4000": message(C.RTM_NEWLINK, link + nest(4000, (C.IFLA_PROP_LIST,))),
        "deep_linkinfo_data": message(C.RTM_NEWLINK, link + A.nest(C.IFLA_LINKINFO, A.string(C.IFLA_INFO_KIND, "veth"),
                                                                   nest(500, (C.IFLA_INFO_DATA, 1)))),
        "deep_genl_array": message(C.GENL_ID_CTRL, genl + nest(600, (C.CTRL_ATTR_MCAST_GROUPS, 1))),
        "deep_multipath": message(C.RTM_NEWROUTE, L.RTMSG.pack(rtm_family=C.AF_INET) + nest(300, (C.RTA_MULTIPATH,))),
        "garbage_5_bytes": _GARBAGE,
        "error_int_min": message(C.NLMSG_ERROR, struct.pack("=i", -(1 << 31)) + request[:16], C.NLM_F_CAPPED),
        "error_positive": message(C.NLMSG_ERROR, struct.pack("=i", 1) + request),
        "done_int_min": message(C.NLMSG_DONE, struct.pack("=i", -(1 << 31)), C.NLM_F_MULTI),
        "repeated_mtu_8000": message(C.RTM_NEWLINK, link + mtu * 8000),
        "repeated_ifname_3000": message(C.RTM_NEWLINK, link + A.string(C.IFLA_IFNAME, "eth0") * 3000),
        "repeated_gateway_multipath": message(C.RTM_NEWROUTE, L.RTMSG.pack(rtm_family=C.AF_INET) + A.attr(
            C.RTA_MULTIPATH, (L.RTNEXTHOP.pack(rtnh_len=16) + A.attr(C.RTA_GATEWAY, b"\x0a\0\0\x02")) * 4000)),
        "forged_dellink_eth0": message(C.RTM_DELLINK, L.IFINFOMSG.pack(ifi_index=2) + A.string(C.IFLA_IFNAME, "eth0")),
        "genl_ctrl_family": message(C.GENL_ID_CTRL, genl + A.string(C.CTRL_ATTR_FAMILY_NAME, "nlctrl")
                                    + A.u16(C.CTRL_ATTR_FAMILY_ID, C.GENL_ID_CTRL) + ops + groups),
        "rule": message(C.RTM_NEWRULE, L.FIB_RULE_HDR.pack(family=C.AF_INET, table=254, action=1)
                        + A.u32(C.FRA_PRIORITY, 32766) + A.u32(C.FRA_TABLE, 254)),
        "nsid": message(C.RTM_NEWNSID, L.RTGENMSG.pack() + b"\0" * 3 + A.s32(C.NETNSA_NSID, 7)),
        "multicast_56": message(56, L.IFADDRMSG.pack(ifa_family=C.AF_INET) + A.attr(C.IFA_MULTICAST, b"\xe0\0\0\x01")),
    }


def capture_live() -> dict[str, bytes]:
    """Dumps of every kind in a fresh namespace (root only): links of several kinds, addresses, routes,
    neighbours, tables, rules, nsids, and the generic netlink controller's families."""
    from .. import NetNS, Socket, rtnl
    out: dict[str, bytes] = {}
    with NetNS.create() as ns, rtnl.Rtnl(ns) as r:
        a, _ = r.add_veth("fz0", "fz1")
        r.do(rtnl.new_link("fzbr", "bridge"), flags=C.NLM_F_CREATE | C.NLM_F_EXCL)
        r.do(rtnl.new_link("fzvx", "vxlan", rtnl.vxlan_data(42, 4789, a)), flags=C.NLM_F_CREATE | C.NLM_F_EXCL)
        r.up(a)
        r.do(rtnl.new_addr(a, "10.9.0.1", 24), flags=C.NLM_F_CREATE)
        r.do(rtnl.new_addr(a, "2001:db8:9::1", 64), flags=C.NLM_F_CREATE)
        r.do(rtnl.neigh(a, "10.9.0.2", "02:00:00:00:00:99"), flags=C.NLM_F_CREATE)
        for what in rtnl.DUMP_HEADERS:
            out[f"live_{what}"] = b"".join(m.raw() for m in r.dump(what).all())
        out["live_rules"] = b"".join(m.raw() for m in r.sock.dump(C.RTM_GETRULE, L.FIB_RULE_HDR.pack()).all())
        with Socket(C.NETLINK_GENERIC, netns=ns) as g:
            out["live_genl_families"] = b"".join(
                m.raw() for m in g.dump(C.GENL_ID_CTRL, L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_GETFAMILY, version=1)).all())
    return {k: v for k, v in out.items() if v}


def write(directory: str, entries: dict[str, bytes]) -> None:
    """Each entry as DIRECTORY/NAME.hex, one message per line."""
    os.makedirs(directory, exist_ok=True)
    for name, data in entries.items():
        try:
            lines = [m.raw().hex() for m in parse(data)]
        except DecodeError:
            lines = [data.hex()]
        with open(os.path.join(directory, f"{name}.hex"), "w") as f:
            f.write("\n".join(lines) + "\n")


__all__ = ["capture_live", "crafted", "load", "write"]
