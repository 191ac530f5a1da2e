"""The command's conventions, without privileges: exit statuses, permission errors, monitor's defaults,
timestamps and generic netlink names, names for numbers, addresses by link, colour, shell completion.

The kernel is stood in for by `netlink_probe.testing.FakeKernel` (monitor)
and captured messages (text output); the live counterparts are in
conformance/test_cli_*.py.
"""
from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
from unittest import mock

import pytest

import netlink_probe
from netlink_probe import codec
from netlink_probe import constants as C
from netlink_probe import genl
from netlink_probe.cli import main
from netlink_probe.cli import monitor as cli_monitor
from netlink_probe.cli.errors import CliError, command, refusal
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.errors import KernelError
from netlink_probe.iproute2 import addrs, color, links
from netlink_probe.iproute2.summary import summary
from netlink_probe.iproute2.monitor import DEFAULT_GROUPS, default_groups, timestamp, timestamp_short
from netlink_probe.testing import FakeKernel

REPO = os.path.dirname(os.path.dirname(os.path.abspath(netlink_probe.__file__)))
ENV = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
# CTRL_CMD_GETFAMILY "nlctrl" answered by the controller (captured, kernel 6.18): family 16, group notify = 16
NLCTRL = ("88000000100000000100003728750000010200000b0002006e6c6374726c0000060001001000000008000300020000000800"
          "04000000000008000500000000002c000600140001000800010003000000080002000e00000014000200080001000a000000"
          "080002000c0000001c0007001800010008000200100000000b0001006e6f746966790000")


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def raising(exc: BaseException):
    @command("probe")
    def run(args: object) -> int:
        raise exc
    return run


# -- exit statuses --------------------------------------------------------------------------------------
@pytest.mark.parametrize("exc,code,needles", [
    (KernelError(errno.EOPNOTSUPP), 1, ("EOPNOTSUPP", "Operation not supported")),
    (OSError(errno.EPROTONOSUPPORT, "Protocol not supported"), 1, ("EPROTONOSUPPORT", "Protocol not supported")),
    (PermissionError(errno.EPERM, "Operation not permitted"), 1, ("permission denied", "EPERM")),
    (PermissionError(errno.EACCES, "Permission denied", "/run/netns/x"), 1, ("Permission denied", "/run/netns/x")),
    (CliError("bad use"), 2, ("bad use",)),
    (codec.DecodeError(4, "short"), 2, ("offset 4",)),
    (ValueError("a bad value"), 2, ("a bad value",)),
])
def test_refusals_exit_1_with_the_errno_and_bad_use_exits_2(exc, code, needles, capsys):
    """0 done, 1 the kernel (or a privilege) refused, 2 bad use: one line each, the errno by name and text."""
    assert raising(exc)(None) == code
    line = one_line(capsys.readouterr().err)
    for needle in needles:
        assert needle in line


def test_refusal_names_the_errno_once():
    assert refusal(OSError(errno.ENOENT, "No such file or directory")) == "No such file or directory (ENOENT)"
    assert refusal(OSError(errno.EACCES, "Permission denied")).startswith("Permission denied (EACCES)")


def test_the_program_help_states_the_exit_statuses():
    p = subprocess.run([sys.executable, "-m", "netlink_probe", "--help"], capture_output=True, text=True,
                       timeout=60, env=ENV)
    assert "1 the kernel refused" in " ".join(p.stdout.split()) and "2 bad usage" in p.stdout


# -- --netns that exists but may not be opened ----------------------------------------------------------
def _dump_links_in(path: str) -> tuple[int, str]:
    """`dump links --netns PATH` in-process as a caller with CAP_SYS_ADMIN (the check is patched), stderr."""
    import contextlib
    err = io.StringIO()
    with mock.patch("netlink_probe.cli._common.has_cap_sys_admin", return_value=True), \
            contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["dump", "links", "--netns", path])
    return rc, err.getvalue()


def test_a_netns_path_that_exists_but_gives_eacces_is_reported_as_permission_denied(tmp_path):
    """A path under a directory this user may not search: EACCES, not "does not exist" (os.path.exists is False)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "ns").write_text("")
    locked.chmod(0)
    try:
        if os.geteuid() == 0:  # root searches anything: ask as uid 65534, as an ordinary user would
            from netlink_probe.privileges import run_as
            rc, err = run_as("nobody", _dump_links_in, str(locked / "ns"))
        else:
            rc, err = _dump_links_in(str(locked / "ns"))
    finally:
        locked.chmod(0o700)
    line = one_line(err)
    assert "permission denied" in line.lower() and "does not exist" not in line, line
    assert rc == 1


def test_a_missing_netns_path_is_bad_use(tmp_path):
    rc, err = _dump_links_in(str(tmp_path / "nowhere"))
    assert "does not exist" in one_line(err) and rc == 2


# -- monitor: ip monitor's groups, timestamps, generic netlink names ------------------------------------
def test_default_groups_are_the_ones_ip_monitor_joins():
    """iproute2 ip/ipmonitor.c do_ipmonitor with IPMON_L_ALL: 16 groups by bind() mask, nexthop and stats by setsockopt."""
    assert default_groups() == [1, 3, 5, 6, 7, 8, 9, 10, 11, 18, 19, 24, 25, 27, 28, 29, 32, 36]
    assert len(DEFAULT_GROUPS) == 18


def test_timestamps_have_ip_monitors_formats(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    import time
    time.tzset()
    try:
        ns = 86_400 * 1_000_000_000 + 5_000_000  # 1970-01-02 00:00:00.005
        assert timestamp(ns) == "Timestamp: Fri Jan  2 00:00:00 1970 5000 usec"
        assert timestamp_short(ns) == "[1970-01-02T00:00:00.005000] "
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def _newlink(index: int = 2, name: str = "v0", family: int = C.AF_UNSPEC) -> bytes:
    payload = L.IFINFOMSG.pack(ifi_family=family, ifi_index=index, ifi_flags=C.IFF_UP) + A.string(C.IFLA_IFNAME, name)
    return codec.encode(C.RTM_NEWLINK, 0, payload, 0, 0)


@pytest.fixture
def fake_monitor(monkeypatch):
    """monitor's Socket replaced by one wired to a FakeKernel (returned), so notifications can be queued."""
    kernels: list[FakeKernel] = []

    def socket(protocol, **kw):
        kernel = FakeKernel(protocol=protocol)
        kernels.append(kernel)
        kw.pop("netns", None)
        return kernel.socket(**kw)
    monkeypatch.setattr(cli_monitor, "Socket", socket)
    return kernels


def run_monitor(capsys, argv, queue):
    """main(["monitor", *argv]) with *queue*(kernel) called once the groups are joined; (rc, out, err)."""
    original = cli_monitor.listen

    def listen(sock, *a, **kw):
        queue(sock.transport)
        return original(sock, *a, **kw)
    with mock.patch.object(cli_monitor, "listen", listen):
        rc = main(["monitor", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_monitor_without_group_joins_ip_monitors_groups(fake_monitor, capsys):
    """Was a usage error (--group required); now the groups of `ip monitor`, above 32 by ADD_MEMBERSHIP."""
    rc, out, err = run_monitor(capsys, ["--count", "1", "--timeout", "1"],
                               lambda k: k.deliver(_newlink(), group=C.RTNLGRP_LINK))
    assert rc == 0, err
    (kernel,) = fake_monitor
    assert sorted(kernel.groups) == default_groups()
    assert err.startswith("listening on NETLINK_ROUTE groups 1 (RTNLGRP_LINK), 3 (RTNLGRP_NEIGH)")
    assert "36 (RTNLGRP_STATS)" in err
    assert out.startswith("[group 1 RTNLGRP_LINK] RTM_NEWLINK")


def test_monitor_timestamp_puts_ip_t_monitors_line_before_each(fake_monitor, capsys):
    rc, out, _ = run_monitor(capsys, ["-g", "link", "-t", "--count", "2", "--timeout", "1"],
                             lambda k: [k.deliver(_newlink(i), group=1) for i in (2, 3)])
    lines = out.splitlines()
    assert rc == 0 and len(lines) == 4
    assert lines[0].startswith("Timestamp: ") and lines[0].endswith(" usec")
    assert lines[1].startswith("[group 1 RTNLGRP_LINK]") and lines[2].startswith("Timestamp: ")


def test_monitor_short_timestamp_prefixes_and_json_gets_an_iso_timestamp(fake_monitor, capsys):
    rc, out, _ = run_monitor(capsys, ["-g", "1", "--ts", "--count", "1", "--timeout", "1"],
                             lambda k: k.deliver(_newlink(), group=1))
    assert rc == 0 and out.startswith("[") and "] [group 1 RTNLGRP_LINK]" in out
    rc, out, _ = run_monitor(capsys, ["-g", "1", "-t", "--json", "--count", "1", "--timeout", "1"],
                             lambda k: k.deliver(_newlink(), group=1))
    rec = json.loads(out)
    assert rc == 0 and rec["timestamp"][:2] in ("19", "20") and "T" in rec["timestamp"]


def _controller(request, kernel):
    """The generic netlink controller: every CTRL_CMD_GETFAMILY answered with nlctrl."""
    reply = bytes.fromhex(NLCTRL)
    return [kernel.reply(request, C.GENL_ID_CTRL, reply[16:], flags=C.NLM_F_MULTI),
            kernel.done(request)] if request.flags & C.NLM_F_DUMP else [reply, kernel.ack(request)]


def test_genl_parse_family_reads_the_controllers_answer():
    fam = genl.parse_family(codec.parse(bytes.fromhex(NLCTRL))[0])
    assert fam == genl.Family("nlctrl", C.GENL_ID_CTRL, 2, {"notify": 16})


def test_genl_group_id_resolves_family_colon_group(monkeypatch):
    monkeypatch.setattr(genl, "Socket", lambda protocol, **kw: FakeKernel(_controller, protocol=protocol).socket())
    assert genl.group_id("nlctrl:notify") == 16
    assert genl.group_names() == {16: "nlctrl:notify"}
    with pytest.raises(genl.UnknownGroup, match="no group 'nope'.*its groups: notify"):
        genl.group_id("nlctrl:nope")
    with pytest.raises(genl.UnknownGroup, match="no generic netlink family 'nosuch'.*nlctrl"):
        genl.group_id("nosuch:x")


def test_monitor_joins_a_generic_netlink_group_by_name(fake_monitor, monkeypatch, capsys):
    """`--group nlctrl:notify` (was: "give a number"): NETLINK_GENERIC, the controller's group id, named in the output."""
    monkeypatch.setattr(genl, "Socket", lambda protocol, **kw: FakeKernel(_controller, protocol=protocol).socket())
    note = codec.encode(C.GENL_ID_CTRL, 0, L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_NEWFAMILY, version=2), 0, 0)
    rc, out, err = run_monitor(capsys, ["--group", "nlctrl:notify", "--count", "1", "--timeout", "1"],
                               lambda k: k.deliver(note, group=16))
    assert rc == 0, err
    assert fake_monitor[0].protocol == C.NETLINK_GENERIC and fake_monitor[0].groups == {16}
    assert "listening on NETLINK_GENERIC group 16 (nlctrl:notify)" in err
    assert out.startswith("[group 16 nlctrl:notify] GENL_ID_CTRL") and "cmd=CTRL_CMD_NEWFAMILY" in out


def test_an_unknown_generic_netlink_group_is_bad_use(fake_monitor, monkeypatch, capsys):
    monkeypatch.setattr(genl, "Socket", lambda protocol, **kw: FakeKernel(_controller, protocol=protocol).socket())
    rc = main(["monitor", "--group", "nlctrl:nope", "--timeout", "0"])
    assert rc == 2 and "its groups: notify" in one_line(capsys.readouterr().err)


def test_a_refused_explicit_group_exits_1_with_the_errno(fake_monitor, monkeypatch, capsys):
    def refuse(self, group):
        raise OSError(errno.EPERM, "Operation not permitted")
    monkeypatch.setattr(FakeKernel, "join", refuse)
    rc = main(["monitor", "--group", "link", "--timeout", "0"])
    line = one_line(capsys.readouterr().err)
    assert rc == 1 and "EPERM" in line and "refused to join group 1" in line


def test_default_groups_the_kernel_lacks_are_left_out_and_named(fake_monitor, monkeypatch, capsys):
    """As ip tolerates a refused stats group: the rest are joined, the refused one named on the listening line."""
    join = FakeKernel.join

    def old_kernel(self, group):
        if group > 32:
            raise OSError(errno.EINVAL, "Invalid argument")
        join(self, group)
    monkeypatch.setattr(FakeKernel, "join", old_kernel)
    rc = main(["monitor", "--timeout", "0"])
    err = capsys.readouterr().err
    assert rc == 0 and "not on this kernel: 36 (RTNLGRP_STATS: EINVAL)" in one_line(err)
    assert max(fake_monitor[0].groups) == 32


# -- names instead of numbers ------------------------------------------------------------------------------
def test_monitor_fields_name_family_scope_table_protocol():
    """summary(): was `family=7`, `scope=0`, `table=254`, `protocol=4`; now ip's names."""
    link = codec.parse(_newlink(family=C.AF_BRIDGE))[0]
    assert summary(link)["family"] == "bridge"
    addr = codec.parse(codec.encode(C.RTM_NEWADDR, 0, L.IFADDRMSG.pack(ifa_family=C.AF_INET, ifa_prefixlen=24,
                                                                       ifa_scope=C.RT_SCOPE_UNIVERSE, ifa_index=2)
                                    + A.attr(C.IFA_LOCAL, bytes([192, 0, 2, 1]))))[0]
    assert summary(addr)["scope"] == "global" and summary(addr)["family"] == "inet"
    route = codec.parse(codec.encode(C.RTM_NEWROUTE, 0, L.RTMSG.pack(
        rtm_family=C.AF_INET, rtm_table=C.RT_TABLE_MAIN, rtm_protocol=C.RTPROT_KERNEL, rtm_scope=C.RT_SCOPE_LINK,
        rtm_type=C.RTN_UNICAST)))[0]
    s = summary(route)
    assert (s["table"], s["protocol"], s["scope"], s["type"]) == ("main", "kernel", "link", "unicast")


# -- addresses grouped by link, as ip addr ---------------------------------------------------------------
LO = {"ifindex": 1, "ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"], "mtu": 65536, "qdisc": "noqueue",
      "operstate": "UNKNOWN", "group": "default", "txqlen": 1000, "link_type": "loopback",
      "address": "00:00:00:00:00:00", "broadcast": "00:00:00:00:00:00"}
VA = {"ifindex": 3, "ifname": "va", "flags": ["BROADCAST", "MULTICAST"], "mtu": 1500, "qdisc": "noop",
      "operstate": "DOWN", "group": "default", "txqlen": 1000, "link_type": "ether",
      "address": "2a:1b:34:b6:aa:08", "broadcast": "ff:ff:ff:ff:ff:ff"}
FOREVER = {"valid_life_time": 0xFFFFFFFF, "preferred_life_time": 0xFFFFFFFF}
ADDRS = [{"index": 1, "dev": "lo", "family": "inet", "local": "127.0.0.1", "prefixlen": 8, "scope": "host",
          "label": "lo", **FOREVER},
         {"index": 3, "dev": "va", "family": "inet", "local": "192.0.2.1", "prefixlen": 24,
          "broadcast": "192.0.2.255", "scope": "global", "label": "va", **FOREVER},
         {"index": 1, "dev": "lo", "family": "inet6", "local": "::1", "prefixlen": 128, "scope": "host", **FOREVER}]


def test_addresses_are_listed_under_their_link_as_ip_addr_does():
    assert addrs.addrs_by_link_text([LO, VA], ADDRS).splitlines() == [
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
        "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
        "    inet 127.0.0.1/8 scope host lo",
        "       valid_lft forever preferred_lft forever",
        "    inet6 ::1/128 scope host",
        "       valid_lft forever preferred_lft forever",
        "3: va: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000",
        "    link/ether 2a:1b:34:b6:aa:08 brd ff:ff:ff:ff:ff:ff",
        "    inet 192.0.2.1/24 brd 192.0.2.255 scope global va",
        "       valid_lft forever preferred_lft forever"]


def test_with_a_family_only_links_with_addresses_show_by_their_first_line():
    out = addrs.addrs_by_link_text([LO, VA], [a for a in ADDRS if a["family"] == "inet6"], every_link=False)
    assert out.splitlines()[0].startswith("1: lo: ") and "3: va" not in out and "link/" not in out


# -- colour ----------------------------------------------------------------------------------------------
class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_auto_only_on_a_terminal_never_never_always_always(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert color.choose("auto", Tty()).enabled and not color.choose("auto", io.StringIO()).enabled
    assert not color.choose("never", Tty()).enabled and color.choose("always", io.StringIO()).enabled
    monkeypatch.setenv("NO_COLOR", "1")
    assert not color.choose("auto", Tty()).enabled and color.choose("always", io.StringIO()).enabled


def test_colour_follows_ips_palette():
    """lib/color.c: interface names cyan, MACs yellow, IPv4 magenta, IPv6 blue, UP green, DOWN red."""
    out = links.links_text([VA], color.Palette(True))
    assert "\x1b[36mva\x1b[0m" in out and "\x1b[31mDOWN\x1b[0m" in out and "\x1b[33m2a:1b:34:b6:aa:08\x1b[0m" in out
    out = addrs.addrs_by_link_text([LO], ADDRS[::2], color.Palette(True))
    assert "\x1b[35m127.0.0.1\x1b[0m" in out and "\x1b[34m::1\x1b[0m" in out
    assert "\x1b[1;35m127.0.0.1" in addrs.addrs_by_link_text([LO], ADDRS[:1], color.Palette(True, dark=True))
    assert "\x1b" not in addrs.addrs_by_link_text([LO], ADDRS)


def test_color_option_parses_like_ips():
    from netlink_probe.cli import build_parser
    p = build_parser()
    assert p.parse_args(["dump", "links"]).color == "auto"
    assert p.parse_args(["-c", "dump", "links"]).color == "always"
    assert p.parse_args(["--color", "never", "dump", "links"]).color == "never"
    assert p.parse_args(["dump", "links", "--color=always"]).color == "always"
    assert p.parse_args(["--color=never", "monitor", "-c"]).color == "always"


def test_json_is_never_coloured(fake_monitor, capsys):
    rc, out, _ = run_monitor(capsys, ["-g", "1", "--json", "--count", "1", "--timeout", "1"],
                             lambda k: k.deliver(_newlink(), group=1))
    assert rc == 0 and "\x1b" not in out
    import argparse
    from netlink_probe.cli._common import palette_for
    assert not palette_for(argparse.Namespace(json=True, color="always")).enabled


def test_monitor_text_is_coloured_when_asked(fake_monitor, capsys):
    rc, out, _ = run_monitor(capsys, ["-g", "1", "--color", "always", "--count", "1", "--timeout", "1"],
                             lambda k: k.deliver(_newlink(name="v9"), group=1))
    assert rc == 0 and "ifname=\x1b[36mv9\x1b[0m" in out


# -- shell completion -------------------------------------------------------------------------------------
def test_the_entry_point_module_carries_argcompletes_marker():
    """argcomplete's global completion looks for the marker in the console script's module (its first 1024 bytes)."""
    import netlink_probe.cli as cli
    with open(cli.__file__) as f:
        assert "PYTHON_ARGCOMPLETE_OK" in f.read(1024)


def test_completion_answers_the_shell_when_argcomplete_is_installed(tmp_path):
    pytest.importorskip("argcomplete")
    out = tmp_path / "out"
    line = "netlink-probe dump l"
    env = dict(ENV, _ARGCOMPLETE="1", _ARGCOMPLETE_IFS="\n", COMP_LINE=line, COMP_POINT=str(len(line)),
               _ARGCOMPLETE_STDOUT_FILENAME=str(out))
    p = subprocess.run([sys.executable, "-m", "netlink_probe"], capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 0, p.stderr
    assert [w.strip() for w in out.read_text().split("\n")] == ["links"]


def test_a_normal_run_does_not_import_argcomplete():
    code = "import sys; from netlink_probe.cli import main; main(['--version']) if False else None; " \
           "from netlink_probe.cli.program import build_parser, offer_completion; offer_completion(build_parser()); " \
           "print('argcomplete' in sys.modules)"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=ENV)
    assert p.stdout.strip() == "False", p.stderr


@pytest.mark.parametrize("argv,chosen", [
    (["dump", "routes"], "dump"), (["-c", "monitor"], "monitor"), (["--color", "never", "kernel-info"], "kernel-info"),
    (["--color=never", "diff", "a", "b"], "diff"), (["--", "report"], "report"), (["dump", "--help"], "dump"),
    (["--version"], None), ([], None), (["dunp", "routes"], None), (["--col", "never", "dump"], None),
    (["kernel_info"], None), (["-h", "dump"], None), (["--he", "dump"], None), (["-ch", "dump"], None)])
def test_the_subcommand_is_read_from_the_command_line_before_parsing(argv, chosen):
    from netlink_probe.cli.program import chosen_command
    assert chosen_command(argv) == chosen


@pytest.mark.parametrize("argv", [["--help"], ["-h", "dump"], ["--he", "monitor", "x"], ["-ch", "dump"]])
def test_the_program_help_lists_every_subcommand(argv, capsys):
    """Only the subcommand being run is built, except where the program's own help may be printed."""
    from netlink_probe.cli.commands import COMMANDS
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert all(f"    {name}" in out for name in COMMANDS)


def test_dump_routes_imports_neither_the_schema_tables_nor_the_other_subcommands():
    """What `dump routes --json` loads (its start-up is most of its time against `ip -j route show`)."""
    code = ("import sys; from netlink_probe.cli.program import build_parser; "
            "build_parser(['dump', 'routes', '--json']); import netlink_probe.iproute2.fast_routes; "
            "print(' '.join(m for m in sys.modules if m.startswith('netlink_probe')))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=ENV)
    loaded = set(p.stdout.split())
    assert "netlink_probe.cli.dump" in loaded and "netlink_probe.iproute2.fast_routes" in loaded, p.stderr
    unwanted = {"netlink_probe.codec.schema", "netlink_probe.cli.monitor", "netlink_probe.cli.profile",
                "netlink_probe.profile.diff", "netlink_probe.genl", "netlink_probe.privileges"}
    assert not loaded & unwanted
