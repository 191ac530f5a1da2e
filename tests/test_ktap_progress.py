"""KTAP v1 output and machine-readable progress lines of the pytest plugin (--ktap, --progress-lines)."""

import io
import re

import pytest

from netlink_probe.pytest_plugin.ktap import CaseResult, render_ktap
from netlink_probe.pytest_plugin.progress import MARK, ProgressLines, parse_progress_line

pytest_plugins = ["pytester"]

RESULT = re.compile(r"^( *)(ok|not ok) (\d+) ([^#]+?)(?: # (SKIP.*))?$")


def _check_ktap(text):
    """A small KTAP v1 reader: versions, plans, numbering and nesting must hold; returns top results."""
    lines = text.splitlines()
    assert lines[0] == "KTAP version 1"
    stack = [{"plan": None, "next": 1, "indent": ""}]
    tops = []
    for ln in lines[1:]:
        body = ln.lstrip(" ")
        indent = ln[: len(ln) - len(body)]
        if body == "KTAP version 1":
            stack.append({"plan": None, "next": 1, "indent": indent})
            continue
        if body.startswith("#"):
            continue
        m = re.match(r"^1\.\.(\d+)$", body)
        if m:
            assert stack[-1]["indent"] == indent
            stack[-1]["plan"] = int(m.group(1))
            continue
        m = RESULT.match(ln)
        assert m, f"not a KTAP line: {ln!r}"
        if indent != stack[-1]["indent"]:  # the result line that closes a subtest block
            block = stack.pop()
            assert block["next"] - 1 == block["plan"], "subtest plan and result count differ"
        assert indent == stack[-1]["indent"] and int(m.group(3)) == stack[-1]["next"]
        stack[-1]["next"] += 1
        if len(stack) == 1:
            tops.append((m.group(2), m.group(4), m.group(5)))
    assert len(stack) == 1 and stack[0]["next"] - 1 == stack[0]["plan"]
    return tops


def test_ktap_groups_cases_by_module_and_marks_failures_and_skips():
    results = [CaseResult("conformance/test_acks.py::test_a", "passed"),
               CaseResult("conformance/test_acks.py::test_b[x#1]", "failed", diagnostic=("call: assert 1 == 2",)),
               CaseResult("conformance/test_links.py::test_c", "skipped", "needs CONFIG_VETH\nreally"),
               CaseResult("conformance/test_acks.py::test_d", "skipped", "no")]
    text = render_ktap(results, {"kernel": "6.1.0"})
    assert _check_ktap(text) == [("not ok", "acks", None), ("ok", "links", "SKIP all 1 skipped")]
    assert "    not ok 2 test_b[x_1]" in text.splitlines()
    assert "    # call: assert 1 == 2" in text.splitlines()
    assert "    ok 1 test_c # SKIP needs CONFIG_VETH really" in text.splitlines()
    assert "# kernel: 6.1.0" in text.splitlines()


def test_ktap_of_no_results_is_an_empty_plan():
    assert render_ktap([]) == "KTAP version 1\n1..0\n"


def test_progress_lines_give_an_eta_from_the_mean_test_time():
    now = [0.0]
    out = io.StringIO()
    p = ProgressLines(out, every=1.0, clock=lambda: now[0])
    p.set_total(4)
    now[0] = 2.0
    p.finished("a", False)
    p.finished("a", False)  # a second report of the same test does not count
    now[0] = 2.3
    p.finished("c", False)  # throttled: less than a second after the last line
    now[0] = 2.5
    p.finished("b", True)   # a failure is never throttled, and names the test
    p.write(force=True)
    lines = [parse_progress_line(ln) for ln in out.getvalue().splitlines()]
    assert lines[0] == {"done": 0, "total": 4, "failed": 0, "elapsed_s": 0.0, "eta_s": None}
    assert lines[1] == {"done": 1, "total": 4, "failed": 0, "elapsed_s": 2.0, "eta_s": 6}
    assert lines[2] == {"done": 3, "total": 4, "failed": 1, "elapsed_s": 2.5, "eta_s": 1, "failed_test": "b"}
    assert lines[-1] == {"done": 3, "total": 4, "failed": 1, "elapsed_s": 2.5, "eta_s": 1}
    assert len(lines) == 4


@pytest.mark.parametrize("line", ["", "@@netlink-probe-progress", f"{MARK} {{bad", f"{MARK} [1]", "..F [ 3/9]"])
def test_anything_else_is_not_a_progress_line(line):
    assert parse_progress_line(line) is None


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_plugin_writes_ktap_progress_and_a_kernel_named_junit_suite(pytester, workers):
    pytester.makeconftest('pytest_plugins = ["netlink_probe.pytest_plugin"]\n')
    pytester.makepyfile(test_mod="""
import pytest
def test_ok(): pass
def test_bad(): assert 1 == 2, "boom"
def test_skip(): pytest.skip("needs a feature")
""")
    r = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ktap", "out.ktap", "--progress-lines",
                                      "--junitxml", "j.xml", *workers)
    assert r.ret == 1
    text = (pytester.path / "out.ktap").read_text()
    assert _check_ktap(text) == [("not ok", "mod", None)]
    assert "    ok 3 test_skip # SKIP needs a feature" in text or "# SKIP needs a feature" in text
    progress = [parse_progress_line(ln) for ln in r.errlines if ln.startswith(MARK)]
    assert progress[-1]["done"] == 3 and progress[-1]["total"] == 3 and progress[-1]["failed"] == 1
    assert re.search(r'<testsuite name="netlink-probe\.[^"]+"', (pytester.path / "j.xml").read_text())
