"""Neighbour-table attributes (NDTA_*) and per-device table parameters (NDTPA_*).

Filled by neightbl_fill_info / neightbl_fill_param_info / neightbl_fill_parms
(net/core/neighbour.c); parsed through nl_neightbl_policy / nl_ntbl_parm_policy.
Times are milliseconds put with nla_put_msecs: u64 with NDTA_PAD / NDTPA_PAD.
"""
from __future__ import annotations

from functools import partial

from .. import layouts
from .model import Field, Space

_N = "net/core/neighbour.c"
_n = partial(Field, source=_N)

NEIGHTBL = Space("neightbl", "NDTA", header_enum="NDTA_UNSPEC", source=_N, fields=(
    _n(1, "NDTA_NAME", "string"),
    _n(2, "NDTA_THRESH1", "u32"),
    _n(3, "NDTA_THRESH2", "u32"),
    _n(4, "NDTA_THRESH3", "u32"),
    _n(5, "NDTA_CONFIG", "struct", layout=layouts.NDT_CONFIG),   # nla_put(sizeof(ndc))
    _n(6, "NDTA_PARMS", "nest", space="neightbl-parms"),
    _n(7, "NDTA_STATS", "struct", layout=layouts.NDT_STATS),     # nla_put_64bit(sizeof(ndst))
    _n(8, "NDTA_GC_INTERVAL", "u64"),                            # nla_put_msecs
    _n(9, "NDTA_PAD", "binary"),
))

PARMS = Space("neightbl-parms", "NDTPA", header_enum="NDTPA_UNSPEC", source=_N, fields=(
    _n(1, "NDTPA_IFINDEX", "u32"),
    _n(2, "NDTPA_REFCNT", "u32"),
    _n(3, "NDTPA_REACHABLE_TIME", "u64"),
    _n(4, "NDTPA_BASE_REACHABLE_TIME", "u64"),
    _n(5, "NDTPA_RETRANS_TIME", "u64"),
    _n(6, "NDTPA_GC_STALETIME", "u64"),
    _n(7, "NDTPA_DELAY_PROBE_TIME", "u64"),
    _n(8, "NDTPA_QUEUE_LEN", "u32"),
    _n(9, "NDTPA_APP_PROBES", "u32"),
    _n(10, "NDTPA_UCAST_PROBES", "u32"),
    _n(11, "NDTPA_MCAST_PROBES", "u32"),
    _n(12, "NDTPA_ANYCAST_DELAY", "u64"),
    _n(13, "NDTPA_PROXY_DELAY", "u64"),
    _n(14, "NDTPA_PROXY_QLEN", "u32"),
    _n(15, "NDTPA_LOCKTIME", "u64"),
    _n(16, "NDTPA_QUEUE_LENBYTES", "u32"),
    _n(17, "NDTPA_MCAST_REPROBES", "u32"),
    _n(18, "NDTPA_PAD", "binary"),
    _n(19, "NDTPA_INTERVAL_PROBE_TIME_MS", "u64"),
))

SPACES: tuple[Space, ...] = (NEIGHTBL, PARMS)

__all__ = ["NEIGHTBL", "PARMS", "SPACES"]
