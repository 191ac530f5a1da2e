"""``netlink-probe decode [--protocol P] [--json]``: netlink bytes on stdin -> decoded messages.

Input is hex text (whitespace, ``0x`` prefixes, ``:``/``,`` separators and
``#`` comments allowed) or raw binary; which one is detected.  Each message is
shown as `codec.describe` describes it: type name, flag names, seq, pid,
family header and every attribute by name (nested ones indented, unknown
types as numbers with their bytes in hex).  Malformed input ends with one
line naming the byte offset (exit status 2): nothing is printed when the
message headers do not tile the input; an attribute error stops the output
before the message that holds it.  Messages are described and written one at
a time, so memory follows the largest message, not the input.
"""
from __future__ import annotations

import argparse
import io
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from ..codec.describe import describe_each
from ..codec.message import parse
from ..codec.describe_text import message_text
from ._common import Subparsers, print_json, protocol_arg, protocol_name
from .errors import CliError, command

_HEX_NOISE = re.compile(r"0[xX]|[\s:,]|#[^\n]*")


def read_input(data: bytes) -> tuple[bytes, str]:
    """(bytes, 'hex'|'raw'): hex text is recognised when, stripped of separators, 0x prefixes and
    comments, only an even number of hex digits is left; anything else is taken as raw bytes."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return data, "raw"
    digits = _HEX_NOISE.sub("", text)
    if digits and len(digits) % 2 == 0 and re.fullmatch(r"[0-9a-fA-F]+", digits):
        return bytes.fromhex(digits), "hex"
    if not digits and not data.strip(b" \t\r\n"):
        return b"", "hex"
    if re.fullmatch(r"[0-9a-fA-F\s:,xX#]*", text) and "\0" not in text:
        raise CliError("input looks like hex text but has an odd number of digits or stray characters")
    return data, "raw"


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Register ``decode`` and its options."""
    p = subparsers.add_parser(
        "decode", help="decode netlink bytes (hex text or raw) from stdin",
        description="Read netlink messages from stdin (hex text or raw bytes, detected) and print them "
                    "decoded: type and flag names, seq, pid, family header, attributes by name.")
    p.add_argument("--protocol", default="route", metavar="P",
                   help="netlink protocol the bytes belong to: name (route, generic, ...) or number; "
                        "default route")
    p.add_argument("--json", action="store_true", help="a JSON list of messages")
    p.set_defaults(func=run)
    return p


@command("decode")
def run(args: argparse.Namespace) -> int:
    """Decode the bytes on stdin and print the messages, as text or a JSON list."""
    protocol = protocol_arg(args.protocol)
    raw, _kind = read_input(sys.stdin.buffer.read())
    if not raw:
        raise CliError("no input: pipe netlink bytes (hex text or raw) into stdin")
    msgs = parse(raw)  # framing errors: nothing printed, one line with the offset (errors.command)
    described = describe_each(msgs, protocol)  # an attribute error stops the output at that message
    if args.json:
        write_json_list(described, sys.stdout)
    else:
        print(f"{len(msgs)} message{'s' if len(msgs) != 1 else ''} ({protocol_name(protocol)}, {len(raw)} bytes)")
        for d in described:
            print(message_text(d))
    return 0


def write_json_list(items: Iterable[object], out: TextIO) -> None:
    """The JSON list `print_json` writes for list(*items*), written one item at a time.

    Memory stays that of one item however long the list: each is encoded on
    its own and indented one level (JSON text has no raw newline inside a string).
    """
    sep = "["
    for item in items:
        one = io.StringIO()
        print_json(item, stream=one)
        out.write(sep + "\n  " + one.getvalue().rstrip("\n").replace("\n", "\n  "))
        sep = ","
    out.write("[]\n" if sep == "[" else "\n]\n")


__all__ = ["add_parser", "read_input", "run", "write_json_list"]
