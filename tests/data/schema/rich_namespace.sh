#!/bin/sh
# The namespace tests/data/schema/*.bin were dumped from: run as root with `unshare -n sh rich_namespace.sh OUTDIR`
# (the namespace dies with the shell).  Needs iproute2 and the veth, bridge, vxlan, macvlan, macvtap, ifb, tun drivers.
set -e
ip link set lo up
ip link add va address 02:00:00:00:00:0a type veth peer name vb address 02:00:00:00:00:0b
ip link add vc address 02:00:00:00:00:0c type veth peer name vd address 02:00:00:00:00:0d
ip link add br0 address 02:00:00:00:00:b0 type bridge
ip link set vb master br0; ip link set vd master br0
ip link add vx0 address 02:00:00:00:00:e0 type vxlan id 42 dstport 4790 local 10.9.0.1 dev va
ip link add mv0 address 02:00:00:00:00:f0 link va type macvlan mode bridge
ip link add mvt0 address 02:00:00:00:00:f1 link vc type macvtap mode vepa
ip link add ifb0 type ifb
ip tuntap add tap0 mode tap
for l in va vb vc vd br0 vx0 mv0 ifb0; do ip link set $l up; done
ip addr add 10.9.0.1/24 dev va; ip addr add fd00::1/64 dev va nodad
ip addr add 10.8.0.1/24 dev br0
bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.9.0.2 port 4791 vni 42
bridge fdb add 02:11:22:33:44:55 dev vx0 dst 10.9.0.3
ip route add 10.50.0.0/16 nexthop via 10.9.0.2 dev va nexthop via 10.9.0.3 dev va
ip route add 10.60.0.0/16 via 10.9.0.2 mtu 1400 advmss 1300 rto_min 20ms
ip route add 10.70.0.0/16 via 10.9.0.2 table 100 src 10.9.0.1
ip -6 route add fd01::/64 via fd00::2 dev va metric 50 pref high expires 300
ip neigh add 10.9.0.2 lladdr 02:00:00:00:00:02 dev va
ip neigh add fd00::2 lladdr 02:00:00:00:00:03 dev va nud stale
ip neigh add proxy 10.9.0.9 dev va
python3 "$(dirname "$0")/capture_dumps.py" "$1"
