"""Namespace-id attributes (NETNSA_*): RTM_NEWNSID replies and notifications, RTM_GETNSID requests.

Filled by rtnl_net_fill (net/core/net_namespace.c): nla_put_s32 for every id;
parsed through rtnl_net_policy (NETNSA_PID / NETNSA_FD: NLA_U32).
"""
from __future__ import annotations

from functools import partial

from .model import Field, Space

_S = "net/core/net_namespace.c"
_f = partial(Field, source=_S)

NSID = Space("nsid", "NETNSA", header_enum="NETNSA_NONE", source=_S, fields=(
    _f(1, "NETNSA_NSID", "s32"),          # NETNSA_NSID_NOT_ASSIGNED is -1
    _f(2, "NETNSA_PID", "u32"),
    _f(3, "NETNSA_FD", "u32"),
    _f(4, "NETNSA_TARGET_NSID", "s32"),
    _f(5, "NETNSA_CURRENT_NSID", "s32"),
))

SPACES: tuple[Space, ...] = (NSID,)

__all__ = ["NSID", "SPACES"]
