"""The suite's side: the interpreter that runs it, and the pytest command (the same on the host
and in guests)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

from . import CHECKOUT, MatrixError

__all__ = [
    "DEFAULT_SUITE",
    "PYTEST_OK",
    "PythonInfo",
    "probe_python",
    "find_python",
    "supports_profile",
    "suite_command",
    "suite_env",
    "warm_bytecode",
]

DEFAULT_SUITE = "conformance/"
PYTEST_OK = (0, 1, 5)  # all passed, some failed, nothing collected


@dataclass
class PythonInfo:
    """An interpreter with pytest and xdist: its real path and its prefixes (sys.prefix,
    sys.base_prefix) for the guest's cached mount."""

    executable: str
    prefixes: list[str] = field(default_factory=list)


def probe_python(candidate: str) -> PythonInfo | None:
    """The interpreter behind candidate (a pyenv shim resolves to the real binary), if it
    has pytest and pytest-xdist."""
    code = ("import sys, json, pytest, xdist; "
            "print(json.dumps([sys.executable, sys.prefix, sys.base_prefix]))")
    try:
        r = subprocess.run([candidate, "-c", code], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if r.returncode != 0:
        return None
    exe, prefix, base = json.loads(r.stdout.strip().splitlines()[-1])
    return PythonInfo(os.path.realpath(exe), [prefix, base])


def find_python(explicit: str | None) -> PythonInfo:
    """--python, else $NLP_PYTHON, this interpreter or python3 on PATH: the first usable."""
    cands = [explicit] if explicit else [os.environ.get("NLP_PYTHON"), sys.executable,
                                         shutil.which("python3")]
    for c in cands:
        if c:
            info = probe_python(c)
            if info:
                return info
    raise MatrixError("no Python with pytest and pytest-xdist found; pass --python "
                      "(under sudo, e.g. --python \"$(python3 -c 'import sys;print(sys.executable)')\")")


def suite_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment the suite runs in: this checkout's package first on the path, whatever
    interpreter or install is used (an editable install elsewhere must not be what is tested)."""
    env = dict(os.environ if base is None else base)
    src = str(CHECKOUT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def supports_profile(python: str, suite: str) -> bool:
    """Whether this checkout's pytest knows --profile (the project's plugin)."""
    try:
        r = subprocess.run([python, "-m", "pytest", "--help", "-p", "no:cacheprovider", suite],
                           cwd=CHECKOUT, env=suite_env(), capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return False
    return "--profile" in r.stdout


def suite_command(python: str, suite: str, out_prefix: str, with_profile: bool,
                  extra: list[str]) -> list[str]:
    """The suite command, the same on the host and in guests (out_prefix: '/dir/<label>').

    Test files or node ids among *extra* ('conformance/test_x.py', '...::test_y[case]') replace the
    suite's folder: pytest would otherwise run the whole folder and them."""
    chosen = [a for a in extra if not a.startswith("-") and (a.endswith(".py") or ".py::" in a)]
    cmd = [python, "-m", "pytest", *([] if chosen else [suite]), "-n", "auto", "-p", "no:cacheprovider",
           # plugins the suite does not use, each imported by every process (hypothesis: ~8 s under TCG)
           "-p", "no:hypothesispytest", "-p", "no:benchmark"]
    # Options with their value after "=": where the plugin is not installed (guests put src/ on PYTHONPATH),
    # pytest's first parse, before the root conftest registers --profile, took "--profile PATH"'s PATH for a
    # test path, and with test files given (no suite folder) conformance/conftest.py's options went unknown.
    if with_profile:  # the project's plugin: profile, KTAP and progress lines with an ETA
        cmd += [f"--profile={out_prefix}.profile.json", f"--ktap={out_prefix}.ktap", "--progress-lines"]
    cmd += [f"--junitxml={out_prefix}.junit.xml", "-q"]
    return cmd + list(extra)


def warm_bytecode(python: str, suite: str) -> None:
    """Write the bytecode guests would compile again and again, before the first guest boots.

    Guests see the checkout read-only and run with PYTHONDONTWRITEBYTECODE: without .pyc files on the
    host, every guest process compiles the package and pytest rewrites the asserts of every test module
    (~4 s on the host, over a minute per xdist worker under TCG).  ``compileall`` writes the package's,
    a collect-only run pytest's rewritten test modules (their own .pyc tag); guests only read them."""
    env = suite_env({k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    for cmd in ([python, "-m", "compileall", "-q", "src/netlink_probe", suite],
                [python, "-m", "pytest", suite, "--collect-only", "-q", "-p", "no:cacheprovider"]):
        try:
            subprocess.run(cmd, cwd=CHECKOUT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=300)
        except (OSError, subprocess.TimeoutExpired):
            pass  # only a speed-up: guests compile what is missing
