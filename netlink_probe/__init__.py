"""netlink_probe: a raw AF_NETLINK client and a conformance tester for the live Linux kernel.

Layers, bottom up:
  sys/         cffi binding to the syscalls, constants and struct layouts from the UAPI headers
  codec/       bytes <-> messages and attributes, no I/O
  transport.py the file descriptor and its syscalls (or an in-memory stand-in: testing.py)
  socket.py    requests and validated answers (codec/exchange.py decides), notifications; dump.py
               netns.py, privileges.py
  rtnl.py      rtnetlink request builders and object decoders
  cli/         the netlink-probe command
"""
from .codec import DecodeError
from .dump import Dump
from .errors import DumpInterrupted, KernelError, NetlinkError, NetlinkTimeout, Overrun, ProtocolViolation
from .netns import NetNS
from .notification import Notification, UserDatagram
from .socket import Socket

__version__ = "0.1.0"
__all__ = ["DecodeError", "Dump", "DumpInterrupted", "KernelError", "NetNS", "NetlinkError", "NetlinkTimeout",
           "Notification", "Overrun", "ProtocolViolation", "Socket", "UserDatagram"]
