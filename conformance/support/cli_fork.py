"""Run the netlink-probe command forked from the warm test process, not as a new interpreter.

`python3 -m netlink_probe ARGS` is `sys.exit(netlink_probe.cli.main())`.  Starting that interpreter and
its imports costs ~0.3 s on a host and ~10 s in a TCG guest of the kernel matrix, where the CLI tests
spent half of the suite's time starting Pythons.  ``run_cli`` forks the test process instead (which has
netlink_probe imported already): the child puts its stdout and stderr on pipes, stdin on /dev/null,
drops the suite's signal handlers (SIGTERM cleans up the *parent's* namespaces) and runs
``cli.main(argv)``; its exit status is main's return, a SystemExit's code (argparse: 2), or 1 after a
traceback, as the interpreter would give.  The child leaves with ``os._exit``: no atexit handler, no
fixture finaliser of the parent runs in it.  The real entry point keeps its own tests
(tests/test_cli*.py start it; test_cli_monitor streams from a real process).
"""
from __future__ import annotations

import io
import os
import selectors
import signal
import subprocess
import sys
import time
import traceback

__all__ = ["run_cli"]


def _child(argv: list[str], out_w: int, err_w: int) -> None:
    """In the forked child: become the command and exit with its status (never returns)."""
    code = 1
    try:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8")
        sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8",
                                      errors="backslashreplace", line_buffering=True)
        sys.argv = ["netlink-probe", *argv]
        from netlink_probe.cli import main
        try:
            code = main(argv)
        except SystemExit as e:  # what the interpreter does with it
            if e.code is None:
                code = 0
            elif isinstance(e.code, int):
                code = e.code
            else:
                print(e.code, file=sys.stderr)
                code = 1
    except BaseException:  # noqa: BLE001 - the interpreter's last resort: the traceback, status 1
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - a closed pipe: nothing more to say
                pass
        os._exit(code & 0xFF if isinstance(code, int) else 1)


def run_cli(argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    """`netlink-probe ARGV` forked from this process: its exit status, stdout and stderr (text).

    subprocess.TimeoutExpired (the child killed) when it has not finished within *timeout* seconds."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(out_r)
        os.close(err_r)
        _child(list(argv), out_w, err_w)
    os.close(out_w)
    os.close(err_w)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        for fd in chunks:
            sel.register(fd, selectors.EVENT_READ)
        try:
            while sel.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    raise subprocess.TimeoutExpired(["netlink-probe", *argv], timeout)
                for key, _ in sel.select(left):
                    data = os.read(key.fd, 65536)
                    if data:
                        chunks[key.fd].append(data)
                    else:
                        sel.unregister(key.fd)
        finally:
            os.close(out_r)
            os.close(err_r)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return subprocess.CompletedProcess(["netlink-probe", *argv], code,
                                       b"".join(chunks[out_r]).decode("utf-8", "replace"),
                                       b"".join(chunks[err_r]).decode("utf-8", "replace"))
