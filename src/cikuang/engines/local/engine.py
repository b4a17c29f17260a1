"""The local engine: the corpus as a unit stream in memory or on local disk, passes in threads,
counts that spill.

``encode`` reads the corpus once into unit codes (:mod:`.stream`), held in memory when they fit
the budget, else in a file in a temporary directory of its own; once the dense ids are known, the
stream mapped to them stays in memory if it fits in a quarter of the memory budget. Every pass
reads the stream in blocks that end at a clause boundary, ``workers`` blocks at a time in threads (the compiled kernels release the GIL),
each thread adding into tables of its own that are summed at the end; n-gram counts go through
:class:`~.counter.NgramCounter`, which spills to disk beyond the budget.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ... import _hashtable as ht
from ..._native import count_fragments
from ...corpus import Corpus
from ...errors import CikuangError
from ...ngrams import NgramCounts, NgramTable, UnitIds, layout_for, sort_order
from ...progress import Progress
from ..base import Apriori, Engine, Fragments, KeptSet, Level, UnitTotals, summed_records
from .counter import NgramCounter, SpillPartitions, Tally, due_to_spill, plan_forecasts
from .stream import UnitStream, default_workers
from .table import SORT_BYTES, sectioned

#: Units per block in the cut passes.
CUT_BLOCK = 1 << 21
#: Occurrence records of long fragments held before they are summed.
_LONG_RECORDS = 1 << 20
#: What a pass takes in flight per unit of a block: ``map_blocks``'s (the refine pass's token
#: arrays and their sorts are the largest, about 85 bytes a unit) and the cut's (its records of
#: long fragments, its table's growth). The workers' blocks in flight may take ``PIECE_SHARE`` of
#: the memory budget: a block is cut (after a clause end) into pieces of at most ``PIECE_SHARE *
#: memory / (workers * bytes a unit)`` units, so that a long line, a small budget or many workers
#: do not mean more memory.
MAP_UNIT_BYTES = 96
CUT_UNIT_BYTES = 48
PIECE_SHARE = 0.2
#: The share of the memory budget that ``count_pairs``'s tables may take before they spill: a
#: table doubles as it grows (the old and the new array at once, three times the old one), every
#: worker's may do so in one piece, and a spill copies a table's entries out (at 0.25, discover
#: --memory 256M on one 200 MB line peaked at 454-462 MB, over the budget's 150 MB allowance).
PAIR_SHARE = 0.15
#: Pieces a worker takes in a pass at least (when they are not below MIN_PIECE): the workers end a
#: pass within a piece of each other, so a pass cut in few large pieces leaves a core idle for one
#: (bench-real, 27 MB, is four blocks of CUT_BLOCK units).
PIECES_PER_WORKER = 8
#: The fewest n-grams a level is scored in parts for (below, one thread is as fast).
SCORE_PART = 1 << 16
#: The smallest piece a block is cut into.
MIN_PIECE = 1 << 15
#: Bytes of a long-fragment record (two hashes, start, length, count).
_RECORD_BYTES = 40


def check_tmp_dir(tmp_dir: str | None) -> str | None:
    """``tmp_dir`` if it is a writable directory (None: the system's), else a one-line error."""
    if tmp_dir is None:
        return None
    if not os.path.exists(tmp_dir):
        raise CikuangError("temporary directory does not exist", tmp_dir)
    if not os.path.isdir(tmp_dir):
        raise CikuangError("temporary directory is not a directory", tmp_dir)
    if not os.access(tmp_dir, os.W_OK | os.X_OK):
        raise CikuangError("temporary directory is not writable", tmp_dir)
    return tmp_dir


def _nbytes(obj) -> int:
    """The bytes of the NumPy arrays a pass's state holds (nested in tuples, lists and dataclasses)."""
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if isinstance(obj, (tuple, list)):
        return sum(_nbytes(x) for x in obj)
    if hasattr(obj, "__dataclass_fields__"):
        return sum(_nbytes(getattr(obj, name)) for name in obj.__dataclass_fields__)
    return 0


def _sorted(parts, order: int, bits: int) -> NgramCounts:
    keys = np.concatenate([k for k, _ in parts]) if parts else layout_for(order, bits).no_keys()
    counts = np.concatenate([v for _, v in parts]) if parts else np.zeros(0, np.int64)
    by_key = sort_order(keys)
    return NgramCounts(keys[by_key], counts[by_key], order, bits)


class LocalEngine(Engine):
    """The recipe's passes on this machine (see the module doc).

    ``workers``: threads (default: all cores); ``memory``: the count tables' budget in bytes;
    ``tmp_dir``: where the unit stream and spill files go (default: the system's; they are
    anonymous files, which the system frees when the process ends however it ends); ``progress``:
    bars on stderr (None: only on a terminal).
    """

    def __init__(self, corpus: Corpus, *, workers: int | None = None, memory: int = 2 << 30, tmp_dir: str | None = None,
                 progress: bool | None = False):
        self.corpus = corpus
        self.name = corpus.name
        self.workers = workers or default_workers()
        self.memory = int(memory)
        self.progress = Progress(enabled=progress)
        self.tmp_dir = check_tmp_dir(tmp_dir)
        self.stream: UnitStream | None = None

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()

    # -- the passes ------------------------------------------------------------------------------

    def encode(self) -> UnitTotals:
        bar = self.progress.bar("reading", total=self.corpus.size_bytes(), unit="B")
        try:
            self.stream = UnitStream.encode(self.corpus, self.tmp_dir, workers=self.workers, progress=bar.update,
                                            memory=self.memory)
        finally:
            bar.close()
        return UnitTotals(self.stream.unit_counts, self.stream.vocab)

    def use_ids(self, unit_ids: UnitIds, order: int, bits: int) -> None:
        self.unit_ids, self.order, self.bits = unit_ids, order, bits
        self.stream.keep_ids(unit_ids, self.memory // 4)  # every later pass reads ids from memory if they fit

    def count_level(self, length: int, min_count: int, apriori: Apriori | None, score) -> Level:
        frequent = ht.table_from(apriori.frequent) if apriori is not None else None
        counter = NgramCounter(length, self.bits, self.memory, self.tmp_dir, threads=self.workers,
                               min_len=length, frequent=frequent,
                               frequent_pairs=apriori.pairs if apriori is not None else None)
        level = self._count(counter, f"counting {length}-grams", min_count)
        return Level(level.keys, level.counts, self._scored(score, level.keys, level.counts))

    def _scored(self, score, keys: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """``score`` of a level in one contiguous part a worker (the look-ups of the parts in
        NumPy, which lets go of the GIL: on 270 MB, 0.63 s in one thread)."""
        if self.workers == 1 or len(keys) < SCORE_PART:
            return score(keys, counts)
        with ThreadPoolExecutor(self.workers) as pool:
            return np.concatenate(list(pool.map(score, np.array_split(keys, self.workers),
                                                np.array_split(counts, self.workers))))

    def count_all(self, order: int):
        """Every n-gram's count: an :class:`NgramTable` if sorting it for the file fits the memory
        budget, else a :class:`~.table.SectionedNgramTable` sorted in sections on disk."""
        counter = NgramCounter(order, self.bits, self.memory, self.tmp_dir, threads=self.workers)
        self._feed(counter, "counting")
        vocab, n_units = self.stream.vocab, self.stream.n_units
        try:
            parts = counter.partitions(1)
            if not counter.spilled:
                parts = list(parts)
                if sum(len(k) for k, _ in parts) * SORT_BYTES <= self.memory:
                    return NgramTable(_sorted(parts, order, self.bits), self.unit_ids, vocab, n_units)
            return sectioned(parts, order, self.bits, self.unit_ids, vocab, n_units, self.memory, self.tmp_dir)
        finally:
            counter.close()

    def _count(self, counter: NgramCounter, label: str, min_count: int) -> NgramCounts:
        """Feed every block of the stream to ``counter``; its counts of at least ``min_count``."""
        self._feed(counter, label)
        try:
            return counter.result(min_count)
        finally:
            counter.close()

    def _feed(self, counter: NgramCounter, label: str) -> None:
        """Every block of the stream counted by ``counter``: each worker counts pieces into its own
        tally as it is free, reading the next while the others count (on 270 MB, reading and
        mapping the stream took 0.5-0.6 s a level, which the workers waited for when the main
        thread read each block for them all), and spills its tally when the counter says so."""
        counter.plan_forecasts(self.stream.n_codes)
        self._blocks(counter.count, label, spill=counter.spill, due=counter.due_to_spill, states=counter.tallies,
                     block_codes=counter.block_size(),
                     piece=self._piece(0, most=counter.block_size() // self.workers))

    def count_fragments(self, kept: KeptSet, min_count: int, with_dropped: bool = False) -> Fragments:
        order, bits = kept.order, kept.bits
        # a worker's records are summed when they pass its share of the budget (and twice those
        # it summed before: each record is summed a bounded number of times)
        held = max(1 << 14, min(_LONG_RECORDS, int(self.memory * PIECE_SHARE) // (self.workers * _RECORD_BYTES)))

        def run(item, state):
            offset, ids = item
            tab, size, records = state if state is not None else (ht.new_table(1 << 16), 0, [])
            tab, size, *long_records = count_fragments(ids, order, bits, kept.table, kept.starts, kept.keys, kept.k,
                                                       tab, size, offset, with_dropped)
            if len(long_records[0]):
                records.append(long_records)
                if sum(len(r[0]) for r in records[1:]) > max(held, 2 * len(records[0][0])):
                    records = [summed_records(records)]
            return tab, size, records

        def fold(states):
            tab, size = ht.merged([(t, s) for t, s, _ in states])
            records = [r for _, _, recs in states for r in recs]
            return tab, size, [summed_records(records)] if len(records) > 1 else records

        states = self._blocks(run, "cutting", fold=fold, share=PIECE_SHARE, piece=self._piece(CUT_UNIT_BYTES))
        tab, _ = ht.merged([(t, s) for t, s, _ in states])
        short_keys, short_counts = ht.items(tab)
        frequent = short_counts >= min_count
        records = [r for _, _, recs in states for r in recs]
        if not records:
            z = np.zeros(0, np.int64)
            return Fragments(short_keys[frequent], short_counts[frequent], z.astype(np.uint64), z.astype(np.uint64), z)
        h1, h2, start, length, n = summed_records(records)
        sel = np.flatnonzero((n >= min_count) & (length > 0))
        drop = np.flatnonzero((n >= min_count) & (length < 0))

        def ids_of(rows):
            return [self.unit_ids.map(self.stream.read(int(start[f]), abs(int(length[f])))) for f in rows.tolist()]

        return Fragments(short_keys[frequent], short_counts[frequent], h1[sel], h2[sel], n[sel], ids_of(sel),
                         n[drop], ids_of(drop))

    def map_blocks(self, fn, total, *args):
        """``total`` of ``fn`` over the blocks (see :class:`~..base.Engine`)."""
        latin = self.stream.vocab.latin

        def add(item, parts):
            # a worker's results wait in a list, added up when they reach half its running total
            # (``total`` adds any number of them): each is added a bounded number of times
            part = fn(item[1], latin, *args)
            if parts is None:
                return [part]
            parts.append(part)
            return [total(parts)] if 2 * _nbytes(parts[1:]) >= _nbytes(parts[0]) else parts

        # the workers' partial results are added up when they outgrow their share of the budget,
        # so that more workers do not mean more memory
        states = self._blocks(add, "refining", codes_only=True, fold=lambda states: [total(sum(states, []))],
                              share=PIECE_SHARE, piece=self._piece(MAP_UNIT_BYTES))
        return total(sum(states, []))

    def count_pairs(self, fn, total, *args, into=None, group_shift: int = 0):
        """The summed tables as (keys, counts) parts (see :class:`~..base.Engine`): each worker adds
        its blocks into its own table (with ``into``, in place). When the workers' tables outgrow
        ``PAIR_SHARE`` of the memory budget, their entries go to spill partitions on disk (by the
        key's bits from ``group_shift`` up) and the tables, emptied in place, are counted into
        again (:class:`~.counter.Tally`); each partition is then summed on its own. Within the
        budget: one part, the tables added into the largest."""
        latin = self.stream.vocab.latin
        share = int(self.memory * PAIR_SHARE)
        store = SpillPartitions(ht.ONE_WORD, share, self.tmp_dir, group_shift, self.workers)
        tallies = [Tally(ht.new_table(1 << 16)) for _ in range(self.workers)]
        plan_forecasts(tallies, ht.ONE_WORD, self.stream.n_codes, share)

        def run(item, tally):
            if into is not None:
                tally.tab, tally.size = into((tally.tab, tally.size), item[1], latin, *args)
            else:
                tally.tab, tally.size = total([(tally.tab, tally.size), fn(item[1], latin, *args)])
            tally.counted(len(item[1]))
            return tally

        try:
            self._blocks(run, "measuring words", codes_only=True, spill=store.spill, states=tallies,
                         due=lambda: due_to_spill(tallies, share), piece=self._piece(MAP_UNIT_BYTES))
            tables = [(t.tab, t.size) for t in tallies]
            tallies.clear()  # (the tables are now only in ``tables``: take_items consumes one)
            if not store.spilled:
                yield ht.take_items(total(tables)[0])
                return
            store.add_tables(tables)
            del tables
            yield from store.summed()
        finally:
            store.close()

    def _piece(self, unit_bytes: int, most: int = CUT_BLOCK) -> int:
        """The most units of a piece of a block (see ``PIECE_SHARE``; ``unit_bytes``, what a pass
        holds in flight per unit, 0 for nothing beyond its tables), and at most a
        ``PIECES_PER_WORKER``-th of a worker's share of the corpus."""
        even = -(-self.stream.n_codes // (self.workers * PIECES_PER_WORKER)) if self.workers > 1 else most
        in_flight = int(self.memory * PIECE_SHARE) // (self.workers * unit_bytes) if unit_bytes else most
        return max(MIN_PIECE, min(most, even, in_flight))

    def _blocks(self, fn, label: str, codes_only: bool = False, fold=None, share: float = 0.45,
                piece: int = CUT_BLOCK, spill=None, due=None, states: list | None = None,
                block_codes: int = CUT_BLOCK) -> list:
        """Apply ``fn(item, state)`` to every block ``item`` of the stream's ``id_blocks`` (cut into
        pieces of at most ``piece`` units; with ``codes_only``, (offset, codes) blocks, not mapped
        to ids) in ``workers`` threads, each with a state of its own; returns the states.

        Each worker takes the next piece as soon as it is done with one (no worker waits for the
        others: pieces take unequal times, the first ones while the tables grow). ``fold(states)
        -> state`` adds states up into one: when the states outgrow ``share`` of the memory budget,
        the worker's state is folded into the states folded before, and so is each other worker's
        when its piece is done, so that the workers' tables, which hold much the same entries, do
        not take the budget once each; or, with ``spill(states)`` (which writes them out), they are
        spilled and start afresh. ``states``: the workers' first states (default None each);
        ``due() -> bool``: when the states are to be spilled, instead of their bytes against the
        share; ``spill`` may return the states to go on with (a table emptied in place).
        """
        workers = self.workers
        share = int(self.memory * share)
        states = list(states) if states is not None else [None] * workers
        folded: list = []  # the states folded so far, as one
        lock = threading.Lock()  # for the pieces, the bar, and the folds
        spilling = threading.Lock()  # for the spills
        spilling_bytes = 0  # what the states being spilled (or waiting to be) hold
        marked: set = set()  # the workers whose states are to be folded or spilled after their piece
        stop = threading.Event()
        jobs = self.stream.piece_jobs(self.unit_ids, block_codes, piece, codes_only)

        def work(w: int, bar) -> None:
            try:
                take_pieces(w, bar)
            except BaseException:
                stop.set()  # (the others end with their piece)
                raise

        def take_pieces(w: int, bar) -> None:
            nonlocal spilling_bytes
            while not stop.is_set():
                with lock:
                    job = next(jobs, None)
                if job is None:
                    return
                item = job()  # (the ids of a piece read from the file are mapped here, outside the lock)
                states[w] = fn(item, states[w])
                with lock:
                    bar.update(len(item[1]))
                    if spill is None and (fold is None or workers == 1):
                        continue
                    if w in marked:  # another worker's states outgrew the share
                        marked.discard(w)
                    elif due() if due is not None else _nbytes(states) + _nbytes(folded) + spilling_bytes > share:
                        # this worker's state goes now, and each other's when its piece is done
                        marked.update(v for v in range(workers) if v != w and states[v] is not None)
                    else:
                        continue
                    state, states[w] = states[w], None
                    if spill is None:
                        folded[:] = [fold(folded + [state])]
                        continue
                    held = _nbytes(state)
                    spilling_bytes += held  # (still held until written: it counts to the share)
                # A spill is written outside the pieces' lock, so that the other workers go on
                # taking pieces meanwhile (on 1 GB, 48 spills of the word list's pairs took 35 s
                # under it); the spills themselves take turns.
                with spilling:
                    again = spill([state])
                del state
                with lock:
                    spilling_bytes -= held
                    if again:
                        states[w] = again[0]

        with self.progress.bar(label, total=self.stream.n_codes, unit="units") as bar, \
                ThreadPoolExecutor(workers) as pool:
            running = [pool.submit(work, w, bar) for w in range(workers)]
            try:
                for r in running:
                    r.result()
            finally:
                stop.set()  # (after an interrupt, the workers end with their piece)
        return [s for s in folded + states if s is not None]
