#!/usr/bin/env python3
"""Wall time of each pass of ``cikuang discover`` in one process, to see where the time goes.

Usage: python bench/profile_stages.py CORPUS [--preset kexue2019] [--no-neighbours] [--no-refine] [--repeats 2]
       [--workers N]

Every corpus pass the recipe asks of the engine (:mod:`cikuang.engines.base`: encode, count_level
per length, count_fragments, map_blocks, count_pairs) is timed, and so is each step of the recipe
(``cikuang.recipe``: keep_ngrams, candidates, refine, the chains, describe = the word list's
occurrence pass and statuses); a step's time includes the passes it asks for. The first run includes
the cold start of the process (page cache, thread pools); later runs show the steady state.
"""
from __future__ import annotations

import argparse
import time
from collections import defaultdict

t0 = time.perf_counter()
import cikuang  # noqa: E402
from cikuang.engines.local.engine import LocalEngine  # noqa: E402

IMPORT_S = time.perf_counter() - t0
import cikuang.recipe as recipe  # noqa: E402

PASSES = ["encode", "use_ids", "count_level", "count_fragments", "map_blocks", "count_pairs"]
STEPS = ["keep_ngrams", "candidates", "output_lexicon", "refine", "chain_words", "with_list_candidates", "describe"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("corpus")
    p.add_argument("--preset", default=None, help="a preset (default: the default settings)")
    p.add_argument("--no-neighbours", action="store_true", help="skip the neighbour pass (as --format jieba does)")
    p.add_argument("--no-refine", action="store_true")
    p.add_argument("--memory", default="2G")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--workers", type=int, default=None,
                   help="worker threads (default: cikuang's, every core); 1 against the default shows how the passes scale")
    args = p.parse_args()
    from cikuang.allocator import fit_to_budget
    from cikuang.spec import parse_memory

    fit_to_budget(parse_memory(args.memory))  # as the command line sets glibc's allocator for its budget
    times: dict[str, float] = defaultdict(float)
    for name in PASSES:
        def timed(self, *a, _f=getattr(LocalEngine, name), _n=name, **k):
            label = f"{_n}({a[0]})" if _n == "count_level" else _n
            t = time.perf_counter()
            try:
                out = _f(self, *a, **k)
            finally:
                times[label] += time.perf_counter() - t
            return _timed_parts(out, label) if _n == "count_pairs" else out
        setattr(LocalEngine, name, timed)
    steps: dict[str, float] = defaultdict(float)

    def _timed_parts(parts, label):
        """count_pairs gives its parts lazily: the pass runs while they are taken."""
        it = iter(parts)
        while True:
            t = time.perf_counter()
            part = next(it, None)  # (a part is a tuple, never None)
            times[label] += time.perf_counter() - t
            if part is None:
                return
            yield part
    for name in STEPS:
        def timed_step(*a, _f=getattr(recipe, name), _n=name, **k):
            t = time.perf_counter()
            try:
                return _f(*a, **k)
            finally:
                steps[_n] += time.perf_counter() - t
        setattr(recipe, name, timed_step)
    print(f"import cikuang: {IMPORT_S:.3f} s")
    for run in range(1, args.repeats + 1):
        times.clear()
        steps.clear()
        t = time.perf_counter()
        cikuang.Discoverer(preset=args.preset, neighbours=not args.no_neighbours, memory=args.memory,
                           refine=False if args.no_refine else None, workers=args.workers).fit(args.corpus)
        total = time.perf_counter() - t
        rest = total - sum(times.values())
        stages = ", ".join(f"{k} {v:.3f}" for k, v in times.items())
        print(f"run {run}: fit {total:.3f} s ({stages}, recipe {rest:.3f})")
        print("  steps: " + ", ".join(f"{k} {v:.3f}" for k, v in steps.items()))


if __name__ == "__main__":
    main()
