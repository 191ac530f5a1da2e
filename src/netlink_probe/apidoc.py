"""The public API, walked: which names owe a docstring, and ``docs/api.md`` rendered from them.

The public API is every name in ``__all__`` of every public module (none of its dotted
parts starts with ``_``), and the public methods and properties of the public classes.
``tests/test_api_docs.py`` asserts each has a docstring and that the committed
``docs/api.md`` is what `render` produces now, so the reference never goes stale.

    scripts/api-docs             # rewrites docs/api.md of this checkout
    scripts/api-docs --check     # exit 1 when docs/api.md is stale (what the unit test asserts)
    python3 -m netlink_probe.apidoc --out FILE

It lives in the package, like ``sys/stubgen.py``, so the unit test imports it from the
installed package exactly as it imports everything else.
"""
from __future__ import annotations

import argparse
import enum
import functools
import importlib
import inspect
import pkgutil
import re
import sys
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["GROUPS", "Member", "Name", "Named", "api_names", "docstring", "main", "members",
           "missing_docstrings", "named_objects", "public_modules", "render"]

PACKAGE = "netlink_probe"

# The layers of docs/api.md, bottom up: a title and the modules (with their submodules) it holds.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Package root", (PACKAGE,)),
    ("sys: the cffi binding", ("sys",)),
    ("codec: bytes to messages and back, no I/O", ("codec",)),
    ("transport, socket, dump: I/O and validated answers", ("transport", "socket", "dump", "notification",
                                                             "errors")),
    ("netns, privileges, capabilities: where and as whom", ("netns", "privileges", "capabilities", "rootless")),
    ("rtnl, genl, kernel_info, constants: requests and what the kernel offers", ("rtnl", "genl", "kernel_info",
                                                                              "constants")),
    ("iproute2: ip -j rendering", ("iproute2",)),
    ("cli: the netlink-probe command", ("cli",)),
    ("profile: the observation profile", ("profile",)),
    ("pytest_plugin: the profile's pytest plugin", ("pytest_plugin",)),
    ("matrix: the suite on other kernels", ("matrix",)),
    ("fuzzing: the adversarial battery", ("fuzzing",)),
    ("testing: stand-ins and tooling", ("testing", "apidoc")),
)
_OTHER = "Other modules"
_CODE_OR_LT = re.compile(r"(`+).+?\1|<")  # a code span (`x`, ``x``), kept whole, or a bare "<"
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")  # object reprs in defaults: stable text only


@dataclass(frozen=True)
class Member:
    """A public method or property of a public class."""

    name: str
    kind: str  # "method", "classmethod", "staticmethod" or "property"
    obj: Any  # the function (or the property) as the class defines it
    signature: str  # "(x, y=1) -> int", without self/cls; "" for properties
    doc: str  # as help() shows it: its own or the overridden base method's docstring


@dataclass(frozen=True)
class Name:
    """One name of a module's ``__all__``: its object and where it is documented."""

    module: str  # the public module listing it
    name: str
    obj: Any
    kind: str  # "class", "function" or "data" (constants, tables, instances, submodules are not listed)
    owner: str  # the public module documenting it: where it is defined, else the first to export it


def public_modules(package: str = PACKAGE) -> list[ModuleType]:
    """Every public module of *package*, imported, sorted by name (private ``_x`` and ``__main__`` skipped)."""
    root = importlib.import_module(package)
    found = {package: root}
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            found[info.name] = importlib.import_module(info.name)
    return [found[n] for n in sorted(found)]


def _kind(obj: Any) -> str:
    if typing.get_origin(obj) is not None:  # dict[int, str], Callable[...]: aliases (classes to Python 3.10)
        return "data"
    if inspect.isclass(obj):
        return "class"
    if inspect.isroutine(inspect.unwrap(obj)):
        return "function"
    return "data"


def api_names(modules: Iterable[ModuleType]) -> list[Name]:
    """The ``__all__`` names of *modules*, each class and function owned by exactly one of them."""
    modules = list(modules)
    exports: dict[int, list[str]] = {}  # id(obj) -> the modules listing it, in order
    rows: list[tuple[str, str, Any, str]] = []
    for m in modules:
        for name in getattr(m, "__all__", ()):
            obj = getattr(m, name)
            kind = _kind(obj)
            rows.append((m.__name__, name, obj, kind))
            if kind != "data":
                exports.setdefault(id(obj), []).append(m.__name__)
    out = []
    for module, name, obj, kind in rows:
        owner = module
        if kind != "data":
            listed = exports[id(obj)]
            home = getattr(obj, "__module__", None)
            owner = home if home in listed else listed[0]
        out.append(Name(module, name, obj, kind, owner))
    return out


def docstring(obj: Any) -> str:
    """*obj*'s own docstring, stripped; "" when absent or generated (a dataclass's or namedtuple's signature)."""
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(inspect.unwrap(obj), "__doc__", None)
    doc = inspect.cleandoc(doc) if isinstance(doc, str) else ""
    if inspect.isclass(obj) and doc.startswith(obj.__name__ + "(") and "\n" not in doc:
        return ""
    return doc


class _Text:
    """An annotation kept as its source text: shown bare, not quoted as ``str(Signature)`` would."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _bare(annotation: Any) -> Any:
    return _Text(annotation) if isinstance(annotation, str) else annotation


Named = dict[int, str]  # id(object) -> the public name it has (`named_objects`)


def named_objects(names: Iterable[Name]) -> Named:
    """Public data objects by identity, so a default shows as ``PLAIN``, not ``<...Palette object>``.

    Values of plain types (numbers, strings, tuples, None) are left out: equal ones are shared."""
    plain = (int, float, str, bytes, tuple, frozenset, type(None))
    return {id(n.obj): n.name for n in names if n.kind == "data" and not isinstance(n.obj, plain)
            and not inspect.ismodule(n.obj)}


def _signature(obj: Any, *, drop_first: bool = False, named: Named | None = None) -> str:
    if inspect.isclass(obj) and issubclass(obj, enum.Enum):
        return ""  # EnumType's call signature, which changes with every Python version
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):  # builtins and C types without text signatures
        return ""
    named = named or {}
    params = [p.replace(annotation=_bare(p.annotation),
                        default=_Text(named[id(p.default)]) if id(p.default) in named else p.default)
              for p in list(sig.parameters.values())[1 if drop_first else 0:]]
    sig = sig.replace(parameters=params,
                      return_annotation=(inspect.Signature.empty if inspect.isclass(obj)
                                         else _bare(sig.return_annotation)))
    return _ADDRESS.sub("", str(sig))


def members(cls: type, named: Named | None = None) -> list[Member]:
    """The public methods and properties *cls* defines itself, in definition order (*named*: see `named_objects`)."""
    out = []
    for name, raw in cls.__dict__.items():
        if name.startswith("_"):
            continue
        if isinstance(raw, property):
            out.append(Member(name, "property", raw, "", inspect.getdoc(raw) or ""))
            continue
        if isinstance(raw, staticmethod):
            func, kind, drop = raw.__func__, "staticmethod", False
        elif isinstance(raw, classmethod):
            func, kind, drop = raw.__func__, "classmethod", True
        elif inspect.isfunction(raw):
            func, kind, drop = raw, "method", True
        elif isinstance(raw, functools.cached_property):
            out.append(Member(name, "property", raw, "", inspect.cleandoc(raw.func.__doc__ or "")))
            continue
        else:
            continue  # fields, enum members, nested data
        doc = inspect.getdoc(func) or ""  # an override without its own text shows the base method's
        out.append(Member(name, kind, func, _signature(func, drop_first=drop, named=named), doc))
    return out


def missing_docstrings(modules: Iterable[ModuleType]) -> dict[str, list[str]]:
    """{module: [what lacks a docstring]} over *modules*: the module itself, its classes and functions
    (counted in the module that owns them) and their public methods and properties."""
    modules = list(modules)
    out: dict[str, list[str]] = {m.__name__: [] for m in modules}
    for m in modules:
        if not docstring(m):
            out[m.__name__].append("(module docstring)")
        if not hasattr(m, "__all__"):
            out[m.__name__].append("(no __all__)")
    for n in api_names(modules):
        if n.kind == "data" or n.owner != n.module:
            continue
        if not docstring(n.obj):
            out[n.owner].append(n.name)
        if n.kind == "class":
            out[n.owner].extend(f"{n.name}.{mb.name}" for mb in members(n.obj) if not mb.doc.strip())
    return {k: v for k, v in out.items() if v}


def _summary(doc: str) -> str:
    """The first paragraph as one line, with "<" escaped outside code spans (GitHub would take it for HTML)."""
    line = " ".join(doc.strip().split("\n\n")[0].split())
    return _CODE_OR_LT.sub(lambda m: "\\<" if m.group(0) == "<" else m.group(0), line)


def _group(module: str) -> str:
    rel = module[len(PACKAGE) + 1:] if module != PACKAGE else PACKAGE
    for title, prefixes in GROUPS:
        if any(rel == p or rel.startswith(p + ".") for p in prefixes):
            return title
    return _OTHER


def _anchor(title: str) -> str:
    """GitHub's heading anchor."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _header_constants(module: ModuleType) -> set[str]:
    # constants.__all__ lists whatever the build machine's UAPI headers define: summarised, not listed
    return set(getattr(module, "NAMES", ())) if module.__name__ == f"{PACKAGE}.constants" else set()


def _render_module(m: ModuleType, names: list[Name], named: Named) -> Iterator[str]:
    yield f"### `{m.__name__}`"
    yield ""
    yield _summary(docstring(m)) or "*(no module docstring)*"
    yield ""
    functions = [n for n in names if n.kind == "function" and n.owner == m.__name__]
    classes = [n for n in names if n.kind == "class" and n.owner == m.__name__]
    elsewhere = [n for n in names if n.kind != "data" and n.owner != m.__name__]
    header = _header_constants(m)
    submodules = [n.name for n in names if inspect.ismodule(n.obj) and n.obj.__name__ == f"{m.__name__}.{n.name}"]
    data = [n.name for n in names if n.kind == "data" and n.name not in header and n.name not in submodules]
    if functions:
        for n in functions:
            yield f"- `{n.name}{_signature(n.obj, named=named)}`: {_summary(docstring(n.obj)) or '*(undocumented)*'}"
        yield ""
    for n in classes:
        yield f"#### class `{n.name}{_signature(n.obj, named=named)}`"
        yield ""
        yield _summary(docstring(n.obj)) or "*(undocumented)*"
        yield ""
        listed = members(n.obj, named)
        for mb in listed:
            tag = "" if mb.kind == "method" else f" *({mb.kind})*"
            yield f"- `{mb.name}{mb.signature}`{tag}: {_summary(mb.doc) or '*(undocumented)*'}"
        if listed:
            yield ""
    if data:
        yield "Data: " + ", ".join(f"`{d}`" for d in data)
        yield ""
    if header:
        yield "Data: every constant the installed UAPI headers define (`NAMES`), as an `int`."
        yield ""
    if submodules:
        yield "Submodules: " + ", ".join(f"`{s}`" for s in submodules)
        yield ""
    if elsewhere:
        yield "Re-exported: " + ", ".join(f"`{n.name}` (`{n.owner}`)" for n in elsewhere)
        yield ""


def render(modules: Iterable[ModuleType] | None = None) -> str:
    """docs/api.md: each layer's modules, their classes (with methods) and functions, signature and summary."""
    modules = public_modules() if modules is None else list(modules)
    names = api_names(modules)
    named = named_objects(names)
    by_group: dict[str, list[ModuleType]] = {}
    for m in modules:
        by_group.setdefault(_group(m.__name__), []).append(m)
    titles = [t for t, _ in GROUPS if t in by_group] + ([_OTHER] if _OTHER in by_group else [])
    lines = ["# API reference", "",
             "Generated by `scripts/api-docs` from the docstrings and signatures of the public API: every name",
             "in the `__all__` of a public module, and the public methods of the public classes. Do not edit:",
             "`tests/test_api_docs.py` fails when this file differs from what the script writes.", "",
             "Layers, bottom up: " + " · ".join(f"[{t.split(':')[0]}](#{_anchor(t)})" for t in titles), ""]
    for title in titles:
        lines += [f"## {title}", ""]
        for m in by_group[title]:
            lines += _render_module(m, [n for n in names if n.module == m.__name__], named)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None, *, out: Path | None = None) -> int:
    """Write (or with --check, compare) the reference at --out (default *out*); exit 1 when stale."""
    p = argparse.ArgumentParser(prog="api-docs", description="Write docs/api.md from the public API's docstrings.")
    p.add_argument("--out", type=Path, default=out, required=out is None, help="the file (default: %(default)s)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 when the file is stale")
    args = p.parse_args(argv)
    text = render()
    if args.check:
        if not args.out.exists() or args.out.read_text() != text:
            print(f"{args.out} is stale: run scripts/api-docs", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
