"""Addresses as the entries of ``ip -j -o addr``, the lines of ``ip -o addr`` and, grouped by link, ``ip addr``
(iproute2 print_addrinfo)."""
from __future__ import annotations

import functools
from typing import Any

from .. import constants as C
from ..codec import layouts as L
from ..codec.message import Message
from ..codec.values import ip
from .color import PLAIN, Palette
from .links import Links, link_lines
from .names import FAMILY_NAMES, names

_IFA_FLAGS = (("secondary", "IFA_F_SECONDARY"), ("nodad", "IFA_F_NODAD"), ("optimistic", "IFA_F_OPTIMISTIC"),
              ("dadfailed", "IFA_F_DADFAILED"), ("home", "IFA_F_HOMEADDRESS"), ("deprecated", "IFA_F_DEPRECATED"),
              ("tentative", "IFA_F_TENTATIVE"), ("permanent", "IFA_F_PERMANENT"),
              ("mngtmpaddr", "IFA_F_MANAGETEMPADDR"), ("noprefixroute", "IFA_F_NOPREFIXROUTE"),
              ("autojoin", "IFA_F_MCAUTOJOIN"), ("stable-privacy", "IFA_F_STABLE_PRIVACY"))
INFINITY_LIFE_TIME = 0xFFFFFFFF


def addr_json(m: Message, links: Links) -> dict[str, Any]:
    """One RTM_NEWADDR as an entry of `ip -j -o addr` (iproute2 print_addrinfo)."""
    h = m.header(L.IFADDRMSG)
    fam = h.ifa_family
    a = m.attrs(L.IFADDRMSG.size)
    flags = a.u32(C.IFA_FLAGS, h.ifa_flags)
    d: dict[str, Any] = {}
    if m.type == C.RTM_DELADDR:
        d["deleted"] = True
    d["index"] = h.ifa_index
    d["dev"] = links.name(h.ifa_index)
    if fam in FAMILY_NAMES:
        d["family"] = FAMILY_NAMES[fam]
    else:
        d["family_index"] = fam
    local = a.get(C.IFA_LOCAL)
    address = a.get(C.IFA_ADDRESS)
    if local is None:
        local = address
    if address is None:
        address = local
    if local is not None:
        d["local"] = ip(local)
        if address is not None and bytes(address) != bytes(local):
            d["address"] = ip(address)
        d["prefixlen"] = h.ifa_prefixlen
    if C.IFA_BROADCAST in a:
        d["broadcast"] = ip(a.get(C.IFA_BROADCAST))
    if C.IFA_ANYCAST in a:
        d["anycast"] = ip(a.get(C.IFA_ANYCAST))
    d["scope"] = names().scopes.get(h.ifa_scope, str(h.ifa_scope))
    rest = flags
    for name, const in _IFA_FLAGS:
        mask = getattr(C, const, 0)
        if not mask:
            continue
        if name == "permanent":
            if not flags & mask:
                d["dynamic"] = True
        elif flags & mask and name != "temporary":
            d["temporary" if (name == "secondary" and fam == C.AF_INET6) else name] = True
        rest &= ~mask
    if rest:
        d["ifa_flags"] = f"{rest:02x}"
    if C.IFA_LABEL in a:
        d["label"] = a.str(C.IFA_LABEL)
    ci = a.get(C.IFA_CACHEINFO)
    if ci is not None and len(ci) >= L.IFA_CACHEINFO.size:
        c = L.IFA_CACHEINFO.unpack(ci)
        d["valid_life_time"] = c.ifa_valid
        d["preferred_life_time"] = c.ifa_prefered
    return d


def _address(d: dict[str, Any], palette: Palette) -> str:
    """'inet 192.0.2.1/24 brd 192.0.2.255 scope global dynamic va': one address as ip prints it."""
    fam = d.get("family", d.get("family_index"))
    paint = functools.partial(palette.address, d.get("family"))
    s = f"{fam} {paint(d.get('local', ''))}"
    if "address" in d:
        s += f" peer {paint(d['address'])}"
    if "prefixlen" in d:
        s += f"/{d['prefixlen']}"
    if "broadcast" in d:
        s += f" brd {paint(d['broadcast'])}"
    if "anycast" in d:
        s += f" any {paint(d['anycast'])}"
    s += f" scope {d['scope']}"
    for k, v in d.items():
        if v is True and k != "deleted":
            s += f" {k}"
    if "label" in d:
        s += f" {d['label']}"
    return s


def _lifetimes(d: dict[str, Any]) -> str:
    v, p = d["valid_life_time"], d["preferred_life_time"]
    return "valid_lft " + ("forever" if v == INFINITY_LIFE_TIME else f"{v}sec") + \
        " preferred_lft " + ("forever" if p == INFINITY_LIFE_TIME else f"{p}sec")


def addrs_text(objs: list[dict[str, Any]], palette: Palette = PLAIN) -> str:
    """`ip -o addr`'s one line per address, from `addr_json` objects."""
    lines = []
    for d in objs:
        s = f"{d['index']}: {palette.paint('ifname', d['dev'])}    {_address(d, palette)}"
        if "valid_life_time" in d:
            s += " " + _lifetimes(d)
        lines.append(s)
    return "\n".join(lines)


def addr_lines(d: dict[str, Any], palette: Palette = PLAIN) -> list[str]:
    """The lines `ip addr` prints for one `addr_json` object below its link: the address, then its lifetimes."""
    lines = [f"    {_address(d, palette)}"]
    if "valid_life_time" in d:
        lines.append(f"       {_lifetimes(d)}")
    return lines


def addrs_by_link_text(links: list[dict[str, Any]], addrs: list[dict[str, Any]], palette: Palette = PLAIN,
                       *, every_link: bool = True) -> str:
    """`ip addr`: each link (`link_json` objects) as `ip link` shows it, then its addresses (`addr_json`
    objects, in the kernel's order).  Without *every_link* (`ip -4 addr`, `ip -6 addr`) only the links
    holding addresses are shown, by their first line."""
    by_link: dict[int, list[dict[str, Any]]] = {}
    for a in addrs:
        by_link.setdefault(a["index"], []).append(a)
    lines = []
    for link in links:
        mine = by_link.pop(link["ifindex"], [])
        if not mine and not every_link:
            continue
        head = link_lines(link, palette)
        lines += head if every_link else head[:1]
        for a in mine:
            lines += addr_lines(a, palette)
    for index, mine in by_link.items():  # addresses of a link the link dump did not show (it just went)
        lines.append(f"{index}: {palette.paint('ifname', mine[0]['dev'])}:")
        for a in mine:
            lines += addr_lines(a, palette)
    return "\n".join(lines)


__all__ = ["INFINITY_LIFE_TIME", "addr_json", "addr_lines", "addrs_by_link_text", "addrs_text"]
