"""Keyword-in-context examples: a few sampled occurrences of each word, with the text around them.

A person judging a candidate word needs to see it in use. :func:`collect_contexts` makes one pass
over the corpus (only when contexts are asked for: ``--report``, ``--contexts K``) and keeps, for
each of the given words, ``k`` occurrences drawn uniformly at random from all of its occurrences,
with up to ``width`` characters on each side (never across a line end).

The pass is vectorised, not per-character Python: each block of text (the corpus's pieces of about
4 MB) becomes an array of code points, each mapped to its NFKC image when that is one character
(so that full-width ``ｉＰｈｏｎｅ`` matches the lexicon's ``iPhone``, while the contexts keep the
text's own characters); for each word
length L present, the block's L-grams are packed into 64-bit keys (exactly for L <= 3, 21 bits a
code point; by a polynomial hash for longer ones, every hit then checked against the text) and
looked up among the words' keys with a binary search (``np.searchsorted``). Sampling is bottom-k:
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


def _keys(codes: np.ndarray, length: int) -> np.ndarray:
    """The key of every ``length``-gram of ``codes`` (as many as there are start positions)."""
    n = len(codes) - length + 1
    if n <= 0:
        return np.zeros(0, np.uint64)
    key = codes[:n].copy()
    exact = length * _BITS <= 64
    with np.errstate(over="ignore"):
        for j in range(1, length):
            if exact:
                key = (key << np.uint64(_BITS)) | codes[j:j + n]
            else:
                key = key * _MULT + codes[j:j + n]
    return key


class ContextSampler:
    """Bottom-k samples of the occurrences of ``words`` in text fed block by block (:meth:`feed`)."""

    def __init__(self, words: Iterable[str], k: int = DEFAULT_K, width: int = DEFAULT_WIDTH, seed: int = 0):
        if k < 1:
            raise ValueError("k must be at least 1")
        self.words = list(dict.fromkeys(w for w in words if w))
        self.k, self.width = k, width
        self._rng = np.random.default_rng(seed)
        self._by_length: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        lengths = np.array([len(w) for w in self.words], dtype=np.int64)
        for length in np.unique(lengths).tolist():
            idx = np.flatnonzero(lengths == length)
            keys = np.concatenate([_keys(_codes(self.words[i], normal=True), length) for i in idx]) if len(idx) else np.zeros(0)
            order = np.argsort(keys, kind="stable")
            self._by_length[length] = (keys[order], idx[order])
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
        for length, (keys, idx) in self._by_length.items():
            grams = _keys(codes, length)
            if not len(grams) or not len(keys):
                continue
            at = np.searchsorted(keys, grams)
            at[at == len(keys)] = 0
            hit = np.flatnonzero(keys[at] == grams)
            if not len(hit):
                continue
            word = idx[at[hit]]
            if length * _BITS > 64:  # a hash: check the text (a collision, or two words with one hash)
                ok = np.array([np.array_equal(codes[p:p + length], _codes(self.words[w], normal=True))
                               for p, w in zip(hit.tolist(), word.tolist())], dtype=bool)
                hit, word = hit[ok], word[ok]
            found_pos.append(hit)
            found_word.append(word)
        if not found_pos:
            return
        pos = np.concatenate(found_pos)
        word = np.concatenate(found_word)
        prio = self._rng.random(len(pos))
        keep = _smallest_k(word, prio, self.k)  # at most k of this block per word
        pos, word, prio = pos[keep], word[keep], prio[keep]
        ctx = [self._context(text, p, len(self.words[w])) for p, w in zip(pos.tolist(), word.tolist())]
        all_word = np.concatenate([self._word, word])
        all_prio = np.concatenate([self._prio, prio])
        all_ctx = self._ctx + ctx
        keep = _smallest_k(all_word, all_prio, self.k)
        self._word, self._prio = all_word[keep], all_prio[keep]
        self._ctx = [all_ctx[i] for i in keep.tolist()]

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
