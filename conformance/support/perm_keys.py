"""Profile keys of the permission matrix: generic netlink groups by family and group NAME.

The kernel hands out generic netlink multicast group ids at run time
(genl_validate_assign_mc_groups), so module load order renumbers them; a key
built on the number would make a cross-kernel diff report numbering, not
behaviour.  ``bind.<G>`` / ``add_membership.<G>`` cells of NETLINK_GENERIC are
therefore keyed ``perm.<ctx>.NETLINK_GENERIC.<family>.<group>.<op>``; group
numbers no family owns collapse into one ``...NETLINK_GENERIC.unassigned.<op>``
key whose value lists the distinct outcomes.  Every other cell keeps its key.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from netlink_probe import constants as C

__all__ = ["perm_observations"]

_NUMBERED = re.compile(r"(bind|add_membership)\.(\d+)")


def perm_observations(context: str, protocol: int, protocol_key: str, cells: Mapping[str, str],
                      genl_groups: Mapping[int, tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """(profile key, value) of every cell of one permission-matrix row."""
    prefix = f"perm.{context}.{protocol_key}"
    unassigned: dict[str, set[str]] = {}
    for op, value in cells.items():
        m = _NUMBERED.fullmatch(op) if protocol == C.NETLINK_GENERIC else None
        if m is None:
            yield f"{prefix}.{op}", value
            continue
        owner = genl_groups.get(int(m.group(2)))
        if owner is None:
            unassigned.setdefault(m.group(1), set()).add(value)
        else:
            family, group = owner
            yield f"{prefix}.{family}.{group}.{m.group(1)}", value
    for op, values in sorted(unassigned.items()):
        yield f"{prefix}.unassigned.{op}", ",".join(sorted(values))
