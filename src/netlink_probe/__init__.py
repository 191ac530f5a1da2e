"""netlink_probe: a raw AF_NETLINK client and a conformance tester for the live Linux kernel.

Layers, bottom up:
  sys/         cffi binding to the syscalls, constants and struct layouts from the UAPI headers
  codec/       bytes <-> messages and attributes, no I/O
  transport.py the file descriptor and its syscalls (or an in-memory stand-in: testing.py)
  socket.py    requests and validated answers (codec/exchange.py decides), notifications; dump.py,
               notification.py; netns.py, privileges.py, capabilities.py
  rtnl.py      rtnetlink request builders and object decoders
  cli/         the netlink-probe command

The names below are loaded on first use (PEP 562): ``import netlink_probe`` stays
light, so the command can handle Ctrl-C before the library is imported.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import exports

if TYPE_CHECKING:
    from .codec import DecodeError
    from .dump import Dump
    from .errors import DumpInterrupted, KernelError, NetlinkError, NetlinkTimeout, Overrun, ProtocolViolation
    from .netns import NetNS
    from .notification import Notification, UserDatagram
    from .socket import Socket

__version__ = "0.1.0"
_WHERE = {"DecodeError": ".codec", "Dump": ".dump", "DumpInterrupted": ".errors", "KernelError": ".errors",
          "NetlinkError": ".errors", "NetlinkTimeout": ".errors", "Overrun": ".errors",
          "ProtocolViolation": ".errors", "NetNS": ".netns", "Notification": ".notification", "Socket": ".socket",
          "UserDatagram": ".notification"}
__all__ = ["DecodeError", "Dump", "DumpInterrupted", "KernelError", "NetNS", "NetlinkError", "NetlinkTimeout",
           "Notification", "Overrun", "ProtocolViolation", "Socket", "UserDatagram"]
__getattr__, __dir__ = exports(__name__, _WHERE)
