"""The count stage: exact counts of every n-gram of 1..order units within clauses.

Units get dense ids (1 = most frequent) so that an n-gram packs into one ``uint64`` key (see
:mod:`cikuang._native`). Counting runs over the unit stream block by block; each of ``threads``
threads counts its own part of every block into its own hash table, and the tables are added up
at the end. Memory is bounded: when the tables outgrow their share of ``memory_bytes``, their
entries are partitioned by key hash into files of a spill directory and the tables start afresh;
at the end each spill partition is summed on its own, so the peak is one partition, not the whole
table. Counts are exact either way, and equal.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from . import _hashtable as ht
from ._native import count_bigrams, count_ngrams, count_ngrams_apriori
from .errors import CikuangError

SPILL_PARTS = 32
#: Pairs of the units ranked below this are counted in a dense array (4 MB a thread).
DENSE_UNITS = 1024
_ENTRY = np.dtype([("key", "<u8"), ("count", "<i8")])


def np_mix(keys: np.ndarray) -> np.ndarray:
    """splitmix64 over an array (the same function as the compiled ``mix``)."""
    with np.errstate(over="ignore"):
        z = keys.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


@dataclass
class UnitIds:
    """Dense ids of units: ``ids[code]`` is the id of a unit code, 0 for units left out."""

    ids: np.ndarray  # uint32, indexed by unit code
    codes: np.ndarray  # uint32, codes[id] is the code of id (codes[0] = 0)

    @classmethod
    def by_frequency(cls, unit_counts: np.ndarray, min_count: int = 1) -> "UnitIds":
        """Ids by descending count (ties by code) for the units counted at least ``min_count`` times."""
        present = np.flatnonzero(unit_counts >= max(1, min_count))
        order = np.lexsort((present, -unit_counts[present]))
        codes = np.concatenate(([0], present[order])).astype(np.uint32)
        ids = np.zeros(len(unit_counts), dtype=np.uint32)
        ids[codes[1:]] = np.arange(1, len(codes), dtype=np.uint32)
        return cls(ids, codes)

    def __len__(self) -> int:
        return len(self.codes) - 1

    def map(self, codes: np.ndarray) -> np.ndarray:
        return self.ids[codes]


def no_frequent_unit(min_count: int, what: str) -> CikuangError:
    """The error when every unit is rarer than ``min_count`` (so none gets an id)."""
    return CikuangError(f"no unit occurs {min_count} times; lower --min-count", what)


def bits_for(n_ids: int, order: int) -> int:
    bits = max(1, int(n_ids).bit_length())
    if bits * order > 64:
        raise CikuangError(
            f"{n_ids} distinct units do not fit order {order} in 64-bit keys "
            f"(at most {(1 << (64 // order)) - 1}); raise --min-count or lower --order"
        )
    return bits


@dataclass
class NgramCounts:
    """Counts of n-grams as sorted packed keys (see :mod:`cikuang._native`)."""

    keys: np.ndarray  # uint64, sorted
    counts: np.ndarray  # int64
    order: int
    bits: int

    def lengths(self, keys: np.ndarray | None = None) -> np.ndarray:
        keys = self.keys if keys is None else keys
        out = np.ones(len(keys), dtype=np.int64)
        for m in range(1, self.order):
            out += keys >= (np.uint64(1) << np.uint64(self.bits * m))
        return out

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Counts of ``keys`` (0 for absent keys)."""
        pos = np.searchsorted(self.keys, keys)
        pos = np.minimum(pos, len(self.keys) - 1)
        found = self.keys[pos] == keys
        return np.where(found, self.counts[pos], 0)

    def __len__(self) -> int:
        return len(self.keys)


def split_at_boundaries(ids: np.ndarray, n: int) -> list[np.ndarray]:
    """Up to ``n`` consecutive pieces of a block, each ending with a boundary (0)."""
    if n <= 1 or len(ids) < 1 << 16:
        return [ids]
    cuts = [0]
    for k in range(1, n):
        nxt = np.flatnonzero(ids[len(ids) * k // n :] == 0)
        cut = len(ids) * k // n + int(nxt[0]) + 1 if len(nxt) else len(ids)
        if cut > cuts[-1] and cut < len(ids):
            cuts.append(cut)
    cuts.append(len(ids))
    return [ids[a:b] for a, b in zip(cuts, cuts[1:])]


class NgramCounter:
    """Accumulates n-gram counts block by block within a memory budget."""

    def __init__(self, order: int, bits: int, memory_bytes: int, spill_dir: str, threads: int = 1,
                 min_len: int = 1, frequent: np.ndarray | None = None, frequent_pairs: np.ndarray | None = None):
        """Count lengths ``min_len..order``; with a ``frequent`` table (of keys one unit shorter),
        count only windows of ``order`` units whose two parts are in it (``count_ngrams_apriori``),
        helped by ``frequent_pairs``, the :func:`pair_map` of the frequent pairs."""
        self.order = order
        self.min_len = min_len
        self.bits = bits
        self.frequent = frequent
        self.frequent_pairs = frequent_pairs if frequent_pairs is not None else np.zeros(0, np.uint8)
        self.pairs_k = min(DENSE_UNITS, 1 << bits) if frequent_pairs is not None else 0
        self.threads = max(1, threads)
        # Tables double when they grow, so the budget allows for an old and a new one at once.
        self.table_budget = max(1 << 20, int(memory_bytes * 0.45))
        self.spill_dir = spill_dir
        self.spilled = False
        self.tables = self._new_tables()
        # Pairs of frequent units are counted in small dense arrays (see count_bigrams).
        self.dense_k = min(DENSE_UNITS, 1 << bits) if order == min_len == 2 and frequent is None else 0
        self.dense = [np.zeros(self.dense_k * self.dense_k, dtype=np.uint32) for _ in range(self.threads)]
        self.dense_total = np.zeros(self.dense_k * self.dense_k, dtype=np.int64)
        self._dense_units = 0  # units counted since the uint32 counters were last emptied
        self._pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None

    def _new_tables(self) -> list[tuple[np.ndarray, int]]:
        # Tables start small and grow to what they hold: small tables stay in cache.
        return [(ht.new_table(1 << 16), 0) for _ in range(self.threads)]

    def block_size(self) -> int:
        """Units per block so that one block cannot overshoot the budget much."""
        per_unit = self.order - self.min_len + 1
        return int(min(1 << 22, max(1 << 14, self.table_budget // ht.SLOT_BYTES // per_unit // 2)))

    def add(self, ids: np.ndarray) -> None:
        """Count the windows of one block (dense ids ending with a boundary)."""
        parts = split_at_boundaries(ids, self.threads)

        def run(t):
            tab, size = self.tables[t]
            if self.dense_k:
                return count_bigrams(parts[t], self.bits, self.dense[t], self.dense_k, tab, size)
            if self.frequent is not None:
                return count_ngrams_apriori(parts[t], self.order, self.bits, self.frequent, self.frequent_pairs,
                                            self.pairs_k, tab, size)
            return count_ngrams(parts[t], self.min_len, self.order, self.bits, tab, size)

        if self._pool is None or len(parts) == 1:
            self.tables[0] = run(0)
        else:
            self.tables[: len(parts)] = self._pool.map(run, range(len(parts)))
        if sum(len(tab) for tab, _ in self.tables) // 2 * ht.SLOT_BYTES > self.table_budget:
            self._spill()
        self._dense_units += len(ids)
        if self.dense_k and self._dense_units >= 1 << 31:  # before any uint32 counter can overflow
            self._fold_dense()

    def _fold_dense(self) -> None:
        for d in self.dense:
            self.dense_total += d
            d[:] = 0
        self._dense_units = 0

    def _spill(self) -> None:
        """Append every table's entries to the spill partitions (by key hash) and start afresh."""
        self.spilled = True
        os.makedirs(self.spill_dir, exist_ok=True)
        for tab, _ in self.tables:
            k, v = ht.items(tab)
            part = (np_mix(k) >> np.uint64(20)) % np.uint64(SPILL_PARTS)
            order = np.argsort(part, kind="stable")
            bounds = np.searchsorted(part[order], np.arange(SPILL_PARTS + 1))
            for p in range(SPILL_PARTS):
                sel = order[bounds[p] : bounds[p + 1]]
                if len(sel):
                    rec = np.empty(len(sel), dtype=_ENTRY)
                    rec["key"], rec["count"] = k[sel], v[sel]
                    with open(os.path.join(self.spill_dir, f"part{p:03d}.bin"), "ab") as f:
                        rec.tofile(f)
        self.tables = self._new_tables()

    def partitions(self, min_count: int = 1):
        """Yield (keys, counts) of disjoint parts of the result, each with counts >= min_count."""
        if self._pool is not None:
            self._pool.shutdown()
        if self.dense_k:  # the dense counters hold keys that no table holds
            self._fold_dense()
            counts, self.dense, self.dense_total = self.dense_total, [], None
            pairs = np.flatnonzero(counts >= max(min_count, 1))
            first, second = np.divmod(pairs.astype(np.uint64), np.uint64(self.dense_k))
            yield (first << np.uint64(self.bits)) | second, counts[pairs]
        if not self.spilled:
            tab, _ = ht.merged(self.tables)  # the threads counted different parts of the blocks
            self.tables = []
            k, v = ht.items(tab)
            del tab
            keep = v >= min_count
            yield k[keep], v[keep]
            return
        self._spill()
        self.tables = []
        for p in range(SPILL_PARTS):
            path = os.path.join(self.spill_dir, f"part{p:03d}.bin")
            if not os.path.exists(path):
                continue
            rec = np.fromfile(path, dtype=_ENTRY)
            os.unlink(path)
            tab, _ = ht.add_counts(ht.new_table(int(len(rec) / ht.MAX_LOAD) + 1), 0,
                                   np.ascontiguousarray(rec["key"]), np.ascontiguousarray(rec["count"]))
            del rec
            k, v = ht.items(tab)
            del tab
            keep = v >= min_count
            yield k[keep], v[keep]

    def result(self, min_count: int = 1) -> NgramCounts:
        """All counts >= ``min_count`` as sorted :class:`NgramCounts`."""
        parts = list(self.partitions(min_count))
        keys = np.concatenate([k for k, _ in parts]) if parts else np.zeros(0, np.uint64)
        counts = np.concatenate([v for _, v in parts]) if parts else np.zeros(0, np.int64)
        order = np.argsort(keys)
        return NgramCounts(keys[order], counts[order], self.order, self.bits)


def pair_map(pair_keys: np.ndarray, bits: int) -> np.ndarray:
    """Which pairs of units below DENSE_UNITS are among ``pair_keys``, as ``map[a * k + b]``."""
    k = min(DENSE_UNITS, 1 << bits)
    first, second = pair_keys >> np.uint64(bits), pair_keys & np.uint64((1 << bits) - 1)
    dense = (first < k) & (second < k)
    out = np.zeros(k * k, dtype=np.uint8)
    out[(first[dense] * np.uint64(k) + second[dense]).astype(np.int64)] = 1
    return out


def count_stream(stream, unit_ids: UnitIds, order: int, bits: int, memory: int, work: str, workers: int, progress,
                 min_count: int) -> NgramCounts:
    """Exact counts of the n-grams of 1..order units that occur at least ``min_count`` times.

    With ``min_count`` 1 every n-gram is counted in one pass. Otherwise lengths are counted one
    pass each, a window only when its two parts one unit shorter reached ``min_count`` (Apriori):
    the tables then hold little beyond the n-grams that matter, which is faster and smaller.
    """
    spill = os.path.join(work, "spill")
    if min_count <= 1:
        with progress.bar("counting", total=stream.n_codes, unit="units") as bar:
            return _one_pass(NgramCounter(order, bits, memory, spill, threads=workers), stream, unit_ids, bar, 1)
    # Unigrams: the stream already counted them; rare units have no id.
    keys = [np.arange(1, len(unit_ids) + 1, dtype=np.uint64)]
    vals = [stream.unit_counts[unit_ids.codes[1:]].astype(np.int64)]
    frequent_pairs = None
    with progress.bar("counting", total=stream.n_codes * (order - 1), unit="units") as bar:
        for length in range(2, order + 1):
            frequent = None
            if length > 2:  # every unit with an id is frequent: no check needed for bigrams
                frequent = ht.table_from(keys[-1])
                if frequent_pairs is None:
                    frequent_pairs = pair_map(keys[-1], bits)
            counter = NgramCounter(length, bits, memory, spill, threads=workers, min_len=length,
                                   frequent=frequent, frequent_pairs=frequent_pairs)
            level = _one_pass(counter, stream, unit_ids, bar, min_count)
            if len(level) == 0:
                break
            keys.append(level.keys)
            vals.append(level.counts)
    keys, vals = np.concatenate(keys), np.concatenate(vals)
    order_ = np.argsort(keys)
    return NgramCounts(keys[order_], vals[order_], order, bits)


def _one_pass(counter: NgramCounter, stream, unit_ids: UnitIds, bar, min_count: int) -> NgramCounts:
    """Feed every block of the stream to ``counter``; its counts of at least ``min_count``."""
    for _, ids in stream.id_blocks(unit_ids, counter.block_size()):
        counter.add(ids)
        bar.update(len(ids))
    return counter.result(min_count)
