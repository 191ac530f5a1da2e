"""IFLA_LINKINFO as ``ip -d -j link`` shows it (iproute2 6.1 print_linktype).

``linkinfo`` has ``info_kind``, then ``info_data`` for the kinds ip has a
printer for (always present for those: ``{}`` when the kernel sent no
IFLA_INFO_DATA), then ``info_slave_kind`` and ``info_slave_data`` likewise.
Each kind is a table of rows read in ip's order (`linkinfo_rows`): data, not
code per kind, in `linkinfo_bridge`, `linkinfo_kinds`, `linkinfo_tunnels`.
Kinds ip 6.1 has no printer for (veth, ifb, dummy, ...) get no
``info_data``, as ip.  The values come typed from the schema decoder
(`codec.schema.decode`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .linkinfo_bridge import BRIDGE, BRIDGE_SLAVE
from .linkinfo_kinds import BOND, BOND_SLAVE, GENEVE, MACVLAN, VLAN, VRF, VRF_SLAVE, VXLAN
from .linkinfo_rows import Row, render
from .linkinfo_tunnels import GRE, IP6TNL, IPTUN

if TYPE_CHECKING:
    from .links import Links

# kind -> its info_data table (ip's link_util print_opt); port kinds are "<master kind>_slave"
KINDS: dict[str, tuple[Row, ...]] = {
    "bridge": BRIDGE, "bridge_slave": BRIDGE_SLAVE, "vxlan": VXLAN, "macvlan": MACVLAN, "macvtap": MACVLAN,
    "vlan": VLAN, "vrf": VRF, "vrf_slave": VRF_SLAVE, "geneve": GENEVE, "bond": BOND, "bond_slave": BOND_SLAVE,
    "gre": GRE, "gretap": GRE, "erspan": GRE, "ipip": IPTUN, "sit": IPTUN, "ip6tnl": IP6TNL,
}


def linkinfo_json(li: dict[str, Any], links: Links) -> dict[str, Any]:
    """The decoded IFLA_LINKINFO as ip -d -j's "linkinfo" object (print_linktype)."""
    d: dict[str, Any] = {}
    kind = li.get("IFLA_INFO_KIND")
    if kind is not None:
        d["info_kind"] = kind
        if kind in KINDS:
            d["info_data"] = render(KINDS[kind], li.get("IFLA_INFO_DATA"), links)
    slave = li.get("IFLA_INFO_SLAVE_KIND")
    if slave is not None:
        d["info_slave_kind"] = slave
        if slave + "_slave" in KINDS:
            d["info_slave_data"] = render(KINDS[slave + "_slave"], li.get("IFLA_INFO_SLAVE_DATA"), links)
    return d


def rendered_kinds() -> frozenset[str]:
    """The kinds (and "<kind>_slave" kinds) whose info_data is rendered as ip 6.1 does."""
    return frozenset(KINDS)


__all__ = ["KINDS", "linkinfo_json", "rendered_kinds"]
