"""The one exception the codec raises for malformed bytes, and errno naming."""

import errno as _errno

# Where Python's errno table picks an alias, use the name the kernel source uses.
__all__ = ["DecodeError", "errno_name"]

_KERNEL_NAMES = {_errno.EOPNOTSUPP: "EOPNOTSUPP", _errno.EAGAIN: "EAGAIN", _errno.EDEADLK: "EDEADLK"}

def errno_name(err: int) -> str:
    """'EPERM' for 1; 'EOPNOTSUPP' (not ENOTSUP) for 95; the number as text when unknown."""
    err = abs(err)
    return _KERNEL_NAMES.get(err) or _errno.errorcode.get(err, str(err))

class DecodeError(ValueError):
    """Bytes that are not well-formed netlink; *offset* is where in the buffer it went wrong."""

    def __init__(self, offset: int, reason: str):
        super().__init__(f"offset {offset}: {reason}")
        self.offset = offset
        self.reason = reason
