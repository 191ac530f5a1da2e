"""The fast route renderer (iproute2.fast_routes) on what the kernel really sends: route_json's bytes, exactly.

A namespace gets routes of every kind `ip route` makes (gateways, multipath, metrics, prefsrc,
protocols, scopes, types, tos, tables above 255, IPv6 with pref and source routing, IPv4-mapped and
-compatible IPv6 destinations); fib_dump_info and rt6_fill_node build the messages.  The output of
`fast_routes.write_routes` must be byte for byte what route_json + json.dumps(indent=2) give.
"""
from __future__ import annotations

import io
import json
import subprocess

import pytest

from netlink_probe import rtnl
from netlink_probe import constants as C
from netlink_probe.iproute2.fast_routes import route_families, write_routes
from netlink_probe.iproute2.links import Links
from netlink_probe.iproute2.routes import route_json
from netlink_probe.iproute2.stream import JsonStream

# The routes must not change between the two dumps compared: no link-local addresses (addrconf adds them, and
# their routes, once the carrier is on), and the carrier on before any route is read (a nexthop whose device
# has none is dumped with RTNH_F_LINKDOWN: fib_nexthop_info).  Under TCG both came late enough to differ.
SETUP = r"""
echo 1 > /proc/sys/net/ipv6/conf/default/addr_gen_mode
ip link add v0 type veth peer name v1; ip link add 'we"i\rd' type veth peer name w1
for l in v0 v1 'we"i\rd' w1; do ip link set "$l" up; done
i=0; while [ "$(ip -o link show | grep -c LOWER_UP)" -lt 4 ]; do i=$((i + 1)); [ $i -lt 400 ]; sleep 0.05; done
ip addr add 10.1.0.1/24 dev v0; ip addr add 10.2.0.1/24 dev 'we"i\rd'; ip -6 addr add fd00::1/64 dev v0 nodad
ip route add 192.168.0.0/16 via 10.1.0.2
ip route add 192.168.5.5 via 10.1.0.2 metric 77 proto 42
ip route add 172.16.0.0/12 dev v0 src 10.1.0.1 scope link
ip route add 172.17.0.0/16 nexthop via 10.1.0.2 weight 2 nexthop via 10.2.0.2 weight 1
ip route add 10.9.0.0/16 via 10.1.0.2 table 100
ip route add 10.9.0.0/16 via 10.1.0.2 table 1000 metric 5
ip route add blackhole 10.10.0.0/16
ip route add unreachable 10.11.0.0/16 metric 9
ip route add prohibit 10.12.0.0/16 tos 0x10
ip route add 10.13.0.0/16 via 10.1.0.2 mtu 1400 advmss 1300 proto bird
ip route add 10.14.0.0/16 dev 'we"i\rd' onlink via 1.2.3.4
ip route add 10.15.0.0/16 dev v0 realm 5
ip route add default via 10.1.0.2
for i in $(seq 1 300); do echo "route add 10.50.$((i / 256)).$((i % 256))/32 dev v0 proto static"; done | ip -batch -
ip -6 route add fd01::/64 via fd00::2 metric 10
ip -6 route add fd02::/64 dev v0 pref high
ip -6 route add ::1.2.3.4/128 dev v0
ip -6 route add ::ffff:1.2.3.0/120 dev v0
ip -6 route add fd03::/64 nexthop via fd00::2 nexthop via fd00::3
ip -6 route add fd04::/64 via fd00::2 table 200 mtu 1300
ip -6 route add 2001:db8::/32 from fd00::/64 via fd00::2 || true
"""


def general(rt: rtnl.Rtnl, links: Links, family: int, table: int) -> str:
    objs = [d for f in route_families(family, table) for m in rt.dump("routes", f)
            for d in [route_json(m, links, f, table)] if d is not None]
    return json.dumps(objs, indent=2) + "\n"


@pytest.mark.parametrize("family,table", [(0, 254), (C.AF_INET6, 254), (0, 0), (C.AF_INET, 100), (C.AF_INET6, 0)])
def test_fast_route_json_is_route_jsons_bytes(netns, family, table):
    """fib_dump_info / rt6_fill_node messages of every kind: the fast renderer writes route_json's JSON exactly."""
    subprocess.run(["nsenter", f"--net={netns.path}", "sh", "-ec", SETUP], check=True, capture_output=True)
    buf = io.StringIO()
    with JsonStream(buf) as out:
        count = write_routes(netns, out, family=family, table=table)
    with rtnl.Rtnl(netns) as rt:
        want = general(rt, Links(rt.dump("links").all()), family, table)
    assert buf.getvalue() == want
    assert count == len(json.loads(want)) > 0
