"""The fallback tunnel devices a fresh network namespace gets from the tunnel modules already loaded.

ip_tunnel_init_net / ip6_tnl_init_net / sit_init_net (net/ipv4/ip_tunnel.c, net/ipv6/...) create a
module's fallback device (gre0, tunl0, sit0, ...) in every new namespace once the module is loaded,
unless net.core.fb_tunnels_only_for_init_net is 1 (init_net only) or 2 (none)
(net_has_fallback_tunnels).  A guest kernel loads these modules on demand, e.g. when a test creates
a gre link, so from then on every fresh namespace holds more than lo.
"""
from __future__ import annotations

import os

__all__ = ["FALLBACK_DEVICES", "expected_fallback_devices"]

# module (as /sys/module names it) -> the devices its pernet init creates
FALLBACK_DEVICES: dict[str, tuple[str, ...]] = {
    "ip_gre": ("gre0", "gretap0", "erspan0"),
    "ipip": ("tunl0",),
    "sit": ("sit0",),
    "ip6_tunnel": ("ip6tnl0",),
    "ip6_gre": ("ip6gre0",),
    "ip_vti": ("ip_vti0",),
    "ip6_vti": ("ip6_vti0",),
}


def expected_fallback_devices() -> set[str]:
    """The fallback devices a namespace created now gets (empty when the sysctl says only init_net or none)."""
    try:
        with open("/proc/sys/net/core/fb_tunnels_only_for_init_net") as f:
            if f.read().strip() != "0":
                return set()
    except OSError:  # a kernel without the sysctl (before 5.4): always created
        pass
    return {dev for mod, devs in FALLBACK_DEVICES.items() if os.path.isdir(f"/sys/module/{mod}") for dev in devs}
