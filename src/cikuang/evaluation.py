"""Scoring a word segmentation against a gold one (the SIGHAN bakeoff convention).

Words are separated by runs of whitespace. A predicted word is correct when a gold word has the same
start and the same end (character offsets within the line); so

* precision ``P = correct / predicted words``, recall ``R = correct / gold words``,
  ``F = 2PR / (P + R)``;
* with a list of training words, a gold token is *out of vocabulary* (OOV) when the list lacks it:
  the OOV rate is the share of gold tokens that are OOV, the OOV recall the share of OOV gold tokens
  segmented correctly, the IV recall the same for the other gold tokens (as the bakeoff's ``score``
  script defines them).

Both sides must hold the same characters line by line (whitespace aside), and the same number of lines.
With no words at all on either side, P = R = F = 1 (the two segmentations are identical).

>>> s = evaluate(["结婚  的  和尚未  结婚  的"], ["结婚  的  和  尚未  结婚  的"])
>>> (s.n_gold, s.n_pred, s.n_correct)
(5, 6, 4)
>>> round(s.precision, 4), round(s.recall, 4), round(s.f1, 4)
(0.6667, 0.8, 0.7273)
>>> matches(["结婚", "的", "和尚未"], ["结婚", "的", "和", "尚未"])
[True, True, False]
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from itertools import zip_longest

from .errors import CikuangError

__all__ = ["Scores", "evaluate", "score_pair", "matches", "load_words", "tokens"]


@dataclass(frozen=True)
class Scores:
    """Span-based scores of a segmentation; the OOV fields are None without a word list."""

    precision: float
    recall: float
    f1: float
    n_gold: int  # gold words (tokens)
    n_pred: int  # predicted words
    n_correct: int  # predicted words whose start and end match a gold word
    n_lines: int = 0
    oov_rate: float | None = None  # share of gold tokens not in the word list
    oov_recall: float | None = None  # None also when there is no OOV token
    iv_recall: float | None = None  # None also when there is no in-vocabulary token
    n_oov: int | None = None  # gold tokens not in the word list
    n_oov_correct: int | None = None
    n_iv_correct: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def tokens(line: str) -> list[str]:
    """The words of one line of segmented text: whitespace-separated runs."""
    return line.split()


def matches(gold: Sequence[str], pred: Sequence[str]) -> list[bool]:
    """For each gold word, whether a predicted word has the same start and end.

    Both lists must spell the same characters (not checked here; :func:`evaluate` checks it).
    """
    out = [False] * len(gold)
    i = j = 0
    g_start = p_start = 0
    while i < len(gold) and j < len(pred):
        g_end = g_start + len(gold[i])
        p_end = p_start + len(pred[j])
        if g_end == p_end:
            out[i] = g_start == p_start
            i, j, g_start, p_start = i + 1, j + 1, g_end, p_end
        elif g_end < p_end:
            i, g_start = i + 1, g_end
        else:
            j, p_start = j + 1, p_end
    return out


class _Tally:
    __slots__ = ("n_gold", "n_pred", "n_correct", "n_lines", "n_oov", "n_oov_correct", "n_iv_correct")

    def __init__(self):
        self.n_gold = self.n_pred = self.n_correct = self.n_lines = 0
        self.n_oov = self.n_oov_correct = self.n_iv_correct = 0

    def add(self, gold: list[str], pred: list[str], words) -> None:
        ok = matches(gold, pred)
        self.n_lines += 1
        self.n_gold += len(gold)
        self.n_pred += len(pred)
        self.n_correct += sum(ok)
        if words is not None:
            for w, good in zip(gold, ok):
                if w in words:
                    self.n_iv_correct += good
                else:
                    self.n_oov += 1
                    self.n_oov_correct += good

    def scores(self, with_oov: bool) -> Scores:
        if self.n_gold == 0 and self.n_pred == 0:
            p = r = f = 1.0
        else:
            p = self.n_correct / self.n_pred if self.n_pred else 0.0
            r = self.n_correct / self.n_gold if self.n_gold else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
        if not with_oov:
            return Scores(p, r, f, self.n_gold, self.n_pred, self.n_correct, self.n_lines)
        n_iv = self.n_gold - self.n_oov
        return Scores(
            p, r, f, self.n_gold, self.n_pred, self.n_correct, self.n_lines,
            oov_rate=self.n_oov / self.n_gold if self.n_gold else 0.0,
            oov_recall=self.n_oov_correct / self.n_oov if self.n_oov else None,
            iv_recall=self.n_iv_correct / n_iv if n_iv else None,
            n_oov=self.n_oov, n_oov_correct=self.n_oov_correct, n_iv_correct=self.n_iv_correct)


def score_pair(gold: Sequence[str], pred: Sequence[str], train_words=None) -> Scores:
    """The scores of one pair of token lists (one sentence)."""
    return evaluate([list(gold)], [list(pred)], train_words=train_words)


def evaluate(gold, pred, train_words=None) -> Scores:
    """Score the segmentation ``pred`` against ``gold``, line by line, streaming.

    ``gold`` and ``pred`` are each a path (``str`` or path-like; ``-`` is standard input), an
    iterable of lines of whitespace-separated words, or an iterable of token lists.
    ``train_words`` is a collection of words, or a path to a word list (one word a line; a jieba
    ``word count`` file or a cikuang tsv lexicon also works: the first field is the word); it
    enables the OOV rate, OOV recall and IV recall.

    Raises :class:`~cikuang.errors.CikuangError` when a line's characters differ between the two,
    when they have different numbers of lines, or when a file cannot be read.
    """
    words = None
    if train_words is not None:
        words = load_words(train_words) if _is_path(train_words) else frozenset(train_words)
    tally = _Tally()
    with _lines(gold, "gold") as (g_name, g_iter), _lines(pred, "prediction") as (p_name, p_iter):
        for lineno, (g, p) in enumerate(zip_longest(g_iter, p_iter), 1):
            if g is None or p is None:  # one side has ended: count the rest of the other
                n_g = lineno - 1 + (g is not None) + sum(1 for _ in g_iter)
                n_p = lineno - 1 + (p is not None) + sum(1 for _ in p_iter)
                raise CikuangError(f"{g_name} has {_lines_n(n_g)} but {p_name} has {_lines_n(n_p)}")
            if "".join(g) != "".join(p):
                raise CikuangError(_mismatch(lineno, "".join(g), "".join(p), g_name, p_name))
            tally.add(g, p, words)
    return tally.scores(words is not None)


def _lines_n(n: int) -> str:
    return f"{n} line" if n == 1 else f"{n} lines"


def _mismatch(lineno: int, g: str, p: str, g_name: str, p_name: str) -> str:
    k = 0
    while k < min(len(g), len(p)) and g[k] == p[k]:
        k += 1
    return (f"line {lineno}: the characters of {g_name} and {p_name} differ from character {k + 1} "
            f"({g[k:k + 12]!r} vs {p[k:k + 12]!r})")


def _is_path(x) -> bool:
    return isinstance(x, (str, os.PathLike))


@contextlib.contextmanager
def _lines(source, role: str):
    """(name, iterator of token lists) for a path or an iterable of lines / token lists."""
    if _is_path(source):
        path = os.fspath(source)
        if path == "-":
            if sys.stdin is None:
                raise CikuangError("standard input is closed")
            f = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline=None)
            yield "standard input", _file_tokens(f, "standard input")
            return
        try:
            f = open(path, encoding="utf-8-sig")
        except OSError as e:
            raise CikuangError(e.strerror or str(e), path) from None
        with f:
            yield path, _file_tokens(f, path)
        return
    yield role, (tokens(x) if isinstance(x, str) else [t for t in x if t] for x in source)


def _file_tokens(f, name: str) -> Iterator[list[str]]:
    try:
        for line in f:
            yield line.split()
    except UnicodeDecodeError as e:
        raise CikuangError(f"invalid UTF-8 ({e.reason})", name) from None
    except OSError as e:
        raise CikuangError(e.strerror or str(e), name) from None


def load_words(path) -> frozenset[str]:
    """A word list: the first whitespace-separated field of every non-empty line.

    Reads plain word lists, jieba dictionaries (``word count [tag]``) and cikuang tsv lexicons
    (whose header line is skipped).
    """
    from .lexicon import FIELDS, FIELDS_0_1

    headers = ("\t".join(FIELDS), "\t".join(FIELDS_0_1))
    out = set()
    try:
        with open(path, encoding="utf-8-sig") as f:
            for i, line in enumerate(f):
                if i == 0 and line.rstrip("\r\n") in headers:
                    continue
                parts = line.split(None, 1)
                if parts:
                    out.add(parts[0])
    except OSError as e:
        raise CikuangError(e.strerror or str(e), os.fspath(path)) from None
    except UnicodeDecodeError as e:
        raise CikuangError(f"invalid UTF-8 ({e.reason})", os.fspath(path)) from None
    return frozenset(out)

