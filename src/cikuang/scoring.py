"""The score stage: cohesion of n-grams, the kept set, and neighbour entropies.

Cohesion is the pointwise mutual information of an n-gram's *weakest* binary split,

    cohesion(w) = min over k of ln( N * c(w) / (c(w[:k]) * c(w[k:])) )

in nats, where ``c`` are exact counts and ``N`` is the number of unit tokens. Every way of cutting
a word in two must be unlikely by chance, not just one. The scorers here are plain functions of
count tables, so another scorer can replace :func:`cohesion` without touching the other stages.
"""
from __future__ import annotations

import numpy as np

from .counting import NgramCounts


def cohesion(counts: NgramCounts, keys: np.ndarray, n_units: int) -> np.ndarray:
    """Min-split PMI (nats) of packed n-gram ``keys`` of length >= 2 (NaN for unigrams)."""
    keys = np.asarray(keys, dtype=np.uint64)
    lengths = counts.lengths(keys)
    c = counts.lookup(keys).astype(np.float64)
    out = np.full(len(keys), np.inf)
    bits = counts.bits
    for length in range(2, counts.order + 1):
        sel = np.flatnonzero(lengths == length)
        if len(sel) == 0:
            continue
        k = keys[sel]
        for split in range(1, length):
            shift = np.uint64(bits * (length - split))
            left = counts.lookup(k >> shift).astype(np.float64)
            right = counts.lookup(k & ((np.uint64(1) << shift) - np.uint64(1))).astype(np.float64)
            with np.errstate(divide="ignore"):
                pmi = np.log(n_units) + np.log(c[sel]) - np.log(left) - np.log(right)
            out[sel] = np.minimum(out[sel], pmi)
    out[lengths == 1] = np.nan
    return out


def kept_ngrams(counts: NgramCounts, n_units: int, min_count: int, min_pmi) -> np.ndarray:
    """Keys of the n-grams of length 2..order with count >= min_count and cohesion >= min_pmi[len-1]."""
    lengths = counts.lengths()
    keys = counts.keys[(lengths >= 2) & (counts.counts >= min_count)]
    keep, _ = passes_thresholds(counts, keys, n_units, min_pmi)
    return keys[keep]


def passes_thresholds(counts: NgramCounts, keys: np.ndarray, n_units: int, min_pmi) -> tuple[np.ndarray, np.ndarray]:
    """(whether cohesion >= min_pmi[len-1], cohesion) of packed ``keys`` of length >= 2.

    ``counts`` must hold the keys and all their parts; it may hold nothing else (the Spark engine
    calls this on each partition's keys with the counts of their parts, joined in).
    """
    coh = cohesion(counts, keys, n_units)
    threshold = np.asarray(min_pmi, dtype=np.float64)[counts.lengths(keys) - 1]
    return coh >= threshold, coh


def entropies(word_index: np.ndarray, side: np.ndarray, pair_counts: np.ndarray, n_words: int):
    """Left and right neighbour entropies (nats) from (word, side, neighbour) pair counts.

    The pairs are taken in ascending order of count, so that each word's sums are added in an
    order that depends only on its own counts, not on how the pairs were found (threads, blocks,
    the Spark engine's partitions): the result is the same to the last bit however they were.
    """
    by_count = np.argsort(pair_counts)
    word_index, side, pair_counts = word_index[by_count], side[by_count], pair_counts[by_count]
    out = []
    for s in (0, 1):
        sel = side == s
        w = word_index[sel]
        c = pair_counts[sel].astype(np.float64)
        total = np.bincount(w, weights=c, minlength=n_words)
        clogc = np.bincount(w, weights=c * np.log(c), minlength=n_words)
        with np.errstate(divide="ignore", invalid="ignore"):
            h = np.where(total > 0, np.log(total) - clogc / total, 0.0)
        out.append(np.maximum(h, 0.0))
    return out[0], out[1]


def word_score(cohesion_: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The ranking score: cohesion (0 for single units) plus the weaker side's entropy.

    Both terms are in nats and both are evidence that the string is a word: it holds together
    (its parts co-occur far more than chance) and it is free at both ends (it combines with many
    different neighbours, so it is not a piece of a longer unit).
    """
    return np.nan_to_num(cohesion_, nan=0.0) + np.minimum(left, right)
