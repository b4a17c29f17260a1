#!/usr/bin/env python3
"""What ``count``'s wide keys cost: the same counting, in one-word and in two-word keys, in one run.

``count`` gives every unit an id; when ``order`` ids do not fit 64 bits (more than 65,535 distinct
units at order 4) its keys take two words, in hash tables of three words a slot instead of two
(cikuang.ngrams, engines/local/counter.py). To see the cost on a corpus that fits one word, this
script counts the corpus's id stream twice with the local engine's counter, alternately for
``--repeats`` rounds: with the bits its ids need (one-word keys), and with
``64 // order + 1`` bits a unit (the same ids in wide keys). It checks the two give the same
n-grams with the same counts, and prints the median counting time of each (the stream's ids are
read from memory, so the read and decode are not in it), the ratio, and the entries counted.

Usage:
  python bench/bench_wide_keys.py --corpus /tmp/bench/bench-real.txt --order 4 --repeats 3
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

from cikuang.corpus import Corpus
from cikuang.engines.local.counter import NgramCounter
from cikuang.engines.local.engine import LocalEngine
from cikuang.ngrams import UnitIds, bits_for, key_lengths, unpack
from cikuang.spec import parse_memory


def count_once(engine: LocalEngine, order: int, bits: int, memory: int):
    counter = NgramCounter(order, bits, memory, threads=engine.workers)
    t0 = time.perf_counter()
    for _, ids in engine.stream.id_blocks(engine.unit_ids, counter.block_size()):
        counter.add(ids)
    result = counter.result(1)
    counter.close()
    return time.perf_counter() - t0, counter.spilled, result


def as_ids(result, order: int, bits: int) -> np.ndarray:
    """The n-grams as rows of unit ids (comparable across key layouts), in a canonical order."""
    ids = unpack(result.keys, key_lengths(result.keys, order, result.bits), result.bits, order)
    return ids[np.lexsort(ids.T[::-1])]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--order", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--memory", default="2G")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    memory = parse_memory(args.memory)
    engine = LocalEngine(Corpus.from_inputs([args.corpus]), workers=args.workers, memory=memory)
    units = engine.encode()
    unit_ids = UnitIds.by_frequency(units.counts)
    narrow = bits_for(len(unit_ids), args.order)  # an error if this corpus's keys do not fit one word
    wide = 64 // args.order + 1
    engine.use_ids(unit_ids, args.order, narrow)
    times: dict[str, list[float]] = {"one-word keys": [], "wide keys": []}
    results = {}
    for i in range(args.repeats):
        for label, bits in (("one-word keys", narrow), ("wide keys", wide)):
            t, spilled, result = count_once(engine, args.order, bits, memory)
            times[label].append(t)
            results[label] = (result, bits)
            print(f"round {i + 1}: {label:14} {t:6.2f} s  {len(result):,} n-grams"
                  f"{'  (spilled)' if spilled else ''}", file=sys.stderr)
    (a, bits_a), (b, bits_b) = results["one-word keys"], results["wide keys"]
    same = len(a) == len(b) and np.array_equal(as_ids(a, args.order, bits_a), as_ids(b, args.order, bits_b)) \
        and sorted(a.counts.tolist()) == sorted(b.counts.tolist())
    med = {k: statistics.median(v) for k, v in times.items()}
    size = os.path.getsize(args.corpus) / 1e6
    print(f"corpus: {args.corpus} ({size:.1f} MB), order {args.order}, {len(unit_ids):,} units, "
          f"{args.workers} workers, --memory {args.memory}, {args.repeats} rounds, medians")
    print("| keys | bits a unit | counting s | n-grams |")
    print("|---|---|---|---|")
    print(f"| one word | {bits_a} | {med['one-word keys']:.2f} | {len(a):,} |")
    print(f"| wide, two words | {bits_b} | {med['wide keys']:.2f} | {len(b):,} |")
    print(f"wide / one word: {med['wide keys'] / med['one-word keys']:.2f}x; same n-grams and counts: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
