"""A table of bad input for the netlink-probe command: one line on stderr, the usual exit status, no traceback.

In-process (`cli.main`) where that is safe; a real process where the case is
about the process itself: a FIFO that would block, /dev/zero that would be
read without end, closed or full standard streams, Ctrl-C at given moments.
Bad input must be refused before anything is opened: a netlink socket, the
pytest run of `profile` or kernel-info's probes fail the test if reached.
Exit status 2 is bad use; cases about namespaces are bad use as root (not
a network namespace) but a missing privilege without it ("needs root", exit
1: `NETNS`); conformance/test_cli_bad_input_live.py checks their messages
as root.
"""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import pytest

import netlink_probe
from netlink_probe import profile as P
from netlink_probe.cli import main
from netlink_probe.cli._common import has_cap_sys_admin
from netlink_probe.profile.io import MAX_PROFILE_BYTES

REPO = os.path.dirname(os.path.dirname(os.path.abspath(netlink_probe.__file__)))
ENV = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
U32 = 2**32
BIG = "1" * 60
NETNS = 2 if has_cap_sys_admin() else 1  # a bad --netns path: bad use as root, "needs root" (a refusal) without


@dataclass
class Case:
    argv: list[str]
    code: int = 2
    needle: str | None = None  # in the one stderr line
    stdin: bytes | None = None
    files: dict[str, str | bytes] = field(default_factory=dict)  # created in tmp_path first


def good_profile(**changes: object) -> dict:
    prof = P.build_profile({"perm.root.ROUTE.bind.1": "ok", "groups.ROUTE.max": 39}, {"passed": 3})
    prof["kernel"] = {"release": "6.18.0", "version": "#1", "machine": "x86_64"}
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = prof
        for p in parents:
            node = node[p]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return prof


DELETE = object()


def bad(name: str, **changes: object) -> dict[str, str | bytes]:
    return {name: json.dumps(good_profile(**changes))}


def diff_case(content: str | bytes | dict[str, str | bytes], needle: str | None = None) -> Case:
    files = content if isinstance(content, dict) else {"b.json": content}
    return Case(["diff", "{tmp}/good.json", "{tmp}/b.json"], needle=needle, files=files)


CASES: dict[str, Case] = {
    # -- usage: argparse ------------------------------------------------------------------------
    "no-arguments": Case([]),
    "unknown-command": Case(["nope"], needle="invalid choice"),
    "unknown-option": Case(["--nope"]),
    "dump-without-table": Case(["dump"]),
    "dump-unknown-table": Case(["dump", "nope"], needle="invalid choice"),
    "dump-escape-in-table": Case(["dump", "\x1b[31mred"]),
    "dump-bad-family": Case(["dump", "links", "--family", "x"]),
    "dump-netns-without-value": Case(["dump", "links", "--netns"]),
    "dump-json-with-value": Case(["dump", "links", "--json=1"]),
    "monitor-generic-without-group": Case(["monitor", "--protocol", "generic"], needle="give --group"),
    "color-without-value": Case(["dump", "links", "--color"]),
    "color-unknown": Case(["--color", "rainbow", "dump", "links"], needle="invalid choice"),
    "color-unknown-on-subcommand": Case(["monitor", "--color=sometimes"], needle="invalid choice"),
    "timestamp-with-value": Case(["monitor", "--timestamp=1"]),
    "monitor-group-without-value": Case(["monitor", "--group"]),
    "decode-protocol-without-value": Case(["decode", "--protocol"]),
    "diff-without-files": Case(["diff"]),
    "diff-one-file": Case(["diff", "a.json"]),
    "diff-three-files": Case(["diff", "a", "b", "c"]),
    "profile-without-output": Case(["profile"]),
    "kernel-info-group-cap-without-value": Case(["kernel-info", "--group-cap"]),
    # -- multicast groups (monitor) -------------------------------------------------------------
    **{f"group-{name}": Case(["monitor", "--group", text, "--timeout", "0"], needle=needle)
       for name, text, needle in [
           ("0", "0", "group 0"), ("00", "00", "group 0"), ("minus-1", "-1", "1 to 2147483647"),
           ("plus-1", "+1", "1 to 2147483647"), ("int-max-plus-1", "2147483648", "1 to 2147483647"),
           ("u32-max", str(U32 - 1), "1 to 2147483647"), ("u32-max-plus-1", str(U32), "1 to 2147483647"),
           ("2-to-the-64", str(2**64), "1 to 2147483647"), ("60-digits", BIG, "1 to 2147483647"),
           ("exponent", "1e3", "1 to 2147483647"), ("hex", "0x10", "1 to 2147483647"), ("fraction", "1.5", None),
           ("empty", "", None), ("blank", "  ", None), ("superscript-two", "\u00b2", None),
           ("arabic-three", "\u0663", None), ("list", "link,addr", "unknown group"),
           ("unknown-name", "nosuchgroup", "unknown group"), ("unknown-rtnlgrp", "RTNLGRP_NOPE", "unknown group"),
           ("terminal-escape", "\x1b]0;owned\x07", "unknown group")]},
    "group-name-for-generic": Case(["monitor", "--protocol", "generic", "--group", "link"], needle="FAMILY:GROUP"),
    "group-genl-name-for-route": Case(["monitor", "--protocol", "route", "--group", "nlctrl:notify"],
                                      needle="needs --protocol generic"),
    "group-genl-name-for-audit": Case(["monitor", "--protocol", "audit", "--group", "nlctrl:notify"],
                                      needle="needs --protocol generic"),
    "group-genl-without-group": Case(["monitor", "--group", "nlctrl:"], needle="unknown group"),
    "group-genl-without-family": Case(["monitor", "--group", ":notify"], needle="unknown group"),
    "group-genl-two-colons": Case(["monitor", "--group", "a:b:c"], needle="unknown group"),
    "group-name-for-audit": Case(["monitor", "--protocol", "audit", "--group", "link"], needle="give a number"),
    # -- timeouts and counts (monitor) ------------------------------------------------------------
    **{f"timeout-{name}": Case(["monitor", "--group", "link", "--timeout", text])
       for name, text in [("nan", "nan"), ("NaN", "NaN"), ("inf", "inf"), ("minus-inf", "-inf"), ("minus-1", "-1"),
                          ("overflowing", "1e999"), ("word", "abc"), ("empty", ""), ("hex", "0x1")]},
    **{f"count-{name}": Case(["monitor", "--group", "link", "--timeout", "0", "--count", text])
       for name, text in [("0", "0"), ("minus-1", "-1"), ("word", "x"), ("fraction", "1.5"), ("empty", ""),
                          ("huge", "9" * 30), ("fullwidth", "\uff11")]},
    # -- protocols ------------------------------------------------------------------------------
    **{f"monitor-protocol-{name}": Case(["monitor", "--protocol", text, "--group", "1"], needle=needle)
       for name, text, needle in [
           ("unknown", "nope", "unknown netlink protocol"), ("32", "32", "0 to 31"), ("99", "99", "0 to 31"),
           ("minus-1", "-1", "0 to 31"), ("overflowing", "99999999999", "0 to 31"), ("empty", "", None),
           ("plus", "+1", "0 to 31")]},
    **{f"decode-protocol-{name}": Case(["decode", "--protocol", text], stdin=b"00", needle=needle)
       for name, text, needle in [("unknown", "nope", "unknown netlink protocol"), ("32", "32", "0 to 31"),
                                  ("overflowing", "99999999999", "0 to 31"), ("minus-5", "-5", "0 to 31")]},
    # -- routing tables (dump routes) -------------------------------------------------------------
    **{f"table-{name}": Case(["dump", "routes", "--table", text], needle=needle)
       for name, text, needle in [
           ("33-bits", "8589934591", "0 to 4294967295"), ("u32-max-plus-1", str(U32), "0 to 4294967295"),
           ("minus-1", "-1", "0 to 4294967295"), ("unknown-name", "nope", "unknown routing table"),
           ("fraction", "1.5", "0 to 4294967295"), ("empty", "", None), ("hex", "0x10", "0 to 4294967295"),
           ("fullwidth-one", "\uff11", "0 to 4294967295"), ("60-digits", BIG, "0 to 4294967295")]},
    "table-for-links": Case(["dump", "links", "--table", "main"], needle="--table"),
    # -- namespaces (refused with root: not a netns; without: needs root) ---------------------------
    **{f"netns-{name}": Case(["dump", "links", "--netns", text], code=NETNS)
       for name, text in [("missing-name", "np-no-such-namespace"), ("missing-path", "/nonexistent/ns"),
                          ("empty", ""), ("directory", "/"), ("regular-file", "{tmp}/plain"),
                          ("char-device", "/dev/null"), ("mount-namespace", "/proc/self/ns/mnt"),
                          ("user-namespace", "/proc/self/ns/user"), ("nul-byte", "/proc/self/ns/net\0x"),
                          ("terminal-escape", "\x1b[2J")]},
    "monitor-netns-regular-file": Case(["monitor", "--group", "1", "--netns", "{tmp}/plain"], code=NETNS),
    "monitor-netns-char-device": Case(["monitor", "--group", "1", "--netns", "/dev/zero"], code=NETNS),
    "monitor-default-groups-netns-regular-file": Case(["monitor", "--netns", "{tmp}/plain"], code=NETNS),
    # -- kernel-info ------------------------------------------------------------------------------
    **{f"group-cap-{name}": Case(["kernel-info", "--group-cap", text], needle="group cap" if needle else None)
       for name, text, needle in [("0", "0", 1), ("minus-1", "-1", 1), ("int-max-plus-1", "2147483648", 1),
                                  ("huge", "9" * 20, 1), ("word", "x", 1), ("fraction", "1.5", 1)]},
    **{f"kinds-{name}": Case(["kernel-info", "--kinds", text], needle="--kinds")
       for name, text in [("empty", ""), ("commas", ",,"), ("space", "a b"), ("too-long", "x" * 56),
                          ("escape", "\x1b[2J"), ("slash", "veth/../x")]},
    # -- diff: files ------------------------------------------------------------------------------
    "diff-missing-file": Case(["diff", "{tmp}/good.json", "{tmp}/missing.json"], needle="no such file"),
    "diff-directory": Case(["diff", "{tmp}/good.json", "{tmp}"], needle="a directory"),
    "diff-dev-null": Case(["diff", "/dev/null", "{tmp}/good.json"], needle="character device"),
    "diff-empty-file": diff_case("", "not valid JSON"),
    "diff-binary": diff_case(b"\xff\xfe\x00garbage", "not UTF-8"),
    "diff-too-big": Case(["diff", "{tmp}/good.json", "{tmp}/huge.json"], needle="larger than the limit",
                         files={"huge.json": "SPARSE"}),
    "diff-escape-in-file-name": Case(["diff", "{tmp}/good.json", "{tmp}/\x1b[2Jx.json"], needle="no such file"),
    # -- diff: JSON -------------------------------------------------------------------------------
    "diff-unclosed-object": diff_case("{", "not valid JSON"),
    "diff-array": diff_case("[]", "not a netlink-probe profile"),
    "diff-null": diff_case("null", "not a netlink-probe profile"),
    "diff-number": diff_case("1", "not a netlink-probe profile"),
    "diff-string": diff_case('"x"', "not a netlink-probe profile"),
    "diff-nan": diff_case('{"schema": 1, "observations": {"a.b": NaN}}', "NaN is not JSON"),
    "diff-infinity": diff_case('{"schema": 1, "observations": {"a.b": -Infinity}}', "Infinity is not JSON"),
    "diff-deep-nesting": diff_case("[" * 100_000, "nested too deeply"),
    "diff-5000-digit-integer": diff_case('{"schema": 1, "observations": {"a.b": ' + "9" * 5000 + "}}",
                                         "not valid JSON"),
    "diff-trailing-garbage": diff_case(json.dumps(good_profile()) + " x", "not valid JSON"),
    # -- diff: the schema -------------------------------------------------------------------------
    "diff-other-object": diff_case('{"foo": 1}', "not a netlink-probe profile"),
    "diff-schema-2": diff_case(bad("b.json", schema=2), "schema 2 is not supported"),
    "diff-schema-string": diff_case(bad("b.json", schema="1"), 'schema "1" is not supported'),
    "diff-schema-true": diff_case(bad("b.json", schema=True), "schema true is not supported"),
    "diff-schema-float": diff_case(bad("b.json", schema=1.0), "schema: expected 1, got 1.0"),
    "diff-no-kernel": diff_case(bad("b.json", kernel=DELETE), 'missing required field "kernel"'),
    "diff-kernel-string": diff_case(bad("b.json", kernel="6.1"), "kernel: expected an object"),
    "diff-kernel-no-release": diff_case(bad("b.json", kernel__release=DELETE), 'kernel: missing required field'),
    "diff-release-number": diff_case(bad("b.json", kernel__release=5), "kernel.release: expected a string"),
    "diff-release-too-long": diff_case(bad("b.json", kernel__release="6" * 65), "kernel.release: a string longer"),
    "diff-kernel-extra-field": diff_case(bad("b.json", kernel__extra="x"), 'kernel: unexpected field "extra"'),
    "diff-headers-number": diff_case(bad("b.json", headers=5), "headers: expected a string"),
    "diff-created-list": diff_case(bad("b.json", created=[]), "created: expected a string"),
    "diff-extra-top-level-field": diff_case(bad("b.json", hello="x"), 'unexpected field "hello"'),
    "diff-observations-list": diff_case(bad("b.json", observations=[]), "observations: expected an object"),
    "diff-key-with-space": diff_case(bad("b.json", observations={"bad key": 1}), 'bad key "bad key"'),
    "diff-key-one-segment": diff_case(bad("b.json", observations={"nodots": 1}), 'bad key "nodots"'),
    "diff-key-with-escape": diff_case(bad("b.json", observations={"a.\x1b[2J": 1}), "bad key"),
    "diff-key-too-long": diff_case(bad("b.json", observations={"a." + "b" * 300: 1}), "longer than 256"),
    "diff-value-null": diff_case(bad("b.json", observations={"a.b": None}), 'observations["a.b"]: expected'),
    "diff-value-object": diff_case(bad("b.json", observations={"a.b": {}}), "got an object"),
    "diff-value-long-list": diff_case(bad("b.json", observations={"a.b": [1] * 65}), "at most 64"),
    "diff-value-list-of-floats": diff_case(bad("b.json", observations={"a.b": [1.5]}),
                                           'observations["a.b"][0]: expected'),
    "diff-value-nested-list": diff_case(bad("b.json", observations={"a.b": [[1]]}), "got an array"),
    "diff-value-long-string": diff_case(bad("b.json", observations={"a.b": "x" * 5000}), "longer than 4096"),
    "diff-tests-string": diff_case(bad("b.json", tests="x"), "tests: expected an object"),
    "diff-tests-passed-many": diff_case(bad("b.json", tests__passed="many"), "b.json: tests.passed: expected an integer"),
    "diff-tests-passed-negative": diff_case(bad("b.json", tests__passed=-1), "tests.passed: must be at least 0"),
    "diff-tests-passed-fraction": diff_case(bad("b.json", tests__passed=1.5), "tests.passed: expected an integer"),
    "diff-tests-passed-bool": diff_case(bad("b.json", tests__passed=True), "tests.passed: expected an integer"),
    "diff-tests-unknown-outcome": diff_case(bad("b.json", tests__xfailed=1), 'tests: unexpected field "xfailed"'),
    "diff-first-file-bad": Case(["diff", "{tmp}/b.json", "{tmp}/good.json", "--json"], needle="b.json: tests.passed",
                                files=bad("b.json", tests__passed="many")),
    # -- profile ----------------------------------------------------------------------------------
    "profile-output-exists": Case(["profile", "-o", "{tmp}/good.json", "--suite", "{tmp}"]),
    "profile-output-is-a-directory": Case(["profile", "-o", "{tmp}", "--suite", "{tmp}"]),
    "profile-output-directory-missing": Case(["profile", "-o", "{tmp}/no/where.json", "--suite", "{tmp}"]),
    "profile-suite-missing": Case(["profile", "-o", "{tmp}/new.json", "--suite", "{tmp}/nowhere"]),
    # -- decode (stdin) ---------------------------------------------------------------------------
    "decode-empty": Case(["decode"], stdin=b"", needle="no input"),
    "decode-odd-hex": Case(["decode"], stdin=b"123", needle="hex"),
    "decode-short-header": Case(["decode"], stdin=b"14000000", needle="offset 0"),
    "decode-raw-garbage": Case(["decode"], stdin=b"\xff\xfe\xfd", needle="offset 0"),
    "decode-length-past-end": Case(["decode"], stdin=b"ff000000 03000200 01000000 00000000", needle="offset 0"),
    "decode-length-below-header": Case(["decode"], stdin=b"08000000 03000200 01000000 00000000", needle="offset 0"),
}


def _expand(text: str, tmp: str) -> str:
    return text.replace("{tmp}", tmp)


@pytest.fixture
def nothing_opens(monkeypatch):
    """Bad input must be refused before a socket, a pytest run or a kernel probe starts."""
    def refuse(*args, **kwargs):
        raise AssertionError("bad input reached the kernel or a subprocess")
    monkeypatch.setattr("netlink_probe.transport.open_kernel_transport", refuse)
    monkeypatch.setattr("netlink_probe.kernel_info.collect", refuse)
    monkeypatch.setattr(subprocess, "call", refuse)


def _one_line(err: str) -> str:
    assert "Traceback" not in err, err
    assert "\x1b" not in err and "\x07" not in err, f"a terminal escape reached stderr: {err!r}"
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    return lines[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gets_one_line_and_its_exit_status(name, tmp_path, monkeypatch, capsys, nothing_opens):
    case = CASES[name]
    tmp = str(tmp_path)
    P.write_profile(tmp_path / "good.json", good_profile())
    (tmp_path / "plain").write_text("not a namespace\n")
    for fname, content in case.files.items():
        path = tmp_path / fname
        if content == "SPARSE":
            with open(path, "wb") as f:
                f.truncate(MAX_PROFILE_BYTES + 1)  # sparse: refused by size before any read
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    if case.stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(case.stdin)))
    try:
        rc = main([_expand(a, tmp) for a in case.argv])
    except SystemExit as e:  # argparse
        rc = e.code
    out, err = capsys.readouterr()
    line = _one_line(err)
    assert rc == case.code, line
    assert "\x1b" not in out
    if case.needle:
        assert case.needle in line


def test_the_table_has_at_least_100_cases():
    assert len(CASES) + len(PROCESS_CASES) >= 100


# -- as real processes ------------------------------------------------------------------------------

def _process(argv: list[str], *, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, timeout: float = 60,
             limit_memory: bool = False, pass_fds=()) -> subprocess.CompletedProcess:
    def preexec():
        if limit_memory:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    return subprocess.run([sys.executable, "-m", "netlink_probe", *argv], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=timeout, env=ENV, preexec_fn=preexec,
                          pass_fds=pass_fds)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return str(path)


PROCESS_CASES = {
    "dump-netns-fifo": (["dump", "links", "--netns", "{fifo}"], "fifo"),
    "monitor-netns-fifo": (["monitor", "--group", "1", "--netns", "{fifo}", "--timeout", "1"], "fifo"),
    "diff-fifo-first": (["diff", "{fifo}", "{good}"], "a FIFO, not a regular file"),
    "diff-fifo-second": (["diff", "{good}", "{fifo}", "--json"], "a FIFO, not a regular file"),
    "diff-dev-zero": (["diff", "/dev/zero", "{good}"], "a character device"),
    "diff-dev-urandom": (["diff", "{good}", "/dev/urandom"], "a character device"),
}


@pytest.mark.parametrize("name", sorted(PROCESS_CASES))
def test_paths_that_would_block_or_never_end_are_refused_at_once(name, fifo, tmp_path):
    argv, needle = PROCESS_CASES[name]
    good = str(tmp_path / "good.json")
    P.write_profile(good, good_profile())
    argv = [a.replace("{fifo}", fifo).replace("{good}", good) for a in argv]
    p = _process(argv, timeout=30, limit_memory=True)
    line = _one_line(p.stderr)
    if needle == "fifo":  # as root: not a network namespace (bad use); without: needs root (a refusal)
        assert "FIFO" in line or "needs root" in line
        assert p.returncode == NETNS, line
    else:
        assert needle in line
        assert p.returncode == 2, line


def test_closed_stdout_is_one_line():
    p = subprocess.run([sys.executable, "-m", "netlink_probe", "dump", "links"], stdout=None, stderr=subprocess.PIPE,
                       text=True, timeout=60, env=ENV, preexec_fn=lambda: os.close(1))
    assert p.returncode == 2
    assert "standard output is closed" in _one_line(p.stderr)


@pytest.mark.parametrize("argv", [["dump", "links"], ["--help"], ["--version"], ["diff", "{good}", "{good}"]])
def test_full_stdout_is_one_line(argv, tmp_path):
    good = str(tmp_path / "good.json")
    P.write_profile(good, good_profile())
    with open("/dev/full", "w") as full:
        p = _process([a.replace("{good}", good) for a in argv], stdout=full)
    assert p.returncode == 2
    assert "cannot write to standard output: No space left on device" in _one_line(p.stderr)


def test_closed_stdin_reads_as_no_input():
    p = subprocess.run([sys.executable, "-m", "netlink_probe", "decode"], stdin=None, capture_output=True, text=True,
                       timeout=60, env=ENV, preexec_fn=lambda: os.close(0))
    assert p.returncode == 2
    assert "no input" in _one_line(p.stderr)


def test_closed_stderr_keeps_the_exit_status():
    p = subprocess.run([sys.executable, "-m", "netlink_probe", "dump", "nope"], stdout=subprocess.PIPE, timeout=60,
                       env=ENV, preexec_fn=lambda: os.close(2))
    assert p.returncode == 2 and p.stdout == b""


def test_a_reader_leaving_early_is_not_an_error():
    p = subprocess.Popen([sys.executable, "-m", "netlink_probe", "--help"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=ENV)
    p.stdout.close()
    assert p.wait(timeout=60) == 0
    assert p.stderr.read() == b""
    p.stderr.close()


# -- Ctrl-C ---------------------------------------------------------------------------------------

# What the console script runs, with SIGINT sent to itself when a given module starts to import.
TRIP = r'''
import atexit, os, signal, sys
where, times = os.environ["NLP_TRIP"], int(os.environ.get("NLP_TRIP_TIMES", "1"))
def trip():
    for _ in range(times):
        os.kill(os.getpid(), signal.SIGINT)
class Trip:
    def find_spec(self, name, path=None, target=None):
        if name == where:
            trip()
        return None
sys.meta_path.insert(0, Trip())
if where == "atexit":
    atexit.register(trip)
from netlink_probe.cli import main
sys.exit(main())
'''


def _before_main() -> set[str]:
    """The package's modules imported before cli.main runs (a Ctrl-C there cannot be ours to handle)."""
    code = "import sys, netlink_probe.cli; print(' '.join(m for m in sys.modules if m.startswith('netlink_probe')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60).stdout
    return set(out.split())


def _sigint_default() -> None:
    """In the child: SIGINT as a terminal gives it. A test run started in the background (`cmd &` in a
    script, as CI may) inherits SIGINT ignored, which the command rightly keeps ignoring."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("where,times", [
    ("netlink_probe.cli.program", 1), ("netlink_probe.cli.errors", 1), ("netlink_probe.cli.dump", 1),
    ("netlink_probe.iproute2.links", 1), ("netlink_probe.codec", 1), ("netlink_probe.socket", 1),
    ("netlink_probe.profile.terminal", 1), ("netlink_probe.cli.program", 2), ("atexit", 1), ("atexit", 2)])
def test_ctrl_c_at_any_moment_exits_130_quietly(where, times):
    assert where not in _before_main(), f"{where} is imported before cli.main can handle Ctrl-C"
    p = subprocess.run([sys.executable, "-c", TRIP, "dump", "links", "--json"], capture_output=True, text=True,
                       timeout=60, env=dict(ENV, NLP_TRIP=where, NLP_TRIP_TIMES=str(times)),
                       preexec_fn=_sigint_default)
    assert "Traceback" not in p.stderr and "Exception ignored" not in p.stderr, p.stderr
    assert p.returncode == 130, p.stderr


def test_ctrl_c_while_reading_stdin_exits_130_quietly():
    p = subprocess.Popen([sys.executable, "-m", "netlink_probe", "decode"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, preexec_fn=_sigint_default)
    time.sleep(2.0)  # well past the imports: blocked in the read of stdin
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    p.stdin.close()
    assert p.returncode == 130
    assert err == b"" and out == b""


def test_an_ignored_sigint_stays_ignored():
    """`cmd &` in a script: SIGINT is ignored; the command must not start handling it."""
    code = ("import signal, sys; from netlink_probe.cli import main\n"
            "try: main()\nexcept SystemExit: pass\n"
            "print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=ENV,
                       preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert p.stdout.strip().endswith("True"), p.stderr


def test_in_process_callers_get_their_sigint_handler_back():
    before = signal.getsignal(signal.SIGINT)
    try:
        main(["--version"])
    except SystemExit:
        pass
    assert signal.getsignal(signal.SIGINT) is before


# -- what diff prints from a crafted profile --------------------------------------------------------

ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202e"


@pytest.mark.parametrize("as_json", [False, True])
def test_diff_never_prints_a_profiles_control_characters(tmp_path, capsys, as_json):
    a = good_profile()
    b = good_profile(kernel__release="6.1" + ESCAPES[:20], kernel__version=ESCAPES, headers=ESCAPES)
    b["observations"]["perm.root.ROUTE.bind.1"] = ESCAPES
    b["observations"]["x.y"] = [ESCAPES]
    for name, prof in (("a.json", a), ("b.json", b)):
        P.write_profile(tmp_path / name, prof)
    rc = main(["diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"), *(["--json"] if as_json else [])])
    out, err = capsys.readouterr()
    assert rc == 1 and err == ""
    for c in "\x1b\x07\x9b\u202e":
        assert c not in out
    if as_json:
        assert json.loads(out)["kernels"]["b"] == "6.1" + ESCAPES[:20]  # escaped for the terminal, not lost
    else:
        assert "6.1\\x1b]0;owned\\x07" in out
