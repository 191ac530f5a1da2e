"""Fixed-size C structs (nlmsghdr, ifinfomsg, rtmsg, ...) as struct.Struct layouts.

Field names, offsets and sizes are read from the cffi module, i.e. from the
UAPI headers the package was built against; nothing here is typed by hand.
"""
from __future__ import annotations

import struct
from collections import namedtuple
from collections.abc import Iterable
from typing import Any

from ..sys import ffi
from .buffer import Buffer
from .errors import DecodeError

_CODES = {1: "B", 2: "H", 4: "I", 8: "Q"}
_named_tuple: Any = namedtuple  # a type made at run time, from the headers: opaque to the type checker
_SIGNED = {1: "b", 2: "h", 4: "i", 8: "q"}


class Layout:
    """One C struct: unpack/pack by field name, with strict length checks."""

    __slots__ = ("ctype", "name", "fields", "size", "_struct", "_tuple")

    def __init__(self, ctype: str) -> None:
        t = ffi.typeof(ctype)
        fmt, pos, names = "=", 0, []
        for fname, f in t.fields:
            ft = f.type
            if ft.kind == "struct":  # nested struct (nlmsgerr.msg): flatten its fields
                for sub, sf in ft.fields:
                    fmt += "x" * (f.offset + sf.offset - pos) + self._code(sf.type)
                    pos = f.offset + sf.offset + ffi.sizeof(sf.type)
                    names.append(f"{fname}.{sub}")
                continue
            fmt += "x" * (f.offset - pos) + self._code(ft)
            pos = f.offset + ffi.sizeof(ft)
            names.append(fname)
        fmt += "x" * (ffi.sizeof(t) - pos)
        self.ctype, self.name = ctype, ctype.split()[-1]
        self.fields: tuple[str, ...] = tuple(names)
        self.size: int = ffi.sizeof(t)
        self._struct = struct.Struct(fmt)
        assert self._struct.size == self.size, (ctype, fmt)
        # Named fields (hdr.ifi_index); a flattened nested field "msg.nlmsg_len" becomes msg_nlmsg_len,
        # padding such as ifinfomsg's __ifi_pad loses its leading underscores.
        self._tuple: Any = _named_tuple(self.name, [n.replace(".", "_").lstrip("_") for n in names])

    @staticmethod
    def _code(ctype: Any) -> str:
        size = ffi.sizeof(ctype)
        signed = ctype.kind == "primitive" and not ctype.cname.startswith(("unsigned", "uint", "u", "_Bool", "char"))
        signed = signed or ctype.cname in ("int8_t", "signed char")
        return (_SIGNED if signed else _CODES)[size]

    def unpack(self, buf: Buffer, offset: int = 0, end: int | None = None) -> Any:
        """The struct at *offset* as a named tuple (``.ifi_index``); DecodeError when *end* comes first.

        Typed Any: the tuple's fields come from the headers at run time."""
        end = len(buf) if end is None else end
        if offset + self.size > end:
            raise DecodeError(offset, f"{self.name} needs {self.size} bytes, {max(end - offset, 0)} left")
        return self._tuple._make(self._struct.unpack_from(buf, offset))

    def unpack_dict(self, buf: Buffer, offset: int = 0, end: int | None = None) -> dict[str, Any]:
        """The struct as {C field name: value}."""
        return self.as_dict(self.unpack(buf, offset, end))

    def as_dict(self, values: Iterable[Any]) -> dict[str, Any]:
        """An unpacked struct as {C field name: value}: the names as the headers spell them
        ('__ifi_pad', 'msg.nlmsg_len'), where the named tuple's fields had to be renamed."""
        return dict(zip(self.fields, values))

    def pack(self, **values: int) -> bytes:
        """The struct's bytes from field values by name (the rest 0); TypeError for a field it lacks."""
        unknown = set(values) - set(self.fields)
        if unknown:
            raise TypeError(f"{self.name} has no field(s) {sorted(unknown)}")
        return self._struct.pack(*(values.get(f, 0) for f in self.fields))


NLMSGHDR = Layout("struct nlmsghdr")
NLMSGERR = Layout("struct nlmsgerr")
NLATTR = Layout("struct nlattr")
SOCKADDR_NL = Layout("struct sockaddr_nl")
RTGENMSG = Layout("struct rtgenmsg")
GENLMSGHDR = Layout("struct genlmsghdr")
IFINFOMSG = Layout("struct ifinfomsg")
IFADDRMSG = Layout("struct ifaddrmsg")
RTMSG = Layout("struct rtmsg")
NDMSG = Layout("struct ndmsg")
NDTMSG = Layout("struct ndtmsg")
RTNEXTHOP = Layout("struct rtnexthop")
FIB_RULE_HDR = Layout("struct fib_rule_hdr")
BR_VLAN_MSG = Layout("struct br_vlan_msg")
BR_PORT_MSG = Layout("struct br_port_msg")
NHMSG = Layout("struct nhmsg")
NETCONFMSG = Layout("struct netconfmsg")
IFA_CACHEINFO = Layout("struct ifa_cacheinfo")
NDA_CACHEINFO = Layout("struct nda_cacheinfo")
NDT_CONFIG = Layout("struct ndt_config")
NDT_STATS = Layout("struct ndt_stats")
IFLA_CACHEINFO = Layout("struct ifla_cacheinfo")
RTA_CACHEINFO = Layout("struct rta_cacheinfo")

__all__ = ["Layout", "BR_PORT_MSG", "BR_VLAN_MSG", "FIB_RULE_HDR", "GENLMSGHDR", "IFADDRMSG", "IFA_CACHEINFO", "IFINFOMSG",
           "IFLA_CACHEINFO", "NDA_CACHEINFO", "NDMSG", "NDTMSG", "NETCONFMSG", "NHMSG", "NDT_CONFIG", "NDT_STATS", "NLATTR",
           "NLMSGERR", "NLMSGHDR", "RTA_CACHEINFO", "RTGENMSG", "RTMSG", "RTNEXTHOP", "SOCKADDR_NL"]
