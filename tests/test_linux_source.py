"""Unit tests of netlink_probe.matrix.linux_source (scripts/fetch-linux-source): no root, no network.

A fake source package (a .deb holding usr/src/<package>.tar.xz) stands in for Debian's.
"""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from netlink_probe.matrix import MatrixError, linux_source as LS

PKG = "linux-source-9.9"
needs_dpkg = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb not installed")


def _fake_deb(tmp: Path) -> Path:
    """A .deb whose data holds usr/src/PKG.tar.xz with the extracted paths and a file that must stay out."""
    files = {f"{PKG}/tools/net/ynl/lib/ynl.py": b"# ynl\n",
             f"{PKG}/Documentation/netlink/specs/rt_link.yaml": b"name: rt-link\n",
             f"{PKG}/tools/testing/selftests/net/netlink-dumps.c": b"int main(void){}\n",
             f"{PKG}/net/core/rtnetlink.c": b"/* not extracted */\n"}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    root = tmp / "pkgroot"
    (root / "usr" / "src").mkdir(parents=True)
    (root / "usr" / "src" / f"{PKG}.tar.xz").write_bytes(buf.getvalue())
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN" / "control").write_text(f"Package: {PKG}\nVersion: 9.9.1-1\nArchitecture: all\n"
                                             "Maintainer: t <t@example.org>\nDescription: fake\n")
    deb = tmp / f"{PKG}_9.9.1-1_all.deb"
    subprocess.run(["dpkg-deb", "-Zgzip", "--build", str(root), str(deb)], check=True, capture_output=True)
    return deb


def test_tar_members_are_the_paths_under_the_package_directory():
    assert LS.tar_members("linux-source-6.12") == ["linux-source-6.12/tools/net/ynl",
                                                   "linux-source-6.12/Documentation/netlink/specs",
                                                   "linux-source-6.12/tools/testing/selftests/net"]


def test_default_cache_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(LS.CACHE_ENV, str(tmp_path))
    assert LS.default_cache() == tmp_path.resolve()
    monkeypatch.delenv(LS.CACHE_ENV)
    assert LS.default_cache().name == ".linux-source"


def test_an_empty_or_half_done_cache_has_no_tree(tmp_path):
    assert LS.source_tree(tmp_path, PKG) is None
    (tmp_path / PKG).mkdir()
    assert LS.source_tree(tmp_path, PKG) is None            # no stamp: an interrupted extraction
    (tmp_path / PKG / LS.STAMP).write_text("not json")
    assert LS.source_tree(tmp_path, PKG) is None
    (tmp_path / PKG / LS.STAMP).write_text(json.dumps({"paths": ["tools/net/ynl/"]}))
    assert LS.source_tree(tmp_path, PKG) is None            # fewer paths than asked for


def test_offline_without_a_cache_is_a_matrix_error(tmp_path):
    with pytest.raises(MatrixError, match="offline"):
        LS.fetch(tmp_path, None, PKG)


def test_main_offline_without_a_cache_exits_1(tmp_path, capsys):
    assert LS.main(["--offline", "--cache", str(tmp_path), "--package", PKG]) == 1
    assert "not in the cache" in capsys.readouterr().err


@needs_dpkg
def test_a_cached_deb_is_extracted_offline_and_only_the_named_paths(tmp_path):
    cache = tmp_path / "cache"
    (cache / "debs").mkdir(parents=True)
    shutil.copy(_fake_deb(tmp_path), cache / "debs")
    tree = LS.fetch(cache, None, PKG)
    assert tree == cache / PKG == LS.source_tree(cache, PKG)
    assert (tree / "tools/net/ynl/lib/ynl.py").read_text() == "# ynl\n"
    assert (tree / "Documentation/netlink/specs/rt_link.yaml").exists()
    assert (tree / "tools/testing/selftests/net/netlink-dumps.c").exists()
    assert not (tree / "net").exists()
    assert not list(cache.glob(f".{PKG}.*"))                # the temporary directory is gone


@needs_dpkg
def test_a_complete_tree_is_used_without_apt_or_the_deb(tmp_path, capsys):
    cache = tmp_path / "cache"
    (cache / "debs").mkdir(parents=True)
    deb = Path(shutil.copy(_fake_deb(tmp_path), cache / "debs"))
    LS.fetch(cache, None, PKG)
    deb.unlink()
    assert LS.main(["--offline", "--cache", str(cache), "--package", PKG]) == 0
    assert capsys.readouterr().out.strip() == str(cache / PKG)


@needs_dpkg
def test_a_deb_without_the_source_tarball_is_a_matrix_error(tmp_path):
    root = tmp_path / "r"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(f"Package: {PKG}\nVersion: 1\nArchitecture: all\n"
                                             "Maintainer: t <t@example.org>\nDescription: empty\n")
    (tmp_path / "cache" / "debs").mkdir(parents=True)
    subprocess.run(["dpkg-deb", "--build", str(root), str(tmp_path / "cache" / "debs" / f"{PKG}_1_all.deb")],
                   check=True, capture_output=True)
    with pytest.raises(MatrixError, match="no ./usr/src"):
        LS.fetch(tmp_path / "cache", None, PKG)
    assert LS.source_tree(tmp_path / "cache", PKG) is None
