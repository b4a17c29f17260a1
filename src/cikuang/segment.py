"""The segment stage: cut text into the words of a lexicon.

The model is a unigram language model: a word's probability is its count in the lexicon over the
total count, and a clause is cut into the sequence of words of highest probability (Viterbi over
the lattice of every lexicon word that occurs in it, compiled in :func:`cikuang._native.segment_block`).
A unit that no lexicon word covers is a word of its own, with the probability of a word seen half
as often as the rarest word of the lexicon: the lexicon keeps every word that reaches its minimum
count, so a unit missing from it is rarer than any of them.

What a unit is follows the text model of discovery (:mod:`cikuang.textmodel`): each Han character
is one unit, a run of ASCII letters and digits is one unit and is never split, and every other
character (punctuation, symbols, other scripts) is a token of its own that ends the clause. The
decisions are taken on the NFKC form of each character, but the output holds the input's own
characters: ``１２月`` stays full-width. Whitespace separates tokens and is not written; lines stay
lines, empty ones included.

>>> seg = Segmenter({"新词": 50, "发现": 40, "新": 10, "词": 10, "发": 5, "现": 5, "的": 80})
>>> seg.cut("新词的发现，ＡＢＣ１２３。")
['新词', '的', '发现', '，', 'ＡＢＣ１２３', '。']
"""
from __future__ import annotations

import math
import os
import unicodedata
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from ._native import build_trie, root_children, segment_block, token_block
from .corpus import Corpus
from .errors import CikuangError
from .lexicon import Lexicon, atomic_output
from .progress import Progress
from .textmodel import LATIN_BASE, _KEEP, _astral_han_mask, _bmp_tables, _classify_astral, _unit_class_table

# What a character is to the segmenter: these four values, or (larger) a unit code.
MARK, CONTINUE, SPACE, NEWLINE = 0, 1, 2, 3
#: The code of a Latin run that is not in the lexicon (never a trie edge).
UNKNOWN_LATIN = 0xFFFFFFFF

# Character classes of the table below, before unit codes are assigned.
_C_MARK, _C_CONTINUE, _C_SPACE, _C_NEWLINE, _C_HAN, _C_LATIN = 0, 1, 2, 3, 4, 5


@lru_cache(maxsize=1)
def _bmp_classes() -> tuple[np.ndarray, np.ndarray]:
    """(class, NFKC code point) of every BMP code point, for the segmenter."""
    kinds, mapped = _bmp_tables()
    mapped = mapped.copy()
    unit_class = _unit_class_table()
    cls = np.full(0x10000, _C_MARK, dtype=np.uint8)
    keep = kinds == _KEEP
    small = keep & (mapped < 0x10000)
    cls[small & (unit_class[np.minimum(mapped, 0xFFFF)] == 1)] = _C_HAN
    cls[small & (unit_class[np.minimum(mapped, 0xFFFF)] == 2)] = _C_LATIN
    big = keep & (mapped >= 0x10000)
    cls[big & _astral_han_mask(mapped)] = _C_HAN
    # Characters whose NFKC depends on context or expands: decided one by one (a few thousand).
    for cp in np.flatnonzero(~keep).tolist():
        ch = chr(cp)
        if unicodedata.category(ch).startswith("M"):
            cls[cp] = _C_CONTINUE
        else:
            norm = unicodedata.normalize("NFKC", ch)
            if len(norm) == 1 and unit_class[min(ord(norm), 0xFFFF)] == 1:
                cls[cp], mapped[cp] = _C_HAN, ord(norm)
            elif norm.isascii() and norm.isalnum():  # ﬁ, ①: letters or digits, several of them
                cls[cp], mapped[cp] = _C_LATIN, 0
    for cp in range(0x10000):
        if chr(cp).isspace():
            cls[cp] = _C_SPACE
    cls[0x0A] = _C_NEWLINE
    return cls, mapped


class _UnitCoder:
    """Unit codes of the characters of a text (see the module doc), with a Latin-run vocabulary."""

    def __init__(self):
        self.latin: dict[str, int] = {}

    def units(self, cps: np.ndarray, add_latin: bool = False) -> np.ndarray:
        classes, mapped = _bmp_classes()
        bmp = cps < 0x10000
        if bmp.all():
            cls = classes[cps]
            code = mapped[cps]
        else:
            cls = np.full(len(cps), _C_MARK, dtype=np.uint8)
            code = np.zeros(len(cps), dtype=np.uint32)
            cls[bmp] = classes[cps[bmp]]
            code[bmp] = mapped[cps[bmp]]
            astral = np.flatnonzero(~bmp)
            han = _astral_han_mask(cps[astral])
            cls[astral[han]] = _C_HAN
            code[astral[han]] = [_classify_astral(int(cp))[1] for cp in cps[astral[han]]]
        units = np.where(cls == _C_HAN, code, cls).astype(np.uint32)  # classes 0-3 are their own values
        latin = cls == _C_LATIN
        if latin.any():
            latin |= _number_marks(code, latin)
            run_start = latin.copy()
            run_start[1:] &= ~latin[:-1]
            units[latin] = CONTINUE
            if (code[latin] == 0).any():
                runs = _runs_with_expansions(cps, code, latin, run_start)
            else:
                runs = np.where(latin, code, 0x20).astype(np.uint8).tobytes().decode("ascii").split()
            units[run_start] = self._latin_codes(runs, add_latin)
        return units

    def _latin_codes(self, runs: list[str], add: bool) -> list[int]:
        vocab = self.latin
        if add:
            for run in runs:
                if run not in vocab:
                    vocab[run] = LATIN_BASE + len(vocab)
        return [vocab.get(run, UNKNOWN_LATIN) for run in runs]


def _runs_with_expansions(cps, code, latin, run_start) -> list[str]:
    """The text of each Latin run when some of its characters expand under NFKC (``ﬁ``, ``①``)."""
    at = np.flatnonzero(latin)
    parts = [chr(c) if c else unicodedata.normalize("NFKC", chr(cp))
             for c, cp in zip(code[at].tolist(), cps[at].tolist())]
    starts = run_start[at].tolist()
    return "".join(" " + p if s else p for p, s in zip(parts, starts)).split()


def _number_marks(code: np.ndarray, latin: np.ndarray) -> np.ndarray:
    """The marks that belong to a number: ``.`` or ``/`` between digits, ``%`` after one.

    ``3.5%``, ``１／３`` and ``２０％`` are one token in every segmentation standard, as a run of
    letters and digits is; without this rule each mark would be a token of its own.
    """
    digit = latin & (code >= 0x30) & (code <= 0x39)
    marks = np.zeros(len(code), dtype=bool)
    if len(code) >= 3:
        joiner = (code[1:-1] == 0x2E) | (code[1:-1] == 0x2F)
        marks[1:-1] = joiner & digit[:-2] & digit[2:]
    marks[1:] |= (code[1:] == 0x25) & digit[:-1]
    return marks


def _as_lexicon(lexicon) -> Lexicon:
    if isinstance(lexicon, Lexicon):
        return lexicon
    if isinstance(lexicon, (str, os.PathLike)):
        return Lexicon.load(lexicon)
    if isinstance(lexicon, Mapping):
        return Lexicon(list(lexicon.keys()), list(lexicon.values()))
    raise CikuangError(f"a lexicon must be a Lexicon, a path or a mapping of word to count, "
                       f"not {type(lexicon).__name__}")


class Segmenter:
    """Maximum-probability segmentation over the words of a lexicon.

    ``lexicon``: a :class:`~cikuang.Lexicon`, the path of one written by ``cikuang discover`` (tsv, jsonl
    or jieba format, or any jieba dictionary), or a mapping of word to count.

    After construction: ``n_words_`` (words usable as lattice edges: a word holding punctuation or
    spaces can never match, since those are tokens of their own), ``total_`` (the lexicon's total
    count), ``unknown_logp_`` (the log-probability of a unit that is not a word), ``word_units_``
    (codes, starts: the unit codes of lexicon word ``w`` are ``codes[starts[w]:starts[w + 1]]``,
    none for an unusable word) and ``word_node_`` (the lattice node of each lexicon word, in the
    lexicon's order; 0 for an unusable word; nodes are numbered below ``n_nodes_``).
    """

    def __init__(self, lexicon):
        lex = _as_lexicon(lexicon)
        if len(lex) == 0:
            raise CikuangError("the lexicon is empty")
        counts = lex.counts.astype(np.float64)
        if (counts <= 0).any():
            bad = lex.words[int(np.flatnonzero(counts <= 0)[0])]
            raise CikuangError(f"the count of {bad!r} is not positive")
        self.total_ = float(counts.sum())
        self.unknown_logp_ = math.log(0.5 * counts.min() / self.total_)
        self._coder = _UnitCoder()
        self._latin_names: dict[int, str] | None = None
        self.word_units_ = self._word_units(lex.words)
        self._trie, self._node_logp, self.n_words_ = self._build(np.log(counts) - math.log(self.total_))
        self._root = root_children(self._trie)
        self.n_nodes_ = len(self._node_logp)

    def _word_units(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """``word_units_`` of ``words``: a word that holds punctuation or spaces has no units (it
        can never match)."""
        text = "\n".join(words) + "\n"
        cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        units = self._coder.units(cps, add_latin=True)
        word_of = np.concatenate(([0], np.cumsum(units == NEWLINE)[:-1]))  # word index of each character
        unusable = np.zeros(len(words), dtype=bool)
        unusable[word_of[(units == MARK) | (units == SPACE)]] = True
        take = (units > NEWLINE) & ~unusable[word_of]
        lengths = np.bincount(word_of[take], minlength=len(words))  # 0 for unusable words
        return units[take], np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)

    def _build(self, logp: np.ndarray):
        codes, starts = self.word_units_
        usable = np.diff(starts) > 0
        trie, node_logp, nodes = build_trie(codes, np.concatenate(([0], starts[1:][usable])),
                                            np.ascontiguousarray(logp[usable]))
        self.word_node_ = np.zeros(len(logp), dtype=np.int64)
        self.word_node_[usable] = nodes
        return trie, node_logp, int(usable.sum())

    # -- segmenting ----------------------------------------------------------------------------

    def unit_codes(self, latin_runs: list[str]) -> np.ndarray:
        """The unit codes this segmenter gives to Latin runs (``UNKNOWN_LATIN`` for one it lacks)."""
        return np.array(self._coder._latin_codes(latin_runs, False), dtype=np.uint32)

    def latin_run(self, code: int) -> str:
        """The Latin run of a unit code (the inverse of :meth:`unit_codes`)."""
        if self._latin_names is None:
            self._latin_names = {c: run for run, c in self._coder.latin.items()}
        return self._latin_names[code]

    def tokens(self, units: np.ndarray):
        """The tokens of unit codes (as :func:`cikuang._native.token_block` returns them)."""
        return token_block(units, self._trie, self._root, self._node_logp, self.unknown_logp_)

    def _segment(self, text: str, continues_line: bool = False) -> str:
        cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        if len(cps) == 0:
            return ""
        out = segment_block(cps, self._coder.units(cps), self._trie, self._root, self._node_logp,
                            self.unknown_logp_, continues_line)
        return out.tobytes().decode("utf-32-le", "surrogatepass")

    def segment(self, text: str) -> str:
        """``text`` with its words separated by two spaces, line by line."""
        return self._segment(text)

    def cut(self, text: str) -> list[str]:
        """The words of ``text``, in order (whitespace and line ends dropped)."""
        return self._segment(text).split()

    def segment_corpus(self, inputs, output=None, *, workers: int | None = None, progress: bool | None = False,
                       **corpus_options) -> None:
        """Segment ``inputs`` (as :class:`~cikuang.Corpus` reads them) into ``output``.

        One output line per input line; the output file (``None`` or ``"-"``: stdout) is written
        atomically. Input is read and segmented in blocks, so its size is not bounded by memory.
        ``corpus_options``: ``encoding``, ``errors``, ``glob`` (see :class:`~cikuang.Corpus`).
        """
        corpus = Corpus.from_inputs(inputs, **corpus_options)
        bar = Progress(enabled=progress).bar("segmenting", total=corpus.size_bytes(), unit="B")
        try:
            with atomic_output(output) as out:
                for text in self._segment_pieces(corpus, bar, workers):
                    out.write(text)
        finally:
            bar.close()

    def _segment_pieces(self, corpus: Corpus, bar, workers: int | None) -> Iterator[str]:
        # Blocks are segmented in threads (the compiled pass releases the GIL) and written in order.
        # A block ends at a line end, except the pieces of a line too long to read whole: the
        # next piece then continues that output line.
        workers = workers or min(4, os.cpu_count() or 1)
        with ThreadPoolExecutor(workers) as pool:
            pending: deque = deque()
            continues_line = False
            for piece in corpus.pieces(progress=bar.update):
                pending.append(pool.submit(self._segment, piece.text, continues_line))
                continues_line = not piece.text.endswith("\n")
                if len(pending) > 2 * workers:
                    yield pending.popleft().result()
            for future in pending:
                yield future.result()


def segment(inputs, lexicon, output=None, **options) -> None:
    """Segment ``inputs`` with ``lexicon`` into ``output``: ``Segmenter(lexicon).segment_corpus(...)``."""
    Segmenter(lexicon).segment_corpus(inputs, output, **options)
