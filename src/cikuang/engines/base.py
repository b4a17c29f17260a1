"""The engine interface: the corpus passes the discovery recipe needs, and the data they exchange.

The recipe (:mod:`cikuang.recipe`) is written once; it asks an engine for a few passes over the
corpus and does everything else itself. An engine owns the corpus and where it lives (a unit
stream on local disk and threads, or cached partitions on a Spark cluster) and implements only:

``encode()``
    read the corpus once; the count of every unit and the names of its Latin runs (:class:`UnitTotals`)
``use_ids(unit_ids, order, bits)``
    the dense ids every later pass packs n-grams with (:mod:`cikuang.ngrams`)
``count_level(length, min_count, apriori, score)``
    the n-grams of ``length`` units counted at least ``min_count`` times; with ``apriori``, only
    windows whose two parts one unit shorter are frequent are counted; ``score(keys, counts)`` is
    applied to the result (whole or in parts) where it lies (:class:`Level`)
``count_all(order)``
    every n-gram of 1..order units, as a table with ``save(path)`` (the ``count`` command)
``count_fragments(kept, min_count, with_dropped)``
    cut the corpus with the kept n-grams and count the candidate fragments (:class:`Fragments`);
    ``with_dropped``: the chains the backtrack rule rejects too, for the word list
``map_blocks(fn, total, *args)``
    ``total`` of ``fn(codes, latin_runs, *args)`` over every block of the corpus in the discovery
    coding (:func:`cikuang.textmodel.encode_units`; ``latin_runs[i]`` names code ``LATIN_BASE + i``)
``count_pairs(fn, total, *args, into, group_shift)``
    the same pass when its total is a (table, size) hash table of counts (:mod:`cikuang._hashtable`),
    as (keys, counts) parts: the keys that share their bits from ``group_shift`` up are in one part.
    One part unless the engine spills (the local engine beyond its budget), so a caller takes the
    parts one at a time (the word list's neighbour pairs: a word's pairs are one part's).
    ``into(acc, codes, latin_runs, *args) -> acc`` is the same as ``total([acc, fn(codes, ...)])``
    (``fn`` alone when ``acc`` is None), which an engine may use instead to add a block into a
    running table in place

Engines never see the spec, the recipe or the estimator, and the recipe never sees a thread, a
file or an RDD. Both engines use the same compiled kernels (:mod:`cikuang._native`) and the same
scorers, so their outputs are the same to the byte.
"""
from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import _hashtable as ht
from ..ngrams import DENSE_UNITS, UnitIds, pair_map
from ..textmodel import UnitVocab


@dataclass
class UnitTotals:
    """What ``encode`` learns: ``counts[code]`` of every unit code, and the names of the Latin runs
    (code ``LATIN_BASE + i`` is ``vocab.latin[i]``)."""

    counts: np.ndarray
    vocab: UnitVocab

    @property
    def n_units(self) -> int:
        """N: the number of unit tokens in the corpus."""
        return int(self.counts.sum())


@dataclass
class Apriori:
    """What ``count_level`` may skip: windows with a part not among ``frequent`` (the sorted keys
    of the frequent n-grams one unit shorter); ``pairs`` is their first level's :func:`pair_map`,
    which answers most look-ups without the hash set."""

    frequent: np.ndarray
    pairs: np.ndarray


@dataclass
class Level:
    """The n-grams of one length counted at least min count times: sorted keys, counts, scores."""

    keys: np.ndarray
    counts: np.ndarray
    scores: np.ndarray


@dataclass
class KeptSet:
    """The kept n-grams as a hash set, which pairs of frequent units they start with, and a bitmap
    of their keys.

    The cut asks at every unit whether kept n-grams start there; for most units the dense map
    answers no without a look-up in the set, and for most of the others the bitmap does (it is in
    the cache where the set is not).
    """

    table: np.ndarray
    starts: np.ndarray  # uint8, starts[a * k + b] for units a, b below k (ngrams.pair_map)
    keys: np.ndarray  # the table's _native.key_bitmap
    k: int
    order: int
    bits: int

    @classmethod
    def of(cls, keys: np.ndarray, lengths: np.ndarray, order: int, bits: int) -> "KeptSet":
        """From packed keys of length >= 2 and their lengths."""
        leading_pairs = keys >> ((lengths - 2) * bits).astype(np.uint64)
        table = ht.table_from(keys)
        return cls(table, pair_map(leading_pairs, bits), ht.key_bitmap(table), min(DENSE_UNITS, 1 << bits), order, bits)


@dataclass
class Fragments:
    """Candidate fragments counted at least min count times.

    Fragments of up to ``order`` units by packed key; longer ones by two independent 64-bit hashes
    of their ids, with the dense ids of one occurrence (``long_ids``) to recover text and cohesion.
    ``dropped_*``: the fragments of three or more units that are no candidate (asked for with
    ``with_dropped``), counted at least min count times, with one occurrence's ids.
    """

    short_keys: np.ndarray
    short_counts: np.ndarray
    long_h1: np.ndarray
    long_h2: np.ndarray
    long_counts: np.ndarray
    long_ids: list = field(default_factory=list)
    dropped_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    dropped_ids: list = field(default_factory=list)  # chains of 3+ units that are no candidate


def summed_records(records: list) -> list[np.ndarray]:
    """Long-fragment records (hash1, hash2, start, length[, count]) of ``count_fragments``, summed
    into one per fragment (by its two hashes), the first start kept; in the order of the hashes.

    The records are sorted by the first hash alone (NumPy's vectorised sort: 8M records in 0.5 s,
    where a sort by both hashes and the start took 3.3 s); a fragment's first start is the least of
    its group. Two fragments that share a first hash but not the second are told apart by the
    sort of both hashes and the start (:func:`_summed_by_lexsort`), the same result."""
    h1, h2, st, ln = (np.concatenate([r[i] for r in records]) for i in range(4))
    n = np.concatenate([r[4] if len(r) > 4 else np.ones(len(r[0]), np.int64) for r in records])
    by = np.argsort(h1)
    h1, h2 = h1[by], h2[by]
    same = h1[1:] == h1[:-1]
    if (same & (h2[1:] != h2[:-1])).any():  # a first hash of two fragments: almost never
        return _summed_by_lexsort(h1, h2, st[by], ln[by], n[by])
    st, ln, n = st[by], ln[by], n[by]
    idx = np.flatnonzero(np.concatenate(([True], ~same))) if len(h1) else np.zeros(0, np.int64)
    if len(idx) == len(h1):  # every fragment once
        return [h1, h2, st, ln, n]
    first = np.minimum.reduceat(st, idx)
    group = np.repeat(np.arange(len(idx)), np.diff(np.append(idx, len(h1))))
    at = idx.copy()
    at_first = np.flatnonzero(st == first[group])  # (a start is one occurrence: once in its group)
    at[group[at_first[::-1]]] = at_first[::-1]  # the lowest such row of each group
    return [h1[idx], h2[idx], first, ln[at], np.add.reduceat(n, idx)]


def _summed_by_lexsort(h1, h2, st, ln, n) -> list[np.ndarray]:
    """:func:`summed_records` of the concatenated columns, by a sort of both hashes and the start."""
    by = np.lexsort((st, h2, h1))
    h1, h2, st, ln, n = h1[by], h2[by], st[by], ln[by], n[by]
    first = np.ones(len(h1), dtype=bool)
    first[1:] = (h1[1:] != h1[:-1]) | (h2[1:] != h2[:-1])
    idx = np.flatnonzero(first)
    return [h1[idx], h2[idx], st[idx], ln[idx], np.add.reduceat(n, idx) if len(idx) else n[:0]]


class Engine(abc.ABC):
    """Runs the corpus passes of the recipe (see the module doc). Use it as a context manager:
    ``close`` frees what it holds (temporary files, cached partitions, broadcasts)."""

    #: How errors name the corpus.
    name: str = "<corpus>"

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Free what the engine holds."""

    @abc.abstractmethod
    def encode(self) -> UnitTotals: ...

    @abc.abstractmethod
    def use_ids(self, unit_ids: UnitIds, order: int, bits: int) -> None: ...

    @abc.abstractmethod
    def count_level(self, length: int, min_count: int, apriori: Apriori | None,
                    score: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Level: ...

    @abc.abstractmethod
    def count_all(self, order: int): ...

    @abc.abstractmethod
    def count_fragments(self, kept: KeptSet, min_count: int, with_dropped: bool = False) -> Fragments: ...

    @abc.abstractmethod
    def map_blocks(self, fn: Callable, total: Callable, *args): ...

    def count_pairs(self, fn: Callable, total: Callable, *args, into: Callable | None = None, group_shift: int = 0):
        """(keys, counts) parts of the (table, size) that ``map_blocks`` totals (see the module
        doc); here one part, the whole table, taken in place."""
        yield ht.take_items(self.map_blocks(fn, total, *args)[0])
