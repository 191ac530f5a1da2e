"""Which link kinds this kernel creates with RTM_NEWLINK, and the feature that decides it.

rtnl_newlink looks the kind up among the registered rtnl_link_ops, after
request_module("rtnl-link-<kind>"): a kind is creatable when its driver is built
in or its module loads.  ``driver_present(kind)`` asks /proc/kallsyms for a
function of the driver's ops (after the attempt, so an autoloaded module counts).
"""
from __future__ import annotations

import functools

import pytest

from netlink_probe import kernel_info

from .kallsyms import kernel_has

__all__ = ["DRIVER_SYMBOLS", "TUN_REFUSAL", "UNKNOWN_KIND", "driver_present", "link_kind", "skip_without_kind"]

UNKNOWN_KIND = "Unknown device type"  # rtnl_newlink's extack when no rtnl_link_ops has the kind
TUN_REFUSAL = "tun/tap creation via rtnetlink is not supported."  # tun_validate: only TUNSETIFF makes tun devices

# A function of each kind's rtnl_link_ops (address taken, so never inlined away).
DRIVER_SYMBOLS = {
    "veth": "veth_newlink", "bridge": "br_dev_newlink", "vxlan": "vxlan_newlink", "ifb": "ifb_setup",
    "macvlan": "macvlan_newlink", "dummy": "dummy_setup", "vlan": "vlan_newlink", "bond": "bond_newlink",
    "vrf": "vrf_newlink", "tun": "tun_validate",
}


def driver_present(kind: str) -> bool | None:
    """Whether the kind's driver is in the kernel now (None: /proc/kallsyms unreadable, no probe)."""
    return kernel_has(DRIVER_SYMBOLS[kind])


@functools.cache
def link_kind(kind: str) -> tuple[str, str | None]:
    """('ok', None) when this kernel can create *kind*, else (errno name, extack) — probed once per process."""
    return kernel_info.link_kind(kind)


def skip_without_kind(kind: str) -> None:
    """Skip the test, naming the kernel's answer, when *kind* cannot be created (the require_kind fixture)."""
    result, ext = link_kind(kind)
    if result != "ok":
        pytest.skip(f"link kind {kind!r} unavailable: RTM_NEWLINK in a fresh netns answered {result}"
                    + (f" ({ext!r})" if ext else ""))
