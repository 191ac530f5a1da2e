"""The wheels a Debian 12 guest lacks, downloaded on the host (pip in a guest can fail TLS).

Debian 12 has pytest 7.2, pytest-xdist 3.1 and hypothesis 6 (all new enough, baked into the
box) but pyroute2 0.7, while the suite wants >= 0.9.  The wheelhouse is synced to the guest
(/opt/nlp-wheelhouse) and ci/vagrant-provision.sh installs from it with --no-index.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from . import VagrantError, run_checked

__all__ = ["WHEEL_REQUIREMENTS", "wheelhouse_satisfied", "ensure_wheelhouse"]

#: (distribution, minimum version) the guest needs from the wheelhouse.
WHEEL_REQUIREMENTS = (("pyroute2", (0, 9)),)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def wheelhouse_satisfied(wheelhouse: Path) -> bool:
    """Whether every WHEEL_REQUIREMENTS has a pure-Python wheel new enough in *wheelhouse*."""
    names = [p.name for p in wheelhouse.glob("*.whl")] if wheelhouse.is_dir() else []
    for dist, minimum in WHEEL_REQUIREMENTS:
        if not any(n.startswith(dist + "-") and n.endswith("-none-any.whl")
                   and _version(n.split("-")[1]) >= minimum for n in names):
            return False
    return True


def ensure_wheelhouse(wheelhouse: Path, python: str | None = None) -> None:
    """pip download the WHEEL_REQUIREMENTS into *wheelhouse* unless already there (with *python*'s pip;
    default this interpreter)."""
    python = python or sys.executable
    if wheelhouse_satisfied(wheelhouse):
        return
    wheelhouse.mkdir(parents=True, exist_ok=True)
    reqs = [f"{d}>={'.'.join(map(str, v))}" for d, v in WHEEL_REQUIREMENTS]
    print(f"vagrant-box: pip download {' '.join(reqs)} into {wheelhouse}", flush=True)
    try:
        run_checked([python, "-m", "pip", "download", "--disable-pip-version-check", "--no-deps",
                     "--only-binary=:all:", "--python-version", "3.11", "-d", str(wheelhouse),
                     *reqs], "pip download (the guest's wheelhouse)", 300)
    except VagrantError as e:
        raise VagrantError(f"{e}\n(the guest cannot reach PyPI; put the wheels in {wheelhouse})") from e
    if not wheelhouse_satisfied(wheelhouse):
        raise VagrantError(f"pip download left no matching wheel in {wheelhouse}")
