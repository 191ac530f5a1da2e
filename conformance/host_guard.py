"""A read-only snapshot of the initial network namespace, to prove the suite never changed it."""
from __future__ import annotations

from netlink_probe import constants as C
from netlink_probe import rtnl
from netlink_probe.codec import layouts as L
from netlink_probe.netns import NetNS


def snapshot_host() -> dict[str, frozenset]:
    """Stable facts of the host namespace: links, addresses, routes, rules, permanent neighbours."""
    # The namespace the run started in (pid 1 may be out of reach in a sandbox).
    with NetNS.current() as host, rtnl.Rtnl(host) as r:
        links = frozenset(
            (m.fixed(L.IFINFOMSG)[3], a.str(C.IFLA_IFNAME), a.u32(C.IFLA_MTU), a.bytes(C.IFLA_ADDRESS),
             m.fixed(L.IFINFOMSG)[4] & C.IFF_UP)
            for m in r.dump("links") for a in [m.attrs(L.IFINFOMSG.size)])
        addrs = frozenset(
            (m.fixed(L.IFADDRMSG)[4], m.fixed(L.IFADDRMSG)[1], a.bytes(C.IFA_ADDRESS), a.bytes(C.IFA_LOCAL))
            for m in r.dump("addrs") for a in [m.attrs(L.IFADDRMSG.size)])
        routes = frozenset(
            (h[0], h[1], h[7], a.u32(C.RTA_TABLE), a.bytes(C.RTA_DST), a.u32(C.RTA_OIF), a.bytes(C.RTA_GATEWAY))
            for m in r.dump("routes") for h in [m.fixed(L.RTMSG)] for a in [m.attrs(L.RTMSG.size)]
            if h[5] != C.RTPROT_RA)  # router advertisements may come and go on their own
        rules = frozenset(bytes(m.payload) for m in r.sock.dump(C.RTM_GETRULE, b"\0" * 12))
        neigh = frozenset(
            (m.fixed(L.NDMSG)[3], a.bytes(C.NDA_DST), a.bytes(C.NDA_LLADDR))
            for m in r.dump("neigh") for a in [m.attrs(L.NDMSG.size)]
            if m.fixed(L.NDMSG)[4] & C.NUD_PERMANENT)
    return {"links": links, "addrs": addrs, "routes": routes, "rules": rules, "neigh": neigh}
