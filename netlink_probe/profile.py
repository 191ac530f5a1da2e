"""The observation profile: what the running kernel did, as a JSON document.

A conformance run records observations -- dotted keys mapped to small JSON
values (``"ok"``, an errno name such as ``"EPERM"``, ``"silent"``, a number,
a boolean or a short list) -- and writes them, with the kernel's identity,
to a profile.  Two profiles can then be compared with :func:`diff_profiles`.

See docs/profile.md for the format and the key families.  Standard library
only; the only I/O is reading and writing the files asked for (and asking
dpkg for the linux-libc-dev version in :func:`headers_version`).
"""

from __future__ import annotations

import datetime
import json
import math
import os
import re
import subprocess
import tempfile

__all__ = [
    "SCHEMA",
    "ProfileError",
    "validate_key",
    "validate_value",
    "values_equal",
    "key_family",
    "kernel_identity",
    "headers_version",
    "build_profile",
    "write_profile",
    "load_profile",
    "diff_profiles",
    "has_differences",
    "format_diff",
]

SCHEMA = 1

#: Most items a list value may have.
MAX_LIST_ITEMS = 64
#: Longest string value (characters).
MAX_STRING_LEN = 4096
#: Longest key (characters).
MAX_KEY_LEN = 256

# Two or more non-empty segments of [A-Za-z0-9_+-], joined by dots.
_SEGMENT = r"[A-Za-z0-9_+\-]+"
_KEY_RE = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})+")

TEST_COUNTS = ("passed", "failed", "skipped")


class ProfileError(ValueError):
    """A file that is not a usable profile; the message is one line."""


# ---------------------------------------------------------------------------
# Keys and values
# ---------------------------------------------------------------------------

def validate_key(key: str) -> None:
    """Raise TypeError/ValueError unless *key* is a valid observation key.

    A key is two or more dot-separated segments, each made of letters,
    digits, ``_``, ``+`` and ``-`` (e.g. ``perm.nobody+CAP_NET_ADMIN.ROUTE.bind.1``).
    The first segment is the key's family.
    """
    if not isinstance(key, str):
        raise TypeError(f"observation key must be a str, not {type(key).__name__}: {key!r}")
    if len(key) > MAX_KEY_LEN:
        raise ValueError(f"observation key is longer than {MAX_KEY_LEN} characters: {key[:60]!r}...")
    if not _KEY_RE.fullmatch(key):
        raise ValueError(
            f"bad observation key {key!r}: want dotted segments of [A-Za-z0-9_+-], "
            "at least two (family.name), e.g. 'perm.root.ROUTE.bind.1'"
        )


def _validate_scalar(value, where: str, allow_float: bool) -> None:
    if isinstance(value, bool) or isinstance(value, int):
        return
    if isinstance(value, str):
        if len(value) > MAX_STRING_LEN:
            raise ValueError(f"{where} is a string longer than {MAX_STRING_LEN} characters")
        return
    if isinstance(value, float):
        if not allow_float:
            raise TypeError(f"{where} must be a str, int or bool, not float: {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{where} must be a finite number, not {value!r}")
        return
    if value is None:
        raise TypeError(
            f"{where} is None: record what the kernel did "
            "('ok', an errno name, 'silent', a number, ...)"
        )
    raise TypeError(
        f"{where} must be a str, int, float, bool or a short list, "
        f"not {type(value).__name__}: {value!r}"
    )


def validate_value(value) -> None:
    """Raise TypeError/ValueError unless *value* is a valid observation value.

    Allowed: str, int, bool, finite float, or a list (or tuple) of at most
    64 items each a str, int or bool.  None is not allowed.
    """
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_LIST_ITEMS:
            raise ValueError(
                f"observation value is a list of {len(value)} items; at most {MAX_LIST_ITEMS} allowed"
            )
        for i, item in enumerate(value):
            _validate_scalar(item, f"observation value item [{i}]", allow_float=False)
        return
    _validate_scalar(value, "observation value", allow_float=True)


def normalise_value(value):
    """Return *value* as it will appear in JSON (tuples become lists)."""
    if isinstance(value, tuple):
        return list(value)
    return value


def values_equal(a, b) -> bool:
    """Compare two observation values as JSON values.

    Unlike ``==``, a boolean never equals a number (``True != 1``); lists
    compare item by item; ``1 == 1.0``.
    """
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        if not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))):
            return False
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return a == b


def key_family(key: str) -> str:
    """The family of a key: its first dotted segment."""
    return key.split(".", 1)[0]


# ---------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------

def kernel_identity() -> dict:
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


# ---------------------------------------------------------------------------
# Building, writing, loading
# ---------------------------------------------------------------------------

def _normalise_tests(tests) -> dict:
    tests = dict(tests or {})
    out = {}
    for name in TEST_COUNTS:
        n = tests.get(name, 0)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"tests[{name!r}] must be a non-negative int, not {n!r}")
        out[name] = n
    return out


def build_profile(observations: dict, tests: dict) -> dict:
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


def write_profile(path, profile: dict) -> None:
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


def _check_profile(data, name: str) -> None:
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


def load_profile(path) -> dict:
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
    return data


# ---------------------------------------------------------------------------
# Diff
# ---------------------------------------------------------------------------

def _natural_key(key: str):
    # perm.root.ROUTE.bind.2 sorts before perm.root.ROUTE.bind.10
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", key) if p != ""]


def _sorted_keys(keys):
    return sorted(keys, key=_natural_key)


def diff_profiles(a: dict, b: dict) -> dict:
    """Compare the observations of two profiles.

    Returns ``{"changed": {key: [a_value, b_value]}, "only_a": {key: value},
    "only_b": {key: value}, "kernels": {"a": release, "b": release},
    "headers": {"a": ..., "b": ...}, "tests": {"a": counts, "b": counts},
    "same": number of keys with equal values}``.  Only changed, only_a and
    only_b are behavioural differences; the rest is context.
    """
    oa, ob = a.get("observations", {}), b.get("observations", {})
    changed, only_a, only_b = {}, {}, {}
    same = 0
    for key in _sorted_keys(oa):
        if key not in ob:
            only_a[key] = oa[key]
        elif values_equal(oa[key], ob[key]):
            same += 1
        else:
            changed[key] = [oa[key], ob[key]]
    for key in _sorted_keys(ob):
        if key not in oa:
            only_b[key] = ob[key]

    def kernel(p):
        k = p.get("kernel")
        return k.get("release", "unknown") if isinstance(k, dict) else "unknown"

    return {
        "changed": changed,
        "only_a": only_a,
        "only_b": only_b,
        "kernels": {"a": kernel(a), "b": kernel(b)},
        "headers": {"a": a.get("headers", "unknown"), "b": b.get("headers", "unknown")},
        "tests": {"a": dict(a.get("tests") or {}), "b": dict(b.get("tests") or {})},
        "same": same,
    }


def has_differences(d: dict) -> bool:
    """True when a diff from :func:`diff_profiles` shows behavioural differences."""
    return bool(d.get("changed") or d.get("only_a") or d.get("only_b"))


def _show(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _counts(tests) -> str:
    if not tests:
        return "no test counts"
    return ", ".join(f"{tests.get(n, 0)} {n}" for n in TEST_COUNTS)


def format_diff(d: dict, a_name: str, b_name: str) -> str:
    """A terminal-readable rendering of a diff, grouped by key family."""
    kernels = d.get("kernels", {})
    headers = d.get("headers", {})
    tests = d.get("tests", {})
    lines = [
        f"A: {a_name}",
        f"   kernel {kernels.get('a', 'unknown')}, headers {headers.get('a', 'unknown')}; "
        f"tests: {_counts(tests.get('a'))}",
        f"B: {b_name}",
        f"   kernel {kernels.get('b', 'unknown')}, headers {headers.get('b', 'unknown')}; "
        f"tests: {_counts(tests.get('b'))}",
        "",
    ]
    changed, only_a, only_b = d.get("changed", {}), d.get("only_a", {}), d.get("only_b", {})
    if not has_differences(d):
        lines.append(f"no behavioural differences ({d.get('same', 0)} observations identical)")
        return "\n".join(lines) + "\n"

    families: dict[str, list] = {}
    for key, (va, vb) in changed.items():
        families.setdefault(key_family(key), []).append(("changed", key, _show(va), _show(vb)))
    for key, va in only_a.items():
        families.setdefault(key_family(key), []).append(("only A", key, _show(va), "-"))
    for key, vb in only_b.items():
        families.setdefault(key_family(key), []).append(("only B", key, "-", _show(vb)))

    order = {"changed": 0, "only A": 1, "only B": 2}
    for fam in sorted(families):
        rows = sorted(families[fam], key=lambda r: (order[r[0]], _natural_key(r[1])))
        nc = sum(1 for r in rows if r[0] == "changed")
        na = sum(1 for r in rows if r[0] == "only A")
        nb = sum(1 for r in rows if r[0] == "only B")
        parts = [f"{n} {what}" for n, what in ((nc, "changed"), (na, "only in A"), (nb, "only in B")) if n]
        lines.append(f"[{fam}] {', '.join(parts)}")
        kw = max(len(r[1]) for r in rows)
        aw = max(max(len(r[2]) for r in rows), 1)
        for what, key, va, vb in rows:
            lines.append(f"  {what:<7}  {key:<{kw}}  A={va:<{aw}}  B={vb}".rstrip())
        lines.append("")

    total = len(changed) + len(only_a) + len(only_b)
    lines.append(
        f"{total} difference{'s' if total != 1 else ''}: {len(changed)} changed, "
        f"{len(only_a)} only in A, {len(only_b)} only in B; {d.get('same', 0)} identical"
    )
    return "\n".join(lines) + "\n"
