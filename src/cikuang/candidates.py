"""The describe stage: candidate fragments become words with the statistics that justify them.

The cut (the engines' ``count_fragments``, over ``fragment_end`` in :mod:`cikuang._native`) falls
between two adjacent units wherever no occurrence of a kept n-gram covers both; overlapping kept
n-grams chain, so fragments can be longer than the order. Fragments that can be words are
counted: 1 or 2 units always, 3..order units when the fragment is itself a kept n-gram, longer ones
when every window of ``order`` units is kept (the backtrack rule, which rejects junctions such as
各项目 = 各项 + 项目).

Here, for each fragment counted at least ``min_count`` times (and not dropped as a pure number or
as a word of the base lexicon): its text, its count, its cohesion (a kept n-gram's; for a word
longer than the order, that of its weakest ``order``-window), and, from the engine's second cut,
its left and right neighbour entropies (a clause edge counts as one neighbour).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _hashtable as ht
from .engines.base import Fragments, WordTables
from .lexicon import Lexicon
from .ngrams import UnitIds, key_lengths, unpack, window_keys
from .scoring import word_score
from .textmodel import LATIN_BASE, UnitVocab, decode_units


@dataclass
class KeptNgrams:
    """The kept n-grams: sorted packed keys and their cohesion."""

    keys: np.ndarray
    cohesion: np.ndarray

    def cohesion_of(self, keys: np.ndarray) -> np.ndarray:
        """The cohesion of ``keys``, which must all be kept."""
        return self.cohesion[np.searchsorted(self.keys, keys)]


@dataclass
class Candidates:
    """Fragments counted at least ``min_count`` times: short ones first, then long ones."""

    words: list[str]
    counts: np.ndarray
    cohesion: np.ndarray
    single_latin: list[bool]  # single units that are Latin/digit runs
    short_keys: np.ndarray
    long_h1: np.ndarray
    long_h2: np.ndarray


def candidates(frags: Fragments, kept: KeptNgrams, unit_ids: UnitIds, vocab: UnitVocab, order: int,
               bits: int) -> Candidates:
    """The words of the fragments, with their counts and cohesion (NaN for single units)."""
    # Fragments of up to `order` units: text from their packed keys; those of 2..order units are
    # kept n-grams (a 2-unit fragment is covered by a kept n-gram: itself).
    skeys = frags.short_keys
    lengths = key_lengths(skeys, order, bits)
    codes = unit_ids.codes[unpack(skeys, lengths, bits, order)]  # 0 where padded
    words = [decode_units(row[row != 0], vocab) for row in codes]
    multi = lengths >= 2
    coh = np.full(len(skeys), np.nan)
    coh[multi] = kept.cohesion_of(skeys[multi])
    single_latin = list((lengths == 1) & (codes[:, 0] >= LATIN_BASE))
    # Longer fragments: text from one occurrence, cohesion of their weakest window.
    long_coh = np.array([np.min(kept.cohesion_of(window_keys(ids, order, bits))) for ids in frags.long_ids])
    words += [decode_units(unit_ids.codes[ids], vocab) for ids in frags.long_ids]
    single_latin += [False] * len(frags.long_ids)
    return Candidates(words, np.concatenate((frags.short_counts, frags.long_counts)),
                      np.concatenate((coh, long_coh)), single_latin, skeys, frags.long_h1, frags.long_h2)


def word_filter(words: list[str], single_latin, keep_numbers: bool, base_words) -> np.ndarray:
    """Which candidates are output: not a lone run of digits (unless ``keep_numbers``), not in ``base_words``."""
    keep = np.ones(len(words), dtype=bool)
    if not keep_numbers:
        keep &= ~np.array([single and w.isdigit() for w, single in zip(words, single_latin)], bool)
    if base_words is not None:
        keep &= np.array([w not in base_words for w in words], dtype=bool)
    return keep


def word_tables(cand: Candidates, keep: np.ndarray) -> WordTables:
    """The tables the engines' neighbour pass finds the output words by, for the candidates that
    ``keep`` selects (word index: their rank among those)."""
    index = np.cumsum(keep) - 1  # candidate -> word index
    n_words = int(keep.sum())
    n_short = len(cand.short_keys)
    short = np.flatnonzero(keep[:n_short])
    short_words = ht.table_from(cand.short_keys[short], index[short] + 1)
    long_ = np.flatnonzero(keep[n_short:])
    long_words = ht.table_from(cand.long_h1[long_], index[n_short + long_] + 1)
    h2 = np.zeros(max(n_words, 1), dtype=np.uint64)
    h2[index[n_short + long_]] = cand.long_h2[long_]
    return WordTables(short_words, long_words, h2, n_words)


def output_lexicon(cand: Candidates, keep: np.ndarray, left_right=None) -> Lexicon:
    """The lexicon of the candidates that ``keep`` selects; with ``left_right``, the entropies of
    those, their entropies and score, else NaN."""
    coh = cand.cohesion[keep]
    out = [w for w, k in zip(cand.words, keep) if k]
    if left_right is None:
        return Lexicon(out, cand.counts[keep], coh)
    left, right = left_right
    return Lexicon(out, cand.counts[keep], coh, left, right, word_score(coh, left, right))
