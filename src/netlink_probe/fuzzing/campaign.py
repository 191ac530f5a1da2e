"""A long fuzzing run: mutants of the corpus through every target, within a time budget, in one process.

Each mutant goes through every target (an input is one mutant in one target).
A target gets *per_input* seconds of CPU time per input (ITIMER_PROF: a
loaded machine does not make a slow input look hung; the targets do no I/O
that could block): SIGPROF interrupts a Python loop that runs longer, and the
input counts as a hang.  Anything but a value or a
`DecodeError` is an untyped exception; hangs and untyped exceptions are saved
as reproducers (``KIND-TARGET-SHA.bin`` plus a ``.txt`` with the traceback),
one per distinct place, in the findings directory.
"""
from __future__ import annotations

import hashlib
import os
import signal
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import FrameType

from .mutate import Mutator
from .targets import TARGETS, Target, run_target


class Hang(BaseException):
    """Raised by SIGPROF inside a target that overran its time (a BaseException: no `except Exception` eats it)."""


@dataclass
class Counts:
    """What a run saw, per target and in total."""

    inputs: Counter[str] = field(default_factory=Counter)
    decode_errors: Counter[str] = field(default_factory=Counter)
    untyped: Counter[str] = field(default_factory=Counter)
    hangs: Counter[str] = field(default_factory=Counter)
    mutants: int = 0
    seconds: float = 0.0
    slowest: tuple[float, str] = (0.0, "")
    reproducers: list[str] = field(default_factory=list)

    def report(self) -> str:
        """A table of inputs, DecodeErrors, untyped exceptions and hangs per target, with totals."""
        rows = [f"{'target':22} {'inputs':>10} {'DecodeError':>12} {'untyped':>8} {'hangs':>6}"]
        for name in TARGETS:
            rows.append(f"{name:22} {self.inputs[name]:>10,} {self.decode_errors[name]:>12,} "
                        f"{self.untyped[name]:>8,} {self.hangs[name]:>6,}")
        total = (sum(self.inputs.values()), sum(self.decode_errors.values()), sum(self.untyped.values()),
                 sum(self.hangs.values()))
        rows.append(f"{'total':22} {total[0]:>10,} {total[1]:>12,} {total[2]:>8,} {total[3]:>6,}")
        rows.append(f"{self.mutants:,} mutants in {self.seconds:.0f} s; slowest input {self.slowest[0] * 1000:.1f} ms "
                    f"({self.slowest[1]})")
        rows += [f"reproducer: {p}" for p in self.reproducers]
        return "\n".join(rows)


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang()


def _save(findings: str, kind: str, target: str, data: bytes, text: str, seen: set[str], counts: Counts) -> None:
    """A reproducer per distinct (kind, target, place): the bytes and what happened."""
    place = f"{kind}:{target}:{text.strip().splitlines()[-1] if text.strip() else ''}"
    if place in seen:
        return
    seen.add(place)
    os.makedirs(findings, exist_ok=True)
    stem = os.path.join(findings, f"{kind}-{target}-{hashlib.sha1(data).hexdigest()[:12]}")
    with open(stem + ".bin", "wb") as f:
        f.write(data)
    with open(stem + ".txt", "w") as f:
        f.write(f"{kind} in target {target} on {len(data)} bytes ({stem}.bin)\n\n{text}")
    counts.reproducers.append(stem + ".bin")


def run_one(name: str, target: Target, data: bytes, per_input: float, counts: Counts, findings: str,
            seen: set[str]) -> None:
    """One input through one target, counted; a hang or an untyped exception saved as a reproducer."""
    counts.inputs[name] += 1
    signal.setitimer(signal.ITIMER_PROF, per_input)
    t = time.perf_counter()
    try:
        if run_target(target, data) is not None:
            counts.decode_errors[name] += 1
    except Hang:
        counts.hangs[name] += 1
        _save(findings, "hang", name, data, f"longer than {per_input} s of CPU time\n", seen, counts)
    except Exception:
        counts.untyped[name] += 1
        _save(findings, "untyped", name, data, traceback.format_exc(), seen, counts)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    took = time.perf_counter() - t
    if took > counts.slowest[0]:
        counts.slowest = (took, f"{name}, {len(data)} bytes")


def mutants(corpus: dict[str, bytes], seed: int) -> Iterator[bytes]:
    """The corpus entries themselves, then mutants without end."""
    yield from corpus.values()
    mut = Mutator(list(corpus.values()), seed)
    while True:
        yield mut.mutate()


def campaign(corpus: dict[str, bytes], budget: float, findings: str, *, per_input: float = 2.0, seed: int = 0,
             max_mutants: int | None = None, progress: float = 60.0) -> Counts:
    """Fuzz every target for *budget* seconds (or *max_mutants* mutants); the counts."""
    counts, seen = Counts(), set[str]()
    old = signal.signal(signal.SIGPROF, _alarm)
    start = last = time.monotonic()
    try:
        for data in mutants(corpus, seed):
            for name, target in TARGETS.items():
                run_one(name, target, data, per_input, counts, findings, seen)
            counts.mutants += 1
            now = time.monotonic()
            if now - start >= budget or (max_mutants is not None and counts.mutants >= max_mutants):
                break
            if now - last >= progress:
                last = now
                print(f"[{now - start:.0f} s] {counts.mutants:,} mutants, {sum(counts.inputs.values()):,} inputs, "
                      f"{sum(counts.untyped.values())} untyped, {sum(counts.hangs.values())} hangs", flush=True)
    finally:
        signal.signal(signal.SIGPROF, old)
        counts.seconds = time.monotonic() - start
    return counts


__all__ = ["Counts", "Hang", "campaign", "mutants", "run_one"]
