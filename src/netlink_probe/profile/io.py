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

from .identity import headers_version, kernel_identity, run_context
from .readfile import FileRefused, read_regular_file
from .schema import DOCUMENT, SCHEMA, TEST_COUNTS, normalise_value, validate_key, validate_value
from .terminal import printable
from .validator import SchemaError, json_kind, shown, validate

__all__ = ["MAX_PROFILE_BYTES", "ProfileError", "build_profile", "write_profile", "load_profile"]


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


def build_profile(observations: dict[str, Any], tests: dict[str, Any] | None,
                  run: dict[str, bool] | None = None, recorded_by: dict[str, str] | None = None,
                  test_docs: dict[str, str] | None = None) -> dict[str, Any]:
    """A complete profile for the running machine.

    Every key and value is validated (TypeError/ValueError on a bad one).
    *tests* gives the passed/failed/skipped counts (missing ones are 0); *run* the run context
    (identity.run_context() of this process when None); *recorded_by* the test that recorded each
    key and *test_docs* those tests' first docstring lines (both optional, for reports).
    """
    obs = {}
    for key, value in observations.items():
        validate_key(key)
        validate_value(value)
        obs[key] = normalise_value(value)
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "kernel": kernel_identity(),
        "headers": headers_version(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "observations": obs,
        "tests": _normalise_tests(tests),
        "run": dict(run_context() if run is None else run),
    }
    if recorded_by:
        doc["recorded_by"] = {k: v for k, v in recorded_by.items() if k in obs}
        wanted = set(doc["recorded_by"].values())
        doc["test_docs"] = {t: d for t, d in (test_docs or {}).items() if t in wanted}
    return doc


def write_profile(path: str | os.PathLike[str], profile: dict[str, Any]) -> bool:
    """Write *profile* to *path* atomically (temporary file + rename); True when it replaced an existing file.

    JSON with sorted keys and indent=1, followed by a newline.  A caller
    that must not replace a file checks first (``netlink-probe profile``
    needs ``--force``); one that may tells its user when this returns True.
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
        replaced = os.path.lexists(path)
        os.replace(tmp, path)
        return replaced
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


#: Largest profile file `load_profile` reads (a real one is under 1 MiB; JSON grows ~20x in memory).
MAX_PROFILE_BYTES = 16 * 1024 * 1024


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse(data: bytes, name: str) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ProfileError(f"{name}: not a netlink-probe profile (not UTF-8 text)") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)  # NaN, Infinity: not JSON
    except json.JSONDecodeError as e:
        raise ProfileError(f"{name}: not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except RecursionError:
        raise ProfileError(f"{name}: not valid JSON (nested too deeply)") from None
    except ValueError as e:  # NaN, or an integer of more digits than int() converts
        raise ProfileError(f"{name}: not valid JSON ({printable(e)})") from None


def _check_profile(data: Any, name: str) -> None:
    """The format check: a profile at all, of the schema version we read, then the whole JSON Schema."""
    if not isinstance(data, dict):
        raise ProfileError(f"{name}: not a netlink-probe profile (the JSON is {json_kind(data)}, "
                           "not an object)")
    if "schema" not in data or "observations" not in data:
        missing = [k for k in ("schema", "observations") if k not in data]
        raise ProfileError(f"{name}: not a netlink-probe profile (no {' or '.join(repr(k) for k in missing)} field)")
    version = data["schema"]
    if version != SCHEMA or isinstance(version, bool):
        raise ProfileError(f"{name}: profile schema {shown(version)} is not supported "
                           f"(this netlink-probe reads schema {SCHEMA})")
    try:
        validate(data, DOCUMENT)
    except SchemaError as e:
        raise ProfileError(f"{name}: {e}") from None


def load_profile(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check a profile against schema.json; ProfileError (one line naming file and key) otherwise.

    The file must be a regular file of at most `MAX_PROFILE_BYTES`: a FIFO, a
    device or a directory is refused at once, without reading from it.
    """
    name = printable(os.fspath(path))
    try:
        data = read_regular_file(os.fspath(path), MAX_PROFILE_BYTES)
    except FileRefused as e:
        raise ProfileError(f"{name}: {e}") from None
    parsed = _parse(data, name)
    _check_profile(parsed, name)
    profile: dict[str, Any] = parsed
    return profile
