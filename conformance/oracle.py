"""Oracles of the conformance suite: pyroute2 (state and decoder) and iproute2 (tie-breaker).

Nothing here asserts a kernel behaviour by itself; tests call it to compare
netlink_probe's view of the kernel with two independent implementations.

API (stable: other test modules rely on it)
==========================================

State oracle - pyroute2 reads the same objects back in the same namespace
--------------------------------------------------------------------------
``pr_links(ns)``, ``pr_addresses(ns, family=0)``, ``pr_routes(ns, family=0, table=None)``,
``pr_neighbours(ns, family=0)``, ``pr_neightbls(ns, family=0)``, ``pr_nsids(ns)``, ``pr_nsid_of(ns, fd)``
    Lists of normalised dicts as pyroute2 0.9 sees them.  pyroute2 runs in the
    calling thread, entered into *ns* (a NetNS/fd/path) while its IPRoute
    socket is opened; the socket's SO_NETNS_COOKIE is checked against a
    netlink_probe socket opened in *ns*, so a pyroute2 socket in the wrong
    namespace fails loudly (``OracleError``) instead of comparing the host.
    pyroute2's own errors (NetlinkError is not an OSError) come back as
    ``OracleError``.  ``with pyroute2_in(ns) as ipr:`` gives the raw IPRoute.

``np_link(msg)``, ``np_address(msg)``, ``np_route(msg)``, ``np_neighbour(msg)``,
``np_neightbl(msg)``, ``np_nsid(msg)``
    The same normalisation for a netlink_probe ``codec.Message`` (from a dump,
    a doit reply or a notification).  ``np_all(msgs)`` normalises a list,
    picking the right one by message type.

Normalised fields (a field the message lacks is None):
  link      family index name mtu flags address broadcast kind master link operstate type
  address   family index prefixlen flags scope local address label
  route     family dst dst_len table oif gateway type protocol scope priority multipath
            (multipath: sorted list of [ifindex, gateway])
  neighbour family ifindex dst lladdr state flags
  neightbl  family name ifindex thresh1 thresh2 thresh3 gc_interval params
            (params: {NDTPA_* name: value} except NDTPA_IFINDEX/NDTPA_PAD)
  nsid      nsid

``KEYS[kind]``: the fields that identify an object of that kind.

``assert_same(kind, ours, theirs, ns=None, fields=None)``
    Compare two lists (or two single dicts) field by field, matched by
    ``KEYS[kind]``; on any difference raise AssertionError listing each
    differing object/field and, when *ns* is given, which side iproute2
    (``ip -j -d``) agrees with.  *fields* restricts the comparison.
``diff(kind, ours, theirs, fields=None)``: the differences as a list of strings.
``ip_view(ns, kind)``: iproute2's view normalised to the same fields (only
    the fields ip shows; the others are absent from its dicts).  Link flags
    from ip lack IFF_RUNNING (iproute2 hides it): compare under ``IP_FLAGS_MASK``.

Decode oracle - pyroute2's decoder on the very same bytes
----------------------------------------------------------
``decode_oracle`` (a ``DecodeOracle``) is tapped into ``netlink_probe.Socket.taps``
at import: it keeps the raw bytes of the first ``LIMIT`` NETLINK_ROUTE messages
per (type, family) this process receives and the set of every message type
seen.  ``compare_message(raw)`` decodes one message with netlink_probe and with
pyroute2's message classes and returns the ``Difference``s: header fields by
byte offset, attribute type numbers in wire order (and those of the nests
IFLA_LINKINFO, IFLA_INFO_DATA, IFLA_AF_SPEC, NDTA_PARMS), attribute names where
both know the number, and values of scalar/string/address attributes;
NLMSG_ERROR/NLMSG_DONE: error, echoed header, extended-ack TLVs.

``assert_decoders_agree(messages)``: messages are Message objects, bytes, or
    Received datagrams; raises AssertionError on any difference not covered by
    ``ALLOWLIST`` (each entry has a reason; mirrored in docs/pyroute2-allowlist.md).
``decode_oracle.check_collected()``: the same for everything tapped so far
    (returns a report dict; raises on disagreement).
``decode_oracle_session``: an autouse session fixture, imported once by
    conformance/conftest.py: runs ``check_collected()`` when the session ends in
    each (xdist) process, over every kernel datagram that process received.

Tie-breaker - iproute2
----------------------
``ip_view(ns, kind)`` as above; ``tiebreak(ns, kind, key, field, ours, theirs)``
returns a sentence saying whom `ip` agrees with.
"""
from __future__ import annotations

import collections
import contextlib
import fnmatch
import ipaddress
import os
import socket as _socket
import struct
import threading
from dataclasses import dataclass

import pytest

from netlink_probe import Socket
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import control as CTL
from netlink_probe.codec import layouts as L
from netlink_probe.codec import message as M
from netlink_probe.codec import rtnl as R
from netlink_probe.netns import entered
from netlink_probe.sys import ffi


class OracleError(AssertionError):
    """An oracle could not give an answer (pyroute2 failed, wrong namespace, ip missing)."""


# =====================================================================================
# State oracle: normalisation
# =====================================================================================
KEYS = {
    "link": ("index",),
    "address": ("family", "index", "local", "address", "prefixlen"),
    "route": ("family", "table", "dst", "dst_len", "priority", "type", "tos"),
    "neighbour": ("family", "ifindex", "dst"),
    "neightbl": ("family", "name", "ifindex"),
    "nsid": ("nsid",),
}
FIELDS = {
    "link": ("family", "index", "name", "mtu", "flags", "address", "broadcast", "kind", "master", "link",
             "operstate", "type"),
    "address": ("family", "index", "prefixlen", "flags", "scope", "local", "address", "label"),
    "route": ("family", "dst", "dst_len", "tos", "table", "oif", "gateway", "type", "protocol", "scope",
              "priority", "multipath"),
    "neighbour": ("family", "ifindex", "dst", "lladdr", "state", "flags"),
    "neightbl": ("family", "name", "ifindex", "thresh1", "thresh2", "thresh3", "gc_interval", "params"),
    "nsid": ("nsid",),
}
OPERSTATES = {v: k[len("IF_OPER_"):] for k, v in C.VALUES.items() if k.startswith("IF_OPER_")}
_NDTPA_SKIP = {"NDTPA_IFINDEX", "NDTPA_PAD", "NDTPA_UNSPEC"}
_PR_NDTPA: set | None = None


def _pr_ndtpa_names() -> set:
    """NDTPA_* names pyroute2 decodes (params it shows as UNKNOWN cannot be compared; see ALLOWLIST)."""
    global _PR_NDTPA
    if _PR_NDTPA is None:
        from pyroute2.netlink.rtnl.ndtmsg import ndtmsg

        _PR_NDTPA = {n[0] for n in ndtmsg.parms.nla_map} - _NDTPA_SKIP
    return _PR_NDTPA
# NDTPA values that move on their own (randomised reachable time, reference count): not state to compare
NDTPA_VOLATILE = {"NDTPA_REACHABLE_TIME", "NDTPA_REFCNT"}


def _mac(b) -> str | None:
    return None if b is None else R.mac(b)


def _canon_ip(s):
    if s is None:
        return None
    try:
        return str(ipaddress.ip_address(s))
    except ValueError:
        return s


def _kind_of(attrs: dict):
    li = attrs.get("IFLA_LINKINFO")
    return li.get("IFLA_INFO_KIND") if isinstance(li, dict) else None


def np_link(m) -> dict:
    d = R.decode(m)
    h, a = d["header"], d["attrs"]
    return {"family": h["ifi_family"], "index": h["ifi_index"], "name": a.get("IFLA_IFNAME"),
            "mtu": a.get("IFLA_MTU"), "flags": h["ifi_flags"], "address": a.get("IFLA_ADDRESS"),
            "broadcast": a.get("IFLA_BROADCAST"), "kind": _kind_of(a), "master": a.get("IFLA_MASTER"),
            "link": a.get("IFLA_LINK"), "operstate": OPERSTATES.get(a.get("IFLA_OPERSTATE"), a.get("IFLA_OPERSTATE")),
            "type": h["ifi_type"]}


def np_address(m) -> dict:
    d = R.decode(m)
    h, a = d["header"], d["attrs"]
    return {"family": h["ifa_family"], "index": h["ifa_index"], "prefixlen": h["ifa_prefixlen"],
            "flags": a.get("IFA_FLAGS", h["ifa_flags"]), "scope": h["ifa_scope"], "local": a.get("IFA_LOCAL"),
            "address": a.get("IFA_ADDRESS"), "label": a.get("IFA_LABEL")}


def _multipath_np(raw) -> list | None:
    if raw is None:
        return None
    raw = bytes(raw)
    hops, off = [], 0
    while off + L.RTNEXTHOP.size <= len(raw):
        nh = L.RTNEXTHOP.unpack_dict(raw, off)
        body = A.Attrs(raw, off + L.RTNEXTHOP.size, off + nh["rtnh_len"])
        gw = body.get(C.RTA_GATEWAY)
        hops.append([nh["rtnh_ifindex"], R.ip(gw) if gw is not None else None])
        off += A.align(max(nh["rtnh_len"], L.RTNEXTHOP.size))
    return sorted(hops, key=lambda h: (h[0], h[1] or ""))


def np_route(m) -> dict:
    d = R.decode(m)
    h, a = d["header"], d["attrs"]
    return {"family": h["rtm_family"], "dst": a.get("RTA_DST"), "dst_len": h["rtm_dst_len"], "tos": h["rtm_tos"],
            "table": a.get("RTA_TABLE", h["rtm_table"]), "oif": a.get("RTA_OIF"), "gateway": a.get("RTA_GATEWAY"),
            "type": h["rtm_type"], "protocol": h["rtm_protocol"], "scope": h["rtm_scope"],
            "priority": a.get("RTA_PRIORITY"), "multipath": _multipath_np(a.get("RTA_MULTIPATH"))}


def np_neighbour(m) -> dict:
    d = R.decode(m)
    h, a = d["header"], d["attrs"]
    return {"family": h["ndm_family"], "ifindex": h["ndm_ifindex"], "dst": a.get("NDA_DST"),
            "lladdr": a.get("NDA_LLADDR"), "state": h["ndm_state"], "flags": h["ndm_flags"]}


def np_neightbl(m) -> dict:
    d = R.decode(m)
    h, a = d["header"], d["attrs"]
    parms = dict(a.get("NDTA_PARMS") or {})
    for k, v in parms.items():  # TODO: the codec decodes NDTPA_QUEUE_LENBYTES (a u32) as u64 -> raw bytes
        if isinstance(v, bytes) and len(v) == 4:
            parms[k] = int.from_bytes(v, "little")
    return {"family": h["ndtm_family"], "name": a.get("NDTA_NAME"), "ifindex": parms.get("NDTPA_IFINDEX", 0),
            "thresh1": a.get("NDTA_THRESH1"), "thresh2": a.get("NDTA_THRESH2"), "thresh3": a.get("NDTA_THRESH3"),
            "gc_interval": a.get("NDTA_GC_INTERVAL"),
            "params": {k: v for k, v in parms.items() if k in _pr_ndtpa_names()}}


def np_nsid(m) -> dict:
    d = R.decode(m)
    return {"nsid": d["attrs"].get("NETNSA_NSID")}


_NP_BY_OBJECT = {"link": np_link, "addr": np_address, "route": np_route, "neigh": np_neighbour,
                 "neightbl": np_neightbl, "nsid": np_nsid}


def np_all(msgs) -> list[dict]:
    """Normalise netlink_probe messages, choosing the normaliser by message type."""
    out = []
    for m in msgs:
        fam = R.family(m.type)
        if fam is None:
            raise ValueError(f"{m!r} is not an rtnetlink object message")
        out.append(_NP_BY_OBJECT[fam[0]](m))
    return out


# -- pyroute2 side ---------------------------------------------------------------------
def _pr_get(msg, name, default=None):
    v = msg.get_attr(name)
    return default if v is None else v


def _pr_operstate(v):
    if isinstance(v, int):
        return OPERSTATES.get(v, v)
    return v


def pr_norm_link(msg) -> dict:
    li = msg.get_attr("IFLA_LINKINFO")
    kind = li.get_attr("IFLA_INFO_KIND") if li is not None else None
    return {"family": msg["family"], "index": msg["index"], "name": msg.get_attr("IFLA_IFNAME"),
            "mtu": msg.get_attr("IFLA_MTU"), "flags": msg["flags"], "address": msg.get_attr("IFLA_ADDRESS"),
            "broadcast": msg.get_attr("IFLA_BROADCAST"), "kind": kind, "master": msg.get_attr("IFLA_MASTER"),
            "link": msg.get_attr("IFLA_LINK"), "operstate": _pr_operstate(msg.get_attr("IFLA_OPERSTATE")),
            "type": msg["ifi_type"]}


def pr_norm_address(msg) -> dict:
    return {"family": msg["family"], "index": msg["index"], "prefixlen": msg["prefixlen"],
            "flags": _pr_get(msg, "IFA_FLAGS", msg["flags"]), "scope": msg["scope"],
            "local": _canon_ip(msg.get_attr("IFA_LOCAL")), "address": _canon_ip(msg.get_attr("IFA_ADDRESS")),
            "label": msg.get_attr("IFA_LABEL")}


def _multipath_pr(v) -> list | None:
    if v is None:
        return None
    hops = []
    for nh in v:
        hops.append([nh["oif"], _canon_ip(nh.get_attr("RTA_GATEWAY"))])
    return sorted(hops, key=lambda h: (h[0], h[1] or ""))


def pr_norm_route(msg) -> dict:
    return {"family": msg["family"], "dst": _canon_ip(msg.get_attr("RTA_DST")), "dst_len": msg["dst_len"],
            "tos": msg["tos"], "table": _pr_get(msg, "RTA_TABLE", msg["table"]), "oif": msg.get_attr("RTA_OIF"),
            "gateway": _canon_ip(msg.get_attr("RTA_GATEWAY")), "type": msg["type"], "protocol": msg["proto"],
            "scope": msg["scope"], "priority": msg.get_attr("RTA_PRIORITY"),
            "multipath": _multipath_pr(msg.get_attr("RTA_MULTIPATH"))}


def pr_norm_neighbour(msg) -> dict:
    return {"family": msg["family"], "ifindex": msg["ifindex"], "dst": _canon_ip(msg.get_attr("NDA_DST")),
            "lladdr": msg.get_attr("NDA_LLADDR"), "state": msg["state"], "flags": msg["flags"]}


def pr_norm_neightbl(msg) -> dict:
    parms = msg.get_attr("NDTA_PARMS")
    params, ifindex = {}, 0
    if parms is not None:
        for slot in parms["attrs"]:
            name, val = slot[0], slot[1]
            if name == "NDTPA_IFINDEX":
                ifindex = val
            elif name not in _NDTPA_SKIP and name != "UNKNOWN":
                params[name] = val
    return {"family": msg["family"], "name": msg.get_attr("NDTA_NAME"), "ifindex": ifindex,
            "thresh1": msg.get_attr("NDTA_THRESH1"), "thresh2": msg.get_attr("NDTA_THRESH2"),
            "thresh3": msg.get_attr("NDTA_THRESH3"), "gc_interval": msg.get_attr("NDTA_GC_INTERVAL"),
            "params": params}


def pr_norm_nsid(msg) -> dict:
    v = msg.get_attr("NETNSA_NSID")
    if isinstance(v, int) and v >= 1 << 31:  # pyroute2 decodes the kernel's s32 as uint32 (see ALLOWLIST)
        v -= 1 << 32
    return {"nsid": v}


# -- running pyroute2 inside a namespace ----------------------------------------------
SO_NETNS_COOKIE = getattr(_socket, "SO_NETNS_COOKIE", 71)  # asm-generic/socket.h, Linux >= 5.14
_pr_lock = threading.Lock()


def _netns_cookie(fd: int) -> int | None:
    s = _socket.socket(fileno=os.dup(fd))
    try:
        return struct.unpack("=Q", s.getsockopt(_socket.SOL_SOCKET, SO_NETNS_COOKIE, 8))[0]
    except OSError:
        return None
    finally:
        s.close()


@contextlib.contextmanager
def pyroute2_in(ns):
    """A pyroute2 IPRoute whose socket lives in *ns* (proved by SO_NETNS_COOKIE)."""
    from pyroute2 import IPRoute

    with _pr_lock:
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


def _pyroute2_call(ns, fn):
    from pyroute2.netlink.exceptions import NetlinkError as PrNetlinkError

    try:
        with pyroute2_in(ns) as ipr:
            return fn(ipr)
    except PrNetlinkError as e:  # not an OSError: translate so tests see an oracle failure
        raise OracleError(f"pyroute2 failed: NetlinkError({e.code}, {e!s})") from None


def pr_links(ns) -> list[dict]:
    return _pyroute2_call(ns, lambda ipr: [pr_norm_link(m) for m in ipr.get_links()])


def pr_addresses(ns, family: int = 0) -> list[dict]:
    return _pyroute2_call(ns, lambda ipr: [pr_norm_address(m) for m in ipr.get_addr(family=family)])


def pr_routes(ns, family: int = 0, table: int | None = None) -> list[dict]:
    """Every route pyroute2 dumps (all tables unless *table*)."""
    def go(ipr):
        kw = {"family": family} if family else {}
        if table is not None:
            kw["table"] = table
        return [pr_norm_route(m) for m in ipr.route("dump", **kw)]
    return _pyroute2_call(ns, go)


def pr_neighbours(ns, family: int = 0) -> list[dict]:
    def go(ipr):
        kw = {"family": family} if family else {}
        return [pr_norm_neighbour(m) for m in ipr.get_neighbours(**kw)]
    return _pyroute2_call(ns, go)


def pr_neightbls(ns, family: int = 0) -> list[dict]:
    def go(ipr):
        out = [pr_norm_neightbl(m) for m in ipr.get_ntables()]
        return [t for t in out if not family or t["family"] == family]
    return _pyroute2_call(ns, go)


def pr_nsids(ns) -> list[dict]:
    """RTM_GETNSID dump through pyroute2's own request machinery (0.9.7 has no dump API for nsids:
    ``get_netnsid()`` sends a doit without a peer, which the kernel refuses with EINVAL)."""
    def go(ipr):
        from pyroute2.netlink import NLM_F_DUMP, NLM_F_REQUEST
        from pyroute2.netlink.nlsocket import NetlinkRequest
        from pyroute2.netlink.rtnl.nsidmsg import nsidmsg

        async def dump():
            msg = nsidmsg()
            msg["rtgen_family"] = C.AF_UNSPEC
            req = NetlinkRequest(ipr.asyncore, msg, msg_type=C.RTM_GETNSID, msg_flags=NLM_F_REQUEST | NLM_F_DUMP)
            await req.send()
            return [pr_norm_nsid(m) async for m in req.response()]
        return ipr.asyncore.event_loop.run_until_complete(dump())
    return _pyroute2_call(ns, go)


def pr_nsid_of(ns, peer_fd: int) -> int | None:
    """pyroute2's ``get_netnsid(fd=...)``: the id *ns* gives the namespace behind *peer_fd* (-1: none)."""
    def go(ipr):
        v = ipr.get_netnsid(fd=peer_fd)["nsid"]
        return v - (1 << 32) if isinstance(v, int) and v >= 1 << 31 else v
    return _pyroute2_call(ns, go)


# =====================================================================================
# Comparison with an iproute2 tie-breaker
# =====================================================================================
def _key(kind, obj):
    return tuple(obj.get(k) for k in KEYS[kind])


def _strip_volatile(kind, obj):
    if kind == "neightbl" and isinstance(obj.get("params"), dict):
        obj = dict(obj, params={k: v for k, v in obj["params"].items() if k not in NDTPA_VOLATILE})
    return obj


def diff(kind: str, ours, theirs, fields=None) -> list[str]:
    """Differences between two normalised views (lists or single dicts) as readable lines."""
    ours = [ours] if isinstance(ours, dict) else list(ours)
    theirs = [theirs] if isinstance(theirs, dict) else list(theirs)
    fields = tuple(fields or FIELDS[kind])
    a = {_key(kind, o): _strip_volatile(kind, o) for o in ours}
    b = {_key(kind, o): _strip_volatile(kind, o) for o in theirs}
    out = []
    for k in sorted(set(a) | set(b), key=repr):
        if k not in b:
            out.append(f"{kind} {k}: only netlink_probe sees it: {a[k]}")
        elif k not in a:
            out.append(f"{kind} {k}: only pyroute2 sees it: {b[k]}")
        else:
            for f in fields:
                if a[k].get(f) != b[k].get(f):
                    out.append((k, f, a[k].get(f), b[k].get(f)))
    return out


def assert_same(kind: str, ours, theirs, ns=None, fields=None) -> None:
    """ours == theirs field by field; the failure names which side `ip -j -d` agrees with."""
    problems = diff(kind, ours, theirs, fields)
    if not problems:
        return
    ipv = None
    lines = [f"netlink_probe and pyroute2 disagree on {kind}s:"]
    for p in problems:
        if isinstance(p, str):
            lines.append("  " + p)
            continue
        k, f, x, y = p
        line = f"  {kind} {dict(zip(KEYS[kind], k))} field {f!r}: netlink_probe={x!r} pyroute2={y!r}"
        if ns is not None:
            try:
                if ipv is None:
                    ipv = {_key(kind, o): o for o in ip_view(ns, kind)}
                line += "; " + _verdict(ipv, k, f, x, y)
            except Exception as e:  # noqa: BLE001 - the tie-breaker is advice, the diff is the failure
                line += f"; iproute2 unavailable ({e!r})"
        lines.append(line)
    raise AssertionError("\n".join(lines))


def _verdict(ipv: dict, k, field, ours, theirs) -> str:
    obj = ipv.get(k)
    if obj is None:
        # match on the first key field only (ip may not show every key field)
        cands = [o for kk, o in ipv.items() if kk[:1] == k[:1]]
        obj = cands[0] if len(cands) == 1 else None
    if obj is None or field not in obj:
        return "iproute2 does not show this field"
    v = obj[field]
    if field == "flags" and kind_is_link(obj):
        ours = ours & IP_FLAGS_MASK if isinstance(ours, int) else ours
        theirs = theirs & IP_FLAGS_MASK if isinstance(theirs, int) else theirs
    if v == ours and v != theirs:
        return f"ip agrees with netlink_probe ({v!r})"
    if v == theirs and v != ours:
        return f"ip agrees with pyroute2 ({v!r})"
    if v == ours == theirs:
        return f"ip agrees with both ({v!r})"
    return f"ip agrees with neither ({v!r})"


def kind_is_link(obj: dict) -> bool:
    return "operstate" in obj or "mtu" in obj


def tiebreak(ns, kind: str, key: tuple, field: str, ours, theirs) -> str:
    return _verdict({_key(kind, o): o for o in ip_view(ns, kind)}, key, field, ours, theirs)


# -- iproute2 ----------------------------------------------------------------------------
_IFF = {k[len("IFF_"):]: v for k, v in C.VALUES.items() if k.startswith("IFF_")}
# iproute2's print_link_flags() never prints IFF_RUNNING: compare link flags with ip only under this mask
IP_FLAGS_MASK = ~C.IFF_RUNNING & 0xFFFFFFFF
_FAM = {"inet": C.AF_INET, "inet6": C.AF_INET6, "bridge": C.AF_BRIDGE, "link": C.AF_PACKET}


def _ip_flags(names) -> int:
    v = 0
    for n in names or ():
        v |= _IFF.get(n, 0)
    return v


def ip_view(ns, kind: str) -> list[dict]:
    """iproute2's view in *ns*, normalised to the fields it shows."""
    import helpers  # conformance/helpers.py (on sys.path under pytest)

    if kind == "link":
        links = helpers.ip_json(ns, "-d", "link", "show")
        by_name = {x["ifname"]: x["ifindex"] for x in links}
        out = []
        for x in links:
            o = {"index": x["ifindex"], "name": x["ifname"], "mtu": x.get("mtu"),
                 "flags": _ip_flags(x.get("flags")), "address": x.get("address"),  # flags: no RUNNING
                 "broadcast": x.get("broadcast"), "kind": (x.get("linkinfo") or {}).get("info_kind"),
                 "operstate": x.get("operstate")}
            if "master" in x:
                o["master"] = by_name.get(x["master"])
            if "link_index" in x:
                o["link"] = x["link_index"]
            elif "link" in x and x["link"] in by_name:
                o["link"] = by_name[x["link"]]
            out.append(o)
        return out
    if kind == "address":
        out = []
        for x in helpers.ip_json(ns, "address", "show"):
            for a in x.get("addr_info", []):
                fam = _FAM.get(a.get("family"))
                o = {"family": fam, "index": x["ifindex"], "prefixlen": a.get("prefixlen"),
                     "local": _canon_ip(a.get("local")), "label": a.get("label")}
                o["address"] = _canon_ip(a.get("address", a.get("local")))
                out.append(o)
        return out
    if kind == "neighbour":
        idx = {x["ifname"]: x["ifindex"] for x in helpers.ip_json(ns, "link", "show")}
        out = []
        for x in helpers.ip_json(ns, "neigh", "show"):
            dst = _canon_ip(x.get("dst"))
            fam = C.AF_INET6 if dst and ":" in dst else C.AF_INET
            out.append({"family": fam, "ifindex": idx.get(x.get("dev")), "dst": dst, "lladdr": x.get("lladdr")})
        return out
    if kind == "route":
        idx = {x["ifname"]: x["ifindex"] for x in helpers.ip_json(ns, "link", "show")}
        out = []
        for fam, flag in ((C.AF_INET, "-4"), (C.AF_INET6, "-6")):
            for x in helpers.ip_json(ns, flag, "route", "show", "table", "all"):
                dst = x.get("dst", "default")
                if dst == "default":
                    addr, plen = None, 0
                elif "/" in dst:
                    addr, plen = dst.split("/")
                    plen = int(plen)
                else:
                    addr, plen = dst, 32 if fam == C.AF_INET else 128
                table = x.get("table", "main")
                table = {"main": 254, "local": 255, "default": 253}.get(table, table)
                o = {"family": fam, "dst": _canon_ip(addr), "dst_len": plen, "table": int(table),
                     "gateway": _canon_ip(x.get("gateway")), "priority": x.get("metric")}
                if "dev" in x:
                    o["oif"] = idx.get(x["dev"])
                out.append(o)
        return out
    if kind == "neightbl":
        out = []
        for x in helpers.ip_json(ns, "ntable", "show"):
            fam = _FAM.get(x.get("family"), x.get("family"))
            out.append({"family": fam, "name": x.get("name"), "thresh1": x.get("thresh1"),
                        "thresh2": x.get("thresh2"), "thresh3": x.get("thresh3"),
                        "gc_interval": x.get("gc_interval")})
        return out
    if kind == "nsid":
        return [{"nsid": x.get("nsid")} for x in helpers.ip_json(ns, "netns", "list-id")]
    raise ValueError(f"no iproute2 view for {kind!r}")


# =====================================================================================
# Decode oracle
# =====================================================================================
@dataclass(frozen=True)
class Difference:
    mtype: str  # message type name
    kind: str  # "header", "types", "name", "value", "decode", "error"
    path: str  # e.g. "IFLA_LINKINFO/IFLA_INFO_KIND" or a header field
    ours: object
    theirs: object

    def __str__(self):
        return f"{self.mtype} {self.kind} {self.path}: netlink_probe={self.ours!r} pyroute2={self.theirs!r}"


@dataclass(frozen=True)
class Allow:
    """One documented disagreement: kind + glob on the path (+ optional message-type glob)."""

    id: str
    kind: str
    path: str
    reason: str
    mtype: str = "*"
    todo: bool = False  # True: a netlink_probe bug to fix (reported), not a pyroute2 limitation

    def covers(self, d: Difference) -> bool:
        return d.kind == self.kind and fnmatch.fnmatchcase(d.path, self.path) and \
            fnmatch.fnmatchcase(d.mtype, self.mtype)


# Every entry is mirrored, with its evidence, in docs/pyroute2-allowlist.md.
ALLOWLIST: list[Allow] = [
    Allow("pyroute2-unknown-ndtpa", "name", "NDTA_PARMS/NDTPA_MCAST_REPROBES", mtype="RTM_NEWNEIGHTBL",
          reason="pyroute2 0.9.7's ndtmsg.parms nla_map stops at NDTPA_LOCKTIME (15) plus QUEUE_LENBYTES: "
                 "NDTPA_MCAST_REPROBES (17, Linux 4.0) decodes as UNKNOWN"),
    Allow("pyroute2-unknown-ndtpa-interval", "name", "NDTA_PARMS/NDTPA_INTERVAL_PROBE_TIME_MS",
          mtype="RTM_NEWNEIGHTBL",
          reason="NDTPA_INTERVAL_PROBE_TIME_MS (19, Linux 5.19) is missing from pyroute2 0.9.7's ndtmsg: UNKNOWN"),
    Allow("pyroute2-nsid-unsigned", "value", "NETNSA_NSID", mtype="RTM_*NSID",
          reason="the kernel puts NETNSA_NSID with nla_put_s32 (NETNSA_NSID_NOT_ASSIGNED is -1); pyroute2 0.9.7's "
                 "nsidmsg declares it uint32, so -1 reads as 4294967295"),
    *(Allow("pyroute2-rtmsg-after-rta-expires", "name", name, mtype="RTM_*ROUTE",
            reason=f"pyroute2 0.9.7's rtmsg nla_map stops at RTA_EXPIRES (23): {name} decodes as UNKNOWN; the "
                   "kernel puts RTA_UID in every IPv4 RTM_GETROUTE reply (rt_fill_info)")
      for name in ("RTA_UID", "RTA_PAD", "RTA_TTL_PROPAGATE", "RTA_IP_PROTO", "RTA_SPORT", "RTA_DPORT",
                   "RTA_NH_ID")),
    Allow("pyroute2-done-error-without-tlvs", "value", "error", mtype="NLMSG_DONE",
          reason="pyroute2's Marshal decodes NLMSG_DONE as nlmsgerr only when NLM_F_ACK_TLVS is set; a DONE that "
                 "carries just an errno (no extack, e.g. a socket without NETLINK_EXT_ACK) is a bare nlmsg, so "
                 "pyroute2 never sees that dump's error"),
    Allow("pyroute2-ignores-capped", "decode", "exception", mtype="NLMSG_ERROR",
          reason="pyroute2 0.9.7 ignores NLM_F_CAPPED: it reads the echoed header's nlmsg_len worth of request "
                 "payload that the kernel left out, runs into the extack TLVs and fails (struct.error); "
                 "netlink_ack() caps every success ack on 6.18 and every ack under NETLINK_CAP_ACK"),
    Allow("neither-decodes-multicast", "decode", "class", mtype="56",
          reason="RTM_NEWMULTICAST (56, Linux 6.x: multicast address notifications) is newer than both the "
                 "6.1 UAPI headers netlink_probe is built from and pyroute2 0.9.7: neither side decodes it"),
    Allow("neither-decodes-nexthop", "decode", "class", mtype="RTM_*NEXTHOP",
          reason="neither codec/rtnl.py nor pyroute2 0.9.7's MarshalRtnl has a class for RTM_NEWNEXTHOP "
                 "(struct nhmsg + NHA_*): nothing to compare (netlink_probe gap, no pyroute2 reference)"),
]


def allowed(d: Difference) -> Allow | None:
    for a in ALLOWLIST:
        if a.covers(d):
            return a
    return None


_SCALAR_KINDS = {"u8", "u16", "u32", "s32", "u64", "str", "mac", "ip", "lladdr"}
# nests whose children are compared (space for names/values, or None: type numbers only)
_NESTS = {"IFLA_LINKINFO": "IFLA_INFO_UNSPEC", "NDTA_PARMS": "NDTPA_UNSPEC", "IFLA_INFO_DATA": None,
          "IFLA_AF_SPEC": None}


def _pr_class(mtype: int):
    from pyroute2.netlink.rtnl.marshal import MarshalRtnl

    global _PR_MAP
    if _PR_MAP is None:
        _PR_MAP = dict(MarshalRtnl.msg_map)
    return _PR_MAP.get(mtype)


_PR_MAP = None


def _pr_slot_type(nla_owner, slot) -> int:
    """The attribute number of a pyroute2 slot: from its name table, or the raw header when UNKNOWN."""
    name, cell = slot.cell
    if name == "UNKNOWN":
        return struct.unpack_from("=HH", cell.data, cell.offset)[1] & A.NLA_TYPE_MASK
    rmap = nla_owner._nlmsg_base__r_nla_map
    return rmap[name]["type"]


def _header_offsets_pr(cls) -> dict[int, tuple[str, object]]:
    out, off = {}, 0
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
            tv = _canon_ip(tv)
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
    ours_h = m.fixed_dict(layout)
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


class DecodeOracle:
    """Collects NETLINK_ROUTE messages from Socket.taps and checks both decoders agree on them."""

    LIMIT = 20

    def __init__(self):
        self.kept: dict[tuple[int, int], list[bytes]] = collections.defaultdict(list)
        self.types_seen: set[str] = set()
        self.checked: dict[str, int] = collections.Counter()  # messages compared, by type name
        self.allowlisted: dict[str, int] = collections.Counter()  # Allow.id -> times used
        self.tap_errors: list[str] = []
        self._done: set[bytes] = set()

    def tap(self, protocol: int, received) -> None:
        if protocol != C.NETLINK_ROUTE or received.truncated or len(received.data) != received.length:
            return  # a datagram cut by a short buffer or MSG_TRUNC/PEEK is not a whole message to compare
        if received.src_pid != 0:
            return  # from a user port: a test's own (possibly malformed) bytes, not the kernel's
        try:
            data = bytes(received.data)
            for m in M.parse(data):
                self.types_seen.add(m.type_name)
                fam = data[m.payload_offset] if m.length > M.HDRLEN else -1
                key = (m.type, fam)
                bucket = self.kept[key]
                if len(bucket) < self.LIMIT:
                    bucket.append(m.raw())
        except Exception as e:  # noqa: BLE001 - a tap must never raise
            if len(self.tap_errors) < 20:
                self.tap_errors.append(repr(e))

    def check(self, raws) -> tuple[list[Difference], list[tuple[Difference, Allow]]]:
        bad, ok = [], []
        for raw in raws:
            try:
                diffs = compare_message(raw)
            except Exception as e:  # noqa: BLE001
                diffs = [Difference(C.MESSAGE_TYPES.get(struct.unpack_from("=H", raw, 4)[0], "?"), "decode",
                                    "exception", "ok", repr(e))]
            for d in diffs:
                a = allowed(d)
                if a is None:
                    bad.append(d)
                else:
                    ok.append((d, a))
                    self.allowlisted[a.id] += 1
            self.checked[diffs[0].mtype if diffs else M.parse(raw)[0].type_name] += 1
        return bad, ok

    def check_collected(self) -> dict:
        raws = [r for bucket in self.kept.values() for r in bucket if r not in self._done]
        bad, _ = self.check(raws)
        self._done.update(raws)
        report = {"types_seen": sorted(self.types_seen), "checked": dict(self.checked),
                  "allowlisted": dict(self.allowlisted), "tap_errors": list(self.tap_errors)}
        if bad or self.tap_errors:
            raise AssertionError(_format_bad(bad, self.tap_errors))
        return report


def _format_bad(bad, tap_errors=()) -> str:
    lines = ["netlink_probe and pyroute2 decode the same bytes differently "
             "(fix the codec, or document a pyroute2 limitation in oracle.ALLOWLIST):"]
    seen = set()
    for d in bad:
        s = str(d)
        if s not in seen:
            seen.add(s)
            lines.append("  " + s)
        if len(seen) >= 40:
            lines.append(f"  ... {len(bad) - 40} more")
            break
    for e in tap_errors:
        lines.append(f"  tap error: {e}")
    return "\n".join(lines)


def _raw_messages(items):
    for x in items:
        if isinstance(x, (bytes, bytearray, memoryview)):
            for m in M.parse(bytes(x)):
                yield m.raw()
        elif isinstance(x, M.Message):
            yield x.raw()
        elif hasattr(x, "message"):  # a Notification
            yield x.message.raw()
        elif hasattr(x, "data"):  # a Received datagram
            for m in M.parse(bytes(x.data)):
                yield m.raw()
        else:
            raise TypeError(f"cannot take raw bytes from {x!r}")


def assert_decoders_agree(messages) -> int:
    """Both decoders agree on every message (Message, bytes, Notification or Received); returns the count."""
    raws = list(_raw_messages(messages))
    bad, _ = decode_oracle.check(raws)
    if bad:
        raise AssertionError(_format_bad(bad))
    return len(raws)


decode_oracle = DecodeOracle()
if decode_oracle.tap not in Socket.taps:
    Socket.taps.append(decode_oracle.tap)


@pytest.fixture(scope="session", autouse=True)
def decode_oracle_session():
    """At the end of the session (per xdist worker): every collected message decodes the same both ways."""
    yield decode_oracle
    decode_oracle.check_collected()


__all__ = ["ALLOWLIST", "Allow", "DecodeOracle", "Difference", "FIELDS", "IP_FLAGS_MASK", "KEYS", "OracleError", "assert_decoders_agree",
           "assert_same", "compare_message", "decode_oracle", "decode_oracle_session", "diff", "ip_view", "np_address",
           "np_all", "np_link", "np_neighbour", "np_neightbl", "np_nsid", "np_route", "pr_addresses", "pr_links",
           "pr_neighbours", "pr_neightbls", "pr_nsid_of", "pr_nsids", "pr_routes", "pyroute2_in", "tiebreak"]
