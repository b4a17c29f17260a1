"""The refine stage: the discovered lexicon, checked against its own segmentation of the corpus.

Discovery judges a pair of characters by its cohesion, the PMI of the pair against the counts of
its two characters *anywhere*. That misses words made of very frequent characters: 法 and 国 each
occur thousands of times inside other words (中国, 国家, 法律...), so 法国 scores about 1 nat and
is cut, and 大家, 目的, 国有 and 为了 go the same way. Once the corpus is segmented with the
discovered lexicon, most of those occurrences are inside words, and what is left as single
characters is what no word explained. Counted at that level, 法 followed by 国 is far more
frequent than two free characters would be by chance.

So the stage segments the corpus once with the lexicon (the same Viterbi as ``cikuang segment``)
and counts *tokens*: how often each single unit stands alone, how often two single-unit tokens
follow each other inside a clause, and how often each word of two units is chosen. Then:

* **merge**: two single-unit tokens that follow each other at least ``min_count`` times, with a
  token-level PMI ``ln(N·c(xy) / (c(x)·c(y)))`` of at least ``merge_pmi`` (N: tokens), become a
  word with count c(xy);
* **split**: a two-unit word whose parts explain it, with a token-level PMI
  ``ln(N·c(w) / (c(x)·c(y)))`` below ``split_pmi`` (c(w): the word as a token; c(x), c(y): its
  parts as free tokens), is removed and its count given back to its parts (the de-redundancy of
  bojone/nlp-zero, at the token level). A word whose parts never stand alone is never split.

Only single units merge: merging longer tokens (联合 + 国) joins phrases faster than it finds
words, and lost 1 to 4 F points on PKU and MSR in the harness (docs/benchmarks.md, which also
lists what else was tried). The statistics of every entry, the added ones too, are counted after
this stage, by the word list (:mod:`cikuang.wordlist`).

:func:`refine` is the stage. The engine supplies one thing, its ``map_blocks(fn, total, *args)``
(:mod:`cikuang.engines.base`): ``fn`` runs on every block of the corpus, which the segmenter
recodes into its own unit codes (:meth:`~cikuang.Segmenter.block_units`), and ``total`` adds the
results up. The local engine runs it in threads over the unit stream, the Spark engine on its
partitions; everything else is the same code for both.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .candidates import with_list_candidates, word_filter
from .lexicon import Lexicon
from .segmenter import Segmenter
from .textmodel import LATIN_BASE, UNKNOWN_LATIN

#: Default token-level PMI thresholds, in nats. Merging at 2 (the seed's threshold for pairs of
#: characters) was best on PKU and MSR among 0-4; splitting below 3 beat 2 and 4: a word that is
#: used as a token takes its occurrences away from its parts' free counts, which raises its PMI,
#: so the bar to keep it is set a nat higher.
MERGE_PMI = 2.0
SPLIT_PMI = 3.0
#: Token-level PMI at which two words in a row make a compound candidate for the word list (which
#: then applies its own cohesion and entropy rules).
COMPOUND_PMI = 7.0


def summed(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``keys`` (sorted) and the sum of their ``counts``."""
    uniq, inverse = np.unique(keys, return_inverse=True)
    return uniq, np.bincount(inverse, weights=counts, minlength=len(uniq)).astype(np.int64)


def refine(lexicon: Lexicon, min_count: int, keep_numbers: bool, map_blocks, find_compounds: bool = False) -> Lexicon:
    """The refine stage on ``lexicon``; then the number filter (unless ``keep_numbers``: a split
    can give a count to a lone number). ``map_blocks``: the engine's (see the module doc).

    With ``find_compounds``, the compounds it finds (:func:`compounds`) join the lexicon with a
    count of 0: candidates for the word list, which the segmenter does not use."""
    if len(lexicon):
        segmenter = Segmenter(lexicon)
        counts = map_blocks(block_tokens, TokenCounts.total, segmenter, find_compounds)
        found = compounds(segmenter, lexicon.words, counts, min_count) if find_compounds else []
        lexicon, _ = refine_lexicon(lexicon, segmenter, counts, min_count)
        lexicon = with_list_candidates(lexicon, found)
    words = lexicon.words
    # an all-digit word is a lone number exactly when it is ASCII (a run is one unit, NFKC'd)
    keep = word_filter(words, [w.isascii() for w in words], keep_numbers, None)
    return lexicon if keep.all() else lexicon.take(keep)


@dataclass
class TokenCounts:
    """What a segmentation of the corpus says about its tokens.

    ``single_*``: single-unit tokens by unit code; ``pair_*``: two single-unit tokens in a row
    inside a clause, keyed ``first << 32 | second``; ``node_*``: words of two or more units by
    lattice node; ``compound_*``: two such words in a row inside a clause, keyed
    ``node << 32 | node``. Counts add: the counts of a corpus are the sum of those of its blocks,
    in any order.
    """

    n_tokens: int
    single_keys: np.ndarray
    single_counts: np.ndarray
    pair_keys: np.ndarray
    pair_counts: np.ndarray
    node_keys: np.ndarray
    node_counts: np.ndarray
    compound_keys: np.ndarray
    compound_counts: np.ndarray

    @classmethod
    def of_block(cls, segmenter: Segmenter, units: np.ndarray, with_compounds: bool = True) -> "TokenCounts":
        """Counts of one block of the segmenter's unit codes (clauses end at codes 0-3); the
        compounds (two words in a row) only ``with_compounds`` (they are as many as the corpus's
        distinct word pairs, and only :func:`compounds` reads them)."""
        node, first, length, opens = segmenter.tokens(units)
        single = length == 1
        sk, sc = np.unique(first[single], return_counts=True)
        follows = single[:-1] & single[1:] & (opens[1:] == 0)
        a, b = first[:-1][follows], first[1:][follows]
        known = (a != UNKNOWN_LATIN) & (b != UNKNOWN_LATIN)  # a run the lexicon lacks has no name here
        pk, pc = np.unique((a[known].astype(np.uint64) << np.uint64(32)) | b[known], return_counts=True)
        word = (length >= 2) & (node != 0)
        nk, nc = np.unique(node[word], return_counts=True)
        joined = word[:-1] & word[1:] & (opens[1:] == 0) & with_compounds
        ck, cc = np.unique((node[:-1][joined] << np.uint64(32)) | node[1:][joined], return_counts=True)
        return cls(len(node), sk.astype(np.uint64), sc, pk, pc, nk, nc, ck, cc)

    @classmethod
    def total(cls, parts) -> "TokenCounts":
        """The sum of several counts."""
        parts = list(parts)
        if not parts:
            empty = np.zeros(0, np.uint64), np.zeros(0, np.int64)
            return cls(0, *empty, *empty, *empty, *empty)
        cols = []
        for name in ("single", "pair", "node", "compound"):
            keys = np.concatenate([getattr(p, f"{name}_keys").astype(np.uint64) for p in parts])
            counts = np.concatenate([getattr(p, f"{name}_counts") for p in parts])
            cols += summed(keys, counts)
        return cls(sum(p.n_tokens for p in parts), *cols)


def block_tokens(codes: np.ndarray, latin_runs: list[str], segmenter: Segmenter,
                 with_compounds: bool = True) -> "TokenCounts":
    """The token counts of one block of the discovery coding (the refine stage's first pass)."""
    return TokenCounts.of_block(segmenter, segmenter.block_units(codes, latin_runs), with_compounds)


def compounds(segmenter: Segmenter, words: list[str], counts: TokenCounts, min_count: int,
              min_pmi: float | None = None) -> list[str]:
    """Two words that follow each other as tokens at least ``min_count`` times, with a token-level
    PMI ``ln(N·c(ab) / (c(a)·c(b)))`` of at least ``min_pmi``: 鼠标 + 指针, 澳大 + 利亚 (a name the
    cut split into pieces). Candidates for the word list only (``--compounds``), which applies its
    own rules to them; the segmenter does not use them."""
    n = counts.n_tokens
    min_pmi = COMPOUND_PMI if min_pmi is None else min_pmi
    frequent = counts.compound_counts >= min_count
    if n == 0 or not frequent.any():
        return []
    as_token = dict(zip(counts.node_keys.tolist(), counts.node_counts.tolist()))
    word_of = {}
    for i, node in enumerate(segmenter.word_node_.tolist()):
        if node and node not in word_of:
            word_of[node] = words[i]
    out = []
    for key, c in zip(counts.compound_keys[frequent].tolist(), counts.compound_counts[frequent].tolist()):
        a, b = key >> 32, key & 0xFFFFFFFF
        if math.log(n * c / (as_token[a] * as_token[b])) >= min_pmi:
            out.append(word_of[a] + word_of[b])
    return sorted(out)


def refine_lexicon(lexicon: Lexicon, segmenter: Segmenter, counts: TokenCounts, min_count: int,
                   merge_pmi: float = MERGE_PMI, split_pmi: float = SPLIT_PMI) -> tuple[Lexicon, list[str]]:
    """``lexicon`` with its redundant two-unit words split and its frequent free pairs merged
    (see the module doc), and the words that the merges added; ``counts`` are those of the corpus
    segmented by ``segmenter``, which was built from ``lexicon``. An added word's cohesion is the
    token-level PMI that added it; its entropies are NaN (the word list counts them)."""
    n = counts.n_tokens
    if n == 0:
        return lexicon, []
    free = dict(zip(counts.single_keys.tolist(), counts.single_counts.tolist()))
    as_token = dict(zip(counts.node_keys.tolist(), counts.node_counts.tolist()))
    words = lexicon.words
    word_count = lexicon.counts
    cols = lexicon.to_columns()

    def text(code: int) -> str:
        return chr(code) if code < LATIN_BASE else segmenter.latin_run(code)

    # Split: two-unit words whose parts explain them.
    removed = np.zeros(len(words), dtype=bool)
    given_back: dict[str, int] = {}
    codes, starts = segmenter.word_units_
    for i in np.flatnonzero(np.diff(starts) == 2).tolist():
        c = as_token.get(int(segmenter.word_node_[i]), 0)
        if c == 0:
            continue
        x, y = int(codes[starts[i]]), int(codes[starts[i] + 1])
        fx, fy = free.get(x, 0), free.get(y, 0)
        if fx and fy and math.log(n * c / (fx * fy)) < split_pmi:
            removed[i] = True
            for part in (text(x), text(y)):
                given_back[part] = given_back.get(part, 0) + int(word_count[i])

    # Merge: frequent pairs of free units, more frequent together than chance allows.
    added: dict[str, tuple[int, float]] = {}  # word: (count, token-level PMI)
    frequent = counts.pair_counts >= min_count
    for key, c in zip(counts.pair_keys[frequent].tolist(), counts.pair_counts[frequent].tolist()):
        x, y = key >> 32, key & 0xFFFFFFFF
        pmi = math.log(n * c / (free[x] * free[y]))
        if pmi >= merge_pmi:
            added[text(x) + text(y)] = (c, pmi)

    index = lexicon.index
    split_words = {words[i] for i in np.flatnonzero(removed).tolist()}
    count = word_count.copy()
    extra: dict[str, int] = {}
    for word, c in list(given_back.items()) + [(w, c) for w, (c, _) in added.items()]:
        if word in split_words:
            continue
        i = index.get(word)
        if i is None:
            extra[word] = extra.get(word, 0) + c
        else:
            count[i] += c
    keep = ~removed
    nan = np.full(len(extra), np.nan)
    coh = np.array([added[w][1] if w in added else np.nan for w in extra])
    cols = (np.concatenate((cols[0][keep], coh)), *(np.concatenate((col[keep], nan)) for col in cols[1:]))
    refined = Lexicon([w for w, k in zip(words, keep) if k] + list(extra),
                      np.concatenate((count[keep], np.fromiter(extra.values(), np.int64, len(extra)))), *cols)
    return refined, [w for w in extra if w in added]
