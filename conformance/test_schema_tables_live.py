"""Every attribute the kernel sends in a dump of each object has a table entry whose type fits its length.

One namespace (conformance.support.schema_capture) holds addresses, routes with
metrics / multipath / encaps / nexthop ids, neighbours in several states,
proxies, bridge and vxlan fdb entries, rules, nexthops with groups, an nsid,
mdb entries and router ports, bridge VLANs where the kernel has VLAN
filtering; each object's dump is walked through the tables of
codec/schema (schema.fit.check): a number without an entry, or a length the
entry's type cannot have, fails the object's test, naming the attribute path.
A kernel newer than the tables' sources (TABLES_FROM) may send numbers above a
space's last entry: those are recorded (schema.beyond_tables.<object>), not
failed; below the last entry, or on an older kernel, a gap is a table bug.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from types import ModuleType

import pytest

from netlink_probe import NetNS
from netlink_probe.codec import message as M
from netlink_probe.codec.schema import addr, bridge, fit, genl, lwtunnel, neigh, neightbl, netconf, nexthop, nsid
from netlink_probe.codec.schema import route, rule
from netlink_probe.codec.schema.model import Space

from support.expect import kernel_version, parse_version
from support.iproute2 import have_ip
from support.schema_capture import OBJECTS, build, capture

#: The newest kernel whose sources the tables were checked against (the host the suite was written on).
TABLES_FROM = "6.18"
_NO_ENTRY = re.compile(r"_(\d+): no table entry in '([^']+)'")
TABLES: tuple[ModuleType, ...] = (addr, bridge, genl, lwtunnel, neigh, neightbl, netconf, nexthop, nsid, route, rule)


def spaces() -> dict[str, Space]:
    """The spaces of these tables (and of link_bridge's BRIDGE_QUERIER_* when it is there): name -> Space."""
    mods = list(TABLES)
    try:
        from netlink_probe.codec.schema import link_bridge
        mods.append(link_bridge)
    except ImportError:  # the link tables are another module's; the VLAN querier state needs them
        pass
    return {s.name: s for m in mods for s in m.SPACES}


@pytest.fixture(scope="module")
def dumps() -> Iterator[tuple[dict[str, list[bytes]], list[str]]]:
    """Every object's dump from one rich namespace, and the notes on what this kernel refused to build."""
    if not have_ip():
        pytest.skip("iproute2's ip or util-linux's nsenter is not installed")
    with NetNS.create() as ns, NetNS.create() as peer:
        built = build(ns, peer)
        yield capture(ns), built.notes


def misfits(obj: str, raw: list[bytes]) -> fit.Report:
    """The fit report over the kernel's messages of *obj* (requests sent are skipped: not the kernel's)."""
    hlen, root = OBJECTS[obj]
    report, tables = fit.Report(), spaces()
    for data in raw:
        for m in M.parse(data):
            if m.type >= 16 and not m.flags & 0x1:  # NLM_F_REQUEST: what this test sent
                report.merge(fit.check(m.buf, root, tables, start=m.payload_offset + hlen, end=m.end))
    return report


@pytest.mark.parametrize("obj", sorted(OBJECTS))
def test_every_attribute_in_a_dump_has_a_fitting_table_entry(obj: str, dumps: tuple[dict[str, list[bytes]],
                                                                                     list[str]], observe) -> None:
    """The attribute tables against the dump functions (rtnl_dump_ifaddr, fib_dump_info, neigh_dump_info, ...)."""
    data, notes = dumps
    if not data[obj]:
        pytest.skip(f"the kernel sent no {obj} objects here; refused: {[n for n in notes if 'vlan' in n][:1]}")
    report = misfits(obj, data[obj])
    assert report.checked > 0, f"no attributes in the {obj} dump"
    beyond = sorted({m for m in set(report.misfits) if _beyond_tables(m)})
    observe(f"schema.beyond_tables.{obj}", [m.split(": ")[0] for m in beyond])
    if kernel_version() <= parse_version(TABLES_FROM):
        beyond = []  # the tables' own kernels: a missing number is a table bug
    assert not set(report.misfits) - set(beyond), sorted(set(report.misfits) - set(beyond))[:20]


def _beyond_tables(misfit: str) -> bool:
    """A 'no table entry' misfit whose number is above its space's last entry (newer than the tables)."""
    m = _NO_ENTRY.search(misfit)
    sp = spaces().get(m.group(2)) if m else None
    return bool(m and sp and int(m.group(1)) > max(f.num for f in sp.fields))


def test_requests_with_attributes_iproute2_sends_fit_the_tables(dumps: tuple[dict[str, list[bytes]],
                                                                             list[str]]) -> None:
    """Requests this module sent (route get with be16 ports, a 4-byte RTA_EXPIRES) fit too: inet_rtm_getroute."""
    tables = spaces()
    requests = [m for data in dumps[0]["route"] for m in M.parse(data) if m.flags & 0x1]
    assert requests
    for m in requests:
        report = fit.check(m.buf, "route", tables, start=m.payload_offset + 12, end=m.end)
        assert not report.misfits, report.misfits
