"""The describe stage: candidate fragments become words with the statistics that justify them.

For each fragment counted at least ``min_count`` times (and not dropped as a pure number or as a
word of the base lexicon): its text, its count, its cohesion (the min-split PMI from the n-gram
counts; for a word longer than the order, that of its weakest ``order``-window), and its left and
right neighbour entropies, from a second cut of the corpus that records the unit next to each
occurrence of a word (a clause edge counts as one neighbour).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _hashtable as ht
from ._native import count_neighbours
from .fragments import parallel_blocks
from .lexicon import Lexicon
from .scoring import cohesion, entropies, word_score
from .textmodel import LATIN_BASE, decode_units


def unpack(keys: np.ndarray, lengths: np.ndarray, bits: int, order: int) -> np.ndarray:
    """Ids of packed keys as a (n, order) array, left-aligned, zero-padded."""
    out = np.zeros((len(keys), order), dtype=np.int64)
    mask = np.uint64((1 << bits) - 1)
    for pos in range(order):
        shift = (lengths - 1 - pos) * bits
        valid = shift >= 0
        out[valid, pos] = ((keys[valid] >> shift[valid].astype(np.uint64)) & mask).astype(np.int64)
    return out


def describe_words(stream, unit_ids, counts, frags, kept, order: int, bits: int, n: int, min_count: int,
                   keep_numbers: bool, base_words, workers: int, progress, neighbours: bool = True) -> Lexicon:
    """The lexicon of the candidate fragments ``frags`` that pass ``min_count`` and the filters.

    Without ``neighbours`` the second cut is skipped: entropies and score are NaN.
    """
    cand = _candidates(stream, unit_ids, counts, frags, order, bits, n, min_count)
    keep = word_filter(cand.words, cand.single_latin, keep_numbers, base_words)
    left_right = (_neighbour_entropies(stream, unit_ids, cand, keep, kept, order, bits, workers, progress)
                  if neighbours else None)
    return output_lexicon(cand.words, cand.counts, cand.cohesion, keep, left_right)


def output_lexicon(words: list[str], counts: np.ndarray, coh: np.ndarray, keep: np.ndarray, left_right=None) -> Lexicon:
    """The lexicon of the candidates that ``keep`` selects; with ``left_right``, the entropies of
    those (as both engines compute them), their entropies and score, else NaN."""
    coh = coh[keep]
    out = [w for w, k in zip(words, keep) if k]
    if left_right is None:
        return Lexicon(out, counts[keep], coh)
    left, right = left_right
    return Lexicon(out, counts[keep], coh, left, right, word_score(coh, left, right))


def pair_fields(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(word index, side) of the keys of ``count_neighbours``' table: word index + 1 above bit 33,
    the side (0 left, 1 right) in bit 32, the neighbour's code below."""
    word = (keys >> np.uint64(33)).astype(np.int64) - 1
    side = ((keys >> np.uint64(32)) & np.uint64(1)).astype(np.int64)
    return word, side


def word_filter(words: list[str], single_latin, keep_numbers: bool, base_words) -> np.ndarray:
    """Which candidates are output: not a lone run of digits (unless ``keep_numbers``), not in ``base_words``."""
    keep = np.ones(len(words), dtype=bool)
    if not keep_numbers:
        keep &= ~np.array([single and w.isdigit() for w, single in zip(words, single_latin)], bool)
    if base_words is not None:
        keep &= np.array([w not in base_words for w in words], dtype=bool)
    return keep


def window_keys(ids: np.ndarray, order: int, bits: int) -> np.ndarray:
    """Packed keys of every window of ``order`` units of a run of ids (a fragment longer than the order)."""
    ids = ids.astype(np.uint64)
    windows = np.zeros(len(ids) - order + 1, dtype=np.uint64)
    for j in range(order):
        windows = (windows << np.uint64(bits)) | ids[j : len(ids) - order + 1 + j]
    return windows


@dataclass
class _Candidates:
    """Fragments counted at least ``min_count`` times: short ones first, then long ones."""

    words: list[str]
    counts: np.ndarray
    cohesion: np.ndarray
    single_latin: list[bool]  # single units that are Latin/digit runs
    short_keys: np.ndarray
    long_h1: np.ndarray
    long_h2: np.ndarray


def _candidates(stream, unit_ids, counts, frags, order, bits, n, min_count) -> _Candidates:
    vocab = stream.vocab
    # Fragments of up to `order` units: text and cohesion from their packed keys.
    sel = frags.short_counts >= min_count
    skeys = frags.short_keys[sel]
    lengths = counts.lengths(skeys)
    codes = unit_ids.codes[unpack(skeys, lengths, bits, order)]  # 0 where padded
    words = [decode_units(row[row != 0], vocab) for row in codes]
    coh = [cohesion(counts, skeys, n)]
    single_latin = list((lengths == 1) & (codes[:, 0] >= LATIN_BASE))
    # Longer fragments: text from their first occurrence, cohesion of their weakest window.
    lsel = np.flatnonzero(frags.long_counts >= min_count)
    long_coh = np.empty(len(lsel))
    for i, f in enumerate(lsel):
        units = stream.read(int(frags.long_start[f]), int(frags.long_len[f]))
        long_coh[i] = np.min(cohesion(counts, window_keys(unit_ids.map(units), order, bits), n))
        words.append(decode_units(units, vocab))
        single_latin.append(False)
    coh.append(long_coh)
    return _Candidates(words, np.concatenate((frags.short_counts[sel], frags.long_counts[lsel])),
                       np.concatenate(coh), single_latin, skeys, frags.long_h1[lsel], frags.long_h2[lsel])


def _neighbour_entropies(stream, unit_ids, cand: _Candidates, keep, kept, order, bits, workers, progress):
    """Left and right entropies of the kept candidates, from a second cut of the corpus."""
    short_words, long_words, long_h2, n_words = word_tables(cand.short_keys, cand.long_h1, cand.long_h2, keep)

    def run(item, state):
        _, ids, block = item
        pairs, size = state if state is not None else (ht.new_table(1 << 16), 0)
        return count_neighbours(ids, block, order, bits, kept.table, kept.starts, kept.k, short_words, long_words,
                                long_h2, pairs, size)

    pairs, _ = ht.merged(parallel_blocks(stream, unit_ids, workers, run, progress, "neighbours", with_codes=True))
    keys, pair_counts = ht.items(pairs)
    del pairs
    word, side = pair_fields(keys)
    return entropies(word, side, pair_counts, n_words)


def word_tables(short_keys, long_h1, long_h2, keep):
    """The tables ``count_neighbours`` finds the output words by: (short_words, long_words,
    long_h2, n_words), for candidates short ones first, then long ones, of which ``keep`` are output."""
    index = np.cumsum(keep) - 1  # candidate -> word index
    n_words = int(keep.sum())
    n_short = len(short_keys)
    short = np.flatnonzero(keep[:n_short])
    short_words = ht.table_from(short_keys[short], index[short] + 1)
    long_ = np.flatnonzero(keep[n_short:])
    long_words = ht.table_from(long_h1[long_], index[n_short + long_] + 1)
    h2 = np.zeros(max(n_words, 1), dtype=np.uint64)
    h2[index[n_short + long_]] = long_h2[long_]
    return short_words, long_words, h2, n_words
