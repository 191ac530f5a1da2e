#!/usr/bin/env python3
"""Decoding cost per byte, normal against adversarial input, as the input grows: is it linear?

For each input shape and size, the time of each decoder (rtnl.decode of every
message; describe, the ``decode`` command's tree; describe + text; describe +
JSON as ``decode --json`` writes it) divided by the input's bytes.  Linear
cost shows as a flat time per byte down a column; the last rows give, per
shape, the time per byte at the largest size over that at the smallest
(``growth``, ~1 when linear; a quadratic decoder gives ~size ratio) and over
the normal input's at the same size (``vs normal``).

    python3 bench/decode_cost.py [--sizes 4096,16384,65536,262144] [--rounds 5] [--check]

``--check`` exits 1 when any growth exceeds a quarter of the size ratio: far
above linear (~1, noise included), far below quadratic (the size ratio; copying
the list per repeated attribute, fixed in 2026, gave 116x at 8x the size).

Shapes: ``normal`` (captured kernel dumps: links, addresses, routes,
neighbours, tables), ``repeats`` (one message of one attribute repeated),
``nest_repeats`` (a nest of 15 attributes repeated: the widest tree per byte),
``tiny_msgs`` (empty 16-byte messages), ``deep`` (messages of 16,000-level
nests, each refused at MAX_DEPTH).  No privileges needed.
"""
from __future__ import annotations

import argparse
import gc
import io
import os
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from netlink_probe import DecodeError  # noqa: E402
from netlink_probe import constants as C  # noqa: E402
from netlink_probe.cli.decode import write_json_list  # noqa: E402
from netlink_probe.codec import attribute as A  # noqa: E402
from netlink_probe.codec import layouts as L  # noqa: E402
from netlink_probe.codec import parse  # noqa: E402
from netlink_probe.codec import rtnl as R  # noqa: E402
from netlink_probe.codec.describe import describe, describe_each  # noqa: E402
from netlink_probe.codec.describe_text import message_text  # noqa: E402
from netlink_probe.fuzzing import load  # noqa: E402
from netlink_probe.fuzzing.mutate import message, nest  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")
LINK = L.IFINFOMSG.pack()


def _fill(unit: bytes, size: int) -> bytes:
    return unit * max(1, size // len(unit))


def normal(size: int) -> bytes:
    """Data messages of the captured dumps, in turn, until at least *size* bytes."""
    msgs = [d + b"\0" * (-len(d) % 4) for n, d in sorted(load(DATA).items())
            if ".m" in n and int.from_bytes(d[4:6], "little") >= C.RTM_BASE]
    out, i = b"", 0
    while len(out) < size:
        out += msgs[i % len(msgs)]
        i += 1
    return out


def repeats(size: int) -> bytes:
    return message(C.RTM_NEWLINK, LINK + _fill(A.u32(C.IFLA_MTU, 1500), size - 32))


def nest_repeats(size: int) -> bytes:
    one = A.nest(C.IFLA_PROP_LIST, *(A.u8(C.IFLA_OPERSTATE, 6) for _ in range(15)))
    return message(C.RTM_NEWLINK, LINK + _fill(one, size - 32))


def tiny_msgs(size: int) -> bytes:
    return _fill(message(C.NLMSG_NOOP, b""), size)


def deep(size: int) -> bytes:
    """Messages of one nest as deep as 64 KiB allows (or *size*), IFLA_PROP_LIST in IFLA_PROP_LIST."""
    return _fill(message(C.RTM_NEWLINK, LINK + nest(min(16000, size // 4 - 9), (C.IFLA_PROP_LIST,))), size)


SHAPES: dict[str, Callable[[int], bytes]] = {"normal": normal, "repeats": repeats, "nest_repeats": nest_repeats,
                                             "tiny_msgs": tiny_msgs, "deep": deep}


def _each(fn: Callable[..., object]) -> Callable[[bytes], None]:
    """*fn* on every message of the buffer; a refused message (DecodeError) costs what it cost to refuse."""
    def run(data: bytes) -> None:
        for m in parse(data):
            try:
                fn(m)
            except DecodeError:
                pass
    return run


DECODERS: dict[str, Callable[[bytes], None]] = {
    "rtnl.decode": _each(R.decode),
    "describe": _each(describe),
    "+text": _each(lambda m: message_text(describe(m))),
    "+json": lambda data: _json(data),
}


def _json(data: bytes) -> None:
    msgs = parse(data)
    for i in range(len(msgs)):  # as decode --json, message by message (a refused one ends the list there)
        try:
            write_json_list(describe_each(msgs[i:i + 1]), io.StringIO())
        except DecodeError:
            pass


def per_byte(fn: Callable[[bytes], None], data: bytes, rounds: int) -> float:
    """Best of *rounds*: nanoseconds per input byte."""
    fn(data)  # warm: caches, lazy imports, the space tables
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        t = time.perf_counter()
        fn(data)
        best = min(best, time.perf_counter() - t)
    return best * 1e9 / len(data)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="4096,16384,65536,262144", help="input sizes in bytes")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--check", action="store_true", help="exit 1 when a decoder's cost per byte is not linear")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus; ns per input byte, best of {args.rounds}")
    table: dict[tuple[str, str, int], float] = {}
    print(f"{'shape':13} {'bytes':>8} " + " ".join(f"{d:>12}" for d in DECODERS))
    for shape, make in SHAPES.items():
        for size in sizes:
            data = make(size)
            row = [per_byte(fn, data, args.rounds) for fn in DECODERS.values()]
            table.update({(shape, d, size): v for d, v in zip(DECODERS, row)})
            print(f"{shape:13} {len(data):>8} " + " ".join(f"{v:>12.0f}" for v in row))
    print(f"\ngrowth: ns/byte at {sizes[-1]} over ns/byte at {sizes[0]} (1.0 = linear; "
          f"quadratic = {sizes[-1] // sizes[0]})")
    growth = {(shape, d): table[shape, d, sizes[-1]] / table[shape, d, sizes[0]] for shape in SHAPES for d in DECODERS}
    for shape in SHAPES:
        print(f"  {shape:13} " + " ".join(f"{growth[shape, d]:>12.2f}" for d in DECODERS))
    print(f"vs normal: ns/byte over normal input's, at {sizes[-1]} bytes")
    for shape in SHAPES:
        print(f"  {shape:13} " + " ".join(f"{table[shape, d, sizes[-1]] / table['normal', d, sizes[-1]]:>12.2f}"
                                          for d in DECODERS))
    limit = max(2.0, sizes[-1] / sizes[0] / 4)
    worse = {k: g for k, g in growth.items() if g > limit}
    if args.check and worse:
        print(f"NOT LINEAR (growth above {limit:g}): " + ", ".join(f"{s}/{d} {g:.1f}x" for (s, d), g in worse.items()))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
