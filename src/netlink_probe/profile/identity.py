"""The machine a profile describes: the running kernel, the kernel headers, and the run's context.

The run context says from where the suite looked at the kernel: as root of the initial user
namespace or of another one (rootless mode, ``unshare -r``, a rootless container), from init_net or
from another network namespace (a container, ``unshare -n``).  Some observations exist only in
one context (a test skipped in the other), so `netlink-probe diff` compares contexts first.
"""

from __future__ import annotations

import os
import re
import subprocess

from typing import Any

__all__ = ["HOST_RUN", "kernel_identity", "headers_version", "run_context", "run_of"]

#: The context of a profile that does not say (written before contexts were recorded: always a host run).
HOST_RUN: dict[str, bool] = {"rootless": False, "init_netns": True}


def kernel_identity() -> dict[str, str]:
    """The running kernel: ``{"release", "version", "machine"}`` from uname."""
    u = os.uname()
    return {"release": u.release, "version": u.version, "machine": u.machine}


def _version_from_header(path: str = "/usr/include/linux/version.h") -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    m = re.search(r"^#define\s+LINUX_VERSION_CODE\s+(\d+)", text, re.M)
    if not m:
        return None
    code = int(m.group(1))
    return f"{code >> 16}.{(code >> 8) & 0xFF}.{code & 0xFF}"


def headers_version() -> str:
    """The version of the kernel headers the build used.

    The linux-libc-dev package version from dpkg; else LINUX_VERSION_CODE
    of /usr/include/linux/version.h as "a.b.c"; else "unknown".
    """
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "linux-libc-dev"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            timeout=20,
            check=False,
        )
        version = out.stdout.strip()
        if out.returncode == 0 and version:
            return version
    except (OSError, subprocess.SubprocessError):
        pass
    return _version_from_header() or "unknown"


def run_context() -> dict[str, bool]:
    """This process's run context: ``{"rootless": bool, "init_netns": bool}``.

    ``rootless``: not in the initial user namespace (root of a user namespace: capable() checks fail);
    ``init_netns``: in the initial network namespace, left out when nothing tells
    (capabilities.Privileges.in_initial_netns is None: an old kernel with /proc/1 unreadable).
    """
    from netlink_probe.capabilities import Privileges  # the compiled binding: only when a profile is built

    p = Privileges.detect()
    context = {"rootless": not p.in_initial_userns}
    if p.in_initial_netns is not None:
        context["init_netns"] = p.in_initial_netns
    return context


def run_of(profile: dict[str, Any]) -> dict[str, bool]:
    """The run context a loaded profile records; `HOST_RUN` for a profile without one."""
    run = profile.get("run")
    return dict(run) if isinstance(run, dict) else dict(HOST_RUN)
