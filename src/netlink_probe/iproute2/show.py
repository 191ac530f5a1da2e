"""One rtnetlink table read from the kernel and shown as ``ip -j`` shows it: the ``dump`` command's work.

``links`` matches ``ip -j link``; ``addrs`` gives one object per address, as
the entries of ``ip -j -o addr``; ``routes`` follows ``ip -j route`` (IPv4 and
the main table unless told otherwise); ``neigh`` ``ip -j neigh`` (NOARP
entries hidden, as ip does); ``neightbl`` ``ip -j ntable``.  `text` gives
the readable form, after ip's; `addresses_text` is ``ip addr``: the
addresses grouped under their link.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import constants as C
from ..codec import layouts as L
from ..rtnl import Rtnl
from .addrs import addr_json, addrs_by_link_text, addrs_text
from .color import PLAIN, Palette
from .links import Links, link_json, links_text
from .names import table_id
from .neigh import neigh_json, neigh_text
from .neightbl import ntable_json, ntable_text
from .routes import route_json, routes_text

TABLES = ("links", "addrs", "routes", "neigh", "neightbl")
_TEXT: dict[str, Callable[..., str]] = {
    "links": links_text, "addrs": addrs_text, "routes": routes_text, "neigh": neigh_text, "neightbl": ntable_text}


def collect(what: str, netns: Any = None, *, family: int = C.AF_UNSPEC,
            table: str | int | None = None) -> list[dict[str, Any]]:
    """The objects of one dump (*what*: one of `TABLES`) in *netns* as ``ip -j`` shows them.

    *family* filters (routes default to AF_INET); *table* (routes only) is a
    name, number or 'all' (`names.table_id`).  ValueError for an unknown table.
    """
    if what not in TABLES:
        raise ValueError(f"unknown table {what!r}: one of {', '.join(TABLES)}")
    with Rtnl(netns) as rt:
        links = Links(rt.dump("links").all())
        return _objects(rt, links, what, family, table)


def _objects(rt: Rtnl, links: Links, what: str, family: int, table: str | int | None) -> list[dict[str, Any]]:
    if what == "links":
        return [link_json(m, links) for m in links.messages]
    if what == "addrs":
        return [d for m in rt.dump("addrs", family).all() if m.type == C.RTM_NEWADDR
                for d in [addr_json(m, links)]
                if family == C.AF_UNSPEC or m.header(L.IFADDRMSG).ifa_family == family]
    if what == "routes":
        fam = C.AF_INET if family == C.AF_UNSPEC else family
        tb = table_id(table)
        objs = [route_json(m, links, fam, tb) for m in rt.dump("routes", fam).all()]
    elif what == "neigh":
        objs = [neigh_json(m, links, family) for m in rt.dump("neigh", family).all()]
    else:
        objs = [ntable_json(m, links) for m in rt.dump("neightbl", family).all()]
    return [d for d in objs if d is not None]


def collect_by_link(netns: Any = None, *, family: int = C.AF_UNSPEC) -> tuple[list[dict[str, Any]],
                                                                              list[dict[str, Any]]]:
    """(links, addresses) read in one session, as ``ip addr`` shows them together (`addrs_by_link_text`)."""
    with Rtnl(netns) as rt:
        # ip asks for the links in the address family too: for AF_INET6 the kernel answers from
        # inet6_dump_ifinfo (name, mtu, operstate, txqlen: no qdisc, master or group), as `ip -6 addr` shows
        links = Links(rt.dump("links", family).all())
        # ip addr shows no "mode" (IFLA_LINKMODE): print_linkinfo leaves it to `ip link`
        objs = [link_json(m, links, with_linkmode=False) for m in links.messages]
        if any("txqlen" not in d for d in objs):  # ip's print_queuelen asks SIOCGIFTXQLEN then: the same value
            every = Links(rt.dump("links").all())
            qlen = {index: q for m in every.messages
                    for index, q in [(m.header(L.IFINFOMSG).ifi_index, m.attrs(L.IFINFOMSG.size).u32(C.IFLA_TXQLEN))]}
            for d in objs:
                if "txqlen" not in d and qlen.get(d["ifindex"]):
                    d["txqlen"] = qlen[d["ifindex"]]
        return objs, _objects(rt, links, "addrs", family, None)


def text(what: str, objs: list[dict[str, Any]], palette: Palette = PLAIN) -> str:
    """The readable form of `collect`'s objects, after ip's (empty when there are none)."""
    return _TEXT[what](objs, palette)


def addresses_text(netns: Any = None, *, family: int = C.AF_UNSPEC, palette: Palette = PLAIN) -> str:
    """``ip addr`` (``ip -4 addr``/``ip -6 addr`` with *family*): every link, its addresses below it."""
    links, addrs = collect_by_link(netns, family=family)
    return addrs_by_link_text(links, addrs, palette, every_link=family == C.AF_UNSPEC)


__all__ = ["TABLES", "addresses_text", "collect", "collect_by_link", "text"]
