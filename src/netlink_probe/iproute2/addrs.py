"""Addresses as the entries of ``ip -j -o addr`` and the lines of ``ip -o addr`` (iproute2 print_addrinfo)."""
from __future__ import annotations

from typing import Any

from .. import constants as C
from ..codec import layouts as L
from ..codec.message import Message
from ..codec.values import ip
from .links import Links
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


def addrs_text(objs: list[dict[str, Any]]) -> str:
    """`ip -o addr`'s one line per address, from `addr_json` objects."""
    lines = []
    for d in objs:
        s = f"{d['index']}: {d['dev']}    {d.get('family', d.get('family_index'))} {d.get('local', '')}"
        if "address" in d:
            s += f" peer {d['address']}"
        if "prefixlen" in d:
            s += f"/{d['prefixlen']}"
        if "broadcast" in d:
            s += f" brd {d['broadcast']}"
        s += f" scope {d['scope']}"
        for k, v in d.items():
            if v is True and k != "deleted":
                s += f" {k}"
        if "label" in d:
            s += f" {d['label']}"
        if "valid_life_time" in d:
            v, p = d["valid_life_time"], d["preferred_life_time"]
            s += " valid_lft " + ("forever" if v == INFINITY_LIFE_TIME else f"{v}sec")
            s += " preferred_lft " + ("forever" if p == INFINITY_LIFE_TIME else f"{p}sec")
        lines.append(s)
    return "\n".join(lines)


__all__ = ["INFINITY_LIFE_TIME", "addr_json", "addrs_text"]
