"""The machine a profile describes: the running kernel and the kernel headers."""

from __future__ import annotations

import os
import re
import subprocess

__all__ = ["kernel_identity", "headers_version"]


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
