"""Which functions the running kernel has, from /proc/kallsyms: the suite's feature probes.

A function whose address is taken (an ops table entry, a netlink_kernel_cfg
callback) is never inlined away, so its symbol says the code is there — built
in, or in a module that is loaded.
"""
from __future__ import annotations

import functools

__all__ = ["kernel_has", "kernel_symbols", "read_symbols"]


def read_symbols(*names: str) -> dict[str, bool] | None:
    """Which of *names* are symbols in /proc/kallsyms now (None when kallsyms is unreadable)."""
    want = set(names)
    found: set[str] = set()
    try:
        with open("/proc/kallsyms") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2] in want:
                    found.add(parts[2])
    except OSError:
        return None
    return {n: n in found for n in names}


@functools.cache
def kernel_symbols(*names: str) -> dict[str, bool] | None:
    """read_symbols(), once per process: for code that cannot appear later (built in, or loaded already)."""
    return read_symbols(*names)


def kernel_has(symbol: str) -> bool | None:
    """True/False when /proc/kallsyms lists *symbol* now (a module loaded since counts); None: unreadable."""
    syms = read_symbols(symbol)
    return None if syms is None else syms[symbol]
