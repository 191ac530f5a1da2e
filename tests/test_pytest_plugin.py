"""The netlink_probe pytest plugin, in inner pytest sessions (with and without xdist)."""

import json
import os

import pytest

from netlink_probe import profile as P
from netlink_probe.pytest_plugin import outcomes, recorder

pytest_plugins = ["pytester"]

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CONFTEST = 'pytest_plugins = ["netlink_probe.pytest_plugin"]\n'

HELPER = '''
from netlink_probe.pytest_plugin import record

def probe_protocol(n, result):
    record(f"protocol.{n}.socket", result)
'''

TEST_LINKS = '''
import pytest
from helper import probe_protocol

@pytest.mark.parametrize("n", range(12))
def test_protocol(n):
    probe_protocol(n, "ok" if n % 3 else "EPROTONOSUPPORT")

@pytest.mark.parametrize("kind", ["veth", "dummy", "bridge", "vxlan"])
def test_kind(observe, kind):
    observe(f"linkkind.{kind}", "ok")

def test_skip_veth():
    pytest.skip("needs CONFIG_VETH")

def test_skip_veth_again():
    pytest.skip("needs CONFIG_VETH")

@pytest.mark.skipif(True, reason="needs a second netns")
def test_skipif():
    pass

def test_perm(observe):
    observe("perm.nobody+CAP_NET_ADMIN.ROUTE.bind.1", "EPERM")
    observe("groups.ROUTE.list_memberships_len", [1, 2, 3])
    observe("ack.capped", True)
    observe("protocol.ROUTE.rtt", 0.5)
'''

TEST_FAILING = '''
import pytest

def test_records_then_fails(observe):
    observe("error.RTM_GETLINK", "EINVAL")
    assert False, "boom"

@pytest.fixture
def broken():
    raise RuntimeError("setup broke")

def test_setup_error(broken):
    pass

@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown broke")

def test_teardown_error(observe, broken_teardown):
    observe("dump.done", "ok")

def test_passes(observe):
    observe("isolation.netns", "ok")
'''


@pytest.fixture
def project(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", REPO + os.pathsep + str(pytester.path))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(helper=HELPER)
    return pytester


def run(pytester, *args):
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def load(pytester, name="out.json"):
    return P.load_profile(pytester.path / name)


def area_lines(result):
    out = []
    lines = result.outlines
    for i, line in enumerate(lines):
        if line.startswith("area "):
            out.append(line)
            j = i + 1
            while j < len(lines) and lines[j].startswith("    "):
                out.append(lines[j])
                j += 1
    return out


EXPECTED_OBS = {
    **{f"protocol.{n}.socket": ("ok" if n % 3 else "EPROTONOSUPPORT") for n in range(12)},
    **{f"linkkind.{k}": "ok" for k in ["veth", "dummy", "bridge", "vxlan"]},
    "perm.nobody+CAP_NET_ADMIN.ROUTE.bind.1": "EPERM",
    "groups.ROUTE.list_memberships_len": [1, 2, 3],
    "ack.capped": True,
    "protocol.ROUTE.rtt": 0.5,
}


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_profile_written_and_merged(project, xdist):
    project.makepyfile(test_links=TEST_LINKS)
    result = run(project, "--profile", "out.json", *xdist)
    assert result.ret == 0, result.stdout.str()
    prof = load(project)
    assert prof["schema"] == 1
    assert prof["observations"] == EXPECTED_OBS
    assert prof["tests"] == {"passed": 17, "failed": 0, "skipped": 3}
    assert prof["kernel"]["release"] == os.uname().release
    assert prof["headers"]
    result.stdout.fnmatch_lines([
        f"netlink-probe profile: {len(EXPECTED_OBS)} observations written to "
        f"{project.path / 'out.json'}",
    ])
    assert area_lines(result) == [
        "area links: 17 passed, 0 failed, 3 skipped",
        "    2 x needs CONFIG_VETH",
        "    1 x needs a second netns",
    ]
    assert "WARNING" not in result.stdout.str()


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_profile_written_when_tests_fail(project, xdist):
    project.makepyfile(test_failing=TEST_FAILING)
    result = run(project, "--profile", "out.json", *xdist)
    assert result.ret == 1
    prof = load(project)
    assert prof["observations"] == {"error.RTM_GETLINK": "EINVAL", "dump.done": "ok",
                                    "isolation.netns": "ok"}
    # setup and teardown errors count as failed, each test once
    assert prof["tests"] == {"passed": 1, "failed": 3, "skipped": 0}
    assert area_lines(result) == ["area failing: 1 passed, 3 failed, 0 skipped"]


def test_profile_written_when_no_tests(project):
    project.makepyfile(test_empty="x = 1\n")
    result = run(project, "--profile", "out.json")
    assert result.ret == 5
    prof = load(project)
    assert prof["observations"] == {}
    assert prof["tests"] == {"passed": 0, "failed": 0, "skipped": 0}
    result.stdout.fnmatch_lines(["netlink-probe profile: 0 observations written to *out.json"])


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_areas_and_module_skips(project, xdist):
    project.makepyfile(
        test_links=TEST_LINKS,
        test_failing=TEST_FAILING,
        test_audit='import pytest\npytest.skip("no audit", allow_module_level=True)\n',
        test_nsid='''
import pytest
@pytest.mark.parametrize("i", range(5))
def test_n(i, observe):
    if i % 2:
        pytest.skip("needs userns")
    observe(f"nsid.check{i}", i)

@pytest.mark.xfail(reason="kernel bug 123")
def test_xfail():
    assert 0
''',
    )
    result = run(project, "--profile", "out.json", *xdist)
    assert result.ret == 1
    assert area_lines(result) == [
        "area audit: 0 passed, 0 failed, 1 skipped",
        "    1 x no audit",
        "area failing: 1 passed, 3 failed, 0 skipped",
        "area links: 17 passed, 0 failed, 3 skipped",
        "    2 x needs CONFIG_VETH",
        "    1 x needs a second netns",
        "area nsid: 3 passed, 0 failed, 3 skipped",
        "    2 x needs userns",
        "    1 x xfail: kernel bug 123",
    ]
    prof = load(project)
    assert prof["tests"] == {"passed": 21, "failed": 3, "skipped": 7}
    assert prof["observations"]["nsid.check4"] == 4
    assert len(prof["observations"]) == len(EXPECTED_OBS) + 3 + 3


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_conflicts_warning(project, xdist):
    # Many tests so that, under xdist, the conflicting ones usually land on
    # different workers; the warning must appear either way.
    project.makepyfile(test_conflict='''
import pytest

@pytest.mark.parametrize("i", range(10))
def test_conflict(observe, i):
    observe("ack.flaky", "ok" if i % 2 else "EAGAIN")
    observe("ack.stable", "ok")

def test_same_twice(observe):
    observe("dump.same", 1)
    observe("dump.same", 1)
''')
    result = run(project, "--profile", "out.json", *xdist)
    assert result.ret == 0
    out = result.stdout.str()
    result.stdout.fnmatch_lines([
        "netlink-probe WARNING: 1 observation(s) recorded with different values*",
        '    ack.flaky: *"EAGAIN"*',
    ])
    flaky = [ln for ln in result.outlines if ln.startswith("    ack.flaky:")][0]
    assert '"ok"' in flaky and "test_conflict.py::test_conflict[" in flaky
    assert "dump.same" not in out.split("WARNING")[1]
    prof = load(project)
    assert prof["observations"]["ack.flaky"] in ("ok", "EAGAIN")
    assert prof["observations"]["ack.stable"] == "ok"


def test_bad_key_or_value_fails_the_test(project):
    project.makepyfile(test_bad='''
import pytest

def test_bad_key(observe):
    observe("no_dots", "ok")

def test_bad_value(observe):
    observe("a.b", None)

def test_bad_list(observe):
    observe("a.c", list(range(100)))

def test_raises_at_once(observe):
    with pytest.raises(ValueError, match="bad observation key"):
        observe("bad key.x", "ok")
''')
    result = run(project, "--profile", "out.json")
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(["*ValueError: bad observation key 'no_dots'*",
                                 "*TypeError: observation value is None*"])
    assert load(project)["observations"] == {}


def test_without_profile_option(project):
    project.makepyfile(test_links=TEST_LINKS)
    result = run(project)
    assert result.ret == 0
    assert not list(project.path.glob("*.json"))
    assert "netlink-probe profile:" not in result.stdout.str()
    assert area_lines(result)[0] == "area links: 17 passed, 0 failed, 3 skipped"


def test_loaded_with_dash_p_and_conftest(pytester, monkeypatch):
    """-p netlink_probe.pytest_plugin plus the conftest (what `netlink-probe profile` does)."""
    monkeypatch.setenv("PYTHONPATH", REPO + os.pathsep + str(pytester.path))
    sub = pytester.mkdir("conformance")
    (sub / "conftest.py").write_text(CONFTEST)
    (sub / "helper.py").write_text(HELPER)
    (sub / "test_links.py").write_text(TEST_LINKS)
    result = pytester.runpytest_subprocess(
        "conformance", "-n", "2", "-p", "no:cacheprovider", "-p", "netlink_probe.pytest_plugin",
        "--profile", "out.json")
    assert result.ret == 0, result.stdout.str()
    assert load(pytester)["observations"] == EXPECTED_OBS


def test_profile_directory_missing(project):
    project.makepyfile(test_links=TEST_LINKS)
    result = run(project, "--profile", "nowhere/out.json")
    assert result.ret == 4  # usage error, before running anything
    assert "does not exist" in result.stderr.str()


def test_help_lists_option(project):
    result = run(project, "--help")
    result.stdout.fnmatch_lines(["*--profile=PATH*", "*--rootless*", "*--allow-all-skipped*"])


def test_run_mode_options_and_environment(project, monkeypatch):
    """--allow-all-skipped or NETLINK_PROBE_ALLOW_ALL_SKIPPED=1; --rootless is off by default."""
    from netlink_probe.pytest_plugin import run_mode

    class Config:
        def __init__(self, **opts):
            self.opts = opts

        def getoption(self, name, default=None):
            return self.opts.get(name, default)

    monkeypatch.delenv(run_mode.ALLOW_ALL_SKIPPED_ENV, raising=False)
    assert not run_mode.all_skipped_allowed(Config())
    assert run_mode.all_skipped_allowed(Config(netlink_probe_allow_all_skipped=True))
    monkeypatch.setenv(run_mode.ALLOW_ALL_SKIPPED_ENV, "1")
    assert run_mode.all_skipped_allowed(Config())
    monkeypatch.setenv(run_mode.ALLOW_ALL_SKIPPED_ENV, "0")
    assert not run_mode.all_skipped_allowed(Config())
    run_mode.enter_rootless_if_asked(Config())  # not asked: nothing happens


# -- the recorder, in process -------------------------------------------------

def test_recorder_conflicts_and_merge():
    r = recorder.Recorder()
    r.record("a.b", "ok", where="t1")
    r.record("a.b", "ok", where="t2")
    assert r.conflicts == []
    r.record("a.b", "EPERM", where="t3")
    r.record("a.b", "ok", where="t4")
    assert r.observations["a.b"] == "ok"
    assert r.conflicts == ["a.b"]
    assert r.conflict_values["a.b"] == [["ok", "t1"], ["EPERM", "t3"]]
    r.record("a.t", ("x", 1), where="t5")
    assert r.observations["a.t"] == ["x", 1]
    with pytest.raises(ValueError):
        r.record("bad", 1)
    with pytest.raises(TypeError):
        r.record("a.n", None)

    out = r.worker_output()
    json.dumps(out)  # serialisable for xdist
    c = recorder.Recorder()
    c.record("a.t", ["x", 1], where="gw1 test")
    c.record("a.z", True, where="gw1 test")
    c.merge(out[recorder.WORKEROUTPUT_OBSERVATIONS], out[recorder.WORKEROUTPUT_CONFLICTS],
            out[recorder.WORKEROUTPUT_ORIGINS], where="gw0")
    assert c.observations == {"a.b": "ok", "a.t": ["x", 1], "a.z": True}
    assert c.conflicts == ["a.b"]
    c.merge({"a.z": 1}, where="gw2")  # True vs 1 is a difference
    assert c.conflicts == ["a.b", "a.z"]


def test_area_names():
    assert outcomes.area_of("conformance/test_links.py::test_x[1]") == "links"
    assert outcomes.area_of("conformance/test_perm.py") == "perm"
    assert outcomes.area_of("conformance/sub/checks.py::T::test") == "checks"
