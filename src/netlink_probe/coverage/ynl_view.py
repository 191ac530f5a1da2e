"""YNL, the kernel's spec-driven netlink decoder, as an attribute tree shaped like `codec.tree.attrs_tree`.

YNL's Python library and its rt_* specs come from Debian's linux-source package
(`matrix.linux_source`, never vendored).  YNL decodes a whole attribute set into
{name: value}; to compare attribute by attribute this module walks the bytes with
YNL's own parser (``NlAttrs``) and asks YNL to decode one attribute at a time
(``YnlFamily._decode`` of that attribute alone), opening nests and sub-messages as
YNL's spec says.  Each entry: ``type``, ``name`` (YNL's spec name or None),
``status`` ('typed', 'raw': bytes by YNL's spec, 'unknown': not in the spec,
'error': YNL raised), and ``value`` or ``attrs``.

Message types without a spec in the tree (rt_neigh arrived after 6.12) give None.
"""
from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path
from typing import Any

__all__ = ["SPEC_OF_TYPE", "Ynl", "YnlUnavailable"]

#: rtnetlink message types (NEW/DEL/GET/SET of a family) -> YNL spec file stem.
SPEC_OF_TYPE = {16: "rt_link", 20: "rt_addr", 24: "rt_route", 28: "rt_neigh", 64: "rt_neigh"}
_RAW_BINARY = ("binary", "pad", "unused")


class YnlUnavailable(RuntimeError):
    """The source tree has no YNL library (or it does not load): the message says why."""


def _load_lib(tree: Path) -> Any:
    """YNL's lib package from *tree*, under a private module name (its own is the generic 'lib')."""
    init = tree / "tools" / "net" / "ynl" / "lib" / "__init__.py"
    name = "_netlink_probe_ynl_lib"
    if name in sys.modules:
        return sys.modules[name]
    if not init.is_file():
        raise YnlUnavailable(f"no YNL library at {init.parent}")
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(init.parent)])
    if spec is None or spec.loader is None:
        raise YnlUnavailable(f"cannot load {init}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except Exception as e:  # its imports (yaml) may be missing
        del sys.modules[name]
        raise YnlUnavailable(f"YNL's library does not load: {e!r}") from e
    nlspec: Any = sys.modules.get(name + ".nlspec")
    yaml = getattr(nlspec, "yaml", None)
    if getattr(yaml, "CSafeLoader", None) is not None:
        nlspec.yaml = _LibYaml(yaml)
    return mod


class _LibYaml:
    """What nlspec uses of PyYAML, safe_load, with libyaml's parser: the same documents (same resolver
    and constructor), ten times faster; the pure-Python parser costs a second per process on the host
    and most of a minute in a TCG guest, for five specs."""

    def __init__(self, yaml: Any) -> None:
        self._yaml = yaml

    def safe_load(self, stream: Any) -> Any:
        return self._yaml.load(stream, Loader=self._yaml.CSafeLoader)


class Ynl:
    """The YNL families of a linux-source tree, decoding rtnetlink messages into entry trees."""

    def __init__(self, tree: Path) -> None:
        self.tree = tree
        self.lib = _load_lib(tree)
        self.ynl_mod = sys.modules[self.lib.__name__ + ".ynl"]
        self.specs_dir = tree / "Documentation" / "netlink" / "specs"
        self._families: dict[str, Any] = {}

    def specs(self) -> list[str]:
        """The rt_* spec stems this tree has."""
        return sorted(p.stem for p in self.specs_dir.glob("rt_*.yaml"))

    def family(self, stem: str) -> Any:
        """YNL's YnlFamily of a spec (schema validation off: the schema files are not extracted), or None."""
        if stem not in self._families:
            path = self.specs_dir / f"{stem}.yaml"
            # YnlFamily opens a NETLINK_ROUTE socket in the caller's namespace; it sends nothing
            self._families[stem] = self.lib.YnlFamily(str(path), schema="", process_unknown=True) \
                if path.is_file() else None
        return self._families[stem]

    def decode(self, raw: bytes) -> dict[str, Any] | None:
        """One raw message: {'spec', 'header' (fixed header fields in order), 'attrs'}; None without a spec."""
        nl_type = struct.unpack_from("=H", raw, 4)[0]
        stem = SPEC_OF_TYPE.get(16 + ((nl_type - 16) & ~3)) if nl_type >= 16 else None
        fam = self.family(stem) if stem else None
        if fam is None:
            return None
        op = fam.rsp_by_value.get(nl_type) or fam.req_by_value.get(nl_type)
        if op is None:  # e.g. a DEL or SET: same layout as the family's GET reply
            op = next(iter(fam.ops.values()))
        size = fam._struct_size(op.fixed_header)
        payload = raw[16:struct.unpack_from("=I", raw, 0)[0]]
        header = self._header(fam, payload, op.fixed_header) if op.fixed_header else []
        attrs = list(self.ynl_mod.NlAttrs(payload, size))
        return {"spec": stem, "header": header, "attrs": self._tree(fam, attrs, op.attr_set.name, None)}

    def _header(self, fam: Any, payload: bytes, name: str) -> list[Any]:
        """The fixed header's fields as numbers, in order (YNL's struct reader without its enum names)."""
        out, off = [], 0
        for m in fam.consts[name].members:
            if m.type == "pad":
                off += m.len
                continue
            fmt = self.ynl_mod.NlAttr.get_format(m.type, m.byte_order)
            out.append(fmt.unpack_from(payload, off)[0])
            off += fmt.size
        return out

    def _tree(self, fam: Any, attrs: list[Any], space: str | None, outer: Any) -> list[dict[str, Any]]:
        aset = fam.attr_sets.get(space) if space else None
        if aset is None:
            return [self._unknown(fam, a) for a in attrs]
        known: dict[str, Any] = {}
        for a in attrs:  # siblings' values, for sub-message selectors (one failing attribute spoils nothing)
            try:
                known.update(fam._decode([a], space, outer))
            except Exception:  # noqa: BLE001 - YNL raises bare Exception
                pass
        search = self.ynl_mod.SpaceAttrs(aset, known, outer)
        return [self._entry(fam, a, aset, space, outer, search) for a in attrs]

    def _unknown(self, fam: Any, a: Any) -> dict[str, Any]:
        e: dict[str, Any] = {"type": a.type, "name": None, "status": "unknown", "len": len(a.raw)}
        if a.is_nest:
            e["attrs"] = [self._unknown(fam, c) for c in self.ynl_mod.NlAttrs(a.raw)]
        return e

    def _entry(self, fam: Any, a: Any, aset: Any, space: str | None, outer: Any, search: Any) -> dict[str, Any]:
        spec = aset.attrs_by_val.get(a.type)
        if spec is None:
            return self._unknown(fam, a)
        e: dict[str, Any] = {"type": a.type, "name": spec.name, "status": "typed", "len": len(a.raw)}
        t = spec["type"]
        try:
            if t == "nest":
                e["attrs"] = self._tree(fam, list(self.ynl_mod.NlAttrs(a.raw)), spec["nested-attributes"], search)
            elif t == "sub-message":
                fmt = fam._resolve_selector(spec, search)
                off = fam._struct_size(fmt.fixed_header) if fmt.fixed_header else 0
                e["attrs"] = self._tree(fam, list(self.ynl_mod.NlAttrs(a.raw, off)), fmt.attr_set, search)
            elif t == "indexed-array" and spec.get("sub-type") == "nest":
                e["attrs"] = [{"type": c.type, "name": f"[{c.type}]", "status": "typed", "len": len(c.raw),
                               "attrs": self._tree(fam, list(self.ynl_mod.NlAttrs(c.raw)),
                                                   spec["nested-attributes"], search)}
                              for c in self.ynl_mod.NlAttrs(a.raw)]
            elif t in _RAW_BINARY and not (spec.struct_name or spec.sub_type or spec.display_hint
                                           not in (None, "hex")):
                e["status"] = "raw"
                e["value"] = bytes(a.raw)
            elif t in self.ynl_mod.NlAttr.type_formats and "enum" in spec:
                e["value"] = a.as_scalar(t, spec.byte_order)  # the number; YNL's enum name beside it
                e["enum"] = fam._decode([a], space, outer)[spec.name]
            else:
                v = fam._decode([a], space, outer)[spec.name]
                e["value"] = v[0] if spec.is_multi and isinstance(v, list) and len(v) == 1 else v
        except Exception as ex:  # noqa: BLE001 - YNL raises bare Exception for what its spec cannot read
            e["status"] = "error"
            e["error"] = str(ex)[:200]
            e.pop("attrs", None)
        return e
