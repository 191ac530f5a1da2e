"""Layer 2: the sans-I/O codec. Bytes in, objects out (and back); no sockets, no syscalls."""
from . import attribute, exchange, layouts, rtnl
from .attribute import Attr, Attrs
from .control import ErrorInfo, ExtAck, encode_done, encode_error, encode_extack, parse_done, parse_error
from .errors import DecodeError
from .message import HDRLEN, Message, encode, flags_names, flags_text, parse

__all__ = ["Attr", "Attrs", "DecodeError", "ErrorInfo", "ExtAck", "HDRLEN", "Message", "attribute", "encode",
           "encode_done", "encode_error", "encode_extack", "exchange", "flags_names", "flags_text", "layouts", "parse",
           "parse_done", "parse_error", "rtnl"]
