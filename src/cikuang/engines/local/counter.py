"""The local engine's counter: exact counts of n-grams of unit ids within a memory budget.

Counting runs over the unit stream block by block; each of ``threads``
threads counts its own part of every block into its own hash table, and the tables are added up
at the end. Memory is bounded: when the tables outgrow their share of ``memory_bytes``, their
entries are partitioned by key hash into files of a spill directory and the tables start afresh;
at the end each spill partition is summed on its own, so the peak is one partition, not the whole
table. Counts are exact either way, and equal. ``count``'s wide keys (two words, see
:mod:`cikuang.ngrams`) take the same path in wide tables (:data:`cikuang._hashtable.WIDE`).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ... import _hashtable as ht
from ...errors import CikuangError
from ..._native import count_bigrams, count_ngrams_apriori, spill_records
from ...ngrams import DENSE_UNITS, NgramCounts, layout_for, partition_salt, sort_order
from . import records

SPILL_PARTS = 32  # (a partition's number fits a byte)
#: Slots of a table spilled at a time (at 60 % load, about 300,000 entries: 5 MB of records).
SPILL_CHUNK = 1 << 19
#: Records of a partition file read at a time when it is split again.
RESPLIT_CHUNK = 1 << 20
#: Bytes an entry of a spill file takes while it is summed (the records, a table at 60 % load or
#: less, the summed keys and counts): a file of more entries than the budget allows is split again.
SUM_BYTES = 80
_SPILLING = "spill counts to disk"


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


def _entries(f, layout: ht.Layout) -> int:
    """The records in a spill file (its position left at the start)."""
    f.flush()
    n = f.seek(0, os.SEEK_END) // layout.entry.itemsize
    f.seek(0)
    return n


class SpillPartitions:
    """Counts (key, count) spilled to ``SPILL_PARTS`` anonymous files of ``tmp_dir`` by a hash of
    the key's bits from ``group_shift`` up (so that keys which share them, a word's neighbour pairs,
    land in one file), and summed one file at a time: the peak is one partition, not the whole
    table. A file too large to sum within ``table_budget`` is split again by an independent hash."""

    def __init__(self, layout: ht.Layout, table_budget: int, tmp_dir: str | None, group_shift: int = 0,
                 threads: int = 1):
        if group_shift and layout.slot_words != 2:
            raise ValueError("a spill by a key's high bits is for one-word keys")
        self.layout = layout
        self.threads = max(1, threads)
        self.table_budget = table_budget
        self.tmp_dir = tmp_dir
        self.group_shift = group_shift
        self._parts: list = [None] * SPILL_PARTS  # the files, made when first needed
        self.spilled = False
        self._spares: list = []  # tables of partitions summed, for the next ones (see _empty_table)
        self._spares_lock = threading.Lock()

    def _by_partition(self, words: np.ndarray, level: int, buffer: np.ndarray):
        """(partition, records) of the entries in ``words`` (a run of a table's slots, or records
        read back, which are slots without gaps), grouped in one compiled pass into ``buffer``
        (``spill_records``: a counting sort, slot order kept within a partition): the partition
        is ``partition_of`` at ``level`` of the key's bits from ``group_shift`` up. The records
        are views of ``buffer``, to be written before it is used again."""
        slot_words = self.layout.slot_words
        ends = spill_records(words, slot_words, self.group_shift, partition_salt(level), SPILL_PARTS, buffer)
        rec = buffer[: int(ends[-1]) * slot_words].view(self.layout.entry)
        start = 0
        for p, end in enumerate(ends.tolist()):
            if end > start:
                yield p, rec[start:end]
            start = end

    def add_tables(self, tables) -> None:
        """Append the entries of (table, size) hash tables (None for a table not made)."""
        self.spilled = True
        step = SPILL_CHUNK * self.layout.slot_words  # (a table's words, a slot's together)
        buffer = np.empty(step, dtype=np.uint64)  # a chunk's records, written out before the next
        for table in tables:
            if table is None:
                continue
            # A run of slots at a time: the arrays of a chunk are a few MB, which the allocator
            # reuses from chunk to chunk, where a whole table's (tens of millions of entries) were
            # fresh memory every spill, paid in page faults (on 1 GB, 8 of level 3's 24 s of CPU
            # were the system's).
            for at in range(0, len(table[0]), step):
                for p, rec in self._by_partition(table[0][at : at + step], 0, buffer):
                    self._write(p, rec)

    def spill(self, tallies: list["Tally"]) -> list["Tally"]:
        """Append these tallies' entries and empty their tables in place, to be counted into
        again (returned). Not for two threads at once (the engine's spills take turns)."""
        self.add_tables([(t.tab, t.size) for t in tallies])
        for t in tallies:
            t.emptied()
        return tallies

    def _write(self, p: int, rec: np.ndarray) -> None:
        try:
            if self._parts[p] is None:
                self._parts[p] = records.anonymous(self.tmp_dir, _SPILLING)
            records.append(self._parts[p], rec, self.tmp_dir, _SPILLING)
        except CikuangError:
            self.close()
            raise

    def close(self) -> None:
        """Close (so free) the files, and the tables kept for reuse."""
        self._spares.clear()
        for i, f in enumerate(self._parts):
            if f is not None:
                f.close()
                self._parts[i] = None

    def summed(self, min_count: int = 1):
        """Yield (keys, counts) of each partition, summed, with counts >= ``min_count``; the files
        are freed as they are read, and the tables kept for reuse when the last is."""
        try:
            yield from self._summed_files(min_count)
        finally:
            self._spares.clear()

    def _summed_files(self, min_count: int):
        files = [f for f in self._parts if f is not None]
        self._parts = [None] * SPILL_PARTS
        if self.threads == 1:
            for f in files:
                yield from self._summed(f, min_count, 1)
            return
        # The partitions small enough are summed ``threads`` at a time, in order, a few ahead of
        # the one taken (on 1 GB, the word list's 32 took 0.15-0.2 s each in one thread while the
        # other core waited); those that the budget allows only alone, alone.
        alone = 2 * self.table_budget // (SUM_BYTES * self.threads)
        pending: list = []

        def taken(keep: int):  # the summed partitions, in order, until ``keep`` are in flight
            while len(pending) > keep:
                yield from pending.pop(0).result()

        with ThreadPoolExecutor(self.threads) as pool:
            try:
                for f in files:
                    if _entries(f, self.layout) > alone:
                        yield from taken(0)
                        yield from self._summed(f, min_count, 1)
                    else:
                        pending.append(pool.submit(lambda f=f: list(self._summed(f, min_count, 1))))
                        yield from taken(self.threads)
                yield from taken(0)
            finally:
                for job in pending:
                    job.cancel()

    def _summed(self, f, min_count: int, level: int):
        n = _entries(f, self.layout)
        if n * SUM_BYTES > 2 * self.table_budget and level < 4:
            parts = [None] * SPILL_PARTS
            buffer = np.empty(RESPLIT_CHUNK * self.layout.slot_words, dtype=np.uint64)
            try:
                while True:
                    rec = records.read(f, self.layout.entry, RESPLIT_CHUNK)
                    if not len(rec):
                        break
                    for q, part in self._by_partition(rec.view(np.uint64), level, buffer):
                        if parts[q] is None:
                            parts[q] = records.anonymous(self.tmp_dir, _SPILLING)
                        records.append(parts[q], part, self.tmp_dir, _SPILLING)
            except BaseException:
                for g in parts:
                    if g is not None:
                        g.close()
                raise
            finally:
                f.close()
            for q, g in enumerate(parts):
                if g is not None:
                    parts[q] = None
                    yield from self._summed(g, min_count, level + 1)
            return
        rec = records.read(f, self.layout.entry)
        f.close()
        tab, _ = self.layout.add_counts(self._empty_table(int(len(rec) / ht.MAX_LOAD) + 1), 0,
                                        np.ascontiguousarray(rec["key"]), np.ascontiguousarray(rec["count"]))
        del rec
        k, v = self.layout.items(tab)
        self._spare(tab)
        del tab
        keep = v >= min_count
        yield k[keep], v[keep]

    def _empty_table(self, capacity: int) -> np.ndarray:
        """An empty table for ``capacity`` slots: one a partition summed before left, emptied, if
        one of that size is spare. The partitions are of much the same size, and a new table is
        fresh memory, zeroed by the system page by page (on 1 GB, 32 tables of 128 MB a pass)."""
        words = ht.table_slots(capacity) * self.layout.slot_words
        with self._spares_lock:
            for i, spare in enumerate(self._spares):
                if len(spare) == words:
                    tab = self._spares.pop(i)
                    break
            else:
                tab = None
        if tab is None:
            return self.layout.new_table(capacity)
        tab.fill(0)
        return tab

    def _spare(self, tab: np.ndarray) -> None:
        """Keep a summed partition's table for the next (one a thread at most)."""
        with self._spares_lock:
            if len(self._spares) < self.threads:
                self._spares.append(tab)


#: How the distinct entries of a pass's table grow with the units counted into it: as a power of
#: them (Heaps' law). On bench-real the occurrence pass's pairs grew 1.54-1.84 times for each
#: doubling of the units (exponents 0.62-0.88).
HEAPS_EXPONENT = 0.75
#: The forecast fills at most this share of a table's load limit: a table that overshoots its limit
#: at the end of a pass doubles once more, for nothing (the forecast is rough, to a quarter or so).
FORECAST_ROOM = 0.8


@dataclass(eq=False)
class Tally:
    """One worker's counts in a pass that spills: its hash table (``tab``, ``size`` entries), what
    the table held at its last spill (``refill``: bytes and entries; None before the first), and,
    in an :class:`NgramCounter`, its dense counters of frequent pairs and the units counted into
    them since they were last emptied. A worker counts into its own tally, and only it does."""

    tab: np.ndarray
    dense: np.ndarray | None = None
    size: int = 0
    dense_units: int = 0
    refill: tuple[int, int] | None = None
    units: int = 0  # units counted into it, for the forecast of its size (see grow_to_forecast)
    forecast: bool = False  # whether its table was sized to the forecast yet
    #: (layout, units it will count in all, most bytes of its table) when its size is to be
    #: forecast after its first piece (see :func:`plan_forecasts`), else None
    plan: tuple | None = None

    def counted(self, n_units: int) -> None:
        """Note ``n_units`` more units counted into the table; after the first, size it to its
        forecast if it has a plan."""
        self.units += n_units
        if self.plan is not None:
            self.grow_to_forecast(*self.plan)

    def grow_to_forecast(self, layout: ht.Layout, units_in_all: int, most_bytes: int) -> None:
        """Size the table, once, for the entries it is forecast to hold when it has counted
        ``units_in_all`` units: its entries so far times the growth of the units to the power
        HEAPS_EXPONENT, in at most ``most_bytes``. A table that doubles from small to that size
        zeroes twice its final memory and rehashes every entry at each doubling: on bench-real, 0.1 s
        of the occurrence pass's 0.47 s."""
        if self.forecast or not self.units or not self.size:
            return
        self.forecast = True
        entries = self.size * (max(units_in_all, self.units) / self.units) ** HEAPS_EXPONENT
        slots = 1 << max(4, int(entries / (ht.MAX_LOAD * FORECAST_ROOM)).bit_length())
        while slots * layout.slot_bytes > most_bytes and slots > 16:
            slots >>= 1
        if slots * layout.slot_bytes > self.tab.nbytes:
            self.tab, self.size = layout.add_counts(layout.new_table(slots), 0, *layout.items(self.tab))

    def emptied(self) -> "Tally":
        """The tally after a spill: its table emptied in place, to be counted into again. Tables grow
        back to the same size before the next spill, and growing them again from small would be
        fresh memory, paid in page faults (on 1 GB, the levels' 9 spills cost 13 s of system time)."""
        self.refill = (self.tab.nbytes, self.size)
        self.tab.fill(0)
        self.size = 0
        return self


def plan_forecasts(tallies: list[Tally], layout: ht.Layout, units: int, budget: int) -> None:
    """Have each of the workers' tallies, which count ``units`` units among them, size its table
    to its forecast after its first piece, in at most half its share of ``budget``."""
    for t in tallies:
        t.plan = (layout, units // len(tallies), budget // (2 * len(tallies)))


def due_to_spill(tallies: list[Tally], budget: int) -> bool:
    """Whether the tallies' tables have outgrown ``budget``: their arrays are larger than it, and,
    for tables emptied by a spill and used again, they have grown since or hold as many entries as
    they held at the spill. (Read while other workers count: a table's size is at most a piece out
    of date.)"""
    tallies = list(tallies)
    held = sum(t.tab.nbytes for t in tallies)
    if held <= budget:
        return False
    if any(t.refill is None for t in tallies):
        return True
    return held > sum(t.refill[0] for t in tallies) or sum(t.size for t in tallies) >= sum(t.refill[1] for t in tallies)


class NgramCounter:
    """Accumulates n-gram counts within a memory budget, in one :class:`Tally` a worker.

    The engine's workers each take pieces of the stream as they are free (``count``), and spill
    their own tally when the counter says the tallies together are due (``due_to_spill``,
    ``spill``); :meth:`add` counts a block on the counter's own threads."""

    def __init__(self, order: int, bits: int, memory_bytes: int, tmp_dir: str | None = None, threads: int = 1,
                 min_len: int = 1, frequent: np.ndarray | None = None, frequent_pairs: np.ndarray | None = None):
        """Count lengths ``min_len..order``; with a ``frequent`` table (of keys one unit shorter),
        count only windows of ``order`` units whose two parts are in it (``count_ngrams_apriori``),
        helped by ``frequent_pairs``, the :func:`pair_map` of the frequent pairs. Spill partitions
        are anonymous temporary files in ``tmp_dir`` (no name: nothing is left if the process dies)."""
        self.order = order
        self.min_len = min_len
        self.bits = bits
        self.frequent = frequent
        self.frequent_pairs = frequent_pairs if frequent_pairs is not None else np.zeros(0, np.uint8)
        self.pairs_k = min(DENSE_UNITS, 1 << bits) if frequent_pairs is not None else 0
        self.threads = max(1, threads)
        # (the Apriori pass counts frequent n-grams only, whose units fit one word: recipe.keyed_units)
        self.layout = layout_for(order, bits) if frequent is None else ht.ONE_WORD
        # Tables double when they grow, so the budget allows for an old and a new one at once.
        self.table_budget = max(1 << 20, int(memory_bytes * 0.45))
        self.tmp_dir = tmp_dir
        self.spill_store = SpillPartitions(self.layout, self.table_budget, tmp_dir, threads=self.threads)
        # Pairs of frequent units are counted in small dense arrays (see count_bigrams).
        self.dense_k = min(DENSE_UNITS, 1 << bits) if order == min_len == 2 and frequent is None else 0
        self.dense_total = np.zeros(self.dense_k * self.dense_k, dtype=np.int64)
        # Tables start small and grow to what they hold: small tables stay in cache.
        self.tallies = [Tally(self.layout.new_table(1 << 16), np.zeros(self.dense_k * self.dense_k, dtype=np.uint32))
                        for _ in range(self.threads)]
        self._lock = threading.Lock()  # for the dense totals
        self._pool = None  # add's threads, made when first needed

    def plan_forecasts(self, units: int) -> None:
        """The stream to come holds ``units`` units: each tally's table is sized to its forecast
        after its first piece (:func:`plan_forecasts`)."""
        plan_forecasts(self.tallies, self.layout, units, self.table_budget)

    def block_size(self) -> int:
        """Units per block so that one block cannot overshoot the budget much."""
        per_unit = self.order - self.min_len + 1
        return int(min(1 << 22, max(1 << 14, self.table_budget // self.layout.slot_bytes // per_unit // 2)))

    def count(self, item: tuple, tally: Tally) -> Tally:
        """Count the windows of one piece ``item`` = (offset, dense ids ending with a boundary) into
        ``tally`` (a worker's own: workers may count at once into different tallies)."""
        ids = item[1]
        if self.dense_k:
            tally.tab, tally.size = count_bigrams(ids, self.bits, tally.dense, self.dense_k, tally.tab, tally.size)
            tally.dense_units += len(ids)
            if tally.dense_units >= 1 << 31:  # before any uint32 counter can overflow
                with self._lock:
                    self._fold_dense(tally)
        elif self.frequent is not None:
            tally.tab, tally.size = count_ngrams_apriori(ids, self.order, self.bits, self.frequent,
                                                         self.frequent_pairs, self.pairs_k, tally.tab, tally.size)
        else:
            tally.tab, tally.size = self.layout.count_ngrams(ids, self.min_len, self.order, self.bits, tally.tab,
                                                             tally.size)
        tally.counted(len(ids))
        return tally

    def add(self, ids: np.ndarray) -> None:
        """Count the windows of one block (dense ids ending with a boundary), split among the
        counter's threads, and spill if due."""
        parts = split_at_boundaries(ids, self.threads)
        if len(parts) == 1:
            self.count((0, parts[0]), self.tallies[0])
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads)
            list(self._pool.map(lambda part, tally: self.count((0, part), tally), parts, self.tallies))
        if self.due_to_spill():
            self.spill(self.tallies)

    def _fold_dense(self, tally: Tally) -> None:
        self.dense_total += tally.dense
        tally.dense[:] = 0
        tally.dense_units = 0

    @property
    def spilled(self) -> bool:
        return self.spill_store.spilled

    def due_to_spill(self) -> bool:
        """Whether the tallies are to be spilled (:func:`due_to_spill`)."""
        return due_to_spill(self.tallies, self.table_budget)

    def spill(self, tallies: list[Tally]) -> list[Tally]:
        """Append these tallies' entries to the spill partitions (by key hash) and empty them in
        place, to be counted into again (returned; :meth:`SpillPartitions.spill`)."""
        return self.spill_store.spill(tallies)

    def close(self) -> None:
        """Close (so free) the spill files."""
        self.spill_store.close()

    def partitions(self, min_count: int = 1):
        """Yield (keys, counts) of disjoint parts of the result, each with counts >= min_count."""
        if self._pool is not None:
            self._pool.shutdown()
        tallies, self.tallies = self.tallies, []
        if self.dense_k:  # the dense counters hold keys that no table holds
            for t in tallies:
                self._fold_dense(t)
                t.dense = None
            counts, self.dense_total = self.dense_total, None
            pairs = np.flatnonzero(counts >= max(min_count, 1))
            first, second = np.divmod(pairs.astype(np.uint64), np.uint64(self.dense_k))
            yield (first << np.uint64(self.bits)) | second, counts[pairs]
        tables = [(t.tab, t.size) for t in tallies]
        del tallies
        if not self.spilled:
            tab, _ = ht.merged(tables, self.layout)  # the workers counted different pieces of the stream
            del tables
            k, v = self.layout.items(tab)
            del tab
            keep = v >= min_count
            yield k[keep], v[keep]
            return
        self.spill_store.add_tables(tables)
        del tables
        yield from self.spill_store.summed(min_count)

    def result(self, min_count: int = 1) -> NgramCounts:
        """All counts >= ``min_count`` as sorted :class:`NgramCounts`."""
        parts = list(self.partitions(min_count))
        keys = np.concatenate([k for k, _ in parts]) if parts else self.layout.no_keys()
        counts = np.concatenate([v for _, v in parts]) if parts else np.zeros(0, np.int64)
        order = sort_order(keys)
        return NgramCounts(keys[order], counts[order], self.order, self.bits)
