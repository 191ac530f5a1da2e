"""rtnetlink objects shown as iproute2 shows them: ``ip -j`` JSON (same keys, values and order as
iproute2 6.1) and ip's readable text, one module per object kind.

`show.collect` reads a table from the kernel and renders it (the ``dump``
command); the ``*_json`` renderers take one `Message` and the `Links` index;
`summary` gives the key fields ``monitor`` prints per notification; `names`
holds iproute2's name tables (rt_tables, rt_protos, rt_scopes, group).
"""
from .addrs import addr_json, addrs_text
from .links import Links, link_flags, link_json, links_text
from .names import names, table_id
from .neigh import neigh_json, neigh_text
from .neightbl import ntable_json, ntable_text
from .routes import route_json, routes_text
from .show import TABLES, collect, text
from .summary import summary

__all__ = ["Links", "TABLES", "addr_json", "addrs_text", "collect", "link_flags", "link_json", "links_text",
           "names", "neigh_json", "neigh_text", "ntable_json", "ntable_text", "route_json", "routes_text",
           "summary", "table_id", "text"]
