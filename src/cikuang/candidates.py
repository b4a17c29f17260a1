"""The candidates: the fragments of the cut become the entries of the lexicon.

The cut (the engines' ``count_fragments``, over ``fragment_end`` in :mod:`cikuang._native`) falls
between two adjacent units wherever no occurrence of a kept n-gram covers both; overlapping kept
n-grams chain, so fragments can be longer than the order. Fragments that can be words are
counted: 1 or 2 units always, 3..order units when the fragment is itself a kept n-gram, longer ones
when every window of ``order`` units is kept (the backtrack rule, which rejects junctions such as
各项目 = 各项 + 项目).

Here, for each fragment counted at least ``min_count`` times (and not dropped as a pure number):
its text, its count and its cohesion (a kept n-gram's; for a word longer than the order, that of
its weakest ``order``-window). The rest of its statistics come from the word list stage
(:mod:`cikuang.wordlist`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .engines.base import Fragments
from .lexicon import Lexicon
from .ngrams import UnitIds, key_lengths, unpack, window_keys
from .textmodel import LATIN_BASE, UnitVocab, decode_rows


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


def candidates(frags: Fragments, kept: KeptNgrams, unit_ids: UnitIds, vocab: UnitVocab, order: int,
               bits: int, lone_codes=(), lone_counts=()) -> Candidates:
    """The words of the fragments, with their counts and cohesion (NaN for single units); and the
    frequent units without ids (``lone_codes``, see :func:`cikuang.recipe.keyed_units`), each a
    fragment of its own as often as it occurs (``lone_counts``)."""
    # Fragments of up to `order` units: text from their packed keys; those of 2..order units are
    # kept n-grams (a 2-unit fragment is covered by a kept n-gram: itself).
    skeys = frags.short_keys
    lengths = key_lengths(skeys, order, bits)
    codes = unit_ids.codes[unpack(skeys, lengths, bits, order)]  # 0 where padded
    words = decode_rows(codes, vocab)
    multi = lengths >= 2
    coh = np.full(len(skeys), np.nan)
    coh[multi] = kept.cohesion_of(skeys[multi])
    single_latin = list((lengths == 1) & (codes[:, 0] >= LATIN_BASE))
    # Longer fragments: text from one occurrence, cohesion of their weakest window.
    long_coh = np.array([np.min(kept.cohesion_of(window_keys(ids, order, bits))) for ids in frags.long_ids])
    words += decode_rows([unit_ids.codes[ids] for ids in frags.long_ids], vocab)
    single_latin += [False] * len(frags.long_ids)
    lone_codes = np.asarray(lone_codes, dtype=np.int64)
    words += decode_rows(lone_codes.reshape(-1, 1), vocab)
    single_latin += (lone_codes >= LATIN_BASE).tolist()
    return Candidates(words, np.concatenate((frags.short_counts, frags.long_counts,
                                             np.asarray(lone_counts, dtype=np.int64))),
                      np.concatenate((coh, long_coh, np.full(len(lone_codes), np.nan))), single_latin)


def chain_words(frags: Fragments, unit_ids: UnitIds, vocab: UnitVocab) -> list[str]:
    """The text of the chains the backtrack rule rejected (``frags.dropped_ids``)."""
    return decode_rows([unit_ids.codes[ids] for ids in frags.dropped_ids], vocab)


def with_list_candidates(lexicon: Lexicon, words: list[str]) -> Lexicon:
    """``lexicon`` and the ``words`` it lacks, with a count of 0: candidates of the word list that
    the segmenter does not use (their statistics come from the word list stage)."""
    new = sorted(set(words) - set(lexicon.index))
    if not new:
        return lexicon
    nan = np.full(len(new), np.nan)
    return Lexicon(lexicon.words + new, np.concatenate((lexicon.counts, np.zeros(len(new), np.int64))),
                   *(np.concatenate((col, nan)) for col in lexicon.to_columns()))


def word_filter(words: list[str], single_latin, keep_numbers: bool, base_words) -> np.ndarray:
    """Which candidates are output: not a lone run of digits (unless ``keep_numbers``), not in ``base_words``."""
    keep = np.ones(len(words), dtype=bool)
    if not keep_numbers:
        keep &= ~np.array([single and w.isdigit() for w, single in zip(words, single_latin)], bool)
    if base_words is not None:
        keep &= np.array([w not in base_words for w in words], dtype=bool)
    return keep


def output_lexicon(cand: Candidates, keep: np.ndarray) -> Lexicon:
    """The lexicon of the candidates that ``keep`` selects, with their counts and cohesion (the word
    list stage adds the rest of the statistics)."""
    return Lexicon([w for w, k in zip(cand.words, keep) if k], cand.counts[keep], cand.cohesion[keep])
