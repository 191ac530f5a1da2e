"""The fixed structs of a link message: IFLA_STATS (u32 counters), IFLA_STATS64 (u64 counters), IFLA_MAP.

rtnl_fill_stats (net/core/rtnetlink.c) copies the device's rtnl_link_stats64
into IFLA_STATS64 and each counter truncated to u32 into IFLA_STATS
(copy_rtnl_link_stats); rtnl_fill_link_ifmap puts struct rtnl_link_ifmap,
whose 28 bytes of fields the compiler pads to 32.  Field lists follow
include/uapi/linux/if_link.h of the running kernel's era (rx_nohandler,
rx_otherhost_dropped are newer than some headers, hence written out here).
"""
from __future__ import annotations

_COUNTERS = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors", "rx_dropped",
             "tx_dropped", "multicast", "collisions", "rx_length_errors", "rx_over_errors", "rx_crc_errors",
             "rx_frame_errors", "rx_fifo_errors", "rx_missed_errors", "tx_aborted_errors", "tx_carrier_errors",
             "tx_fifo_errors", "tx_heartbeat_errors", "tx_window_errors", "rx_compressed", "tx_compressed",
             "rx_nohandler")
# struct rtnl_link_stats: 24 u32 (96 bytes on 6.x kernels)
STATS_FIELDS: tuple[tuple[str, str], ...] = tuple((n, "u32") for n in _COUNTERS)
# struct rtnl_link_stats64: the same 24 counters plus rx_otherhost_dropped (5.19), u64 (200 bytes)
STATS64_FIELDS: tuple[tuple[str, str], ...] = tuple((n, "u64") for n in _COUNTERS + ("rx_otherhost_dropped",))
# struct rtnl_link_ifmap (28 bytes of fields, sizeof 32)
IFMAP_FIELDS: tuple[tuple[str, str], ...] = (("mem_start", "u64"), ("mem_end", "u64"), ("base_addr", "u64"),
                                             ("irq", "u16"), ("dma", "u8"), ("port", "u8"))
SPACES = ()

__all__ = ["IFMAP_FIELDS", "SPACES", "STATS64_FIELDS", "STATS_FIELDS"]
