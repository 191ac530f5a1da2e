"""Rootless mode: run as root of a new user namespace that owns a new network namespace.

A non-root user cannot create network namespaces, but (where unprivileged user namespaces are
allowed) can create a user namespace and be root in it, with every capability over the namespaces
it owns — a network namespace created together with it included.  That is enough for most of the
conformance suite: the codec, socket semantics, rtnetlink in namespaces the run creates, the
user-namespace privilege contexts.  What needs privileges over the *initial* user namespace
(capable() checks such as audit's, becoming uid 65534) or init_net's own objects is skipped, the
requirement named (capabilities.Privileges.missing).

`reexec(argv)` enters the namespaces and replaces this process by *argv*, marked with
`ENV_MARKER` (the ids outside, ``"UID:GID"``) so it neither loops nor forgets it ran rootless.
Children (pytest-xdist workers) are started after the re-exec and inherit the namespaces.
"""
from __future__ import annotations

import os
import pwd
import sys
from typing import NoReturn

from .capabilities import Privileges
from .privileges import enter_userns

__all__ = ["ENV_MARKER", "RootlessUnavailable", "entered", "outside_ids", "reexec", "unavailable"]

#: Set in the re-executed process's environment to the ids outside (``"1000:1000"``).
ENV_MARKER = "NETLINK_PROBE_ROOTLESS"


class RootlessUnavailable(RuntimeError):
    """Rootless mode cannot be entered here; the message (one line) says why."""


def unavailable(privs: Privileges | None = None) -> str | None:
    """Why this process cannot create an unprivileged user namespace (sysctls named), or None."""
    return (privs or Privileges.detect()).missing("userns")


def outside_ids(environ: dict[str, str] | None = None) -> tuple[int, int] | None:
    """(uid, gid) outside the user namespace when this process was re-executed rootless, else None."""
    value = (os.environ if environ is None else environ).get(ENV_MARKER, "")
    uid, sep, gid = value.partition(":")
    if not sep or not uid.isdigit() or not gid.isdigit():
        return None
    return int(uid), int(gid)


def entered(environ: dict[str, str] | None = None) -> bool:
    """Whether this process (or an ancestor it inherited the environment from) re-executed rootless."""
    return outside_ids(environ) is not None


def _keep_user_name(env: dict[str, str], uid: int) -> None:
    """Name the user outside in USER when no variable does: inside, uid 0 would be looked up as 'root'
    (getpass.getuser), and per-user paths such as pytest's /tmp/pytest-of-USER would be root's, unwritable."""
    if any(env.get(v) for v in ("LOGNAME", "USER", "LNAME", "USERNAME")):
        return
    try:
        env["USER"] = pwd.getpwuid(uid).pw_name
    except KeyError:
        env["USER"] = f"uid{uid}"


def reexec(argv: list[str]) -> NoReturn:
    """Enter a new user + network namespace as root, then execv *argv* (argv[0] a path) with `ENV_MARKER` set.

    RootlessUnavailable (one line) when user namespaces are disabled or unshare/the id maps fail;
    this process is then unchanged, unless the id maps failed after unshare (it should exit).
    """
    reason = unavailable()
    if reason:
        raise RootlessUnavailable(f"rootless mode needs {reason}")
    uid, gid = os.getuid(), os.getgid()
    try:
        enter_userns(uid, gid, new_netns=True)
    except OSError as e:
        raise RootlessUnavailable(f"rootless mode: cannot enter a new user and network namespace: "
                                  f"{e.strerror or e}") from None
    env = dict(os.environ)
    env[ENV_MARKER] = f"{uid}:{gid}"
    _keep_user_name(env, uid)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(argv[0], argv, env)
    except OSError as e:
        raise RootlessUnavailable(f"rootless mode: cannot execute {argv[0]}: {e.strerror or e}") from None
