"""Run the netlink-probe command forked from the warm test process, not as a new interpreter.

`python3 -m netlink_probe ARGS` is `sys.exit(netlink_probe.cli.main())`.  Starting that interpreter and
its imports costs ~0.3 s on a host and ~10 s in a TCG guest of the kernel matrix, where the CLI tests
spent half of the suite's time starting Pythons.  ``run_cli`` forks the test process instead (which has
netlink_probe imported already): the child puts its stdout and stderr on pipes, stdin on /dev/null,
drops the suite's signal handlers (SIGTERM cleans up the *parent's* namespaces) and runs
``cli.main(argv)``; its exit status is main's return, a SystemExit's code (argparse: 2), or 1 after a
traceback, as the interpreter would give.  The child leaves with ``os._exit``: no atexit handler, no
fixture finaliser of the parent runs in it.  ``ForkedCli`` is the same child left running, for
`monitor`: read its readiness line, trigger, then collect.  The real entry point keeps its own tests
(tests/test_cli*.py start it).
"""
from __future__ import annotations

import io
import os
import select
import selectors
import signal
import subprocess
import sys
import time
import traceback

__all__ = ["ForkedCli", "run_cli"]


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


class ForkedCli:
    """`netlink-probe ARGV` forked from this process and running; ``returncode`` once it has been reaped."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = ["netlink-probe", *argv]
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(out_r)
            os.close(err_r)
            _child(list(argv), out_w, err_w)
        os.close(out_w)
        os.close(err_w)
        self.returncode: int | None = None
        self._chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
        self._open = [out_r, err_r]
        self._out, self._err = out_r, err_r

    def stderr_line(self, timeout: float) -> str:
        """The child's next stderr line ('' when it closed stderr or said nothing within *timeout* seconds).

        Read a byte at a time from the fd: nothing of what follows may sit unseen in a buffer."""
        deadline = time.monotonic() + timeout
        raw = b""
        while not raw.endswith(b"\n") and self._err in self._open:
            r, _, _ = select.select([self._err], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                break
            ch = os.read(self._err, 1)
            if not ch:
                break
            raw += ch
        return raw.decode("utf-8", "replace")

    def communicate(self, timeout: float) -> tuple[str, str]:
        """Everything it writes until it exits (stdout, stderr); subprocess.TimeoutExpired if it runs on."""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            for fd in self._open:
                sel.register(fd, selectors.EVENT_READ)
            while sel.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise subprocess.TimeoutExpired(self.argv, timeout)
                for key, _ in sel.select(left):
                    data = os.read(key.fd, 65536)
                    if data:
                        self._chunks[key.fd].append(data)
                    else:
                        sel.unregister(key.fd)
                        self._open.remove(key.fd)
                        os.close(key.fd)
        self._reap()
        out, err = (b"".join(self._chunks[fd]).decode("utf-8", "replace") for fd in (self._out, self._err))
        return out, err

    def kill(self) -> None:
        """SIGKILL and reap it (what it wrote stays readable with `communicate`)."""
        if self.returncode is None:
            os.kill(self.pid, signal.SIGKILL)
            self._reap()

    def _reap(self) -> None:
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)


def run_cli(argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    """`netlink-probe ARGV` forked from this process: its exit status, stdout and stderr (text).

    subprocess.TimeoutExpired (the child killed) when it has not finished within *timeout* seconds."""
    child = ForkedCli(argv)
    try:
        out, err = child.communicate(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate(10)
        raise
    assert child.returncode is not None
    return subprocess.CompletedProcess(child.argv, child.returncode, out, err)
