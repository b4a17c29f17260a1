"""The describe stage: candidate fragments become words with the statistics that justify them.

For each fragment counted at least ``min_count`` times (and not dropped as a pure number or as a
word of the base lexicon): its text, its count, its cohesion (the min-split PMI from the n-gram
counts; for a word longer than the order, that of its weakest ``order``-window), and its left and
right neighbour entropies, from a second cut of the corpus that records the unit next to each
occurrence of a word (a clause edge counts as one neighbour).
"""
from __future__ import annotations

import numpy as np

from . import _hashtable as ht
from ._kernels import count_neighbours, fragment_ends
from .fragments import parallel_blocks
from .lexicon import Lexicon
from .scoring import cohesion, entropies, word_score
from .textmodel import LATIN_BASE


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
                   keep_numbers: bool, base_words, workers: int, progress) -> Lexicon:
    """The lexicon of the candidate fragments ``frags`` that pass ``min_count`` and the filters."""
    vocab = stream.vocab
    # Short words (up to order units), from packed keys.
    sel = frags.short_counts >= min_count
    skeys, scounts = frags.short_keys[sel], frags.short_counts[sel]
    slen = counts.lengths(skeys)
    sids = unpack(skeys, slen, bits, order)
    scodes = unit_ids.codes[sids]  # 0 where padded
    words = ["".join(vocab.unit_text(int(c)) for c in row if c) for row in scodes]
    coh = cohesion(counts, skeys, n)
    # Long words, from their first occurrence in the stream.
    lsel = np.flatnonzero(frags.long_counts >= min_count)
    lcoh = []
    lcodes = []
    for i in lsel:
        codes = stream.read(int(frags.long_start[i]), int(frags.long_len[i]))
        ids = unit_ids.map(codes).astype(np.uint64)
        windows = np.zeros(len(ids) - order + 1, dtype=np.uint64)
        for j in range(order):
            windows = (windows << np.uint64(bits)) | ids[j : len(ids) - order + 1 + j]
        lcoh.append(float(np.min(cohesion(counts, windows, n))))
        lcodes.append(codes)
        words.append("".join(vocab.unit_text(int(c)) for c in codes))
    all_counts = np.concatenate((scounts, frags.long_counts[lsel]))
    all_coh = np.concatenate((coh, np.asarray(lcoh, dtype=np.float64)))
    n_short = len(skeys)
    # Which words to keep: no pure numbers (by default), none of the base lexicon's (new_only).
    keep = np.ones(len(words), dtype=bool)
    if not keep_numbers:
        single_latin = (slen == 1) & (scodes[:, 0] >= LATIN_BASE)
        for i in np.flatnonzero(single_latin):
            keep[i] = not words[i].isdigit()
    if base_words is not None:
        keep &= np.array([w not in base_words for w in words], dtype=bool)
    # Neighbour entropies of the kept words, from a second cut of the corpus.
    index_of = np.cumsum(keep) - 1
    short_idx = np.flatnonzero(keep[:n_short])
    short_words = ht.table_from(skeys[short_idx], index_of[short_idx] + 1)
    long_rows = np.flatnonzero(keep[n_short:])
    long_words = ht.table_from(frags.long_h1[lsel][long_rows], index_of[n_short + long_rows] + 1)
    n_words = int(keep.sum())
    long_h2 = np.zeros(max(n_words, 1), dtype=np.uint64)
    long_h2[index_of[n_short + long_rows]] = frags.long_h2[lsel][long_rows]

    def run(item, state):
        _, block = item
        ids = unit_ids.map(block)
        ends = fragment_ends(ids, order, bits, kept)
        pairs, size = state if state is not None else (ht.new_table(1 << 16), 0)
        return count_neighbours(ids, block, ends, order, bits, short_words, long_words, long_h2, pairs, size)

    pairs, _ = ht.merged(parallel_blocks(stream, workers, run, progress, "neighbours"))
    pk, pv = ht.items(pairs)
    del pairs
    widx = (pk >> np.uint64(33)).astype(np.int64) - 1
    side = ((pk >> np.uint64(32)) & np.uint64(1)).astype(np.int64)
    left, right = entropies(widx, side, pv, n_words)
    kept_words = [w for w, k in zip(words, keep) if k]
    c = all_coh[keep]
    return Lexicon(kept_words, all_counts[keep], c, left, right, word_score(c, left, right))
