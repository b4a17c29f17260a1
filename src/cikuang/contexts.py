"""Keyword-in-context examples: a few sampled occurrences of each word, with the text around them.

A person judging a candidate word needs to see it in use. :func:`collect_contexts` makes one pass
over the corpus (only when contexts are asked for: ``--report``, ``--contexts K``) and keeps, for
each of the given words, ``k`` occurrences drawn uniformly at random from all of its occurrences,
with up to ``width`` characters on each side (never across a line end).

The pass is vectorised, not per-character Python: each block of text (the corpus's pieces of about
4 MB) becomes an array of code points, each mapped to its NFKC image when that is one character
(so that full-width ``ｉＰｈｏｎｅ`` matches the lexicon's ``iPhone``, while the contexts keep the
text's own characters); the positions where some word's first two code points stand are found
with one binary search of the block's pairs (``np.searchsorted``), and at those positions, for each
word length present, a polynomial hash of the substring (O(1) each, from prefix sums: no loop over
characters) is looked up among the words' hashes, again with a binary search; the few occurrences
kept are checked against the text. Sampling is bottom-k:
every occurrence draws a random priority and each word keeps the ``k`` occurrences of smallest
priority seen so far, which is a uniform sample without replacement of all its occurrences (the
same as a reservoir), so memory is ``k`` contexts per word whatever the corpus's size. Only the
block's survivors (at most ``k`` a word) are cut out of the text as strings.

An occurrence is a substring wherever it stands, inside longer words too, as the lexicon's
``occurrences`` column counts them. A Latin word matches inside a longer Latin run too.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping

import numpy as np

#: Contexts kept per word by default.
DEFAULT_K = 5
#: Characters shown on each side of the word.
DEFAULT_WIDTH = 20
_BITS = 21  # every code point fits in 21 bits
_MULT = np.uint64(0x9E3779B97F4A7C15)  # the hash's multiplier (odd: a bijection mod 2^64)


_IMAGE: np.ndarray | None = None


def _image() -> np.ndarray:
    """Each BMP code point's NFKC image when that is a single character, else itself."""
    global _IMAGE
    if _IMAGE is None:
        table = np.arange(0x10000, dtype=np.uint64)
        for c in range(0x10000):
            if not 0xD800 <= c < 0xE000:
                s = unicodedata.normalize("NFKC", chr(c))
                if len(s) == 1:
                    table[c] = ord(s)
        _IMAGE = table
    return _IMAGE


def _codes(text: str, normal: bool = False) -> np.ndarray:
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    if normal:
        bmp = codes < 0x10000
        codes[bmp] = _image()[codes[bmp]]
    return codes


_INV = np.uint64(pow(int(_MULT), -1, 1 << 64))  # the multiplier's inverse mod 2^64


def _word_hash(codes: np.ndarray) -> int:
    """``sum(c[j] * MULT^(L-1-j))`` mod 2^64: the hash of one word's code points."""
    h = 0
    for c in codes.tolist():
        h = (h * int(_MULT) + c) & 0xFFFFFFFFFFFFFFFF
    return h


class _PrefixHashes:
    """Polynomial hashes of every substring of a block in O(1) each: with ``G[k] = sum_{j<k} c[j]
    INV^j`` and ``P[i] = MULT^i`` (mod 2^64, as uint64 arithmetic wraps), the substring at ``i`` of
    length ``L`` hashes to ``(G[i+L] - G[i]) * P[i+L-1]``, the same as :func:`_word_hash`."""

    def __init__(self, codes: np.ndarray):
        n = len(codes)
        with np.errstate(over="ignore"):
            inv = np.cumprod(np.full(n, _INV, np.uint64)) if n else np.zeros(0, np.uint64)
            inv = np.concatenate([np.ones(1, np.uint64), inv[:-1]])
            self.g = np.concatenate([np.zeros(1, np.uint64), np.cumsum(codes * inv, dtype=np.uint64)])
            p = np.cumprod(np.full(n, _MULT, np.uint64)) if n else np.zeros(0, np.uint64)
            self.p = np.concatenate([np.ones(1, np.uint64), p[:-1]])

    def at(self, pos: np.ndarray, length: int) -> np.ndarray:
        with np.errstate(over="ignore"):
            return (self.g[pos + length] - self.g[pos]) * self.p[pos + length - 1]


class ContextSampler:
    """Bottom-k samples of the occurrences of ``words`` in text fed block by block (:meth:`feed`)."""

    def __init__(self, words: Iterable[str], k: int = DEFAULT_K, width: int = DEFAULT_WIDTH, seed: int = 0):
        if k < 1:
            raise ValueError("k must be at least 1")
        self.words = list(dict.fromkeys(w for w in words if w))
        self.k, self.width = k, width
        self._rng = np.random.default_rng(seed)
        self._by_length: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        codes = [_codes(w, normal=True) for w in self.words]
        lengths = np.array([len(c) for c in codes], dtype=np.int64)
        self._length = lengths
        self._matrix: dict[int, np.ndarray] = {}  # each length's words' code points, a row a word
        self._row = np.zeros(len(codes), np.int64)  # a word's row in its length's matrix
        for length in np.unique(lengths).tolist():
            idx = np.flatnonzero(lengths == length)
            keys = np.array([_word_hash(codes[i]) if length > 1 else int(codes[i][0]) for i in idx], np.uint64)
            order = np.argsort(keys, kind="stable")
            self._by_length[length] = (keys[order], idx[order])
            self._matrix[length] = np.array([codes[i] for i in idx], np.uint64).reshape(len(idx), length)
            self._row[idx] = np.arange(len(idx))
        # the first two code points of the words of two or more: a start no word has is skipped
        self._starts = np.unique(np.array([(int(c[0]) << _BITS) | int(c[1]) for c in codes if len(c) > 1],
                                          np.uint64))
        # the kept sample: word index, priority, context
        self._word = np.zeros(0, np.int64)
        self._prio = np.zeros(0, np.float64)
        self._ctx: list[tuple[str, str]] = []
        self.chars = 0  # characters seen

    def feed(self, text: str) -> None:
        """Take the occurrences in one block of text."""
        if not text:
            return
        self.chars += len(text)
        codes = _codes(text, normal=True)
        found_pos, found_word = [], []
        n = len(codes)
        starts = np.zeros(0, np.int64)
        if n > 1 and len(self._starts):
            pairs = (codes[:-1] << np.uint64(_BITS)) | codes[1:]
            at = np.minimum(np.searchsorted(self._starts, pairs), len(self._starts) - 1)
            starts = np.flatnonzero(self._starts[at] == pairs)
        hashes = _PrefixHashes(codes) if len(starts) else None
        for length, (keys, idx) in self._by_length.items():
            if length == 1:
                pos, grams = np.arange(n), codes
            else:
                pos = starts[starts <= n - length]
                if not len(pos):
                    continue
                grams = hashes.at(pos, length)
            at = np.minimum(np.searchsorted(keys, grams), len(keys) - 1)
            hit = np.flatnonzero(keys[at] == grams)
            found_pos.append(pos[hit])
            found_word.append(idx[at[hit]])
        if not found_pos:
            return
        pos = np.concatenate(found_pos)
        word = np.concatenate(found_word)
        prio = self._rng.random(len(pos))
        keep = _smallest_k(word, prio, self.k)  # at most k of this block per word
        pos, word, prio = pos[keep], word[keep], prio[keep]
        ok = self._check(codes, pos, word)
        pos, word, prio = pos[ok], word[ok], prio[ok]
        all_word = np.concatenate([self._word, word])
        all_prio = np.concatenate([self._prio, prio])
        keep = _smallest_k(all_word, all_prio, self.k)
        old = len(self._word)
        # contexts are cut out only for this block's occurrences that make it into the sample
        ctx = [self._ctx[i] if i < old else self._context(text, int(pos[i - old]), int(self._length[word[i - old]]))
               for i in keep.tolist()]
        self._word, self._prio, self._ctx = all_word[keep], all_prio[keep], ctx

    def _check(self, codes: np.ndarray, pos: np.ndarray, word: np.ndarray) -> np.ndarray:
        """Which hits are the word indeed (a hash may collide: about one chance in 2^64 / words a
        position), compared code point by code point, a length at a time."""
        ok = np.ones(len(pos), dtype=bool)
        lengths = self._length[word]
        for length in np.unique(lengths).tolist():
            if length == 1:
                continue
            sel = np.flatnonzero(lengths == length)
            text = codes[pos[sel, None] + np.arange(length)]
            ok[sel] = (text == self._matrix[length][self._row[word[sel]]]).all(axis=1)
        return ok

    def _context(self, text: str, pos: int, length: int) -> tuple[str, str]:
        w = self.width
        left = text[max(0, pos - w):pos]
        right = text[pos + length:pos + length + w]
        left = left[left.rfind("\n") + 1:]
        cut = right.find("\n")
        return left, (right if cut < 0 else right[:cut])

    def result(self) -> dict[str, list[tuple[str, str]]]:
        """Each word's sampled contexts, ``(left, right)`` pairs in corpus order of drawing (by
        priority); a word that never occurred has an empty list."""
        out: dict[str, list[tuple[str, str]]] = {w: [] for w in self.words}
        order = np.lexsort((self._prio, self._word))
        for i in order.tolist():
            out[self.words[int(self._word[i])]].append(self._ctx[i])
        return out


def _smallest_k(group: np.ndarray, prio: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` smallest priorities of each group."""
    if not len(group):
        return np.zeros(0, np.int64)
    order = np.lexsort((prio, group))
    g = group[order]
    start = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(len(g)) - np.repeat(start, np.diff(np.r_[start, len(g)]))
    return order[rank < k]


def collect_contexts(corpus, words: Iterable[str], k: int = DEFAULT_K, width: int = DEFAULT_WIDTH,
                     seed: int = 0) -> dict[str, list[tuple[str, str]]]:
    """``k`` sampled contexts of each of ``words`` in ``corpus`` (a :class:`~cikuang.corpus.Corpus`,
    or an iterable of texts), as ``{word: [(left, right), ...]}``."""
    from .corpus import Corpus

    if not isinstance(corpus, Corpus):
        corpus = Corpus.from_texts(corpus)
    sampler = ContextSampler(words, k, width, seed)
    for piece in corpus.pieces():
        sampler.feed(piece.text)
    return sampler.result()


def as_lists(contexts: Mapping[str, list]) -> dict[str, list[list[str]]]:
    """Contexts as JSON-ready ``[left, right]`` lists."""
    return {w: [[a, b] for a, b in cs] for w, cs in contexts.items()}


def reusable(inputs):
    """``inputs`` that can be read twice: an iterator (a generator of texts) becomes a list."""
    return list(inputs) if isinstance(inputs, Iterator) else inputs


def fit_contexts(discoverer, inputs, texts) -> None:
    """Sample ``discoverer.contexts`` contexts of each word of its fitted word list from the corpus
    it was fitted on (``contexts_``; also ``corpus_chars_`` and ``contexts_seconds_``)."""
    import time
    from dataclasses import asdict

    from .corpus import Corpus

    started = time.perf_counter()
    corpus = Corpus.from_inputs(inputs, texts, **asdict(discoverer.read_spec()))
    sampler = ContextSampler(discoverer.lexicon_.word_list().words, int(discoverer.contexts))
    for piece in corpus.pieces():
        sampler.feed(piece.text)
    discoverer.contexts_ = sampler.result()
    discoverer.corpus_chars_ = sampler.chars
    discoverer.contexts_seconds_ = time.perf_counter() - started
