"""The API reference: every public name has a docstring, and docs/api.md is what scripts/api-docs writes now."""

import ast
import dataclasses
import enum
import functools
import importlib
import importlib.util
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import NamedTuple

import pytest

from netlink_probe import apidoc

REPO = Path(__file__).resolve().parent.parent
MODULES = apidoc.public_modules()
MISSING = apidoc.missing_docstrings(MODULES)


@pytest.mark.parametrize("module", [m.__name__ for m in MODULES])
def test_public_names_have_docstrings(module):
    """The module, each class and function of its __all__ (where it is defined) and their public methods."""
    missing = MISSING.get(module, [])
    assert not missing, f"{module}: no docstring for " + ", ".join(missing)


def test_walk_skips_private_modules_and_main():
    names = {m.__name__ for m in MODULES}
    assert {"netlink_probe", "netlink_probe.codec.message", "netlink_probe.cli", "netlink_probe.matrix.cli"} <= names
    assert not [n for n in names if any(part.startswith("_") for part in n.split("."))]


def test_docs_api_md_is_current():
    """Regenerate with scripts/api-docs when this fails."""
    committed = (REPO / "docs" / "api.md").read_text()
    assert committed == apidoc.render(MODULES), "docs/api.md is stale: run scripts/api-docs"


def test_script_check_mode_agrees():
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "api-docs"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def test_readme_library_example_compiles_and_its_imports_resolve():
    """Running it needs root (it creates a namespace); its names, at least, must exist."""
    readme = (REPO / "README.md").read_text()
    (example,) = re.findall(r"```python\n(.*?)```", readme, re.S)
    tree = ast.parse(example)
    imports = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert imports
    for node in imports:
        module = importlib.import_module(node.module)
        for alias in node.names:
            assert hasattr(module, alias.name) or importlib.util.find_spec(f"{node.module}.{alias.name}"), \
                f"README: from {node.module} import {alias.name}"


# -- the checker itself, on a synthetic module -----------------------------------------------------
def _module(**names):
    m = types.ModuleType("fake_api", "A fake module.")
    for k, v in names.items():
        setattr(m, k, v)
        if hasattr(v, "__module__"):
            try:
                v.__module__ = "fake_api"
            except (AttributeError, TypeError):
                pass
    m.__all__ = list(names)
    return m


class _Base:
    """A base whose method is documented."""

    def run(self):
        """Run it."""


class _Thing(_Base):
    """A thing."""

    def run(self):  # documented by the base's method
        pass

    def go(self):
        pass

    @property
    def size(self):
        return 1

    @functools.cached_property
    def cost(self):
        return 2

    @staticmethod
    def make():
        """Make one."""

    def _private(self):
        pass


def test_checker_counts_generated_and_inherited_class_docs_as_missing():
    @dataclasses.dataclass
    class Point:
        x: int

    class Pair(NamedTuple):
        a: int

    class Failure(OSError):
        pass

    missing = apidoc.missing_docstrings([_module(Point=Point, Pair=Pair, Failure=Failure)])
    assert missing == {"fake_api": ["Point", "Pair", "Failure"]}


def test_checker_lists_undocumented_methods_and_properties_but_not_private_or_overrides():
    def helper():
        pass

    missing = apidoc.missing_docstrings([_module(Thing=_Thing, helper=helper, LIMIT=3)])
    assert missing == {"fake_api": ["Thing.go", "Thing.size", "Thing.cost", "helper"]}


def test_checker_counts_a_reexport_once_where_it_is_defined():
    def shared():
        pass

    home = _module(shared=shared)
    other = types.ModuleType("fake_other", "Re-exports.")
    other.shared, other.__all__ = shared, ["shared"]
    assert apidoc.missing_docstrings([other, home]) == {"fake_api": ["shared"]}


def test_checker_flags_a_module_without_docstring_or_all():
    bare = types.ModuleType("fake_bare")
    assert apidoc.missing_docstrings([bare]) == {"fake_bare": ["(module docstring)", "(no __all__)"]}


def test_render_shows_signatures_bare_annotations_and_escapes_html():
    def scale(x: "int", factor: "float" = 2.0) -> "float":
        """Scale *x* for a <unit>, see `a<b` and ``c<d``.

        Second paragraph, not in the summary."""

    text = apidoc.render([_module(scale=scale)])
    assert "- `scale(x: int, factor: float = 2.0) -> float`: Scale *x* for a \\<unit>, see `a<b` and ``c<d``." in text
    assert "Second paragraph" not in text


def test_render_leaves_out_what_changes_with_the_python_version():
    """Enum call signatures differ per version; type aliases are classes to Python 3.10: data here."""
    class Colour(enum.Enum):
        """Colours."""

        RED = 1

    text = apidoc.render([_module(Colour=Colour, Table=dict[int, str])])
    assert "#### class `Colour`\n" in text
    assert "Data: `Table`" in text
