"""Links as ``ip -j link`` and ``ip link`` show them (iproute2 6.1 print_linkinfo), and the link index
every other table uses to name devices."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import constants as C
from ..codec import layouts as L
from ..codec.message import Message
from ..codec.rtnl import attrs_dict
from ..codec.values import text
from .color import PLAIN, Palette
from .linktypes import ll_addr, ll_type
from .names import names

_IFF_ORDER = ("LOOPBACK", "BROADCAST", "POINTOPOINT", "MULTICAST", "NOARP", "ALLMULTI", "PROMISC", "MASTER",
              "SLAVE", "DEBUG", "DYNAMIC", "AUTOMEDIA", "PORTSEL", "NOTRAILERS", "UP", "LOWER_UP", "DORMANT",
              "ECHO")
_OPER = ("UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP")
_LINKMODES = ("DEFAULT", "DORMANT")


def link_flags(flags: int, mdown: bool = False) -> list[str]:
    """ip's print_link_flags: NO-CARRIER first, the IFF_ names in its order, M-DOWN last."""
    out = []
    if flags & C.IFF_UP and not flags & C.IFF_RUNNING:
        out.append("NO-CARRIER")
    flags &= ~C.IFF_RUNNING
    for name in _IFF_ORDER:
        bit = getattr(C, "IFF_" + name, 0)
        if bit and flags & bit:
            out.append(name)
            flags &= ~bit
    if flags:
        out.append(f"{flags:x}")
    if mdown:
        out.append("M-DOWN")
    return out


class Links:
    """The link dump, and the index -> (name, flags, type) map every other table needs."""

    def __init__(self, messages: Iterable[Message]):
        self.messages = [m for m in messages if m.type == C.RTM_NEWLINK]
        self.by_index: dict[int, tuple[str, int, int]] = {}
        for m in self.messages:
            h = m.header(L.IFINFOMSG)
            name = m.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME, "")
            self.by_index[h.ifi_index] = (name, h.ifi_flags, h.ifi_type)

    def name(self, index: int) -> str:
        """The name of link *index*, or "ifN" when the dump did not show it."""
        e = self.by_index.get(index)
        return e[0] if e else f"if{index}"

    def flags(self, index: int) -> int:
        """The IFF_ flags of link *index* (0 when unknown)."""
        e = self.by_index.get(index)
        return e[1] if e else 0

    def type(self, index: int) -> int:
        """The ARPHRD_ type of link *index* (0 when unknown)."""
        e = self.by_index.get(index)
        return e[2] if e else 0


def link_json(m: Message, links: Links, *, with_linkmode: bool = True, details: bool = False,
              stats: int = 0) -> dict[str, Any]:
    """One RTM_NEWLINK as `ip -j link` prints it (iproute2 print_linkinfo).

    *with_linkmode* False is `ip addr`'s view of the link (ip's do_link off: no mode, af_spec, stats);
    *details* adds what `ip -d` prints (`details.detail_json`), *stats* 1 or 2 what `-s`/`-s -s` print."""
    h = m.header(L.IFINFOMSG)
    ltype, flags = h.ifi_type, h.ifi_flags
    a = m.attrs(L.IFINFOMSG.size)
    d: dict[str, Any] = {}
    if m.type == C.RTM_DELLINK:
        d["deleted"] = True
    d["ifindex"] = h.ifi_index
    mdown = False
    iflink = a.u32(C.IFLA_LINK)
    if iflink is not None:
        if iflink == 0:
            d["link"] = None
        elif C.IFLA_LINK_NETNSID in a:
            d["link_index"] = iflink
        else:
            d["link"] = links.name(iflink)
            mdown = not links.flags(iflink) & C.IFF_UP
    d["ifname"] = a.str(C.IFLA_IFNAME)
    d["flags"] = link_flags(flags, mdown)
    if C.IFLA_MTU in a:
        d["mtu"] = a.u32(C.IFLA_MTU)
    if C.IFLA_QDISC in a:
        d["qdisc"] = a.str(C.IFLA_QDISC)
    if C.IFLA_MASTER in a:
        d["master"] = links.name(a.u32(C.IFLA_MASTER))
    if C.IFLA_OPERSTATE in a:
        st = a.u8(C.IFLA_OPERSTATE)
        if st < len(_OPER):
            d["operstate"] = _OPER[st]
        else:
            d["operstate_index"] = st
    if with_linkmode and C.IFLA_LINKMODE in a:
        mode = a.u8(C.IFLA_LINKMODE)
        if mode < len(_LINKMODES):
            d["linkmode"] = _LINKMODES[mode]
        else:
            d["linkmode_index"] = mode
    if C.IFLA_GROUP in a:
        g = a.u32(C.IFLA_GROUP)
        d["group"] = names().groups.get(g, str(g))
    qlen = a.u32(C.IFLA_TXQLEN)
    if qlen:
        d["txqlen"] = qlen
    d["link_type"] = ll_type(ltype)
    if C.IFLA_ADDRESS in a:
        d["address"] = ll_addr(a.get(C.IFLA_ADDRESS), ltype)
    if C.IFLA_BROADCAST in a:
        if flags & C.IFF_POINTOPOINT:
            d["link_pointtopoint"] = True
        d["broadcast"] = ll_addr(a.get(C.IFLA_BROADCAST), ltype)
    perm = a.get(C.IFLA_PERM_ADDRESS) if hasattr(C, "IFLA_PERM_ADDRESS") else None
    if perm is not None and bytes(perm) != bytes(a.get(C.IFLA_ADDRESS, b"")):
        d["permaddr"] = ll_addr(perm, ltype)
    if C.IFLA_LINK_NETNSID in a:
        d["link_netnsid"] = a.s32(C.IFLA_LINK_NETNSID)
    if a.u8(C.IFLA_PROTO_DOWN):
        d["proto_down"] = True
    dec = attrs_dict(a, "link", family=h.ifi_family) if details or stats else {}
    if details:
        d.update(detail_json(dec, links, do_link=with_linkmode))
    if C.IFLA_IFALIAS in a and (with_linkmode or details):
        d["ifalias"] = a.str(C.IFLA_IFALIAS)
    if stats and with_linkmode:
        st = stats_json(dec, stats)
        if st is not None:
            d[st[0]] = st[1]
    props = a.nested(C.IFLA_PROP_LIST) if hasattr(C, "IFLA_PROP_LIST") else None
    if props is not None:
        alt = [text(v) for v in props.get_all(C.IFLA_ALT_IFNAME)]
        if alt:
            d["altnames"] = alt
    return d


def links_text(objs: list[dict[str, Any]], palette: Palette = PLAIN) -> str:
    """`ip link`'s two (or more) lines per link, from `link_json` objects (coloured as `ip -c link`)."""
    lines = []
    for d in objs:
        lines += link_lines(d, palette)
    return "\n".join(lines)


def link_lines(d: dict[str, Any], palette: Palette = PLAIN) -> list[str]:
    """The lines `ip link` (and `ip addr`, above the addresses) prints for one `link_json` object."""
    name = d.get("ifname") or "<nil>"
    if "link" in d:
        name += "@" + (d["link"] if d["link"] is not None else "NONE")
    elif "link_index" in d:
        name += f"@if{d['link_index']}"
    head = f"{d['ifindex']}: {palette.paint('ifname', name)}: <{','.join(d['flags'])}>"
    for key, word in (("mtu", "mtu"), ("qdisc", "qdisc"), ("master", "master"), ("operstate", "state"),
                      ("linkmode", "mode"), ("group", "group"), ("txqlen", "qlen")):
        if key in d:
            value = palette.state(d[key]) if key == "operstate" else palette.paint("ifname", d[key]) \
                if key == "master" else d[key]
            head += f" {word} {value}"
    lines = [head]
    second = f"    link/{d['link_type']}"
    if "address" in d:
        second += f" {palette.paint('mac', d['address'])}"
    if "broadcast" in d:
        second += (" peer " if d.get("link_pointtopoint") else " brd ") + palette.paint("mac", d["broadcast"])
    if "permaddr" in d:
        second += f" permaddr {palette.paint('mac', d['permaddr'])}"
    if "link_netnsid" in d:
        second += f" link-netnsid {d['link_netnsid']}"
    if d.get("proto_down"):
        second += " protodown on"
    if "promiscuity" in d or "linkinfo" in d:
        second += detail_text(d)
    lines += second.split("\n")
    for key in ("stats64", "stats"):
        if key in d:
            lines += stats_lines(d[key], 2 if "length_errors" in d[key]["rx"] else 1)
    if "ifalias" in d:
        lines.append(f"    alias {d['ifalias']}")
    for alt in d.get("altnames", ()):
        lines.append(f"    altname {alt}")
    return lines


__all__ = ["Links", "link_flags", "link_json", "link_lines", "links_text"]


# after Links and link_lines exist: details and linkinfo import Links from here
from .details import detail_json, detail_text  # noqa: E402
from .stats import stats_json, stats_lines  # noqa: E402
