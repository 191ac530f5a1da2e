"""The netlink-probe command without privileges: usage errors and `decode` on captured bytes.

The captured datagrams come from kernel 6.18 (a fresh namespace); the hand-built
ones exercise what no kernel sent us (unknown attribute types, flags).
"""
from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys

import pytest

import netlink_probe
from netlink_probe import constants as C
from netlink_probe.cli import main
from netlink_probe.cli.decode import read_input
from netlink_probe.codec import attribute as A
from netlink_probe.codec import encode
from netlink_probe.codec import layouts as L
from netlink_probe.codec.msgtypes import type_name

REPO = os.path.dirname(os.path.dirname(os.path.abspath(netlink_probe.__file__)))

# RTM_GETADDR dump (AF_INET) of a fresh namespace with lo up: RTM_NEWADDR 127.0.0.1/8 then NLMSG_DONE.
ADDR_DUMP = ("4c000000140002000100cc6ced2dbf8b020880fe01000000080001007f000001080002007f000001070003006c6f0000"
             "080008008000000014000600ffffffffffffffff97dc020097dc020014000000030002000100cc6ced2dbf8b00000000")
# RTM_NEWLINK veth with a 20-character IFLA_IFNAME: NLMSG_ERROR -ERANGE with the request echoed and
# extack (message, offset 32, policy).
ERANGE = ("a4000000020000020200cc6ced2dbf8bdeffffff4c000000100005060200cc6ced2dbf8b000000000000000000000000"
          "00000000190003007878787878787878787878787878787878787878000000001000128009000100766574680000000027"
          "000100417474726962757465206661696c656420706f6c6963792076616c69646174696f6e000008000200200000001400"
          "0480080007000f000000080001000b000000")
# A notification on group 37 (RTNLGRP_IPV4_MCADDR, kernel >= 6.13): type 56, ifaddrmsg, IFA_MULTICAST
# 224.0.0.1, IFA_CACHEINFO.
NEWMULTICAST = "34000000380000000000000000000000022080000300000008000700e000000114000600ffffffffffffffff97dc020097dc0200"

# CTRL_CMD_GETFAMILY "nlctrl" answered by the generic netlink controller (NETLINK_GENERIC).
NLCTRL = ("88000000100000000100003728750000010200000b0002006e6c6374726c0000060001001000000008000300020000000800"
          "04000000000008000500000000002c000600140001000800010003000000080002000e00000014000200080001000a000000"
          "080002000c0000001c0007001800010008000200100000000b0001006e6f746966790000")


def run(capsys, monkeypatch, argv, stdin: bytes | None = None):
    """main(argv) in-process: (exit status, stdout, stderr)."""
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    try:
        rc = main(argv)
    except SystemExit as e:  # argparse
        rc = e.code
    out, err = capsys.readouterr()
    return rc, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    return lines[0]


# -- decode ----------------------------------------------------------------------------------
def test_decode_names_type_flags_header_and_attributes_of_a_captured_address_dump(capsys, monkeypatch):
    rc, out, err = run(capsys, monkeypatch, ["decode"], ADDR_DUMP.encode())
    assert rc == 0, err
    assert "2 messages" in out
    assert "RTM_NEWADDR (20) flags=MULTI (0x2)" in out
    assert "ifaddrmsg: ifa_family=2 (AF_INET) ifa_prefixlen=8" in out
    assert "IFA_LOCAL (2): '127.0.0.1'" in out
    assert "IFA_LABEL (3): 'lo'" in out
    assert "NLMSG_DONE (3) flags=MULTI" in out


def test_decode_json_gives_the_cacheinfo_struct_by_field(capsys, monkeypatch):
    rc, out, _ = run(capsys, monkeypatch, ["decode", "--json"], ADDR_DUMP.encode())
    assert rc == 0
    msgs = json.loads(out)
    assert [m["type"] for m in msgs] == ["RTM_NEWADDR", "NLMSG_DONE"]
    ci = next(a for a in msgs[0]["attrs"] if a["name"] == "IFA_CACHEINFO")["value"]
    assert ci["ifa_valid"] == 0xFFFFFFFF and ci["ifa_prefered"] == 0xFFFFFFFF
    assert msgs[1]["done"]["errno"] == 0


def test_decode_detects_raw_binary_input(capsys, monkeypatch):
    rc, out, _ = run(capsys, monkeypatch, ["decode", "--json"], bytes.fromhex(ADDR_DUMP))
    assert rc == 0
    assert json.loads(out)[0]["header"]["ifaddrmsg"]["ifa_index"] == 1


def test_decode_accepts_0x_prefixes_separators_and_comments(capsys, monkeypatch):
    data = bytes.fromhex(NEWMULTICAST)
    text = "# a notification\n" + ", ".join(f"0x{b:02x}" for b in data[:20]) + "\n" + \
           ":".join(f"{b:02X}" for b in data[20:]) + "\n"
    rc, out, _ = run(capsys, monkeypatch, ["decode", "--json"], text.encode())
    assert rc == 0
    assert json.loads(out)[0]["type_number"] == 56


def test_decode_error_shows_errno_the_echoed_request_and_extack(capsys, monkeypatch):
    rc, out, _ = run(capsys, monkeypatch, ["decode", "--json"], ERANGE.encode())
    assert rc == 0
    (m,) = json.loads(out)
    e = m["error"]
    assert (e["errno"], e["name"]) == (34, "ERANGE")
    assert e["request"]["type"] == "RTM_NEWLINK"
    assert set(e["request"]["flags"]) == {"REQUEST", "ACK", "EXCL", "CREATE"}
    assert e["extack"]["msg"] == "Attribute failed policy validation"
    assert e["extack"]["offset"] == 32
    assert "ACK_TLVS" in m["flags"]


def test_decode_names_a_message_type_newer_than_the_headers_from_its_group_of_four(capsys, monkeypatch):
    rc, out, _ = run(capsys, monkeypatch, ["decode", "--json"], NEWMULTICAST.encode())
    assert rc == 0
    (m,) = json.loads(out)
    assert m["type"] == "RTM_NEWMULTICAST"  # 56: NEW of the group RTM_GETMULTICAST (58) belongs to
    assert m["object"] == "multicast"
    mc = next(a for a in m["attrs"] if a["name"] == "IFA_MULTICAST")
    assert mc["value"] == "224.0.0.1"


def test_decode_generic_netlink_controller_reply_with_its_arrays(capsys, monkeypatch):
    rc, out, _ = run(capsys, monkeypatch, ["decode", "--protocol", "generic", "--json"], NLCTRL.encode())
    assert rc == 0
    (m,) = json.loads(out)
    assert m["type"] == "GENL_ID_CTRL" and m["header"]["genlmsghdr"]["cmd"] == C.CTRL_CMD_NEWFAMILY
    attrs = {a["name"]: a for a in m["attrs"]}
    assert attrs["CTRL_ATTR_FAMILY_NAME"]["value"] == "nlctrl"
    assert attrs["CTRL_ATTR_FAMILY_ID"]["value"] == C.GENL_ID_CTRL
    groups = attrs["CTRL_ATTR_MCAST_GROUPS"]["attrs"]
    assert [g["name"] for g in groups[0]["attrs"]] == ["CTRL_ATTR_MCAST_GRP_ID", "CTRL_ATTR_MCAST_GRP_NAME"]
    assert groups[0]["attrs"][1]["value"] == "notify"


def test_decode_shows_unknown_attribute_types_as_numbers_with_hex(capsys, monkeypatch):
    payload = L.IFINFOMSG.pack(ifi_index=7) + A.string(C.IFLA_IFNAME, "x0") + A.attr(0x3ff0, b"\x01\x02\x03")
    data = encode(C.RTM_NEWLINK, 0, payload, 5, 6)
    rc, out, _ = run(capsys, monkeypatch, ["decode", "--json"], data.hex().encode())
    assert rc == 0
    attrs = json.loads(out)[0]["attrs"]
    unknown = next(a for a in attrs if a["type"] == 0x3ff0)
    assert unknown["known"] is False and unknown["value"]["hex"] == "010203"
    rc, out, _ = run(capsys, monkeypatch, ["decode"], data.hex().encode())
    assert "unknown attribute 16368: 01 02 03" in out


def test_decode_shows_nested_attributes_and_their_flag(capsys, monkeypatch):
    inner = A.string(C.IFLA_INFO_KIND, "veth") + A.nest(C.IFLA_INFO_DATA, A.attr(C.VETH_INFO_PEER, L.IFINFOMSG.pack()))
    payload = L.IFINFOMSG.pack(ifi_index=3) + A.nest(C.IFLA_LINKINFO, inner) + A.nest(0x3000, A.u32(1, 9))
    rc, out, _ = run(capsys, monkeypatch, ["decode", "--json"], encode(C.RTM_NEWLINK, 0, payload).hex().encode())
    assert rc == 0
    attrs = json.loads(out)[0]["attrs"]
    li = next(a for a in attrs if a["name"] == "IFLA_LINKINFO")
    assert [c["name"] for c in li["attrs"]] == ["IFLA_INFO_KIND", "IFLA_INFO_DATA"]
    assert li["attrs"][1]["attrs"][0]["name"] == "VETH_INFO_PEER"
    odd = next(a for a in attrs if a["type"] == 0x3000)
    assert odd["flags"] == ["NESTED"] and odd["attrs"][0]["value"]["uint"] == 9


def test_decode_of_truncated_input_is_one_line_with_the_offset_and_exit_2(capsys, monkeypatch):
    rc, out, err = run(capsys, monkeypatch, ["decode"], ADDR_DUMP[:-8].encode())
    assert rc == 2
    line = one_line(err)
    assert "offset 76" in line  # the NLMSG_DONE header at 76 claims 20 bytes, 16 remain


def test_decode_of_a_bad_nested_attribute_names_its_offset(capsys, monkeypatch):
    payload = L.IFINFOMSG.pack() + struct.pack("=HH", 12, C.IFLA_LINKINFO | C.NLA_F_NESTED) + \
        struct.pack("=HH", 40, 1) + b"\0" * 4
    rc, _, err = run(capsys, monkeypatch, ["decode"], encode(C.RTM_NEWLINK, 0, payload).hex().encode())
    assert rc == 2
    assert "offset 36" in one_line(err)  # 16 (nlmsghdr) + 16 (ifinfomsg) + 4 (outer nlattr)


def test_decode_of_odd_hex_is_one_line(capsys, monkeypatch):
    rc, _, err = run(capsys, monkeypatch, ["decode"], b"14000000 0300020")
    assert rc == 2
    assert "hex" in one_line(err)


def test_decode_of_empty_input_is_one_line(capsys, monkeypatch):
    rc, _, err = run(capsys, monkeypatch, ["decode"], b"\n")
    assert rc == 2
    assert "no input" in one_line(err)


def test_read_input_tells_hex_from_raw():
    assert read_input(b"0x14 0x00")[1] == "hex"
    assert read_input(b"\x14\x00\x00\x00\x03\x00")[1] == "raw"
    assert read_input(b"abcd")[0] == b"\xab\xcd"


def test_type_names_come_from_the_protocol():
    assert type_name(C.RTM_NEWLINK)[0] == "RTM_NEWLINK"
    assert type_name(C.RTM_NEWLINK, C.NETLINK_GENERIC)[0] == "GENL_ID_CTRL"  # 16 means the controller there
    assert type_name(C.RTM_NEWADDR, C.NETLINK_GENERIC)[0] is None  # a family id allocated at run time
    assert type_name(C.NLMSG_ERROR, C.NETLINK_AUDIT)[0] == "NLMSG_ERROR"


# -- usage errors --------------------------------------------------------------------------------
def test_unknown_protocol_is_one_line_exit_2(capsys, monkeypatch):
    rc, _, err = run(capsys, monkeypatch, ["decode", "--protocol", "nosuch"], b"00")
    assert rc == 2
    assert "unknown netlink protocol 'nosuch'" in one_line(err)


def test_unknown_table_is_one_line_exit_2(capsys, monkeypatch):
    rc, _, err = run(capsys, monkeypatch, ["dump", "qdiscs"])
    assert rc == 2
    assert "invalid choice: 'qdiscs'" in one_line(err)


def test_unknown_subcommand_is_one_line_exit_2(capsys, monkeypatch):
    rc, _, err = run(capsys, monkeypatch, ["frobnicate"])
    assert rc == 2
    one_line(err)


def test_unknown_group_name_is_one_line_exit_2(capsys, monkeypatch):
    rc, _, err = run(capsys, monkeypatch, ["monitor", "--group", "no_such_group"])
    assert rc == 2
    assert "unknown group 'no_such_group'" in one_line(err)


def test_group_zero_is_refused_before_any_socket(capsys, monkeypatch):
    rc, _, err = run(capsys, monkeypatch, ["monitor", "--group", "0"])
    assert rc == 2
    assert "group 0" in one_line(err)


def test_named_groups_need_netlink_route(capsys, monkeypatch):
    rc, _, err = run(capsys, monkeypatch, ["monitor", "--group", "link", "--protocol", "generic"])
    assert rc == 2
    assert "give a number" in one_line(err)


def test_table_option_is_for_routes_only(capsys, monkeypatch):
    rc, _, err = run(capsys, monkeypatch, ["dump", "links", "--table", "main"])
    assert rc == 2
    assert "--table" in one_line(err)


def test_missing_namespace_is_one_line_exit_2(capsys, monkeypatch):
    rc, _, err = run(capsys, monkeypatch, ["dump", "links", "--netns", "np-test-no-such-namespace"])
    line = one_line(err)
    assert "does not exist" in line or "needs root" in line  # which one depends on who runs the tests
    assert rc == (2 if "does not exist" in line else 1)  # bad use; without root: a missing privilege


def _main_captured(argv):
    """main(argv) with stdout/stderr captured: (exit status, stderr)."""
    import contextlib
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = main(argv)
        except SystemExit as e:
            rc = e.code
    return rc, err.getvalue()


@pytest.mark.parametrize("argv", [["kernel-info"], ["dump", "links", "--netns", "/proc/1/ns/net"],
                                  ["monitor", "--group", "1", "--netns", "/proc/1/ns/net"]])
def test_commands_needing_root_say_so_in_one_line_when_not_root(argv):
    if os.geteuid() == 0:  # drop to uid 65534 without capabilities in a forked child
        from netlink_probe.privileges import run_as
        rc, err = run_as("nobody", _main_captured, argv)
    else:
        rc, err = _main_captured(argv)
    assert rc == 1  # a missing privilege is a refusal, not bad use
    assert "needs root" in one_line(err)


def test_python_dash_m_runs_the_command():
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-m", "netlink_probe", "--help"], capture_output=True, text=True,
                       timeout=60, env=env)
    assert p.returncode == 0
    for sub in ("dump", "monitor", "decode", "kernel-info", "diff", "profile"):
        assert sub in p.stdout


def test_the_command_module_imports_nothing_heavy_before_main():
    """cli/__init__ loads only the Ctrl-C handling; the parser and the subcommands come inside main()."""
    code = ("import sys; import netlink_probe; before = set(sys.modules); import netlink_probe.cli;"
            "print(' '.join(sorted(set(sys.modules) - before)))")
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    added = set(p.stdout.split())
    assert added <= {"netlink_probe.cli", "netlink_probe.cli.interrupt", "signal", "contextlib", "types"}, added


def test_a_kernel_error_with_an_impossible_errno_is_one_line_not_a_traceback(capsys):
    """strerror() takes a C int: an errno beyond it is named, never an OverflowError."""
    from netlink_probe.cli.errors import command
    from netlink_probe.errors import KernelError

    @command("probe")
    def run(args: object) -> int:
        raise KernelError(2 ** 40)

    assert run(None) == 1  # the kernel refused: exit 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not an errno" in err and "Traceback" not in err
