"""The ``netlink-probe`` command (also ``python -m netlink_probe``).

Subcommands live in one module each, every one exposing ``add_parser(subparsers)``
(which registers itself with ``set_defaults(func=run)``) and ``run(args) -> int``.
Bad use gets one line on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import errno as _errno
import importlib
import os
import sys

PROG = "netlink-probe"
SUBCOMMANDS = ("dump", "monitor", "decode", "kernel_info", "diff", "profile")
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is ONE line (no usage block) and exit status 2."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(prog=PROG, description="A raw AF_NETLINK client and conformance prober for the live "
                                            "Linux kernel.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        module.add_parser(sub)
    return parser


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def main(argv: list[str] | None = None) -> int:
    """Run the command line *argv* (default sys.argv[1:]); returns the exit status."""
    from ..codec import DecodeError
    from ..errors import KernelError, NetlinkError
    from ._common import CliError

    parser = build_parser()
    args = parser.parse_args(argv)
    where = f"{PROG} {args.command}"
    try:
        rc = args.func(args)
        sys.stdout.flush()
        return int(rc or 0)
    except CliError as e:
        print(f"{where}: {_one_line(e)}", file=sys.stderr)
        return e.code
    except DecodeError as e:
        print(f"{where}: undecodable input at offset {e.offset}: {_one_line(e.reason)}", file=sys.stderr)
        return EXIT_USAGE
    except KernelError as e:
        msg = f"the kernel answered {e.errno_name} ({os.strerror(e.errno)})"
        if e.extack_msg:
            msg += f": {e.extack_msg}"
        print(f"{where}: {_one_line(msg)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        try:  # e.g. piped into head: stop quietly
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except KeyboardInterrupt:
        return 130
    except (NetlinkError, OSError) as e:
        if isinstance(e, OSError) and e.errno == _errno.EPERM:
            print(f"{where}: operation not permitted ({_one_line(e)}): run it with sudo", file=sys.stderr)
        else:
            print(f"{where}: {_one_line(e) or type(e).__name__}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as e:
        print(f"{where}: {_one_line(e)}", file=sys.stderr)
        return EXIT_USAGE


__all__ = ["build_parser", "main"]
