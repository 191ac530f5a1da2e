"""netlink_probe's view of rtnetlink objects as plain dicts, comparable with pyroute2's and iproute2's.

``np_link(msg)`` ... ``np_nsid(msg)`` normalise one ``codec.Message`` (from a
dump, a doit reply or a notification); ``np_all(msgs)`` picks the normaliser
by message type.  A field the message lacks is None.

  link      family index name mtu flags address broadcast kind master link operstate type
  address   family index prefixlen flags scope local address label
  route     family dst dst_len tos table oif gateway type protocol scope priority multipath
            (multipath: sorted list of [ifindex, gateway])
  neighbour family ifindex dst lladdr state flags
  neightbl  family name ifindex thresh1 thresh2 thresh3 gc_interval params
            (params: {NDTPA_* name: value} pyroute2 can decode, except NDTPA_IFINDEX/NDTPA_PAD)
  nsid      nsid

``KEYS[kind]`` are the fields that identify an object; ``FIELDS[kind]`` every field.
"""
from __future__ import annotations

import functools
import ipaddress
from typing import Any

from netlink_probe import constants as C
from netlink_probe.codec import layouts as L
from netlink_probe.codec import rtnl as R
from netlink_probe.codec.message import Message

__all__ = ["FIELDS", "KEYS", "NDTPA_SKIP", "NDTPA_VOLATILE", "OPERSTATES", "canon_ip", "key_of", "np_address",
           "np_all", "np_link", "np_neighbour", "np_neightbl", "np_nsid", "np_route", "pyroute2_ndtpa_names",
           "sorted_hops", "without_volatile"]

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
NDTPA_SKIP = frozenset({"NDTPA_IFINDEX", "NDTPA_PAD", "NDTPA_UNSPEC"})
# NDTPA values that move on their own (randomised reachable time, reference count): not state to compare
NDTPA_VOLATILE = frozenset({"NDTPA_REACHABLE_TIME", "NDTPA_REFCNT"})


@functools.cache
def pyroute2_ndtpa_names() -> frozenset:
    """NDTPA_* names pyroute2 decodes (params it shows as UNKNOWN cannot be compared; see the allowlist)."""
    from pyroute2.netlink.rtnl.ndtmsg import ndtmsg

    return frozenset(n[0] for n in ndtmsg.parms.nla_map) - NDTPA_SKIP


def canon_ip(s: Any) -> Any:
    """An address in Python's canonical text form (IPv6 compressed); other values unchanged."""
    if s is None:
        return None
    try:
        return str(ipaddress.ip_address(s))
    except ValueError:
        return s


def key_of(kind: str, obj: dict) -> tuple:
    return tuple(obj.get(k) for k in KEYS[kind])


def without_volatile(kind: str, obj: dict) -> dict:
    """*obj* without the neighbour-table parameters the kernel changes by itself."""
    if kind == "neightbl" and isinstance(obj.get("params"), dict):
        return dict(obj, params={k: v for k, v in obj["params"].items() if k not in NDTPA_VOLATILE})
    return obj


def sorted_hops(hops: list[list]) -> list[list]:
    """[ifindex, gateway] pairs in one order for both sides."""
    return sorted(hops, key=lambda h: (h[0], h[1] or ""))


def _kind_of(attrs: dict) -> Any:
    li = attrs.get("IFLA_LINKINFO")
    return li.get("IFLA_INFO_KIND") if isinstance(li, dict) else None


def np_link(m: Message) -> dict:
    d = R.decode(m)
    h, a = d["header"], d["attrs"]
    oper = a.get("IFLA_OPERSTATE")
    return {"family": h["ifi_family"], "index": h["ifi_index"], "name": a.get("IFLA_IFNAME"),
            "mtu": a.get("IFLA_MTU"), "flags": h["ifi_flags"], "address": a.get("IFLA_ADDRESS"),
            "broadcast": a.get("IFLA_BROADCAST"), "kind": _kind_of(a), "master": a.get("IFLA_MASTER"),
            "link": a.get("IFLA_LINK"), "operstate": OPERSTATES.get(oper, oper), "type": h["ifi_type"]}


def np_address(m: Message) -> dict:
    d = R.decode(m)
    h, a = d["header"], d["attrs"]
    return {"family": h["ifa_family"], "index": h["ifa_index"], "prefixlen": h["ifa_prefixlen"],
            "flags": a.get("IFA_FLAGS", h["ifa_flags"]), "scope": h["ifa_scope"], "local": a.get("IFA_LOCAL"),
            "address": a.get("IFA_ADDRESS"), "label": a.get("IFA_LABEL")}


def _multipath(m: Message) -> list | None:
    hops = R.multipath(m.attrs(L.RTMSG.size))
    if hops is None:
        return None
    out = []
    for hop in hops:
        gw = hop["attrs"].get(C.RTA_GATEWAY)
        out.append([hop["rtnh_ifindex"], R.ip(gw) if gw is not None else None])
    return sorted_hops(out)


def np_route(m: Message) -> dict:
    d = R.decode(m)
    h, a = d["header"], d["attrs"]
    return {"family": h["rtm_family"], "dst": a.get("RTA_DST"), "dst_len": h["rtm_dst_len"], "tos": h["rtm_tos"],
            "table": a.get("RTA_TABLE", h["rtm_table"]), "oif": a.get("RTA_OIF"), "gateway": a.get("RTA_GATEWAY"),
            "type": h["rtm_type"], "protocol": h["rtm_protocol"], "scope": h["rtm_scope"],
            "priority": a.get("RTA_PRIORITY"), "multipath": _multipath(m)}


def np_neighbour(m: Message) -> dict:
    d = R.decode(m)
    h, a = d["header"], d["attrs"]
    return {"family": h["ndm_family"], "ifindex": h["ndm_ifindex"], "dst": a.get("NDA_DST"),
            "lladdr": a.get("NDA_LLADDR"), "state": h["ndm_state"], "flags": h["ndm_flags"]}


def np_neightbl(m: Message) -> dict:
    d = R.decode(m)
    h, a = d["header"], d["attrs"]
    parms = dict(a.get("NDTA_PARMS") or {})
    for k, v in parms.items():  # TODO: the codec decodes NDTPA_QUEUE_LENBYTES (a u32) as u64 -> raw bytes
        if isinstance(v, bytes) and len(v) == 4:
            parms[k] = int.from_bytes(v, "little")
    return {"family": h["ndtm_family"], "name": a.get("NDTA_NAME"), "ifindex": parms.get("NDTPA_IFINDEX", 0),
            "thresh1": a.get("NDTA_THRESH1"), "thresh2": a.get("NDTA_THRESH2"), "thresh3": a.get("NDTA_THRESH3"),
            "gc_interval": a.get("NDTA_GC_INTERVAL"),
            "params": {k: v for k, v in parms.items() if k in pyroute2_ndtpa_names()}}


def np_nsid(m: Message) -> dict:
    return {"nsid": R.decode(m)["attrs"].get("NETNSA_NSID")}


_BY_OBJECT = {"link": np_link, "addr": np_address, "route": np_route, "neigh": np_neighbour,
              "neightbl": np_neightbl, "nsid": np_nsid}


def np_all(msgs: Any) -> list[dict]:
    """Normalise netlink_probe messages, choosing the normaliser by message type."""
    out = []
    for m in msgs:
        fam = R.family(m.type)
        if fam is None:
            raise ValueError(f"{m!r} is not an rtnetlink object message")
        out.append(_BY_OBJECT[fam[0]](m))
    return out
