"""The score stage: cohesion of n-grams, neighbour entropies, and the word score.

Cohesion is the score of an n-gram's *weakest* binary split,

    cohesion(w) = min over k of score(c(w), c(w[:k]), c(w[k:]), N)

where ``c`` are exact counts and ``N`` is the number of unit tokens: every way of cutting a word
in two must be unlikely by chance, not just one. The default split score is the pointwise mutual
information ``ln(N·c(w) / (c(a)·c(b)))`` in nats (:func:`pmi`).

The split score is a parameter (``DiscoverySpec.scorer``): a name of :data:`SCORERS`, or any
picklable function ``f(count, left_count, right_count, n_units)`` of NumPy arrays (and the corpus
size) returning an array of scores, larger meaning more cohesive. It is pickled to wherever the
counts are (a Spark engine scores each level in the reduce tasks), so a module-level function or
an instance of a module-level class does; a lambda does not. The thresholds (``min_pmi``) are in
the scorer's own scale.
"""
from __future__ import annotations

import inspect
import pickle
from dataclasses import dataclass

import numpy as np

from .errors import CikuangError
from .ngrams import NgramCounts

#: The arguments a scorer takes, by name (as gensim's Phrases checks its scorers).
SCORER_ARGS = ("count", "left_count", "right_count", "n_units")


def pmi(count, left_count, right_count, n_units):
    """Pointwise mutual information of a split, in nats: ``ln(N·c(w) / (c(a)·c(b)))``."""
    with np.errstate(divide="ignore"):
        return np.log(n_units) + np.log(count) - np.log(left_count) - np.log(right_count)


SCORERS = {"pmi": pmi}


def resolve_scorer(scorer):
    """The scoring function of a name of :data:`SCORERS` or of a callable, after checking that it
    takes :data:`SCORER_ARGS` and can be pickled."""
    if isinstance(scorer, str):
        try:
            return SCORERS[scorer]
        except KeyError:
            raise CikuangError(f"unknown scorer {scorer!r} (choose from {', '.join(SCORERS)}, "
                               "or pass a function)") from None
    if not callable(scorer):
        raise CikuangError(f"a scorer must be a name or a function, not {type(scorer).__name__}")
    try:
        params = list(inspect.signature(scorer).parameters)
    except (TypeError, ValueError):
        params = None
    if params is not None and params[: len(SCORER_ARGS)] != list(SCORER_ARGS):
        raise CikuangError(f"a scorer must take the arguments ({', '.join(SCORER_ARGS)}), "
                           f"not ({', '.join(params)})")
    try:
        pickle.dumps(scorer)
    except Exception as e:  # pickling errors have no common base class
        raise CikuangError(f"a scorer must be picklable (a module-level function), and {scorer!r} "
                           f"is not: {e}") from None
    return scorer


def cohesion(counts: NgramCounts, keys: np.ndarray, n_units: int, scorer=pmi,
             key_counts: np.ndarray | None = None) -> np.ndarray:
    """Weakest-split score of packed n-gram ``keys`` of length >= 2 (NaN for unigrams).

    ``counts`` must hold all the keys' parts, and the keys themselves unless ``key_counts`` gives
    their counts; it may hold other n-grams too.
    """
    score = SCORERS[scorer] if isinstance(scorer, str) else scorer  # checked by resolve_scorer
    keys = np.asarray(keys, dtype=np.uint64)
    lengths = counts.lengths(keys)
    c = (counts.lookup(keys) if key_counts is None else np.asarray(key_counts)).astype(np.float64)
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
            out[sel] = np.minimum(out[sel], score(c[sel], left, right, n_units))
    out[lengths == 1] = np.nan
    return out


@dataclass
class LevelScorer:
    """Scores the n-grams of one length given the counts of all shorter frequent n-grams.

    An engine calls it on the counted n-grams of a level, whole or in parts (``keys`` sorted within
    a call); it pickles, so an engine may ship it to where the counts are.
    """

    scorer: object
    n_units: int
    shorter: NgramCounts  # every n-gram shorter than the level that reached min count

    def __call__(self, keys: np.ndarray, counts: np.ndarray) -> np.ndarray:
        # every part of a level's n-gram is shorter than it: no need to look the n-grams themselves up
        return cohesion(self.shorter, keys, self.n_units, self.scorer, key_counts=counts)


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


def word_score(cohesion_: np.ndarray, left: np.ndarray, right: np.ndarray, cap: float = np.inf) -> np.ndarray:
    """The ranking score: cohesion (0 for single units), at most ``cap``, plus the weaker side's entropy.

    Both terms are in nats and both are evidence that the string is a word: it holds together
    (its parts co-occur far more than chance) and it is free at both ends (it combines with many
    different neighbours, so it is not a piece of a longer unit). The cap keeps rare strings from
    leading on cohesion alone: a string seen five times has a PMI of up to ln(N/5) however little
    that says, while its entropies cannot exceed ln 5, and grow with the evidence.
    """
    return np.minimum(np.nan_to_num(cohesion_, nan=0.0), cap) + np.minimum(left, right)
