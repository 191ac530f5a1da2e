"""Neighbour tables as ``ip -j ntable`` shows them (the main fields) and a readable two-line form."""
from __future__ import annotations

from typing import Any

from .. import constants as C
from ..codec import layouts as L
from ..codec.message import Message
from ..codec.values import value
from .color import PLAIN, Palette
from .links import Links
from .names import FAMILY_NAMES

# NDTA_PARMS members -> ip's keys, in ip's order; values typed by codec.values.KIND
_NDTPA_JSON = (("NDTPA_REFCNT", "refcnt"), ("NDTPA_REACHABLE_TIME", "reachable"),
               ("NDTPA_BASE_REACHABLE_TIME", "base_reachable"), ("NDTPA_RETRANS_TIME", "retrans"),
               ("NDTPA_GC_STALETIME", "gc_stale"), ("NDTPA_DELAY_PROBE_TIME", "delay_probe"),
               ("NDTPA_QUEUE_LEN", "queue"), ("NDTPA_APP_PROBES", "app_probes"),
               ("NDTPA_UCAST_PROBES", "ucast_probes"), ("NDTPA_MCAST_PROBES", "mcast_probes"),
               ("NDTPA_ANYCAST_DELAY", "anycast_delay"), ("NDTPA_PROXY_DELAY", "proxy_delay"),
               ("NDTPA_PROXY_QLEN", "proxy_queue"), ("NDTPA_LOCKTIME", "locktime"))
_THRESHOLDS = (("NDTA_THRESH1", "thresh1"), ("NDTA_THRESH2", "thresh2"), ("NDTA_THRESH3", "thresh3"))


def ntable_json(m: Message, links: Links) -> dict[str, Any] | None:
    """One RTM_NEWNEIGHTBL as `ip -j ntable` prints it (the main fields)."""
    if m.type != C.RTM_NEWNEIGHTBL:
        return None
    fam = m.header(L.NDTMSG).ndtm_family
    a = m.attrs(L.NDTMSG.size)
    d: dict[str, Any] = {"family": FAMILY_NAMES.get(fam, str(fam))}
    if C.NDTA_NAME in a:
        d["name"] = a.str(C.NDTA_NAME)
    parms = a.nested(C.NDTA_PARMS)
    if parms is not None and parms.u32(C.NDTPA_IFINDEX):
        d["dev"] = links.name(parms.u32(C.NDTPA_IFINDEX))
    for const, key in _THRESHOLDS:
        if getattr(C, const) in a:
            d[key] = a.u32(getattr(C, const))
    if C.NDTA_GC_INTERVAL in a:
        d["gc_interval"] = a.u64(C.NDTA_GC_INTERVAL)
    if parms is not None:
        for const, key in _NDTPA_JSON:
            raw = parms.get(getattr(C, const))
            if raw is not None:
                d[key] = value(const, raw)
    return d


def ntable_text(objs: list[dict[str, Any]], palette: Palette = PLAIN) -> str:
    """A header line (family, name, dev) and one line of parameters per table."""
    lines = []
    for d in objs:
        dev = f" dev {palette.paint('ifname', d['dev'])}" if "dev" in d else ""
        head = f"{d['family']} {d.get('name', '')}{dev}"
        rest = " ".join(f"{k} {v}" for k, v in d.items() if k not in ("family", "name", "dev"))
        lines.append(head + "\n    " + rest)
    return "\n".join(lines)


__all__ = ["ntable_json", "ntable_text"]
