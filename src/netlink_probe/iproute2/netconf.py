"""Per-device IP configuration as ``ip -j netconf`` and ``ip netconf`` show it (iproute2 6.1 print_netconf).

RTM_NEWNETCONF carries ``struct netconfmsg`` (the family, padded to 4
bytes) and NETCONFA_* attributes; the build headers lack linux/netconf.h,
so its numbers are written here from include/uapi/linux/netconf.h.
NETCONFA_BC_FORWARDING (kernel 4.19+) is not shown: ip 6.1 does not print it.
# TODO(schema): take NETCONFA_* from the typed tables once codec/schema/decode.py lands.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import constants as C
from ..codec.message import Message
from .color import PLAIN, Palette
from .links import Links
from .names import family_name

NETCONFMSG_SIZE = 4  # struct netconfmsg { __u8 ncm_family; } padded to NLMSG_ALIGN
NETCONFA_IFINDEX, NETCONFA_FORWARDING, NETCONFA_RP_FILTER, NETCONFA_MC_FORWARDING = 1, 2, 3, 4
NETCONFA_PROXY_NEIGH, NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, NETCONFA_INPUT = 5, 6, 7
NETCONFA_IFINDEX_ALL, NETCONFA_IFINDEX_DEFAULT = -1, -2
_RP_FILTER = {0: "off", 1: "strict", 2: "loose"}
_BOOLS = (("forwarding", NETCONFA_FORWARDING), ("rp_filter", NETCONFA_RP_FILTER),
          ("mc_forwarding", NETCONFA_MC_FORWARDING), ("proxy_neigh", NETCONFA_PROXY_NEIGH),
          ("ignore_routes_with_linkdown", NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN), ("input", NETCONFA_INPUT))


def dump_payload(family: int = C.AF_UNSPEC) -> bytes:
    """The netconfmsg of an RTM_GETNETCONF dump (AF_UNSPEC: every family that answers)."""
    return bytes([family, 0, 0, 0])


def netconf_json(m: Message, links: Links) -> dict[str, Any] | None:
    """One RTM_NEWNETCONF as `ip -j netconf` prints it."""
    if m.type != C.RTM_NEWNETCONF or m.length - 16 < 1:
        return None
    family = m.payload[0]
    a = m.attrs(NETCONFMSG_SIZE)
    d: dict[str, Any] = {"family": family_name(family)}
    if NETCONFA_IFINDEX in a:
        index = a.s32(NETCONFA_IFINDEX)
        d["interface"] = {NETCONFA_IFINDEX_ALL: "all", NETCONFA_IFINDEX_DEFAULT: "default"}.get(
            index) or links.name(index)
    for key, t in _BOOLS:
        if t in a:
            v = a.u32(t)
            d[key] = _RP_FILTER.get(v, "unknown mode") if t == NETCONFA_RP_FILTER else bool(v)
    return d


def netconf_text(objs: Iterable[dict[str, Any]], palette: Palette = PLAIN) -> str:
    """`ip netconf`'s lines ("inet vb forwarding off rp_filter off ... "), from `netconf_json` objects."""
    lines = []
    for d in objs:
        s = f"{d['family']} "
        if "interface" in d:
            s += f"{palette.paint('ifname', d['interface'])} "
        for key, _ in _BOOLS:
            if key in d:
                v = d[key]
                s += f"{key} {v if isinstance(v, str) else ('on' if v else 'off')} "
        lines.append(s)
    return "\n".join(lines)


__all__ = ["dump_payload", "netconf_json", "netconf_text"]
