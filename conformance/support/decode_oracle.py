"""The decode oracle: every kernel datagram a process receives, decoded both ways at the end.

``decode_oracle`` (a ``DecodeOracle``) keeps the raw bytes of the first
``LIMIT`` NETLINK_ROUTE messages per (type, family) that reach its ``tap`` and
the set of every message type seen; ``check_collected()`` compares them all
with ``decode_compare`` and raises on any difference the allowlist does not
cover.  ``assert_decoders_agree(messages)`` does the same for given Message
objects, bytes, Notifications or Received datagrams.

``tap_kernel_transports(mp, tap)`` wraps every kernel transport a Socket opens
from then on in ``netlink_probe.transport.Tapped`` (undone with *mp*): the
suite's session fixture installs ``decode_oracle.tap`` this way (support.plugin).
"""
from __future__ import annotations

import collections
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from netlink_probe import constants as C
from netlink_probe.codec import message as M

from .allowlist import Allow, Difference, allowed
from .decode_compare import compare_message

__all__ = ["DecodeOracle", "assert_decoders_agree", "decode_oracle", "tap_kernel_transports"]

Tap = Callable[[int, Any], None]


def tap_kernel_transports(mp: pytest.MonkeyPatch, tap: Tap) -> None:
    """From now until *mp* is undone, tap(protocol, received) sees every datagram from the kernel."""
    from netlink_probe import transport

    opened = transport.open_kernel_transport
    mp.setattr(transport, "open_kernel_transport", lambda *a, **k: transport.Tapped(opened(*a, **k), tap))


class DecodeOracle:
    """Collects the kernel's NETLINK_ROUTE messages (through a transport tap) and checks both decoders agree."""

    LIMIT = 20

    def __init__(self) -> None:
        self.kept: dict[tuple[int, int], list[bytes]] = collections.defaultdict(list)
        self.types_seen: set[str] = set()
        self.checked: dict[str, int] = collections.Counter()  # messages compared, by type name
        self.allowlisted: dict[str, int] = collections.Counter()  # Allow.id -> times used
        self.tap_errors: list[str] = []
        self._done: set[bytes] = set()

    def tap(self, protocol: int, received) -> None:
        if protocol != C.NETLINK_ROUTE or received.truncated or len(received.data) != received.length:
            return  # a datagram cut by a short buffer or MSG_TRUNC/PEEK is not a whole message to compare
        if received.src_pid != 0:
            return  # from a user port: a test's own (possibly malformed) bytes, not the kernel's
        try:
            data = bytes(received.data)
            for m in M.parse(data):
                self.types_seen.add(m.type_name)
                fam = data[m.payload_offset] if m.length > M.HDRLEN else -1
                key = (m.type, fam)
                bucket = self.kept[key]
                if len(bucket) < self.LIMIT:
                    bucket.append(m.raw())
        except Exception as e:  # noqa: BLE001 - a tap must never raise
            if len(self.tap_errors) < 20:
                self.tap_errors.append(repr(e))

    def check(self, raws: Iterable[bytes]) -> tuple[list[Difference], list[tuple[Difference, Allow]]]:
        bad, ok = [], []
        for raw in raws:
            try:
                diffs = compare_message(raw)
            except Exception as e:  # noqa: BLE001
                diffs = [Difference(C.MESSAGE_TYPES.get(struct.unpack_from("=H", raw, 4)[0], "?"), "decode",
                                    "exception", "ok", repr(e))]
            for d in diffs:
                a = allowed(d)
                if a is None:
                    bad.append(d)
                else:
                    ok.append((d, a))
                    self.allowlisted[a.id] += 1
            self.checked[diffs[0].mtype if diffs else M.parse(raw)[0].type_name] += 1
        return bad, ok

    def check_collected(self) -> dict:
        raws = [r for bucket in self.kept.values() for r in bucket if r not in self._done]
        bad, _ = self.check(raws)
        self._done.update(raws)
        report = {"types_seen": sorted(self.types_seen), "checked": dict(self.checked),
                  "allowlisted": dict(self.allowlisted), "tap_errors": list(self.tap_errors)}
        if bad or self.tap_errors:
            raise AssertionError(_format_bad(bad, self.tap_errors))
        return report


def _format_bad(bad: list[Difference], tap_errors: Iterable[str] = ()) -> str:
    lines = ["netlink_probe and pyroute2 decode the same bytes differently "
             "(fix the codec, or document a pyroute2 limitation in support/allowlist.py):"]
    seen = set()
    for d in bad:
        s = str(d)
        if s not in seen:
            seen.add(s)
            lines.append("  " + s)
        if len(seen) >= 40:
            lines.append(f"  ... {len(bad) - 40} more")
            break
    for e in tap_errors:
        lines.append(f"  tap error: {e}")
    return "\n".join(lines)


def _raw_messages(items: Iterable[Any]) -> Iterator[bytes]:
    for x in items:
        if isinstance(x, (bytes, bytearray, memoryview)):
            for m in M.parse(bytes(x)):
                yield m.raw()
        elif isinstance(x, M.Message):
            yield x.raw()
        elif hasattr(x, "message"):  # a Notification
            yield x.message.raw()
        elif hasattr(x, "data"):  # a Received datagram
            for m in M.parse(bytes(x.data)):
                yield m.raw()
        else:
            raise TypeError(f"cannot take raw bytes from {x!r}")


def assert_decoders_agree(messages: Iterable[Any]) -> int:
    """Both decoders agree on every message (Message, bytes, Notification or Received); returns the count."""
    raws = list(_raw_messages(messages))
    bad, _ = decode_oracle.check(raws)
    if bad:
        raise AssertionError(_format_bad(bad))
    return len(raws)


decode_oracle = DecodeOracle()  # one per process: the session fixture taps it in and checks it at the end
