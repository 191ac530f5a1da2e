"""The protocol registry: which netlink protocols open (netlink_create, nl_table, MAX_LINKS), which
socket types are refused, and what each protocol's kernel socket does with an NLMSG_NOOP.

Expected values come from the kernel source: netlink_create()'s checks, and for each protocol the
netlink_kernel_cfg written down (with its citation) in support.kernel_rules.kernel_cfgs().
"""
from __future__ import annotations

import pytest
from support.probes import (MAX_LINKS, NEGATIVE_PROTOCOLS, noop_table, open_protocols, protocol_key, protocol_name,
                            PROTOCOL_NUMBERS, socket_outcome, socket_table, socket_table_fresh_netns, SOCKET_TYPES)
from support.kernel_rules import kernel_cfgs, NEVER_REGISTERED, predict_noop
from support.requirements import missing, protocol_params

from netlink_probe import constants as C


def test_every_protocol_number_either_opens_or_is_refused_with_eprotonosupport(observe):
    """netlink_create: a registered nl_table slot opens (after request_module on modular kernels); any other
    number in 0..MAX_LINKS-1 fails with EPROTONOSUPPORT — never another errno."""
    table = socket_table()
    for n in PROTOCOL_NUMBERS + NEGATIVE_PROTOCOLS:
        observe(f"protocol.{n}.socket", table[n])
    odd = {n: v for n, v in table.items() if v not in ("ok", "EPROTONOSUPPORT")}
    assert not odd, f"socket() failed with something other than EPROTONOSUPPORT: {odd}"


def test_numbers_past_max_links_and_negative_numbers_are_refused():
    """netlink_create: `protocol < 0 || protocol >= MAX_LINKS` -> EPROTONOSUPPORT; libc passes negative
    numbers straight through (Python's socket module would have turned -1 into 0)."""
    table = socket_table()
    outside = [n for n in PROTOCOL_NUMBERS + NEGATIVE_PROTOCOLS if n < 0 or n >= MAX_LINKS]
    assert {n: table[n] for n in outside} == {n: "EPROTONOSUPPORT" for n in outside}


def test_protocol_numbers_without_a_kernel_user_are_refused():
    """netlink_create: nl_table[n].registered is 0 for numbers whose users were removed (ip_queue, ULOG,
    DECnet, eCryptfs' transport) or never existed: EPROTONOSUPPORT."""
    table = socket_table()
    got = {n: table[n] for n in NEVER_REGISTERED}
    assert got == {n: "EPROTONOSUPPORT" for n in NEVER_REGISTERED}, \
        {n: (v, NEVER_REGISTERED[n]) for n, v in got.items() if v != "EPROTONOSUPPORT"}


def test_route_usersock_and_generic_always_open():
    """netlink_proto_init registers NETLINK_USERSOCK itself; rtnetlink_init and genl_init are built into
    every kernel with networking, so these three never depend on modules."""
    table = socket_table()
    want = (C.NETLINK_ROUTE, C.NETLINK_USERSOCK, C.NETLINK_GENERIC)
    assert {protocol_name(n): table[n] for n in want} == {protocol_name(n): "ok" for n in want}


def test_every_protocol_that_opens_has_a_documented_kernel_cfg():
    """netlink_kernel_create: every protocol this kernel registers has a netlink_kernel_cfg row (flags,
    input, per-netns) in support/kernel_rules.py, so its permission and NOOP cells can be predicted."""
    unknown = [protocol_name(p) for p in open_protocols() if p not in kernel_cfgs()]
    assert not unknown, f"protocols open on this kernel without a netlink_kernel_cfg row: {unknown}"


def test_protocols_open_the_same_way_in_a_fresh_namespace(observe):
    """netlink_create consults the global nl_table only: socket() gives the same answer in any netns,
    even for protocols whose kernel socket exists only in init_net (SELinux, connector)."""
    here, fresh = socket_table(), socket_table_fresh_netns()
    for n in PROTOCOL_NUMBERS:
        observe(f"protocol.{n}.socket.fresh_netns", fresh[n])
    assert fresh == here


@pytest.mark.parametrize("name", sorted(SOCKET_TYPES))
def test_only_raw_and_dgram_socket_types_are_accepted(name, observe):
    """netlink_create: `sock->type != SOCK_RAW && sock->type != SOCK_DGRAM` -> ESOCKTNOSUPPORT, checked
    before the protocol number (an unregistered protocol still gets ESOCKTNOSUPPORT)."""
    on_route = socket_outcome(C.NETLINK_ROUTE, SOCKET_TYPES[name])
    on_unregistered = socket_outcome(MAX_LINKS + 8, SOCKET_TYPES[name])
    observe(f"protocol.socktype.{name}", on_route)
    observe(f"protocol.socktype.{name}.unregistered_protocol", on_unregistered)
    if name in ("SOCK_RAW", "SOCK_DGRAM"):
        assert (on_route, on_unregistered) == ("ok", "EPROTONOSUPPORT")
    else:
        assert (on_route, on_unregistered) == ("ESOCKTNOSUPPORT", "ESOCKTNOSUPPORT")


@pytest.mark.parametrize("protocol", protocol_params("noop", starting_netns=True))
def test_noop_to_port_0_is_answered_as_the_protocols_input_callback_decides(protocol, observe):
    """netlink_unicast -> netlink_unicast_kernel: with an input callback the family answers NLMSG_NOOP
    (netlink_rcv_skb acks it; audit and a few others differ, see kernel_cfgs); without a kernel socket at
    port 0 (USERSOCK) or without an input callback (SELinux) sendto() fails with ECONNREFUSED."""
    cfg = kernel_cfgs().get(protocol)
    if cfg is None:
        pytest.fail(f"{protocol_name(protocol)} opens but has no netlink_kernel_cfg row")
    got = noop_table()[protocol][0]
    observe(f"protocol.{protocol_key(protocol)}.noop_to_kernel", got)
    assert got == predict_noop(cfg, fresh_netns=False), f"{cfg.source}: {cfg.noop_why}"


@pytest.mark.parametrize("protocol", protocol_params("noop"))
def test_noop_in_a_fresh_namespace_differs_only_for_init_net_only_protocols(protocol, observe):
    """netlink_getsockbyportid looks port 0 up in the sender's netns: protocols whose kernel socket is
    created for init_net only (connector, SELinux, SCSI) have none in a fresh netns -> ECONNREFUSED;
    pernet protocols answer exactly as in the initial namespace."""
    cfg = kernel_cfgs().get(protocol)
    if cfg is None:
        pytest.fail(f"{protocol_name(protocol)} opens but has no netlink_kernel_cfg row")
    here, fresh = noop_table()[protocol]
    key = f"protocol.{protocol_key(protocol)}.noop_to_kernel"
    observe(f"{key}.fresh_netns", fresh)
    if missing("init_netns") is None:  # `here` is init_net's answer only when the run started there
        observe(f"{key}.same_in_fresh_netns", here == fresh)
    assert fresh == predict_noop(cfg, fresh_netns=True), cfg.source


def test_uevent_socket_acks_noop_instead_of_refusing_it():
    """uevent_net_rcv (lib/kobject_uevent.c, since v4.18) gives NETLINK_KOBJECT_UEVENT an input callback in
    every netns: NLMSG_NOOP is acked by netlink_rcv_skb. Older books describe a broadcast-only socket
    that never listens (sendto -> ECONNREFUSED); that is no longer this kernel."""
    if C.NETLINK_KOBJECT_UEVENT not in open_protocols():
        pytest.skip("NETLINK_KOBJECT_UEVENT does not open: socket() -> "
                    + socket_table()[C.NETLINK_KOBJECT_UEVENT])
    assert noop_table()[C.NETLINK_KOBJECT_UEVENT] == ("ack", "ack")
