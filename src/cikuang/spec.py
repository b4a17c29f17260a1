"""The settings of a discovery, in one place: what each means, its default, presets and checks.

:class:`DiscoverySpec` is the model: the settings that decide which words come out. It is frozen
and validated on construction, so a spec that exists is a spec that can run; the recipe
(:mod:`cikuang.recipe`) and both engines read it, and the command line builds its options, their
help and their defaults from the fields' metadata (:func:`option`), so a default is written once.
:class:`ReadSpec` says how inputs are read and :class:`RunSpec` where and how the work runs; they
carry no model state, and two runs that differ only in them write the same bytes.
"""
from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields

from .errors import CikuangError
from .scoring import SCORERS, resolve_scorer

#: Orders ``discover`` accepts (an n-gram of one unit has no split to score) and ``count`` accepts.
DISCOVER_ORDERS = range(2, 9)
COUNT_ORDERS = range(1, 9)

#: Default minimum cohesion (nats) by length 1, 2, 3, 4. The seed's ladder is 0, 2, 4, 6; stricter
#: thresholds for 3 and 4 units cut fewer long chains of frequent pairs (这一天, 基础上), and were
#: better on PKU and MSR with or without the refine stage (docs/benchmarks.md: F 0.789 → 0.805 on
#: PKU and 0.803 → 0.810 on MSR with it, 0.763 → 0.776 and 0.771 → 0.776 without).
DEFAULT_MIN_PMI = (0.0, 2.0, 4.5, 8.0)

PRESETS = {
    # Su Jianlin, "faster and better new-word discovery" (kexue.fm 6920, 2019), done exactly.
    # Its lexicon is the word list as it is: no rule of the word list, ranked by count.
    "kexue2019": {"order": 4, "min_count": 32, "min_pmi": (0.0, 2.0, 4.0, 6.0), "refine": False,
                  "word_list": False, "sort": "count"},
}

#: How the default min count is described wherever it is shown (the rule is :func:`auto_min_count`).
AUTO_MIN_COUNT = "max(3, sqrt(N)/500) for a corpus of N units"


def option(default, help: str, *, metavar: str | None = None, flag: str | None = None, choices=None,
           cli: bool = True):
    """A spec field with what the command line needs to offer it: its help (``{default}`` is
    replaced by the default), its metavar, flag (default ``--field-name``) and choices."""
    return field(default=default, metadata={"help": help, "metavar": metavar, "flag": flag,
                                            "choices": choices, "cli": cli})


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


def check_base_dict(value):
    """``base_dict`` as a spec holds it: a path or ``"jieba"`` as given, else the frozenset of words of
    a :class:`~cikuang.Lexicon`, a mapping of word to count, or any iterable of words."""
    if value is None or isinstance(value, (str, os.PathLike)):
        return value
    from .lexicon import Lexicon

    if isinstance(value, Lexicon):
        return frozenset(value.words)
    if isinstance(value, Mapping):
        words = list(value.keys())
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, bytearray)):
        words = list(value)
    else:
        raise CikuangError(f"base_dict must be a path, 'jieba', a Lexicon, a dict of word to count or an "
                           f"iterable of words, not {type(value).__name__}")
    for w in words:
        if not isinstance(w, str):
            raise CikuangError(f"base_dict must hold words (str), not {type(w).__name__}: {w!r}")
    return frozenset(words)


def check_order(order, allowed: range = DISCOVER_ORDERS) -> int:
    if isinstance(order, bool) or not isinstance(order, int) or order not in allowed:
        raise CikuangError(f"order must be an integer from {allowed.start} to {allowed.stop - 1}, not {order!r}")
    return order


def parse_min_pmi(value, order: int, continue_ladder: bool = False) -> tuple[float, ...]:
    """Thresholds by length (index 0 for single units, unused): one per length, or one number for
    every length above 1. ``continue_ladder`` continues a short list by its last step (only the
    default ladder is continued so: a list a user gives must say every threshold)."""
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
    if len(value) > order:
        raise CikuangError(f"min_pmi has {len(value)} thresholds, more than the {order} lengths of order {order}")
    if len(value) < order and not continue_ladder:
        raise CikuangError(f"min_pmi has {len(value)} thresholds for the {order} lengths of order {order}: give "
                           f"one per length, the first for single units (unused), e.g. "
                           f"{_ladder(default_min_pmi(order))}")
    while len(value) < order:
        value.append(value[-1] + (value[-1] - value[-2] if len(value) >= 2 else 0.0))
    return tuple(value[:order])


def default_min_pmi(order: int) -> tuple[float, ...]:
    """:data:`DEFAULT_MIN_PMI` for ``order``: cut short, or continued by its last step (3.5 nats)."""
    return parse_min_pmi(DEFAULT_MIN_PMI[:order], order, continue_ladder=True)


def _ladder(values) -> str:
    return ",".join(f"{x:g}" for x in values)


@dataclass(frozen=True)
class DiscoverySpec:
    """The model settings of a discovery (see :func:`cikuang.discover` for how they are used).

    ``min_count=None`` adapts to the corpus (:func:`auto_min_count`); ``min_pmi=None`` is the default
    ladder for ``order``. After construction ``min_pmi`` always holds one threshold per length.
    """

    order: int = option(4, "longest n-gram counted (default {default}); longer words are found as chains of "
                           "overlapping n-grams", metavar="N")
    min_count: int | None = option(None, "minimum count of kept n-grams and of words (default: "
                                         + AUTO_MIN_COUNT + ")", metavar="N")
    min_pmi: tuple[float, ...] | None = option(
        None, "minimum cohesion in nats for lengths 1,2,3,4,..., one per length up to the order, or one "
        "number for every length (default " + _ladder(DEFAULT_MIN_PMI) + ", continued by 3.5 per extra "
        "length; the first is unused)", metavar="A,B,C,D")
    scorer: object = option("pmi", "how one split of an n-gram in two is scored; the cohesion is the "
                                   "weakest split's score (default {default}: ln(N·c(w)/(c(a)·c(b))))",
                            choices=tuple(SCORERS))
    refine: bool = option(True, "check the words against a segmentation of the corpus: merge characters "
                                "that stay together as tokens (法国, 大家), split two-character words that "
                                "their parts explain (default: on, off with --preset kexue2019)")
    keep_numbers: bool = option(False, "keep words that are only digits")
    new_only: bool = option(False, "drop words found in the base lexicon")
    base_dict: object = option(None, "base lexicon for --new-only: a jieba-format file (its tags, where "
                                     "lines have them, mark its words before a verb or adjective as a "
                                     "phrase: 剧烈动荡), or 'jieba' for jieba's own dictionary (default: jieba)",
                               metavar="PATH|jieba")
    word_list: bool = option(True, "apply the word list's rules (off: every entry is a word, as with "
                                   "--preset kexue2019)", cli=False)
    sort: str = option("score", "rank the word list by the word score, cohesion (counted up to MIN_COHESION "
                                "+ 2) + min(left, right entropy) "
                                "(default), or by count", choices=("score", "count"))
    min_cohesion: float | None = option(None, "a word's least cohesion in nats (default: ln(sqrt(N)/15) for N "
                                              "units, within 3.5..6.5)", metavar="NATS")
    min_entropy: float | None = option(None, "a word's least neighbour entropy on either side, in nats "
                                             "(default: ln(N)/10)", metavar="NATS")
    min_length: int = option(2, "a word's least number of units (default {default}; a Latin run is one unit)",
                             metavar="N")
    han_only: bool = option(False, "list words of Han characters only (no Latin letters or digits)")
    compounds: bool = option(False, "also offer the word list two words that stand together as tokens far "
                                    "more than chance (鼠标+指针, 蓝牙+模块): finds long terms, and more phrases")
    stopwords: object = option(None, "a file of characters or words, one a line, that a word may not "
                                     "begin or end with", metavar="FILE")
    neighbours: bool = option(True, "count occurrences and neighbours, and so the word list (one more "
                                    "pass; off: every entry is a word, without those statistics)", cli=False)

    def __post_init__(self):
        check_order(self.order)
        mc = self.min_count
        if mc is not None:
            if isinstance(mc, bool) or not isinstance(mc, numbers.Integral) or mc < 1:
                raise CikuangError(f"min_count must be a positive integer, not {mc!r}")
            object.__setattr__(self, "min_count", int(mc))
        pmi = default_min_pmi(self.order) if self.min_pmi is None else parse_min_pmi(self.min_pmi, self.order)
        object.__setattr__(self, "min_pmi", pmi)
        resolve_scorer(self.scorer)
        object.__setattr__(self, "base_dict", check_base_dict(self.base_dict))
        for name in ("refine", "keep_numbers", "new_only", "neighbours", "word_list", "han_only", "compounds"):
            object.__setattr__(self, name, bool(getattr(self, name)))
        if self.sort not in ("score", "count"):
            raise CikuangError(f"sort must be 'score' or 'count', not {self.sort!r}")
        for name in ("min_cohesion", "min_entropy"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value)):
                raise CikuangError(f"{name} must be a number of nats, not {value!r}")
        ml = self.min_length
        if isinstance(ml, bool) or not isinstance(ml, numbers.Integral) or ml < 1:
            raise CikuangError(f"min_length must be a positive integer, not {ml!r}")

    @classmethod
    def build(cls, preset: str | None = None, **given) -> "DiscoverySpec":
        """A spec from a preset (or the defaults) and the settings ``given``; ``None`` means not given."""
        base = {}
        if preset is not None:
            if preset not in PRESETS:
                raise CikuangError(f"unknown preset {preset!r} (choose from {', '.join(PRESETS)})")
            base = dict(PRESETS[preset])
        unknown = set(given) - {f.name for f in fields(cls)}
        if unknown:
            raise CikuangError(f"unknown setting {sorted(unknown)[0]!r}")
        base.update({k: v for k, v in given.items() if v is not None})
        return cls(**base)

    def min_count_for(self, n_units: int) -> int:
        """The minimum count for a corpus of ``n_units`` units: as given, else :func:`auto_min_count`."""
        return self.min_count if self.min_count is not None else auto_min_count(n_units)


@dataclass(frozen=True)
class ReadSpec:
    """How inputs are read (see :class:`cikuang.Corpus`)."""

    encoding: str = option("utf-8", "input encoding (default: {default}; a BOM is skipped)")
    errors: str = option("strict", "on undecodable bytes: stop with an error (strict, default) or "
                                   "substitute U+FFFD", choices=("strict", "replace"))
    glob: str = option("*.txt", "file pattern inside directories (default: {default})")
    jsonl_field: str | None = option(None, "inputs are JSON lines; mine field NAME of each", metavar="NAME")
    input_format: str = option("text", "what the input files hold: text (default; compressed or not), json "
                                       "(JSON lines), parquet or orc (a table: the column --text-column; "
                                       "the local engine needs pyarrow for these)",
                               choices=("text", "parquet", "orc", "json"))
    text_column: str | None = option(None, "the text column of parquet, orc or json inputs (default: the only "
                                           "string column, else one named text or value)", metavar="NAME")

    def __post_init__(self):
        if self.input_format not in ("text", "parquet", "orc", "json"):
            raise CikuangError(f"input_format must be text, parquet, orc or json, not {self.input_format!r}")
        for name in ("jsonl_field", "text_column"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise CikuangError(f"{name} must be a column name, not {value!r}")
        if self.jsonl_field is not None and (self.input_format not in ("text", "json")
                                             or self.text_column not in (None, self.jsonl_field)):
            raise CikuangError("jsonl_field NAME reads JSON lines: it is input_format='json', text_column=NAME")

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


ENGINES = ("local", "spark")


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


@dataclass(frozen=True)
class RunSpec:
    """Where and how the work runs: the engine and its resources. No setting here changes an output."""

    engine: str | None = option(None, "local (default), or spark: every corpus-sized stage on a Spark cluster, "
                                      "same output; INPUTs are then paths Spark reads (hdfs://, s3a://, local); "
                                      "needs pip install \"cikuang[spark]\"", choices=ENGINES)
    workers: int | None = option(None, "threads to use (default: all cores)", metavar="N")
    memory: str = option("2G", "memory budget of the count tables, the passes over the text and the "
                               "sorts, which spill to disk beyond it; not bounded by it: what grows with the "
                               "corpus's vocabulary (its frequent n-grams, the word list's neighbours), and "
                               "about 150 MB for Python itself (default: {default})", metavar="SIZE")
    tmp_dir: str | None = option(None, "where the unit stream and spill files go (default: $TMPDIR)",
                                 metavar="DIR")
    spark_master: str | None = option(None, "with --engine spark: the master (default: local[*], or the "
                                            "one spark-submit sets)", metavar="URL")

    def __post_init__(self):
        if self.engine is not None and self.engine not in ENGINES:
            raise CikuangError(f"engine must be 'local' or 'spark', not {self.engine!r}")
        w = self.workers
        if w is not None and (isinstance(w, bool) or not isinstance(w, numbers.Integral) or w < 1):
            raise CikuangError(f"workers must be a positive integer, not {w!r}")
        parse_memory(self.memory)

    @property
    def memory_bytes(self) -> int:
        return parse_memory(self.memory)


def default_of(spec_class, name: str):
    """The default of field ``name`` of a spec class."""
    for f in fields(spec_class):
        if f.name == name:
            return None if f.default is MISSING else f.default
    raise KeyError(name)
