"""The standing adversarial battery: fuzz targets, a structure-aware mutator, the corpus and a long-run driver.

It lives in the package (not under tests/) because two users share it: the
hypothesis properties of ``tests/test_fuzz_*.py``, run on every CI run, and
``scripts/fuzz``, the long run, which must work from a checkout or an
installed package without the tests on its path.  Nothing here needs
hypothesis; the mutator is seeded `random`, so a finding replays from its seed.

- `targets`: every decoding path hostile bytes reach, as functions of one input
- `mutate`: bit flips, length-field corruption, splices, deep nests, repeats, forged error fields
- `corpus`: captured replies, the issue's crafted cases, live captures of every object kind
- `campaign`: the time-boxed run with a per-input time bound, counts and reproducers
- `cli`: ``scripts/fuzz``'s arguments
"""
from .campaign import Counts, campaign
from .corpus import capture_live, crafted, load
from .mutate import Mutator
from .targets import TARGETS, run_target

__all__ = ["TARGETS", "Counts", "Mutator", "campaign", "capture_live", "crafted", "load", "run_target"]
