"""The Spark engine: the recipe's passes with every corpus-sized statistic computed by Spark.

The executors run the local engine's own code on their partitions: the text model
(:func:`cikuang.textmodel.encode_units`) turns records into blocks of unit codes that end at a
clause boundary, and the compiled kernels of :mod:`cikuang._native` do the counting and cutting.
Between the stages, tables are shuffled as NumPy arrays by hash bucket of their key (one record
per map partition and bucket, not one per n-gram; :mod:`.shuffle`) and summed with the same hash
tables. Only small tables reach the driver: unit counts, the frequent n-grams of one length (the
next level's Apriori filter), the candidate fragments, the entropies of the words.

Passes (``P`` buckets, :func:`.session.n_buckets`):

* **encode**: records (lines, texts, a DataFrame column) → blocks of unit codes, cached
  (``MEMORY_AND_DISK``); Han counts are summed as arrays, Latin runs by name. The driver gives Latin
  runs codes in sorted order of their names (the local engine numbers them by first appearance;
  nothing in the output depends on the numbering).
* **count_level**: each partition counts the windows of one length (the Apriori filter is
  broadcast) into one table, whose entries are shuffled to their buckets and summed there; each
  bucket drops the counts below ``min_count`` and runs the level's scorer (broadcast) on the rest.
* **count_fragments**: ``count_fragments`` on every block with the broadcast kept set; short
  fragments summed by key in their bucket, long ones by their two hashes, with the ids of one
  occurrence.
* **map_blocks**: the function and its arguments broadcast, one total a partition, their total on
  the driver.
"""
from __future__ import annotations

import functools
from collections import Counter

import numpy as np

from ... import _hashtable as ht
from ..._native import count_fragments, count_ngrams, count_ngrams_apriori
from ...ngrams import DENSE_UNITS, NgramCounts, NgramTable, UnitIds, layout_for
from ...textmodel import HAN_END, LATIN_BASE, UnitVocab, encode_units
from ..base import Apriori, Engine, Fragments, KeptSet, Level, UnitTotals, summed_records
from ...sources import warn_missing
from .inputs import input_name, records
from .session import get_session, n_buckets, spark_errors
from .shuffle import cached, sum_by_key, summed_buckets, table_items
from .table import SparkNgramTable

#: Characters of records encoded at a time (as the local engine's batches).
BATCH_CHARS = 1 << 20
HAN_CHUNK = 1 << 14


def _spark_pass(method):
    """Spark's errors in a pass as one-line errors naming the corpus."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with spark_errors(self.name):
            return method(self, *args, **kwargs)

    return run


class SparkEngine(Engine):
    """The recipe's passes on Spark (see the module doc). ``inputs``: paths Spark reads, texts, or
    a DataFrame; ``read_options`` as :class:`cikuang.spec.ReadSpec`; ``spark`` a session to use,
    else the active one, else a new one on ``master``."""

    def __init__(self, inputs, read_options: dict, *, spark=None, master: str | None = None, progress=None):
        self.name = input_name(inputs)
        with spark_errors(self.name):
            self.session, self.started_session = get_session(spark, master, progress)
        self.sc = self.session.sparkContext
        self.P = n_buckets(self.session)
        self.inputs = inputs
        self.read_options = read_options
        self._persisted: list = []
        self._kept: tuple | None = None  # (KeptSet, its broadcast)

    def close(self) -> None:
        for rdd_or_broadcast in self._persisted:
            rdd_or_broadcast.unpersist()
        self._persisted = []

    def _broadcast(self, value):
        bc = self.sc.broadcast(value)
        self._persisted.append(bc)
        return bc

    def _broadcast_code(self, value):
        """Broadcast a value that holds user code (a scorer, a block function): pickled by
        cloudpickle, which carries a function of ``__main__`` or of an unimportable module by value
        (a broadcast alone pickles functions by reference); unpickle with :func:`_code_of`."""
        from pyspark import cloudpickle

        return self._broadcast(cloudpickle.dumps(value))

    # -- the passes ------------------------------------------------------------------------------

    @_spark_pass
    def encode(self) -> UnitTotals:
        from pyspark import StorageLevel

        missing = self.sc.accumulator(0)
        rdd = records(self.session, self.inputs, **self.read_options, missing=missing)
        self.blocks = rdd.mapPartitions(_encode_partition).persist(StorageLevel.MEMORY_AND_DISK)
        self._persisted.append(self.blocks)
        got = self.blocks.mapPartitions(_unit_counts).reduceByKey(lambda a, b: a + b).collect()
        warn_missing(missing.value, self.name)  # the null rows of a column (texts are counted on the driver)
        latin = sorted((token, c) for (kind, token), c in got if kind == "latin")
        unit_counts = np.zeros(LATIN_BASE + len(latin), dtype=np.int64)
        for (kind, i), c in got:
            if kind == "han":
                unit_counts[i : i + len(c)] = c
        unit_counts[LATIN_BASE:] = [c for _, c in latin]
        self.vocab = UnitVocab([t for t, _ in latin])
        totals = UnitTotals(unit_counts, self.vocab)
        self.n_units = totals.n_units
        return totals

    def use_ids(self, unit_ids: UnitIds, order: int, bits: int) -> None:
        self.unit_ids, self.order, self.bits = unit_ids, order, bits
        ids = unit_ids.ids
        latin_ids = {t: int(i) for t, i in zip(self.vocab.latin, ids[LATIN_BASE:].tolist()) if i}
        self.ids_bc = self._broadcast((ids[:HAN_END].copy(), latin_ids))

    def _ids_of(self):
        """A function of a block to its dense ids, to run on the executors."""
        bc = self.ids_bc

        def ids_of(codes, latin):
            han_ids, latin_ids = bc.value
            return _to_ids(codes, latin, han_ids, latin_ids)

        return ids_of

    @_spark_pass
    def count_level(self, length: int, min_count: int, apriori: Apriori | None, score) -> Level:
        ids_of, bits, P = self._ids_of(), self.bits, self.P
        score_bc = self._broadcast_code(score)
        apriori_bc = self._broadcast(apriori) if apriori is not None else None

        def count_part(blocks_):
            tab, size = ht.new_table(1 << 16), 0
            if apriori_bc is not None:
                frequent, pairs = cached(apriori_bc, lambda a: (ht.table_from(a.frequent), a.pairs))
                k = min(DENSE_UNITS, 1 << bits)
            for codes, latin in blocks_:
                ids = ids_of(codes, latin)
                if apriori_bc is None:
                    tab, size = count_ngrams(ids, length, length, bits, tab, size)
                else:
                    tab, size = count_ngrams_apriori(ids, length, bits, frequent, pairs, k, tab, size)
            yield from table_items(tab, P)

        def scored(items):
            for _, (keys, counts) in summed_buckets(items, min_count):
                yield keys, counts, _code_of(score_bc)(keys, counts)

        got = self.blocks.mapPartitions(count_part).partitionBy(P, lambda b: b).mapPartitions(scored).collect()
        for bc in (score_bc, apriori_bc):
            if bc is not None:
                bc.unpersist()
        if not got:
            z = np.zeros(0, np.uint64)
            return Level(z, z.astype(np.int64), z.astype(np.float64))
        keys = np.concatenate([g[0] for g in got])
        by_key = np.argsort(keys)
        return Level(keys[by_key], np.concatenate([g[1] for g in got])[by_key],
                     np.concatenate([g[2] for g in got])[by_key])

    @_spark_pass
    def count_all(self, order: int) -> SparkNgramTable:
        from pyspark import StorageLevel

        ids_of, bits, P = self._ids_of(), self.bits, self.P
        names_bc = self.sc.broadcast((self.unit_ids, self.vocab))

        def count_part(blocks_):
            layout = layout_for(order, bits)  # (count's keys take two words past 64 bits)
            tab, size = layout.new_table(1 << 16), 0
            for codes, latin in blocks_:
                tab, size = layout.count_ngrams(ids_of(codes, latin), 1, order, bits, tab, size)
            yield from table_items(tab, P, layout)

        def rows(item):
            _, (keys, counts) = item
            unit_ids, vocab = names_bc.value
            table = NgramTable(NgramCounts(keys, counts, order, bits), unit_ids, vocab, 0)
            lengths = table.counts.lengths()
            return zip(lengths.tolist(), (-counts).tolist(), table.strings().tolist())

        totals = sum_by_key(self.blocks.mapPartitions(count_part), P)
        sorted_rows = totals.flatMap(rows).sortBy(lambda r: r, numPartitions=P)
        sorted_rows.persist(StorageLevel.MEMORY_AND_DISK)
        sorted_rows.count()
        return SparkNgramTable(sorted_rows, self.n_units)

    def _kept_bc(self, kept: KeptSet):
        if self._kept is None or self._kept[0] is not kept:
            self._kept = (kept, self._broadcast((kept.table, kept.starts, kept.keys, kept.k)))
        return self._kept[1]

    @_spark_pass
    def count_fragments(self, kept: KeptSet, min_count: int, with_dropped: bool = False) -> Fragments:
        ids_of, P = self._ids_of(), self.P
        order, bits = kept.order, kept.bits
        kept_bc = self._kept_bc(kept)

        def cut(blocks_):
            table, starts, keys, k = kept_bc.value
            tab, size = ht.new_table(1 << 16), 0
            longs: dict = {}
            for codes, latin in blocks_:
                ids = ids_of(codes, latin)
                tab, size, *recs = count_fragments(ids, order, bits, table, starts, keys, k, tab, size, 0, with_dropped)
                if len(recs[0]) == 0:
                    continue
                for h1, h2, st, ln, c in zip(*(a.tolist() for a in summed_records([recs]))):
                    entry = longs.get((h1, h2))
                    if entry is None:  # a negative length: a dropped chain (see count_fragments)
                        longs[(h1, h2)] = [c, ids[st : st + abs(ln)].copy(), ln > 0]
                    else:
                        entry[0] += c
            for b, kv in table_items(tab, P):
                yield b, ("short", kv)
            by_bucket: dict = {}
            for (h1, h2), entry in longs.items():
                by_bucket.setdefault(h1 % P, []).append((h1, h2, *entry))
            for b, rows in by_bucket.items():
                yield b, ("long", rows)

        def total(items):
            tab, size = ht.new_table(1 << 16), 0
            longs: dict = {}
            for _, (kind, payload) in items:
                if kind == "short":
                    tab, size = ht.add_counts(tab, size, *payload)
                else:
                    for h1, h2, c, ids, candidate in payload:
                        entry = longs.get((h1, h2))
                        if entry is None:
                            longs[(h1, h2)] = [c, ids, candidate]
                        else:
                            entry[0] += c
            keys, vals = ht.items(tab)
            keep = vals >= min_count
            yield "short", (keys[keep], vals[keep])
            yield "long", [(h1, h2, *e) for (h1, h2), e in longs.items() if e[0] >= min_count]

        got = self.blocks.mapPartitions(cut).partitionBy(P, lambda b: b).mapPartitions(total).collect()
        short_keys = np.concatenate([p[0] for kind, p in got if kind == "short"])
        short_counts = np.concatenate([p[1] for kind, p in got if kind == "short"])
        rows = sorted((row for kind, p in got if kind == "long" for row in p), key=lambda r: (r[0], r[1]))
        longs = [r for r in rows if r[4]]
        dropped = [r for r in rows if not r[4]]
        return Fragments(short_keys, short_counts,
                         np.array([r[0] for r in longs], dtype=np.uint64),
                         np.array([r[1] for r in longs], dtype=np.uint64),
                         np.array([r[2] for r in longs], dtype=np.int64), [r[3] for r in longs],
                         np.array([r[2] for r in dropped], dtype=np.int64), [r[3] for r in dropped])

    @_spark_pass
    def map_blocks(self, fn, total, *args):  # a partition's blocks are added by ``total``
        bc = self._broadcast_code((fn, total, args))

        def run(blocks_):
            fn_, total_, args_ = _code_of(bc)
            yield total_(fn_(codes, latin, *args_) for codes, latin in blocks_)

        return total(self.blocks.mapPartitions(run).collect())


# -- executor side -----------------------------------------------------------------------------

def _code_of(bc):
    """The value of a :meth:`SparkEngine._broadcast_code` broadcast, unpickled once per executor."""
    import pickle

    return cached(bc, pickle.loads)


def _encode_partition(texts):
    """Blocks ``(codes, latin)`` of a partition: codes by the text model, ``latin`` the names of
    the block's Latin runs (code ``LATIN_BASE + i`` is ``latin[i]``); every block ends a clause."""
    buf, size = [], 0
    for text in texts:
        buf.append(text)
        size += len(text)
        if size >= BATCH_CHARS:
            yield from _encode_block(buf)
            buf, size = [], 0
    if buf:
        yield from _encode_block(buf)


def _encode_block(buf):
    vocab = UnitVocab()
    codes = encode_units("\n".join(buf) + "\n", vocab)
    if len(codes):
        yield codes, vocab.latin


def _unit_counts(blocks):
    """The unit counts of a partition: ``(("han", i), counts of Han chunk i)``, ``(("latin", name), count)``."""
    han = np.zeros(HAN_END, dtype=np.int64)
    latin: Counter = Counter()
    for codes, names in blocks:
        is_latin = codes >= LATIN_BASE
        han += np.bincount(codes[~is_latin], minlength=HAN_END)[:HAN_END]
        if names:
            counts = np.bincount(codes[is_latin] - LATIN_BASE, minlength=len(names))
            latin.update(dict(zip(names, counts.tolist())))  # a block's names are distinct
    han[0] = 0
    for i in range(0, HAN_END, HAN_CHUNK):
        yield ("han", i), han[i : i + HAN_CHUNK]
    for name, c in latin.items():
        yield ("latin", name), c


def _to_ids(codes, latin, han_ids, latin_ids):
    """Dense ids of a block (``UnitIds.map`` with the block's own Latin numbering)."""
    is_latin = codes >= LATIN_BASE
    ids = han_ids[np.where(is_latin, 0, codes)]
    if latin:
        local = np.array([latin_ids.get(t, 0) for t in latin], dtype=np.uint32)
        ids[is_latin] = local[codes[is_latin] - LATIN_BASE]
    return ids
