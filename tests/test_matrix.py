"""Unit tests of the kernel matrix (netlink_probe.matrix, scripts/kernel-matrix): no root,
no VM, no network."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from netlink_probe.matrix import CHECKOUT, MatrixError, checkout_disk, cli, diffs, guest_root, junit, kernels, progress, \
    report, sources, suite, vm

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "kernel-matrix"


def test_parse_kernel_list_keeps_order_and_drops_duplicates():
    assert kernels.parse_kernel_list(" 6.1, 6.12,,6.1 ") == ["6.1", "6.12"]
    assert kernels.parse_kernel_list("") == []


def test_is_series():
    assert kernels.is_series("6.1") and kernels.is_series("6.12")
    assert not kernels.is_series("6.1.0-57-amd64")
    assert not kernels.is_series("/boot/vmlinuz-6.1.0-57-amd64")


NAMES = """
linux-image-6.1.0-9-amd64
linux-image-6.1.0-57-amd64
linux-image-6.1.0-57-cloud-amd64
linux-image-6.1.0-57-rt-amd64
linux-image-6.1.0-57-amd64-dbg
linux-image-6.1.0-57-amd64-unsigned
linux-image-6.1.0-100-amd64-unsigned
linux-image-amd64
linux-image-6.12.9+bpo-amd64
linux-image-6.12.117+deb12-amd64
linux-image-6.12.115+deb12-amd64
linux-image-6.12.117+deb12-cloud-amd64
linux-image-6.12.95+deb12-amd64-dbg
linux-image-6.10.6+bpo-amd64
""".split()


def test_pick_newest_image_per_series():
    assert kernels.pick_newest_image(NAMES, "6.1") == "6.1.0-57-amd64"
    assert kernels.pick_newest_image(NAMES, "6.12") == "6.12.117+deb12-amd64"
    assert kernels.pick_newest_image(NAMES, "6.10") == "6.10.6+bpo-amd64"
    assert kernels.pick_newest_image(NAMES, "6.12", flavour="cloud-amd64") == "6.12.117+deb12-cloud-amd64"
    assert kernels.pick_newest_image(NAMES, "5.10") is None


def test_latest_is_the_newest_generic_image_of_any_series_and_bullseye_series_resolve():
    names = NAMES + ["linux-image-7.2.13+deb14-amd64", "linux-image-7.2.13+deb14-cloud-amd64",
                     "linux-image-5.10.0-46-amd64", "linux-image-5.10.0-9-amd64", "linux-image-5.10.0-46-rt-amd64",
                     "linux-image-6.12.90+deb12.1-amd64"]
    assert kernels.is_series("latest") and kernels.is_series("5.10")
    assert kernels.pick_newest_image(names, "latest") == "7.2.13+deb14-amd64"
    assert kernels.pick_newest_image(names, "5.10") == "5.10.0-46-amd64"
    assert kernels.pick_newest_image(NAMES, "latest") == "6.12.117+deb12-amd64"


def test_split_packages_of_a_debian_14_kernel():
    have = ["linux-binary-7.2.13+deb14-amd64", "linux-binary-7.2.13+deb14-cloud-amd64",
            "linux-modules-7.2.13+deb14-amd64", "linux-binary-unsigned-7.2.13+deb14-amd64"]
    assert kernels.split_packages("7.2.13+deb14-amd64", have) == [
        "linux-binary-7.2.13+deb14-amd64", "linux-modules-7.2.13+deb14-amd64"]
    assert kernels.split_packages("6.1.0-57-amd64", have) == []


def test_version_key_is_numeric():
    ks = ["6.1.0-9-amd64", "6.1.0-57-amd64", "6.1.0-100-amd64"]
    assert max(ks, key=kernels.kernel_version_key) == "6.1.0-100-amd64"
    assert kernels.kernel_version_key("6.12.117+deb12-amd64") > kernels.kernel_version_key("6.12.9+bpo-amd64")


def test_pick_newest_cached():
    assert kernels.pick_newest_cached(["6.1.0-50-amd64", "6.1.0-57-amd64", "6.12.117+deb12-amd64"],
                                 "6.1") == "6.1.0-57-amd64"


ONE_LINE = """
# comment
deb http://mirror.example/debian bookworm main contrib
deb [signed-by=/usr/share/keyrings/x.gpg arch=amd64] http://mirror.example/debian-security bookworm-security main
deb-src http://mirror.example/debian bookworm main
deb https://other.example/apt stable main
"""

DEB822 = """Types: deb
# a comment inside
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main
"""


def test_parse_one_line_sources():
    e = sources.parse_one_line_sources(ONE_LINE)
    assert [x["uris"][0] for x in e] == ["http://mirror.example/debian",
                                         "http://mirror.example/debian-security",
                                         "https://other.example/apt"]
    assert e[1]["signed_by"] == "/usr/share/keyrings/x.gpg"
    assert e[1]["suites"] == ["bookworm-security"]


def test_parse_deb822_sources_skips_disabled_and_src():
    e = sources.parse_deb822_sources(DEB822)
    assert len(e) == 2
    assert e[0]["suites"] == ["bookworm", "bookworm-updates"]
    assert e[0]["signed_by"] == "/usr/share/keyrings/debian-archive-keyring.gpg"


@pytest.mark.parametrize("entries", [sources.parse_one_line_sources(ONE_LINE),
                                     sources.parse_deb822_sources(DEB822)])
def test_find_debian_mirrors(entries):
    archive, security, _ = sources.find_debian_mirrors(entries)
    assert archive == "http://mirror.example/debian"
    assert security == "http://mirror.example/debian-security"


def test_find_debian_mirrors_none_on_other_distros():
    e = sources.parse_one_line_sources("deb http://archive.example/ubuntu jammy main\n")
    assert sources.find_debian_mirrors(e)[0] is None


def test_render_private_sources_adds_backports_bullseye_and_sid():
    text = sources.render_private_sources("http://m.example/debian", "http://m.example/debian-security",
                                     "/k.gpg")
    entries = sources.parse_deb822_sources(text)
    assert entries[0]["suites"] == ["bookworm", "bookworm-updates", "bookworm-backports", "bullseye",
                                    "bullseye-updates", "sid"]
    assert entries[1]["suites"] == ["bookworm-security", "bullseye-security"]
    assert all(x["signed_by"] == "/k.gpg" for x in entries)
    assert len(sources.parse_deb822_sources(sources.render_private_sources("http://m/debian", None, None))) == 1


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="2" skipped="3"
 tests="10" time="12.5"><testcase classname="a" name="t1" time="0.5"/>
<testcase classname="a" name="t2" time="1.25"/></testsuite></testsuites>"""


def test_junit_counts():
    c = junit.junit_counts(JUNIT)
    assert (c["tests"], c["passed"], c["failed"], c["errors"], c["skipped"]) == (10, 4, 2, 1, 3)
    assert c["time"] == 12.5 and c["case_time"] == 1.75


def test_format_done():
    c = junit.junit_counts(JUNIT)
    assert report.format_done(c, 61.2) == "done: 4 passed, 2 failed, 1 errors, 3 skipped (61 s)"
    assert report.format_done(None, 3) == "done: no junit report (3 s)"


def test_progress_counter_follows_the_plugins_progress_lines_split_anywhere():
    p = progress.ProgressCounter()
    p.feed("@@kernel-matrix booted 12.5 6.1.0-57-amd64\nbringing up nodes...\n\n")
    assert p.booted_at == 12.5 and p.total is None and p.done == 0
    p.feed('....s [ 5/20]\n@@netlink-probe-progress {"done": 8, "tot', 2)
    assert p.done == 0  # pytest's own output is not read; the progress line is not complete yet
    p.feed('al": 20, "failed": 1, "elapsed_s": 4.0, "eta_s": 6}\n', 2)
    assert (p.done, p.total, p.failed, p.eta_s) == (8, 20, 1, 6)
    p.feed("@@netlink-probe-progress {damaged\n", 2)
    assert (p.done, p.total) == (8, 20)
    p.feed('@@netlink-probe-progress {"done": 9, "total": 20, "failed": 2, "failed_test": "t.py::test_x"}\n', 2)
    assert p.failed_tests == ["t.py::test_x"] and p.failed == 2


def test_progress_counter_keeps_each_streams_partial_line_apart():
    p = progress.ProgressCounter()
    p.feed('@@netlink-probe-progress {"done": 1,', 2)
    p.feed("noise on stdout\n", 1)
    p.feed(' "total": 3, "eta_s": null}\n', 2)
    assert (p.done, p.total, p.eta_s) == (1, 3, None)


def test_suite_command_runs_only_the_tests_named_in_the_extra_arguments():
    cmd = suite.suite_command("/py", "conformance/", "/out/g", False, ["conformance/test_a.py::test_b[x]", "-x"])
    assert "conformance/" not in cmd and cmd[-2:] == ["conformance/test_a.py::test_b[x]", "-x"]


def test_suite_command():
    cmd = suite.suite_command("/py", "conformance/", "/out/host-6.18", True, ["-k", "smoke"])
    assert cmd[:8] == ["/py", "-m", "pytest", "conformance/", "-n", "auto", "-p", "no:cacheprovider"]
    # values after "=": a pytest that has not yet loaded the plugin must not take them for test paths
    assert "--profile=/out/host-6.18.profile.json" in cmd and "--ktap=/out/host-6.18.ktap" in cmd
    assert "--junitxml=/out/host-6.18.junit.xml" in cmd
    assert "-q" in cmd and cmd[-2:] == ["-k", "smoke"]
    assert not any(a.startswith("--profile") for a in suite.suite_command("/py", "c/", "/o/x", False, []))


def test_guest_script_and_vng_command():
    fast = vm.fast_mount_paths(["/opt/py", "/opt/py", "/usr"])
    assert fast == [("kmpy0", "/opt/py")]
    cmd = suite.suite_command("/opt/py/bin/python3", "conformance/", vm.GUEST_OUT + "/6.1.0-57-amd64",
                           True, [])
    script = vm.guest_script("/src", cmd, "6.1.0-57-amd64", fast)
    assert "@@kernel-matrix booted" in script
    assert "cache=loose" in script and "kmpy0 /opt/py" in script
    assert f"{vm.GUEST_OUT}/6.1.0-57-amd64.rc" in script
    assert script.rstrip().endswith("exit $rc")
    v = vm.vng_command("vng", "/k/boot/vmlinuz-6.1.0-57-amd64", "tcg", 2, "2G", "/out", "/src",
                       "/tmp/s.sh", fast)
    assert "--disable-kvm" in v
    assert f"--rwdir={vm.GUEST_OUT}=/out" in v
    assert v[v.index("--overlay-rwdir") + 1] == "/src"
    assert any(a.startswith("--qemu-opts=-fsdev local,id=kmpy0,path=/opt/py,") for a in v)
    assert v[-2:] == ["--exec", "sh /tmp/s.sh"]
    v = vm.vng_command("vng", "/k", "kvm", 2, "2G", "/out", "/src", "/s", [])
    assert "--disable-kvm" not in v and not any(a.startswith("--qemu-opts") for a in v)


def test_fast_mount_paths_skips_nested_and_system():
    assert vm.fast_mount_paths(["/", "/usr/local", "/usr"]) == []
    assert vm.fast_mount_paths(["/opt/venv", "/opt"]) == [("kmpy0", "/opt")]


def test_overall_exit():
    ok = {"status": "ran", "pytest_rc": 1, "diff_rc": 1}
    assert report.overall_exit([ok, {"status": "ran", "pytest_rc": 0}]) == 0
    assert report.overall_exit([ok], fail_on_test_failures=True) == 1
    assert report.overall_exit([{"status": "ran", "pytest_rc": 5}]) == 0
    assert report.overall_exit([{"status": "ran", "pytest_rc": 2}]) == 1
    assert report.overall_exit([{"status": "boot-failed", "pytest_rc": None}]) == 1
    assert report.overall_exit([{"status": "timeout"}]) == 1
    assert report.overall_exit([{"status": "ran", "pytest_rc": 0, "diff_rc": 2}]) == 1


def test_parser_defaults_and_hidden_suite():
    a = cli.build_parser().parse_args([])
    assert a.kernels == "6.1,6.12" and a.suite == "conformance/" and a.accel == "auto"
    assert a.fast_python is True
    a = cli.build_parser().parse_args(["--suite", "/tmp/x", "--no-fast-python", "--accel", "tcg"])
    assert a.suite == "/tmp/x" and a.fast_python is False and a.accel == "tcg"


def test_condense_diff_keeps_headers_changed_lines_and_total():
    report = "\n".join([
        "[linkkind] 2 changed",
        "  changed  linkkind.bond   A=\"EOPNOTSUPP\"  B=\"ok\"",
        "  changed  linkkind.dummy  A=\"EOPNOTSUPP\"  B=\"ok\"",
        "",
        "[perm] 1 only in B",
        "  only B   perm.x  A=-  B=\"ok\"",
        "",
        "3 differences: 2 changed, 0 only in A, 1 only in B; 10 identical",
    ]) + "\n"
    short = diffs.condense_diff(report, max_changed=1)
    assert short.splitlines() == [
        "[linkkind] 2 changed",
        "  changed  linkkind.bond   A=\"EOPNOTSUPP\"  B=\"ok\"",
        "[perm] 1 only in B",
        "  ... 1 more changed lines",
        "3 differences: 2 changed, 0 only in A, 1 only in B; 10 identical",
    ]


def test_slowdown_over_common_tests():
    host = junit.junit_case_times(JUNIT)
    assert host == {"a::t1": 0.5, "a::t2": 1.25}
    guest = {"a::t1": 5.0, "a::t2": 12.5, "a::only_in_guest": 100.0}
    assert junit.slowdown(host, guest) == 10.0
    assert junit.slowdown({}, guest) is None


# -- side effects that need no root, VM or network ------------------------------------------

def test_script_is_thin_and_runs_without_the_cffi_binding():
    """scripts/kernel-matrix drives the suite with the standard library only: root's python3
    under sudo may have no cffi, so it must not need netlink_probe/__init__."""
    assert len(SCRIPT.read_text().splitlines()) < 40 and os.access(SCRIPT, os.X_OK)
    code = ("import sys, runpy; sys.modules['_cffi_backend'] = None; "
            "sys.argv = ['kernel-matrix', '--dry-run', '--host-only', '--out', '/nonexistent']; "
            f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "host host-" in r.stdout and "--profile=/nonexistent/host-" in r.stdout


def test_usage_errors_exit_2(capsys):
    assert cli.main(["--host-only", "--no-host"]) == 2
    assert "exclude each other" in capsys.readouterr().err


def _cached_kernel(cache: Path, kver: str = "6.1.0-57-amd64") -> Path:
    """A prepared kernel in *cache* as kernels.prepare_kernel leaves it: boot/vmlinuz and modules.dep."""
    kdir = cache / kver
    (kdir / "boot").mkdir(parents=True)
    (kdir / "boot" / f"vmlinuz-{kver}").touch()
    (kdir / "lib" / "modules" / kver).mkdir(parents=True)
    (kdir / "lib" / "modules" / kver / "modules.dep").touch()
    return kdir


def test_dry_run_uses_cached_kernels(tmp_path, capsys):
    kdir = _cached_kernel(tmp_path)
    (tmp_path / "6.1.0-50-amd64").mkdir()  # not prepared: ignored
    assert kernels.cached_kernels(tmp_path) == ["6.1.0-57-amd64"]
    assert cli.main(["--dry-run", "--no-host", "--kernels", "6.1,6.12", "--cache", str(tmp_path),
                     "--out", str(tmp_path / "out"), "--accel", "kvm"]) == 0
    out = capsys.readouterr().out
    assert f"6.1.0-57-amd64: vng --run {kdir}/boot/vmlinuz-6.1.0-57-amd64" in out
    assert "--disable-kvm" not in out
    assert "6.12: not cached yet" in out
    # the default: the guests' own root image, the checkout on its disk at /checkout, Debian's python3
    assert "--root-disk" in out and "--overlay-rwdir" not in out
    assert "serial=kmcheckout" in out and "cd /checkout" in out and "/usr/bin/python3 -m pytest" in out


def test_dry_run_with_the_host_root_keeps_the_checkout_path(tmp_path, capsys):
    _cached_kernel(tmp_path)
    assert cli.main(["--dry-run", "--no-host", "--kernels", "6.1", "--cache", str(tmp_path), "--guest-root",
                     "host", "--out", str(tmp_path / "out"), "--accel", "tcg"]) == 0
    out = capsys.readouterr().out
    assert "--root-disk" not in out and f"--overlay-rwdir {CHECKOUT}" in out
    assert f"mount --bind /run/kmhost/.kernels {CHECKOUT}/.kernels" in out  # vng links the modules there


def test_no_checkout_disk_needs_the_host_root(capsys):
    assert cli.main(["--no-host", "--kernels", "6.1", "--no-checkout-disk"]) == 2
    assert "--no-checkout-disk needs --guest-root host" in capsys.readouterr().err


def test_offline_builds_no_guest_root(tmp_path):
    """--offline downloads nothing: a guest root that is not cached is an error naming the way out."""
    with pytest.raises(MatrixError, match="--offline and no guest root cached"):
        guest_root.guest_root_image(tmp_path, sys.executable, offline=True)
    assert not list(tmp_path.iterdir())


def test_checkout_disk_holds_the_tree_without_host_only_directories(tmp_path):
    if not (shutil.which("mke2fs") or shutil.which("mke2fs", path="/sbin:/usr/sbin")):
        pytest.skip("mke2fs (e2fsprogs) is not installed")
    co = tmp_path / "co"
    (co / "src" / "pkg").mkdir(parents=True)
    (co / "src" / "pkg" / "m.py").write_text("x = 1\n")
    (co / ".git").mkdir()
    (co / ".git" / "HEAD").write_text("ref\n")
    (co / "results").mkdir()
    (co / "link").symlink_to("src")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "spec.yaml").write_text("name: x\n")
    (co / ".linux-source").symlink_to(tmp_path / "elsewhere")
    work = tmp_path / "w"
    work.mkdir()
    disk = checkout_disk.build_checkout_disk(co, work, (co / "results",))
    assert disk.host_only == (".git", "results") and disk.checkout == str(co)
    assert not (work / "checkout").exists()  # the staging tree is gone
    listing = subprocess.run(["debugfs", "-R", "ls -p /src/pkg", str(disk.image)], capture_output=True,
                             text=True).stdout
    assert "m.py" in listing
    followed = subprocess.run(["debugfs", "-R", "ls -p /.linux-source", str(disk.image)], capture_output=True,
                              text=True).stdout
    assert "spec.yaml" in followed  # a top-level link's target, which the guest may not see
    git = subprocess.run(["debugfs", "-R", "ls -p /.git", str(disk.image)], capture_output=True, text=True).stdout
    assert "HEAD" not in git  # an empty mount point


def test_prepare_kernel_from_a_path_and_offline(tmp_path):
    img = tmp_path / "boot" / "vmlinuz-6.13.0-foo"
    img.parent.mkdir()
    img.touch()
    assert kernels.prepare_kernel(str(img), tmp_path, None, "amd64", False) == ("6.13.0-foo", img)
    with pytest.raises(MatrixError, match="--offline"):
        kernels.prepare_kernel("6.1.0-57-amd64", tmp_path, None, "amd64", False)
    with pytest.raises(MatrixError, match="none cached"):
        kernels.prepare_kernel("6.1", tmp_path, None, "amd64", False)


def test_run_streaming_logs_apart_and_follows_progress(tmp_path, capsys):
    cmd = ["sh", "-c", "echo '@@kernel-matrix booted 3.5 x'; echo '2 workers [3 items]'; "
                       "echo oops >&2; printf '..s   [3/3]\\n'; "
                       "echo '@@netlink-probe-progress {\"done\": 3, \"total\": 3, \"eta_s\": 0}' >&2; exit 1"]
    rc, counter, secs = progress.run_streaming(cmd, "k", tmp_path / "o.log", tmp_path / "e.log",
                                               timeout=60)
    assert rc == 1 and (counter.done, counter.total, counter.booted_at) == (3, 3, 3.5)
    assert (tmp_path / "e.log").read_text().startswith("oops\n")
    assert "..s   [3/3]" in (tmp_path / "o.log").read_text()
    said = capsys.readouterr().out
    assert "[k] booted" in said and "[k] running" in said


def test_run_streaming_times_out_and_kills_the_group(tmp_path):
    rc, _, secs = progress.run_streaming(["sh", "-c", "sleep 30 & sleep 30"], "k",
                                         tmp_path / "o.log", tmp_path / "e.log", timeout=0.5)
    assert rc is None and secs < 20


def test_junit_files_and_slowdowns(tmp_path):
    (tmp_path / "host-x.junit.xml").write_text(JUNIT)
    (tmp_path / "g.junit.xml").write_text(JUNIT.replace('time="0.5"', 'time="5.0"')
                                          .replace('time="1.25"', 'time="12.5"'))
    assert junit.read_counts(tmp_path / "missing.xml") is None
    results = [{"label": "host-x", "kind": "host", "status": "ran"},
               {"label": "g", "kind": "guest", "status": "ran"},
               {"label": "h", "kind": "guest", "status": "boot-failed"}]
    report.add_slowdowns(results, tmp_path)
    assert results[1]["slowdown"] == 10.0 and "slowdown" not in results[2]
    report.write_summary(tmp_path / "summary.json", results, 12.34, True)
    assert '"total_s": 12.3' in (tmp_path / "summary.json").read_text()


def test_kvm_probe_without_kvm_device(tmp_path, monkeypatch):
    monkeypatch.setattr(vm.os.path, "exists", lambda p: False)
    assert vm.kvm_usable(tmp_path / "vmlinuz", "qemu", tmp_path) is False
    assert vm.choose_accel("tcg", tmp_path / "vmlinuz", tmp_path) == "tcg"


def test_apt_options_stay_private(tmp_path):
    from netlink_probe.matrix.apt import Apt
    opts = Apt(tmp_path, None, None, None).options()
    values = opts[1::2]
    assert "Dir::Etc::SourceList=/dev/null" in values
    assert all(str(tmp_path) in v for v in values if v.startswith("Dir::") and "/dev/null" not in v)
