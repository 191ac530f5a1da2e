"""Loading the kernel replies captured by scripts/capture-fixtures (tests/data/)."""
from __future__ import annotations

import functools
import json
import os

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


@functools.cache
def manifest() -> dict:
    with open(os.path.join(DATA, "manifest.json")) as f:
        return json.load(f)


def setup() -> dict:
    """What the capture script configured in the namespace (the tests' expected values)."""
    return manifest()["setup"]


def entry(name: str) -> dict:
    return manifest()["captures"][name]


@functools.cache
def blob(name: str) -> bytes:
    """All datagrams of a capture, concatenated."""
    with open(os.path.join(DATA, f"{name}.bin"), "rb") as f:
        return f.read()


@functools.cache
def datagrams(name: str) -> tuple[bytes, ...]:
    """The datagrams of a capture, one per line of NAME.hex."""
    with open(os.path.join(DATA, f"{name}.hex")) as f:
        return tuple(bytes.fromhex(line) for line in f if line.strip())


def request(name: str) -> bytes:
    """The request the capture script sent."""
    return bytes.fromhex(entry(name)["request"])


NAMES = ("links", "addrs", "routes_v4", "routes_v6", "neigh", "neightbl", "ack", "err_mtu_size", "err_unknown_kind",
         "err_capped", "err_miss_type", "done_strict_err", "dump_intr", "notify_link")
