"""The discovery pipeline: encode → count → score (keep) → cut → count fragments → neighbours → export.

:class:`Discoverer` follows scikit-learn's conventions: parameters in the constructor, ``fit``
returns ``self``, learned state ends with an underscore (``lexicon_``, ``min_count_``, ...).
:func:`discover` is the one-call form. Each stage lives in its own module; this one only wires
them together and owns the temporary directory where the unit stream and spill files live.
"""
from __future__ import annotations

import math
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from . import _hashtable as ht
from ._kernels import count_fragments, count_neighbours, fragment_ends, warm_up
from .corpus import Corpus
from .counting import NgramCounter, NgramCounts, UnitIds, bits_for
from .errors import CikuangError
from .lexicon import Lexicon
from .progress import Progress
from .scoring import cohesion, entropies, kept_ngrams, word_score
from .textmodel import LATIN_BASE
from .unitstream import UnitStream, check_not_empty, default_workers

PRESETS = {
    # Su Jianlin, "faster and better new-word discovery" (kexue.fm 6920, 2019), done exactly.
    "kexue2019": {"order": 4, "min_count": 32, "min_pmi": (0.0, 2.0, 4.0, 6.0)},
}


def parse_memory(memory) -> int:
    """``"2G"``, ``"512M"``, ``"1.5g"`` or a number of bytes."""
    if isinstance(memory, (int, float)):
        value = int(memory)
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)[bB]?\s*", str(memory))
        if not m:
            raise CikuangError(f"memory must look like 2G, 512M or a byte count, not {memory!r}")
        scale = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[m.group(2).lower()]
        value = int(float(m.group(1)) * scale)
    if value < 64 << 20:
        raise CikuangError(f"memory must be at least 64M, not {memory!r}")
    return value


def auto_min_count(n_units: int) -> int:
    """The default minimum count for a corpus of ``n_units`` unit tokens.

    It grows with the square root of the corpus: a fixed count finds nothing in a small corpus
    (the seed's 32 is 1 in 20,000 characters of a 600k-character novel) and lets every rare
    chance pair through in a large one, whereas a frequency threshold (count / N) would demand
    hundreds of occurrences in a small corpus. sqrt(N)/200, at least 3, gives 4 for a
    600k-character novel, 15 for 9M characters, 158 for 1G characters.
    """
    return max(3, round(math.sqrt(n_units) / 200))


def default_min_pmi(order: int) -> tuple[float, ...]:
    """The seed's ladder (0, 2, 4, 6 nats), continued by 2 nats per extra unit."""
    return tuple(2.0 * k for k in range(order))


@dataclass
class _Fragments:
    short_keys: np.ndarray
    short_counts: np.ndarray
    long_h1: np.ndarray
    long_h2: np.ndarray
    long_start: np.ndarray
    long_len: np.ndarray
    long_counts: np.ndarray


class Discoverer:
    """Unsupervised word discovery over a corpus (see :func:`discover` for the parameters)."""

    def __init__(
        self,
        *,
        order: int | None = None,
        min_count: int | None = None,
        min_pmi=None,
        preset: str | None = None,
        new_only: bool = False,
        base_dict=None,
        keep_numbers: bool = False,
        workers: int | None = None,
        memory="2G",
        tmp_dir: str | None = None,
        encoding: str = "utf-8",
        errors: str = "strict",
        glob: str = "*.txt",
        jsonl_field: str | None = None,
        progress: bool = False,
    ):
        self.order = order
        self.min_count = min_count
        self.min_pmi = min_pmi
        self.preset = preset
        self.new_only = new_only
        self.base_dict = base_dict
        self.keep_numbers = keep_numbers
        self.workers = workers
        self.memory = memory
        self.tmp_dir = tmp_dir
        self.encoding = encoding
        self.errors = errors
        self.glob = glob
        self.jsonl_field = jsonl_field
        self.progress = progress

    # -- parameters ----------------------------------------------------------------------------

    def _resolved(self) -> tuple[int, int | None, tuple[float, ...] | None]:
        base = {}
        if self.preset is not None:
            if self.preset not in PRESETS:
                raise CikuangError(f"unknown preset {self.preset!r} (choose from {', '.join(PRESETS)})")
            base = PRESETS[self.preset]
        order = self.order if self.order is not None else base.get("order", 4)
        if not isinstance(order, int) or not 2 <= order <= 8:
            raise CikuangError(f"order must be an integer from 2 to 8, not {order!r}")
        min_count = self.min_count if self.min_count is not None else base.get("min_count")
        if min_count is not None and (not isinstance(min_count, (int, np.integer)) or min_count < 1):
            raise CikuangError(f"min_count must be a positive integer, not {min_count!r}")
        min_pmi = self.min_pmi if self.min_pmi is not None else base.get("min_pmi")
        if min_pmi is not None:
            min_pmi = parse_min_pmi(min_pmi, order)
        return order, min_count, min_pmi

    def _corpus(self, inputs) -> Corpus:
        return Corpus.from_inputs(inputs, encoding=self.encoding, errors=self.errors, glob=self.glob,
                                  jsonl_field=self.jsonl_field)

    # -- the pipeline --------------------------------------------------------------------------

    def fit(self, inputs) -> "Discoverer":
        """Mine the words of ``inputs``; the result is in ``self.lexicon_``."""
        order, min_count, min_pmi = self._resolved()
        memory = parse_memory(self.memory)
        workers = self.workers or default_workers()
        base_words = load_base_words(self.base_dict or "jieba") if self.new_only else None
        corpus = self._corpus(inputs)
        name = ", ".join(corpus.paths) if corpus.paths else "<texts>"
        progress = Progress(enabled=self.progress)
        with tempfile.TemporaryDirectory(prefix="cikuang-", dir=self.tmp_dir) as work:
            stream = _encode(corpus, work, workers, progress)
            check_not_empty(stream, name)
            n = stream.n_units
            self.n_units_ = n
            self.min_count_ = min_count if min_count is not None else auto_min_count(n)
            self.min_pmi_ = min_pmi if min_pmi is not None else default_min_pmi(order)
            self.order_ = order
            unit_ids = UnitIds.by_frequency(stream.unit_counts, self.min_count_)
            if len(unit_ids) == 0:
                raise CikuangError(f"no unit occurs {self.min_count_} times; lower --min-count", name)
            bits = bits_for(len(unit_ids), order)
            counts = _count(stream, unit_ids, order, bits, memory, work, workers, progress, self.min_count_)
            kept = kept_ngrams(counts, n, self.min_count_, self.min_pmi_)
            if len(kept) == 0:
                raise CikuangError(
                    f"no n-gram passes the thresholds (min count {self.min_count_}, min PMI "
                    f"{','.join(f'{x:g}' for x in self.min_pmi_)}); the corpus may be too small or the "
                    "thresholds too high", name)
            self.n_kept_ = len(kept)
            kept_table = ht.table_from(kept)
            frags = _count_fragments(stream, unit_ids, order, bits, kept_table, workers, progress)
            self.lexicon_ = _build_lexicon(stream, unit_ids, counts, frags, kept_table, order, bits, n,
                                           self.min_count_, self.keep_numbers, base_words, workers, progress)
        progress.close()
        return self


def parse_min_pmi(value, order: int) -> tuple[float, ...]:
    """Thresholds by length (index 0 for single units, unused); a short list repeats its last step."""
    if isinstance(value, str):
        try:
            value = [float(x) for x in value.split(",") if x.strip()]
        except ValueError:
            raise CikuangError(f"min_pmi must be numbers separated by commas, not {value!r}") from None
    if isinstance(value, (int, float)):
        value = [0.0] + [float(value)] * (order - 1)
    value = [float(x) for x in value]
    if not value or any(math.isnan(x) for x in value):
        raise CikuangError("min_pmi must hold one number per length")
    while len(value) < order:
        value.append(value[-1] + (value[-1] - value[-2] if len(value) >= 2 else 0.0))
    return tuple(value[:order])


def load_base_words(base_dict) -> set[str]:
    """Words of a base lexicon (jieba format path, or ``"jieba"`` for jieba's own dictionary)."""
    if isinstance(base_dict, (set, frozenset)):
        return set(base_dict)
    if str(base_dict) == "jieba":
        try:
            import jieba
        except ImportError:
            raise CikuangError("--base-dict jieba needs jieba installed: pip install jieba") from None
        base_dict = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    return set(Lexicon.load(base_dict).words)


def _encode(corpus: Corpus, work: str, workers: int, progress: Progress) -> UnitStream:
    bar = progress.bar("reading", total=corpus.size_bytes(), unit="B")
    try:
        # The compiled loops load from Numba's cache while the workers encode.
        return UnitStream.encode(corpus, os.path.join(work, "units.u32"), workers=workers, progress=bar.update,
                                 meanwhile=warm_up)
    finally:
        bar.close()


def _count(stream, unit_ids, order, bits, memory, work, workers, progress, min_count) -> NgramCounts:
    """Exact counts of the n-grams of 1..order units that occur at least ``min_count`` times.

    With ``min_count`` 1 every n-gram is counted in one pass. Otherwise lengths are counted one
    pass each, a window only when its two parts one unit shorter reached ``min_count`` (Apriori):
    the tables then hold little beyond the n-grams that matter, which is faster and smaller.
    """
    spill = os.path.join(work, "spill")
    if min_count <= 1:
        with progress.bar("counting", total=stream.n_codes, unit="units") as bar:
            counter = NgramCounter(order, bits, memory, spill, threads=workers)
            for _, block in stream.blocks(counter.block_size()):
                counter.add(unit_ids.map(block))
                bar.update(len(block))
        return counter.result(1)
    # Unigrams: the stream already counted them; rare units have no id.
    keys = [np.arange(1, len(unit_ids) + 1, dtype=np.uint64)]
    vals = [stream.unit_counts[unit_ids.codes[1:]].astype(np.int64)]
    with progress.bar("counting", total=stream.n_codes * (order - 1), unit="units") as bar:
        for length in range(2, order + 1):
            frequent = None
            if length > 2:  # every unit with an id is frequent: no check needed for bigrams
                frequent = ht.table_from(keys[-1])
            counter = NgramCounter(length, bits, memory, spill, threads=workers, min_len=length,
                                   frequent=frequent)
            for _, block in stream.blocks(counter.block_size()):
                counter.add(unit_ids.map(block))
                bar.update(len(block))
            level = counter.result(min_count)
            if len(level) == 0:
                break
            keys.append(level.keys)
            vals.append(level.counts)
    keys, vals = np.concatenate(keys), np.concatenate(vals)
    order_ = np.argsort(keys)
    return NgramCounts(keys[order_], vals[order_], order, bits)


def _parallel_blocks(stream, workers, fn, progress, label):
    """Apply ``fn(offset, block, state)`` to every block, ``workers`` blocks at a time, one state per worker."""
    states = [None] * workers
    with progress.bar(label, total=stream.n_codes, unit="units") as bar, ThreadPoolExecutor(workers) as pool:
        batch = []
        for item in stream.blocks(1 << 21):
            batch.append(item)
            if len(batch) == workers:
                states = list(pool.map(fn, batch, states))
                bar.update(sum(len(b) for _, b in batch))
                batch = []
        if batch:
            states[: len(batch)] = list(pool.map(fn, batch, states[: len(batch)]))
            bar.update(sum(len(b) for _, b in batch))
    return [s for s in states if s is not None]


def _count_fragments(stream, unit_ids, order, bits, kept, workers, progress) -> _Fragments:
    def run(item, state):
        offset, block = item
        ids = unit_ids.map(block)
        ends = fragment_ends(ids, order, bits, kept)
        tab, size, records = state if state is not None else (ht.new_table(1 << 16), 0, [])
        tab, size, *long_records = count_fragments(ids, ends, order, bits, kept, tab, size, offset)
        if len(long_records[0]):
            records.append(long_records)
        return tab, size, records

    states = _parallel_blocks(stream, workers, run, progress, "cutting")
    tab, _ = ht.merged([(t, s) for t, s, _ in states])
    sk, sv = ht.items(tab)
    records = [r for _, _, recs in states for r in recs]
    if not records:
        z = np.zeros(0, np.int64)
        return _Fragments(sk, sv, z.astype(np.uint64), z.astype(np.uint64), z, z, z)
    h1, h2, st, ln = (np.concatenate(col) for col in zip(*records))
    # One record per occurrence: sort by identity, then first position, and count runs.
    by = np.lexsort((st, h2, h1))
    h1, h2, st, ln = h1[by], h2[by], st[by], ln[by]
    first = np.ones(len(h1), dtype=bool)
    first[1:] = (h1[1:] != h1[:-1]) | (h2[1:] != h2[:-1])
    idx = np.flatnonzero(first)
    return _Fragments(sk, sv, h1[idx], h2[idx], st[idx], ln[idx], np.diff(np.append(idx, len(h1))))


def _unpack(keys: np.ndarray, lengths: np.ndarray, bits: int, order: int) -> np.ndarray:
    """Ids of packed keys as a (n, order) array, left-aligned, zero-padded."""
    out = np.zeros((len(keys), order), dtype=np.int64)
    mask = np.uint64((1 << bits) - 1)
    for pos in range(order):
        shift = (lengths - 1 - pos) * bits
        valid = shift >= 0
        out[valid, pos] = ((keys[valid] >> shift[valid].astype(np.uint64)) & mask).astype(np.int64)
    return out


def _build_lexicon(stream, unit_ids, counts, frags, kept, order, bits, n, min_count, keep_numbers,
                   base_words, workers, progress) -> Lexicon:
    vocab = stream.vocab
    # Short words (up to order units), from packed keys.
    sel = frags.short_counts >= min_count
    skeys, scounts = frags.short_keys[sel], frags.short_counts[sel]
    slen = counts.lengths(skeys)
    sids = _unpack(skeys, slen, bits, order)
    scodes = unit_ids.codes[sids]  # 0 where padded
    words = ["".join(vocab.unit_text(int(c)) for c in row if c) for row in scodes]
    coh = cohesion(counts, skeys, n)
    # Long words, from their first occurrence in the stream.
    lsel = np.flatnonzero(frags.long_counts >= min_count)
    lcoh = []
    lcodes = []
    for i in lsel:
        codes = stream.read(int(frags.long_start[i]), int(frags.long_len[i]))
        ids = unit_ids.map(codes).astype(np.uint64)
        windows = np.zeros(len(ids) - order + 1, dtype=np.uint64)
        for j in range(order):
            windows = (windows << np.uint64(bits)) | ids[j : len(ids) - order + 1 + j]
        lcoh.append(float(np.min(cohesion(counts, windows, n))))
        lcodes.append(codes)
        words.append("".join(vocab.unit_text(int(c)) for c in codes))
    all_counts = np.concatenate((scounts, frags.long_counts[lsel]))
    all_coh = np.concatenate((coh, np.asarray(lcoh, dtype=np.float64)))
    n_short = len(skeys)
    # Which words to keep: no pure numbers (by default), none of the base lexicon's (new_only).
    keep = np.ones(len(words), dtype=bool)
    if not keep_numbers:
        single_latin = (slen == 1) & (scodes[:, 0] >= LATIN_BASE)
        for i in np.flatnonzero(single_latin):
            keep[i] = not words[i].isdigit()
    if base_words is not None:
        keep &= np.array([w not in base_words for w in words], dtype=bool)
    # Neighbour entropies of the kept words, from a second cut of the corpus.
    index_of = np.cumsum(keep) - 1
    short_idx = np.flatnonzero(keep[:n_short])
    short_words = ht.table_from(skeys[short_idx], index_of[short_idx] + 1)
    long_rows = np.flatnonzero(keep[n_short:])
    long_words = ht.table_from(frags.long_h1[lsel][long_rows], index_of[n_short + long_rows] + 1)
    n_words = int(keep.sum())
    long_h2 = np.zeros(max(n_words, 1), dtype=np.uint64)
    long_h2[index_of[n_short + long_rows]] = frags.long_h2[lsel][long_rows]

    def run(item, state):
        _, block = item
        ids = unit_ids.map(block)
        ends = fragment_ends(ids, order, bits, kept)
        pairs, size = state if state is not None else (ht.new_table(1 << 16), 0)
        return count_neighbours(ids, block, ends, order, bits, short_words, long_words, long_h2, pairs, size)

    pairs, _ = ht.merged(_parallel_blocks(stream, workers, run, progress, "neighbours"))
    pk, pv = ht.items(pairs)
    del pairs
    widx = (pk >> np.uint64(33)).astype(np.int64) - 1
    side = ((pk >> np.uint64(32)) & np.uint64(1)).astype(np.int64)
    left, right = entropies(widx, side, pv, n_words)
    kept_words = [w for w, k in zip(words, keep) if k]
    c = all_coh[keep]
    return Lexicon(kept_words, all_counts[keep], c, left, right, word_score(c, left, right))


def discover(inputs, **params) -> Lexicon:
    """Mine the words of a corpus, without a dictionary or labelled data.

    ``inputs``: a path (``str`` or path-like: file, directory, ``"-"`` for stdin), a list of
    path-likes, or any iterable of ``str`` texts. Parameters (all optional, as on the command line):

    - ``order`` (4): longest n-gram counted; words longer than this are found as chains.
    - ``min_count`` (auto, see :func:`auto_min_count`): minimum count of kept n-grams and of words.
    - ``min_pmi`` ((0, 2, 4, 6)): minimum cohesion in nats by length (index 0: single units).
    - ``preset``: ``"kexue2019"`` is the seed method exactly (order 4, min count 32, 0,2,4,6).
    - ``new_only`` / ``base_dict``: drop words of a base lexicon (a jieba-format path or ``"jieba"``).
    - ``keep_numbers`` (False): keep words that are only digits.
    - ``workers`` (all cores), ``memory`` ("2G"): parallelism and the count tables' memory budget.
    - ``encoding``, ``errors``, ``glob``, ``jsonl_field``: how inputs are read (see :class:`Corpus`).
    - ``progress`` (False): show progress bars on stderr.

    >>> from cikuang.demo import demo_path
    >>> lexicon = discover(demo_path())                 # 三国演义, 1.8 MB
    >>> [e.word for e in lexicon if len(e.word) >= 2][:4]
    ['玄德', '孔明', '将军', '曹操']
    >>> lexicon.get("孔明").count
    1095
    """
    return Discoverer(**params).fit(inputs).lexicon_
