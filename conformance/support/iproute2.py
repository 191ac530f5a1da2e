"""iproute2 as an independent witness: `ip` run inside a namespace, and its JSON normalised.

``ip(ns, *args)`` is the one place the suite runs `ip` (through nsenter, so the
namespace is the one the test holds); ``ip_json`` parses ``ip -j``;
``ip_view(ns, kind)`` turns iproute2's view into the dicts of ``normalise``
(only the fields ip shows).
"""
from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from netlink_probe import constants as C

from .normalise import canon_ip

__all__ = ["IP_FLAGS_MASK", "have_ip", "ip", "ip_json", "ip_view"]

# iproute2's print_link_flags() never prints IFF_RUNNING: compare link flags with ip only under this mask
IP_FLAGS_MASK = ~C.IFF_RUNNING & 0xFFFFFFFF
_IFF = {k[len("IFF_"):]: v for k, v in C.VALUES.items() if k.startswith("IFF_")}
_FAM = {"inet": C.AF_INET, "inet6": C.AF_INET6, "bridge": C.AF_BRIDGE, "link": C.AF_PACKET}
_TABLES = {"main": C.RT_TABLE_MAIN, "local": C.RT_TABLE_LOCAL, "default": C.RT_TABLE_DEFAULT}


def have_ip() -> bool:
    """iproute2's ip and util-linux's nsenter are both installed."""
    return bool(shutil.which("ip") and shutil.which("nsenter"))


def ip(ns: Any, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    """`ip ARGS` inside *ns* (anything with a ``path``: a NetNS), text output captured."""
    return subprocess.run(["nsenter", f"--net={ns.path}", "ip", *args], capture_output=True, text=True,
                          timeout=30, check=check)


def ip_json(ns: Any, *args: str) -> Any:
    """`ip -j ARGS` inside *ns*, parsed; skips the test when ip or nsenter is missing."""
    if not have_ip():
        pytest.skip("iproute2's ip or util-linux's nsenter is not installed")
    out = ip(ns, "-j", *args, check=True).stdout
    return json.loads(out) if out.strip() else []


def _flags(names: Any) -> int:
    v = 0
    for n in names or ():
        v |= _IFF.get(n, 0)
    return v


def _links(ns: Any) -> list[dict]:
    links = ip_json(ns, "-d", "link", "show")
    by_name = {x["ifname"]: x["ifindex"] for x in links}
    out = []
    for x in links:
        o = {"index": x["ifindex"], "name": x["ifname"], "mtu": x.get("mtu"),
             "flags": _flags(x.get("flags")), "address": x.get("address"),  # flags: no RUNNING
             "broadcast": x.get("broadcast"), "kind": (x.get("linkinfo") or {}).get("info_kind"),
             "operstate": x.get("operstate")}
        if "master" in x:
            o["master"] = by_name.get(x["master"])
        if "link_index" in x:
            o["link"] = x["link_index"]
        elif "link" in x and x["link"] in by_name:
            o["link"] = by_name[x["link"]]
        out.append(o)
    return out


def _addresses(ns: Any) -> list[dict]:
    out = []
    for x in ip_json(ns, "address", "show"):
        for a in x.get("addr_info", []):
            out.append({"family": _FAM.get(a.get("family")), "index": x["ifindex"], "prefixlen": a.get("prefixlen"),
                        "local": canon_ip(a.get("local")), "label": a.get("label"),
                        "address": canon_ip(a.get("address", a.get("local")))})
    return out


def _ifindexes(ns: Any) -> dict[str, int]:
    return {x["ifname"]: x["ifindex"] for x in ip_json(ns, "link", "show")}


def _neighbours(ns: Any) -> list[dict]:
    idx = _ifindexes(ns)
    out = []
    for x in ip_json(ns, "neigh", "show"):
        dst = canon_ip(x.get("dst"))
        fam = C.AF_INET6 if dst and ":" in dst else C.AF_INET
        out.append({"family": fam, "ifindex": idx.get(x.get("dev")), "dst": dst, "lladdr": x.get("lladdr")})
    return out


def _prefix(dst: str, family: int) -> tuple[str | None, int]:
    if dst == "default":
        return None, 0
    if "/" in dst:
        addr, plen = dst.split("/")
        return addr, int(plen)
    return dst, 32 if family == C.AF_INET else 128


def _routes(ns: Any) -> list[dict]:
    idx = _ifindexes(ns)
    out = []
    for fam, flag in ((C.AF_INET, "-4"), (C.AF_INET6, "-6")):
        for x in ip_json(ns, flag, "route", "show", "table", "all"):
            addr, plen = _prefix(x.get("dst", "default"), fam)
            table = x.get("table", "main")
            o = {"family": fam, "dst": canon_ip(addr), "dst_len": plen, "table": int(_TABLES.get(table, table)),
                 "gateway": canon_ip(x.get("gateway")), "priority": x.get("metric")}
            if "dev" in x:
                o["oif"] = idx.get(x["dev"])
            out.append(o)
    return out


def _neightbls(ns: Any) -> list[dict]:
    return [{"family": _FAM.get(x.get("family"), x.get("family")), "name": x.get("name"),
             "thresh1": x.get("thresh1"), "thresh2": x.get("thresh2"), "thresh3": x.get("thresh3"),
             "gc_interval": x.get("gc_interval")} for x in ip_json(ns, "ntable", "show")]


def _nsids(ns: Any) -> list[dict]:
    return [{"nsid": x.get("nsid")} for x in ip_json(ns, "netns", "list-id")]


_VIEWS = {"link": _links, "address": _addresses, "neighbour": _neighbours, "route": _routes,
          "neightbl": _neightbls, "nsid": _nsids}


def ip_view(ns: Any, kind: str) -> list[dict]:
    """iproute2's view of *kind* objects in *ns*, normalised to the fields it shows.

    Link flags lack IFF_RUNNING (iproute2 hides it): compare them under ``IP_FLAGS_MASK``."""
    try:
        view = _VIEWS[kind]
    except KeyError:
        raise ValueError(f"no iproute2 view for {kind!r}") from None
    return view(ns)
