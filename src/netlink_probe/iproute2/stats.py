"""Link statistics as ``ip -s [-s] -j link`` shows them (iproute2 6.1 print_link_stats64), and ip's text.

IFLA_STATS64 is ``struct rtnl_link_stats64``: u64 counters in a fixed order
(include/uapi/linux/if_link.h); kernels append fields (rx_nohandler in 4.6,
rx_otherhost_dropped in 5.19), so the struct is read as far as it goes.
IFLA_STATS (``struct rtnl_link_stats``, u32 counters) is the fallback, shown
as ``stats`` as ip does.  Both come typed from the schema decoder.
"""
from __future__ import annotations

import struct
from typing import Any


# struct rtnl_link_stats64 / rtnl_link_stats member order (if_link.h)
FIELDS = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors", "rx_dropped", "tx_dropped",
          "multicast", "collisions", "rx_length_errors", "rx_over_errors", "rx_crc_errors", "rx_frame_errors",
          "rx_fifo_errors", "rx_missed_errors", "tx_aborted_errors", "tx_carrier_errors", "tx_fifo_errors",
          "tx_heartbeat_errors", "tx_window_errors", "rx_compressed", "tx_compressed", "rx_nohandler",
          "rx_otherhost_dropped")


def counters(raw: Any, width: int) -> dict[str, int]:
    """The counters of a stats struct: decoded already (a dict), or raw bytes of *width*-byte members
    (8: stats64, 4: stats) read as far as they go.  # TODO(schema): the raw case goes once every kernel's
    struct size is in the tables."""
    if isinstance(raw, dict):
        return {k: v for k, v in raw.items() if isinstance(v, int)}
    b = bytes(raw)
    n = min(len(b) // width, len(FIELDS))
    values = struct.unpack_from(f"={n}{'Q' if width == 8 else 'I'}", b)
    return dict(zip(FIELDS, values))


def stats_json(dec: dict[str, Any], level: int) -> tuple[str, dict[str, Any]] | None:
    """("stats64" | "stats", {"rx": {...}, "tx": {...}}) as ip -s (*level* 1) or -s -s (2) prints it,
    from one link's decoded attributes."""
    if "IFLA_STATS64" in dec:
        key, s = "stats64", counters(dec["IFLA_STATS64"], 8)
    elif "IFLA_STATS" in dec:
        key, s = "stats", counters(dec["IFLA_STATS"], 4)
    else:
        return None
    g = s.get
    rx: dict[str, Any] = {"bytes": g("rx_bytes", 0), "packets": g("rx_packets", 0), "errors": g("rx_errors", 0),
                          "dropped": g("rx_dropped", 0), "over_errors": g("rx_over_errors", 0),
                          "multicast": g("multicast", 0)}
    if g("rx_compressed"):
        rx["compressed"] = s["rx_compressed"]
    if level > 1:
        rx.update(length_errors=g("rx_length_errors", 0), crc_errors=g("rx_crc_errors", 0),
                  frame_errors=g("rx_frame_errors", 0), fifo_errors=g("rx_fifo_errors", 0),
                  missed_errors=g("rx_missed_errors", 0))
        if g("rx_nohandler"):
            rx["nohandler"] = s["rx_nohandler"]
        if g("rx_otherhost_dropped"):
            rx["otherhost_dropped"] = s["rx_otherhost_dropped"]
    tx: dict[str, Any] = {"bytes": g("tx_bytes", 0), "packets": g("tx_packets", 0), "errors": g("tx_errors", 0),
                          "dropped": g("tx_dropped", 0), "carrier_errors": g("tx_carrier_errors", 0),
                          "collisions": g("collisions", 0)}
    if g("tx_compressed"):
        tx["compressed"] = s["tx_compressed"]
    if level > 1:
        tx.update(aborted_errors=g("tx_aborted_errors", 0), fifo_errors=g("tx_fifo_errors", 0),
                  window_errors=g("tx_window_errors", 0), heartbeat_errors=g("tx_heartbeat_errors", 0))
        if isinstance(dec.get("IFLA_CARRIER_CHANGES"), int):
            tx["carrier_changes"] = dec["IFLA_CARRIER_CHANGES"]
    return key, {"rx": rx, "tx": tx}


def stats_lines(st: dict[str, Any], level: int = 1) -> list[str]:
    """ip -s link's text block (-s -s: *level* 2) for a `stats_json` object made at level 2 (the text's
    "missed" column is rx_missed_errors even at level 1); columns at ip's default widths."""
    rx, tx = st["rx"], st["tx"]
    lines = ["    RX:  bytes packets errors dropped  missed   mcast           ",
             f"    {rx['bytes']:>10} {rx['packets']:>7} {rx['errors']:>6} {rx['dropped']:>7} "
             f"{rx.get('missed_errors', 0):>7} "
             f"{rx['multicast']:>7} "]
    if level > 1:
        lines += ["    RX errors:  length    crc   frame    fifo overrun",
                  f"               {rx['length_errors']:>7} {rx['crc_errors']:>6} {rx['frame_errors']:>7} "
                  f"{rx['fifo_errors']:>7} {rx['over_errors']:>7} "]
    lines += ["    TX:  bytes packets errors dropped carrier collsns           ",
              f"    {tx['bytes']:>10} {tx['packets']:>7} {tx['errors']:>6} {tx['dropped']:>7} "
              f"{tx['carrier_errors']:>7} {tx['collisions']:>7} "]
    if level > 1:
        lines += ["    TX errors: aborted   fifo  window heartbt transns",
                  f"               {tx['aborted_errors']:>7} {tx['fifo_errors']:>6} {tx['window_errors']:>7} "
                  f"{tx['heartbeat_errors']:>7} {tx.get('carrier_changes', 0):>7} "]
    return lines


__all__ = ["FIELDS", "counters", "stats_json", "stats_lines"]
