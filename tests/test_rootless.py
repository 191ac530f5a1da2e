"""Run modes of the conformance suite: the exit status without privileges, rootless mode, containers.

The first tests need nothing.  The others run pytest on a few conformance modules in a subprocess
with exactly the privileges of a case (docs/running.md), so they need root to set that up and are
skipped otherwise:
  no privileges   uid 0 without any capability (setpriv): exit 4, one line
  rootless        uid 65534 (setpriv) with --rootless: runs, skips what needs the initial namespaces
  container       root under `unshare -n`: tests of init_net-only objects skip, the rest pass
uid 65534 cannot reach a Python installed under /root (mode 700): the subprocess then runs in a
private mount namespace where a tmpfs over that directory holds a bind mount of the Python only.
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from netlink_probe import rootless
from netlink_probe.capabilities import Privileges
from netlink_probe.profile import load_profile

REPO = Path(__file__).resolve().parent.parent
NOBODY = 65534
TIMEOUT = 120


# -- no privileges needed ---------------------------------------------------------------------------

def test_outside_ids_come_from_the_marker_only_when_well_formed():
    assert rootless.outside_ids({rootless.ENV_MARKER: "1000:100"}) == (1000, 100)
    for bad in ("", "1000", "x:1", "1:", ":1", "-1:0"):
        assert rootless.outside_ids({rootless.ENV_MARKER: bad}) is None, bad
    assert not rootless.entered({})


def test_rootless_is_unavailable_when_user_namespaces_are_off(tmp_path):
    (tmp_path / "sys/user").mkdir(parents=True)
    (tmp_path / "sys/user/max_user_namespaces").write_text("0\n")
    (tmp_path / "sys/kernel").mkdir(parents=True)
    (tmp_path / "sys/kernel/unprivileged_userns_clone").write_text("0\n")
    reason = rootless.unavailable(Privileges.detect(str(tmp_path)))
    assert reason == ("user namespaces (user.max_user_namespaces is 0); unprivileged user namespaces "
                      "(kernel.unprivileged_userns_clone is 0)")


def test_the_user_name_outside_is_kept_when_no_variable_names_one():
    env: dict[str, str] = {}
    rootless._keep_user_name(env, 0)
    assert env == {"USER": "root"}  # inside, uid 0 would otherwise be looked up as root's anyway
    env = {"LOGNAME": "alice"}
    rootless._keep_user_name(env, 0)
    assert env == {"LOGNAME": "alice"}


def test_rootless_refuses_an_in_process_pytest_main(tmp_path):
    """pytest.main() cannot be re-executed: a usage error, never an exec of the caller's command line."""
    code = "import pytest, sys; sys.exit(pytest.main(['--rootless', '-p', 'no:cacheprovider', 'tests/test_capabilities.py']))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 4, out.stdout + out.stderr
    assert "--rootless needs pytest started from a command line" in out.stderr


# -- subprocesses with exact privileges -------------------------------------------------------------

def _pytest(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]


def _run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT,
                          env=dict(os.environ, **(env or {})))


def _needs_root_and(*tools: str) -> None:
    """Skip unless this process can set up each case's privileges (root of the initial user namespace)."""
    here = Privileges.detect()
    lacking = here.missing_all(["init_userns", "CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"])
    if lacking:
        pytest.skip(f"sets up the privileges of each case: needs {lacking}")
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip(f"needs {tool}")


def _unreachable_ancestor(path: str) -> tuple[str, str] | None:
    """The first directory on the way to *path* that others cannot enter, and its child on that way."""
    parts = Path(path).resolve().parts
    for i in range(1, len(parts) - 1):
        here = Path(*parts[:i + 1])
        if not os.stat(here).st_mode & 0o001:
            return str(here), parts[i + 1]
    return None


def _as_nobody(argv: list[str], scratch: str) -> list[str]:
    """*argv* as uid/gid 65534 without groups (setpriv), with this Python, its venv's base interpreter,
    the package and the checkout reachable to it (a mode-700 /root hides pyenv and maybe the checkout)."""
    import netlink_probe

    setpriv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--",
               "env", "USER=nobody", "LOGNAME=nobody", f"HOME={scratch}", *argv]
    needed = (sys.prefix, sys.base_prefix, os.path.realpath(sys.executable),
              os.path.dirname(os.path.abspath(netlink_probe.__file__)), os.path.dirname(os.path.abspath(__file__)))
    blocked: dict[str, set[str]] = {}
    for path in needed:
        found = _unreachable_ancestor(path)
        if found is not None:
            blocked.setdefault(found[0], set()).add(found[1])
    if not blocked:
        return setpriv
    steps = ["set -e"]
    for n, (top, children) in enumerate(sorted(blocked.items())):
        keeps = []
        for m, child in enumerate(sorted(children)):  # keep each child, hide the top, put the children back
            keep = os.path.join(scratch, f"keep{n}.{m}")
            keeps.append((keep, os.path.join(top, child)))
            steps.append(f"mkdir -p {keep}; mount --bind {shlex.quote(os.path.join(top, child))} {keep}")
        steps.append(f"mount -t tmpfs -o mode=755 tmpfs {shlex.quote(top)}")
        for keep, where in keeps:
            steps.append(f"mkdir {shlex.quote(where)}; mount --bind {keep} {shlex.quote(where)}")
    script = "; ".join(steps) + '; exec "$@"'
    return ["unshare", "-m", "sh", "-c", script, "sh", *setpriv]


@pytest.fixture
def scratch():
    """A directory uid 65534 can write (tmp_path is root's, mode 700)."""
    path = tempfile.mkdtemp(prefix="nlp-rootless-")
    os.chmod(path, 0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("paths", [("conformance",), ("tests/test_capabilities.py", "conformance")],
                         ids=["conformance", "tests+conformance"])
def test_without_privileges_the_session_stops_with_one_line_and_exit_4(paths):
    """uid 0 with no capability (setpriv): no test runs, not even the unit tests beside the suite."""
    _needs_root_and("setpriv")
    out = _run(["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--", *_pytest(*paths)])
    assert out.returncode == 4, out.stdout + out.stderr
    assert _lines(out.stderr) == [
        "ERROR: netlink-probe: the conformance suite cannot run as uid 0: it needs CAP_SYS_ADMIN "
        "(unshare(CLONE_NEWNET) needs it over this process's user namespace). Run it as root (sudo pytest "
        "conformance), or rootless: pytest conformance --rootless; --allow-all-skipped skips every test instead"]
    assert "passed" not in out.stdout


def test_without_privileges_allow_all_skipped_skips_the_suite_and_runs_the_unit_tests():
    _needs_root_and("setpriv")
    out = _run(["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--",
                *_pytest("tests/test_capabilities.py", "conformance/test_smoke.py")],
               env={"NETLINK_PROBE_ALLOW_ALL_SKIPPED": "1"})
    assert out.returncode == 0, out.stdout + out.stderr
    assert "passed, 3 skipped" in _lines(out.stdout)[-1]


def test_rootless_as_uid_65534_runs_what_needs_no_initial_namespace(scratch):
    """--rootless as uid 65534, two xdist workers: they inherit the namespaces; the profile says rootless."""
    _needs_root_and("setpriv", "unshare")
    if rootless.unavailable():
        pytest.skip(f"rootless mode needs {rootless.unavailable()}")
    profile = os.path.join(scratch, "rootless.json")
    modules = ("conformance/test_smoke.py", "conformance/test_protocol_registry.py", "conformance/test_permissions.py")
    out = _run(_as_nobody(_pytest(*modules, "--rootless", "-n", "2", "--profile", profile, "-rs"), scratch))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr
    prof = load_profile(profile)
    assert prof["run"] == {"rootless": True, "init_netns": False}
    tests = prof["tests"]
    assert tests["failed"] == 0 and tests["passed"] >= 30 and tests["skipped"] >= 50, tests
    assert "needs the initial user namespace" in out.stdout
    assert "needs the initial network namespace (init_net)" in out.stdout


def test_rootless_run_that_skips_everything_exits_5_unless_allowed(scratch):
    """The spoofing tests need uid 65534 mapped: all skipped in rootless mode."""
    _needs_root_and("setpriv", "unshare")
    if rootless.unavailable():
        pytest.skip(f"rootless mode needs {rootless.unavailable()}")
    out = _run(_as_nobody(_pytest("conformance/test_spoofing.py", "--rootless"), scratch))
    assert out.returncode == 5, out.stdout[-3000:] + out.stderr
    assert "netlink-probe: all 15 conformance tests were skipped, nothing was tested (exit status 5)" in out.stdout
    out = _run(_as_nobody(_pytest("conformance/test_spoofing.py", "--rootless", "--allow-all-skipped"), scratch))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr


def test_in_a_container_netns_init_net_only_tests_skip_and_the_rest_pass(scratch):
    """Root under `unshare -n`: the connector's and genetlink's init_net-only objects are not there."""
    _needs_root_and("unshare")
    profile = os.path.join(scratch, "container.json")
    out = _run(["unshare", "-n", *_pytest("conformance/test_protocol_registry.py", "conformance/test_permissions.py",
                                          "--profile", profile, "-rs")])
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr
    assert "needs the initial network namespace (init_net)" in out.stdout
    prof = json.loads(Path(profile).read_text())
    assert prof["run"] == {"rootless": False, "init_netns": False}
    assert prof["tests"]["failed"] == 0 and prof["tests"]["passed"] > 0
