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
>>> seg.lcut("新词的发现，ＡＢＣ１２３。")
['新词', '的', '发现', '，', 'ＡＢＣ１２３', '。']
"""
from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._hashtable import items, key_bitmap, new_table
from .basedict import CORPUS_WEIGHT, load_base_lexicon, merged
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
    ``base``: a base dictionary to segment with as well (a path, ``"jieba"``, a Lexicon or a mapping
    of word to count): one model of the base's words and the lexicon's words and numbers, those put on
    the base's scale with ``corpus_weight`` (:mod:`cikuang.basedict`). Without it the segmenter is
    dictionary-free: the lexicon's words alone.

    The jieba-shaped API: :meth:`cut` (an iterator of words), :meth:`lcut` (a list), :meth:`tokenize`
    (words with their offsets in the input), :meth:`add_word` and :meth:`del_word` (at run time; the
    model is rebuilt at the next cut).

    After construction: ``n_words_`` (words usable as lattice edges: a word holding punctuation or
    spaces can never match, since those are tokens of their own), ``total_`` (the lexicon's total
    count), ``unknown_logp_`` (the log-probability of a unit that is not a word), ``word_units_``
    (codes, starts: the unit codes of lexicon word ``w`` are ``codes[starts[w]:starts[w + 1]]``,
    none for an unusable word) and ``word_node_`` (the lattice node of each lexicon word, in the
    lexicon's order; 0 for an unusable word; nodes are numbered below ``n_nodes_``). Entries with a
    count of 0 are left out: they are candidates of the word list, not words to cut text with.
    """

    def __init__(self, lexicon, base=None, *, corpus_weight: float = CORPUS_WEIGHT):
        lex = _as_lexicon(lexicon)
        counts = lex.counts
        if (counts < 0).any():
            bad = lex.words[int(np.flatnonzero(counts < 0)[0])]
            raise CikuangError(f"the count of {bad!r} is negative")
        if (counts == 0).any():  # word-list candidates that segmentation does not use (cikuang.refine.compounds)
            lex = lex.take(counts > 0)
        self._entries: dict[str, int] = (dict(zip(lex.words, lex.counts.tolist())) if base is None
                                         else merged(lex, load_base_lexicon(base), weight=corpus_weight))
        self._coder = SegmentCoder()
        self._latin_names: dict[int, str] | None = None
        self._compile()

    def _compile(self) -> None:
        """Build the model (trie, probabilities) from ``self._entries``."""
        if not self._entries:
            raise CikuangError("the lexicon is empty")
        words = list(self._entries)
        counts = np.fromiter(self._entries.values(), dtype=np.float64, count=len(words))
        self.total_ = float(counts.sum())
        self.unknown_logp_ = math.log(0.5 * counts.min() / self.total_)
        self.word_units_ = self._word_units(words)
        self._trie, self._node_logp, self.n_words_ = self._build(np.log(counts) - math.log(self.total_))
        self._root = root_children(self._trie)
        self._edges = key_bitmap(self._trie)  # ends the walks that find no edge without a probe
        self.n_nodes_ = len(self._node_logp)
        self._dirty = False

    def _ready(self) -> None:
        if self._dirty:
            self._compile()

    # -- the model at run time (jieba's add_word / del_word / suggest_freq) ------------------------

    def add_word(self, word: str, freq: int | None = None) -> None:
        """Add ``word`` (or set its count) with ``freq``; by default the count that makes it win over
        the pieces the segmenter cuts it into now (jieba's ``suggest_freq``)."""
        if not isinstance(word, str) or not word:
            raise CikuangError(f"a word must be a non-empty str, not {word!r}")
        if freq is None:
            freq = self.suggest_freq(word)
        if isinstance(freq, bool) or not isinstance(freq, (int, np.integer)) or freq <= 0:
            raise CikuangError(f"the count of {word!r} must be a positive integer, not {freq!r}")
        self._entries[word] = int(freq)
        self._dirty = True

    def del_word(self, word: str) -> None:
        """Remove ``word`` from the model (nothing happens when it is not there)."""
        if self._entries.pop(word, None) is not None:
            self._dirty = True

    def suggest_freq(self, word: str) -> int:
        """The smallest count at which ``word``, as one token, beats the pieces the model cuts it into
        (at least its count now)."""
        self._ready()
        pieces = self.lcut(word)
        if pieces == [word]:  # already one token
            return self._entries.get(word, 1)
        logp = sum(math.log(self._entries[p] / self.total_) if p in self._entries else self.unknown_logp_
                   for p in pieces)
        return max(int(math.exp(logp) * self.total_) + 1, self._entries.get(word, 0))

    def __contains__(self, word) -> bool:
        return word in self._entries

    def __len__(self) -> int:
        return len(self._entries)

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

    def occurrences(self, units: np.ndarray, target: np.ndarray, neighbours: np.ndarray | None = None,
                    as_table: bool = False, into: tuple | None = None):
        """(word, side, neighbour) counts of every occurrence of the target words in ``units``
        (as :func:`cikuang._native.count_occurrences` counts them; ``target[node]`` is a word's
        index + 1 for the lattice nodes of the target words, else 0; ``neighbours``: the codes the
        neighbours are counted under, by default the units themselves): (keys, counts), or with
        ``as_table`` the hash table and its size (:mod:`cikuang._hashtable`); ``into``: a (table,
        size) to add them to (it may be grown, so use the one returned)."""
        self._ready()
        tab, size = into if into is not None else (new_table(1 << 16), 0)
        table = count_occurrences(units, units if neighbours is None else neighbours, self._trie, self._root,
                                  self._edges, target, tab, size)
        return table if as_table else items(table[0])

    def latin_run(self, code: int) -> str:
        """The Latin run of one of this segmenter's unit codes."""
        if self._latin_names is None:
            self._latin_names = {c: run for run, c in self._coder.latin.items()}
        return self._latin_names[code]

    def tokens(self, units: np.ndarray):
        """The tokens of unit codes (as :func:`cikuang._native.token_block` returns them)."""
        self._ready()
        return token_block(units, self._trie, self._root, self._edges, self._node_logp, self.unknown_logp_)

    def _segment(self, text: str, continues_line: bool = False) -> str:
        cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        if len(cps) == 0:
            return ""
        out = segment_block(cps, self._coder.units(cps), self._trie, self._root, self._edges, self._node_logp,
                            self.unknown_logp_, continues_line)
        return out.tobytes().decode("utf-32-le", "surrogatepass")

    def segment(self, text: str) -> str:
        """``text`` with its words separated by two spaces, line by line."""
        self._ready()
        return self._segment(text)

    def cut(self, text: str) -> Iterator[str]:
        """The words of ``text``, in order (whitespace and line ends dropped), as jieba's ``cut``."""
        return iter(self.lcut(text))

    def lcut(self, text: str) -> list[str]:
        """The words of ``text`` as a list."""
        return self.segment(text).split()

    def tokenize(self, text: str) -> Iterator[tuple[str, int, int]]:
        """``(word, start, end)`` of each word of ``text``: ``text[start:end] == word`` (jieba's
        ``tokenize``; offsets count the characters of ``text`` itself, line ends included)."""
        pos = 0
        for word in self.lcut(text):
            # the output holds the input's characters, whitespace aside: each word is the next run
            start = text.index(word, pos)
            pos = start + len(word)
            yield word, start, pos

    def segment_corpus(self, inputs, output=None, *, workers: int | None = None, progress: bool | None = False,
                       **corpus_options) -> None:
        """Segment ``inputs`` (as :class:`~cikuang.Corpus` reads them) into ``output``.

        One output line per input line; the output file (``None`` or ``"-"``: stdout) is written
        atomically. Input is read and segmented in blocks, so its size is not bounded by memory.
        ``corpus_options``: ``encoding``, ``errors``, ``glob`` (see :class:`~cikuang.Corpus`).
        """
        self._ready()
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


def segment(inputs, lexicon, output=None, *, base=None, corpus_weight: float = CORPUS_WEIGHT, **options) -> None:
    """Segment ``inputs`` with ``lexicon`` (on top of the dictionary ``base``, if given) into ``output``:
    ``Segmenter(lexicon, base).segment_corpus(...)``."""
    Segmenter(lexicon, base, corpus_weight=corpus_weight).segment_corpus(inputs, output, **options)
