"""Decode coverage: what the kernel sends over a rich namespace, and how much each decoder types.

    richns      the namespace (links of every kind here, routes, neighbours, mroutes) and its bytes
    ynl_view    YNL (from Debian's linux-source, `matrix.linux_source`) as an attribute tree
    agreement   netlink_probe's and YNL's trees side by side: one Pair per attribute, a verdict each
    allowlist   docs/ynl-allowlist.md: YNL's mistakes, each with the kernel source that proves it
    report      scripts/decode-coverage: the counts and the raw leftovers

Used by scripts/decode-coverage and conformance/test_oracle_ynl.py.
"""
from __future__ import annotations

__all__: list[str] = []
