"""The segment stage: cut text into the words of a lexicon.

The model is a unigram language model: a word's probability is its count in the lexicon over the
total count, and a clause is cut into the sequence of words of highest probability (Viterbi over
the lattice of every lexicon word that occurs in it, compiled in :func:`cikuang._native.segment_block`).
A unit that no lexicon word covers is a word of its own, with the probability of a word seen half
as often as the rarest word of the lexicon: the lexicon keeps every word that reaches its minimum
count, so a unit missing from it is rarer than any of them.

What a unit is follows the text model (:mod:`cikuang.textmodel`, its segmentation coding): each Han character
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
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._hashtable import items, new_table
from ._native import build_trie, count_occurrences, root_children, segment_block, token_block
from .corpus import Corpus
from .errors import CikuangError
from .lexicon import Lexicon
from .output import atomic_output
from .progress import Progress
from .textmodel import MARK, NEWLINE, SPACE, SegmentCoder


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
    lexicon's order; 0 for an unusable word; nodes are numbered below ``n_nodes_``). Entries with a
    count of 0 are left out: they are candidates of the word list, not words to cut text with.
    """

    def __init__(self, lexicon):
        lex = _as_lexicon(lexicon)
        counts = lex.counts
        if (counts < 0).any():
            bad = lex.words[int(np.flatnonzero(counts < 0)[0])]
            raise CikuangError(f"the count of {bad!r} is negative")
        if (counts == 0).any():  # word-list candidates that segmentation does not use (cikuang.refine.compounds)
            lex = lex.take(counts > 0)
        if len(lex) == 0:
            raise CikuangError("the lexicon is empty")
        counts = lex.counts.astype(np.float64)
        self.total_ = float(counts.sum())
        self.unknown_logp_ = math.log(0.5 * counts.min() / self.total_)
        self._coder = SegmentCoder()
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

    def block_units(self, codes: np.ndarray, latin_runs: list[str], name_unknown: bool = False) -> np.ndarray:
        """A block of the discovery coding in this segmenter's unit codes, for :meth:`tokens`
        (:meth:`cikuang.textmodel.SegmentCoder.recode`)."""
        return self._coder.recode(codes, latin_runs, name_unknown)

    def occurrences(self, units: np.ndarray, target: np.ndarray, neighbours: np.ndarray | None = None):
        """(word, side, neighbour) counts of every occurrence of the target words in ``units``
        (as :func:`cikuang._native.count_occurrences` counts them; ``target[node]`` is a word's
        index + 1 for the lattice nodes of the target words, else 0; ``neighbours``: the codes the
        neighbours are counted under, by default the units themselves)."""
        pairs, _ = count_occurrences(units, units if neighbours is None else neighbours, self._trie, self._root,
                                     target, new_table(1 << 16), 0)
        return items(pairs)

    def latin_run(self, code: int) -> str:
        """The Latin run of one of this segmenter's unit codes."""
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
