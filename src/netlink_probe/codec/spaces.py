"""Attribute spaces: the names of each space's types, and which space a nested attribute opens.

A space is named by its UNSPEC member as the UAPI headers spell it
('IFLA_UNSPEC', 'NDTPA_UNSPEC').  Nested attributes open another space:
always the same one (IFLA_LINKINFO -> IFLA_INFO_*), one chosen by the link
kind (IFLA_INFO_DATA of a veth -> VETH_INFO_*), by the address family
(IFLA_AF_SPEC's AF_INET entry -> IFLA_INET_*), or an array whose entries are
numbered and each a nest of one space (CTRL_ATTR_MCAST_GROUPS).
"""
from __future__ import annotations

from .. import constants as C

# A nested attribute that always holds attributes of one space.
NESTED: dict[str, str] = {
    "IFLA_LINKINFO": "IFLA_INFO_UNSPEC", "NDTA_PARMS": "NDTPA_UNSPEC", "RTA_METRICS": "RTAX_UNSPEC",
    "IFLA_PROP_LIST": "IFLA_UNSPEC", "IFLA_XDP": "IFLA_XDP_UNSPEC",
    "IFLA_PROTO_DOWN_REASON": "IFLA_PROTO_DOWN_REASON_UNSPEC"}
# IFLA_INFO_DATA by IFLA_INFO_KIND, IFLA_INFO_SLAVE_DATA by IFLA_INFO_SLAVE_KIND.
KIND_DATA: dict[str, str] = {
    "veth": "VETH_INFO_UNSPEC", "bridge": "IFLA_BR_UNSPEC", "vxlan": "IFLA_VXLAN_UNSPEC",
    "macvlan": "IFLA_MACVLAN_UNSPEC", "macvtap": "IFLA_MACVLAN_UNSPEC", "vlan": "IFLA_VLAN_UNSPEC",
    "bond": "IFLA_BOND_UNSPEC", "geneve": "IFLA_GENEVE_UNSPEC", "vrf": "IFLA_VRF_UNSPEC",
    "ipvlan": "IFLA_IPVLAN_UNSPEC", "ipvtap": "IFLA_IPVLAN_UNSPEC", "tun": "IFLA_TUN_UNSPEC",
    "xfrm": "IFLA_XFRM_UNSPEC", "gtp": "IFLA_GTP_UNSPEC", "hsr": "IFLA_HSR_UNSPEC",
    "macsec": "IFLA_MACSEC_UNSPEC", "ipoib": "IFLA_IPOIB_UNSPEC", "ppp": "IFLA_PPP_UNSPEC",
    "rmnet": "IFLA_RMNET_UNSPEC", "bareudp": "IFLA_BAREUDP_UNSPEC", "mctp": "IFLA_MCTP_UNSPEC"}
SLAVE_DATA: dict[str, str] = {"bridge": "IFLA_BRPORT_UNSPEC", "bond": "IFLA_BOND_SLAVE_UNSPEC",
                              "vrf": "IFLA_VRF_PORT_UNSPEC"}
# IFLA_AF_SPEC (outside AF_BRIDGE messages) holds one nest per address family, numbered by AF_*.
AF_SPEC: dict[int, str] = {C.AF_INET: "IFLA_INET_UNSPEC", C.AF_INET6: "IFLA_INET6_UNSPEC"}
AF_NAMES: dict[int, str] = {C.AF_INET: "AF_INET", C.AF_INET6: "AF_INET6", C.AF_BRIDGE: "AF_BRIDGE",
                            C.AF_UNSPEC: "AF_UNSPEC"}
# Arrays: entries numbered 1.., each a nest of this space.
ARRAYS: dict[str, str] = {"CTRL_ATTR_MCAST_GROUPS": "CTRL_ATTR_MCAST_GRP_UNSPEC",
                          "CTRL_ATTR_OPS": "CTRL_ATTR_OP_UNSPEC"}

_SPACE_NAMES: dict[str, dict[int, str]] = {}


def space_names(space: str) -> dict[int, str]:
    """{type number: header name} of an attribute space such as 'IFLA_UNSPEC'."""
    if space not in _SPACE_NAMES:
        _SPACE_NAMES[space] = C.enum_names(space)
    return _SPACE_NAMES[space]


def known(space: str | None) -> bool:
    """Whether the headers define *space* at all."""
    return space is not None and space in C.ENUMS


def prefix(space: str) -> str:
    """'IFLA' of 'IFLA_UNSPEC': how unnamed types of the space are spelled ('IFLA_60')."""
    return space.rsplit("_", 1)[0]


def kind_space(name: str, link_kind: str | None, slave_kind: str | None) -> str | None:
    """The space of IFLA_INFO_DATA / IFLA_INFO_SLAVE_DATA for the link's kinds, when the headers have it."""
    if name == "IFLA_INFO_DATA" and link_kind in KIND_DATA and known(KIND_DATA[link_kind]):
        return KIND_DATA[link_kind]
    if name == "IFLA_INFO_SLAVE_DATA" and slave_kind in SLAVE_DATA:
        return SLAVE_DATA[slave_kind]
    return None


__all__ = ["AF_NAMES", "AF_SPEC", "ARRAYS", "KIND_DATA", "NESTED", "SLAVE_DATA", "kind_space", "known", "prefix",
           "space_names"]
