"""netlink_probe: a raw AF_NETLINK client and a conformance tester for the live Linux kernel.

Layers, bottom up:
  sys/         cffi binding to the syscalls, constants and struct layouts from the UAPI headers
  codec/       bytes <-> messages and attributes, no I/O
  socket.py    I/O around the codec with validated replies; netns.py, privileges.py
  rtnl.py      rtnetlink request builders and object decoders
  cli/         the netlink-probe command
"""
from .codec import DecodeError
from .errors import DumpInterrupted, KernelError, NetlinkError, NetlinkTimeout, Overrun, ProtocolViolation
from .netns import NetNS
from .socket import Socket

__version__ = "0.1.0"
__all__ = ["DecodeError", "DumpInterrupted", "KernelError", "NetNS", "NetlinkError", "NetlinkTimeout", "Overrun",
           "ProtocolViolation", "Socket"]
