"""rtnetlink objects shown as iproute2 shows them: ``ip -j`` JSON (same keys, values and order as
iproute2 6.1) and ip's readable text, one module per object kind.

`show.collect` reads a table from the kernel and renders it (the ``dump``
command), `show.addresses_text` is ``ip addr`` (addresses under their link);
the ``*_json`` renderers take one `Message` and the `Links` index; the
``*_text`` ones take a `color.Palette` (``ip -color``); `summary` gives the
key fields ``monitor`` prints per notification; `names` holds iproute2's name
tables (rt_tables, rt_protos, rt_scopes, group, address families);
`monitor` ``ip monitor``'s default groups and timestamps.

The names are loaded on first use (`netlink_probe._lazy`): a command that
renders routes does not import the link, address and neighbour renderers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import exports

if TYPE_CHECKING:
    from .addrs import addr_json, addrs_by_link_text, addrs_text
    from .color import PLAIN, Palette
    from .links import Links, link_flags, link_json, links_text
    from .monitor import DEFAULT_GROUPS, default_groups, timestamp, timestamp_short
    from .names import family_name, table_id
    from .neigh import neigh_json, neigh_text
    from .neightbl import ntable_json, ntable_text
    from .routes import route_json, routes_text
    from .show import TABLES, addresses_text, collect, text

_WHERE = {"addr_json": ".addrs", "addrs_by_link_text": ".addrs", "addrs_text": ".addrs", "PLAIN": ".color", "Palette":
          ".color", "Links": ".links", "link_flags": ".links", "link_json": ".links", "links_text": ".links",
          "DEFAULT_GROUPS": ".monitor", "default_groups": ".monitor", "timestamp": ".monitor", "timestamp_short":
          ".monitor", "family_name": ".names", "table_id": ".names", "neigh_json": ".neigh",
          "neigh_text": ".neigh", "ntable_json": ".neightbl", "ntable_text": ".neightbl", "route_json": ".routes",
          "routes_text": ".routes", "TABLES": ".show", "addresses_text": ".show", "collect": ".show", "text": ".show"}
__getattr__, __dir__ = exports(__name__, _WHERE)
__all__ = ["DEFAULT_GROUPS", "Links", "PLAIN", "Palette", "TABLES", "addr_json", "addresses_text",
           "addrs_by_link_text", "addrs_text", "collect", "default_groups", "family_name", "link_flags", "link_json",
           "links_text", "neigh_json", "neigh_text", "ntable_json", "ntable_text", "route_json", "routes_text",
           "table_id", "text", "timestamp", "timestamp_short"]
