"""The key fields of one notification: what identifies the object and what usually changed.

``monitor`` prints these on one line per notification, numbers by ip's names
(link flags, families, scopes, route tables, protocols and types, from
/etc/iproute2 as ip reads them); other protocols get the generic netlink
header or the payload length.
"""
from __future__ import annotations

from typing import Any

from .. import constants as C
from ..codec import layouts as L
from ..codec.message import Message
from ..codec.msgtypes import object_family
from ..codec.values import ip, mac
from .links import link_flags
from .names import family_name, names


def summary(m: Message, protocol: int = C.NETLINK_ROUTE) -> dict[str, Any]:
    """The object's key fields: what identifies it and what usually changed."""
    fam = object_family(m.type) if protocol == C.NETLINK_ROUTE else None
    if fam is None:
        if protocol == C.NETLINK_GENERIC and m.type >= C.NLMSG_MIN_TYPE and m.length >= 20:
            g = m.header(L.GENLMSGHDR)
            cmd: int | str = g.cmd
            if m.type == C.GENL_ID_CTRL:  # the controller's commands are in the headers; other families' are not
                cmd = C.names_by_prefix("CTRL_CMD_").get(g.cmd, g.cmd)
            return {"cmd": cmd, "version": g.version, "attrs": len(m.attrs(L.GENLMSGHDR.size))}
        return {"payload_len": m.length - 16}
    obj, layout, _space = fam
    h = m.header(layout)  # before the attributes: a short header is reported as such
    a = m.attrs(layout.size)
    if obj == "link":
        d = {"ifindex": h.ifi_index, "ifname": a.str(C.IFLA_IFNAME), "flags": link_flags(h.ifi_flags)}
        if C.IFLA_OPERSTATE in a:
            d["operstate"] = C.enum_names("IF_OPER_UNKNOWN").get(a.u8(C.IFLA_OPERSTATE), "?")[8:]
        for k, t in (("mtu", C.IFLA_MTU), ("master", C.IFLA_MASTER), ("link", C.IFLA_LINK)):
            if t in a:
                d[k] = a.u32(t)
        li = a.nested(C.IFLA_LINKINFO)
        if li is not None and C.IFLA_INFO_KIND in li:
            d["kind"] = li.str(C.IFLA_INFO_KIND)
        if h.ifi_family:
            d["family"] = family_name(h.ifi_family)
        return d
    if obj in ("addr", "multicast", "anycast"):
        d = {"family": family_name(h.ifa_family), "ifindex": h.ifa_index}
        for k, t in (("local", C.IFA_LOCAL), ("address", C.IFA_ADDRESS), ("multicast", C.IFA_MULTICAST),
                     ("anycast", C.IFA_ANYCAST)):
            if t in a:
                d[k] = ip(a.get(t))
        if obj == "addr":
            d["prefixlen"] = h.ifa_prefixlen
            d["scope"] = names().scopes.get(h.ifa_scope, str(h.ifa_scope))
            if C.IFA_LABEL in a:
                d["label"] = a.str(C.IFA_LABEL)
        return d
    if obj == "route":
        dst = a.get(C.RTA_DST)
        nm, table = names(), a.u32(C.RTA_TABLE, h.rtm_table)
        d = {"family": family_name(h.rtm_family),
             "dst": f"{ip(dst) if dst is not None else 'default'}/{h.rtm_dst_len}",
             "table": nm.tables.get(table, str(table)),
             "type": nm.route_types.get(h.rtm_type, str(h.rtm_type)),
             "protocol": nm.protocols.get(h.rtm_protocol, str(h.rtm_protocol)),
             "scope": nm.scopes.get(h.rtm_scope, str(h.rtm_scope))}
        for k, t in (("oif", C.RTA_OIF), ("priority", C.RTA_PRIORITY)):
            if t in a:
                d[k] = a.u32(t)
        if C.RTA_GATEWAY in a:
            d["gateway"] = ip(a.get(C.RTA_GATEWAY))
        return d
    if obj == "neigh":
        d = {"family": family_name(h.ndm_family), "ifindex": h.ndm_ifindex,
             "state": [n[4:] for v, n in C.names_by_prefix("NUD_").items() if v and h.ndm_state & v]}
        if C.NDA_DST in a:
            d["dst"] = ip(a.get(C.NDA_DST))
        if C.NDA_LLADDR in a:
            d["lladdr"] = mac(a.get(C.NDA_LLADDR))
        return d
    if obj == "nsid":
        d = {}
        for n in ("NETNSA_NSID", "NETNSA_CURRENT_NSID", "NETNSA_TARGET_NSID"):
            nt = getattr(C, n, None)
            if nt is not None and nt in a:
                d[n[7:].lower()] = a.s32(nt)
        return d
    if obj == "neightbl":
        return {"family": family_name(h.ndtm_family), "name": a.str(C.NDTA_NAME)}
    return {}


__all__ = ["summary"]
