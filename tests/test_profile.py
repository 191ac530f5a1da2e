"""The observation profile: keys, values, files, the diff and the CLI subcommands."""

import argparse
import json
import os
import subprocess
import sys

import pytest

from netlink_probe import profile as P
from netlink_probe.profile import identity
from netlink_probe.cli import diff as cli_diff
from netlink_probe.cli import profile as cli_profile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse(argv):
    """A stand-in for the netlink-probe dispatcher."""
    parser = argparse.ArgumentParser(prog="netlink-probe")
    sub = parser.add_subparsers(dest="command", required=True)
    cli_diff.add_parser(sub)
    cli_profile.add_parser(sub)
    return parser.parse_args(argv)


def main(argv):
    args = parse(argv)
    return args.func(args)


def make(observations, release="6.1.0", tests=None):
    prof = P.build_profile(observations, tests or {"passed": 3, "failed": 0, "skipped": 1})
    prof["kernel"]["release"] = release
    return prof


def write(tmp_path, name, prof):
    path = tmp_path / name
    P.write_profile(path, prof)
    return str(path)


# -- keys and values ---------------------------------------------------------

@pytest.mark.parametrize("key", [
    "protocol.0.socket",
    "protocol.ROUTE.noop_to_kernel",
    "groups.ROUTE.max",
    "perm.nobody+CAP_NET_ADMIN.ROUTE.bind.1",
    "perm.userns_root_init_netns.GENERIC.send_port",
    "linkkind.ip6-gre",
    "error.RTM_NEWLINK",
    "route.v6.default-table.a_b",
])
def test_good_keys(key):
    P.validate_key(key)


@pytest.mark.parametrize("key", [
    "", "protocol", ".protocol", "protocol.", "a..b", "a b.c", "perm.root/x.bind",
    "ключ.x", "a.b\n", "x." + "y" * 300,
])
def test_bad_keys(key):
    with pytest.raises(ValueError) as e:
        P.validate_key(key)
    assert "\n" not in str(e.value)


def test_key_must_be_str():
    with pytest.raises(TypeError):
        P.validate_key(1)


@pytest.mark.parametrize("value", [
    "ok", "EPERM", "silent", 0, 32, -1, True, False, 1.5, [], ["a", 1, True], ("x", 2),
    ["x"] * 64,
])
def test_good_values(value):
    P.validate_value(value)


@pytest.mark.parametrize("value,exc", [
    (None, TypeError), ({"a": 1}, TypeError), (b"x", TypeError), (["x"] * 65, ValueError),
    ([None], TypeError), ([1.5], TypeError), ([[1]], TypeError), (float("nan"), ValueError),
    (float("inf"), ValueError), ("x" * 5000, ValueError), (object(), TypeError),
])
def test_bad_values(value, exc):
    with pytest.raises(exc):
        P.validate_value(value)


def test_values_equal_is_json_strict():
    assert P.values_equal(1, 1.0)
    assert not P.values_equal(True, 1)
    assert not P.values_equal(0, False)
    assert not P.values_equal("1", 1)
    assert P.values_equal(["a", 1], ("a", 1))
    assert not P.values_equal([True], [1])
    assert not P.values_equal(["a"], "a")


# -- machine, build, write, load ---------------------------------------------

def test_kernel_identity():
    k = P.kernel_identity()
    assert k == {"release": os.uname().release, "version": os.uname().version,
                 "machine": os.uname().machine}


def test_headers_version():
    v = P.headers_version()
    assert isinstance(v, str) and v


def test_headers_version_fallback(monkeypatch, tmp_path):
    def no_dpkg(*a, **k):
        raise FileNotFoundError("dpkg-query")
    monkeypatch.setattr(identity.subprocess, "run", no_dpkg)
    h = tmp_path / "version.h"
    h.write_text("#define LINUX_VERSION_CODE 393659\n#define KERNEL_VERSION(a,b,c) x\n")
    assert identity._version_from_header(str(h)) == "6.1.187"
    monkeypatch.setattr(identity, "_version_from_header", lambda: None)
    assert P.headers_version() == "unknown"


def test_build_profile_shape():
    prof = P.build_profile({"ack.basic": "ok"}, {"passed": 2})
    assert prof["schema"] == P.SCHEMA == 1
    assert set(prof) == {"schema", "kernel", "headers", "created", "observations", "tests", "run"}
    assert prof["run"] == P.run_context()
    assert set(prof["kernel"]) == {"release", "version", "machine"}
    assert prof["tests"] == {"passed": 2, "failed": 0, "skipped": 0}
    assert prof["observations"] == {"ack.basic": "ok"}
    with pytest.raises(ValueError):
        P.build_profile({"bad": "ok"}, {})
    with pytest.raises(TypeError):
        P.build_profile({"a.b": None}, {})


def test_round_trip(tmp_path):
    obs = {"perm.nobody+CAP_AUDIT_READ.AUDIT.bind.1": "EPERM", "groups.ROUTE.max": 32,
           "dump.interrupted": False, "nsid.list": ["a", "b"], "protocol.ROUTE.rtt": 0.25,
           "protocol.ROUTE.tuple": ("x", 1)}
    prof = P.build_profile(obs, {"passed": 1, "failed": 2, "skipped": 3})
    path = tmp_path / "out.json"
    P.write_profile(path, prof)
    text = path.read_text()
    assert text.startswith('{\n "created"')  # sorted keys, indent=1
    loaded = P.load_profile(path)
    assert loaded["observations"]["protocol.ROUTE.tuple"] == ["x", 1]
    assert loaded == prof
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary left
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_write_is_atomic_on_failure(tmp_path):
    path = tmp_path / "out.json"
    P.write_profile(path, P.build_profile({"a.b": 1}, {}))
    before = path.read_text()
    with pytest.raises(ValueError):
        P.write_profile(path, {"schema": 1, "x": float("nan")})
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


@pytest.mark.parametrize("content,needle", [
    (None, "no such file"),
    ("{not json", "not valid JSON"),
    ("", "not valid JSON"),
    ("[1, 2]", "not a netlink-probe profile"),
    ('{"foo": 1}', "not a netlink-probe profile"),
    ('{"schema": 2, "observations": {}, "kernel": {"release": "x"}}', "schema 2 is not supported"),
    ('{"schema": true, "observations": {}, "kernel": {"release": "x"}}', "schema true"),
    ('{"schema": 1, "observations": [], "kernel": {"release": "x"}}', "observations: expected an object, got an array"),
    ('{"schema": 1, "observations": {"bad key": 1}, "kernel": {"release": "x"}}', 'observations: bad key "bad key"'),
    ('{"schema": 1, "observations": {"a.b": null}, "kernel": {"release": "x"}}', 'observations["a.b"]: expected'),
    ('{"schema": 1, "observations": {}}', 'missing required field "kernel"'),
])
def test_load_bad_input(tmp_path, content, needle):
    path = tmp_path / "p.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(P.ProfileError) as e:
        P.load_profile(path)
    msg = str(e.value)
    assert needle in msg
    assert "\n" not in msg
    assert str(path) in msg


def test_load_directory_and_binary(tmp_path):
    with pytest.raises(P.ProfileError, match="directory"):
        P.load_profile(tmp_path)
    b = tmp_path / "b.json"
    b.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(P.ProfileError):
        P.load_profile(b)


# -- diff --------------------------------------------------------------------

A_OBS = {
    "perm.nobody.ROUTE.bind.1": "ok",
    "perm.nobody.ROUTE.bind.2": "ok",
    "perm.nobody.ROUTE.bind.10": "ok",
    "perm.root.ROUTE.bind.1": "ok",
    "protocol.0.socket": "ok",
    "protocol.99.socket": "EPROTONOSUPPORT",
    "groups.ROUTE.max": 32,
    "linkkind.veth": "ok",
    "ack.capped": True,
}
B_OBS = {
    "perm.nobody.ROUTE.bind.1": "EPERM",
    "perm.nobody.ROUTE.bind.2": "ok",
    "perm.nobody.ROUTE.bind.10": "EPERM",
    "perm.root.ROUTE.bind.1": "ok",
    "protocol.0.socket": "ok",
    "groups.ROUTE.max": 32.0,
    "linkkind.veth": "ok",
    "linkkind.netkit": "ok",
    "ack.capped": 1,
}


def test_diff_profiles():
    a, b = make(A_OBS, "6.1.0"), make(B_OBS, "6.8.0", {"passed": 1, "failed": 5, "skipped": 0})
    d = P.diff_profiles(a, b)
    assert d["changed"] == {
        "ack.capped": [True, 1],
        "perm.nobody.ROUTE.bind.1": ["ok", "EPERM"],
        "perm.nobody.ROUTE.bind.10": ["ok", "EPERM"],
    }
    assert list(d["changed"]) == ["ack.capped", "perm.nobody.ROUTE.bind.1", "perm.nobody.ROUTE.bind.10"]
    assert d["only_a"] == {"protocol.99.socket": "EPROTONOSUPPORT"}
    assert d["only_b"] == {"linkkind.netkit": "ok"}
    assert d["kernels"] == {"a": "6.1.0", "b": "6.8.0"}
    assert d["same"] == 5
    assert P.has_differences(d)


def test_diff_ignores_tests_created_and_kernel():
    a = make(A_OBS, "6.1.0", {"passed": 9, "failed": 0, "skipped": 0})
    b = make(dict(A_OBS), "6.8.0", {"passed": 1, "failed": 8, "skipped": 0})
    b["created"] = "1999-01-01T00:00:00+00:00"
    b["headers"] = "other"
    d = P.diff_profiles(a, b)
    assert not P.has_differences(d)
    text = P.format_diff(d, "a.json", "b.json")
    assert "no behavioural differences" in text
    assert "9 passed, 0 failed, 0 skipped" in text and "1 passed, 8 failed" in text
    assert "6.1.0" in text and "6.8.0" in text


def test_format_diff_grouped_by_family():
    d = P.diff_profiles(make(A_OBS, "6.1.0"), make(B_OBS, "6.8.0"))
    text = P.format_diff(d, "a.json", "b.json")
    lines = text.splitlines()
    headers = [ln for ln in lines if ln.startswith("[")]
    assert headers == ["[ack] 1 changed", "[linkkind] 1 only in B",
                       "[perm] 2 changed", "[protocol] 1 only in A"]
    perm = lines.index("[perm] 2 changed")
    assert "perm.nobody.ROUTE.bind.1 " in lines[perm + 1] and '"ok"' in lines[perm + 1]
    assert '"EPERM"' in lines[perm + 1]
    assert "perm.nobody.ROUTE.bind.10" in lines[perm + 2]  # natural order
    assert "6.1.0" in text and "6.8.0" in text
    assert lines[-1] == "5 differences: 3 changed, 1 only in A, 1 only in B; 5 identical"


def with_run(prof, **run):
    prof["run"] = run
    return prof


def test_diff_across_run_contexts_reports_one_sided_keys_as_not_comparable():
    """A rootless run skips the perm.* contexts: those keys are not comparable, not differences."""
    host = with_run(make(A_OBS, "6.1.0"), rootless=False, init_netns=True)
    rootless_obs = {k: v for k, v in A_OBS.items() if k != "protocol.99.socket"}
    rootless = with_run(make(rootless_obs, "6.1.0"), rootless=True, init_netns=False)
    d = P.diff_profiles(host, rootless)
    assert d["only_a"] == d["only_b"] == d["changed"] == {}
    assert d["not_comparable"] == {"a": {"protocol.99.socket": "EPROTONOSUPPORT"}, "b": {}}
    assert d["run"] == {"a": {"rootless": False, "init_netns": True}, "b": {"rootless": True, "init_netns": False}}
    assert not P.has_differences(d)
    text = P.format_diff(d, "host.json", "rootless.json")
    assert "run: host" in text and "run: rootless, not init_netns" in text
    assert "[not comparable: run context differs] 1 only in A, 0 only in B" in text
    assert text.splitlines()[-1] == ("no behavioural differences (8 observations identical; 1 not comparable "
                                     "(run context differs))")


def test_diff_across_run_contexts_still_reports_changed_common_keys():
    host = with_run(make(A_OBS, "6.1.0"), rootless=False, init_netns=True)
    changed = dict(A_OBS, **{"ack.capped": 1})
    del changed["protocol.99.socket"]
    rootless = with_run(make(changed, "6.1.0"), rootless=True)
    d = P.diff_profiles(host, rootless)
    assert d["changed"] == {"ack.capped": [True, 1]}
    assert P.has_differences(d)
    assert P.format_diff(d, "a", "b").splitlines()[-1] == (
        "1 difference: 1 changed, 0 only in A, 0 only in B; 7 identical, 1 not comparable (run context differs)")


@pytest.mark.parametrize("run, text", [
    ({"rootless": False, "init_netns": True}, "host"),
    ({"rootless": True, "init_netns": False}, "rootless, not init_netns"),
    ({"rootless": False, "init_netns": False}, "not init_netns"),
    ({"rootless": False}, "init_netns unknown"),
])
def test_run_contexts_in_words(run, text):
    assert P.diff.run_text(run) == text


def test_a_profile_without_a_run_context_is_a_host_run_and_same_contexts_compare_as_before():
    old = make(A_OBS, "6.1.0")
    del old["run"]
    assert P.run_of(old) == P.HOST_RUN == {"rootless": False, "init_netns": True}
    new = with_run(make(B_OBS, "6.8.0"), rootless=False, init_netns=True)
    d = P.diff_profiles(old, new)
    assert d["only_a"] == {"protocol.99.socket": "EPROTONOSUPPORT"} and d["not_comparable"] == {"a": {}, "b": {}}


def test_cli_diff_exit_status_ignores_keys_of_one_run_context(tmp_path, capsys):
    host = write(tmp_path, "host.json", with_run(make(A_OBS), rootless=False, init_netns=True))
    only_common = {k: v for k, v in A_OBS.items() if k != "protocol.99.socket"}
    rl = write(tmp_path, "rootless.json", with_run(make(only_common), rootless=True, init_netns=False))
    assert main(["diff", host, rl]) == 0
    assert "not comparable" in capsys.readouterr().out
    assert main(["diff", host, rl, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["different"] is False and out["not_comparable"]["a"] == {"protocol.99.socket": "EPROTONOSUPPORT"}


def test_the_run_context_is_checked_by_the_schema(tmp_path):
    prof = with_run(make(A_OBS), rootless="yes")
    path = write(tmp_path, "bad.json", prof)
    with pytest.raises(P.ProfileError, match=r"run\.rootless: expected a boolean"):
        P.load_profile(path)


# -- netlink-probe diff ------------------------------------------------------

def test_cli_diff_exit_codes(tmp_path, capsys):
    a = write(tmp_path, "a.json", make(A_OBS, "6.1.0"))
    a2 = write(tmp_path, "a2.json", make(A_OBS, "6.9.0", {"passed": 0, "failed": 9}))
    b = write(tmp_path, "b.json", make(B_OBS, "6.8.0"))
    assert main(["diff", a, a2]) == 0
    out = capsys.readouterr().out
    assert "no behavioural differences" in out
    assert main(["diff", a, b]) == 1
    out = capsys.readouterr().out
    assert "[perm] 2 changed" in out


def test_cli_diff_json(tmp_path, capsys):
    a = write(tmp_path, "a.json", make(A_OBS, "6.1.0"))
    b = write(tmp_path, "b.json", make(B_OBS, "6.8.0"))
    assert main(["diff", a, b, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["different"] is True
    assert out["changed"]["perm.nobody.ROUTE.bind.1"] == ["ok", "EPERM"]
    assert out["only_a"] == {"protocol.99.socket": "EPROTONOSUPPORT"}
    assert out["only_b"] == {"linkkind.netkit": "ok"}
    assert out["kernels"] == {"a": "6.1.0", "b": "6.8.0"}
    assert main(["diff", a, a, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["different"] is False


@pytest.mark.parametrize("content", [None, "{", '{"x": 1}', '{"schema": 7, "observations": {}}', "[]"])
def test_cli_diff_bad_input(tmp_path, capsys, content):
    good = write(tmp_path, "good.json", make(A_OBS))
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    for argv in (["diff", good, str(bad)], ["diff", str(bad), good, "--json"]):
        assert main(argv) == 2
        cap = capsys.readouterr()
        assert cap.out == ""
        err = cap.err.splitlines()
        assert len(err) == 1 and err[0].startswith("netlink-probe diff: ")
        assert "bad.json" in err[0] and "Traceback" not in cap.err


def test_cli_diff_as_a_process(tmp_path):
    """No traceback from a real process either; exit status 2."""
    missing = str(tmp_path / "missing.json")
    code = ("import sys, argparse; from netlink_probe.cli import diff;"
            "p = argparse.ArgumentParser(); s = p.add_subparsers(); diff.add_parser(s);"
            "a = p.parse_args(sys.argv[1:]); sys.exit(a.func(a))")
    r = subprocess.run([sys.executable, "-c", code, "diff", missing, missing],
                       capture_output=True, text=True, cwd=REPO,
                       env=dict(os.environ, PYTHONPATH=REPO))
    assert r.returncode == 2
    assert r.stderr.strip() == f"netlink-probe diff: {missing}: no such file"


# -- netlink-probe profile ---------------------------------------------------

def test_cli_profile_parse():
    args = parse(["profile", "-o", "out.json"])
    assert args.output == "out.json" and not args.serial and args.suite is None
    assert args.pytest_args == []
    args = parse(["profile", "-o", "o.json", "--serial", "--suite", "s", "--", "-k", "links", "-x"])
    assert args.serial and args.suite == "s" and args.pytest_args == ["--", "-k", "links", "-x"]
    with pytest.raises(SystemExit):
        parse(["profile"])


def test_cli_profile_command():
    cmd = cli_profile.build_command("conformance", "/t/o.json", False, ["--", "-k", "x"])
    assert cmd == [sys.executable, "-m", "pytest", "conformance", "-n", "auto",
                   "-p", "no:cacheprovider", "-p", "netlink_probe.pytest_plugin",
                   "--profile", "/t/o.json", "-k", "x"]
    cmd = cli_profile.build_command("c", "/o.json", True, [])
    assert cmd[4:6] == ["-n", "0"]


def test_cli_profile_needs_root(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("ran pytest"))
    assert main(["profile", "-o", str(tmp_path / "o.json")]) == 1  # cli.errors.EXIT_REFUSED: a privilege is missing
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "root" in err[0]


def test_cli_profile_runs_rootless_for_a_non_root_user(monkeypatch, tmp_path):
    """`profile -- --rootless` needs no root: the suite re-enters itself in a user namespace it owns."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    ran: list[list[str]] = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, *a, **k: ran.append(cmd) or 0)
    main(["profile", "-o", str(tmp_path / "o.json"), "--", "--rootless"])
    assert ran and "--rootless" in ran[0]


def test_cli_profile_no_suite(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("ran pytest"))
    monkeypatch.chdir(tmp_path)
    assert main(["profile", "-o", "o.json"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "--suite" in err[0] and "checkout" in err[0]
    assert main(["profile", "-o", "o.json", "--suite", "nowhere"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "nowhere" in err[0]


def test_cli_profile_runs_pytest(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conformance").mkdir()
    seen = []

    def fake_call(cmd):
        seen.append(cmd)
        P.write_profile(cmd[cmd.index("--profile") + 1], P.build_profile({}, {}))
        return 1

    monkeypatch.setattr(subprocess, "call", fake_call)
    assert main(["profile", "-o", "o.json", "--", "-k", "links"]) == 1
    assert seen[0][3] == "conformance" and seen[0][-2:] == ["-k", "links"]
    assert seen[0][seen[0].index("--profile") + 1] == str(tmp_path / "o.json")
    assert "profile written to" in capsys.readouterr().err


# -- the JSON Schema and its validator ---------------------------------------

def test_schema_ships_with_the_package_and_sets_the_limits():
    from importlib import resources
    doc = json.loads(resources.files("netlink_probe.profile").joinpath("schema.json").read_text())
    assert doc == P.schema.DOCUMENT
    assert P.SCHEMA == doc["properties"]["schema"]["const"] == 1
    assert P.schema.MAX_KEY_LEN == 256 and P.schema.MAX_STRING_LEN == 4096 and P.schema.MAX_LIST_ITEMS == 64


def test_a_written_profile_is_valid_against_the_schema(tmp_path):
    from netlink_probe.profile.validator import validate
    validate(P.build_profile(A_OBS, {"passed": 1}), P.schema.DOCUMENT)


@pytest.mark.parametrize("instance,schema,message", [
    ({"tests": {"passed": "many"}}, {"properties": {"tests": {"properties": {"passed": {"type": "integer"}}}}},
     "tests.passed: expected an integer, got a string"),
    ({"a.b": [1, 2.5]}, {"additionalProperties": {"items": {"type": "integer"}}}, 'a.b"][1]: expected an integer'),
    ("a.b\n", {"pattern": "^[a-z.]+$"}, "does not match the pattern"),
    (float("nan"), {"type": "number"}, "expected a finite number"),
    (True, {"type": "integer"}, "expected an integer, got a boolean"),
    ({}, {"required": ["x"]}, 'missing required field "x"'),
    ({"y": 1}, {"properties": {"x": {}}, "additionalProperties": False}, 'unexpected field "y"'),
    (-1, {"minimum": 0}, "must be at least 0"),
    ([1, 2], {"maxItems": 1}, "at most 1 allowed"),
    ("xx", {"maxLength": 1}, "longer than 1"),
    (2, {"const": 1}, "expected 1, got 2"),
])
def test_validator_names_the_place_and_the_reason(instance, schema, message):
    from netlink_probe.profile.validator import SchemaError, validate
    with pytest.raises(SchemaError) as e:
        validate(instance, schema)
    assert message in str(e.value)


def test_validator_refuses_keywords_it_does_not_implement():
    from netlink_probe.profile.validator import validate
    with pytest.raises(ValueError, match="not supported"):
        validate(1, {"oneOf": [{"type": "integer"}]})


def test_printable_escapes_terminal_controls_only():
    from netlink_probe.profile.terminal import printable
    assert printable("6.1.0-31-amd64 ≥ é") == "6.1.0-31-amd64 ≥ é"
    assert printable("a\x1b[2Jb\x9b\u202e\n") == "a\\x1b[2Jb\\x9b\\u202e\\x0a"


def test_write_profile_says_when_it_replaced_a_file(tmp_path):
    path = tmp_path / "p.json"
    assert P.write_profile(path, P.build_profile({}, {})) is False
    assert P.write_profile(path, P.build_profile({}, {})) is True


def test_cli_profile_refuses_an_existing_output_without_force(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conformance").mkdir()
    (tmp_path / "o.json").write_text("keep me")
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("ran pytest"))
    assert main(["profile", "-o", "o.json"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "exists" in err[0] and "--force" in err[0]
    assert (tmp_path / "o.json").read_text() == "keep me"

    def fake_call(cmd):
        P.write_profile(cmd[cmd.index("--profile") + 1], P.build_profile({}, {}))
        return 0

    monkeypatch.setattr(subprocess, "call", fake_call)
    assert main(["profile", "-o", "o.json", "--force"]) == 0
    assert "replacing the previous file" in capsys.readouterr().err
    assert json.loads((tmp_path / "o.json").read_text())["schema"] == 1
