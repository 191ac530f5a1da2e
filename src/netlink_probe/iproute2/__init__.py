"""rtnetlink objects shown as iproute2 shows them: ``ip -j`` JSON (same keys, values and order as
iproute2 6.1) and ip's readable text, one module per object kind.

`show.collect` reads a table from the kernel and renders it (the ``dump``
command), `show.addresses_text` is ``ip addr`` (addresses under their link);
the ``*_json`` renderers take one `Message` and the `Links` index; the
``*_text`` ones take a `color.Palette` (``ip -color``); `summary` gives the
key fields ``monitor`` prints per notification; `names` holds iproute2's name
tables (rt_tables, rt_protos, rt_scopes, group, address families);
`monitor` ``ip monitor``'s default groups and timestamps.
"""
from .addrs import addr_json, addrs_by_link_text, addrs_text
from .color import PLAIN, Palette
from .links import Links, link_flags, link_json, links_text
from .monitor import DEFAULT_GROUPS, default_groups, timestamp, timestamp_short
from .names import family_name, names, table_id
from .neigh import neigh_json, neigh_text
from .neightbl import ntable_json, ntable_text
from .routes import route_json, routes_text
from .show import TABLES, addresses_text, collect, text
from .summary import summary

__all__ = ["DEFAULT_GROUPS", "Links", "PLAIN", "Palette", "TABLES", "addr_json", "addresses_text", "addrs_by_link_text",
           "addrs_text", "collect", "default_groups", "family_name", "link_flags", "link_json", "links_text", "names",
           "neigh_json", "neigh_text", "ntable_json", "ntable_text", "route_json", "routes_text", "summary",
           "table_id", "text", "timestamp", "timestamp_short"]
