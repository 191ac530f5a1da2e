"""IFLA_LINKINFO as ``ip -d -j link`` shows it (iproute2 6.1 print_linktype and the per-kind print_opt).

``linkinfo`` has ``info_kind``, then ``info_data`` for the kinds ip has a
printer for (always present for those, ``{}`` when the kernel sent no
IFLA_INFO_DATA), then ``info_slave_kind`` and ``info_slave_data`` likewise.
Each kind is a table of rows (json key, attribute, how to show it) read in
ip's order: data, not code per kind.  Kinds ip 6.1 prints nothing for (veth,
ifb, dummy) have no table, so no ``info_data``, as ip.

The values come typed from the schema decoder (`codec.schema.decode`, the
link space's IFLA_LINKINFO); the one struct it leaves as bytes
(``struct ifla_bridge_id``) is read here.  # TODO(schema): drop that once typed.
"""
from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .links import Links


# How a row shows a decoded value: (value, links) -> what ip prints, or _ABSENT to print nothing.
Reader = Callable[[Any, "Links"], Any]
_ABSENT = object()


def _same(v: Any, _: Links) -> Any:
    return v


def _bool(v: Any, _: Links) -> bool:
    return bool(v)


def _true(v: Any, _: Links) -> Any:
    """ip's `if (tb[X] && rta_getattr_u8(tb[X])) print_bool(X, true)`: shown only when set."""
    return True if v else _ABSENT


def _flag(v: Any, _: Links) -> bool:
    return True


def c_hex(v: int) -> str:
    """C's "%#x": 0x-prefixed hex, except 0 is "0" (print_0xhex's JSON form)."""
    return f"{v:#x}" if v else "0"


def _hex(v: Any, _: Links) -> str:
    return c_hex(v)


def _hex_0x(v: Any, _: Links) -> str:
    return f"{v:#x}"


def _timer(v: Any, _: Links) -> float:
    """A bridge timer (clock_t, USER_HZ 100) as ip prints it: "%i.%.2i" seconds (a JSON number)."""
    return float(f"{v // 100}.{v % 100:02d}")


def _bridge_id(v: Any, _: Links = None) -> str:  # type: ignore[assignment]
    """struct ifla_bridge_id {u8 prio[2]; u8 addr[6]} as ip's br_dump_bridge_id: "8000.aa:bb:...".
    # TODO(schema): the tables leave IFLA_BR_BRIDGE_ID/ROOT_ID as bytes; read the struct here."""
    if isinstance(v, dict):  # once typed: {prio: [..], addr: ..}
        v = bytes(v.get("prio", b"")) + bytes.fromhex(str(v.get("addr", "")).replace(":", ""))
    b = bytes(v)
    return f"{b[0]:02x}{b[1]:02x}." + ":".join(f"{x:x}" for x in b[2:8])  # ether_ntoa_r: no zero padding


def _link_name(v: Any, links: Links) -> Any:
    return links.name(v) if v else _ABSENT


def _names(table: dict[int, str]) -> Reader:
    def read(v: Any, _: Links) -> Any:
        return table.get(v, str(v))
    return read


def _ip_set(v: Any, _: Links) -> Any:
    """An address attribute ip shows only when not all zeros."""
    return v if v not in ("0.0.0.0", "::") else _ABSENT


def _nonzero(v: Any, _: Links) -> Any:
    return v if v else _ABSENT


def _tos(v: Any, _: Links) -> Any:
    """JSON shows a set TOS as print_0xhex does, 1 (inherit) as "0x1"; the text says "inherit"."""
    return c_hex(v) if v else _ABSENT


def _label(v: Any, _: Links) -> Any:
    return c_hex(v) if v else _ABSENT


def _vlan_proto(v: Any, _: Links) -> str:
    return {0x8100: "802.1Q", 0x88A8: "802.1ad"}.get(v, f"{v:x}")


def _boolopt(bit: int) -> Reader:
    """One bit of IFLA_BR_MULTI_BOOLOPT (struct br_boolopt_multi {optval, optmask}) as 0/1."""
    def read(v: Any, _: Links) -> int:
        return int(bool(v["optval"] & bit)) if isinstance(v, dict) else 0
    return read


Row = tuple[str, str, Reader]

_BR_STATES = {0: "disabled", 1: "listening", 2: "learning", 3: "forwarding", 4: "blocking"}

BRIDGE: tuple[Row, ...] = (
    ("forward_delay", "IFLA_BR_FORWARD_DELAY", _same), ("hello_time", "IFLA_BR_HELLO_TIME", _same),
    ("max_age", "IFLA_BR_MAX_AGE", _same), ("ageing_time", "IFLA_BR_AGEING_TIME", _same),
    ("stp_state", "IFLA_BR_STP_STATE", _same), ("priority", "IFLA_BR_PRIORITY", _same),
    ("vlan_filtering", "IFLA_BR_VLAN_FILTERING", _same), ("vlan_protocol", "IFLA_BR_VLAN_PROTOCOL", _vlan_proto),
    ("bridge_id", "IFLA_BR_BRIDGE_ID", _bridge_id), ("root_id", "IFLA_BR_BRIDGE_ID", _bridge_id),
    ("root_port", "IFLA_BR_ROOT_PORT", _same), ("root_path_cost", "IFLA_BR_ROOT_PATH_COST", _same),
    ("topology_change", "IFLA_BR_TOPOLOGY_CHANGE", _same),
    ("topology_change_detected", "IFLA_BR_TOPOLOGY_CHANGE_DETECTED", _same),
    ("hello_timer", "IFLA_BR_HELLO_TIMER", _timer), ("tcn_timer", "IFLA_BR_TCN_TIMER", _timer),
    ("topology_change_timer", "IFLA_BR_TOPOLOGY_CHANGE_TIMER", _timer), ("gc_timer", "IFLA_BR_GC_TIMER", _timer),
    ("vlan_default_pvid", "IFLA_BR_VLAN_DEFAULT_PVID", _same),
    ("vlan_stats_enabled", "IFLA_BR_VLAN_STATS_ENABLED", _same),
    ("vlan_stats_per_port", "IFLA_BR_VLAN_STATS_PER_PORT", _same),
    ("group_fwd_mask", "IFLA_BR_GROUP_FWD_MASK", _hex),
    ("group_addr", "IFLA_BR_GROUP_ADDR", _same),
    ("mcast_snooping", "IFLA_BR_MCAST_SNOOPING", _same),
        ("no_linklocal_learn", "IFLA_BR_MULTI_BOOLOPT", _boolopt(1)),  # BR_BOOLOPT_NO_LL_LEARN
    ("mcast_vlan_snooping", "IFLA_BR_MULTI_BOOLOPT", _boolopt(2)),  # BR_BOOLOPT_MCAST_VLAN_SNOOPING
    ("mcast_router", "IFLA_BR_MCAST_ROUTER", _same),
    ("mcast_query_use_ifaddr", "IFLA_BR_MCAST_QUERY_USE_IFADDR", _same),
    ("mcast_querier", "IFLA_BR_MCAST_QUERIER", _same),
    ("mcast_hash_elasticity", "IFLA_BR_MCAST_HASH_ELASTICITY", _same),
    ("mcast_hash_max", "IFLA_BR_MCAST_HASH_MAX", _same),
    ("mcast_last_member_cnt", "IFLA_BR_MCAST_LAST_MEMBER_CNT", _same),
    ("mcast_startup_query_cnt", "IFLA_BR_MCAST_STARTUP_QUERY_CNT", _same),
    ("mcast_last_member_intvl", "IFLA_BR_MCAST_LAST_MEMBER_INTVL", _same),
    ("mcast_membership_intvl", "IFLA_BR_MCAST_MEMBERSHIP_INTVL", _same),
    ("mcast_querier_intvl", "IFLA_BR_MCAST_QUERIER_INTVL", _same),
    ("mcast_query_intvl", "IFLA_BR_MCAST_QUERY_INTVL", _same),
    ("mcast_query_response_intvl", "IFLA_BR_MCAST_QUERY_RESPONSE_INTVL", _same),
    ("mcast_startup_query_intvl", "IFLA_BR_MCAST_STARTUP_QUERY_INTVL", _same),
    ("mcast_stats_enabled", "IFLA_BR_MCAST_STATS_ENABLED", _same),
    ("mcast_igmp_version", "IFLA_BR_MCAST_IGMP_VERSION", _same),
    ("mcast_mld_version", "IFLA_BR_MCAST_MLD_VERSION", _same),
    ("nf_call_iptables", "IFLA_BR_NF_CALL_IPTABLES", _same),
    ("nf_call_ip6tables", "IFLA_BR_NF_CALL_IP6TABLES", _same),
    ("nf_call_arptables", "IFLA_BR_NF_CALL_ARPTABLES", _same),
)

BRIDGE_SLAVE: tuple[Row, ...] = (
    ("state", "IFLA_BRPORT_STATE", _names(_BR_STATES)),
    ("priority", "IFLA_BRPORT_PRIORITY", _same), ("cost", "IFLA_BRPORT_COST", _same),
    ("hairpin", "IFLA_BRPORT_MODE", _bool), ("guard", "IFLA_BRPORT_GUARD", _bool),
    ("root_block", "IFLA_BRPORT_PROTECT", _bool), ("fastleave", "IFLA_BRPORT_FAST_LEAVE", _bool),
    ("learning", "IFLA_BRPORT_LEARNING", _bool), ("flood", "IFLA_BRPORT_UNICAST_FLOOD", _bool),
    ("id", "IFLA_BRPORT_ID", _hex_0x),
    ("no", "IFLA_BRPORT_NO", _hex_0x),
    ("designated_port", "IFLA_BRPORT_DESIGNATED_PORT", _same),
    ("designated_cost", "IFLA_BRPORT_DESIGNATED_COST", _same),
    ("bridge_id", "IFLA_BRPORT_BRIDGE_ID", _bridge_id), ("root_id", "IFLA_BRPORT_ROOT_ID", _bridge_id),
    ("hold_timer", "IFLA_BRPORT_HOLD_TIMER", _timer),
    ("message_age_timer", "IFLA_BRPORT_MESSAGE_AGE_TIMER", _timer),
    ("forward_delay_timer", "IFLA_BRPORT_FORWARD_DELAY_TIMER", _timer),
    ("topology_change_ack", "IFLA_BRPORT_TOPOLOGY_CHANGE_ACK", _same),
    ("config_pending", "IFLA_BRPORT_CONFIG_PENDING", _same),
    ("proxy_arp", "IFLA_BRPORT_PROXYARP", _bool), ("proxy_arp_wifi", "IFLA_BRPORT_PROXYARP_WIFI", _bool),
    ("multicast_router", "IFLA_BRPORT_MULTICAST_ROUTER", _same),
    ("mcast_flood", "IFLA_BRPORT_MCAST_FLOOD", _bool), ("bcast_flood", "IFLA_BRPORT_BCAST_FLOOD", _bool),
    ("mcast_to_unicast", "IFLA_BRPORT_MCAST_TO_UCAST", _bool),
    ("neigh_suppress", "IFLA_BRPORT_NEIGH_SUPPRESS", _bool),
    ("group_fwd_mask", "IFLA_BRPORT_GROUP_FWD_MASK", _hex),
    ("group_fwd_mask_str", "IFLA_BRPORT_GROUP_FWD_MASK", _hex_0x),
    ("vlan_tunnel", "IFLA_BRPORT_VLAN_TUNNEL", _bool), ("isolated", "IFLA_BRPORT_ISOLATED", _bool),
    ("backup_port", "IFLA_BRPORT_BACKUP_PORT", _link_name),
    ("locked", "IFLA_BRPORT_LOCKED", _bool),
)


def _port_range(v: Any, _: Links) -> Any:
    return {"low": v["low"], "high": v["high"]} if isinstance(v, dict) else _ABSENT


def _multicast(addr: str) -> bool:
    if ":" in addr:
        return addr.lower().startswith("ff")
    return 224 <= int(addr.split(".")[0]) < 240


def _vxlan_peer(suffix: str) -> Reader:
    """IFLA_VXLAN_GROUP/GROUP6: a multicast address is the "group", any other the "remote" (ip's choice),
    "group6"/"remote6" for IPv6."""
    def read(v: Any, _: Links) -> Any:
        if not isinstance(v, str) or v in ("0.0.0.0", "::"):
            return _ABSENT
        return ("group" if _multicast(v) else "remote") + suffix, v
    return read


def _inherit(v: Any, _: Links) -> Any:
    return "inherit" if v else _ABSENT


_DF = {0: "unset", 1: "set", 2: "inherit"}
VXLAN: tuple[Row, ...] = (
    ("external", "IFLA_VXLAN_COLLECT_METADATA", _true),
    ("id", "IFLA_VXLAN_ID", _same),
    ("*", "IFLA_VXLAN_GROUP", _vxlan_peer("")), ("*", "IFLA_VXLAN_GROUP6", _vxlan_peer("6")),
    ("local", "IFLA_VXLAN_LOCAL", _ip_set), ("local6", "IFLA_VXLAN_LOCAL6", _ip_set),
    ("link", "IFLA_VXLAN_LINK", _link_name),
    ("port_range", "IFLA_VXLAN_PORT_RANGE", _port_range),
    ("port", "IFLA_VXLAN_PORT", _same),
    ("learning", "IFLA_VXLAN_LEARNING", _bool),
    ("proxy", "IFLA_VXLAN_PROXY", _true), ("rsc", "IFLA_VXLAN_RSC", _true),
    ("l2miss", "IFLA_VXLAN_L2MISS", _true), ("l3miss", "IFLA_VXLAN_L3MISS", _true),
    ("tos", "IFLA_VXLAN_TOS", _tos),
    ("ttl", "IFLA_VXLAN_TTL_INHERIT", _inherit),
    ("ttl", "IFLA_VXLAN_TTL", _same),
    ("df", "IFLA_VXLAN_DF", _names(_DF)),
    ("label", "IFLA_VXLAN_LABEL", _label),
    ("ageing", "IFLA_VXLAN_AGEING", _same),
    ("limit", "IFLA_VXLAN_LIMIT", _nonzero),
    ("udp_csum", "IFLA_VXLAN_UDP_CSUM", _bool),
    ("udp_zero_csum6_tx", "IFLA_VXLAN_UDP_ZERO_CSUM6_TX", _bool),
    ("udp_zero_csum6_rx", "IFLA_VXLAN_UDP_ZERO_CSUM6_RX", _bool),
    ("remcsum_tx", "IFLA_VXLAN_REMCSUM_TX", _true), ("remcsum_rx", "IFLA_VXLAN_REMCSUM_RX", _true),
    ("gbp", "IFLA_VXLAN_GBP", _flag), ("gpe", "IFLA_VXLAN_GPE", _flag),
)

_MACVLAN_MODES = {1: "private", 2: "vepa", 4: "bridge", 8: "passthru", 16: "source"}


def _bit(mask: int) -> Reader:
    def read(v: Any, _: Links) -> Any:
        return True if v & mask else _ABSENT
    return read


MACVLAN: tuple[Row, ...] = (
    ("mode", "IFLA_MACVLAN_MODE", _names(_MACVLAN_MODES)),
    ("nopromisc", "IFLA_MACVLAN_FLAGS", _bit(1)),  # MACVLAN_FLAG_NOPROMISC
    ("nodst", "IFLA_MACVLAN_FLAGS", _bit(2)),  # MACVLAN_FLAG_NODST
    ("macaddr_count", "IFLA_MACVLAN_MACADDR_COUNT", _nonzero),
    ("bcqueuelen", "IFLA_MACVLAN_BC_QUEUE_LEN", _same),
    ("usedbcqueuelen", "IFLA_MACVLAN_BC_QUEUE_LEN_USED", _same),
)

_VLAN_FLAGS = (("REORDER_HDR", 1), ("GVRP", 2), ("LOOSE_BINDING", 4), ("MVRP", 8), ("BRIDGE_BINDING", 16))


def _vlan_flags(v: Any, _: Links) -> Any:
    if isinstance(v, dict):  # struct ifla_vlan_flags {flags, mask}
        flags = v.get("flags", 0)
    elif isinstance(v, (bytes, bytearray)) and len(v) >= 4:  # TODO(schema): until the tables type it
        flags = struct.unpack_from("=I", v)[0]
    else:
        return _ABSENT
    return [name for name, bit in _VLAN_FLAGS if flags & bit]


VLAN: tuple[Row, ...] = (
    ("protocol", "IFLA_VLAN_PROTOCOL", _vlan_proto),
    ("id", "IFLA_VLAN_ID", _same),
    ("flags", "IFLA_VLAN_FLAGS", _vlan_flags),
)

VRF: tuple[Row, ...] = (("table", "IFLA_VRF_TABLE", _same),)

GENEVE: tuple[Row, ...] = (
    ("external", "IFLA_GENEVE_COLLECT_METADATA", _flag),
    ("id", "IFLA_GENEVE_ID", _same),
    ("remote", "IFLA_GENEVE_REMOTE", _ip_set), ("remote6", "IFLA_GENEVE_REMOTE6", _ip_set),
    ("ttl", "IFLA_GENEVE_TTL_INHERIT", _inherit),
    ("ttl", "IFLA_GENEVE_TTL", _same),
    ("tos", "IFLA_GENEVE_TOS", _tos),
    ("df", "IFLA_GENEVE_DF", _names(_DF)),
    ("label", "IFLA_GENEVE_LABEL", _label),
    ("port", "IFLA_GENEVE_PORT", _same),
    ("udp_csum", "IFLA_GENEVE_UDP_CSUM", _bool),
    ("udp_zero_csum6_tx", "IFLA_GENEVE_UDP_ZERO_CSUM6_TX", _bool),
    ("udp_zero_csum6_rx", "IFLA_GENEVE_UDP_ZERO_CSUM6_RX", _bool),
)

# kind -> its info_data table (ip's link_util print_opt); slave kinds are "<kind>_slave"
KINDS: dict[str, tuple[Row, ...]] = {
    "bridge": BRIDGE, "bridge_slave": BRIDGE_SLAVE, "vxlan": VXLAN, "macvlan": MACVLAN, "macvtap": MACVLAN,
    "vlan": VLAN, "vrf": VRF, "geneve": GENEVE,
}


def render(rows: tuple[Row, ...], data: dict[str, Any] | None, links: Links) -> dict[str, Any]:
    """One info_data object from the decoded IFLA_INFO_DATA: every row whose attribute is present, in the
    table's (ip's) order.  A "*" row's reader returns (key, value): vxlan's group-or-remote."""
    out: dict[str, Any] = {}
    if not isinstance(data, dict):
        return out
    for key, attr, read in rows:
        if attr not in data:
            continue
        v = read(data[attr], links)
        if v is _ABSENT:
            continue
        if key == "*":
            key, v = v
        if key not in out:  # the first of two rows for one key wins (ttl inherit before ttl N), as ip's else-if
            out[key] = v
    return out


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
    """The kinds (and "<kind>_slave" kinds) whose info_data this module renders as ip 6.1 does."""
    return frozenset(KINDS)


__all__ = ["BRIDGE", "BRIDGE_SLAVE", "GENEVE", "KINDS", "MACVLAN", "c_hex", "VLAN", "VRF", "VXLAN", "linkinfo_json", "render",
           "rendered_kinds"]
