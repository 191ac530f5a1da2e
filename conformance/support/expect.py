"""What each kernel should answer, stated per kernel: by detected feature, or by version when nothing probes it.

Where kernels differ, a test does not accept "either answer": it says which
kernel gives which, and why, and asserts the one this kernel should give::

    expect(result, "error.RTM_NEWLINK_rename_up_link") \\
        .since("6.2", "ok", why="bd039b5ea2a9 net/core: Allow live renaming when an interface is up") \\
        .before("EBUSY")

    expect((result, ext), f"linkkind.{kind}") \\
        .when(kernel_has("veth_newlink"), ("ok", None), why="veth_link_ops registered") \\
        .otherwise(("EOPNOTSUPP", "Unknown device type"))

Fixes backported to stable series name the first release of each series that
has them (``backports={"6.1": "6.1.176", ...}``); a series not listed below the
mainline version is *unpinned*, as are kernels inside ``unknown_from``..version
(the change is known to lie there, not where) and kernels where a feature probe
cannot run: there any of the stated answers is accepted.  The branch taken
(e.g. ``since 6.2``, ``with veth_newlink``, ``unpinned``) becomes the JUnit
property ``expect.<key>`` of the test (see `plugin.expectation_branches`), so a
report says which rule each kernel followed.  It is not a profile key: the
observed answer already is one, and a rule is not a kernel behaviour.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["BRANCHES", "Expectation", "expect", "kernel_version", "parse_version"]

# (key, branch) of every expectation checked by the running test; the plugin moves them into its report.
BRANCHES: list[tuple[str, str]] = []

Version = tuple[int, ...]


def parse_version(text: str) -> Version:
    """'6.1' -> (6, 1); '6.12.117+deb12-amd64' -> (6, 12, 117): the leading dotted numbers."""
    m = re.match(r"(\d+(?:\.\d+)*)", text)
    if not m:
        raise ValueError(f"not a kernel version: {text!r}")
    return tuple(int(x) for x in m.group(1).split("."))


@functools.cache
def kernel_version() -> Version:
    """The running kernel's upstream version, sublevel included.

    Debian's release string hides the sublevel ("6.1.0-57-amd64"); its `uname -v`
    names the package version ("Debian 6.1.192-3"), which is taken when it is the
    same series with a higher sublevel."""
    uname = os.uname()
    v = parse_version(uname.release)
    for found in re.findall(r"\b(\d+)\.(\d+)\.(\d+)", uname.version):
        cand = tuple(int(x) for x in found)
        if cand[:2] == v[:2] and cand > v:
            v = cand
    return v


@dataclass(frozen=True)
class _Rule:
    value: Any
    why: str
    branch: str


class Expectation:
    """The rules for one observation, checked by the terminal ``.before()`` / ``.otherwise()``."""

    def __init__(self, observed: Any, key: str) -> None:
        self.observed = observed
        self.key = key
        self._chosen: _Rule | None = None
        self._unpinned = False
        self._values: list[Any] = []
        self._rest = "before"  # the branch name of the terminal rule, set by the first rule stated

    def _consider(self, applies: bool | None, rule: _Rule) -> Expectation:
        self._values.append(rule.value)
        if self._chosen is None and not self._unpinned:
            if applies is None:
                self._unpinned = True
            elif applies:
                self._chosen = rule
        return self

    def since(self, version: str, value: Any, *, why: str, backports: dict[str, str] | None = None,
              unknown_from: str | None = None) -> Expectation:
        """Kernels from mainline *version* on (and stable series from their *backports* release) give *value*.

        *unknown_from*: the older answer was measured before it, the change is somewhere in between —
        kernels from *unknown_from* up to *version* are unpinned."""
        kv, mainline = kernel_version(), parse_version(version)
        applies: bool | None = kv >= mainline
        branch = f"since {version}"
        self._rest = self._rest if self._values else f"before {version}"
        if not applies and backports:
            series = ".".join(map(str, kv[:2]))
            if series in backports:
                applies = kv >= parse_version(backports[series])
                branch = f"since {backports[series]}"
            else:
                applies = None  # a series this list does not know may have taken the fix or not
        if not applies and unknown_from and kv >= parse_version(unknown_from):
            applies = None
        return self._consider(applies, _Rule(value, why, branch))

    def when(self, feature: bool | None, value: Any, *, why: str, name: str = "") -> Expectation:
        """A kernel with the detected *feature* (True) gives *value*; None: the probe could not run."""
        label = name or why.split()[0]
        self._rest = self._rest if self._values else f"without {label}"
        return self._consider(feature, _Rule(value, why, f"with {label}"))

    def _check(self, otherwise: _Rule) -> Any:
        self._values.append(otherwise.value)
        rule = self._chosen or (None if self._unpinned else otherwise)
        BRANCHES.append((self.key, rule.branch if rule else "unpinned"))
        if rule is None:
            assert self.observed in self._values, \
                f"{self.key}: {self.observed!r} is none of the answers kernels give: {self._values!r}"
            return self.observed
        assert self.observed == rule.value, \
            f"{self.key}: kernel {'.'.join(map(str, kernel_version()))} ({rule.branch}: {rule.why}) " \
            f"should answer {rule.value!r}, answered {self.observed!r}"
        return rule.value

    def before(self, value: Any, *, why: str = "the older behaviour") -> Any:
        """Every other kernel gives *value*; assert, record the branch, return the expected value."""
        return self._check(_Rule(value, why, self._rest))

    def otherwise(self, value: Any, *, why: str = "without the feature") -> Any:
        """Kernels without the feature give *value*; assert, record the branch, return the expected value."""
        return self._check(_Rule(value, why, self._rest))


def expect(observed: Any, key: str) -> Expectation:
    """Start stating what this kernel should answer for the observation *key* (*observed* is its answer)."""
    return Expectation(observed, key)
