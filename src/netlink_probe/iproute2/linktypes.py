"""Link-layer types and addresses as iproute2 writes them (lib/ll_types.c, lib/ll_addr.c)."""
from __future__ import annotations

from .. import constants as C
from ..codec.buffer import Buffer
from ..codec.values import ip

# ARPHRD -> iproute2's link type names (lib/ll_types.c)
_LL_TYPES = {0: "generic", **{getattr(C, "ARPHRD_" + k): v for k, v in (
    ("ETHER", "ether"), ("EETHER", "eether"), ("AX25", "ax25"), ("PRONET", "pronet"), ("CHAOS", "chaos"),
    ("IEEE802", "ieee802"), ("ARCNET", "arcnet"), ("APPLETLK", "atalk"), ("DLCI", "dlci"), ("ATM", "atm"),
    ("METRICOM", "metricom"), ("IEEE1394", "ieee1394"), ("INFINIBAND", "infiniband"), ("SLIP", "slip"),
    ("CSLIP", "cslip"), ("SLIP6", "slip6"), ("CSLIP6", "cslip6"), ("RSRVD", "rsrvd"), ("ADAPT", "adapt"),
    ("ROSE", "rose"), ("X25", "x25"), ("HWX25", "hwx25"), ("CAN", "can"), ("PPP", "ppp"), ("HDLC", "hdlc"),
    ("LAPB", "lapb"), ("DDCMP", "ddcmp"), ("RAWHDLC", "rawhdlc"), ("TUNNEL", "ipip"), ("TUNNEL6", "tunnel6"),
    ("FRAD", "frad"), ("SKIP", "skip"), ("LOOPBACK", "loopback"), ("LOCALTLK", "ltalk"), ("FDDI", "fddi"),
    ("BIF", "bif"), ("SIT", "sit"), ("IPDDP", "ip/ddp"), ("IPGRE", "gre"), ("PIMREG", "pimreg"),
    ("HIPPI", "hippi"), ("ASH", "ash"), ("ECONET", "econet"), ("IRDA", "irda"), ("FCPP", "fcpp"),
    ("FCAL", "fcal"), ("FCPL", "fcpl"), ("FCFABRIC", "fcfb0"), ("IEEE802_TR", "tr"), ("IEEE80211", "ieee802.11"),
    ("IEEE80211_PRISM", "ieee802.11/prism"), ("IEEE80211_RADIOTAP", "ieee802.11/radiotap"),
    ("IEEE802154", "ieee802.15.4"), ("IEEE802154_MONITOR", "ieee802.15.4/monitor"), ("PHONET", "phonet"),
    ("PHONET_PIPE", "phonet_pipe"), ("CAIF", "caif"), ("IP6GRE", "gre6"), ("NETLINK", "netlink"),
    ("6LOWPAN", "6lowpan"), ("NONE", "none"), ("VOID", "void")) if hasattr(C, "ARPHRD_" + k)}}
for _i in range(1, 13):
    _LL_TYPES[C.ARPHRD_FCFABRIC + _i] = f"fcfb{_i}"


def ll_type(t: int) -> str:
    """'ether' for ARPHRD_ETHER; unknown types as '[N]'."""
    return _LL_TYPES.get(t, f"[{t}]")


def ll_addr(raw: Buffer, ll_type_: int) -> str:
    """iproute2's ll_addr_n2a: tunnel endpoints as IP addresses, everything else as colon hex."""
    b = bytes(raw)
    if len(b) == 4 and ll_type_ in (C.ARPHRD_TUNNEL, C.ARPHRD_SIT, C.ARPHRD_IPGRE):
        return ip(b)
    if len(b) == 16 and ll_type_ in (C.ARPHRD_TUNNEL6, C.ARPHRD_IP6GRE):
        return ip(b)
    return ":".join(f"{x:02x}" for x in b)


__all__ = ["ll_addr", "ll_type"]
