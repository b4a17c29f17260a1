"""Compiled inner loops over blocks of unit ids.

A block is a ``uint32`` array of dense unit ids in which ``0`` ends a clause and whose last
element is ``0``, so no window or fragment ever crosses a block edge. An n-gram of length ``L`` is
packed into one ``uint64`` key, ``bits`` per unit, the first unit in the highest bits:
``key = ((u1 << bits | u2) << bits | u3) ...``. Since ids start at 1, keys of different lengths
never collide and the length of a key is the number of ``bits``-wide digits it has.
"""
from __future__ import annotations

import numba as nb
import numpy as np

from ._hashtable import contains, grown, limit_of, mix, slot_of


@nb.njit(nogil=True, cache=True)
def count_ngrams(ids, min_len, max_len, bits, tab, size):
    """Count every window of ``min_len..max_len`` units of a block into ``tab``."""
    limit = limit_of(tab)
    n = len(ids)
    b = np.uint64(bits)
    for i in range(n):
        if ids[i] == 0:
            continue
        key = np.uint64(0)
        for j in range(i, min(i + max_len, n)):
            u = ids[j]
            if u == 0:
                break
            key = (key << b) | np.uint64(u)
            if j - i + 1 < min_len:
                continue
            if size >= limit:
                tab = grown(tab)
                limit = limit_of(tab)
            s = slot_of(tab, key)
            if tab[s] == 0:
                tab[s] = key
                size += 1
            tab[s + 1] += np.uint64(1)
    return tab, size


@nb.njit(inline="always")
def _gram(ids, i, length, b):
    """Packed key of the ``length`` units at ``i``, or 0 if a boundary or the end comes first."""
    n = len(ids)
    key = np.uint64(0)
    for j in range(i, i + length):
        if j >= n or ids[j] == 0:
            return np.uint64(0)
        key = (key << b) | np.uint64(ids[j])
    return key


@nb.njit(nogil=True, cache=True)
def count_ngrams_apriori(ids, length, bits, frequent, tab, size):
    """Count the windows of ``length`` units whose two parts of ``length - 1`` units are frequent.

    The Apriori principle: an n-gram is never more frequent than its parts, so one with a rare
    part cannot reach the minimum count either. The part at ``i + 1`` of one window is the part
    at ``i`` of the next, so each part is looked up once.
    """
    limit = limit_of(tab)
    b = np.uint64(bits)
    m = length - 1
    part = _gram(ids, 0, m, b)
    ok = part != 0 and contains(frequent, part)
    for i in range(len(ids)):
        nxt = _gram(ids, i + 1, m, b)
        ok_next = nxt != 0 and contains(frequent, nxt)
        if ok and ok_next:
            key = (part << b) | np.uint64(ids[i + m])
            if size >= limit:
                tab = grown(tab)
                limit = limit_of(tab)
            s = slot_of(tab, key)
            if tab[s] == 0:
                tab[s] = key
                size += 1
            tab[s + 1] += np.uint64(1)
        part, ok = nxt, ok_next
    return tab, size


@nb.njit(nogil=True, cache=True)
def fragment_ends(ids, order, bits, kept):
    """End positions (exclusive) of the fragments of the cut, in order.

    The cut falls between two adjacent units exactly when no occurrence of a kept n-gram covers
    both; a clause boundary always cuts. Boundaries belong to no fragment: a fragment starts at the
    first non-boundary unit after the previous fragment's end.
    """
    n = len(ids)
    ends = np.empty(n, dtype=np.int64)
    m = 0
    b = np.uint64(bits)
    far = 0  # one past the last unit that the current fragment must reach
    for i in range(n):
        if ids[i] == 0:
            continue
        if far <= i:
            far = i + 1
        key = np.uint64(ids[i])
        for j in range(i + 1, min(i + order, n)):
            u = ids[j]
            if u == 0:
                break
            key = (key << b) | np.uint64(u)
            if j + 1 > far and contains(kept, key):
                far = j + 1
        if far == i + 1:
            ends[m] = i + 1
            m += 1
    return ends[:m]


@nb.njit(inline="always")
def _fragment_start(ids, prev_end):
    s = prev_end
    while ids[s] == 0:
        s += 1
    return s


@nb.njit(inline="always")
def _pack(ids, s, e, b):
    key = np.uint64(0)
    for j in range(s, e):
        key = (key << b) | np.uint64(ids[j])
    return key


@nb.njit(inline="always")
def _windows_kept(ids, s, e, order, b, kept):
    for w in range(s, e - order + 1):
        if not contains(kept, _pack(ids, w, w + order, b)):
            return False
    return True


@nb.njit(inline="always")
def long_hashes(ids, s, e):
    """Two independent 64-bit hashes of a unit sequence: its identity beyond ``order`` units."""
    h1 = np.uint64(0x243F6A8885A308D3) ^ np.uint64(e - s)
    h2 = np.uint64(0x13198A2E03707344) ^ np.uint64(e - s)
    for j in range(s, e):
        h1 = mix(h1 ^ np.uint64(ids[j]))
        h2 = mix(h2 + np.uint64(ids[j]) * np.uint64(0x9E3779B97F4A7C15))
    return h1 | np.uint64(1), h2  # never 0, the empty key


@nb.njit(nogil=True, cache=True)
def count_fragments(ids, ends, order, bits, kept, tab, size, offset):
    """Count the candidate fragments of one block.

    A fragment of 1 or 2 units is always a candidate; one of 3..order units must be a kept n-gram;
    a longer one must have every window of ``order`` units kept. Short candidates are counted in
    ``tab`` by packed key; long ones are returned as records (hash1, hash2, global start, length)
    for the caller to aggregate.
    """
    b = np.uint64(bits)
    limit = limit_of(tab)
    n_long = 0
    prev = 0
    for f in range(len(ends)):
        if ends[f] - prev > order:
            n_long += 1
        prev = ends[f]
    h1s = np.empty(n_long, dtype=np.uint64)
    h2s = np.empty(n_long, dtype=np.uint64)
    starts = np.empty(n_long, dtype=np.int64)
    lens = np.empty(n_long, dtype=np.int64)
    m = 0
    prev = 0
    for f in range(len(ends)):
        e = ends[f]
        s = _fragment_start(ids, prev)
        prev = e
        length = e - s
        if length <= order:
            key = _pack(ids, s, e, b)
            if length >= 3 and not contains(kept, key):
                continue
            if size >= limit:
                tab = grown(tab)
                limit = limit_of(tab)
            sl = slot_of(tab, key)
            if tab[sl] == 0:
                tab[sl] = key
                size += 1
            tab[sl + 1] += np.uint64(1)
        elif _windows_kept(ids, s, e, order, b, kept):
            h1, h2 = long_hashes(ids, s, e)
            h1s[m] = h1
            h2s[m] = h2
            starts[m] = offset + s
            lens[m] = length
            m += 1
    return tab, size, h1s[:m], h2s[:m], starts[:m], lens[:m]


@nb.njit(nogil=True, cache=True)
def count_neighbours(ids, codes, ends, order, bits, short_words, long_words, long_h2, pairs, psize):
    """Count (word, side, neighbour) for every fragment occurrence that is an output word.

    ``short_words`` maps the packed key of a word of up to ``order`` units to ``index + 1``;
    ``long_words`` maps the first hash of a longer word to ``index + 1``, and ``long_h2[index]``
    holds its second hash. The neighbour is the raw unit code next to the occurrence, ``0`` at a
    clause edge (all edges are one neighbour). The pair key is
    ``((index + 1) << 33) | (side << 32) | code``.
    """
    b = np.uint64(bits)
    n = len(ids)
    limit = limit_of(pairs)
    prev = 0
    for f in range(len(ends)):
        e = ends[f]
        s = _fragment_start(ids, prev)
        prev = e
        if e - s <= order:
            sl = slot_of(short_words, _pack(ids, s, e, b))
            if short_words[sl] == 0:
                continue
            word = short_words[sl + 1]
        else:
            h1, h2 = long_hashes(ids, s, e)
            sl = slot_of(long_words, h1)
            if long_words[sl] == 0 or long_h2[long_words[sl + 1] - np.uint64(1)] != h2:
                continue
            word = long_words[sl + 1]
        left = np.uint64(codes[s - 1]) if s > 0 else np.uint64(0)
        right = np.uint64(codes[e]) if e < n else np.uint64(0)
        for side in range(2):
            nbr = left if side == 0 else right
            key = (word << np.uint64(33)) | (np.uint64(side) << np.uint64(32)) | nbr
            if psize >= limit:
                pairs = grown(pairs)
                limit = limit_of(pairs)
            p = slot_of(pairs, key)
            if pairs[p] == 0:
                pairs[p] = key
                psize += 1
            pairs[p + 1] += np.uint64(1)
    return pairs, psize


def warm_up(neighbours: bool = True) -> None:
    """Load the compiled loops from Numba's cache (or compile them) on tiny inputs.

    Loading costs tens of milliseconds per function; the pipeline calls this in a background
    thread while worker processes encode the corpus, so that the cost is mostly hidden.
    ``neighbours=False`` leaves out the loop that only the neighbour entropies need.
    """
    from . import _hashtable as ht

    ids = np.array([1, 2, 1, 2, 0], dtype=np.uint32)
    tab, size = count_ngrams(ids, 1, 2, 2, ht.new_table(16), 0)
    tab, size = count_ngrams_apriori(ids, 2, 2, tab, tab.copy(), size)
    keys, vals = ht.items(tab)
    tab, size = ht.add_counts(tab, size, keys, vals)
    ends = fragment_ends(ids, 2, 2, tab)
    count_fragments(ids, ends, 2, 2, tab, tab.copy(), size, 0)
    if neighbours:
        count_neighbours(ids, ids, ends, 2, 2, tab, tab, np.zeros(1, np.uint64), tab.copy(), size)
