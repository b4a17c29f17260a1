"""Emerging words: the words of a new corpus that are more frequent in it than in a base corpus.

``discover(new, against=base)`` (``cikuang discover NEW --against BASE``) mines the words of NEW
as usual, then compares each word of its word list with BASE: a corpus (paths, texts...) or saved
counts (a ``.parquet`` file written by ``cikuang count -o``, :mod:`cikuang.savedcounts`).

For a word with ``a`` occurrences among the ``N1`` units of NEW and ``b`` among the ``N2`` units
of BASE (occurrences as a substring within clauses, on both sides: NEW's ``occurrences`` column,
BASE's n-gram count of the string), the 2×2 table ``[[a, N1 − a], [b, N2 − b]]`` has Dunning's
log-likelihood ratio (G², 1993)::

    G² = 2 Σ O ln(O / E)      over the four cells, E = row total × column total / (N1 + N2)
                              (a cell with O = 0 adds 0)

and the **emergence** is G² signed: ``+G²`` when the word's rate in NEW, ``a/N1``, is above its
rate in BASE, ``b/N2``, else ``−G²``. Under the hypothesis that both corpora have the same rate,
G² is about χ² with one degree of freedom: 3.84 is p = 0.05, 10.8 p = 0.001. The **floor**: a word
with ``a + b < MIN_JUDGED`` (5) occurrences in the two together is too rare to judge; its
emergence is 0 and its trend ``rare``. The ``rate_ratio`` is ``((a + ½)/N1) / ((b + ½)/N2)``
(with ½ added, finite for words absent from BASE). The ``trend``: ``new`` (absent from BASE:
``base_count`` 0), ``up`` (emergence ≥ 3.84), ``down`` (≤ −3.84), ``same``, or ``rare``.

The base count of a word of up to the base's order (saved counts: the order they were counted
with; a corpus: counted with the discovery's order) is exact. A longer word's is an **upper bound**:
the smallest count of its windows of ``order`` units (every occurrence of the word contains one of
each); ``base_exact`` says which. A bound of 0 is exact (a window never occurs, so the word does
not). Rows are sorted by emergence (descending), then count, then word.

The rows are NEW's word list and, if BASE lacks them, the long candidates that only the chain rule
kept out of it (:mod:`cikuang.wordlist`: count 0, status ``weak``, but cohesion at or above the
list's automatic ``min_cohesion``): within one corpus, a name of common characters cannot show that
its parts never stand apart, but its absence from BASE is the evidence (bench/bench_emergence.py:
27 to 29 of 30 planted words in the first 30 rows, against 21 with the word list alone).
"""
from __future__ import annotations

import json
import math
import os
import re

import numpy as np

from .errors import CikuangError
from .lexicon import WORD
from .output import atomic_output
from .listrules import WEAK, ListRules

#: Below this many occurrences in the two corpora together, a word is too rare to judge.
MIN_JUDGED = 5
#: G² at p = 0.05 (χ², one degree of freedom): the line between ``up``/``down`` and ``same``.
SIGNIFICANT = 3.84
COLUMNS = ("word", "count", "occurrences", "base_count", "base_exact", "rate_ratio", "emergence", "trend")
_UNIT = re.compile(r"[A-Za-z0-9]+|.", re.S)


def _xlogx_over(o: np.ndarray, e: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(o > 0, o * np.log(np.where(o > 0, o, 1) / np.where(e > 0, e, 1)), 0.0)


def log_likelihood(a, n1, b, n2) -> np.ndarray:
    """Signed G² of counts ``a`` of ``n1`` against ``b`` of ``n2`` (arrays; see the module doc)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    n1, n2 = float(n1), float(n2)
    total = n1 + n2
    k = a + b
    e11, e21 = n1 * k / total, n2 * k / total
    e12, e22 = n1 - e11, n2 - e21
    g2 = 2 * (_xlogx_over(a, e11) + _xlogx_over(n1 - a, e12) + _xlogx_over(b, e21) + _xlogx_over(n2 - b, e22))
    g2 = np.maximum(g2, 0.0)  # rounding near 0
    return np.where(a * n2 >= b * n1, g2, -g2)


def emergence_scores(a, n1, b, n2):
    """(emergence, rate ratio, judged) for counts ``a`` of ``n1`` (NEW) against ``b`` of ``n2`` (BASE)."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    judged = (a + b) >= MIN_JUDGED
    score = np.where(judged, log_likelihood(a, n1, b, n2), 0.0)
    ratio = ((a + 0.5) / max(n1, 1)) / ((b + 0.5) / max(n2, 1))
    return score, ratio, judged


def units(word: str) -> list[str]:
    """The units of a word's text (a Han character, or a run of ASCII letters and digits)."""
    return _UNIT.findall(word)


def base_counts(base, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(counts, exact) of ``words`` in ``base`` (an object with ``order`` and ``lookup(texts)``)."""
    split = [units(w) for w in words]
    wanted = set()
    for u in split:
        if len(u) <= base.order:
            wanted.add("".join(u))
        else:
            wanted.update("".join(u[i:i + base.order]) for i in range(len(u) - base.order + 1))
    wanted = sorted(wanted)
    found = dict(zip(wanted, base.lookup(wanted).tolist()))
    counts = np.zeros(len(words), dtype=np.int64)
    exact = np.ones(len(words), dtype=bool)
    for i, u in enumerate(split):
        if len(u) <= base.order:
            counts[i] = found["".join(u)]
        else:
            counts[i] = min(found["".join(u[j:j + base.order])] for j in range(len(u) - base.order + 1))
            exact[i] = counts[i] == 0
    return counts, exact


class TableCounts:
    """A count's table (:func:`cikuang.count`) with the look-up of :class:`~cikuang.savedcounts.SavedCounts`."""

    def __init__(self, table, order: int):
        self.table, self.order, self.n_units = table, order, int(table.n_units)

    def lookup(self, texts) -> np.ndarray:
        from .savedcounts import lookup_chunks, table_chunks

        return lookup_chunks(table_chunks(self.table), texts)


def open_base(against, order: int, count_corpus, open_file=None):
    """The base of a comparison: saved counts (a ``.parquet`` path), else a corpus counted to
    ``order`` by ``count_corpus(corpus, order)`` (the caller's :func:`cikuang.count`, with its
    engine, memory and how to read inputs: this module does not reach up to the API). ``open_file``
    opens a saved counts URI (the Spark engine's Hadoop file systems), else fsspec does."""
    from .savedcounts import SavedCounts, is_parquet

    if isinstance(against, (str, os.PathLike)) and is_parquet(against):
        return SavedCounts(against, open_file)
    if hasattr(against, "lookup") and hasattr(against, "order") and hasattr(against, "n_units"):
        return against  # SavedCounts, TableCounts
    return TableCounts(count_corpus(against, order), order)


class Emergence:
    """The word list of NEW compared with BASE, by emergence (see the module doc for the columns)."""

    def __init__(self, lexicon, base, n_units: int, min_cohesion: float | None = None):
        """``min_cohesion``: the word list's, which the discovery used (default: the automatic one
        for ``n_units``)."""
        # The word list, and the long words only the list holds that the chain rule alone held
        # back (cohesive enough for the list, but a new name of common characters cannot show in
        # one corpus that its parts never stand alone; that BASE lacks it is the evidence).
        status, counts = lexicon.column("status"), lexicon.counts
        if min_cohesion is None:
            min_cohesion = ListRules().for_corpus(n_units).min_cohesion
        with np.errstate(invalid="ignore"):
            held_back = (status == WEAK) & (counts == 0) & (lexicon.column("cohesion") >= min_cohesion)
        candidates = lexicon.take((status == WORD) | held_back)
        names = candidates.words
        b, exact = base_counts(base, names)  # one look-up: a saved counts file is read once
        rows = np.flatnonzero((candidates.column("status") == WORD) | (b == 0))  # held back: if BASE lacks it
        words = [names[i] for i in rows.tolist()]
        b, exact = b[rows], exact[rows]
        occ, cnt = candidates.column("occurrences")[rows], candidates.column("count")[rows]
        if len(occ) and (occ < 0).any():
            raise CikuangError("comparing with a base needs each word's occurrences (neighbours=True)")
        score, ratio, judged = emergence_scores(occ, n_units, b, base.n_units)
        trend = np.where(~judged, "rare", np.where(b == 0, "new", np.where(
            score >= SIGNIFICANT, "up", np.where(score <= -SIGNIFICANT, "down", "same")))).astype(object)
        order = np.lexsort((np.array(words, dtype=str), -cnt, -score)) if words else np.zeros(0, np.int64)
        self.n_units, self.base_n_units = int(n_units), int(base.n_units)
        self.base_order = base.order
        self._index = None
        self._words = [words[i] for i in order.tolist()]
        self._cols = {"count": cnt[order], "occurrences": occ[order], "base_count": b[order],
                      "base_exact": exact[order], "rate_ratio": ratio[order], "emergence": score[order],
                      "trend": trend[order]}

    def __len__(self) -> int:
        return len(self._words)

    @property
    def words(self) -> list[str]:
        return list(self._words)

    def column(self, name: str) -> np.ndarray:
        return self._cols[name].copy()

    def row(self, i: int) -> dict:
        """Row ``i`` (by emergence) as a dict of the columns."""
        c = self._cols
        return {"word": self._words[i], "count": int(c["count"][i]), "occurrences": int(c["occurrences"][i]),
                "base_count": int(c["base_count"][i]), "base_exact": bool(c["base_exact"][i]),
                "rate_ratio": float(c["rate_ratio"][i]), "emergence": float(c["emergence"][i]),
                "trend": str(c["trend"][i])}

    def rows(self, top: int | None = None):
        """Dicts of the columns, by emergence (the first ``top``)."""
        for i in range(len(self) if top is None else min(top, len(self))):
            yield self.row(i)

    def get(self, word: str) -> dict | None:
        """The row of ``word``, or None."""
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self._words)}
        i = self._index.get(word)
        return None if i is None else self.row(i)

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame({"word": self._words, **{k: v.copy() for k, v in self._cols.items()}})

    def lines(self, format: str = "tsv", top: int | None = None):
        if format not in ("tsv", "jsonl"):
            raise CikuangError(f"a comparison with a base is written as tsv or jsonl, not {format!r}")
        if format == "tsv":
            yield "\t".join(COLUMNS) + "\n"
        for r in self.rows(top):
            if format == "tsv":
                yield (f"{r['word']}\t{r['count']}\t{r['occurrences']}\t{r['base_count']}\t"
                       f"{'yes' if r['base_exact'] else 'no'}\t{r['rate_ratio']:.4f}\t{r['emergence']:.4f}\t"
                       f"{r['trend']}\n")
            else:
                r["rate_ratio"], r["emergence"] = round(r["rate_ratio"], 6), round(r["emergence"], 6)
                yield json.dumps(r, ensure_ascii=False) + "\n"

    def save(self, path, format: str = "tsv", top: int | None = None) -> None:
        with atomic_output(path) as f:
            f.writelines(self.lines(format, top))

    def print_table(self, top: int, title: str, out) -> None:
        n = min(top, len(self))
        out.write(f"{title}: {len(self)} words against a base of {self.base_n_units:,} units "
                  f"({self.n_units:,} here); the first {n} by emergence (signed G²)\n")
        out.write(f"{'rank':>4}  word      {'count':>7}  {'occurs':>7}  {'base':>7}  {'ratio':>8}  "
                  f"{'emergence':>9}  trend\n")
        for i, r in enumerate(self.rows(n), 1):
            pad = " " * max(0, 8 - sum(2 if ord(ch) > 0x2E80 else 1 for ch in r["word"]))
            base = f"{r['base_count']}" + ("" if r["base_exact"] else "≤")
            out.write(f"{i:>4}  {r['word']}{pad}  {r['count']:>7}  {r['occurrences']:>7}  {base:>7}  "
                      f"{r['rate_ratio']:>8.2f}  {r['emergence']:>9.2f}  {r['trend']}\n")

    def __repr__(self) -> str:
        head = ", ".join(f"{w}:{e:.1f}" for w, e in zip(self._words[:5], self._cols["emergence"][:5]))
        return f"<Emergence of {len(self)} words: {head}{', ...' if len(self) > 5 else ''}>"

