"""rtnetlink tables read from the kernel and shown as iproute2 shows them: the ``dump`` command's work.

`objects` yields one object at a time, as the kernel's answer is read (the
link dump, which every table needs for device names, is read first, as ip
does); `collect` is its list.  What each table follows (iproute2 6.1):

``links`` ``ip -j link`` (``-d`` ``ip -j -d link``, ``-s`` ``ip -j -s link``);
``addrs`` the entries of ``ip -j -o addr``; ``routes`` ``ip -j route`` (IPv4
and the main table unless told otherwise; table ``all`` without a family:
both families, as ``ip route show table all``); ``neigh`` ``ip -j neigh``;
``neightbl`` ``ip -j ntable``; ``rules`` ``ip -j rule``; ``nexthops`` ``ip -j
nexthop``; ``netconf`` ``ip -j netconf``; ``fdb`` ``bridge -j fdb``; ``mdb``
``bridge -j mdb`` (one object, as bridge groups it); ``vlan`` ``bridge -j vlan``.
`text` gives the readable form, after ip's; `addresses_text` is ``ip addr``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .. import constants as C
from ..codec import layouts as L
from ..rtnl import Rtnl
from . import mdb as mdb_mod
from . import netconf as netconf_mod
from . import nexthops as nexthops_mod
from . import vlan as vlan_mod
from .addrs import addr_json, addrs_by_link_text, addrs_text
from .bridge_fdb import fdb_json, fdb_text
from .color import PLAIN, Palette
from .links import Links, link_json, links_text
from .names import table_id
from .neigh import neigh_json, neigh_text
from .neightbl import ntable_json, ntable_text
from .routes import route_json, routes_text
from .rules import rule_json, rules_text
from .tables import STREAMED_TEXT, TABLES

_TEXT: dict[str, Callable[..., str]] = {
    "links": links_text, "addrs": addrs_text, "routes": routes_text, "neigh": neigh_text, "neightbl": ntable_text,
    "rules": rules_text, "nexthops": nexthops_mod.nexthops_text, "netconf": netconf_mod.netconf_text,
    "fdb": fdb_text, "mdb": mdb_mod.mdb_text, "vlan": vlan_mod.vlans_text}


@dataclass(frozen=True)
class Query:
    """What to show: ip's options and the filters people type.

    *family* AF_UNSPEC or AF_INET/AF_INET6; *table* (routes) a name, number or
    'all'; *details* ``-d``; *stats* ``-s`` (1) or ``-s -s`` (2); *dev*,
    *master* link names and *kind* a link kind (``type KIND``; ``KIND_slave``
    matches ports of such a master), as ``ip link show dev|master|type``.
    """

    family: int = C.AF_UNSPEC
    table: str | int | None = None
    details: bool = False
    stats: int = 0
    dev: str | None = None
    master: str | None = None
    kind: str | None = None


class NoSuchDevice(ValueError):
    """A `dev` or `master` filter names a link the namespace does not have (ip: 'Device "x" does not exist.')."""


def _index(links: Links, name: str | None) -> int:
    if name is None:
        return 0
    for index, (n, _flags, _type) in links.by_index.items():
        if n == name:
            return index
    raise NoSuchDevice(f'Device "{name}" does not exist.')


def objects(what: str, netns: Any = None, query: Query = Query()) -> Iterator[dict[str, Any]]:
    """The objects of one table (*what*: one of `TABLES`) in *netns*, one by one, as ``ip -j`` shows them.

    ValueError for an unknown table or routing table, `NoSuchDevice` for a filter naming no link (both
    raised before the first object)."""
    if what not in TABLES:
        raise ValueError(f"unknown table {what!r}: one of {', '.join(TABLES)}")
    tb = table_id(query.table) if what == "routes" else None
    with Rtnl(netns) as rt:
        links = Links(rt.dump("links").all())
        dev, master = _index(links, query.dev), _index(links, query.master)
        yield from _objects(rt, links, what, query, dev, master, tb)


def _objects(rt: Rtnl, links: Links, what: str, q: Query, dev: int, master: int,
             tb: int | None) -> Iterator[dict[str, Any]]:
    fam = q.family
    if what == "links":
        for m in links.messages:
            if _link_selected(m, dev, master, q.kind):
                yield link_json(m, links, details=q.details, stats=q.stats)
    elif what == "addrs":
        filtered = bool(dev or master or q.kind)
        chosen = {i for i in links.by_index if filtered and _link_selected_index(links, i, dev, master, q.kind)}
        for m in rt.dump("addrs", fam):
            if m.type == C.RTM_NEWADDR:
                h = m.header(L.IFADDRMSG)
                if (fam == C.AF_UNSPEC or h.ifa_family == fam) and (not filtered or h.ifa_index in chosen):
                    yield addr_json(m, links)
    elif what == "routes":
        assert tb is not None
        families = (C.AF_INET, C.AF_INET6) if fam == C.AF_UNSPEC and tb == 0 else \
            (C.AF_INET if fam == C.AF_UNSPEC else fam,)
        for f in families:
            yield from _present(route_json(m, links, f, tb, details=q.details, oif=dev) for m in rt.dump("routes", f))
    elif what == "neigh":
        yield from _present(neigh_json(m, links, fam, dev=dev, stats=bool(q.stats)) for m in rt.dump("neigh", fam))
    elif what == "neightbl":
        yield from _present(ntable_json(m, links) for m in rt.dump("neightbl", fam))
    elif what == "rules":
        msgs = rt.sock.dump(C.RTM_GETRULE, L.FIB_RULE_HDR.pack(family=fam or C.AF_INET))
        yield from _present(rule_json(m, details=q.details) for m in msgs)
    elif what == "nexthops":
        for m in rt.sock.dump(C.RTM_GETNEXTHOP, nexthops_mod.dump_payload(fam)):
            d = nexthops_mod.nexthop_json(m, links, details=q.details)
            if d is not None and (not dev or d.get("dev") == links.name(dev)):
                yield d
    elif what == "netconf":
        for m in rt.sock.dump(C.RTM_GETNETCONF, netconf_mod.dump_payload(fam)):
            d = netconf_mod.netconf_json(m, links)
            if d is not None and (not dev or d.get("interface") == links.name(dev)):
                yield d
    elif what == "fdb":
        yield from _present(fdb_json(m, links, dev=dev, stats=bool(q.stats)) for m in rt.dump("neigh", C.AF_BRIDGE))
    elif what == "mdb":
        msgs = rt.sock.dump(C.RTM_GETMDB, mdb_mod.dump_payload())
        yield mdb_mod.mdb_object(msgs, links, details=q.details, stats=bool(q.stats), dev=dev)
    else:  # vlan
        msgs = rt.sock.dump(C.RTM_GETLINK, vlan_mod.dump_payload())
        yield from _present(vlan_mod.vlan_json(m, links, dev=dev) for m in msgs)


def _present(objs: Iterable[dict[str, Any] | None]) -> Iterator[dict[str, Any]]:
    return (d for d in objs if d is not None)


def _link_selected(m: Any, dev: int, master: int, kind: str | None) -> bool:
    """ip link show's filters: dev (the index), master (IFLA_MASTER), type (IFLA_INFO_KIND or _slave)."""
    h = m.header(L.IFINFOMSG)
    if dev and h.ifi_index != dev:
        return False
    a = m.attrs(L.IFINFOMSG.size)
    if master and a.u32(C.IFLA_MASTER) != master:
        return False
    if kind:
        li = a.nested(C.IFLA_LINKINFO)
        if kind.endswith("_slave"):
            got = li.str(C.IFLA_INFO_SLAVE_KIND) if li is not None else None
            return bool(got == kind[: -len("_slave")])
        return bool(li is not None and li.str(C.IFLA_INFO_KIND) == kind)
    return True


def _link_selected_index(links: Links, index: int, dev: int, master: int, kind: str | None) -> bool:
    m = next((m for m in links.messages if m.header(L.IFINFOMSG).ifi_index == index), None)
    return m is not None and _link_selected(m, dev, master, kind)


def collect(what: str, netns: Any = None, *, family: int = C.AF_UNSPEC, table: str | int | None = None,
            **options: Any) -> list[dict[str, Any]]:
    """`objects` as a list; *options* are the other `Query` fields (details, stats, dev, master, kind)."""
    return list(objects(what, netns, Query(family=family, table=table, **options)))


def collect_by_link(netns: Any = None, *, family: int = C.AF_UNSPEC, details: bool = False,
                    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(links, addresses) read in one session, as ``ip addr`` shows them together (`addrs_by_link_text`)."""
    with Rtnl(netns) as rt:
        # ip asks for the links in the address family too: for AF_INET6 the kernel answers from
        # inet6_dump_ifinfo (name, mtu, operstate, txqlen: no qdisc, master or group), as `ip -6 addr` shows
        links = Links(rt.dump("links", family).all())
        # ip addr shows no "mode" (IFLA_LINKMODE): print_linkinfo leaves it to `ip link`
        objs = [link_json(m, links, with_linkmode=False, details=details) for m in links.messages]
        if any("txqlen" not in d for d in objs):  # ip's print_queuelen asks SIOCGIFTXQLEN then: the same value
            every = Links(rt.dump("links").all())
            qlen = {index: q for m in every.messages
                    for index, q in [(m.header(L.IFINFOMSG).ifi_index, m.attrs(L.IFINFOMSG.size).u32(C.IFLA_TXQLEN))]}
            for d in objs:
                if "txqlen" not in d and qlen.get(d["ifindex"]):
                    d["txqlen"] = qlen[d["ifindex"]]
        addrs = list(_objects(rt, links, "addrs", Query(family=family), 0, 0, None))
        return objs, addrs


def text(what: str, objs: Iterable[dict[str, Any]], palette: Palette = PLAIN) -> str:
    """The readable form of `objects`' objects, after ip's (empty when there are none)."""
    return _TEXT[what](list(objs), palette)


def addresses_text(netns: Any = None, *, family: int = C.AF_UNSPEC, palette: Palette = PLAIN,
                   details: bool = False) -> str:
    """``ip addr`` (``ip -4 addr``/``ip -6 addr`` with *family*, ``ip -d addr`` with *details*): every link,
    its addresses below it."""
    links, addrs = collect_by_link(netns, family=family, details=details)
    return addrs_by_link_text(links, addrs, palette, every_link=family == C.AF_UNSPEC)


__all__ = ["NoSuchDevice", "Query", "STREAMED_TEXT", "TABLES", "addresses_text", "collect", "collect_by_link",
           "objects", "text"]
