"""``netlink-probe kernel-info [--json]``: what this kernel's netlink offers, measured.

Kernel release; which netlink protocols socket() opens (and the errno
otherwise); for each openable protocol the multicast groups
NETLINK_ADD_MEMBERSHIP accepts (probed, not read from headers); which link
kinds RTM_NEWLINK creates (each probed in a throwaway namespace); where the
kernel and the headers disagree.  Needs root (the namespace probes).  The
probing itself lives in ``netlink_probe.kernel_info``.
"""
from __future__ import annotations

import argparse
import re
from typing import Any

from .. import kernel_info as K
from ._common import GROUP_MAX, Subparsers, group_cap_arg, print_json, require_root
from .errors import CliError, command

KIND_MAX = 55  # rtnl_newlink's char kind[MODULE_NAME_LEN], MODULE_NAME_LEN = 64 - sizeof(long), with its NUL
_KIND = re.compile(rf"[A-Za-z0-9_.\-]{{1,{KIND_MAX}}}")


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Register ``kernel-info`` and its options."""
    p = subparsers.add_parser(
        "kernel-info", help="what the running kernel's netlink offers, measured (needs root)",
        description="Probe the running kernel: netlink protocols, multicast group ranges (ADD_MEMBERSHIP "
                    "probing), creatable link kinds (in throwaway namespaces), and where the kernel and the "
                    "UAPI headers disagree.")
    p.add_argument("--json", action="store_true", help="machine-readable JSON")
    p.add_argument("--kinds", metavar="K1,K2,...", default=None,
                   help="link kinds to probe (default: " + ",".join(K.DEFAULT_KINDS) + ")")
    p.add_argument("--group-cap", type=group_cap_arg, default=K.GROUP_CAP, metavar="N",
                   help=f"probe multicast groups up to N, 1..{GROUP_MAX} (default {K.GROUP_CAP})")
    p.set_defaults(func=run)
    return p


@command("kernel-info")
def run(args: argparse.Namespace) -> int:
    """Probe the running kernel (needs root) and print the report, as text or JSON."""
    kinds = K.DEFAULT_KINDS
    if args.kinds is not None:
        kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
        if not kinds:
            raise CliError("--kinds: give at least one link kind")
        for k in kinds:
            if not _KIND.fullmatch(k):
                raise CliError(f"--kinds: {k!r} is not a link kind name (letters, digits, '_', '-', '.', "
                               f"at most {KIND_MAX} characters, as the kernel's kind buffer holds)")
    require_root("kernel-info")
    info = K.collect(cap=args.group_cap, kinds=kinds)
    if args.json:
        print_json(info)
    else:
        print(render(info))
    return 0


def _groups_text(g: dict[str, Any], cap: int | None = None) -> str:
    if g.get("error"):
        return f"(socket: {g['error']})"
    if g["max"] is None:
        s = f"none accepted (group 1: {g['first_refused_errno']})"
    elif g["capped"]:
        s = f"1..≥{g['max']} (never refused up to the cap)"
    else:
        s = f"1..{g['max']}"
        if g["first_refused"] is not None and g["first_refused"] == g["max"] + 1:
            s += f" ({g['first_refused']}: {g['first_refused_errno']})"
    holes = g.get("refused_below_max") or {}
    if holes:
        s += "; refused inside: " + ", ".join(f"{k}:{v}" for k, v in sorted(holes.items(), key=lambda x: int(x[0])))
    s += f"; group 0: {g['group0']}"
    return s


def render(info: dict[str, Any]) -> str:
    """`kernel_info.collect`'s report as readable text."""
    lines = [f"kernel {info['kernel']}   (UAPI headers {info['headers']})", "", "netlink protocols:"]
    width = max(len(e["name"] or "") for e in info["protocols"].values()) + 2
    for p, e in info["protocols"].items():
        name = e["name"] or "(beyond MAX_LINKS)"
        if e["open"] == "ok":
            lines.append(f"  {int(p):>3}  {name:<{width}} open   groups {_groups_text(e['groups'])}")
        else:
            lines.append(f"  {int(p):>3}  {name:<{width}} {e['open']}")
    kinds = info.get("link_kinds")
    if kinds is not None:
        ok = [k for k, v in kinds.items() if v["result"] == "ok"]
        lines += ["", "link kinds (RTM_NEWLINK in a throwaway namespace):", "  created: " + (", ".join(ok) or "none")]
        for k, v in kinds.items():
            if v["result"] != "ok":
                lines.append(f"  {k}: {v['result']}" + (f" ({v['extack']})" if v["extack"] else ""))
    hd = info.get("header_disagreements")
    if hd is not None:
        lines += ["", "kernel vs headers:"]
        gm = hd["rtnl_group_max"]
        lines.append(f"  NETLINK_ROUTE groups: headers end at {gm['headers']}, the kernel accepts up to {gm['kernel']}"
                     + (f" (beyond the headers: {', '.join(map(str, hd['rtnl_groups_beyond_headers']))})"
                        if hd["rtnl_groups_beyond_headers"] else ""))
        if hd["protocols_beyond_headers"]:
            lines.append(f"  protocols the headers don't name: {hd['protocols_beyond_headers']}")
        for g, types in hd.get("unknown_notification_types", {}).items():
            lines.append(f"  notifications on group {g}: message types the headers don't name: "
                         f"{', '.join(map(str, types))}")
        for what, types in hd["unknown_message_types"].items():
            lines.append(f"  {what} dump: message types the headers don't name: {', '.join(map(str, types))}")
        beyond = hd.get("attributes_beyond_headers", [])
        if beyond:
            lines.append(f"  attributes newer than the headers (named by the tables): {', '.join(beyond)}")
        for space, types in hd["unknown_attributes"].items():
            lines.append(f"  {space}_* attributes neither the headers nor the tables name: "
                         f"{', '.join(map(str, types))}")
        if not (hd["rtnl_groups_beyond_headers"] or hd["protocols_beyond_headers"] or hd["unknown_message_types"]
                or hd.get("unknown_notification_types") or beyond
                or hd["unknown_attributes"]):
            lines.append("  none found")
    return "\n".join(lines)


__all__ = ["KIND_MAX", "add_parser", "render", "run"]
