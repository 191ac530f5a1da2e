"""The observation profile: what the running kernel did, as a JSON document.

A conformance run records observations -- dotted keys mapped to small JSON
values (``"ok"``, an errno name such as ``"EPERM"``, ``"silent"``, a number,
a boolean or a short list) -- and writes them, with the kernel's identity,
to a profile.  Two profiles can then be compared with :func:`diff_profiles`.
See docs/profile.md for the format and the key families.

    schema     keys and values: validation, JSON-strict comparison
    identity   the machine: kernel release and headers version; the run context (rootless, init_netns)
    io         build a profile, write it atomically, load and check one
    diff       compare two profiles and format the comparison
"""

from __future__ import annotations

from .diff import diff_profiles, format_diff, has_differences
from .identity import HOST_RUN, headers_version, kernel_identity, run_context, run_of
from .io import ProfileError, build_profile, load_profile, write_profile
from .schema import (
    SCHEMA,
    key_family,
    normalise_value,
    show_value,
    validate_key,
    validate_value,
    values_equal,
)

__all__ = [
    "SCHEMA",
    "ProfileError",
    "validate_key",
    "validate_value",
    "normalise_value",
    "values_equal",
    "key_family",
    "show_value",
    "kernel_identity",
    "headers_version",
    "HOST_RUN",
    "run_context",
    "run_of",
    "build_profile",
    "write_profile",
    "load_profile",
    "diff_profiles",
    "has_differences",
    "format_diff",
]
