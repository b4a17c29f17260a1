"""The export stage: a frozen lexicon, its word list, and its file formats.

A :class:`Lexicon` holds two things apart. Its **word list** is the entries whose ``status`` is
``"word"``: what a person reads, ranked by the word score (or by count). The other entries are kept
for segmentation only (single characters, collocations, fragments, numbers...), and their status
says why they are not words (see :mod:`cikuang.wordlist`); the segmenter uses every entry. Entries
are in reading order: the word list first, then the rest by count.

It is stored column-wise (a list of words, NumPy arrays of statistics), so a lexicon of millions
of words stays compact, and it writes three formats:

* ``tsv``: a header ``word count occurrences cohesion left_entropy right_entropy score status``
  and one row an entry, the word list first;
* ``jieba``: ``word count`` lines of the word list, which ``jieba.load_userdict`` and
  ``jieba.set_dictionary`` read;
* ``jsonl``: one JSON object an entry, with the tsv's fields;
* ``hanlp``: ``word nz count`` lines of the word list, HanLP's custom dictionary format (``nz``,
  HanLP's tag for proper nouns of other kinds, is the tag its users give new words; the other
  formats with a tag column leave it out: jieba's is optional);
* ``pkuseg``: one word of the word list a line, pkuseg's user dictionary.

With a base dictionary (``--base-dict``, or jieba's for ``--new-only``), the counts of the jieba and
hanlp formats are put on the base's scale (:func:`cikuang.basedict.on_base_scale`), so that the
segmenter that loads them weighs them against its own words properly.

The columns: ``count`` is the entry's count as a token of the corpus cut into words (the weight the
segmenter gives it; 0 for a compound that only the word list holds); ``occurrences`` how often the string occurs at all (inside longer words too);
``cohesion`` the PMI of its weakest split in two, in nats (NaN for one unit); the entropies (NaN for
one character, never a word), in
nats, those of the units next to its occurrences (a clause edge counts as a new neighbour each
time); ``score`` the word score, ``min(cohesion, min_cohesion + 2) + min(left_entropy,
right_entropy)`` (:func:`cikuang.scoring.word_score`).

Files are written atomically (:func:`cikuang.output.atomic_output`).
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np

from .errors import CikuangError
from .output import atomic_output

FORMATS = ("tsv", "jieba", "jsonl", "hanlp", "pkuseg")
#: The formats that hold the word list alone (the others hold every entry).
LIST_FORMATS = ("jieba", "hanlp", "pkuseg")
#: The tag the hanlp format gives every word.
NEW_WORD_TAG = "nz"
FIELDS = ("word", "count", "occurrences", "cohesion", "left_entropy", "right_entropy", "score", "status")
#: The tsv header of cikuang 0.1 lexicons, which :meth:`Lexicon.load` still reads.
FIELDS_0_1 = ("word", "count", "cohesion", "left_entropy", "right_entropy", "score")
_FLOATS = ("cohesion", "left_entropy", "right_entropy", "score")
SORTS = ("score", "count")
WORD = "word"


class Entry(NamedTuple):
    """One entry and the statistics that justify it (see the module doc for each column)."""

    word: str
    count: int
    occurrences: int  # -1 when unknown (a lexicon read from a file without the column)
    cohesion: float
    left_entropy: float
    right_entropy: float
    score: float
    status: str  # "word" for the word list, else why the entry is kept for segmentation only


class Lexicon(Sequence):
    """Entries with their statistics: the word list first (by ``sort``: ``"score"`` or ``"count"``,
    descending), then the entries kept for segmentation only, by count; ties by word."""

    def __init__(self, words, counts, cohesion=None, left_entropy=None, right_entropy=None, score=None, *,
                 occurrences=None, status=None, sort: str = "count"):
        if sort not in SORTS:
            raise CikuangError(f"unknown sort {sort!r} (choose from {', '.join(SORTS)})")
        n = len(words)
        nan = np.full(n, np.nan)
        cols = {
            "count": np.asarray(counts, dtype=np.int64),
            "occurrences": np.full(n, -1, np.int64) if occurrences is None else np.asarray(occurrences, np.int64),
            "cohesion": nan if cohesion is None else np.asarray(cohesion, dtype=np.float64),
            "left_entropy": nan if left_entropy is None else np.asarray(left_entropy, dtype=np.float64),
            "right_entropy": nan if right_entropy is None else np.asarray(right_entropy, dtype=np.float64),
            "score": nan if score is None else np.asarray(score, dtype=np.float64),
            "status": np.full(n, WORD, dtype=object) if status is None else np.asarray(status, dtype=object),
        }
        words = list(words)
        listed = cols["status"] == WORD
        key = cols["score"] if sort == "score" else cols["count"].astype(np.float64)
        key = np.where(np.isnan(key), -np.inf, key)
        # words first, by the sort key; the others by count; then by word (code point order, as str sorts)
        primary = np.where(listed, -key, -cols["count"].astype(np.float64))
        order = np.lexsort((np.array(words, dtype=str), primary, ~listed)) if n else np.zeros(0, np.int64)
        self._words = [words[i] for i in order.tolist()]
        self._cols = {k: v[order] for k, v in cols.items()}
        self.sort = sort
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self._words)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        c = self._cols
        return Entry(self._words[i], int(c["count"][i]), int(c["occurrences"][i]), float(c["cohesion"][i]),
                     float(c["left_entropy"][i]), float(c["right_entropy"][i]), float(c["score"][i]),
                     str(c["status"][i]))

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

    def column(self, name: str) -> np.ndarray:
        """A copy of one column (a name of :data:`FIELDS` but ``word``), in entry order."""
        return self._cols[name].copy()

    @property
    def n_words(self) -> int:
        """How many entries the word list has."""
        return int((self._cols["status"] == WORD).sum())

    def word_list(self, top: int | None = None) -> "Lexicon":
        """The word list alone (its first ``top`` words)."""
        rows = np.flatnonzero(self._cols["status"] == WORD)
        return self.take(rows if top is None else rows[:top])

    def sorted_by(self, sort: str) -> "Lexicon":
        """The same entries with the word list ranked by ``sort`` (``"score"`` or ``"count"``)."""
        return self._copy(np.arange(len(self)), sort)

    def __repr__(self) -> str:
        head = ", ".join(f"{e.word}:{e.count}" for e in self[:5])
        return f"<Lexicon of {len(self)} entries, {self.n_words} words: {head}{', ...' if len(self) > 5 else ''}>"

    def to_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Copies of the cohesion, left entropy, right entropy and score columns, in entry order."""
        return tuple(self._cols[k].copy() for k in _FLOATS)

    def filter(self, keep) -> "Lexicon":
        """A new lexicon of the entries for which ``keep(entry)`` is true."""
        return self.take([i for i, e in enumerate(self) if keep(e)])

    def take(self, rows) -> "Lexicon":
        """A new lexicon of the entries at ``rows`` (indices, or a boolean mask in entry order)."""
        rows = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows, dtype=np.int64)
        return self._copy(rows, self.sort)

    def _copy(self, rows: np.ndarray, sort: str) -> "Lexicon":
        c = self._cols
        return Lexicon([self._words[i] for i in rows.tolist()], c["count"][rows], *(c[k][rows] for k in _FLOATS),
                       occurrences=c["occurrences"][rows], status=c["status"][rows], sort=sort)

    def to_pandas(self):
        """A pandas DataFrame with the tsv's columns (requires pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise CikuangError("to_pandas() needs pandas: pip install pandas") from None
        return pd.DataFrame({"word": self._words, **{k: self._cols[k].copy() for k in FIELDS[1:]}})

    # -- writing -------------------------------------------------------------------------------

    def lines(self, format: str = "tsv", top: int | None = None, contexts=None) -> Iterator[str]:
        """The lines of a file: every entry (tsv, jsonl) or the word list (jieba, hanlp, pkuseg); with ``top``, the
        first ``top`` words of the word list only; ``contexts`` (a mapping of words to ``(left, right)``
        pairs, :mod:`cikuang.contexts`) adds a ``contexts`` field to jsonl lines."""
        if format not in FORMATS:
            raise CikuangError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
        rows = self if top is None and format not in LIST_FORMATS else self.word_list(top)
        # column by column, as Python values: an Entry per row reads eight NumPy scalars
        c = rows._cols
        words, counts, occurrences = rows._words, c["count"].tolist(), c["occurrences"].tolist()
        if format == "tsv":
            yield "\t".join(FIELDS) + "\n"
            floats = [[_fmt(x) for x in c[k].tolist()] for k in _FLOATS]
            for w, n, o, coh, left, right, score, status in zip(words, counts, occurrences, *floats,
                                                                 c["status"].tolist()):
                yield f"{w}\t{n}\t{'' if o < 0 else o}\t{coh}\t{left}\t{right}\t{score}\t{status}\n"
            return
        if format == "jsonl":
            floats = [[None if math.isnan(x) else round(x, 6) for x in c[k].tolist()] for k in _FLOATS]
            encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: dumps() makes one per call
            for w, n, o, *stats, status in zip(words, counts, occurrences, *floats, c["status"].tolist()):
                obj = {"word": w, "count": n, "occurrences": None if o < 0 else o, **dict(zip(_FLOATS, stats)),
                       "status": status}
                if contexts is not None:
                    obj["contexts"] = [list(x) for x in contexts.get(w, ())]
                yield encode(obj) + "\n"
            return
        for w, n, o in zip(words, counts, occurrences):
            # a word-list candidate has no segmentation count: its occurrences stand in
            count = n if n > 0 else max(o, 1)
            if format == "jieba":
                yield f"{w} {count}\n"
            elif format == "hanlp":
                yield f"{w} {NEW_WORD_TAG} {count}\n"
            else:  # pkuseg
                yield f"{w}\n"

    def save(self, path, format: str = "tsv", top: int | None = None, contexts=None) -> None:
        """Write the lexicon to ``path`` atomically (``format``: tsv, jieba or jsonl; see :meth:`lines`)."""
        lines = self.lines(format, top, contexts)
        with atomic_output(path) as f:
            f.writelines(lines)

    # -- reading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, path, tags: dict | None = None) -> "Lexicon":
        """Read a lexicon written in any of the three formats: tsv, jieba (``word count [tag]``
        lines, so any jieba dictionary) or jsonl; an entry without a status is a word. ``tags``:
        a dict that gets the tag of each jieba line that has one (in the same read)."""
        rows = []
        try:
            with open(path, encoding="utf-8-sig") as f:
                first = f.readline()
                header = first.rstrip("\r\n").split("\t")
                if header in (list(FIELDS), list(FIELDS_0_1)):
                    parse, first_lineno = _tsv_parser(header), 2
                else:
                    f.seek(0)
                    if not first.startswith("{"):
                        return cls(*_jieba_columns(f, path, tags))
                    parse, first_lineno = _jsonl_entry, 1
                for lineno, line in enumerate(f, first_lineno):
                    line = line.rstrip("\r\n")
                    if not line:
                        continue
                    try:
                        entry = parse(line)
                    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
                        raise _not_an_entry(lineno, line, path) from None
                    if entry is not None:
                        rows.append(entry)
        except OSError as e:
            raise CikuangError(e.strerror or str(e), str(path)) from None
        except UnicodeDecodeError as e:
            raise CikuangError(f"invalid UTF-8 ({e.reason})", str(path)) from None
        if not rows:
            return cls([], [])
        cols = {k: [r.get(k) for r in rows] for k in FIELDS}
        floats = {k: np.array([np.nan if x is None else x for x in cols[k]], np.float64) for k in _FLOATS}
        return cls(cols["word"], cols["count"], *(floats[k] for k in _FLOATS),
                   occurrences=[-1 if x is None else x for x in cols["occurrences"]],
                   status=[WORD if x is None else x for x in cols["status"]])


# One line of each format -> a dict of some of FIELDS (or None for a line to skip); ValueError if malformed.

def _count(text) -> int:
    """A count that fits the lexicon's 64-bit column."""
    count = int(text)
    if not -(1 << 63) <= count < 1 << 63:
        raise ValueError("count out of range")
    return count


def _tsv_parser(header: list[str]):
    def parse(line: str):
        parts = line.split("\t")
        if len(parts) != len(header) or not parts[0]:
            raise ValueError
        row = dict(zip(header, parts))
        out = {"word": row["word"], "count": _count(row["count"])}
        out.update({k: float(row[k]) if row[k] else None for k in _FLOATS})
        if "occurrences" in row:
            out["occurrences"] = _count(row["occurrences"]) if row["occurrences"] else None
            out["status"] = row["status"] or None
        return out

    return parse


def _not_an_entry(lineno: int, line: str, path) -> CikuangError:
    return CikuangError(f"line {lineno}: not a lexicon entry (word count [tag], or a cikuang tsv or jsonl "
                        f"line): {line.rstrip(chr(13) + chr(10))[:40]!r}", str(path))


def _jieba_columns(f, path, tags: dict | None = None) -> tuple[list[str], np.ndarray]:
    """Words and counts of a jieba-format file (and into ``tags`` the lines' tags): a dictionary
    of 350,000 words is read in a fraction of a second (a row object per line would take seconds)."""
    words: list[str] = []
    counts: list[int] = []
    names: dict[str, str] = {}  # one string per tag, not one per line
    for lineno, line in enumerate(f, 1):
        parts = line.split()  # any white space separates fields: a word never holds any
        if not parts:
            continue
        try:
            counts.append(int(parts[1]) if len(parts) > 1 else 1)
        except ValueError:
            raise _not_an_entry(lineno, line, path) from None
        words.append(parts[0])
        if tags is not None and len(parts) > 2:
            tags[parts[0]] = names.setdefault(parts[2], parts[2])
    try:
        return words, np.array(counts, dtype=np.int64)
    except OverflowError:  # a count beyond the 64-bit column: name its line
        f.seek(0)
        for lineno, line in enumerate(f, 1):
            try:
                _jieba_entry(line)
            except (ValueError, OverflowError):
                raise _not_an_entry(lineno, line, path) from None
        raise


def _jieba_entry(line: str):
    # fields are separated by spaces in jieba's files; a tab or several spaces do too (a word
    # never holds white space: it could never match)
    parts = line.split()
    if not parts:
        return None
    return {"word": parts[0], "count": _count(parts[1]) if len(parts) > 1 else 1}


def _jsonl_entry(line: str):
    if not line.strip():
        return None
    obj = json.loads(line)
    word = obj["word"]
    if not isinstance(word, str) or not word:
        raise ValueError
    out = {"word": word, "count": _count(obj["count"])}
    out.update({k: None if obj.get(k) is None else float(obj[k]) for k in _FLOATS})
    if obj.get("occurrences") is not None:
        out["occurrences"] = _count(obj["occurrences"])
    if obj.get("status") is not None:
        out["status"] = str(obj["status"])
    return out


def _fmt(x: float) -> str:
    return "" if math.isnan(x) else f"{x:.4f}"


def jieba_dictionary_path() -> str:
    """The path of jieba's own dictionary (found without importing jieba, which takes half a second)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise CikuangError("the base dictionary 'jieba' needs jieba installed: pip install jieba")
    return os.path.join(os.path.dirname(spec.origin), "dict.txt")


class BaseWords(frozenset):
    """The words of a base lexicon, and ``tags``: the part-of-speech tag of each word that its file
    gives one (jieba's ``word count tag`` lines; empty for a lexicon of words alone)."""

    tags: dict[str, str]

    def __new__(cls, words, tags=None):
        tags = dict(tags or {})
        # (the tagged words' strings serve as the set's: a dictionary's words are held once)
        out = super().__new__(cls, frozenset(tags).union(words) if tags else words)
        out.tags = tags
        return out


def load_base_words(base_dict) -> BaseWords:
    """Words of a base lexicon: a jieba-format path, ``"jieba"`` for jieba's own dictionary, a
    :class:`Lexicon`, or any collection of words; with the tags of a jieba-format file."""
    if isinstance(base_dict, Lexicon):
        return BaseWords(base_dict.words)
    if isinstance(base_dict, (set, frozenset, list, tuple)):
        return BaseWords(base_dict, getattr(base_dict, "tags", None))
    if isinstance(base_dict, (str, os.PathLike)):
        tags: dict[str, str] = {}
        words = Lexicon.load(jieba_dictionary_path() if str(base_dict) == "jieba" else base_dict, tags).words
        return BaseWords(words, tags)
    raise CikuangError(f"base_dict must be a path, 'jieba', a Lexicon or a collection of words, "
                       f"not {type(base_dict).__name__}")
