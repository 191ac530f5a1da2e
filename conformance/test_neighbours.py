"""Neighbours: RTM_NEWNEIGH / RTM_DELNEIGH / RTM_GETNEIGH (net/core/neighbour.c) for ARP and ND entries.

The veth pair stays down and without addresses (fixture quiet_net), so the kernel creates no
neighbour of its own (no ARP, ND or MLD traffic) and every entry in a dump is one we made.
"""
import pytest
from support.expect import expect
from support.routes import dump_neigh, extack_value, get_neigh, kernel_error, neigh_dsts

from netlink_probe import constants as C
from netlink_probe import rtnl
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L

DST = {"inet": (C.AF_INET, "10.1.0.7", "10.1.0.8"), "inet6": (C.AF_INET6, "fd00::7", "fd00::8")}
MAC1, MAC2 = "02:00:00:00:00:07", "02:00:00:00:00:08"
fam_params = pytest.mark.parametrize("fam", ["inet", "inet6"])


def _add(net, dst, mac=MAC1, state=C.NUD_PERMANENT, flags=C.NLM_F_CREATE | C.NLM_F_EXCL):
    net.rt.do(rtnl.neigh(net.a, dst, mac, state=state, flags=flags))


@fam_params
@pytest.mark.parametrize("state", ["permanent", "stale"])
def test_new_neighbour_is_read_back_with_its_state_and_lladdr(quiet_net, fam, state):
    """neigh_add: the entry holds NDA_DST, NDA_LLADDR, ifindex and the requested NUD state."""
    family, dst, _ = DST[fam]
    nud = {"permanent": C.NUD_PERMANENT, "stale": C.NUD_STALE}[state]
    _add(quiet_net, dst, state=nud)
    d = get_neigh(quiet_net.rt, quiet_net.a, dst)
    h = d["header"]
    assert (h["ndm_family"], h["ndm_ifindex"], h["ndm_state"]) == (family, quiet_net.a, nud)
    assert (d["attrs"]["NDA_DST"], d["attrs"]["NDA_LLADDR"]) == (dst, MAC1)


@fam_params
def test_create_excl_on_an_existing_neighbour_is_eexist(quiet_net, fam, observe):
    """neigh_add: NLM_F_EXCL and an entry for the key already exists -> EEXIST."""
    _, dst, _ = DST[fam]
    _add(quiet_net, dst)
    e = kernel_error(_add, quiet_net, dst, MAC2)
    observe(f"error.newneigh_duplicate_excl.{fam}", e.errno_name)
    assert e.errno_name == "EEXIST"
    assert get_neigh(quiet_net.rt, quiet_net.a, dst)["attrs"]["NDA_LLADDR"] == MAC1


@fam_params
@pytest.mark.parametrize("flags", ["create", "none"])
def test_update_without_replace_acks_but_keeps_a_permanent_lladdr(quiet_net, fam, flags, observe):
    """neigh_add drops NEIGH_UPDATE_F_OVERRIDE without NLM_F_REPLACE, so __neigh_update leaves a PERMANENT entry."""
    _, dst, _ = DST[fam]
    _add(quiet_net, dst)
    f = C.NLM_F_CREATE if flags == "create" else 0
    quiet_net.rt.do(rtnl.neigh(quiet_net.a, dst, MAC2, flags=f))  # acked with error 0 (raises otherwise)
    kept = get_neigh(quiet_net.rt, quiet_net.a, dst)["attrs"]["NDA_LLADDR"]
    observe(f"neigh.update_without_replace_changes_lladdr.{flags}.{fam}", kept != MAC1)
    assert kept == MAC1


@fam_params
@pytest.mark.parametrize("flags", ["create_replace", "replace"])
def test_replace_overrides_the_lladdr_of_an_existing_neighbour(quiet_net, fam, flags):
    """neigh_add: NLM_F_REPLACE keeps NEIGH_UPDATE_F_OVERRIDE, so __neigh_update installs the new lladdr."""
    _, dst, _ = DST[fam]
    _add(quiet_net, dst)
    f = C.NLM_F_REPLACE | (C.NLM_F_CREATE if flags == "create_replace" else 0)
    quiet_net.rt.do(rtnl.neigh(quiet_net.a, dst, MAC2, flags=f))
    assert get_neigh(quiet_net.rt, quiet_net.a, dst)["attrs"]["NDA_LLADDR"] == MAC2


@fam_params
def test_update_without_create_of_a_missing_neighbour_is_enoent(quiet_net, fam, observe):
    """neigh_add: no entry and no NLM_F_CREATE -> ENOENT."""
    _, dst, _ = DST[fam]
    e = kernel_error(_add, quiet_net, dst, flags=C.NLM_F_REPLACE)
    observe(f"error.newneigh_missing_without_create.{fam}", e.errno_name)
    assert e.errno_name == "ENOENT"
    assert neigh_dsts(dump_neigh(quiet_net.rt)) == set()


@fam_params
def test_new_neighbour_without_nda_dst_is_einval_with_extack(quiet_net, fam, observe):
    """neigh_add: tb[NDA_DST] missing -> EINVAL, 'Network address not specified'."""
    family, _, _ = DST[fam]
    e = kernel_error(quiet_net.rt.do, rtnl.neigh(quiet_net.a, None, MAC1, family=family))
    observe(f"error.newneigh_no_dst.{fam}", e.errno_name)
    observe(f"error.newneigh_no_dst.{fam}.extack", extack_value(e))
    assert e.errno_name == "EINVAL"
    assert e.extack_msg == "Network address not specified"


@fam_params
def test_nda_dst_shorter_than_the_table_key_is_einval_with_extack(quiet_net, fam, observe):
    """neigh_add: nla_len(NDA_DST) < tbl->key_len -> EINVAL, 'Invalid network address'."""
    family, _, _ = DST[fam]
    payload = L.NDMSG.pack(ndm_family=family, ndm_ifindex=quiet_net.a, ndm_state=C.NUD_PERMANENT)
    payload += A.attr(C.NDA_DST, b"\x0a\x01") + A.attr(C.NDA_LLADDR, bytes(6))
    e = kernel_error(quiet_net.rt.sock.request, C.RTM_NEWNEIGH, C.NLM_F_CREATE | C.NLM_F_EXCL, payload)
    observe(f"error.newneigh_short_dst.{fam}", e.errno_name)
    observe(f"error.newneigh_short_dst.{fam}.extack", extack_value(e))
    assert e.errno_name == "EINVAL"
    assert e.extack_msg == "Invalid network address"


def test_nda_dst_longer_than_the_table_key_is_cut_to_the_key_length(quiet_net, observe):
    """neigh_add checks only nla_len(NDA_DST) >= key_len: an IPv6-sized NDA_DST in AF_INET keys on its first 4 bytes."""
    quiet_net.rt.do(rtnl.neigh(quiet_net.a, "fd00::8", MAC1, family=C.AF_INET))  # fd 00 00 00 ...
    got = neigh_dsts(dump_neigh(quiet_net.rt))
    observe("neigh.long_dst_truncated.inet", got == {(C.AF_INET, "253.0.0.0")})
    assert got == {(C.AF_INET, "253.0.0.0")}


@fam_params
def test_lladdr_shorter_than_the_device_address_is_einval_with_extack(quiet_net, fam, observe):
    """neigh_add: nla_len(NDA_LLADDR) < dev->addr_len -> EINVAL, 'Invalid link address'."""
    _, dst, _ = DST[fam]
    e = kernel_error(_add, quiet_net, dst, b"\x02\x00\x00")
    observe(f"error.newneigh_short_lladdr.{fam}", e.errno_name)
    observe(f"error.newneigh_short_lladdr.{fam}.extack", extack_value(e))
    assert e.errno_name == "EINVAL"
    assert e.extack_msg == "Invalid link address"


def test_lladdr_longer_than_the_device_address_is_cut_to_addr_len(quiet_net, observe):
    """neigh_add accepts NDA_LLADDR >= dev->addr_len; __neigh_update copies only addr_len (6) bytes."""
    _add(quiet_net, "10.1.0.7", bytes.fromhex("0200000000070a0b"))
    got = get_neigh(quiet_net.rt, quiet_net.a, "10.1.0.7")["attrs"]["NDA_LLADDR"]
    observe("neigh.long_lladdr_truncated.inet", got == "02:00:00:00:00:07")
    assert got == "02:00:00:00:00:07"


def test_permanent_entry_without_lladdr_is_einval_yet_leaves_an_incomplete_entry(quiet_net, observe):
    """neigh_add creates the entry before __neigh_update refuses 'No link layer address given'; it stays as NUD_NONE."""
    e = kernel_error(_add, quiet_net, "10.1.0.13", None)
    left = get_neigh(quiet_net.rt, quiet_net.a, "10.1.0.13")
    observe("error.newneigh_permanent_without_lladdr.inet", e.errno_name)
    observe("error.newneigh_permanent_without_lladdr.inet.extack", extack_value(e))
    observe("neigh.failed_permanent_without_lladdr_leaves_state", left["header"]["ndm_state"])
    assert e.errno_name == "EINVAL"
    assert e.extack_msg == "No link layer address given"
    assert left["header"]["ndm_state"] == C.NUD_NONE
    assert "NDA_LLADDR" not in left["attrs"]


def test_new_neighbour_without_device_is_einval_with_extack(quiet_net, observe):
    """neigh_add: ndm_ifindex 0 -> EINVAL, 'Device not specified' (an unknown index is ENODEV)."""
    e = kernel_error(quiet_net.rt.do, rtnl.neigh(0, "10.1.0.7", MAC1))
    unknown = kernel_error(quiet_net.rt.do, rtnl.neigh(4242, "10.1.0.7", MAC1))
    observe("error.newneigh_no_device.inet", e.errno_name)
    observe("error.newneigh_no_device.inet.extack", extack_value(e))
    observe("error.newneigh_unknown_device.inet", unknown.errno_name)
    assert (e.errno_name, e.extack_msg) == ("EINVAL", "Device not specified")
    assert unknown.errno_name == "ENODEV"


def test_new_neighbour_of_a_family_without_a_table_is_eafnosupport(quiet_net, observe):
    """neigh_add: neigh_find_table(ndm_family) finds nothing -> EAFNOSUPPORT."""
    e = kernel_error(quiet_net.rt.do, rtnl.neigh(quiet_net.a, "10.1.0.7", MAC1, family=C.AF_PACKET))
    observe("error.newneigh_family_without_table", e.errno_name)
    assert e.errno_name == "EAFNOSUPPORT"


@fam_params
def test_delete_removes_the_neighbour(quiet_net, fam):
    """neigh_delete: the entry is gone from GETNEIGH and from the dump."""
    family, dst, other = DST[fam]
    _add(quiet_net, dst)
    _add(quiet_net, other)
    quiet_net.rt.do(rtnl.neigh(quiet_net.a, dst, None, cmd=C.RTM_DELNEIGH, flags=0))
    assert neigh_dsts(dump_neigh(quiet_net.rt)) == {(family, other)}


@fam_params
def test_deleting_a_missing_neighbour_is_enoent(quiet_net, fam, observe):
    """neigh_delete: neigh_lookup finds nothing -> ENOENT."""
    _, dst, _ = DST[fam]
    e = kernel_error(quiet_net.rt.do, rtnl.neigh(quiet_net.a, dst, None, cmd=C.RTM_DELNEIGH, flags=0))
    observe(f"error.delneigh_missing.{fam}", e.errno_name)
    assert e.errno_name == "ENOENT"


def test_getneigh_of_a_missing_entry_is_enoent_with_extack(quiet_net, observe):
    """neigh_get: neigh_lookup fails -> ENOENT, 'Neighbour entry not found'."""
    e = kernel_error(get_neigh, quiet_net.rt, quiet_net.a, "10.1.0.99")
    observe("error.getneigh_missing", e.errno_name)
    observe("error.getneigh_missing.extack", extack_value(e))
    assert (e.errno_name, e.extack_msg) == ("ENOENT", "Neighbour entry not found")


def test_getneigh_without_device_is_einval_with_extack(quiet_net, observe):
    """neigh_get: a non-proxy lookup needs ndm_ifindex -> EINVAL, 'No device specified'."""
    _add(quiet_net, "10.1.0.7")
    e = kernel_error(get_neigh, quiet_net.rt, 0, "10.1.0.7")
    observe("error.getneigh_no_device", e.errno_name)
    observe("error.getneigh_no_device.extack", extack_value(e))
    assert (e.errno_name, e.extack_msg) == ("EINVAL", "No device specified")


def test_getneigh_with_an_unknown_device_is_enodev_with_extack(quiet_net, observe):
    """neigh_get: __dev_get_by_index fails -> ENODEV, 'Unknown device ifindex'."""
    e = kernel_error(get_neigh, quiet_net.rt, 4242, "10.1.0.7")
    observe("error.getneigh_unknown_device", e.errno_name)
    observe("error.getneigh_unknown_device.extack", extack_value(e))
    assert (e.errno_name, e.extack_msg) == ("ENODEV", "Unknown device ifindex")


def test_getneigh_without_nda_dst_is_einval_naming_the_missing_attribute(quiet_net, observe):
    """neigh_get / neigh_valid_get_req: no NDA_DST -> EINVAL; older kernels say it in text, newer set miss_type."""
    e = kernel_error(quiet_net.rt.get, rtnl.neigh(quiet_net.a, None, cmd=C.RTM_GETNEIGH, flags=0, state=0))
    observe("error.getneigh_no_dst", e.errno_name)
    observe("error.getneigh_no_dst.extack", extack_value(e))
    observe("error.getneigh_no_dst.miss_type", e.miss_type if e.miss_type is not None else "none")
    assert e.errno_name == "EINVAL"
    expect((e.extack_msg or None, e.miss_type), "error.getneigh_no_dst.miss_type").since(
        "6.17", (None, C.NDA_DST), why="'neighbour: Move two validations from neigh_get() to "
        "neigh_valid_get_req()': NL_SET_ERR_ATTR_MISS(NDA_DST) replaced the text").before(
        ("Network address not specified", None))


def test_getneigh_checks_the_header_even_without_strict_check(quiet_net, observe):
    """neigh_valid_get_req is always strict: a nonzero ndm_state -> EINVAL 'Invalid values in header ...'."""
    _add(quiet_net, "10.1.0.7")
    req = rtnl.neigh(quiet_net.a, "10.1.0.7", cmd=C.RTM_GETNEIGH, flags=0, state=C.NUD_PERMANENT)
    e = kernel_error(quiet_net.rt.get, req)
    observe("error.getneigh_state_in_header_lax", e.errno_name)
    observe("error.getneigh_state_in_header_lax.extack", extack_value(e))
    assert (e.errno_name, e.extack_msg) == ("EINVAL", "Invalid values in header for neighbor get request")


def test_getneigh_with_an_attribute_other_than_nda_dst_is_einval_with_extack(quiet_net, observe):
    """neigh_valid_get_req: only NDA_DST is allowed -> 'Unsupported attribute in neighbor get request'."""
    payload = L.NDMSG.pack(ndm_family=C.AF_INET, ndm_ifindex=quiet_net.a)
    payload += A.attr(C.NDA_DST, bytes([10, 1, 0, 7])) + A.u32(C.NDA_PROBES, 1)
    e = kernel_error(quiet_net.rt.sock.request, C.RTM_GETNEIGH, 0, payload, ack=False)
    observe("error.getneigh_extra_attribute", e.errno_name)
    observe("error.getneigh_extra_attribute.extack", extack_value(e))
    assert (e.errno_name, e.extack_msg) == ("EINVAL", "Unsupported attribute in neighbor get request")


@pytest.mark.parametrize("fam", ["inet", "inet6", "unspec"])
def test_dump_by_family_lists_only_that_familys_entries(quiet_net, fam):
    """neigh_dump_info: ndm_family picks the table (arp_tbl, nd_tbl); AF_UNSPEC walks them all."""
    for f in ("inet", "inet6"):
        _add(quiet_net, DST[f][1])
    want = {"inet": {(C.AF_INET, "10.1.0.7")}, "inet6": {(C.AF_INET6, "fd00::7")},
            "unspec": {(C.AF_INET, "10.1.0.7"), (C.AF_INET6, "fd00::7")}}[fam]
    family = {"inet": C.AF_INET, "inet6": C.AF_INET6, "unspec": C.AF_UNSPEC}[fam]
    assert neigh_dsts(dump_neigh(quiet_net.rt, family)) == want


@pytest.mark.parametrize("strict", [False, True], ids=["lax", "strict"])
def test_dump_filtered_by_nda_ifindex_is_honoured_and_flagged_with_or_without_strict(quiet_net, netns, strict,
                                                                                   observe):
    """neigh_valid_dump_req parses NDA_IFINDEX even without strict check; neigh_dump_info sets NLM_F_DUMP_FILTERED."""
    net = quiet_net
    net.rt.do(rtnl.neigh(net.a, "10.1.0.7", MAC1))
    net.rt.do(rtnl.neigh(net.b, "10.1.0.8", MAC2))
    with rtnl.Rtnl(netns, strict=strict) as r:
        msgs = dump_neigh(r, C.AF_INET, A.u32(C.NDA_IFINDEX, net.a))
    mode = "strict" if strict else "lax"
    observe(f"neigh.dump_ifindex_filter_honoured.{mode}", neigh_dsts(msgs) == {(C.AF_INET, "10.1.0.7")})
    assert neigh_dsts(msgs) == {(C.AF_INET, "10.1.0.7")}
    assert all(m.flags & C.NLM_F_DUMP_FILTERED for m in msgs)


def test_dump_filtered_by_a_device_with_no_entries_is_empty(quiet_net):
    """neigh_dump_table / neigh_ifindex_filtered: a filter matching no entry yields an empty dump, not an error."""
    quiet_net.rt.do(rtnl.neigh(quiet_net.a, "10.1.0.7", MAC1))
    assert dump_neigh(quiet_net.rt, C.AF_INET, A.u32(C.NDA_IFINDEX, quiet_net.b)) == []
    assert dump_neigh(quiet_net.rt, C.AF_INET, A.u32(C.NDA_MASTER, quiet_net.a)) == []  # a is nobody's master


def test_strict_dump_with_ndm_ifindex_in_the_header_is_einval_with_extack(quiet_net, netns, observe):
    """neigh_valid_dump_req (strict): ndm_ifindex/state/flags in the header -> 'Invalid values in header ...'."""
    with rtnl.Rtnl(netns, strict=True) as r:
        e = kernel_error(dump_neigh, r, C.AF_INET, ndm_ifindex=quiet_net.a)
    observe("error.getneigh_dump_strict_header_ifindex", e.errno_name)
    observe("error.getneigh_dump_strict_header_ifindex.extack", extack_value(e))
    assert (e.errno_name, e.extack_msg) == ("EINVAL", "Invalid values in header for neighbor dump request")


def test_lax_dump_ignores_ndm_ifindex_in_the_header(quiet_net):
    """neigh_valid_dump_req (not strict): the header is not checked and ndm_ifindex is no filter."""
    quiet_net.rt.do(rtnl.neigh(quiet_net.a, "10.1.0.7", MAC1))
    quiet_net.rt.do(rtnl.neigh(quiet_net.b, "10.1.0.8", MAC2))
    msgs = dump_neigh(quiet_net.rt, C.AF_INET, ndm_ifindex=quiet_net.a)
    assert neigh_dsts(msgs) == {(C.AF_INET, "10.1.0.7"), (C.AF_INET, "10.1.0.8")}
    assert not any(m.flags & C.NLM_F_DUMP_FILTERED for m in msgs)


def test_strict_dump_with_an_unsupported_attribute_is_einval_with_extack(netns, observe):
    """neigh_valid_dump_req (strict): attributes other than NDA_IFINDEX/NDA_MASTER -> 'Unsupported attribute ...'."""
    with rtnl.Rtnl(netns, strict=True) as r:
        e = kernel_error(dump_neigh, r, C.AF_INET, A.u32(C.NDA_PROBES, 1))
    observe("error.getneigh_dump_strict_bad_attr", e.errno_name)
    observe("error.getneigh_dump_strict_bad_attr.extack", extack_value(e))
    assert (e.errno_name, e.extack_msg) == ("EINVAL", "Unsupported attribute in neighbor dump request")
