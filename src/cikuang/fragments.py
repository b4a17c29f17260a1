"""The cut stage: fragments of the corpus between the cuts, and their counts.

The corpus is cut between two adjacent units wherever no occurrence of a kept n-gram covers both
(``fragment_end`` in :mod:`cikuang._native`); overlapping kept n-grams chain, so fragments can be
longer than the order. Fragments that can be words are counted: 1 or 2 units always, 3..order
units when the fragment is itself a kept n-gram, longer ones when every window of ``order``
units is kept (the backtrack rule, which rejects junctions such as 各项目 = 各项 + 项目).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from . import _hashtable as ht
from ._native import count_fragments
from .counting import DENSE_UNITS, pair_map

#: Units per block in the cut passes.
CUT_BLOCK = 1 << 21
#: Occurrence records of long fragments held before they are summed.
_LONG_RECORDS = 1 << 20


@dataclass
class Fragments:
    """Counts of candidate fragments: short ones by packed key, long ones by two hashes."""

    short_keys: np.ndarray
    short_counts: np.ndarray
    long_h1: np.ndarray
    long_h2: np.ndarray
    long_start: np.ndarray
    long_len: np.ndarray
    long_counts: np.ndarray


@dataclass
class KeptSet:
    """The kept n-grams as a hash set, and which pairs of frequent units they start with.

    The cut asks at every unit whether kept n-grams start there; for most units the dense map
    answers no without a look-up in the set.
    """

    table: np.ndarray
    starts: np.ndarray  # uint8, starts[a * k + b] for units a, b below k (counting.pair_map)
    k: int

    @classmethod
    def of(cls, keys: np.ndarray, lengths: np.ndarray, bits: int) -> "KeptSet":
        """From packed keys of length >= 2 and their lengths."""
        leading_pairs = keys >> ((lengths - 2) * bits).astype(np.uint64)
        return cls(ht.table_from(keys), pair_map(leading_pairs, bits), min(DENSE_UNITS, 1 << bits))


def parallel_blocks(stream, unit_ids, workers, fn, progress, label, with_codes: bool = False):
    """Apply ``fn(item, state)`` to every block ``item`` of ``stream.id_blocks``, ``workers``
    blocks at a time, with one state per worker; returns the states."""
    states = [None] * workers
    with progress.bar(label, total=stream.n_codes, unit="units") as bar, ThreadPoolExecutor(workers) as pool:
        batch = []
        for item in stream.id_blocks(unit_ids, CUT_BLOCK, with_codes):
            batch.append(item)
            if len(batch) == workers:
                states = list(pool.map(fn, batch, states))
                bar.update(sum(len(b[1]) for b in batch))
                batch = []
        if batch:
            states[: len(batch)] = list(pool.map(fn, batch, states[: len(batch)]))
            bar.update(sum(len(b[1]) for b in batch))
    return [s for s in states if s is not None]


def count_candidate_fragments(stream, unit_ids, order: int, bits: int, kept: KeptSet, workers: int,
                              progress) -> Fragments:
    """Cut the unit stream with the ``kept`` n-gram set and count the candidate fragments."""
    def run(item, state):
        offset, ids = item
        tab, size, records = state if state is not None else (ht.new_table(1 << 16), 0, [])
        tab, size, *long_records = count_fragments(ids, order, bits, kept.table, kept.starts, kept.k, tab, size, offset)
        if len(long_records[0]):
            records.append(long_records)
            if sum(len(r[0]) for r in records) > _LONG_RECORDS:
                records = [_summed(records)]
        return tab, size, records

    states = parallel_blocks(stream, unit_ids, workers, run, progress, "cutting")
    tab, _ = ht.merged([(t, s) for t, s, _ in states])
    sk, sv = ht.items(tab)
    records = [r for _, _, recs in states for r in recs]
    if not records:
        z = np.zeros(0, np.int64)
        return Fragments(sk, sv, z.astype(np.uint64), z.astype(np.uint64), z, z, z)
    h1, h2, st, ln, n = _summed(records)
    return Fragments(sk, sv, h1, h2, st, ln, n)


def _summed(records: list) -> list[np.ndarray]:
    """Records (hash1, hash2, start, length[, count]) summed into one per fragment, first start kept."""
    h1, h2, st, ln = (np.concatenate([r[i] for r in records]) for i in range(4))
    n = np.concatenate([r[4] if len(r) > 4 else np.ones(len(r[0]), np.int64) for r in records])
    by = np.lexsort((st, h2, h1))
    h1, h2, st, ln, n = h1[by], h2[by], st[by], ln[by], n[by]
    first = np.ones(len(h1), dtype=bool)
    first[1:] = (h1[1:] != h1[:-1]) | (h2[1:] != h2[:-1])
    idx = np.flatnonzero(first)
    return [h1[idx], h2[idx], st[idx], ln[idx], np.add.reduceat(n, idx) if len(idx) else n[:0]]
