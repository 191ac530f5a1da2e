"""pyroute2 as an oracle: the same objects read back by an independent implementation.

``pr_links(ns)``, ``pr_addresses(ns, family=0)``, ``pr_routes(ns, family=0, table=None)``,
``pr_neighbours(ns, family=0)``, ``pr_neightbls(ns, family=0)``, ``pr_nsids(ns)`` and
``pr_nsid_of(ns, fd)`` return pyroute2 0.9's view as the dicts of ``normalise``.
pyroute2 runs in the calling thread, entered into *ns* while its IPRoute socket
is opened; the socket's SO_NETNS_COOKIE is checked against a netlink_probe
socket opened in *ns*, so a pyroute2 socket in the wrong namespace fails loudly
(``OracleError``) instead of comparing the host.  pyroute2's own errors
(NetlinkError is not an OSError) come back as ``OracleError``.
"""
from __future__ import annotations

import contextlib
import os
import socket as _socket
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Any

from netlink_probe import Socket
from netlink_probe import constants as C
from netlink_probe.netns import entered

from .normalise import NDTPA_SKIP, OPERSTATES, canon_ip, sorted_hops

__all__ = ["OracleError", "pr_addresses", "pr_links", "pr_neighbours", "pr_neightbls", "pr_nsid_of", "pr_nsids",
           "pr_routes", "pyroute2_in"]

SO_NETNS_COOKIE = getattr(_socket, "SO_NETNS_COOKIE", 71)  # asm-generic/socket.h, Linux >= 5.14
_lock = threading.Lock()  # entering a namespace is per thread, but pyroute2's setup is not thread-safe


class OracleError(AssertionError):
    """An oracle could not give an answer (pyroute2 failed, wrong namespace, ip missing)."""


def _attr(msg: Any, name: str, default: Any = None) -> Any:
    v = msg.get_attr(name)
    return default if v is None else v


def _operstate(v: Any) -> Any:
    return OPERSTATES.get(v, v) if isinstance(v, int) else v


def _signed_nsid(v: Any) -> Any:
    """pyroute2 decodes the kernel's s32 NETNSA_NSID as uint32 (see the allowlist)."""
    return v - (1 << 32) if isinstance(v, int) and v >= 1 << 31 else v


def _link(msg: Any) -> dict:
    li = msg.get_attr("IFLA_LINKINFO")
    kind = li.get_attr("IFLA_INFO_KIND") if li is not None else None
    return {"family": msg["family"], "index": msg["index"], "name": msg.get_attr("IFLA_IFNAME"),
            "mtu": msg.get_attr("IFLA_MTU"), "flags": msg["flags"], "address": msg.get_attr("IFLA_ADDRESS"),
            "broadcast": msg.get_attr("IFLA_BROADCAST"), "kind": kind, "master": msg.get_attr("IFLA_MASTER"),
            "link": msg.get_attr("IFLA_LINK"), "operstate": _operstate(msg.get_attr("IFLA_OPERSTATE")),
            "type": msg["ifi_type"]}


def _address(msg: Any) -> dict:
    return {"family": msg["family"], "index": msg["index"], "prefixlen": msg["prefixlen"],
            "flags": _attr(msg, "IFA_FLAGS", msg["flags"]), "scope": msg["scope"],
            "local": canon_ip(msg.get_attr("IFA_LOCAL")), "address": canon_ip(msg.get_attr("IFA_ADDRESS")),
            "label": msg.get_attr("IFA_LABEL")}


def _multipath(v: Any) -> list | None:
    if v is None:
        return None
    return sorted_hops([[nh["oif"], canon_ip(nh.get_attr("RTA_GATEWAY"))] for nh in v])


def _route(msg: Any) -> dict:
    return {"family": msg["family"], "dst": canon_ip(msg.get_attr("RTA_DST")), "dst_len": msg["dst_len"],
            "tos": msg["tos"], "table": _attr(msg, "RTA_TABLE", msg["table"]), "oif": msg.get_attr("RTA_OIF"),
            "gateway": canon_ip(msg.get_attr("RTA_GATEWAY")), "type": msg["type"], "protocol": msg["proto"],
            "scope": msg["scope"], "priority": msg.get_attr("RTA_PRIORITY"),
            "multipath": _multipath(msg.get_attr("RTA_MULTIPATH"))}


def _neighbour(msg: Any) -> dict:
    return {"family": msg["family"], "ifindex": msg["ifindex"], "dst": canon_ip(msg.get_attr("NDA_DST")),
            "lladdr": msg.get_attr("NDA_LLADDR"), "state": msg["state"], "flags": msg["flags"]}


def _neightbl(msg: Any) -> dict:
    parms = msg.get_attr("NDTA_PARMS")
    params, ifindex = {}, 0
    if parms is not None:
        for slot in parms["attrs"]:
            name, val = slot[0], slot[1]
            if name == "NDTPA_IFINDEX":
                ifindex = val
            elif name not in NDTPA_SKIP and name != "UNKNOWN":
                params[name] = val
    return {"family": msg["family"], "name": msg.get_attr("NDTA_NAME"), "ifindex": ifindex,
            "thresh1": msg.get_attr("NDTA_THRESH1"), "thresh2": msg.get_attr("NDTA_THRESH2"),
            "thresh3": msg.get_attr("NDTA_THRESH3"), "gc_interval": msg.get_attr("NDTA_GC_INTERVAL"),
            "params": params}


def _nsid(msg: Any) -> dict:
    return {"nsid": _signed_nsid(msg.get_attr("NETNSA_NSID"))}


def _netns_cookie(fd: int) -> int | None:
    s = _socket.socket(fileno=os.dup(fd))
    try:
        return struct.unpack("=Q", s.getsockopt(_socket.SOL_SOCKET, SO_NETNS_COOKIE, 8))[0]
    except OSError:
        return None
    finally:
        s.close()


@contextlib.contextmanager
def pyroute2_in(ns: Any) -> Iterator[Any]:
    """A pyroute2 IPRoute whose socket lives in *ns* (proved by SO_NETNS_COOKIE)."""
    from pyroute2 import IPRoute

    with _lock:
        with entered(ns):
            ipr = IPRoute()
            probe = Socket(C.NETLINK_ROUTE, bind=False)
        try:
            theirs, ours = _netns_cookie(ipr.fileno()), _netns_cookie(probe.fd)
            probe.close()
            if theirs is not None and theirs != ours:
                raise OracleError(f"pyroute2's socket is not in {ns!r}: netns cookie {theirs} != {ours}")
            yield ipr
        finally:
            probe.close()
            ipr.close()


def _call(ns: Any, fn: Callable[[Any], Any]) -> Any:
    from pyroute2.netlink.exceptions import NetlinkError as PrNetlinkError

    try:
        with pyroute2_in(ns) as ipr:
            return fn(ipr)
    except PrNetlinkError as e:  # not an OSError: translate so tests see an oracle failure
        raise OracleError(f"pyroute2 failed: NetlinkError({e.code}, {e!s})") from None


def _family_kw(family: int) -> dict:
    return {"family": family} if family else {}


def pr_links(ns: Any) -> list[dict]:
    return _call(ns, lambda ipr: [_link(m) for m in ipr.get_links()])


def pr_addresses(ns: Any, family: int = 0) -> list[dict]:
    return _call(ns, lambda ipr: [_address(m) for m in ipr.get_addr(family=family)])


def pr_routes(ns: Any, family: int = 0, table: int | None = None) -> list[dict]:
    """Every route pyroute2 dumps (all tables unless *table*)."""
    kw = _family_kw(family) | ({"table": table} if table is not None else {})
    return _call(ns, lambda ipr: [_route(m) for m in ipr.route("dump", **kw)])


def pr_neighbours(ns: Any, family: int = 0) -> list[dict]:
    return _call(ns, lambda ipr: [_neighbour(m) for m in ipr.get_neighbours(**_family_kw(family))])


def pr_neightbls(ns: Any, family: int = 0) -> list[dict]:
    def go(ipr: Any) -> list[dict]:
        return [t for t in (_neightbl(m) for m in ipr.get_ntables()) if not family or t["family"] == family]
    return _call(ns, go)


def pr_nsids(ns: Any) -> list[dict]:
    """RTM_GETNSID dump through pyroute2's own request machinery (0.9.7 has no dump API for nsids:
    ``get_netnsid()`` sends a doit without a peer, which the kernel refuses with EINVAL)."""
    def go(ipr: Any) -> list[dict]:
        from pyroute2.netlink import NLM_F_DUMP, NLM_F_REQUEST
        from pyroute2.netlink.nlsocket import NetlinkRequest
        from pyroute2.netlink.rtnl.nsidmsg import nsidmsg

        async def dump() -> list[dict]:
            msg = nsidmsg()
            msg["rtgen_family"] = C.AF_UNSPEC
            req = NetlinkRequest(ipr.asyncore, msg, msg_type=C.RTM_GETNSID, msg_flags=NLM_F_REQUEST | NLM_F_DUMP)
            await req.send()
            return [_nsid(m) async for m in req.response()]
        return ipr.asyncore.event_loop.run_until_complete(dump())
    return _call(ns, go)


def pr_nsid_of(ns: Any, peer_fd: int) -> int | None:
    """pyroute2's ``get_netnsid(fd=...)``: the id *ns* gives the namespace behind *peer_fd* (-1: none)."""
    return _call(ns, lambda ipr: _signed_nsid(ipr.get_netnsid(fd=peer_fd)["nsid"]))
