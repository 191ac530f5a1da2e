"""``scripts/fuzz``: arguments, the corpus it builds, and the exit status (1 when anything untyped or hung).

    scripts/fuzz --budget 3600 --corpus tests/fuzz_corpus [--findings DIR] [--per-input 5] [--seed N]
    sudo scripts/fuzz --capture tests/fuzz_corpus      # add live dumps of every object kind, then stop
"""
from __future__ import annotations

import argparse
import os
import sys

from . import corpus
from .campaign import campaign

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))  # CHECKOUT/src/netlink_probe/fuzzing
CAPTURED = os.path.join(_REPO, "tests", "data")  # scripts/capture-fixtures' kernel replies


def main(argv: list[str] | None = None) -> int:
    """``scripts/fuzz``: run the battery for --budget seconds; exit 1 when any target misbehaved."""
    ap = argparse.ArgumentParser(prog="scripts/fuzz", description=__doc__.split("\n")[0])
    ap.add_argument("--budget", type=float, default=600.0, help="seconds to run (default 600)")
    ap.add_argument("--corpus", default=os.path.join(_REPO, "tests", "fuzz_corpus"),
                    help="directory of NAME.hex / NAME.bin seeds (default tests/fuzz_corpus); "
                         "tests/data and the crafted cases are always added")
    ap.add_argument("--findings", help="where reproducers go (default CORPUS/../fuzz-findings)")
    ap.add_argument("--per-input", type=float, default=5.0,
                    help="CPU seconds one input may take in one target (default 5: several times the slowest "
                         "128 KiB input)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-mutants", type=int, help="stop after this many mutants (each runs every target)")
    ap.add_argument("--capture", metavar="DIR", help="write live dumps of every object kind to DIR (root) and stop")
    args = ap.parse_args(argv)
    if args.capture:
        corpus.write(args.capture, corpus.capture_live())
        print(f"wrote {len(os.listdir(args.capture))} files to {args.capture}")
        return 0
    if args.budget <= 0 or args.per_input <= 0:
        ap.error("--budget and --per-input must be positive")
    seeds = {**corpus.crafted()}
    for d in (CAPTURED, args.corpus):
        if os.path.isdir(d):
            seeds.update({f"{os.path.basename(d)}/{k}": v for k, v in corpus.load(d).items()})
    names_by_input = {v: k for k, v in seeds.items()}  # each distinct input once
    seeds = {k: v for v, k in names_by_input.items()}
    findings = args.findings or os.path.join(os.path.dirname(os.path.abspath(args.corpus)), "fuzz-findings")
    print(f"{len(seeds)} corpus entries; budget {args.budget:.0f} s; reproducers to {findings}", flush=True)
    counts = campaign(seeds, args.budget, findings, per_input=args.per_input, seed=args.seed,
                               max_mutants=args.max_mutants)
    print(counts.report())
    return 1 if sum(counts.untyped.values()) or sum(counts.hangs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["main"]
