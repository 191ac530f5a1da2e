"""Layer 4: rtnetlink request builders.

Each builder returns the (type, flags, payload) of one request; `Rtnl` sends
them over a `Socket` and returns the kernel's answer.  Builders take the
request's fields as the kernel names them and do no checking of their own:
a conformance suite must be able to send what the kernel would refuse.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from . import constants as C
from .codec import attribute as A
from .codec import layouts as L
from .codec import rtnl as R
from .codec.message import Message
from .dump import Dump
from .socket import Socket


@dataclass
class Request:
    """One request as a builder made it: nlmsg_type, NLM_F_* flags, payload (family header + attributes)."""

    type: int
    flags: int
    payload: bytes


def _ip(addr: str) -> tuple[int, bytes]:
    a = ipaddress.ip_address(addr)
    return (C.AF_INET if a.version == 4 else C.AF_INET6), a.packed


def mac_bytes(mac: str) -> bytes:
    return bytes(int(x, 16) for x in mac.split(":"))


# -- links ---------------------------------------------------------------------
_LINK_U32 = (("mtu", C.IFLA_MTU), ("link", C.IFLA_LINK), ("master", C.IFLA_MASTER), ("group", C.IFLA_GROUP),
             ("txqlen", C.IFLA_TXQLEN), ("net_ns_fd", C.IFLA_NET_NS_FD), ("net_ns_pid", C.IFLA_NET_NS_PID))


def link_attrs(*, name: str | None = None, address: str | None = None, target_netnsid: int | None = None,
               extra: bytes = b"", **u32s: int | None) -> bytes:
    """IFLA_* attributes of a link request; u32 ones by keyword (mtu, link, master, group, txqlen, net_ns_fd/pid)."""
    unknown = set(u32s) - {k for k, _ in _LINK_U32}
    if unknown:
        raise TypeError(f"link_attrs: unknown attribute(s) {sorted(unknown)}")
    out: list[bytes] = []
    if name is not None:
        out.append(A.string(C.IFLA_IFNAME, name))
    out += [A.u32(t, v) for k, t in _LINK_U32 if (v := u32s.get(k)) is not None]
    if address is not None:
        out.append(A.attr(C.IFLA_ADDRESS, mac_bytes(address)))
    if target_netnsid is not None:
        out.append(A.s32(C.IFLA_TARGET_NETNSID, target_netnsid))
    return b"".join(out) + extra


def linkinfo(kind: str, data: bytes = b"") -> bytes:
    """IFLA_LINKINFO: IFLA_INFO_KIND *kind* and, when given, IFLA_INFO_DATA holding *data*."""
    inner = A.string(C.IFLA_INFO_KIND, kind)
    if data:
        inner += A.nest(C.IFLA_INFO_DATA, data)
    return A.nest(C.IFLA_LINKINFO, inner)


def veth_peer(name: str | None = None, **attrs: Any) -> bytes:
    """IFLA_INFO_DATA of a veth: VETH_INFO_PEER holds an ifinfomsg then the peer's attributes."""
    return A.attr(C.VETH_INFO_PEER, L.IFINFOMSG.pack() + link_attrs(name=name, **attrs))


def vxlan_data(vni: int, port: int | None = None, link: int | None = None) -> bytes:
    """IFLA_INFO_DATA of a vxlan: VNI, then the UDP port (big-endian) and lower link when given."""
    out = A.u32(C.IFLA_VXLAN_ID, vni)
    if port is not None:
        out += A.attr(C.IFLA_VXLAN_PORT, port.to_bytes(2, "big"))
    if link is not None:
        out += A.u32(C.IFLA_VXLAN_LINK, link)
    return out


def new_link(name: str | None, kind: str | None = None, data: bytes = b"", *, index: int = 0, flags: int = 0,
             change: int = 0, create: bool = True, excl: bool = True, **attrs: Any) -> Request:
    """RTM_NEWLINK, CREATE|EXCL by default: a link of *kind* (with its IFLA_INFO_DATA *data*) named *name*."""
    f = (C.NLM_F_CREATE if create else 0) | (C.NLM_F_EXCL if excl else 0)
    extra = attrs.pop("extra", b"")
    payload = L.IFINFOMSG.pack(ifi_index=index, ifi_flags=flags, ifi_change=change)
    payload += link_attrs(name=name, extra=extra, **attrs)
    if kind is not None:
        payload += linkinfo(kind, data)
    return Request(C.RTM_NEWLINK, f, payload)


def set_link(index: int = 0, *, up: bool | None = None, name: str | None = None, **attrs: Any) -> Request:
    """RTM_NEWLINK without CREATE: change an existing link (by index, or by name when index is 0)."""
    flags = change = 0
    if up is not None:
        flags, change = (C.IFF_UP if up else 0), C.IFF_UP
    return new_link(name, None, index=index, flags=flags, change=change, create=False, excl=False, **attrs)


def del_link(index: int = 0, name: str | None = None) -> Request:
    """RTM_DELLINK of the link at *index*, or by IFLA_IFNAME when index is 0."""
    return Request(C.RTM_DELLINK, 0, L.IFINFOMSG.pack(ifi_index=index) + link_attrs(name=name))


def get_link(index: int = 0, name: str | None = None) -> Request:
    """RTM_GETLINK (doit) of one link, by index or by name."""
    return Request(C.RTM_GETLINK, 0, L.IFINFOMSG.pack(ifi_index=index) + link_attrs(name=name))


# -- addresses -------------------------------------------------------------------
def new_addr(index: int, address: str, prefixlen: int, *, excl: bool = True, delete: bool = False) -> Request:
    """RTM_NEWADDR (or RTM_DELADDR) of *address*/*prefixlen* on link *index*, IFA_LOCAL = IFA_ADDRESS."""
    fam, packed = _ip(address)
    payload = L.IFADDRMSG.pack(ifa_family=fam, ifa_prefixlen=prefixlen, ifa_index=index)
    payload += A.attr(C.IFA_LOCAL, packed) + A.attr(C.IFA_ADDRESS, packed)
    if delete:
        return Request(C.RTM_DELADDR, 0, payload)
    return Request(C.RTM_NEWADDR, C.NLM_F_CREATE | (C.NLM_F_EXCL if excl else 0), payload)


# -- routes ----------------------------------------------------------------------
def route(dst: str | None, dst_len: int, *, family: int | None = None, table: int = C.RT_TABLE_MAIN,
          oif: int | None = None, gateway: str | None = None, rtype: int = C.RTN_UNICAST,
          protocol: int = C.RTPROT_STATIC, scope: int | None = None, priority: int | None = None,
          multipath: list[tuple[int, str | None]] | None = None, cmd: int = C.RTM_NEWROUTE,
          flags: int = C.NLM_F_CREATE | C.NLM_F_EXCL, rtm_flags: int = 0) -> Request:
    """RTM_NEWROUTE (or *cmd*) to *dst*/*dst_len*: family from the addresses, scope as ``ip route`` picks it,
    RTA_TABLE always (tables above 255 exist only there), multipath as (ifindex, gateway) hops."""
    if family is None:
        family = _ip(dst)[0] if dst else (_ip(gateway)[0] if gateway else C.AF_INET)
    if scope is None:
        scope = C.RT_SCOPE_LINK if (rtype == C.RTN_UNICAST and oif and not gateway and not multipath) \
            else C.RT_SCOPE_UNIVERSE
        if cmd == C.RTM_DELROUTE:
            scope = C.RT_SCOPE_NOWHERE
    payload = L.RTMSG.pack(rtm_family=family, rtm_dst_len=dst_len, rtm_table=table if table < 256 else C.RT_TABLE_UNSPEC,
                           rtm_protocol=protocol, rtm_scope=scope, rtm_type=rtype, rtm_flags=rtm_flags)
    if dst:
        payload += A.attr(C.RTA_DST, _ip(dst)[1])
    payload += A.u32(C.RTA_TABLE, table)
    if oif is not None:
        payload += A.u32(C.RTA_OIF, oif)
    if gateway:
        payload += A.attr(C.RTA_GATEWAY, _ip(gateway)[1])
    if priority is not None:
        payload += A.u32(C.RTA_PRIORITY, priority)
    if multipath:
        hops = b""
        for ifindex, gw in multipath:
            body = A.attr(C.RTA_GATEWAY, _ip(gw)[1]) if gw else b""
            hops += L.RTNEXTHOP.pack(rtnh_len=L.RTNEXTHOP.size + len(body), rtnh_ifindex=ifindex) + body
        payload += A.attr(C.RTA_MULTIPATH, hops)
    return Request(cmd, flags, payload)


def get_route(dst: str, *, table: int | None = None, lookup_table: bool = False, oif: int | None = None) -> Request:
    """RTM_GETROUTE (doit): a FIB lookup of *dst* as a full-length prefix, as ``ip route get`` asks."""
    fam, packed = _ip(dst)
    payload = L.RTMSG.pack(rtm_family=fam, rtm_dst_len=len(packed) * 8,
                           rtm_flags=C.RTM_F_LOOKUP_TABLE if lookup_table else 0)
    payload += A.attr(C.RTA_DST, packed)
    if table is not None:
        payload += A.u32(C.RTA_TABLE, table)
    if oif is not None:
        payload += A.u32(C.RTA_OIF, oif)
    return Request(C.RTM_GETROUTE, 0, payload)


# -- neighbours ------------------------------------------------------------------
def neigh(index: int, dst: str | None, lladdr: str | bytes | None = None, *, state: int = C.NUD_PERMANENT,
          family: int | None = None, ntf_flags: int = 0, cmd: int = C.RTM_NEWNEIGH,
          flags: int = C.NLM_F_CREATE | C.NLM_F_EXCL) -> Request:
    """RTM_NEWNEIGH (or *cmd*) for *dst* on link *index*: PERMANENT by default, *lladdr* as text or bytes."""
    if family is None:
        family = _ip(dst)[0] if dst else C.AF_INET
    payload = L.NDMSG.pack(ndm_family=family, ndm_ifindex=index, ndm_state=state, ndm_flags=ntf_flags)
    if dst is not None:
        payload += A.attr(C.NDA_DST, _ip(dst)[1])
    if lladdr is not None:
        payload += A.attr(C.NDA_LLADDR, mac_bytes(lladdr) if isinstance(lladdr, str) else lladdr)
    return Request(cmd, flags, payload)


# -- namespaces ids ----------------------------------------------------------------
def new_nsid(nsid: int, *, fd: int | None = None, pid: int | None = None) -> Request:
    """RTM_NEWNSID: give the namespace of *fd* (or of process *pid*) the id *nsid* in the socket's namespace."""
    payload = L.RTGENMSG.pack(rtgen_family=C.AF_UNSPEC) + b"\0" * 3
    if fd is not None:
        payload += A.u32(C.NETNSA_FD, fd)
    if pid is not None:
        payload += A.u32(C.NETNSA_PID, pid)
    payload += A.s32(C.NETNSA_NSID, nsid)
    return Request(C.RTM_NEWNSID, 0, payload)


def get_nsid(*, fd: int | None = None, pid: int | None = None) -> Request:
    """RTM_GETNSID: the id the socket's namespace gives the namespace of *fd* (or of process *pid*)."""
    payload = L.RTGENMSG.pack(rtgen_family=C.AF_UNSPEC) + b"\0" * 3
    if fd is not None:
        payload += A.u32(C.NETNSA_FD, fd)
    if pid is not None:
        payload += A.u32(C.NETNSA_PID, pid)
    return Request(C.RTM_GETNSID, 0, payload)


# -- dumps ---------------------------------------------------------------------------
DUMP_HEADERS = {
    "links": (C.RTM_GETLINK, L.IFINFOMSG, "ifi_family"),
    "addrs": (C.RTM_GETADDR, L.IFADDRMSG, "ifa_family"),
    "routes": (C.RTM_GETROUTE, L.RTMSG, "rtm_family"),
    "neigh": (C.RTM_GETNEIGH, L.NDMSG, "ndm_family"),
    "neightbl": (C.RTM_GETNEIGHTBL, L.NDTMSG, "ndtm_family"),
    "nsid": (C.RTM_GETNSID, L.RTGENMSG, "rtgen_family"),
}


def dump_request(what: str, family: int = C.AF_UNSPEC) -> Request:
    """The GET of a dump of *what* ('links', 'addrs', 'routes', 'neigh', 'neightbl', 'nsid'): its family header."""
    mtype, layout, fam_field = DUMP_HEADERS[what]
    payload = layout.pack(**{fam_field: family})
    return Request(mtype, 0, payload + b"\0" * (A.align(len(payload)) - len(payload)))


class Rtnl:
    """A NETLINK_ROUTE socket with request helpers. Errors raise KernelError."""

    def __init__(self, netns: Any = None, **socket_options: Any) -> None:
        self.sock = Socket(C.NETLINK_ROUTE, netns=netns, **socket_options)

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()

    def __enter__(self) -> Rtnl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def do(self, req: Request, *, ack: bool = True, flags: int = 0) -> list[Message]:
        """Send *req* (NLM_F_ACK unless ack=False, plus *flags*); its replies, or KernelError."""
        return self.sock.request(req.type, req.flags | flags, req.payload, ack=ack)

    def get(self, req: Request) -> Message:
        """A doit GET: the single reply message."""
        replies = self.sock.request(req.type, req.flags, req.payload, ack=False)
        return replies[0]

    def dump(self, what: str, family: int = C.AF_UNSPEC, **kw: Any) -> Dump:
        """A dump of *what* (see `dump_request`), read lazily; *kw* go to `Socket.dump`."""
        req = dump_request(what, family)
        return self.sock.dump(req.type, req.payload, **kw)

    # conveniences used throughout the suite
    def link_index(self, name: str) -> int:
        """The ifindex of the link called *name* (KernelError ENODEV when there is none)."""
        m = self.get(get_link(name=name))
        index: int = m.header(L.IFINFOMSG).ifi_index
        return index

    def link(self, index: int = 0, name: str | None = None) -> dict[str, Any]:
        """One link, decoded to a dict (`codec.rtnl.decode`), by index or name."""
        return R.decode(self.get(get_link(index, name)))

    def up(self, index: int) -> None:
        """Set IFF_UP on the link at *index*."""
        self.do(set_link(index, up=True))

    def add_veth(self, name: str, peer: str, **attrs: Any) -> tuple[int, int]:
        """Create the veth pair *name*/*peer* (*attrs* on *name*); their ifindexes."""
        self.do(new_link(name, "veth", veth_peer(peer), **attrs))
        return self.link_index(name), self.link_index(peer)


def loopback_up(netns: Any) -> None:
    """Bring lo up inside *netns* (a fresh namespace has it down)."""
    with Rtnl(netns) as r:
        r.up(r.link_index("lo"))


def af_name(family: int) -> str:
    """The family as ip names it ('inet', 'inet6', 'unspec', 'bridge'), else the number as text."""
    return {C.AF_INET: "inet", C.AF_INET6: "inet6", C.AF_UNSPEC: "unspec", C.AF_BRIDGE: "bridge"}.get(
        family, str(family))


__all__ = ["Request", "Rtnl", "af_name", "del_link", "dump_request", "get_link", "get_nsid", "get_route", "linkinfo",
           "loopback_up", "neigh", "new_addr", "new_link", "new_nsid", "route", "set_link", "veth_peer",
           "vxlan_data"]
