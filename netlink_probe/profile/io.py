"""The profile document: built for the running machine, written atomically, loaded and checked.

The only I/O is reading and writing the files asked for (and, through
:mod:`.identity`, asking dpkg for the headers' version).
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from typing import Any

from .identity import headers_version, kernel_identity
from .schema import SCHEMA, TEST_COUNTS, normalise_value, validate_key, validate_value

__all__ = ["ProfileError", "build_profile", "write_profile", "load_profile"]


class ProfileError(ValueError):
    """A file that is not a usable profile; the message is one line."""


def _normalise_tests(tests: dict[str, Any] | None) -> dict[str, int]:
    tests = dict(tests or {})
    out = {}
    for name in TEST_COUNTS:
        n = tests.get(name, 0)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"tests[{name!r}] must be a non-negative int, not {n!r}")
        out[name] = n
    return out


def build_profile(observations: dict[str, Any], tests: dict[str, Any] | None) -> dict[str, Any]:
    """A complete profile for the running machine.

    Every key and value is validated (TypeError/ValueError on a bad one).
    *tests* gives the passed/failed/skipped counts (missing ones are 0).
    """
    obs = {}
    for key, value in observations.items():
        validate_key(key)
        validate_value(value)
        obs[key] = normalise_value(value)
    return {
        "schema": SCHEMA,
        "kernel": kernel_identity(),
        "headers": headers_version(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "observations": obs,
        "tests": _normalise_tests(tests),
    }


def write_profile(path: str | os.PathLike[str], profile: dict[str, Any]) -> None:
    """Write *profile* to *path* atomically (temporary file + rename).

    JSON with sorted keys and indent=1, followed by a newline.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    text = json.dumps(profile, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".profile-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file 0600; give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _check_profile(data: Any, name: str) -> None:
    if not isinstance(data, dict):
        raise ProfileError(f"{name}: not a netlink-probe profile (the JSON is a {type(data).__name__}, not an object)")
    if "schema" not in data or "observations" not in data:
        missing = [k for k in ("schema", "observations") if k not in data]
        raise ProfileError(f"{name}: not a netlink-probe profile (no {' or '.join(repr(k) for k in missing)} field)")
    schema = data["schema"]
    if schema != SCHEMA or isinstance(schema, bool):
        raise ProfileError(f"{name}: profile schema {schema!r} is not supported (this netlink-probe reads schema {SCHEMA})")
    obs = data["observations"]
    if not isinstance(obs, dict):
        raise ProfileError(f"{name}: bad profile: 'observations' is not an object")
    for key, value in obs.items():
        try:
            validate_key(key)
            validate_value(value)
        except (TypeError, ValueError) as e:
            raise ProfileError(f"{name}: bad profile: {e}") from None
    kernel = data.get("kernel")
    if not isinstance(kernel, dict) or not isinstance(kernel.get("release"), str):
        raise ProfileError(f"{name}: bad profile: 'kernel' has no 'release' string")
    tests = data.get("tests", {})
    if not isinstance(tests, dict):
        raise ProfileError(f"{name}: bad profile: 'tests' is not an object")


def load_profile(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check a profile; ProfileError (one line) on any bad input."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise ProfileError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ProfileError(f"{name}: is a directory, not a profile") from None
    except PermissionError:
        raise ProfileError(f"{name}: permission denied") from None
    except UnicodeDecodeError:
        raise ProfileError(f"{name}: not a netlink-probe profile (not UTF-8 text)") from None
    except OSError as e:
        raise ProfileError(f"{name}: cannot read: {e.strerror or e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ProfileError(f"{name}: not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except RecursionError:
        raise ProfileError(f"{name}: not valid JSON (nested too deeply)") from None
    _check_profile(data, name)
    profile: dict[str, Any] = data
    return profile
