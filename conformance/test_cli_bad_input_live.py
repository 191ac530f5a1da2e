"""Namespace paths that are not network namespaces: refused at once, never waited on.

`NetNS.open` (and so ``Socket(netns=PATH)`` and ``--netns PATH``) opens a
path with O_PATH, reads what the kernel calls the file through
/proc/self/fd/N, and only then reopens it for reading.  These tests pin the
kernel behaviour that design rests on, then the library's and the command's
answers, as root (setns needs CAP_SYS_ADMIN; without it the command says so
first: tests/test_cli_bad_input.py): bad paths are bad use (exit 2), paths
this caller may not open or enter are "permission denied" (exit 1).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest
from support.cli_fork import run_cli

import netlink_probe
from netlink_probe import Socket
from netlink_probe import constants as C
from netlink_probe.netns import NamespaceError, NetNS
from netlink_probe.sys import calls

REPO = os.path.dirname(os.path.dirname(os.path.abspath(netlink_probe.__file__)))
ENV = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))


@pytest.fixture
def fifo(tmp_path):
    path = str(tmp_path / "fifo")
    os.mkfifo(path)
    return path


def within(seconds: float, fn, path: str):
    """fn(path) in a thread; if it still waits after *seconds*, a writer on the FIFO releases it and the test fails."""
    box: dict[str, object] = {}

    def call():
        try:
            box["result"] = fn(path)
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            box["error"] = e

    t = threading.Thread(target=call, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)  # the blocked reader's open() returns now
        t.join(5)
        os.close(fd)
        pytest.fail(f"{fn.__qualname__}({path!r}) waited for a writer on a FIFO")
    return box


def test_o_path_open_of_a_fifo_does_not_wait_for_a_writer(fifo):
    """do_dentry_open: an O_PATH open gets FMODE_PATH and empty_fops; fifo_open, which waits for a writer, never runs."""
    box = within(5, lambda p: os.open(p, os.O_PATH | os.O_CLOEXEC), fifo)
    os.close(box["result"])


def test_nsfs_fd_link_names_the_namespace_type():
    """ns_dname: the /proc/self/fd link of an nsfs file reads TYPE:[INODE] (net:[...], mnt:[...])."""
    for kind in ("net", "mnt", "user"):
        fd = os.open(f"/proc/self/ns/{kind}", os.O_PATH | os.O_CLOEXEC)
        try:
            assert os.readlink(f"/proc/self/fd/{fd}") == f"{kind}:[{os.fstat(fd).st_ino}]"
        finally:
            os.close(fd)


def test_setns_refuses_an_o_path_fd():
    """setns: an O_PATH file carries empty_fops, not ns_file_operations, so proc_ns_file() fails: EBADF."""
    fd = os.open("/proc/self/ns/net", os.O_PATH | os.O_CLOEXEC)
    try:
        with pytest.raises(OSError) as e:
            calls.setns(fd, C.CLONE_NEWNET)
        assert e.value.errno == 9  # EBADF
    finally:
        os.close(fd)


def test_reopening_an_o_path_nsfs_fd_through_proc_enters_the_same_namespace(netns):
    """proc_fd_link: /proc/self/fd/N of an O_PATH fd opens the very nsfs file, and setns accepts that fd."""
    opened = NetNS.open(netns.path)
    try:
        assert opened.inode == netns.inode
        with Socket(netns=netns.path) as s:  # the same path through Socket: created in that namespace
            assert s.fileno() >= 0
    finally:
        opened.close()


@pytest.mark.parametrize("opener", [NetNS.open, lambda p: Socket(netns=p)], ids=["NetNS.open", "Socket"])
def test_a_fifo_is_refused_without_waiting(fifo, opener):
    """netns._open_netns_file: O_PATH, then the fd link says it is no nsfs file; nothing reads the FIFO."""
    box = within(5, opener, fifo)
    assert isinstance(box.get("error"), NamespaceError), box
    assert "a FIFO" in str(box["error"])


@pytest.mark.parametrize("path,why", [("/proc/self/ns/mnt", "a mnt namespace"),
                                      ("/proc/self/ns/user", "a user namespace"),
                                      ("/dev/zero", "a character device"), ("/", "a directory")])
def test_other_files_are_refused_by_what_they_are(path, why):
    """ns_dname / fstat: a namespace of another type, a device or a directory is named in the refusal."""
    with pytest.raises(NamespaceError, match=why):
        NetNS.open(path)


@pytest.mark.parametrize("command", [["dump", "links"], ["monitor", "--group", "1", "--timeout", "1"]])
def test_cli_refuses_a_fifo_as_netns_in_one_line(fifo, command):
    """The command through NetNS.open: one line naming the FIFO, exit status 2, at once."""
    p = run_cli([*command, "--netns", fifo], timeout=30)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr
    assert "is not a network namespace (a FIFO" in lines[0]


def _dump_links_captured(path: str) -> tuple[int, str]:
    """`netlink-probe dump links --netns PATH` in-process: (exit status, stderr)."""
    import contextlib
    import io

    from netlink_probe.cli import main
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["dump", "links", "--netns", path])
    return rc, err.getvalue()


@pytest.mark.parametrize("context", ["nobody+CAP_SYS_ADMIN", "userns_root_own_netns", "userns_root_init_netns"])
def test_cli_reports_a_namespace_it_may_not_open_or_enter_as_permission_denied(netns, run_as, context):
    """proc_fd_permission / proc_ns_get_link (ptrace_may_access) and setns's ns_capable(CAP_SYS_ADMIN): a --netns
    path that exists but this caller may not open or enter is "permission denied", exit 1 -- not "does not exist"."""
    rc, err = run_as(context, _dump_links_captured, netns.path)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "permission denied" in lines[0].lower() and "does not exist" not in lines[0], lines[0]
    assert rc == 1, lines[0]


def _in_private_mount_namespace(script: str) -> subprocess.CompletedProcess:
    """*script* (sh) in a new mount namespace (`unshare -m`, private propagation): its mounts never reach the host."""
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-ec", script], capture_output=True,
                          text=True, timeout=60, env=ENV)


def test_cli_accepts_a_bind_mounted_namespace_as_ip_netns_add_makes_them(netns, tmp_path):
    """nsfs: a namespace file bind-mounted elsewhere (/run/netns/NAME by `ip netns add`) keeps its nsfs device,
    but its /proc/self/fd link reads the mount's path, not net:[INODE]; the command still opens it."""
    where = tmp_path / "ns"
    where.touch()
    p = _in_private_mount_namespace(f"mount --bind {netns.path} {where}; "
                                    f"exec {sys.executable} -m netlink_probe dump links --json --netns {where}")
    assert p.returncode == 0, p.stderr
    assert [d["ifname"] for d in json.loads(p.stdout)] == ["lo"]  # the fresh namespace, not the host's


def test_cli_refuses_a_bind_mounted_namespace_of_another_type(tmp_path):
    """NS_GET_NSTYPE on a bind-mounted nsfs file: a UTS namespace is refused as not a network namespace (exit 2)."""
    where = tmp_path / "ns"
    where.touch()
    p = _in_private_mount_namespace(f"mount --bind /proc/self/ns/uts {where}; "
                                    f"exec {sys.executable} -m netlink_probe dump links --netns {where}")
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 2 and len(lines) == 1 and "is not a network namespace" in lines[0], p.stderr


def test_cli_reports_a_namespace_it_may_open_but_not_enter_as_permission_denied(netns, run_as):
    """setns -> netns_install: ns_capable(netns->user_ns, CAP_SYS_ADMIN) fails for root of a user namespace that does
    not own the target (the fd is inherited, so opening works): EPERM is "permission denied", not "not a network
    namespace"."""
    rc, err = run_as("userns_root_own_netns", _dump_links_captured, f"/proc/self/fd/{netns.fd}")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "permission denied: setns()" in lines[0] and "EPERM" in lines[0], err
    assert "is not a network namespace" not in lines[0] and rc == 1
