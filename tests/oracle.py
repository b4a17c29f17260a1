"""A plain-Python reference implementation of the word-discovery method, for Han-only text.

Written from the method's description (README "How it works" and the task contract), not from the
package code, and deliberately naive: substrings, a Counter, and a set. It is only meant for
corpora of a few hundred thousand characters.

1. Split every text into clauses at any character that is not a Han character.
2. Count every substring of 1..order characters within clauses; N is the total unigram count.
3. Keep the n-grams of 2..order characters with count >= min_count whose cohesion
   min_k ln(N c(w) / (c(w[:k]) c(w[k:]))) reaches min_pmi[len(w) - 1].
4. Cut each clause between two adjacent characters wherever no occurrence of a kept n-gram covers
   both of them.
5. Count the fragments; keep those that occur >= min_count times and that are made of kept
   n-grams: a fragment of 3..order characters must itself be kept, a longer one must have every
   window of ``order`` characters kept; fragments of 1 or 2 characters pass.
"""
from __future__ import annotations

import math
import re
from collections import Counter

# Unicode blocks "CJK Unified Ideographs" (and its extensions A..I), "CJK Compatibility
# Ideographs" (and supplement), plus U+3007 IDEOGRAPHIC NUMBER ZERO.
HAN_CLASS = (
    "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002a6df\U0002a700-\U0002ebef\U0002ebf0-\U0002ee5f"
    "\U0002f800-\U0002fa1f\U00030000-\U000323af"
)
_HAN_RUN = re.compile(f"[{HAN_CLASS}]+")


def han_clauses(texts):
    """The clauses (maximal runs of Han characters) of the texts."""
    out = []
    for text in texts:
        out.extend(_HAN_RUN.findall(text))
    return out


def ngram_counts(clauses, order):
    counts = Counter()
    for c in clauses:
        n = len(c)
        for i in range(n):
            for length in range(1, min(order, n - i) + 1):
                counts[c[i : i + length]] += 1
    return counts


def cohesion(word, counts, n_units):
    """Min-split PMI of ``word`` (len >= 2) in nats."""
    c = counts[word]
    return min(
        math.log(n_units * c / (counts[word[:k]] * counts[word[k:]])) for k in range(1, len(word))
    )


def kept_ngrams(counts, n_units, order, min_count, min_pmi):
    kept = set()
    for w, c in counts.items():
        if 2 <= len(w) <= order and c >= min_count and cohesion(w, counts, n_units) >= min_pmi[len(w) - 1]:
            kept.add(w)
    return kept


def fragments(clause, kept, order):
    """The pieces of a clause after cutting wherever no kept n-gram occurrence covers both sides."""
    n = len(clause)
    covered = [False] * max(0, n - 1)  # covered[j]: the gap between j and j+1 is covered
    for i in range(n):
        for length in range(2, min(order, n - i) + 1):
            if clause[i : i + length] in kept:
                for j in range(i, i + length - 1):
                    covered[j] = True
    out = []
    start = 0
    for j in range(n - 1):
        if not covered[j]:
            out.append(clause[start : j + 1])
            start = j + 1
    if n:
        out.append(clause[start:])
    return out


def discover(texts, order=4, min_count=32, min_pmi=(0, 2, 4, 6)):
    """Words (str -> count) of a Han-only corpus by the method above."""
    return discover_clauses(han_clauses(texts), order, min_count, min_pmi)


def discover_clauses(clauses, order=4, min_count=32, min_pmi=(0, 2, 4, 6)):
    """The same on clauses given as sequences of units (strings of characters, or tuples of unit
    strings, for text whose units are not all single characters); words are keyed alike."""
    min_pmi = tuple(float(x) for x in min_pmi)
    assert len(min_pmi) >= order
    counts = ngram_counts(clauses, order)
    n_units = sum(c for w, c in counts.items() if len(w) == 1)
    kept = kept_ngrams(counts, n_units, order, min_count, min_pmi)
    frag_counts = Counter()
    for c in clauses:
        frag_counts.update(fragments(c, kept, order))
    words = {}
    for w, c in frag_counts.items():
        if c < min_count:
            continue
        if 3 <= len(w) <= order and w not in kept:
            continue
        if len(w) > order and not all(w[i : i + order] in kept for i in range(len(w) - order + 1)):
            continue
        words[w] = c
    return words


def details(texts, order=4, min_count=32, min_pmi=(0, 2, 4, 6), clauses=None):
    """(counts, N, kept) for tests that need the intermediate results (of ``texts``, or of
    ``clauses`` of units when given)."""
    clauses = han_clauses(texts) if clauses is None else clauses
    counts = ngram_counts(clauses, order)
    n_units = sum(c for w, c in counts.items() if len(w) == 1)
    return counts, n_units, kept_ngrams(counts, n_units, order, min_count, tuple(map(float, min_pmi)))
