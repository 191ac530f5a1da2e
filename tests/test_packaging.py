"""Packaging: what `pip install netlink-probe` pulls in, how pytest finds the plugin, what the sdist holds.

The slow proofs (a plain install on Debian's Python, the sdist built, unpacked, installed and
its tests run) are steps of .ci/run; these are the fast checks of the configuration behind them.
"""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "src" / "netlink_probe"
PLUGIN = "netlink_probe.pytest_plugin"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]

# What the sdist must hold beyond the package for its own tests, docs and scripts to work.
SDIST_DIRS = ("conformance", "tests", "docs", "bench", "scripts", "ci", ".ci")
SDIST_FILES = ("conftest.py", "LICENSE", "README.md", "MANIFEST.in", "Vagrantfile")
BUILD_PRODUCT = re.compile(r"(^|/)__pycache__/|\.py[cod]$|\.so$")


def _third_party_imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, top-level module, guarded by `except ImportError`) of each absolute import."""
    tree = ast.parse(path.read_text(), str(path))
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in node.handlers):
            guarded.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and top != "netlink_probe":
                found.append((node.lineno, top, id(node) in guarded))
    return found


def test_the_core_install_needs_cffi_alone():
    """The client and library import the standard library and cffi only; pytest only in the
    plugin; anything else (argcomplete) only under `except ImportError`."""
    assert [re.split(r"[<>=!~ ;\[]", d)[0] for d in PROJECT["dependencies"]] == ["cffi"]
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for line, top, guarded in _third_party_imports(path):
            if top == "cffi" or guarded or (top == "pytest" and rel.startswith("pytest_plugin/")):
                continue
            wrong.append(f"{rel}:{line} imports {top}")
    assert not wrong, "the core install has only cffi: " + "; ".join(wrong)


def test_extras_name_what_the_tests_and_the_matrix_need():
    extras = {k: {re.split(r"[<>=!~ ;]", d)[0] for d in v}
              for k, v in PROJECT["optional-dependencies"].items()}
    assert extras["conformance"] == {"pytest", "pytest-xdist", "pyroute2", "hypothesis"}
    assert extras["matrix"] == {"virtme-ng"}
    assert {"netlink-probe[conformance,completion]", "mypy"} <= extras["dev"]
    assert extras["test"] == {"netlink-probe[dev]"}  # the old name, kept for existing commands


def test_the_pytest11_entry_point_is_named_like_the_module_the_conftest_loads():
    """Same name both ways: whichever registers the plugin first, pytest skips the other."""
    assert PROJECT["entry-points"]["pytest11"] == {PLUGIN: PLUGIN}
    conftest = ast.parse((REPO / "conftest.py").read_text())
    plugins = [ast.literal_eval(n.value) for n in conftest.body if isinstance(n, ast.Assign)
               and any(isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in n.targets)]
    assert plugins == [[PLUGIN]]


def _pytest_in(directory: Path, *args: str, pythonpath: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (pythonpath, os.environ.get("PYTHONPATH")) if p))
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=directory, env=env, capture_output=True, text=True, timeout=120)


def test_entry_point_and_conftest_together_register_the_plugin_once(tmp_path):
    """An installed entry point (faked here with the pyproject's name) plus a conftest naming the
    module: one registration, --profile works (a differently named entry point raises
    "Plugin already registered under a different name")."""
    dist = tmp_path / "site" / "nlp_entry_point_probe-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: nlp-entry-point-probe\nVersion: 0\n")
    (ep_name, target), = PROJECT["entry-points"]["pytest11"].items()
    (dist / "entry_points.txt").write_text(f"[pytest11]\n{ep_name} = {target}\n")
    (tmp_path / "conftest.py").write_text((REPO / "conftest.py").read_text())
    (tmp_path / "test_one.py").write_text("def test_one(observe):\n    observe('packaging.probe', 1)\n")
    run = _pytest_in(tmp_path, "-q", "--profile", "out.json", pythonpath=str(tmp_path / "site"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "out.json").is_file()


def test_pytest_help_shows_the_plugin_options_wherever_the_package_is_installed(tmp_path):
    """No conftest in tmp_path: --profile comes from the installed distribution's entry point."""
    try:
        installed = metadata.distribution("netlink-probe")
    except metadata.PackageNotFoundError:
        pytest.skip("netlink-probe is not installed here (only on PYTHONPATH): no entry points")
    assert any(ep.group == "pytest11" and ep.value == PLUGIN for ep in installed.entry_points), \
        "the installed metadata has no pytest11 entry point: reinstall (pip install -e .)"
    run = _pytest_in(tmp_path, "--help")
    assert run.returncode == 0, run.stderr
    assert "--profile=PATH" in run.stdout


def test_license_is_an_spdx_expression_with_its_file():
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert (REPO / "LICENSE").read_text().startswith("MIT License\n")
    # setuptools rejects a License :: classifier next to a license expression
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["netlink_probe"]
    assert (PACKAGE / "py.typed").is_file()


def test_the_oldest_python_claimed_is_the_one_mypy_checks_and_classifiers_start_at():
    oldest = re.fullmatch(r">=\s*(3\.\d+)", PROJECT["requires-python"]).group(1)
    assert PYPROJECT["tool"]["mypy"]["python_version"] == oldest
    versions = [c.rsplit(" ", 1)[1] for c in PROJECT["classifiers"]
                if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert versions and versions[0] == oldest, versions
    assert sys.version_info >= tuple(int(x) for x in oldest.split("."))


def _project_files() -> list[str]:
    """The files MANIFEST.in may select: the top level and the directories the sdist ships."""
    files = [p.name for p in REPO.iterdir() if p.is_file()]
    for top in (*SDIST_DIRS, "src"):
        for dirpath, dirnames, filenames in os.walk(REPO / top):
            dirnames[:] = [d for d in dirnames if d not in (".hypothesis", ".pytest_cache")]
            files += [(Path(dirpath) / f).relative_to(REPO).as_posix() for f in filenames]
    return files


def test_the_sdist_template_selects_the_tests_data_docs_and_scripts_and_no_build_products():
    """MANIFEST.in applied to this tree: every file of the directories the sdist's own tests and
    scripts need (tests/data, tests/fuzz_corpus, conformance/support ...) is in, build products
    (bytecode, the compiled binding, the generated constants stub) are out."""
    egg_info = pytest.importorskip("setuptools.command.egg_info",
                                   reason="setuptools applies MANIFEST.in (not in this environment)")
    selected = egg_info.FileList()
    selected.allfiles = _project_files()
    for line in (REPO / "MANIFEST.in").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            selected.process_template_line(line)
    chosen = set(selected.files)
    wanted = {f for f in selected.allfiles if not BUILD_PRODUCT.search(f)
              and (f in SDIST_FILES or f.split("/")[0] in SDIST_DIRS)}
    assert not wanted - chosen, sorted(wanted - chosen)[:10]
    assert not {f for f in chosen if BUILD_PRODUCT.search(f)}
    assert "src/netlink_probe/constants.pyi" not in chosen
    for needed in ("tests/data", "tests/fuzz_corpus", "conformance/support", "scripts/kernel-matrix"):
        assert any(f.startswith(needed) for f in chosen), needed
