"""A read-only snapshot of the initial network namespace, to prove the suite never changed it."""
from __future__ import annotations

from netlink_probe import constants as C
from netlink_probe import rtnl
from netlink_probe.codec import layouts as L
from netlink_probe.netns import NetNS

__all__ = ["snapshot_host"]


def snapshot_host() -> dict[str, frozenset]:
    """Stable facts of the host namespace: links, addresses, routes, rules, permanent neighbours."""
    # The namespace the run started in (pid 1 may be out of reach in a sandbox).
    with NetNS.current() as host, rtnl.Rtnl(host) as r:
        links = frozenset(
            (h.ifi_index, a.str(C.IFLA_IFNAME), a.u32(C.IFLA_MTU), a.bytes(C.IFLA_ADDRESS), h.ifi_flags & C.IFF_UP)
            for m in r.dump("links") for h in [m.header(L.IFINFOMSG)] for a in [m.attrs(L.IFINFOMSG.size)])
        addrs = frozenset(
            (h.ifa_index, h.ifa_prefixlen, a.bytes(C.IFA_ADDRESS), a.bytes(C.IFA_LOCAL))
            for m in r.dump("addrs") for h in [m.header(L.IFADDRMSG)] for a in [m.attrs(L.IFADDRMSG.size)])
        routes = frozenset(
            (h.rtm_family, h.rtm_dst_len, h.rtm_type, a.u32(C.RTA_TABLE), a.bytes(C.RTA_DST), a.u32(C.RTA_OIF),
             a.bytes(C.RTA_GATEWAY))
            for m in r.dump("routes") for h in [m.header(L.RTMSG)] for a in [m.attrs(L.RTMSG.size)]
            if h.rtm_protocol != C.RTPROT_RA)  # router advertisements may come and go on their own
        rules = frozenset(bytes(m.payload) for m in r.sock.dump(C.RTM_GETRULE, b"\0" * 12))
        neigh = frozenset(
            (h.ndm_ifindex, a.bytes(C.NDA_DST), a.bytes(C.NDA_LLADDR))
            for m in r.dump("neigh") for h in [m.header(L.NDMSG)] for a in [m.attrs(L.NDMSG.size)]
            if h.ndm_state & C.NUD_PERMANENT)
    return {"links": links, "addrs": addrs, "routes": routes, "rules": rules, "neigh": neigh}
