"""What ``ip -d link`` adds to a link (iproute2 6.1 print_linkinfo's show_details block), JSON and text.

In ip's order: promiscuity, allmulti, min_mtu, max_mtu, linkinfo
(`linkinfo.linkinfo_json`), the IPv6 address generation mode from
IFLA_AF_SPEC (``ip link`` only, not ``ip addr``), queue counts, GSO/TSO/GRO
limits, physical port and parent device names.  Limits ip 6.1 does not know
(IFLA_GSO_IPV4_MAX_SIZE, IFLA_GRO_IPV4_MAX_SIZE of kernel 6.3+) are not shown.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .linkinfo import linkinfo_json

if TYPE_CHECKING:
    from .links import Links

_ADDR_GEN_MODES = {0: "eui64", 1: "none", 2: "stable_secret", 3: "random"}  # IN6_ADDR_GEN_MODE_*
_U32_TAIL = (("num_tx_queues", "IFLA_NUM_TX_QUEUES"), ("num_rx_queues", "IFLA_NUM_RX_QUEUES"),
             ("gso_max_size", "IFLA_GSO_MAX_SIZE"), ("gso_max_segs", "IFLA_GSO_MAX_SEGS"),
             ("tso_max_size", "IFLA_TSO_MAX_SIZE"), ("tso_max_segs", "IFLA_TSO_MAX_SEGS"),
             ("gro_max_size", "IFLA_GRO_MAX_SIZE"))
# the text words ip prints for the JSON keys above
_TEXT_WORDS = {"promiscuity": "promiscuity", "allmulti": " allmulti", "min_mtu": "minmtu", "max_mtu": "maxmtu",
               "inet6_addr_gen_mode": "addrgenmode", "num_tx_queues": "numtxqueues",
               "num_rx_queues": "numrxqueues", "parentbus": "parentbus", "parentdev": "parentdev",
               "phys_port_name": "portname", "phys_port_id": "portid", "phys_switch_id": "switchid"}


def addr_gen_mode(af_spec: Any) -> str | None:
    """The decoded IFLA_AF_SPEC's AF_INET6 IFLA_INET6_ADDR_GEN_MODE as ip names it, or None when absent."""
    inet6 = af_spec.get("AF_INET6") if isinstance(af_spec, dict) else None
    mode = inet6.get("IFLA_INET6_ADDR_GEN_MODE") if isinstance(inet6, dict) else None
    if not isinstance(mode, int):
        return None
    return _ADDR_GEN_MODES.get(mode, f"{mode:#04x}")


def detail_json(dec: dict[str, Any], links: Links, *, do_link: bool = True) -> dict[str, Any]:
    """The keys `ip -d -j link` (*do_link*) or `ip -d -j addr` adds, from one link's decoded attributes
    (`codec.schema.decode.decode_attrs` of the link space)."""
    d: dict[str, Any] = {}
    for key, attr in (("promiscuity", "IFLA_PROMISCUITY"), ("allmulti", "IFLA_ALLMULTI"),
                      ("min_mtu", "IFLA_MIN_MTU"), ("max_mtu", "IFLA_MAX_MTU")):
        if attr in dec:
            d[key] = dec[attr]
    if isinstance(dec.get("IFLA_LINKINFO"), dict):
        d["linkinfo"] = linkinfo_json(dec["IFLA_LINKINFO"], links)
    if do_link and "IFLA_AF_SPEC" in dec:
        mode = addr_gen_mode(dec["IFLA_AF_SPEC"])
        if mode is not None:
            d["inet6_addr_gen_mode"] = mode
    for key, attr in _U32_TAIL:
        if attr in dec:
            d[key] = dec[attr]
    if "IFLA_PHYS_PORT_NAME" in dec:
        d["phys_port_name"] = dec["IFLA_PHYS_PORT_NAME"]
    for key, attr in (("phys_port_id", "IFLA_PHYS_PORT_ID"), ("phys_switch_id", "IFLA_PHYS_SWITCH_ID")):
        if attr in dec:
            v = dec[attr]
            d[key] = bytes(v).hex() if isinstance(v, (bytes, bytearray, memoryview)) else str(v).replace(":", "")
    for key, attr in (("parentbus", "IFLA_PARENT_DEV_BUS_NAME"), ("parentdev", "IFLA_PARENT_DEV_NAME")):
        if attr in dec:
            d[key] = dec[attr]
    return d


def _pairs(obj: dict[str, Any]) -> str:
    out = []
    for k, v in obj.items():
        if isinstance(v, bool):
            out.append(f"{k} {'on' if v else 'off'}")
        elif isinstance(v, dict):
            out.append(f"{k} " + " ".join(str(x) for x in v.values()))
        elif isinstance(v, list):
            out.append(f"{k} {','.join(map(str, v))}")
        else:
            out.append(f"{k} {v}")
    return " ".join(out)


def detail_text(d: dict[str, Any]) -> str:
    """The text `ip -d link` appends to the link/ line for a `detail_json`-extended object: the counters,
    then the kind (and slave kind) on lines of their own, then the rest (info_data keys by their JSON names)."""
    s = ""
    for key in ("promiscuity", "allmulti", "min_mtu", "max_mtu"):
        if key in d:
            s += f" {_TEXT_WORDS[key]} {d[key]}"
    if "promiscuity" in d:
        s += " "
    li = d.get("linkinfo")
    if li:
        if "info_kind" in li:
            s += f"\n    {li['info_kind']} " + (_pairs(li["info_data"]) + " " if li.get("info_data") else "")
        if "info_slave_kind" in li:
            s += f"\n    {li['info_slave_kind']}_slave " + \
                (_pairs(li["info_slave_data"]) + " " if li.get("info_slave_data") else "")
    for key in ("inet6_addr_gen_mode", *(k for k, _ in _U32_TAIL), "phys_port_name", "phys_port_id",
                "phys_switch_id", "parentbus", "parentdev"):
        if key in d:
            s += f"{_TEXT_WORDS.get(key, key)} {d[key]} "
    return s


__all__ = ["addr_gen_mode", "detail_json", "detail_text"]
