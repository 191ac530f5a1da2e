"""The cross-kernel report (netlink_probe.report): tables, grids, Markdown and HTML — and the HTML as
headless Chromium renders it."""

import json
import re
import shutil
import subprocess

import pytest

from netlink_probe.report import load_results, render_html, render_markdown
from netlink_probe.report.permgrid import grids, operation_order
from netlink_probe.report.table import MISSING, build_rows

KERNELS = {
    "5.10.0-46-amd64": {"perm.nobody.NETLINK_ROUTE.bind.1": "EPERM", "groups.NETLINK_ROUTE.max": 33,
                        "perm.nobody.NETLINK_ROUTE.socket": "ok", "error.x": "EINVAL"},
    "host-6.18.44": {"perm.nobody.NETLINK_ROUTE.bind.1": "ok", "groups.NETLINK_ROUTE.max": 39,
                     "perm.nobody.NETLINK_ROUTE.socket": "ok", "linkkind.veth": "ok", "error.x": "EINVAL"},
    "7.2.13+deb14-amd64": {"perm.nobody.NETLINK_ROUTE.bind.1": "ok", "groups.NETLINK_ROUTE.max": 41,
                           "perm.nobody.NETLINK_ROUTE.socket": "ok", "error.x": "EINVAL",
                           "perm.root.NETLINK_GENERIC.nlctrl.notify.bind": "ok"},
}


def _results(tmp_path):
    for label, obs in KERNELS.items():
        release = label.removeprefix("host-")
        prof = {"schema": 1, "kernel": {"release": release}, "observations": obs,
                "tests": {"passed": 3, "failed": 0, "skipped": 1},
                "recorded_by": {k: "conformance/test_groups.py::test_max" for k in obs if k.startswith("groups")},
                "test_docs": {"conformance/test_groups.py::test_max": "netlink_setsockopt: the group range"}}
        (tmp_path / f"{label}.profile.json").write_text(json.dumps(prof))
        (tmp_path / f"{label}.junit.xml").write_text(
            f'<testsuites><testsuite name="netlink-probe.{release}"><testcase classname="a" name="t1"/>'
            '<testcase classname="a" name="t2"><skipped message="needs CONFIG_VRF (EOPNOTSUPP)"/></testcase>'
            "</testsuite></testsuites>")
    return load_results(tmp_path)


def test_kernels_are_ordered_by_release_with_counts_and_skip_reasons(tmp_path):
    runs = _results(tmp_path)
    assert [r.name for r in runs] == ["5.10.0-46-amd64", "6.18.44 (host)", "7.2.13+deb14-amd64"]
    assert runs[0].counts == {"passed": 1, "failed": 0, "errors": 0, "skipped": 1}
    assert runs[0].skip_reasons == {"needs CONFIG_VRF (EOPNOTSUPP)": 1}


def test_rows_mark_changed_and_partial_keys_and_name_the_recording_test(tmp_path):
    rows = {r.key: r for r in build_rows(_results(tmp_path))}
    assert rows["groups.NETLINK_ROUTE.max"].changed and rows["groups.NETLINK_ROUTE.max"].values == (33, 39, 41)
    assert rows["groups.NETLINK_ROUTE.max"].doc == "netlink_setsockopt: the group range"
    assert not rows["error.x"].changed and not rows["error.x"].partial
    assert rows["linkkind.veth"].partial and not rows["linkkind.veth"].changed
    assert rows["linkkind.veth"].values[0] is MISSING


def test_markdown_lists_every_changed_key_by_family(tmp_path):
    md = render_markdown(_results(tmp_path))
    assert "**2 changed**" in md
    assert "### groups (1)" in md and "### perm (1)" in md
    assert "| `groups.NETLINK_ROUTE.max` | 33 | 39 | 41 | test_max |" in md
    assert "1 × needs CONFIG_VRF (EOPNOTSUPP)" in md


def test_permission_grids_per_context_and_kernel_in_operation_order(tmp_path):
    g = grids(_results(tmp_path))
    assert [(x.context, x.kernel) for x in g] == [
        ("root", "7.2.13+deb14-amd64"), ("nobody", "5.10.0-46-amd64"), ("nobody", "6.18.44 (host)"),
        ("nobody", "7.2.13+deb14-amd64")]
    assert g[1].cells == {"NETLINK_ROUTE": {"bind.1": "EPERM", "socket": "ok"}}
    ops = ["send_port", "bind.10", "add_membership.2", "bind.2", "socket", "bind.all", "nlctrl.notify.bind"]
    assert sorted(ops, key=operation_order) == ["socket", "bind.2", "bind.10", "bind.all", "add_membership.2",
                                                "nlctrl.notify.bind", "send_port"]


def test_html_escapes_what_the_profiles_hold(tmp_path):
    prof = {"schema": 1, "kernel": {"release": "6.1.0"}, "observations": {"error.x": "<b>x</b>"},
            "recorded_by": {"error.x": "t.py::test_<i>"}, "test_docs": {"t.py::test_<i>": "<script>alert(1)</script>"}}
    (tmp_path / "6.1.0.profile.json").write_text(json.dumps(prof))
    html = render_html(load_results(tmp_path))
    assert "<script>" not in html and "<b>x</b>" not in html and "<i>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "&lt;script&gt;" in html


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (Debian package chromium)")
def test_chromium_renders_the_report_with_every_kernel_the_grid_and_the_changed_rows(tmp_path):
    runs = _results(tmp_path)
    page = tmp_path / "report.html"
    page.write_text(render_html(runs))
    profile_dir = tmp_path / "chromium-profile"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile_dir}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, stdin=subprocess.DEVNULL).stdout
    assert "</html>" in dom, "chromium printed no document"
    kernels_table = re.search(r'<table id="kernels">(.*?)</table>', dom, re.S).group(1)
    assert all(r.name in kernels_table for r in runs)
    assert len(re.findall(r'<tr class="changed"', dom)) >= 2
    assert len(re.findall(r'class="permgrid"', dom)) == 4
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1200,900", page.as_uri()],
                   capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert shot.exists() and shot.stat().st_size > 1000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
