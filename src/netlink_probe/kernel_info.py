"""What the running kernel's netlink really offers, measured (not read from the headers).

The UAPI headers the package was built with may be older than the kernel, so
everything here is found by experiment:

* `open_protocols()`   which netlink protocols socket() accepts, and the errno otherwise;
* `group_range(p)`     which multicast groups NETLINK_ADD_MEMBERSHIP accepts for protocol p;
* `link_kinds(kinds)`  which link kinds RTM_NEWLINK creates, probed in throwaway namespaces;
* `header_disagreements()`  where the kernel and the headers disagree (groups beyond
  the headers' RTNLGRP_MAX, message types and attributes a real dump carries that
  the headers do not name).

Used by ``netlink-probe kernel-info``, the conformance suite and the profile.
No CLI code here.
"""
from __future__ import annotations

import os
import struct
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import constants as C
from . import rtnl
from .codec import attribute as A
from .codec import layouts as L
from .codec.errors import errno_name
from .codec.message import Message
from .errors import KernelError, NetlinkTimeout
from .netns import NetNS
from .sys import calls

if TYPE_CHECKING:
    from .socket import Socket

MAX_LINKS = 32  # include/linux/netlink.h (kernel-internal): protocols are 0..MAX_LINKS-1
GROUP_CAP = 1024
DEFAULT_KINDS = ("veth", "bridge", "vxlan", "ifb", "macvlan", "macvtap", "dummy", "vlan", "bond", "vrf", "tun",
                 "ipvlan", "geneve", "gre", "gretap", "ipip", "sit", "ip6tnl", "wireguard", "team", "nlmon",
                 "netkit", "vti", "bareudp", "xfrm")


def kernel_release() -> str:
    """The running kernel's release, as ``uname -r`` prints it (the report's ``kernel``)."""
    return os.uname().release


def protocol_label(proto: int) -> str:
    return C.PROTOCOLS.get(proto, f"NETLINK_{proto}")


# -- protocols -------------------------------------------------------------------------
def socket_outcome(protocol: int, sock_type: int = C.SOCK_RAW) -> str:
    """socket(AF_NETLINK, sock_type, protocol) through libc: 'ok' or the errno name (netlink_create).

    Through libc on purpose: Python's socket module would turn protocol -1 into 0."""
    try:
        fd = calls.socket(C.AF_NETLINK, sock_type | C.SOCK_CLOEXEC, protocol)
    except OSError as e:
        return errno_name(e.errno or 0)
    calls.close(fd)
    return "ok"


def open_protocols(protocols: Iterable[int] | None = None, *, sock_type: int = C.SOCK_RAW) -> dict[int, str]:
    """{protocol: 'ok' or the errno name socket(AF_NETLINK, sock_type, protocol) fails with}.

    Default: 0..MAX_LINKS-1 plus a few beyond (MAX_LINKS, MAX_LINKS+1, -1), which
    netlink_create refuses with EPROTONOSUPPORT.  Protocols whose module is not
    loaded fail the same way (netlink_create tries request_module first).
    """
    if protocols is None:
        protocols = [*range(MAX_LINKS), MAX_LINKS, MAX_LINKS + 1, -1]
    return {p: socket_outcome(p, sock_type) for p in protocols}


def group_range(protocol: int, *, cap: int = GROUP_CAP, memberships: bool = False) -> dict[str, Any]:
    """The multicast groups NETLINK_ADD_MEMBERSHIP accepts on one protocol, by probing.

    netlink_setsockopt refuses group 0 and any group above the socket's ngroups
    (nl_table[protocol].groups, at least 32 once a kernel socket exists) with
    EINVAL; in between, the family's bind callback (rtnetlink_bind, genl_bind, ...)
    may refuse single groups (EPERM, ENOENT ...).  Groups are probed upward from
    1; probing stops at the first EINVAL or at *cap*.

    Returns {"max": highest accepted group or None, "first_refused": n or None,
    "first_refused_errno": name or None, "refused_below_max": {group: errno},
    "group0": 'ok'/errno, "capped": True when *cap* was reached without an EINVAL,
    "error": errno name when the socket itself could not be opened}.  With
    *memberships*, also "list_memberships": {"reported": the optlen
    NETLINK_LIST_MEMBERSHIPS reports with every accepted group joined, "words": the
    u32 words it wrote into a 4096-byte buffer}.
    """
    out: dict[str, Any] = {"max": None, "first_refused": None, "first_refused_errno": None, "refused_below_max": {},
                           "group0": None, "capped": False}
    try:
        fd = calls.socket(C.AF_NETLINK, C.SOCK_RAW | C.SOCK_CLOEXEC, protocol)
    except OSError as e:
        out["error"] = errno_name(e.errno or 0)
        return out
    try:
        out["group0"] = join_group(fd, 0)
        refused: dict[int, str] = {}
        for g in range(1, cap + 1):
            r = join_group(fd, g)
            if r == "ok":
                out["max"] = g
                continue
            if out["first_refused"] is None:
                out["first_refused"], out["first_refused_errno"] = g, r
            if r == "EINVAL":
                break
            refused[g] = r
        else:
            out["capped"] = True
        out["refused_below_max"] = {g: e for g, e in refused.items() if out["max"] and g < out["max"]}
        if memberships:
            data, reported = calls.getsockopt_bytes(fd, C.SOL_NETLINK, C.NETLINK_LIST_MEMBERSHIPS, 4096)
            out["list_memberships"] = {"reported": reported,
                                       "words": [w for (w,) in struct.iter_unpack("=I", data[: len(data) // 4 * 4])]}
    finally:
        calls.close(fd)
    return out


def join_group(fd: int, group: int) -> str:
    """NETLINK_ADD_MEMBERSHIP of *group* on *fd*: 'ok' or the errno name."""
    try:
        calls.setsockopt_int(fd, C.SOL_NETLINK, C.NETLINK_ADD_MEMBERSHIP, group)
        return "ok"
    except OSError as e:
        return errno_name(e.errno or 0)


# -- link kinds --------------------------------------------------------------------------
def _kind_request(r: rtnl.Rtnl, kind: str) -> rtnl.Request:
    """RTM_NEWLINK for *kind* with the least data its newlink/validate needs (a lower link made first
    for kinds that need one)."""
    data = b""
    extra: dict[str, Any] = {}  # new_link keyword arguments (the lower link)
    if kind == "veth" or kind == "netkit":
        data = rtnl.veth_peer("probe1") if kind == "veth" else b""
    elif kind in ("macvlan", "macvtap", "ipvlan", "ipvtap", "vlan"):
        lower, _ = r.add_veth("lower0", "lower1")
        extra["link"] = lower
        if kind == "vlan":
            data = A.u16(C.IFLA_VLAN_ID, 10)
    elif kind == "vxlan":
        data = rtnl.vxlan_data(42, 4789)
    elif kind == "geneve":
        data = A.u32(C.IFLA_GENEVE_ID, 42) + A.attr(C.IFLA_GENEVE_REMOTE, bytes([192, 0, 2, 1]))
    elif kind == "vrf":
        data = A.u32(C.IFLA_VRF_TABLE, 10)
    elif kind == "bareudp":
        data = A.attr(C.IFLA_BAREUDP_PORT, (6635).to_bytes(2, "big")) + \
            A.attr(C.IFLA_BAREUDP_ETHERTYPE, (0x8847).to_bytes(2, "big"))
    elif kind == "xfrm":
        data = A.u32(C.IFLA_XFRM_IF_ID, 7)
    return rtnl.new_link("probe0", kind, data, **extra)


def link_kind(kind: str) -> tuple[str, str | None]:
    """('ok', None) when RTM_NEWLINK creates a *kind* link in a fresh namespace, else (errno name, extack).

    EEXIST counts as 'ok': it comes from the kind's own newlink, so the kind exists.  A tunnel kind
    (gre, ipip, sit, ip6tnl, ...) answers it because loading its module gave every namespace a
    fallback device (gre0, tunl0, ...) whose empty parameters equal the probe's (ip_tunnel_newlink ->
    ip_tunnel_find: -EEXIST)."""
    with NetNS.create() as ns, rtnl.Rtnl(ns) as r:
        try:
            r.do(_kind_request(r, kind))
            return "ok", None
        except KernelError as e:
            if e.errno_name == "EEXIST":
                return "ok", None
            return e.errno_name, e.extack_msg


def link_kinds(kinds: Iterable[str] = DEFAULT_KINDS) -> dict[str, dict[str, str | None]]:
    """{kind: {"result": 'ok' or errno name, "extack": message or None}} — each probed in its own
    throwaway namespace (needs CAP_SYS_ADMIN).  A kind without its module answers EOPNOTSUPP
    ("Unknown device type") from rtnl_newlink."""
    out: dict[str, dict[str, str | None]] = {}
    for k in kinds:
        res, ext = link_kind(k)
        out[k] = {"result": res, "extack": ext}
    return out


# -- kernel vs headers ---------------------------------------------------------------------
def _dump_types(r: rtnl.Rtnl, mtype: int, payload: bytes) -> list[Message]:
    try:
        return list(r.sock.dump(mtype, payload, timeout=2.0))
    except (KernelError, NetlinkTimeout):
        return []


def _note_attributes(m: Message, beyond: set[str], unknown: dict[str, set[int]]) -> None:
    """Walk *m*'s attribute tree (`codec.describe`): names only the tables know go to *beyond*, numbers
    neither headers nor tables know to *unknown* by space prefix ('IFLA' for IFLA_70; 'ATTR in X' for
    attributes of a nest X whose space nobody knows)."""
    from .codec.describe import describe
    from .codec.errors import DecodeError

    try:
        d = describe(m)
    except DecodeError:
        return
    stack: list[tuple[dict[str, Any], str]] = [(e, "") for e in d.get("attrs", [])]
    while stack:
        e, parent = stack.pop()
        stack += [(c, e["name"]) for c in e.get("attrs", ())]
        stack += [(c, e["name"]) for hop in e.get("nexthops", ()) for c in hop["attrs"]]
        if e.get("source") == "table":
            beyond.add(e["name"])
        elif not e.get("known", True):
            pre, _, num = e["name"].rpartition("_")
            if num.isdigit():
                unknown.setdefault(f"ATTR in {parent}" if pre == "ATTR" else pre, set()).add(int(num))


def _bridge_with_port(r: rtnl.Rtnl, port: int) -> None:
    """A bridge with *port* enslaved, when the kernel has bridges: IFLA_BR_* and IFLA_BRPORT_* in the dump."""
    try:
        r.do(rtnl.new_link("npbr0", "bridge"))
        r.do(rtnl.set_link(port, master=r.link_index("npbr0")))
    except KernelError:
        pass


def _group_listeners(ns: Any, max_group: int) -> dict[int, Socket]:
    """One socket per NETLINK_ROUTE group 1..max_group inside *ns* (the socket tells the group,
    also above 32, without relying on NETLINK_PKTINFO)."""
    from .socket import Socket

    out: dict[int, Socket] = {}
    for g in range(1, max_group + 1):
        s = Socket(C.NETLINK_ROUTE, netns=ns)
        try:
            s.join(g)
        except OSError:
            s.close()
            continue
        out[g] = s
    return out


def veth_up_with_addresses(ns: Any, names: tuple[str, str] = ("np0", "np1")) -> None:
    """A veth pair brought up in *ns*, an IPv4 and an IPv6 address on one end: an event that makes the
    kernel notify links, addresses, routes and (on recent kernels) multicast addresses, groups above 32."""
    with rtnl.Rtnl(ns) as r:
        a, b = r.add_veth(*names)
        r.up(a)
        r.up(b)
        r.do(rtnl.new_addr(a, "192.0.2.1", 24))
        r.do(rtnl.new_addr(a, "2001:db8::1", 64))


def header_disagreements(*, cap: int = GROUP_CAP) -> dict[str, Any]:
    """Where this kernel goes beyond (or against) the UAPI headers the package was built with.

    * rtnl_groups_beyond_headers: NETLINK_ROUTE groups ADD_MEMBERSHIP accepts above the
      headers' highest RTNLGRP_ (the kernel's RTNLGRP_MAX is larger);
    * protocols_beyond_headers: protocol numbers socket() opens that the headers don't name;
    * unknown_notification_types: {group: [types]} — notification types the headers lack,
      seen while lo and a veth pair come up with IPv4 and IPv6 addresses in a fresh namespace
      (RTM_NEWMULTICAST = 56 on RTNLGRP_IPV4_MCADDR/IPV6_MCADDR on kernels >= 6.13);
    * unknown_message_types: {dump: [types]} — message types in real dumps (links, addresses,
      routes, neighbour tables, multicast and anycast addresses) of that namespace that the
      headers lack;
    * attributes_beyond_headers: [names] — attributes in those dumps (and a bridge port's, and
      neighbours', at every nesting level) that the headers lack but `codec.schema`'s tables name;
    * unknown_attributes: {space prefix: [types]} — attribute numbers in those dumps that neither
      the headers nor the tables know ('ATTR in X': inside a nest X of unknown space).

    Needs CAP_SYS_ADMIN (it creates a namespace).
    """
    out: dict[str, Any] = {}
    header_max = max(C.RTNL_GROUPS)
    rng = group_range(C.NETLINK_ROUTE, cap=cap)
    kmax = rng["max"] or 0
    out["rtnl_group_max"] = {"headers": header_max, "kernel": kmax}
    out["rtnl_groups_beyond_headers"] = list(range(header_max + 1, kmax + 1))
    opened = open_protocols()
    out["protocols_beyond_headers"] = sorted(p for p, r in opened.items() if r == "ok" and p not in C.PROTOCOLS)
    unknown_types: dict[str, list[int]] = {}
    unknown_attrs: dict[str, set[int]] = {}
    beyond_headers: set[str] = set()

    with NetNS.create() as ns:
        listeners = _group_listeners(ns, kmax)
        try:
            rtnl.loopback_up(ns)
            veth_up_with_addresses(ns)
            notified: dict[int, set[int]] = {}
            time.sleep(0.05)  # the notifications are queued synchronously; a margin for deferred work
            for g, sock in listeners.items():
                for n in sock.notifications(timeout=0.0, yield_overruns=False):
                    if n.message.type not in C.MESSAGE_TYPES:
                        notified.setdefault(g, set()).add(n.message.type)
        finally:
            for sock in listeners.values():
                sock.close()
        out["unknown_notification_types"] = {str(g): sorted(v) for g, v in sorted(notified.items())}
        with rtnl.Rtnl(ns) as r:
            _bridge_with_port(r, r.link_index("np1"))
            dumps = {
                "links": (C.RTM_GETLINK, L.IFINFOMSG.pack()),
                "addrs": (C.RTM_GETADDR, L.IFADDRMSG.pack()),
                "routes": (C.RTM_GETROUTE, L.RTMSG.pack()),
                "neigh": (C.RTM_GETNEIGH, L.NDMSG.pack()),
                "neightbl": (C.RTM_GETNEIGHTBL, L.NDTMSG.pack() + b"\0" * 3),
                "multicast": (C.RTM_GETMULTICAST, L.IFADDRMSG.pack(ifa_family=C.AF_INET6)),
                "anycast": (C.RTM_GETANYCAST, L.IFADDRMSG.pack(ifa_family=C.AF_INET6)),
            }
            for what, (mtype, payload) in dumps.items():
                for m in _dump_types(r, mtype, payload):
                    if m.type not in C.MESSAGE_TYPES:
                        unknown_types.setdefault(what, [])
                        if m.type not in unknown_types[what]:
                            unknown_types[what].append(m.type)
                    _note_attributes(m, beyond_headers, unknown_attrs)
    out["unknown_message_types"] = {k: sorted(v) for k, v in unknown_types.items()}
    out["attributes_beyond_headers"] = sorted(beyond_headers)
    out["unknown_attributes"] = {k: sorted(v) for k, v in sorted(unknown_attrs.items())}
    return out


def collect(*, cap: int = GROUP_CAP, kinds: Iterable[str] = DEFAULT_KINDS, namespaces: bool = True) -> dict[str, Any]:
    """Everything kernel-info reports, as one JSON-able dict."""
    from .profile import headers_version

    protos = open_protocols()
    info: dict[str, Any] = {"kernel": kernel_release(), "headers": headers_version(), "protocols": {}}
    for p, res in protos.items():
        e: dict[str, Any] = {"name": protocol_label(p) if 0 <= p < MAX_LINKS else None, "open": res}
        if res == "ok":
            e["groups"] = group_range(p, cap=cap)
        info["protocols"][str(p)] = e
    if namespaces:
        info["link_kinds"] = link_kinds(kinds)
        info["header_disagreements"] = header_disagreements(cap=cap)
    return info


__all__ = ["DEFAULT_KINDS", "GROUP_CAP", "MAX_LINKS", "collect", "group_range", "header_disagreements",
           "join_group", "kernel_release", "link_kind", "link_kinds", "open_protocols", "socket_outcome",
           "veth_up_with_addresses"]
