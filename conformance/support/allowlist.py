"""Where netlink_probe and pyroute2 may decode the same bytes differently, and why.

A ``Difference`` is one disagreement found by ``decode_compare``; an ``Allow``
covers a class of them (kind + glob on the path + glob on the message type)
with its reason.  Every entry is mirrored, with its evidence, in
docs/pyroute2-allowlist.md; ``allowed(d)`` is the entry covering *d*, if any.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass

__all__ = ["ALLOWLIST", "Allow", "Difference", "allowed"]


@dataclass(frozen=True)
class Difference:
    mtype: str  # message type name
    kind: str  # "header", "types", "name", "value", "decode", "error"
    path: str  # e.g. "IFLA_LINKINFO/IFLA_INFO_KIND" or a header field
    ours: object
    theirs: object

    def __str__(self) -> str:
        return f"{self.mtype} {self.kind} {self.path}: netlink_probe={self.ours!r} pyroute2={self.theirs!r}"


@dataclass(frozen=True)
class Allow:
    """One documented disagreement: kind + glob on the path (+ optional message-type glob)."""

    id: str
    kind: str
    path: str
    reason: str
    mtype: str = "*"
    todo: bool = False  # True: a netlink_probe bug to fix (reported), not a pyroute2 limitation

    def covers(self, d: Difference) -> bool:
        return d.kind == self.kind and fnmatch.fnmatchcase(d.path, self.path) and \
            fnmatch.fnmatchcase(d.mtype, self.mtype)


# Every entry is mirrored, with its evidence, in docs/pyroute2-allowlist.md.
ALLOWLIST: list[Allow] = [
    Allow("pyroute2-unknown-ndtpa", "name", "NDTA_PARMS/NDTPA_MCAST_REPROBES", mtype="RTM_NEWNEIGHTBL",
          reason="pyroute2 0.9.7's ndtmsg.parms nla_map stops at NDTPA_LOCKTIME (15) plus QUEUE_LENBYTES: "
                 "NDTPA_MCAST_REPROBES (17, Linux 4.0) decodes as UNKNOWN"),
    Allow("pyroute2-unknown-ndtpa-interval", "name", "NDTA_PARMS/NDTPA_INTERVAL_PROBE_TIME_MS",
          mtype="RTM_NEWNEIGHTBL",
          reason="NDTPA_INTERVAL_PROBE_TIME_MS (19, Linux 5.19) is missing from pyroute2 0.9.7's ndtmsg: UNKNOWN"),
    Allow("pyroute2-nsid-unsigned", "value", "NETNSA_NSID", mtype="RTM_*NSID",
          reason="the kernel puts NETNSA_NSID with nla_put_s32 (NETNSA_NSID_NOT_ASSIGNED is -1); pyroute2 0.9.7's "
                 "nsidmsg declares it uint32, so -1 reads as 4294967295"),
    *(Allow("pyroute2-rtmsg-after-rta-expires", "name", name, mtype="RTM_*ROUTE",
            reason=f"pyroute2 0.9.7's rtmsg nla_map stops at RTA_EXPIRES (23): {name} decodes as UNKNOWN; the "
                   "kernel puts RTA_UID in every IPv4 RTM_GETROUTE reply (rt_fill_info)")
      for name in ("RTA_UID", "RTA_PAD", "RTA_TTL_PROPAGATE", "RTA_IP_PROTO", "RTA_SPORT", "RTA_DPORT",
                   "RTA_NH_ID")),
    Allow("pyroute2-done-error-without-tlvs", "value", "error", mtype="NLMSG_DONE",
          reason="pyroute2's Marshal decodes NLMSG_DONE as nlmsgerr only when NLM_F_ACK_TLVS is set; a DONE that "
                 "carries just an errno (no extack, e.g. a socket without NETLINK_EXT_ACK) is a bare nlmsg, so "
                 "pyroute2 never sees that dump's error"),
    Allow("pyroute2-ignores-capped", "decode", "exception", mtype="NLMSG_ERROR",
          reason="pyroute2 0.9.7 ignores NLM_F_CAPPED: it reads the echoed header's nlmsg_len worth of request "
                 "payload that the kernel left out, runs into the extack TLVs and fails (struct.error); "
                 "netlink_ack() caps every success ack on 6.18 and every ack under NETLINK_CAP_ACK"),
    Allow("neither-decodes-multicast", "decode", "class", mtype="56",
          reason="RTM_NEWMULTICAST (56, Linux 6.x: multicast address notifications) is newer than both the "
                 "6.1 UAPI headers netlink_probe is built from and pyroute2 0.9.7: neither side decodes it"),
    *(Allow("pyroute2-ipmr-addresses", "value", name, mtype="RTM_*ROUTE",
            reason=f"multicast routes (rtm_family RTNL_FAMILY_IPMR, 128) carry {name} as an in_addr "
                   "(nla_put_in_addr in ipmr_fill_mroute, net/ipv4/ipmr.c); pyroute2 0.9.7's address decoder "
                   "raises 'socket family not supported' for family 128 and leaves the raw attribute")
      for name in ("RTA_SRC", "RTA_DST")),
    *(Allow(f"pyroute2-no-class-{what}", "decode", "class", mtype=mtype,
            reason=f"netlink_probe decodes {mtype} ({how}); pyroute2 0.9.7's MarshalRtnl has no class for it, "
                   "so there is nothing to compare")
      for what, mtype, how in (
          ("nexthop", "RTM_*NEXTHOP", "struct nhmsg + NHA_*, net/ipv4/nexthop.c"),
          ("netconf", "RTM_*NETCONF", "struct netconfmsg + NETCONFA_*, inet_netconf_fill_devconf"),
          ("mdb", "RTM_*MDB", "struct br_port_msg + MDBA_*, net/bridge/br_mdb.c"),
          ("multicast", "RTM_GETMULTICAST", "ifaddrmsg + IFA_*, inet6_fill_ifmcaddr"),
          ("anycast", "RTM_GETANYCAST", "ifaddrmsg + IFA_*, inet6_fill_ifacaddr"))),
    Allow("malformed-on-purpose-ifa-target-netnsid", "value", "IFA_TARGET_NETNSID", mtype="RTM_*ADDR*",
          reason="the strict-checking matrix sends IFA_TARGET_NETNSID one byte long on purpose "
                 "(support/strict_matrix._short: the kernel must refuse it); a value shorter than its s32 "
                 "has no right reading, and the two decoders guess differently"),
    Allow("neither-decodes-nexthop-bucket", "decode", "class", mtype="RTM_*NEXTHOPBUCKET",
          reason="RTM_NEWNEXTHOPBUCKET (resilient nexthop group buckets: struct nhmsg + NHA_RES_BUCKET) has no "
                 "family in codec/rtnl.py and no class in pyroute2 0.9.7: nothing to compare"),
]


def allowed(d: Difference) -> Allow | None:
    """The allowlist entry that covers *d*, or None."""
    for a in ALLOWLIST:
        if a.covers(d):
            return a
    return None
