"""The Spark engine: the same pipeline, with every corpus-sized statistic computed by Spark.

``discover(..., engine="spark")`` and ``count(..., engine="spark")`` run here. The executors run the
local engine's own code on their partitions: the text model (:func:`textmodel.encode_units`)
turns records into blocks of unit codes that end at a clause boundary, and the compiled kernels
of :mod:`cikuang._native` (``count_ngrams``, ``count_ngrams_apriori``, ``count_fragments``,
``count_neighbours``) and the NumPy scorers (:func:`scoring.passes_thresholds`,
:func:`scoring.entropies`) do the work. Between the stages, tables are shuffled as NumPy arrays by
hash bucket of their key (one record per map partition and bucket, not one per n-gram) and summed
with the same hash tables. Only small tables reach the driver: unit counts, the frequent n-grams
of one length (broadcast back for the next Apriori pass), the kept n-grams, the words.

Stages (``P`` buckets, :func:`n_buckets`):

1. **encode + unit counts**: records (lines, texts, a DataFrame column) → blocks of unit codes,
   cached; Han counts are summed as arrays, Latin runs by name (``reduceByKey``). The driver gives
   Latin runs codes in sorted order of their names (the local engine numbers them by first
   appearance; nothing in the output depends on the numbering) and dense ids by frequency.
2. **count**: one pass per length, Apriori-pruned like the local engine (the frequent n-grams one
   unit shorter are broadcast); each partition counts into one table, whose entries are shuffled
   to their bucket and summed there; counts below ``min_count`` are dropped.
3. **kept-set join**: each bucket asks the buckets of the parts of its n-grams for their counts
   (a cogroup), then scores its n-grams with those counts alone; the kept keys and their cohesion
   come back to the driver and are broadcast as a :class:`~cikuang.fragments.KeptSet`.
4. **cut + fragment counts**: ``count_fragments`` on every block; short fragments are summed by
   key in their bucket, long ones by their two hashes (with their text and cohesion, found where
   they occur); those counted ``min_count`` times come back.
5. **neighbours**: ``count_neighbours`` on every block; (word, side, neighbour) counts are
   shuffled to the bucket of the word and turned into entropies there by
   :func:`scoring.entropies`, which adds each word's terms in an order fixed by the counts alone.

The driver builds the :class:`~cikuang.lexicon.Lexicon` as :func:`words.describe_words` does
(:func:`words.word_filter`, :func:`words.output_lexicon`), so the files written are byte for byte
those of the local engine.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import warnings
from pathlib import Path
from collections import Counter

import numpy as np

from . import _hashtable as ht
from ._native import count_fragments, count_neighbours, count_ngrams, count_ngrams_apriori
from .corpus import Corpus
from .counting import DENSE_UNITS, NgramCounts, UnitIds, bits_for, no_frequent_unit, np_mix, pair_map
from .errors import CikuangError
from .fragments import KeptSet, _summed
from .lexicon import atomic_output
from .scoring import entropies, passes_thresholds
from .textmodel import LATIN_BASE, UnitVocab, decode_units, encode_units
from .unitstream import nothing_to_mine
from .refine import refine, segmenter_units

from .words import output_lexicon, pair_fields, unpack, window_keys, word_filter, word_tables

INSTALL_HINT = 'the spark engine needs pyspark: pip install "cikuang[spark]"'
#: Characters of records encoded at a time (as the local engine's batches).
BATCH_CHARS = 1 << 20
#: One past the largest Han code point (the last Han block ends at U+323AF).
HAN_LIMIT = 0x323B0
HAN_CHUNK = 1 << 14
_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_created: list = []  # sessions this module started (stop_sessions stops them)


# -- the session and the inputs ----------------------------------------------------------------

class SparkPath(str):
    """A path for Spark to read, as given (``hdfs://host/dir`` stays as it is)."""

    def __fspath__(self) -> str:
        return str(self)


def is_dataframe(obj) -> bool:
    return type(obj).__module__.startswith("pyspark.") and hasattr(obj, "rdd") and hasattr(obj, "schema")


def get_session(spark=None, master: str | None = None, progress=None):
    """``spark`` itself, else the active session, else a new one (``master``, by default
    ``local[*]`` unless ``spark-submit`` set one), which :func:`stop_sessions` stops; with
    ``progress=False``, without Spark's console progress bar."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise CikuangError(INSTALL_HINT) from None
    if spark is not None:
        return spark
    active = SparkSession.getActiveSession()
    if active is not None:  # e.g. a notebook's or a test's session: use it, leave it running
        return active
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit started us and set the master
    if master is None and not submitted:
        master = "local[*]"
    if master is not None and master.startswith("local"):
        # executors are this machine's Python processes: the interpreter that has cikuang
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("cikuang")
    if not submitted:  # a JVM of our own: its log lines would bury cikuang's one-line errors
        quiet = "-Dlog4j2.configurationFile=" + Path(__file__).with_name("data").joinpath(
            "spark-log4j2.properties").as_uri()
        builder = builder.config("spark.driver.extraJavaOptions", quiet).config(
            "spark.executor.extraJavaOptions", quiet)
    if progress is False:
        builder = builder.config("spark.ui.showConsoleProgress", "false")
    if master is not None:
        builder = builder.master(master)
    with spark_errors("Spark"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        session = builder.getOrCreate()
    _created.append(session)
    return session


@contextlib.contextmanager
def spark_errors(name: str):
    """Errors from Spark (a missing path, a failed task, no Java) as one-line :class:`CikuangError` s."""
    try:
        yield
    except CikuangError:
        raise
    except Exception as e:
        if not type(e).__module__.startswith(("py4j", "pyspark")):
            raise
        raise CikuangError(f"Spark failed: {_first_line(str(e))}", name) from e


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    for line in lines:  # a Java exception: ": org.apache...Exception: what happened"
        if line.startswith(": "):
            return line[2:]
    for line in reversed(lines):  # a Python one: its last line
        if not line.startswith(("JVM stacktrace", "at ", "...")):
            return line
    return lines[0] if lines else type(message).__name__


def stop_sessions() -> None:
    """Stop the sessions :func:`get_session` started (the command line does at the end)."""
    while _created:
        _created.pop().stop()


def n_buckets(spark) -> int:
    """Hash buckets (= shuffle partitions) of every stage: ``spark.cikuang.buckets`` if set,
    else twice the default parallelism."""
    conf = spark.sparkContext.getConf()
    value = conf.get("spark.cikuang.buckets")
    return int(value) if value else max(2, 2 * spark.sparkContext.defaultParallelism)


def records(spark, inputs, *, encoding="utf-8", errors="strict", glob="*.txt", jsonl_field=None,
            text_column=None):
    """The corpus as an RDD of texts, each ending a clause (lines of files, texts, a column)."""
    sc = spark.sparkContext
    if is_dataframe(inputs):
        return _column(inputs, text_column)
    if isinstance(inputs, Corpus):
        if inputs._texts is not None:
            return _texts(sc, inputs._texts)
        sources = inputs.paths
    elif inputs is None:
        raise CikuangError("no input given")
    elif isinstance(inputs, (str, os.PathLike)):
        sources = [inputs]
    elif isinstance(inputs, (list, tuple)) and inputs and all(isinstance(x, os.PathLike) for x in inputs):
        sources = list(inputs)
    else:
        return _texts(sc, inputs)
    if Corpus(encoding=encoding).encoding != "utf-8-sig":
        raise CikuangError(f"the spark engine reads UTF-8 only, not {encoding!r}")
    paths = _paths(sources, glob, encoding, errors)
    minimum = 2 * sc.defaultParallelism
    if jsonl_field is not None:
        from pyspark.sql import functions as F

        frame = spark.read.json(paths)
        if jsonl_field not in frame.columns:
            raise CikuangError(f"no field {jsonl_field!r}", ", ".join(paths))
        return frame.select(F.col(jsonl_field).cast("string")).rdd.map(lambda r: r[0]).filter(
            lambda t: t is not None)
    lines = sc.textFile(",".join(paths), minPartitions=minimum)
    # Hadoop decodes lines itself and puts U+FFFD for undecodable bytes, silently; under
    # --errors strict a U+FFFD stops the run instead (a literal U+FFFD too: Spark cannot tell them apart).
    return lines.map(_strict_line) if errors == "strict" else lines


def _strict_line(line: str) -> str:
    if "\ufffd" in line:
        raise ValueError(f"undecodable bytes (or U+FFFD) in the line starting {line[:24]!r}; "
                         "use --errors replace to substitute U+FFFD")
    return line


def _paths(sources, glob: str, encoding: str, errors: str) -> list[str]:
    paths = []
    for src in sources:
        s = os.fspath(src)
        if s == "-":
            raise CikuangError("the spark engine cannot read standard input: give paths Spark can read")
        if _REMOTE.match(s) and not s.startswith("file:"):
            paths.append(s)  # hdfs://, s3a://, ...: Spark's rules (a directory is read whole, globs expand)
        else:
            local = Corpus([s], encoding=encoding, errors=errors, glob=glob).paths  # the local engine's expansion
            paths.extend(os.path.abspath(p) for p in local)
    for p in paths:
        if p.lower().endswith((".xz", ".zst")):
            raise CikuangError("the spark engine reads plain, .gz and .bz2 files; recompress or decompress it", p)
    return paths


def _texts(sc, texts):
    texts = list(texts)
    for t in texts:
        if not isinstance(t, str):
            raise CikuangError(f"texts must be str, got {type(t).__name__}")
    return sc.parallelize(texts, max(1, min(len(texts), 2 * sc.defaultParallelism)))


def _column(frame, name):
    from pyspark.sql.types import StringType

    strings = [f.name for f in frame.schema.fields if isinstance(f.dataType, StringType)]
    if name is None:
        if len(strings) == 1:
            name = strings[0]
        else:
            for guess in ("text", "value"):
                if guess in strings:
                    name = guess
                    break
            else:
                raise CikuangError(f"the DataFrame has string columns {strings}: select the text column "
                                   "(df.select('...')) or pass text_column")
    elif name not in strings:
        raise CikuangError(f"the DataFrame has no string column {name!r}")
    return frame.select(name).rdd.map(lambda r: r[0]).filter(lambda t: t is not None)


# -- executor side -----------------------------------------------------------------------------

_cache: dict = {}


def _cached(bc, build):
    """``build(bc.value)``, once per executor process and broadcast."""
    key = (id(bc), getattr(bc, "_path", None))  # on an executor, the registry's object for the broadcast
    hit = _cache.get(key)
    if hit is None:
        if len(_cache) > 8:
            _cache.clear()
        hit = _cache[key] = build(bc.value)
    return hit


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
    han = np.zeros(HAN_LIMIT, dtype=np.int64)
    latin: Counter = Counter()
    for codes, names in blocks:
        is_latin = codes >= LATIN_BASE
        han += np.bincount(codes[~is_latin], minlength=HAN_LIMIT)[:HAN_LIMIT]
        if names:
            counts = np.bincount(codes[is_latin] - LATIN_BASE, minlength=len(names))
            latin.update(dict(zip(names, counts.tolist())))  # a block's names are distinct
    han[0] = 0
    for i in range(0, HAN_LIMIT, HAN_CHUNK):
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


def _bucket_of(keys: np.ndarray, n: int) -> np.ndarray:
    return ((np_mix(keys) >> np.uint64(20)) % np.uint64(n)).astype(np.int64)


def _split(bucket: np.ndarray, n: int, *arrays):
    """Yield (b, [array[sel] ...]) for every non-empty bucket ``b``."""
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(n + 1))
    for b in range(n):
        sel = order[bounds[b] : bounds[b + 1]]
        if len(sel):
            yield b, [a[sel] for a in arrays]


def _table_items(tab, n):
    keys, vals = ht.items(tab)
    for b, (k, v) in _split(_bucket_of(keys, n), n, keys, vals):
        yield b, (k, v)


def _summed_buckets(pairs, min_count: int = 1):
    """Sum the (keys, counts) arrays that reached this bucket; sorted keys with counts >= min_count."""
    tab, size, bucket = ht.new_table(1 << 16), 0, None
    for bucket, (k, v) in pairs:
        tab, size = ht.add_counts(tab, size, k, v)
    if bucket is None:
        return
    keys, vals = ht.items(tab)
    keep = vals >= min_count
    order = np.argsort(keys[keep])
    yield bucket, (keys[keep][order], vals[keep][order])


def _sum_by_key(rdd, n: int, min_count: int = 1):
    return rdd.partitionBy(n, lambda b: b).mapPartitions(lambda it: _summed_buckets(it, min_count),
                                                         preservesPartitioning=True)


# -- the driver --------------------------------------------------------------------------------

class _Units:
    """Unit counts, dense ids, names: the small tables every stage shares."""

    def __init__(self, sc, blocks, name):
        got = blocks.mapPartitions(_unit_counts).reduceByKey(lambda a, b: a + b).collect()
        latin = sorted((token, c) for (kind, token), c in got if kind == "latin")
        self.vocab = UnitVocab([t for t, _ in latin])
        unit_counts = np.zeros(LATIN_BASE + len(latin), dtype=np.int64)
        for (kind, i), c in got:
            if kind == "han":
                unit_counts[i : i + len(c)] = c
        unit_counts[LATIN_BASE:] = [c for _, c in latin]
        self.unit_counts = unit_counts
        self.n_units = int(unit_counts.sum())
        if self.n_units == 0:
            raise nothing_to_mine(name)
        self.sc = sc
        self.name = name

    def set_ids(self, min_count: int, order: int) -> None:
        self.unit_ids = UnitIds.by_frequency(self.unit_counts, min_count)
        if len(self.unit_ids) == 0:
            raise no_frequent_unit(min_count, self.name)
        self.bits = bits_for(len(self.unit_ids), order)
        ids = self.unit_ids.ids
        latin_ids = {t: int(i) for t, i in zip(self.vocab.latin, ids[LATIN_BASE:].tolist()) if i}
        self.ids_bc = self.sc.broadcast((ids[:HAN_LIMIT].copy(), latin_ids))

    def mapper(self):
        """A function of a block to its dense ids (to run on the executors)."""
        bc = self.ids_bc

        def ids_of(codes, latin):
            han_ids, latin_ids = bc.value
            return _to_ids(codes, latin, han_ids, latin_ids)

        return ids_of


def _blocks(spark, inputs, corpus_options):
    from pyspark import StorageLevel

    rdd = records(spark, inputs, **corpus_options)
    return rdd.mapPartitions(_encode_partition).persist(StorageLevel.MEMORY_AND_DISK)


def _name(inputs) -> str:
    if is_dataframe(inputs):
        return "<DataFrame>"
    if isinstance(inputs, (str, os.PathLike)):
        return os.fspath(inputs)
    if isinstance(inputs, (list, tuple)) and inputs and all(isinstance(x, os.PathLike) for x in inputs):
        return ", ".join(os.fspath(x) for x in inputs)
    return "<texts>"


def discover_spark(d, inputs, order: int, min_count, min_pmi, base_words, corpus_options: dict):
    """Fill ``d`` (a :class:`~cikuang.discover.Discoverer`) as ``fit`` does, with Spark."""
    with spark_errors(_name(inputs)):
        return _discover_spark(d, inputs, order, min_count, min_pmi, base_words, corpus_options)


def _discover_spark(d, inputs, order, min_count, min_pmi, base_words, corpus_options):
    from .discover import auto_min_count, default_min_pmi, nothing_kept

    spark = get_session(d.spark, d.spark_master, d.progress)
    sc = spark.sparkContext
    P = n_buckets(spark)
    name = _name(inputs)
    blocks = _blocks(spark, inputs, corpus_options)
    persisted = [blocks]
    try:
        units = _Units(sc, blocks, name)
        n = units.n_units
        d.n_units_ = n
        d.min_count_ = mc = min_count if min_count is not None else auto_min_count(n)
        d.min_pmi_ = min_pmi if min_pmi is not None else default_min_pmi(order)
        d.order_ = order
        units.set_ids(mc, order)
        bits = units.bits
        kept_keys, kept_coh = _count_and_keep(sc, blocks, units, order, bits, mc, n, d.min_pmi_, P)
        if len(kept_keys) == 0:
            raise nothing_kept(mc, d.min_pmi_, name)
        d.n_kept_ = len(kept_keys)
        lengths = NgramCounts(kept_keys, None, order, bits).lengths()
        kept = KeptSet.of(kept_keys, lengths, bits)
        kept_bc = sc.broadcast((kept.table, kept.starts, kept.k, kept_keys, kept_coh))
        persisted += [units.ids_bc, kept_bc]
        refines = d._refines()
        d.lexicon_ = _describe(sc, blocks, units, kept_bc, order, bits, mc, d.keep_numbers,
                               None if refines else base_words, d.neighbours, P)
        if refines:
            d.lexicon_ = refine(d.lexicon_, mc, d.keep_numbers, base_words, d.neighbours,
                                _over_partitions(sc, blocks, persisted))
    finally:
        for rdd_or_broadcast in persisted:
            rdd_or_broadcast.unpersist()
    return d


def _count_and_keep(sc, blocks, units, order, bits, min_count, n, min_pmi, P):
    """The kept n-grams (sorted keys) and their cohesion.

    One pass per length L, as the local engine's ``count_stream``: each partition counts the
    windows of L units whose two parts of L-1 units are frequent (the frequent (L-1)-grams are
    broadcast), the tables are shuffled to their buckets and summed, and each bucket keeps the
    L-grams counted ``min_count`` times and scores them against the counts of all shorter frequent
    n-grams (broadcast: a broadcast join), with :func:`scoring.passes_thresholds`. The frequent
    L-grams come back to the driver for the next pass, with the kept ones and their cohesion.
    """
    ids_of = units.mapper()
    lower_keys = np.arange(1, len(units.unit_ids) + 1, dtype=np.uint64)  # unigrams: the stream counted them
    lower_counts = units.unit_counts[units.unit_ids.codes[1:]].astype(np.int64)
    kept_keys, kept_coh = [], []
    frequent_bc = pairs_bc = None
    for length in range(2, order + 1):
        lower_bc = sc.broadcast((lower_keys, lower_counts))
        fbc, pbc = frequent_bc, pairs_bc

        def count_part(blocks_, length=length, fbc=fbc, pbc=pbc):
            tab, size = ht.new_table(1 << 16), 0
            if length > 2:
                frequent = _cached(fbc, ht.table_from)
                fpairs = _cached(pbc, lambda v: v)
                pairs_k = min(DENSE_UNITS, 1 << bits)
            for codes, latin in blocks_:
                ids = ids_of(codes, latin)
                if length == 2:
                    tab, size = count_ngrams(ids, 2, 2, bits, tab, size)
                else:
                    tab, size = count_ngrams_apriori(ids, length, bits, frequent, fpairs, pairs_k, tab, size)
            yield from _table_items(tab, P)

        def score(items, lower_bc=lower_bc):
            for _, (keys, counts) in _summed_buckets(items, min_count):
                low_k, low_c = lower_bc.value
                at = np.searchsorted(low_k, keys)
                table = NgramCounts(np.insert(low_k, at, keys), np.insert(low_c, at, counts), order, bits)
                keep, coh = passes_thresholds(table, keys, n, min_pmi)
                yield keys, counts, keep, coh

        got = blocks.mapPartitions(count_part).partitionBy(P, lambda b: b).mapPartitions(score).collect()
        lower_bc.unpersist()
        if not got:
            break
        keys = np.concatenate([g[0] for g in got])
        if len(keys) == 0:
            break
        counts = np.concatenate([g[1] for g in got])
        keep = np.concatenate([g[2] for g in got])
        kept_keys.append(keys[keep])
        kept_coh.append(np.concatenate([g[3] for g in got])[keep])
        if length == order:
            break
        by_key = np.argsort(keys)
        keys, counts = keys[by_key], counts[by_key]
        if frequent_bc is not None:
            frequent_bc.unpersist()
        frequent_bc = sc.broadcast(keys)
        if pairs_bc is None:
            pairs_bc = sc.broadcast(pair_map(keys, bits))
        at = np.searchsorted(lower_keys, keys)
        lower_keys, lower_counts = np.insert(lower_keys, at, keys), np.insert(lower_counts, at, counts)
    for bc in (frequent_bc, pairs_bc):
        if bc is not None:
            bc.unpersist()
    keys = np.concatenate(kept_keys) if kept_keys else np.zeros(0, np.uint64)
    coh = np.concatenate(kept_coh) if kept_coh else np.zeros(0)
    by_key = np.argsort(keys)
    return keys[by_key], coh[by_key]


def _describe(sc, blocks, units, kept_bc, order, bits, min_count, keep_numbers, base_words, neighbours, P):
    """Cut, count fragments, and build the lexicon as ``words.describe_words`` does."""
    ids_of = units.mapper()

    def cut(blocks_):
        table, starts, k, kept_keys, kept_coh = _cached(kept_bc, lambda v: v)
        tab, size = ht.new_table(1 << 16), 0
        longs: dict = {}
        for codes, latin in blocks_:
            ids = ids_of(codes, latin)
            tab, size, *recs = count_fragments(ids, order, bits, table, starts, k, tab, size, 0)
            if len(recs[0]) == 0:
                continue
            vocab = None
            for h1, h2, st, ln, c in zip(*(a.tolist() for a in _summed([recs]))):
                entry = longs.get((h1, h2))
                if entry is not None:
                    entry[0] += c
                    continue
                if vocab is None:
                    vocab = UnitVocab(latin)
                windows = window_keys(ids[st : st + ln], order, bits)
                coh = float(np.min(kept_coh[np.searchsorted(kept_keys, windows)]))
                longs[(h1, h2)] = [c, decode_units(codes[st : st + ln], vocab), coh]
        for b, kv in _table_items(tab, P):
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
                for h1, h2, c, text, coh in payload:
                    entry = longs.get((h1, h2))
                    if entry is None:
                        longs[(h1, h2)] = [c, text, coh]
                    else:
                        entry[0] += c
        keys, vals = ht.items(tab)
        keep = vals >= min_count
        yield "short", (keys[keep], vals[keep])
        yield "long", [(h1, h2, *e) for (h1, h2), e in longs.items() if e[0] >= min_count]

    got = blocks.mapPartitions(cut).partitionBy(P, lambda b: b).mapPartitions(total).collect()
    skeys = np.concatenate([p[0] for kind, p in got if kind == "short"])
    scounts = np.concatenate([p[1] for kind, p in got if kind == "short"])
    longs = sorted(row for kind, p in got if kind == "long" for row in p)
    # The candidates as words.describe_words sees them: short ones (text from their keys), long ones.
    lengths = NgramCounts(skeys, None, order, bits).lengths()
    codes = units.unit_ids.codes[unpack(skeys, lengths, bits, order)]
    words = [decode_units(row[row != 0], units.vocab) for row in codes]
    _, _, _, kept_keys, kept_coh = kept_bc.value
    pos = np.minimum(np.searchsorted(kept_keys, skeys), len(kept_keys) - 1)
    multi = lengths >= 2
    if not (kept_keys[pos][multi] == skeys[multi]).all():  # fragments of 2..order units are kept n-grams
        raise AssertionError("a short fragment is not a kept n-gram")
    coh = np.where(multi, kept_coh[pos], np.nan)
    single_latin = list((lengths == 1) & (codes[:, 0] >= LATIN_BASE))
    words += [text for _, _, _, text, _ in longs]
    single_latin += [False] * len(longs)
    counts = np.concatenate((scounts, np.array([c for _, _, c, _, _ in longs], dtype=np.int64)))
    coh = np.concatenate((coh, np.array([c for *_, c in longs], dtype=np.float64)))
    keep = word_filter(words, single_latin, keep_numbers, base_words)
    left_right = None
    if neighbours:
        long_h1 = np.array([r[0] for r in longs], dtype=np.uint64)
        long_h2 = np.array([r[1] for r in longs], dtype=np.uint64)
        left_right = _entropies(sc, blocks, ids_of, kept_bc, skeys, long_h1, long_h2, keep, order, bits, P)
    return output_lexicon(words, counts, coh, keep, left_right)


def _over_partitions(sc, blocks, persisted):
    """The refine stage's ``over_blocks`` (:mod:`cikuang.refine`) on Spark: the segmenter and the
    arguments broadcast, one total a partition on the executors, their total on the driver."""
    def over_blocks(segmenter, fn, total, *args):
        bc = sc.broadcast((segmenter, args))
        persisted.append(bc)

        def run(blocks_):
            seg, args_ = _cached(bc, lambda v: v)
            yield total(fn(seg, segmenter_units(seg, codes, latin), *args_) for codes, latin in blocks_)

        return total(blocks.mapPartitions(run).collect())

    return over_blocks


def _entropies(sc, blocks, ids_of, kept_bc, short_keys, long_h1, long_h2, keep, order, bits, P):
    """Left and right entropies of the output words: (word, side, neighbour) counts from a second
    cut, summed and turned into entropies in the bucket of the word."""
    short_words, long_words, h2, n_words = word_tables(short_keys, long_h1, long_h2, keep)
    words_bc = sc.broadcast((short_words, long_words, h2))

    def pairs(blocks_):
        table, starts, k, _, _ = _cached(kept_bc, lambda v: v)
        sw, lw, lh2 = _cached(words_bc, lambda v: v)
        vocab = UnitVocab()  # the partition's numbering of Latin runs, for the neighbour codes
        tab, size = ht.new_table(1 << 16), 0
        for codes, latin in blocks_:
            ids = ids_of(codes, latin)
            if latin:
                remap = vocab.add_all(latin)
                is_latin = codes >= LATIN_BASE
                codes = codes.copy()
                codes[is_latin] = remap[codes[is_latin] - LATIN_BASE]
            tab, size = count_neighbours(ids, codes, order, bits, table, starts, k, sw, lw, lh2, tab, size)
        keys, vals = ht.items(tab)
        word = (keys >> np.uint64(33)).astype(np.int64)
        code = keys & np.uint64(0xFFFFFFFF)
        latin_ = code >= np.uint64(LATIN_BASE)
        for b, (kk, vv, lat) in _split(word % P, P, keys, vals, latin_):
            rows = [(key >> 32 << 32, vocab.latin[(key & 0xFFFFFFFF) - LATIN_BASE], c)
                    for key, c in zip(kk[lat].tolist(), vv[lat].tolist())]
            yield b, (kk[~lat], vv[~lat], rows)

    def per_bucket(items):
        tab, size = ht.new_table(1 << 16), 0
        latin_pairs: Counter = Counter()
        for _, (k, v, rows) in items:
            tab, size = ht.add_counts(tab, size, k, v)
            for head, token, c in rows:
                latin_pairs[(head, token)] += c
        keys, vals = ht.items(tab)
        heads = np.array([h for h, _ in latin_pairs], dtype=np.uint64)
        keys = np.concatenate((keys, heads))
        vals = np.concatenate((vals, np.array(list(latin_pairs.values()), dtype=np.int64)))
        if len(keys) == 0:
            return
        word, side = pair_fields(keys)
        uniq, local = np.unique(word, return_inverse=True)
        left, right = entropies(local, side, vals, len(uniq))
        yield uniq, left, right

    got = blocks.mapPartitions(pairs).partitionBy(P, lambda b: b).mapPartitions(per_bucket).collect()
    words_bc.unpersist()
    left, right = np.zeros(n_words), np.zeros(n_words)
    for uniq, lft, rgt in got:
        left[uniq], right[uniq] = lft, rgt
    return left, right


# -- count -------------------------------------------------------------------------------------

class SparkNgramTable:
    """``count(..., engine="spark")``: every n-gram with its count, kept in Spark, sorted as
    :meth:`cikuang.ngrams.NgramTable.save` writes them (by length, then count descending)."""

    def __init__(self, rows, n_units: int):
        self._rows = rows  # RDD of (length, -count, ngram), sorted
        self.n_units = n_units

    def __len__(self) -> int:
        return self._rows.count()

    def rows(self):
        """(ngram, count) in the order of the saved file, streamed a partition at a time."""
        with spark_errors("count"):
            for _, neg, gram in self._rows.toLocalIterator():
                yield gram, -neg

    def to_dict(self) -> dict[str, int]:
        return dict(self.rows())

    def unpersist(self) -> None:
        """Free the table's cached partitions on the cluster (the table cannot be read after)."""
        self._rows.unpersist()

    def __enter__(self) -> "SparkNgramTable":
        return self

    def __exit__(self, *exc) -> None:
        self.unpersist()

    def save(self, path=None) -> None:
        """Write ``ngram<TAB>count`` lines (after a header), as :meth:`NgramTable.save` does."""
        with atomic_output(path) as f:
            f.write("ngram\tcount\n")
            buf = []
            for gram, c in self.rows():
                buf.append(f"{gram}\t{c}\n")
                if len(buf) >= 1 << 16:
                    f.write("".join(buf))
                    buf = []
            f.write("".join(buf))


def count_spark(inputs, order: int, *, spark=None, spark_master=None, progress=None,
                **corpus_options) -> SparkNgramTable:
    """Exact counts of every n-gram of 1..``order`` units, computed by Spark."""
    with spark_errors(_name(inputs)):
        return _count_spark(inputs, order, spark, spark_master, progress, corpus_options)


def _count_spark(inputs, order, spark, spark_master, progress, corpus_options):
    from .ngrams import NgramTable

    session = get_session(spark, spark_master, progress)
    sc = session.sparkContext
    P = n_buckets(session)
    blocks = _blocks(session, inputs, corpus_options)
    units = _Units(sc, blocks, _name(inputs))
    units.set_ids(1, order)
    bits = units.bits
    ids_of = units.mapper()
    names_bc = sc.broadcast((units.unit_ids, units.vocab))

    def count_part(blocks_):
        tab, size = ht.new_table(1 << 16), 0
        for codes, latin in blocks_:
            tab, size = count_ngrams(ids_of(codes, latin), 1, order, bits, tab, size)
        yield from _table_items(tab, P)

    def rows(item):
        _, (keys, counts) = item
        unit_ids, vocab = names_bc.value
        table = NgramTable(NgramCounts(keys, counts, order, bits), unit_ids, vocab, 0)
        lengths = table.counts.lengths()
        return zip(lengths.tolist(), (-counts).tolist(), table.strings().tolist())

    summed = _sum_by_key(blocks.mapPartitions(count_part), P)
    sorted_rows = summed.flatMap(rows).sortBy(lambda r: r, numPartitions=P)
    from pyspark import StorageLevel

    sorted_rows.persist(StorageLevel.MEMORY_AND_DISK)
    sorted_rows.count()
    blocks.unpersist()
    return SparkNgramTable(sorted_rows, units.n_units)
