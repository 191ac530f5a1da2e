"""The subcommands, and the module that implements each (``netlink_probe.cli.<module>``).

`program` imports only the module of the subcommand being run: a command does
not pay for the others' imports (``dump routes`` once imported the schema
tables, the profile machinery and ``monitor``'s genl resolver with them).
"""
from __future__ import annotations

COMMANDS: dict[str, str] = {"dump": "dump", "monitor": "monitor", "decode": "decode", "kernel-info": "kernel_info",
                            "diff": "diff", "profile": "profile", "report": "report"}

__all__ = ["COMMANDS"]
