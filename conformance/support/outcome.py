"""A call's outcome as the profile spells it: 'ok', or the errno name of the OSError it raised."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netlink_probe.errors import errno_name

__all__ = ["outcome"]


def outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """'ok' or the errno name of the OSError fn raised — the profile's value vocabulary."""
    try:
        fn(*args, **kwargs)
        return "ok"
    except OSError as e:
        return errno_name(e.errno or 0)
