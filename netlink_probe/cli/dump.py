"""``netlink-probe dump {links,addrs,routes,neigh,neightbl}``: rtnetlink dumps shown like ``ip``.

``--json`` prints the objects with the keys and values ``ip -j`` uses (iproute2
6.1): ``dump links --json`` matches ``ip -j link``; ``dump addrs --json`` gives
one object per address, as the entries of ``ip -j -o addr`` (index, dev,
family, local, prefixlen, scope, flags, label, lifetimes); ``dump routes``
follows ``ip -j route`` (IPv4 main table unless --family/--table say
otherwise), ``dump neigh`` ``ip -j neigh`` (NOARP entries hidden, as ip does),
``dump neightbl`` ``ip -j ntable``.  The readable form follows ip's text.
"""
from __future__ import annotations

import argparse
import os

from .. import constants as C
from ..codec import Attrs
from ..codec import layouts as L
from ..codec import rtnl as R
from ..rtnl import Rtnl, dump_request
from ._common import CliError, family_arg, open_netns, print_json

WHATS = ("links", "addrs", "routes", "neigh", "neightbl")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "dump", help="dump links, addresses, routes, neighbours or neighbour tables (like ip)",
        description="Dump one rtnetlink table, readable like `ip`, or with --json as `ip -j` prints it.")
    p.add_argument("what", choices=WHATS, help="which table")
    p.add_argument("--netns", metavar="NAME|PATH",
                   help="network namespace: NAME means /run/netns/NAME; PATH any nsfs file "
                        "(/proc/PID/ns/net, /proc/PID/fd/N). Default: the current one")
    p.add_argument("--family", choices=("inet", "inet6"),
                   help="address family (routes default to inet, as `ip route` does)")
    p.add_argument("--table", default=None, metavar="main|local|default|all|N",
                   help="routes only: the routing table (default main, as `ip route`)")
    p.add_argument("--json", action="store_true", help="JSON, with the keys `ip -j` uses")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    family = family_arg(args.family)
    if args.table is not None and args.what != "routes":
        raise CliError("--table applies to `dump routes` only")
    ns = open_netns(args.netns)
    try:
        objs = collect(args.what, ns, family=family, table=args.table)
    finally:
        if ns is not None:
            ns.close()
    if args.json:
        print_json(objs)
    else:
        text = TEXT[args.what](objs)
        if text:
            print(text)
    return 0


def collect(what: str, netns=None, *, family: int = C.AF_UNSPEC, table: str | int | None = None) -> list[dict]:
    """The objects of one dump as ``ip -j`` shows them (see the module docstring)."""
    if what not in WHATS:
        raise CliError(f"unknown table {what!r}: one of {', '.join(WHATS)}")
    with Rtnl(netns) as rt:
        links = Links(rt.dump("links").all())
        if what == "links":
            return [link_json(m, links) for m in links.messages]
        if what == "addrs":
            out = []
            for m in rt.dump("addrs", family).all():
                if m.type != C.RTM_NEWADDR:
                    continue
                d = addr_json(m, links)
                if d is not None and (family == C.AF_UNSPEC or m.fixed_dict(L.IFADDRMSG)["ifa_family"] == family):
                    out.append(d)
            return out
        if what == "routes":
            fam = C.AF_INET if family == C.AF_UNSPEC else family
            tb = table_arg(table)
            out = []
            for m in rt.dump("routes", fam).all():
                d = route_json(m, links, fam, tb)
                if d is not None:
                    out.append(d)
            return out
        if what == "neigh":
            out = []
            for m in rt.dump("neigh", family).all():
                d = neigh_json(m, links, family)
                if d is not None:
                    out.append(d)
            return out
        out = []
        for m in rt.dump("neightbl", family).all():
            d = ntable_json(m, links)
            if d is not None:
                out.append(d)
        return out


# -- iproute2's name tables ------------------------------------------------------------
def _ip_names(name: str, defaults: dict[int, str]) -> dict[int, str]:
    """/etc/iproute2/NAME (and NAME.d/*.conf) as iproute2 reads them, over its built-in table."""
    out = dict(defaults)
    files = []
    for base in ("/usr/share/iproute2", "/usr/lib/iproute2", "/etc/iproute2"):
        files.append(os.path.join(base, name))
        d = os.path.join(base, name + ".d")
        if os.path.isdir(d):
            files += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".conf"))
    for path in files:
        try:
            with open(path) as f:
                for line in f:
                    parts = line.split("#", 1)[0].split()
                    if len(parts) >= 2:
                        try:
                            out[int(parts[0], 0)] = parts[1]
                        except ValueError:
                            pass
        except OSError:
            pass
    return out


def _lower_names(prefix: str, exclude=()) -> dict[int, str]:
    return {v: n[len(prefix):].lower() for v, n in C.names_by_prefix(prefix).items() if n not in exclude}


_TABLES = None


def names():
    """(groups, tables, protocols, scopes, route types) with iproute2's spelling."""
    global _TABLES
    if _TABLES is None:
        groups = _ip_names("group", {0: "default"})
        tables = _ip_names("rt_tables", {C.RT_TABLE_LOCAL: "local", C.RT_TABLE_MAIN: "main",
                                         C.RT_TABLE_DEFAULT: "default", C.RT_TABLE_UNSPEC: "unspec"})
        protos = _ip_names("rt_protos", _lower_names("RTPROT_"))
        scopes = _ip_names("rt_scopes", {C.RT_SCOPE_UNIVERSE: "global", C.RT_SCOPE_SITE: "site",
                                         C.RT_SCOPE_LINK: "link", C.RT_SCOPE_HOST: "host",
                                         C.RT_SCOPE_NOWHERE: "nowhere"})
        rtypes = _lower_names("RTN_", exclude=("RTN_MAX",))
        _TABLES = (groups, tables, protos, scopes, rtypes)
    return _TABLES


def table_arg(table) -> int:
    """--table: a name from rt_tables, 'all' (0) or a number; default main."""
    if table is None:
        return C.RT_TABLE_MAIN
    if isinstance(table, int):
        return table
    s = str(table).strip().lower()
    if s == "all":
        return 0
    if s.isdigit():
        return int(s)
    by_name = {v: k for k, v in names()[1].items()}
    if s in by_name:
        return by_name[s]
    raise CliError(f"unknown routing table {table!r}: main, local, default, all or a number")


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
    return _LL_TYPES.get(t, f"[{t}]")


def ll_addr(raw, ll_type_: int) -> str:
    """iproute2's ll_addr_n2a: tunnel endpoints as IP addresses, everything else as colon hex."""
    b = bytes(raw)
    if len(b) == 4 and ll_type_ in (C.ARPHRD_TUNNEL, C.ARPHRD_SIT, C.ARPHRD_IPGRE):
        return R.ip(b)
    if len(b) == 16 and ll_type_ in (C.ARPHRD_TUNNEL6, C.ARPHRD_IP6GRE):
        return R.ip(b)
    return ":".join(f"{x:02x}" for x in b)


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


# -- links -------------------------------------------------------------------------------
class Links:
    """The link dump, and the index -> (name, flags, type) map every other table needs."""

    def __init__(self, messages):
        self.messages = [m for m in messages if m.type == C.RTM_NEWLINK]
        self.by_index: dict[int, tuple[str, int, int]] = {}
        for m in self.messages:
            h = m.fixed_dict(L.IFINFOMSG)
            ltype, index, flags = h["ifi_type"], h["ifi_index"], h["ifi_flags"]
            name = m.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME, "")
            self.by_index[index] = (name, flags, ltype)

    def name(self, index: int) -> str:
        e = self.by_index.get(index)
        return e[0] if e else f"if{index}"

    def flags(self, index: int) -> int:
        e = self.by_index.get(index)
        return e[1] if e else 0

    def type(self, index: int) -> int:
        e = self.by_index.get(index)
        return e[2] if e else 0


def link_json(m, links: Links, *, with_linkmode: bool = True) -> dict:
    """One RTM_NEWLINK as `ip -j link` prints it (iproute2 print_linkinfo)."""
    h = m.fixed_dict(L.IFINFOMSG)
    ltype, index, flags = h["ifi_type"], h["ifi_index"], h["ifi_flags"]
    a = m.attrs(L.IFINFOMSG.size)
    groups = names()[0]
    d: dict = {}
    if m.type == C.RTM_DELLINK:
        d["deleted"] = True
    d["ifindex"] = index
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
        d["group"] = groups.get(g, str(g))
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
    if C.IFLA_IFALIAS in a:
        d["ifalias"] = a.str(C.IFLA_IFALIAS)
    props = a.nested(C.IFLA_PROP_LIST) if hasattr(C, "IFLA_PROP_LIST") else None
    if props is not None:
        alt = [bytes(v).split(b"\0", 1)[0].decode() for v in props.get_all(C.IFLA_ALT_IFNAME)]
        if alt:
            d["altnames"] = alt
    return d


def links_text(objs: list[dict]) -> str:
    lines = []
    for d in objs:
        name = d.get("ifname") or "<nil>"
        if "link" in d:
            name += "@" + (d["link"] if d["link"] is not None else "NONE")
        elif "link_index" in d:
            name += f"@if{d['link_index']}"
        head = f"{d['ifindex']}: {name}: <{','.join(d['flags'])}>"
        for key, word in (("mtu", "mtu"), ("qdisc", "qdisc"), ("master", "master"), ("operstate", "state"),
                          ("linkmode", "mode"), ("group", "group"), ("txqlen", "qlen")):
            if key in d:
                head += f" {word} {d[key]}"
        lines.append(head)
        second = f"    link/{d['link_type']}"
        if "address" in d:
            second += f" {d['address']}"
        if "broadcast" in d:
            second += (" peer " if d.get("link_pointtopoint") else " brd ") + d["broadcast"]
        if "permaddr" in d:
            second += f" permaddr {d['permaddr']}"
        if "link_netnsid" in d:
            second += f" link-netnsid {d['link_netnsid']}"
        if d.get("proto_down"):
            second += " protodown on"
        lines.append(second)
        if "ifalias" in d:
            lines.append(f"    alias {d['ifalias']}")
        for alt in d.get("altnames", ()):
            lines.append(f"    altname {alt}")
    return "\n".join(lines)


# -- addresses -------------------------------------------------------------------------
_IFA_FLAGS = (("secondary", "IFA_F_SECONDARY"), ("nodad", "IFA_F_NODAD"), ("optimistic", "IFA_F_OPTIMISTIC"),
              ("dadfailed", "IFA_F_DADFAILED"), ("home", "IFA_F_HOMEADDRESS"), ("deprecated", "IFA_F_DEPRECATED"),
              ("tentative", "IFA_F_TENTATIVE"), ("permanent", "IFA_F_PERMANENT"),
              ("mngtmpaddr", "IFA_F_MANAGETEMPADDR"), ("noprefixroute", "IFA_F_NOPREFIXROUTE"),
              ("autojoin", "IFA_F_MCAUTOJOIN"), ("stable-privacy", "IFA_F_STABLE_PRIVACY"))
INFINITY_LIFE_TIME = 0xFFFFFFFF
_FAMILY_NAMES = {C.AF_INET: "inet", C.AF_INET6: "inet6"}


def addr_json(m, links: Links) -> dict | None:
    """One RTM_NEWADDR as an entry of `ip -j -o addr` (iproute2 print_addrinfo)."""
    h = m.fixed_dict(L.IFADDRMSG)
    fam, plen, ifa_flags, scope, index = (h["ifa_family"], h["ifa_prefixlen"], h["ifa_flags"], h["ifa_scope"],
                                          h["ifa_index"])
    a = m.attrs(L.IFADDRMSG.size)
    groups = names()
    flags = a.u32(C.IFA_FLAGS, ifa_flags)
    d: dict = {}
    if m.type == C.RTM_DELADDR:
        d["deleted"] = True
    d["index"] = index
    d["dev"] = links.name(index)
    if fam in _FAMILY_NAMES:
        d["family"] = _FAMILY_NAMES[fam]
    else:
        d["family_index"] = fam
    local = a.get(C.IFA_LOCAL)
    address = a.get(C.IFA_ADDRESS)
    if local is None:
        local = address
    if address is None:
        address = local
    if local is not None:
        d["local"] = R.ip(local)
        if address is not None and bytes(address) != bytes(local):
            d["address"] = R.ip(address)
        d["prefixlen"] = plen
    if C.IFA_BROADCAST in a:
        d["broadcast"] = R.ip(a.get(C.IFA_BROADCAST))
    if C.IFA_ANYCAST in a:
        d["anycast"] = R.ip(a.get(C.IFA_ANYCAST))
    d["scope"] = groups[3].get(scope, str(scope))
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
        c = L.IFA_CACHEINFO.unpack_dict(ci)
        d["valid_life_time"] = c["ifa_valid"]
        d["preferred_life_time"] = c["ifa_prefered"]
    return d


def addrs_text(objs: list[dict]) -> str:
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


# -- routes ------------------------------------------------------------------------------
_RT_FLAGS = (("RTNH_F_DEAD", "dead"), ("RTNH_F_ONLINK", "onlink"), ("RTNH_F_PERVASIVE", "pervasive"),
             ("RTNH_F_OFFLOAD", "offload"), ("RTNH_F_TRAP", "trap"), ("RTM_F_NOTIFY", "notify"),
             ("RTNH_F_LINKDOWN", "linkdown"), ("RTNH_F_UNRESOLVED", "unresolved"), ("RTM_F_OFFLOAD", "rt_offload"),
             ("RTM_F_TRAP", "rt_trap"), ("RTM_F_OFFLOAD_FAILED", "rt_offload_failed"))
_PREFS = {3: "low", 0: "medium", 1: "high"}  # ICMPV6_ROUTER_PREF_* (linux/icmpv6.h)


def rt_flags(flags: int) -> list[str]:
    return [name for const, name in _RT_FLAGS if hasattr(C, const) and flags & getattr(C, const)]


def route_json(m, links: Links, family: int = C.AF_INET, table: int = C.RT_TABLE_MAIN) -> dict | None:
    """One RTM_NEWROUTE as `ip -j route` prints it, or None when ip's default filter hides it."""
    if m.type not in (C.RTM_NEWROUTE, C.RTM_DELROUTE):
        return None
    h = m.fixed_dict(L.RTMSG)
    fam, dst_len, src_len, tos = h["rtm_family"], h["rtm_dst_len"], h["rtm_src_len"], h["rtm_tos"]
    rtm_table, proto, scope, rtype, rflags = (h["rtm_table"], h["rtm_protocol"], h["rtm_scope"], h["rtm_type"],
                                              h["rtm_flags"])
    if family and fam != family:
        return None
    a = m.attrs(L.RTMSG.size)
    tb_id = a.u32(C.RTA_TABLE, rtm_table)
    if rflags & C.RTM_F_CLONED:
        return None
    if table and tb_id != table:
        return None
    prio = a.u32(C.RTA_PRIORITY)
    if fam == C.AF_INET6 and dst_len == 0 and rtype == C.RTN_UNREACHABLE and prio == 0xFFFFFFFF:
        return None  # the ip6 null entry, hidden by iproute2's filter_nlmsg
    _groups, tables, protos, scopes, rtypes = names()
    host_len = 32 if fam == C.AF_INET else 128 if fam == C.AF_INET6 else -1
    d: dict = {}
    if m.type == C.RTM_DELROUTE:
        d["deleted"] = True
    if rtype != C.RTN_UNICAST:
        d["type"] = rtypes.get(rtype, str(rtype))
    dst = a.get(C.RTA_DST)
    if dst is not None:
        d["dst"] = R.ip(dst) if dst_len == host_len else f"{R.ip(dst)}/{dst_len}"
    elif dst_len:
        d["dst"] = f"0/{dst_len} "
    else:
        d["dst"] = "default"
    src = a.get(C.RTA_SRC)
    if src is not None:
        d["from"] = R.ip(src) if src_len == host_len else f"{R.ip(src)}/{src_len}"
    elif src_len:
        d["src"] = f"0/{src_len}"
    if C.RTA_NH_ID in a:
        d["nhid"] = a.u32(C.RTA_NH_ID)
    if tos:
        d["tos"] = f"0x{tos:02x}"
    if C.RTA_GATEWAY in a:
        d["gateway"] = R.ip(a.get(C.RTA_GATEWAY))
    if C.RTA_OIF in a:
        d["dev"] = links.name(a.u32(C.RTA_OIF))
    if tb_id and tb_id != C.RT_TABLE_MAIN and not table:
        d["table"] = tables.get(tb_id, str(tb_id))
    if proto != C.RTPROT_BOOT:
        d["protocol"] = protos.get(proto, str(proto))
    if scope != C.RT_SCOPE_UNIVERSE:
        d["scope"] = scopes.get(scope, str(scope))
    if C.RTA_PREFSRC in a:
        d["prefsrc"] = R.ip(a.get(C.RTA_PREFSRC))
    if prio is not None:
        d["metric"] = prio
    d["flags"] = rt_flags(rflags)
    mark = a.u32(C.RTA_MARK)
    if mark:
        d["mark"] = mark
    if C.RTA_UID in a:
        d["uid"] = a.u32(C.RTA_UID)
    if C.RTA_IIF in a:
        d["iif"] = links.name(a.u32(C.RTA_IIF))
    if C.RTA_PREF in a:
        p = a.u8(C.RTA_PREF)
        d["pref"] = _PREFS.get(p, p)
    mp = a.get(C.RTA_MULTIPATH)
    if mp is not None:
        d["nexthops"] = _nexthops(bytes(mp), fam, links)
    return d


def _nexthops(raw: bytes, fam: int, links: Links) -> list[dict]:
    out, off = [], 0
    while len(raw) - off >= L.RTNEXTHOP.size:
        nh = L.RTNEXTHOP.unpack_dict(raw, off)
        ln = nh["rtnh_len"]
        if ln < L.RTNEXTHOP.size or off + ln > len(raw):
            break
        d: dict = {}
        inner = Attrs(raw, off + L.RTNEXTHOP.size, off + ln)
        if C.RTA_GATEWAY in inner:
            d["gateway"] = R.ip(inner.get(C.RTA_GATEWAY))
        d["dev"] = links.name(nh["rtnh_ifindex"])
        d["weight"] = nh["rtnh_hops"] + 1
        d["flags"] = rt_flags(nh["rtnh_flags"])
        out.append(d)
        off += (ln + 3) & ~3
    return out


def routes_text(objs: list[dict]) -> str:
    lines = []
    for d in objs:
        s = " ".join(x for x in (d.get("type"), d["dst"]) if x)
        for key, word in (("from", "from"), ("nhid", "nhid"), ("tos", "tos"), ("gateway", "via"), ("dev", "dev"),
                          ("table", "table"), ("protocol", "proto"), ("scope", "scope"), ("prefsrc", "src"),
                          ("metric", "metric")):
            if key in d:
                s += f" {word} {d[key]}"
        if d.get("flags"):
            s += " " + " ".join(d["flags"])
        if "pref" in d:
            s += f" pref {d['pref']}"
        for nh in d.get("nexthops", ()):
            s += "\n\tnexthop" + (f" via {nh['gateway']}" if "gateway" in nh else "") + \
                 f" dev {nh['dev']} weight {nh['weight']}"
        lines.append(s)
    return "\n".join(lines)


# -- neighbours ----------------------------------------------------------------------------
_NUD_ORDER = ("INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "NOARP", "PERMANENT")


def neigh_json(m, links: Links, family: int = C.AF_UNSPEC) -> dict | None:
    """One RTM_NEWNEIGH as `ip -j neigh` prints it, or None when ip's default filter hides it."""
    if m.type not in (C.RTM_NEWNEIGH, C.RTM_DELNEIGH, C.RTM_GETNEIGH):
        return None
    h = m.fixed_dict(L.NDMSG)
    fam, index, state, flags = h["ndm_family"], h["ndm_ifindex"], h["ndm_state"], h["ndm_flags"]
    if family and fam != family:
        return None
    show = 0xFF & ~C.NUD_NOARP
    if not (show & state) and not flags & (C.NTF_PROXY | C.NTF_EXT_LEARNED):
        return None  # iproute2 print_neigh's default state filter
    a = m.attrs(L.NDMSG.size)
    d: dict = {}
    if m.type == C.RTM_DELNEIGH:
        d["deleted"] = True
    elif m.type == C.RTM_GETNEIGH:
        d["miss"] = None
    if C.NDA_DST in a:
        d["dst"] = R.ip(a.get(C.NDA_DST))
    if index:
        d["dev"] = links.name(index)
    if C.NDA_LLADDR in a:
        d["lladdr"] = ll_addr(a.get(C.NDA_LLADDR), links.type(index))
    for bit, name in ((C.NTF_ROUTER, "router"), (C.NTF_PROXY, "proxy"), (C.NTF_EXT_LEARNED, "extern_learn"),
                      (C.NTF_OFFLOADED, "offload")):
        if flags & bit:
            d[name] = None
    if state:
        d["state"] = [n for n in _NUD_ORDER if state & getattr(C, "NUD_" + n)]
    proto = a.u8(C.NDA_PROTOCOL) if hasattr(C, "NDA_PROTOCOL") else None
    if proto:
        d["protocol"] = names()[2].get(proto, str(proto))
    return d


def neigh_text(objs: list[dict]) -> str:
    lines = []
    for d in objs:
        s = d.get("dst", "")
        if "dev" in d:
            s += f" dev {d['dev']}"
        if "lladdr" in d:
            s += f" lladdr {d['lladdr']}"
        for k in ("router", "proxy", "extern_learn", "offload"):
            if k in d:
                s += f" {k}"
        if "state" in d:
            s += " " + " ".join(d["state"])
        lines.append(s.strip())
    return "\n".join(lines)


# -- neighbour tables -----------------------------------------------------------------------
_NDTPA_JSON = (("NDTPA_REFCNT", "refcnt"), ("NDTPA_REACHABLE_TIME", "reachable"),
               ("NDTPA_BASE_REACHABLE_TIME", "base_reachable"), ("NDTPA_RETRANS_TIME", "retrans"),
               ("NDTPA_GC_STALETIME", "gc_stale"), ("NDTPA_DELAY_PROBE_TIME", "delay_probe"),
               ("NDTPA_QUEUE_LEN", "queue"), ("NDTPA_APP_PROBES", "app_probes"),
               ("NDTPA_UCAST_PROBES", "ucast_probes"), ("NDTPA_MCAST_PROBES", "mcast_probes"),
               ("NDTPA_ANYCAST_DELAY", "anycast_delay"), ("NDTPA_PROXY_DELAY", "proxy_delay"),
               ("NDTPA_PROXY_QLEN", "proxy_queue"), ("NDTPA_LOCKTIME", "locktime"))


def ntable_json(m, links: Links) -> dict | None:
    """One RTM_NEWNEIGHTBL as `ip -j ntable` prints it (the main fields)."""
    if m.type != C.RTM_NEWNEIGHTBL:
        return None
    fam = m.fixed_dict(L.NDTMSG)["ndtm_family"]
    a = m.attrs(L.NDTMSG.size)
    d: dict = {"family": _FAMILY_NAMES.get(fam, str(fam))}
    if C.NDTA_NAME in a:
        d["name"] = a.str(C.NDTA_NAME)
    parms = a.nested(C.NDTA_PARMS)
    if parms is not None and parms.u32(C.NDTPA_IFINDEX):
        d["dev"] = links.name(parms.u32(C.NDTPA_IFINDEX))
    for const, key in (("NDTA_THRESH1", "thresh1"), ("NDTA_THRESH2", "thresh2"), ("NDTA_THRESH3", "thresh3")):
        if getattr(C, const) in a:
            d[key] = a.u32(getattr(C, const))
    if C.NDTA_GC_INTERVAL in a:
        d["gc_interval"] = a.u64(C.NDTA_GC_INTERVAL)
    if parms is not None:
        for const, key in _NDTPA_JSON:
            t = getattr(C, const)
            sp = parms.span(t)
            if sp is None:
                continue
            n = sp[1] - sp[0]
            d[key] = parms.u64(t) if n == 8 else parms.u32(t) if n == 4 else parms.u8(t)
    return d


def ntable_text(objs: list[dict]) -> str:
    lines = []
    for d in objs:
        head = f"{d['family']} {d.get('name', '')}" + (f" dev {d['dev']}" if "dev" in d else "")
        rest = " ".join(f"{k} {v}" for k, v in d.items() if k not in ("family", "name", "dev"))
        lines.append(head + "\n    " + rest)
    return "\n".join(lines)


TEXT = {"links": links_text, "addrs": addrs_text, "routes": routes_text, "neigh": neigh_text,
        "neightbl": ntable_text}

__all__ = ["add_parser", "collect", "link_json", "addr_json", "route_json", "neigh_json", "ntable_json", "run",
           "dump_request"]
