"""Layer 2: the sans-I/O codec. Bytes in, objects out (and back); no sockets, no syscalls.

The names below, and the submodules ``attribute``, ``exchange``, ``layouts``
and ``rtnl``, are loaded on first use (`netlink_probe._lazy`): importing one
codec module (say `codec.errors` for `DecodeError`) does not import the
schema tables `codec.rtnl` decodes with.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import exports

if TYPE_CHECKING:
    from . import attribute, exchange, layouts, rtnl
    from .attribute import Attr, Attrs
    from .control import (ErrorInfo, ExtAck, encode_done, encode_error, encode_extack, parse_done,
                          parse_error)
    from .errors import DecodeError
    from .message import HDRLEN, Message, encode, flags_names, flags_text, parse

_WHERE = {"Attr": ".attribute", "Attrs": ".attribute", "DecodeError": ".errors", "ErrorInfo": ".control",
          "ExtAck": ".control", "HDRLEN": ".message", "Message": ".message",
          "encode": ".message", "encode_done": ".control", "encode_error": ".control", "encode_extack": ".control",
          "flags_names": ".message", "flags_text": ".message",
          "parse": ".message", "parse_done": ".control", "parse_error": ".control"}
_SUBMODULES = ("attribute", "exchange", "layouts", "rtnl")
__getattr__, __dir__ = exports(__name__, _WHERE, _SUBMODULES)
__all__ = ["Attr", "Attrs", "DecodeError", "ErrorInfo", "ExtAck", "HDRLEN", "Message", "attribute", "encode",
           "encode_done", "encode_error", "encode_extack", "exchange", "flags_names", "flags_text", "layouts",
           "parse", "parse_done", "parse_error", "rtnl"]
