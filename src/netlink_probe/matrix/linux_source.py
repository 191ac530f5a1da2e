"""Debian's kernel source package, fetched and partly extracted into a cache (never vendored here).

    scripts/fetch-linux-source [--cache DIR] [--offline]

`apt-get download linux-source-6.12` runs with the kernel matrix's private apt state (`apt.Apt`,
under CACHE/apt: the host's sources and lists are never read for state nor written), and only
`EXTRACT_PATHS` of the tarball inside the package are unpacked, into CACHE/<package>/:

    tools/net/ynl/                  YNL, the kernel's spec-driven netlink library (lib/ynl.py in 6.12)
    Documentation/netlink/specs/    its YAML specs (rt_link, rt_addr, rt_route; no rt_neigh in 6.12)
    tools/testing/selftests/net/    netlink-dumps.c, rtnetlink.sh, lib/py, ...

The tree is complete when its stamp file exists (written last, after an atomic rename), so an
interrupted run never looks done.  A complete tree is used as is, without apt: the command is
idempotent and works offline once it has run.  The cache is CHECKOUT/.linux-source unless
``$NLP_LINUX_SOURCE`` or ``--cache`` names another.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import CHECKOUT, MatrixError
from .apt import Apt
from .sources import DEFAULT_KEYRING

__all__ = ["CACHE_ENV", "DEFAULT_PACKAGE", "EXTRACT_PATHS", "STAMP", "build_parser", "default_cache",
           "fetch", "main", "source_tree", "tar_members"]

#: The environment variable that overrides the default cache directory.
CACHE_ENV = "NLP_LINUX_SOURCE"
DEFAULT_PACKAGE = "linux-source-6.12"
#: What is extracted from the source tarball (paths relative to the tree's top).
EXTRACT_PATHS = ("tools/net/ynl/", "Documentation/netlink/specs/", "tools/testing/selftests/net/")
#: Written into the tree last: its presence means the extraction finished.
STAMP = ".netlink-probe-extracted.json"


def default_cache() -> Path:
    """$NLP_LINUX_SOURCE, else CHECKOUT/.linux-source."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).resolve() if env else CHECKOUT / ".linux-source"


def source_tree(cache: Path | None = None, package: str = DEFAULT_PACKAGE) -> Path | None:
    """The extracted tree of *package* in *cache* (default: `default_cache`), or None when not complete."""
    tree = (cache or default_cache()) / package
    stamp = tree / STAMP
    if not stamp.is_file():
        return None
    try:
        done = json.loads(stamp.read_text()).get("paths", [])
    except (OSError, ValueError):
        return None
    return tree if set(EXTRACT_PATHS) <= set(done) else None


def tar_members(package: str, paths: tuple[str, ...] = EXTRACT_PATHS) -> list[str]:
    """The tarball member names to extract: 'linux-source-6.12/tools/net/ynl' for each path."""
    return [f"{package}/{p.rstrip('/')}" for p in paths]


def _cached_deb(debs: Path, package: str) -> Path | None:
    found = sorted(debs.glob(f"{package}_*.deb"), key=lambda p: p.stat().st_mtime) if debs.is_dir() else []
    return found[-1] if found else None


def _extract(deb: Path, package: str, tree: Path) -> None:
    """Unpack EXTRACT_PATHS of the .deb's usr/src/<package>.tar.xz into *tree* (via a temporary
    directory renamed at the end; the stamp is written last)."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{package}.", dir=tree.parent))
    try:
        # dpkg-deb streams the data tarball; tar picks the one source tarball out of it
        inner = f"./usr/src/{package}.tar.xz"
        with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE) as p:
            r = subprocess.run(["tar", "-x", "-C", str(tmp), inner], stdin=p.stdout, capture_output=True, text=True)
        if p.returncode != 0 or r.returncode != 0:
            raise MatrixError(f"{deb.name}: no {inner} in the package: {r.stderr.strip()[-500:]}")
        out = tmp / "tree"
        out.mkdir()
        r = subprocess.run(["tar", "-xJf", str(tmp / inner), "-C", str(out), "--strip-components=1",
                            *tar_members(package)], capture_output=True, text=True)
        if r.returncode != 0:
            raise MatrixError(f"extracting {', '.join(EXTRACT_PATHS)} from {inner} failed: {r.stderr.strip()[-500:]}")
        (out / STAMP).write_text(json.dumps({"package": package, "deb": deb.name, "paths": list(EXTRACT_PATHS)},
                                            indent=1) + "\n")
        if tree.exists():
            shutil.rmtree(tree)
        out.rename(tree)
    except OSError as e:
        raise MatrixError(f"extracting {deb.name} failed: {e}") from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def fetch(cache: Path, apt: Apt | None, package: str = DEFAULT_PACKAGE, refresh: bool = False) -> Path:
    """The extracted tree of *package*: the cached one, else extracted from a cached .deb, else
    downloaded with *apt* (None: offline, a MatrixError when nothing is cached)."""
    tree = source_tree(cache, package)
    if tree is not None and not refresh:
        return tree
    debs = cache / "debs"
    deb = None if refresh else _cached_deb(debs, package)
    if deb is None:
        if apt is None:
            raise MatrixError(f"{package} is not in the cache {cache} and --offline was given")
        apt.setup()
        apt.update(force=refresh)
        deb = apt.download(package, debs)
    cache.mkdir(parents=True, exist_ok=True)
    _extract(deb, package, cache / package)
    done = source_tree(cache, package)
    if done is None:
        raise MatrixError(f"{cache / package}: extraction left no complete tree")
    return done


def build_parser() -> argparse.ArgumentParser:
    """The ``scripts/fetch-linux-source`` options."""
    p = argparse.ArgumentParser(
        prog="fetch-linux-source",
        description=f"Download Debian's kernel source package with a private apt configuration and "
                    f"extract {', '.join(EXTRACT_PATHS)} into a cache; print the tree's path.")
    p.add_argument("--cache", default=None,
                   help=f"cache directory (default: ${CACHE_ENV}, else CHECKOUT/.linux-source)")
    p.add_argument("--package", default=DEFAULT_PACKAGE, help="source package (default: %(default)s)")
    p.add_argument("--offline", action="store_true", help="use only what is cached; no apt")
    p.add_argument("--refresh", action="store_true", help="download and extract again")
    p.add_argument("--mirror", default=None,
                   help="Debian archive URL (default: the one in the host's apt sources)")
    p.add_argument("--security-mirror", default=None, help="Debian security archive URL")
    p.add_argument("--keyring", default=None, help=f"archive keyring (default: {DEFAULT_KEYRING})")
    return p


def main(argv: list[str] | None = None) -> int:
    """Fetch (or find) the tree and print its path; 0 on success, 1 when it cannot be had, 2 on bad use."""
    args = build_parser().parse_args(argv)
    cache = Path(args.cache).resolve() if args.cache else default_cache()
    apt = None if args.offline else Apt(cache, args.mirror, args.security_mirror, args.keyring)
    try:
        tree = fetch(cache, apt, args.package, args.refresh)
    except MatrixError as e:
        print(f"fetch-linux-source: {e}", file=sys.stderr)
        return 1
    print(tree)
    return 0
