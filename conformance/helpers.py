"""Shared helpers of the conformance suite (no fixtures here: see conftest.py)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from netlink_probe import KernelError, NetNS, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.errors import errno_name


def ip_json(ns: NetNS, *args: str):
    """`ip -j ARGS` run inside *ns* (iproute2 as an independent witness)."""
    if not shutil.which("ip") or not shutil.which("nsenter"):
        pytest.skip("iproute2's ip or util-linux's nsenter is not installed")
    out = subprocess.run(["nsenter", f"--net={ns.path}", "ip", "-j", *args], capture_output=True, text=True,
                         timeout=30, check=True).stdout
    return json.loads(out) if out.strip() else []


def outcome(fn, *args, **kwargs) -> str:
    """'ok' or the errno name of the OSError fn raised — the profile's value vocabulary."""
    try:
        fn(*args, **kwargs)
        return "ok"
    except OSError as e:
        return errno_name(e.errno)


def try_link_kind(kind: str, data: bytes = b"") -> tuple[str, str | None]:
    """Create a link of *kind* in a throwaway namespace: ('ok', None) or (errno name, extack text)."""
    with NetNS.create() as ns, rtnl.Rtnl(ns) as r:
        extra = {}
        if kind == "veth":
            data = data or rtnl.veth_peer("probe1")
        if kind in ("macvlan", "vlan", "ipvlan", "macvtap"):
            lower, _ = r.add_veth("lower0", "lower1")
            extra["link"] = lower
            if kind == "vlan":
                data = data or A.u16(C.IFLA_VLAN_ID, 10)
        if kind == "vrf":  # vrf_validate: "VRF table id is missing" without one
            data = data or A.u32(C.IFLA_VRF_TABLE, 1001)
        if kind == "vxlan":
            data = data or rtnl.vxlan_data(42, 4789)
        try:
            r.do(rtnl.new_link("probe0", kind, data, **extra))
            return "ok", None
        except KernelError as e:
            return e.errno_name, e.extack_msg


def is_root() -> bool:
    return os.geteuid() == 0
