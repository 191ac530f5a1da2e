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

The names are loaded on first use (`netlink_probe._lazy`): the command's error
handling imports `profile.terminal` without the rest.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import exports

if TYPE_CHECKING:
    from .diff import diff_profiles, format_diff, has_differences
    from .identity import HOST_RUN, headers_version, kernel_identity, run_context, run_of
    from .io import ProfileError, build_profile, load_profile, write_profile
    from .schema import SCHEMA, key_family, normalise_value, show_value, validate_key, validate_value, values_equal

_WHERE = {"diff_profiles": ".diff", "format_diff": ".diff", "has_differences": ".diff", "HOST_RUN": ".identity",
          "headers_version": ".identity", "kernel_identity": ".identity", "run_context": ".identity", "run_of":
          ".identity", "ProfileError": ".io", "build_profile": ".io", "load_profile": ".io", "write_profile": ".io",
          "SCHEMA": ".schema", "key_family": ".schema", "normalise_value": ".schema", "show_value": ".schema",
          "validate_key": ".schema", "validate_value": ".schema", "values_equal": ".schema"}
__getattr__, __dir__ = exports(__name__, _WHERE)
__all__ = ["HOST_RUN", "ProfileError", "SCHEMA", "build_profile", "diff_profiles", "format_diff", "has_differences",
           "headers_version", "kernel_identity", "key_family", "load_profile", "normalise_value", "run_context",
           "run_of", "show_value", "validate_key", "validate_value", "values_equal", "write_profile"]
