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

import numpy as np

from .corpus import Corpus
from .counting import UnitIds, bits_for, count_stream, no_frequent_unit
from .errors import CikuangError
from .fragments import KeptSet, count_candidate_fragments, parallel_blocks
from .lexicon import Lexicon
from .progress import Progress
from .refine import refine, segmenter_units
from .scoring import kept_ngrams
from .unitstream import UnitStream, check_not_empty, default_workers
from .words import describe_words

PRESETS = {
    # Su Jianlin, "faster and better new-word discovery" (kexue.fm 6920, 2019), done exactly.
    "kexue2019": {"order": 4, "min_count": 32, "min_pmi": (0.0, 2.0, 4.0, 6.0), "refine": False},
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
    hundreds of occurrences in a small corpus. sqrt(N)/500, at least 3, gives 3 for a
    600k-character novel and for the 1.8M characters of PKU 1998, 4 for MSR's 4M, 6 for 9M
    characters, 63 for 1G characters. The constant was chosen by segmentation F1 on PKU 1998 and
    MSR (docs/benchmarks.md): 3 is best on both, 10 costs 1-2 points, as over-segmentation.
    """
    return max(3, round(math.sqrt(n_units) / 500))


#: Default minimum cohesion (nats) by length 1, 2, 3, 4. The seed's ladder is 0, 2, 4, 6; stricter
#: thresholds for 3 and 4 units cut fewer long chains of frequent pairs (这一天, 基础上), and were
#: better on PKU and MSR with or without the refine stage (docs/benchmarks.md: F 0.789 → 0.805 on
#: PKU and 0.803 → 0.810 on MSR with it, 0.763 → 0.776 and 0.771 → 0.776 without).
DEFAULT_MIN_PMI = (0.0, 2.0, 4.5, 8.0)


def default_min_pmi(order: int) -> tuple[float, ...]:
    """:data:`DEFAULT_MIN_PMI` for ``order``: cut short, or continued by its last step (3.5 nats)."""
    return parse_min_pmi(DEFAULT_MIN_PMI[:order], order)


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
        neighbours: bool = True,
        refine: bool | None = None,
        workers: int | None = None,
        memory="2G",
        tmp_dir: str | None = None,
        encoding: str = "utf-8",
        errors: str = "strict",
        glob: str = "*.txt",
        jsonl_field: str | None = None,
        progress: bool = False,
        engine: str | None = None,
        spark=None,
        spark_master: str | None = None,
    ):
        self.order = order
        self.min_count = min_count
        self.min_pmi = min_pmi
        self.preset = preset
        self.new_only = new_only
        self.base_dict = base_dict
        self.keep_numbers = keep_numbers
        self.neighbours = neighbours
        self.refine = refine
        self.workers = workers
        self.memory = memory
        self.tmp_dir = tmp_dir
        self.encoding = encoding
        self.errors = errors
        self.glob = glob
        self.jsonl_field = jsonl_field
        self.progress = progress
        self.engine = engine
        self.spark = spark
        self.spark_master = spark_master

    # -- parameters ----------------------------------------------------------------------------

    def _refines(self) -> bool:
        """Whether the refine stage runs: as asked, else unless the preset says otherwise."""
        if self.refine is not None:
            return bool(self.refine)
        return PRESETS.get(self.preset, {}).get("refine", True)

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
        if resolve_engine(self.engine, self.spark, inputs) == "spark":
            from .spark_engine import discover_spark

            return discover_spark(self, inputs, order, min_count, min_pmi, base_words,
                                  {"encoding": self.encoding, "errors": self.errors, "glob": self.glob,
                                   "jsonl_field": self.jsonl_field})
        corpus = self._corpus(inputs)
        name = corpus.name
        progress = Progress(enabled=self.progress)
        with tempfile.TemporaryDirectory(prefix="cikuang-", dir=self.tmp_dir) as work:
            stream = encode_corpus(corpus, work, workers, progress)
            check_not_empty(stream, name)
            n = stream.n_units
            self.n_units_ = n
            self.min_count_ = min_count if min_count is not None else auto_min_count(n)
            self.min_pmi_ = min_pmi if min_pmi is not None else default_min_pmi(order)
            self.order_ = order
            unit_ids = UnitIds.by_frequency(stream.unit_counts, self.min_count_)
            if len(unit_ids) == 0:
                raise no_frequent_unit(self.min_count_, name)
            bits = bits_for(len(unit_ids), order)
            stream.keep_ids(unit_ids, memory // 4)  # every later pass reads ids from memory if they fit
            counts = count_stream(stream, unit_ids, order, bits, memory, work, workers, progress, self.min_count_)
            kept = kept_ngrams(counts, n, self.min_count_, self.min_pmi_)
            if len(kept) == 0:
                raise nothing_kept(self.min_count_, self.min_pmi_, name)
            self.n_kept_ = len(kept)
            kept_set = KeptSet.of(kept, counts.lengths(kept), bits)
            frags = count_candidate_fragments(stream, unit_ids, order, bits, kept_set, workers, progress)
            refines = self._refines()
            lexicon = describe_words(stream, unit_ids, counts, frags, kept_set, order, bits, n,
                                     self.min_count_, self.keep_numbers, None if refines else base_words,
                                     workers, progress, neighbours=self.neighbours)
            if refines:
                lexicon = refine(lexicon, self.min_count_, self.keep_numbers, base_words, self.neighbours,
                                 over_stream(stream, unit_ids, workers, progress))
            self.lexicon_ = lexicon
        return self


def over_stream(stream: UnitStream, unit_ids, workers: int, progress: Progress):
    """The refine stage's ``over_blocks`` (:mod:`cikuang.refine`) for the local unit stream: the
    blocks in threads, ``workers`` at a time, each thread adding up its own results."""
    def over_blocks(segmenter, fn, total, *args):
        def run(item, acc):
            part = fn(segmenter, segmenter_units(segmenter, item[2], stream.vocab.latin), *args)
            return part if acc is None else total([acc, part])

        return total(parallel_blocks(stream, unit_ids, workers, run, progress, "refining", with_codes=True))

    return over_blocks


def resolve_engine(engine, spark, inputs) -> str:
    """``"local"`` or ``"spark"``: as asked, else Spark when given a SparkSession or a Spark DataFrame."""
    if engine is None:
        spark_input = type(inputs).__module__.startswith("pyspark.")
        return "spark" if spark is not None or spark_input else "local"
    if engine not in ("local", "spark"):
        raise CikuangError(f"engine must be 'local' or 'spark', not {engine!r}")
    return engine


def nothing_kept(min_count: int, min_pmi, name: str) -> CikuangError:
    """The error for an empty kept set: a lexicon of single characters would be no result at all."""
    return CikuangError(
        f"no n-gram passes the thresholds (min count {min_count}, min PMI "
        f"{','.join(f'{x:g}' for x in min_pmi)}); the corpus may be too small or the thresholds too high", name)


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


def encode_corpus(corpus: Corpus, work: str, workers: int, progress: Progress) -> UnitStream:
    """The encode stage, with a progress bar."""
    bar = progress.bar("reading", total=corpus.size_bytes(), unit="B")
    try:
        return UnitStream.encode(corpus, os.path.join(work, "units.u32"), workers=workers, progress=bar.update)
    finally:
        bar.close()


def discover(inputs, **params) -> Lexicon:
    """Mine the words of a corpus, without a dictionary or labelled data.

    ``inputs``: a path (``str`` or path-like: file, directory, ``"-"`` for stdin), a list of
    path-likes, or any iterable of ``str`` texts. Parameters (all optional, as on the command line):

    - ``order`` (4): longest n-gram counted; words longer than this are found as chains.
    - ``min_count`` (auto, see :func:`auto_min_count`): minimum count of kept n-grams and of words.
    - ``min_pmi`` ((0, 2, 4.5, 8)): minimum cohesion in nats by length (index 0: single units);
      a short list continues by its last step.
    - ``preset``: ``"kexue2019"`` is the seed method exactly (order 4, min count 32, 0,2,4,6).
    - ``new_only`` / ``base_dict``: drop words of a base lexicon (a jieba-format path or ``"jieba"``).
    - ``keep_numbers`` (False): keep words that are only digits.
    - ``refine`` (True, False with the kexue2019 preset): run the refine stage
      (:mod:`cikuang.refine`), which segments the corpus with the discovered words and merges
      pairs of characters that stay together as tokens, and splits two-character words that
      their parts explain. It costs one more pass and adds 2-3 F points of segmentation.
    - ``neighbours`` (True): compute the left/right neighbour entropies and the score, which takes
      one more pass over the corpus; with False those columns are NaN (the jieba format has none).
    - ``workers`` (all cores), ``memory`` ("2G"): parallelism and the count tables' memory budget.
    - ``encoding``, ``errors``, ``glob``, ``jsonl_field``: how inputs are read (see :class:`Corpus`).
    - ``progress`` (False): show progress bars on stderr.
    - ``engine`` ("local"): ``"spark"`` runs every corpus-sized stage on Spark (``pip install
      "cikuang[spark]"``), with the same output; ``spark`` is a SparkSession to use (implies
      ``engine="spark"``), ``spark_master`` the master of a new one (default ``local[*]``). Inputs
      are then paths Spark reads (local, ``hdfs://``, ``s3a://``...), texts, or a Spark DataFrame
      with a text column. See docs/scaling.md.

    >>> from cikuang.demo import demo_path
    >>> lexicon = discover(demo_path())                 # 三国演义, 1.8 MB
    >>> [e.word for e in lexicon if len(e.word) >= 2][:4]
    ['玄德', '孔明', '将军', '曹操']
    >>> lexicon.get("孔明").count
    1109
    """
    return Discoverer(**params).fit(inputs).lexicon_
