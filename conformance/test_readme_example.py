"""The README's library example, run as written: it must keep working against the live kernel."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import netlink_probe

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
SRC = os.path.dirname(os.path.dirname(os.path.abspath(netlink_probe.__file__)))


def _example() -> str:
    with open(README, encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert blocks, "README.md has no ```python block"
    return blocks[0]


def test_readme_library_example_runs_and_shows_the_kernels_mtu_refusal():
    """dev_validate_mtu: the example's MTU of 70000 is above a veth's max_mtu, refused EINVAL with its extack."""
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-c", _example()], capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("EINVAL mtu greater than device maximum"), p.stdout
    assert {"lo", "v0", "v1"} <= {line.split()[-1] for line in lines[1:]}, p.stdout
