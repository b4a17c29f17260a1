"""The export stage: a frozen, sortable lexicon and its file formats.

A :class:`Lexicon` is an immutable sequence of :class:`Entry` rows, sorted by count (descending),
then word. It is stored column-wise (a list of words, NumPy arrays of statistics), so a lexicon of
millions of words stays compact, and it writes three formats:

* ``tsv``: a header ``word count cohesion left_entropy right_entropy score`` and one row a word;
* ``jieba``: ``word count`` lines, which ``jieba.set_dictionary`` and ``jieba.load_userdict`` read;
* ``jsonl``: one JSON object a word, with the tsv's fields.

Files are written atomically (:func:`cikuang.output.atomic_output`).
"""
from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np

from .errors import CikuangError
from .output import atomic_output

FORMATS = ("tsv", "jieba", "jsonl")
FIELDS = ("word", "count", "cohesion", "left_entropy", "right_entropy", "score")


class Entry(NamedTuple):
    """One word and the statistics that justify it (entropies and cohesion in nats)."""

    word: str
    count: int
    cohesion: float  # min-split PMI; NaN for a single unit
    left_entropy: float
    right_entropy: float
    score: float


class Lexicon(Sequence):
    """Discovered words with their statistics, sorted by count (descending), then word."""

    def __init__(self, words, counts, cohesion=None, left_entropy=None, right_entropy=None, score=None):
        n = len(words)
        nan = np.full(n, np.nan)
        cols = {
            "count": np.asarray(counts, dtype=np.int64),
            "cohesion": nan if cohesion is None else np.asarray(cohesion, dtype=np.float64),
            "left_entropy": nan if left_entropy is None else np.asarray(left_entropy, dtype=np.float64),
            "right_entropy": nan if right_entropy is None else np.asarray(right_entropy, dtype=np.float64),
            "score": nan if score is None else np.asarray(score, dtype=np.float64),
        }
        words = list(words)
        order = sorted(range(n), key=lambda i: (-cols["count"][i], words[i]))
        self._words = [words[i] for i in order]
        self._cols = {k: v[order] for k, v in cols.items()}
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self._words)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        c = self._cols
        return Entry(self._words[i], int(c["count"][i]), float(c["cohesion"][i]),
                     float(c["left_entropy"][i]), float(c["right_entropy"][i]), float(c["score"][i]))

    def __contains__(self, word) -> bool:
        return word in self.index

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self._words)}
        return self._index

    def get(self, word: str) -> Entry | None:
        i = self.index.get(word)
        return None if i is None else self[i]

    @property
    def words(self) -> list[str]:
        return list(self._words)

    @property
    def counts(self) -> np.ndarray:
        return self._cols["count"].copy()

    def __repr__(self) -> str:
        head = ", ".join(f"{e.word}:{e.count}" for e in self[:5])
        return f"<Lexicon of {len(self)} words: {head}{', ...' if len(self) > 5 else ''}>"

    def to_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Copies of the cohesion, left entropy, right entropy and score columns, in entry order."""
        c = self._cols
        return tuple(c[k].copy() for k in FIELDS[2:])

    def filter(self, keep) -> "Lexicon":
        """A new lexicon of the entries for which ``keep(entry)`` is true."""
        return self.take([i for i, e in enumerate(self) if keep(e)])

    def take(self, rows) -> "Lexicon":
        """A new lexicon of the entries at ``rows`` (indices, or a boolean mask in entry order)."""
        rows = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows, dtype=np.int64)
        c = self._cols
        return Lexicon([self._words[i] for i in rows.tolist()], *(c[k][rows] for k in FIELDS[1:]))

    def to_pandas(self):
        """A pandas DataFrame with the tsv's columns (requires pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise CikuangError("to_pandas() needs pandas: pip install pandas") from None
        return pd.DataFrame({"word": self._words, **{k: v.copy() for k, v in self._cols.items()}})

    # -- writing -------------------------------------------------------------------------------

    def lines(self, format: str = "tsv") -> Iterator[str]:
        if format not in FORMATS:
            raise CikuangError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
        if format == "tsv":
            yield "\t".join(FIELDS) + "\n"
        for e in self:
            if format == "jieba":
                yield f"{e.word} {e.count}\n"
            elif format == "tsv":
                yield "\t".join((e.word, str(e.count), *(_fmt(x) for x in e[2:]))) + "\n"
            else:
                obj = {"word": e.word, "count": e.count}
                obj.update({k: (None if math.isnan(x) else round(x, 6)) for k, x in zip(FIELDS[2:], e[2:])})
                yield json.dumps(obj, ensure_ascii=False) + "\n"

    def save(self, path, format: str = "tsv") -> None:
        """Write the lexicon to ``path`` atomically (``format``: tsv, jieba or jsonl)."""
        lines = self.lines(format)
        with atomic_output(path) as f:
            f.writelines(lines)

    # -- reading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, path) -> "Lexicon":
        """Read a lexicon written in any of the three formats: tsv, jieba (``word count [tag]``
        lines, so any jieba dictionary) or jsonl."""
        words, counts, stats = [], [], []
        try:
            with open(path, encoding="utf-8-sig") as f:
                first = f.readline()
                if first.rstrip("\n").split("\t") == list(FIELDS):
                    parse, first_lineno = _tsv_entry, 2
                else:
                    f.seek(0)
                    parse, first_lineno = (_jsonl_entry if first.startswith("{") else _jieba_entry), 1
                for lineno, line in enumerate(f, first_lineno):
                    line = line.rstrip("\r\n")
                    if not line:
                        continue
                    try:
                        entry = parse(line)
                    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
                        raise CikuangError(f"line {lineno}: not a lexicon entry (word count [tag], or a "
                                           f"cikuang tsv or jsonl line): {line[:40]!r}", str(path)) from None
                    if entry is not None:
                        words.append(entry[0])
                        counts.append(entry[1])
                        stats.append(entry[2])
        except OSError as e:
            raise CikuangError(e.strerror or str(e), str(path)) from None
        except UnicodeDecodeError as e:
            raise CikuangError(f"invalid UTF-8 ({e.reason})", str(path)) from None
        if parse is _jieba_entry or not words:
            return cls(words, counts)
        s = np.array(stats, dtype=np.float64)
        return cls(words, counts, s[:, 0], s[:, 1], s[:, 2], s[:, 3])


# One line of each format -> (word, count, [cohesion, left, right, score] or None); ValueError if malformed.

def _count(text) -> int:
    """A count that fits the lexicon's 64-bit column."""
    count = int(text)
    if not -(1 << 63) <= count < 1 << 63:
        raise ValueError("count out of range")
    return count


def _tsv_entry(line: str):
    parts = line.split("\t")
    if len(parts) != len(FIELDS) or not parts[0]:
        raise ValueError
    return parts[0], _count(parts[1]), [float(x) if x else np.nan for x in parts[2:6]]


def _jieba_entry(line: str):
    # fields are separated by spaces in jieba's files; a tab or several spaces do too (a word
    # never holds white space: it could never match)
    parts = line.split()
    if not parts:
        return None
    return parts[0], _count(parts[1]) if len(parts) > 1 else 1, None


def _jsonl_entry(line: str):
    if not line.strip():
        return None
    obj = json.loads(line)
    word = obj["word"]
    if not isinstance(word, str) or not word:
        raise ValueError
    return word, _count(obj["count"]), [np.nan if obj.get(k) is None else float(obj[k]) for k in FIELDS[2:]]


def _fmt(x: float) -> str:
    return "" if math.isnan(x) else f"{x:.4f}"


def load_base_words(base_dict) -> set[str]:
    """Words of a base lexicon: a jieba-format path, ``"jieba"`` for jieba's own dictionary, or a set."""
    if isinstance(base_dict, (set, frozenset)):
        return set(base_dict)
    if str(base_dict) == "jieba":
        try:
            import jieba
        except ImportError:
            raise CikuangError("--base-dict jieba needs jieba installed: pip install jieba") from None
        base_dict = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    return set(Lexicon.load(base_dict).words)
