"""Layer 1: the cffi binding (`_netlink_cffi`, built at install from the system's UAPI headers)."""
from ._netlink_cffi import ffi, lib

__all__ = ["ffi", "lib"]
