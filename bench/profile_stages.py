#!/usr/bin/env python3
"""Wall time of each stage of ``cikuang discover`` in one process, to see where the time goes.

Usage: python bench/profile_stages.py CORPUS [--preset kexue2019] [--no-neighbours] [--repeats 2]

The first run includes the cold start of the process (worker pool, page cache); later runs show
the steady state.
"""
from __future__ import annotations

import argparse
import sys
import time

t0 = time.perf_counter()
import cikuang  # noqa: E402
import cikuang.discover  # noqa: E402,F401

IMPORT_S = time.perf_counter() - t0
STAGES = ["encode_corpus", "count_stream", "kept_ngrams", "count_candidate_fragments", "describe_words"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("corpus")
    p.add_argument("--preset", default="kexue2019")
    p.add_argument("--no-neighbours", action="store_true", help="skip the neighbour pass (as --format jieba does)")
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()
    module = sys.modules["cikuang.discover"]
    times: dict[str, float] = {}
    for name in STAGES:
        def timed(*a, _f=getattr(module, name), _n=name, **k):
            t = time.perf_counter()
            try:
                return _f(*a, **k)
            finally:
                times[_n] = time.perf_counter() - t
        setattr(module, name, timed)
    print(f"import cikuang: {IMPORT_S:.3f} s")
    for run in range(1, args.repeats + 1):
        times.clear()
        t = time.perf_counter()
        cikuang.Discoverer(preset=args.preset, neighbours=not args.no_neighbours).fit(args.corpus)
        total = time.perf_counter() - t
        stages = ", ".join(f"{k} {v:.3f}" for k, v in times.items())
        print(f"run {run}: fit {total:.3f} s ({stages})")


if __name__ == "__main__":
    main()
