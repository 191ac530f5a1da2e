"""cli.monitor_queue and monitor's burst handling: the receive queue asked for, overruns said on stderr."""
from __future__ import annotations

import argparse
import errno
from unittest import mock

import pytest

from netlink_probe import codec
from netlink_probe import constants as C
from netlink_probe.cli import monitor as cli_monitor
from netlink_probe.cli import main
from netlink_probe.cli.monitor_queue import DEFAULT_RCVBUF, OverrunReport, receive_queue, size_arg
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.testing import FakeKernel


@pytest.mark.parametrize("text,size", [("4096", 4096), ("1M", 1 << 20), ("128m", 128 << 20), ("2G", 1 << 31),
                                       ("64KB", 64 << 10)])
def test_size_arg_reads_bytes_and_binary_suffixes(text, size):
    assert size_arg(text) == size


@pytest.mark.parametrize("text", ["", "x", "1T", "100", "3G", "-1M"])
def test_size_arg_refuses_what_is_no_queue_size(text):
    with pytest.raises(argparse.ArgumentTypeError):
        size_arg(text)


def test_receive_queue_forces_the_size_and_falls_back_to_rcvbuf():
    """SO_RCVBUFFORCE first; refused (EPERM without CAP_NET_ADMIN), SO_RCVBUF, which rmem_max caps."""
    k = FakeKernel()
    with k.socket(rcvbuf=0) as s:
        receive_queue(s, 8 << 20)
        assert k.options[C.SOL_SOCKET, C.SO_RCVBUFFORCE] == 8 << 20
    k = FakeKernel()
    real = k.setsockopt

    def setsockopt(level, name, value):
        if name == C.SO_RCVBUFFORCE:
            raise OSError(errno.EPERM, "no CAP_NET_ADMIN")
        real(level, name, value)
    k.setsockopt = setsockopt  # type: ignore[method-assign]
    with k.socket(rcvbuf=0) as s:
        assert receive_queue(s, 8 << 20) == 8 << 20 and C.SO_RCVBUFFORCE not in {n for _, n in k.options}


def test_overrun_report_says_it_once_and_counts_at_exit(capsys):
    r = OverrunReport(4 << 20)
    r()
    r()
    r.at_exit()
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "ENOBUFS" in err[0] and "4,194,304 bytes" in err[0] and "--rcvbuf" in err[0]
    assert err[1] == "monitor: 2 overruns (ENOBUFS): notifications were lost"


def test_monitor_marks_lost_notifications_and_asks_for_its_queue(monkeypatch, capsys):
    """An ENOBUFS mid-stream: an overrun line in place, the stderr message, the count at exit; the rest printed."""
    kernels = []

    def socket(protocol, **kw):
        kernels.append(FakeKernel(protocol=protocol))
        kw.pop("netns", None)
        return kernels[-1].socket(**kw)
    monkeypatch.setattr(cli_monitor, "Socket", socket)
    link = codec.encode(C.RTM_NEWLINK, 0, L.IFINFOMSG.pack(ifi_index=2) + A.string(C.IFLA_IFNAME, "v0"))
    original = cli_monitor.listen

    def listen(sock, *a, **kw):
        k = sock.transport
        k.deliver(link, group=1)
        k.overrun()
        k.deliver(link, group=1)
        return original(sock, *a, **kw)
    with mock.patch.object(cli_monitor, "listen", listen):
        rc = main(["monitor", "-g", "link", "--json", "--count", "2", "--timeout", "2"])
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert rc == 0 and len(lines) == 3 and '"overrun":true' in lines[1]
    assert "the kernel dropped notifications (ENOBUFS)" in err and "1 overrun (ENOBUFS)" in err
    assert kernels[0].options[C.SOL_SOCKET, C.SO_RCVBUFFORCE] == DEFAULT_RCVBUF
