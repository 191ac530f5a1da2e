"""Which functions the running kernel has, from /proc/kallsyms: the suite's feature probes.

A function whose address is taken (an ops table entry, a netlink_kernel_cfg
callback) is never inlined away, so its symbol says the code is there — built
in, or in a module that is loaded.

/proc/kallsyms is kept once read, and read again only when /proc/modules
changed or a symbol is missing from it: the whole table (100k+ lines) costs
seconds of a TCG guest's time on every read, but a copy read while another
process loaded a module can lack that module's symbols (seen on 6.1: 8021q's
vlan_newlink), so only a symbol found is taken from the copy.
"""
from __future__ import annotations

__all__ = ["kernel_has", "read_symbols"]

_table: tuple[bytes, bytes] | None = None  # (/proc/modules, /proc/kallsyms) when last read


def _modules() -> bytes:
    try:
        with open("/proc/modules", "rb") as f:
            return f.read()
    except OSError:
        return b""  # no module support: nothing can appear later


def _kallsyms(fresh: bool = False) -> bytes | None:
    global _table
    modules = _modules()
    if fresh or _table is None or _table[0] != modules:
        try:
            with open("/proc/kallsyms", "rb") as f:
                _table = (modules, f.read())
        except OSError:
            return None
    return _table[1]


def _listed(table: bytes, name: str) -> bool:
    # lines are "address type name\n" or "address type name\t[module]\n"; names hold no blanks
    n = name.encode()
    return b" " + n + b"\n" in table or b" " + n + b"\t" in table


def read_symbols(*names: str) -> dict[str, bool] | None:
    """Which of *names* are symbols in /proc/kallsyms now (None when kallsyms is unreadable)."""
    table = _kallsyms()
    if table is not None and not all(_listed(table, n) for n in names):
        table = _kallsyms(fresh=True)
    return None if table is None else {n: _listed(table, n) for n in names}


def kernel_has(symbol: str) -> bool | None:
    """True/False when /proc/kallsyms lists *symbol* now (a module loaded since counts); None: unreadable."""
    syms = read_symbols(symbol)
    return None if syms is None else syms[symbol]
