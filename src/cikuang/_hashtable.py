"""Open-addressing hash tables of ``uint64 -> int64`` for compiled counting loops.

A table is a pair of arrays (``keys``, ``vals``) whose length is a power of two; key ``0`` marks an
empty slot, which is free because no n-gram key is 0 (unit ids start at 1). Python code only
creates, grows and empties tables; the inner loops that fill them are Numba-compiled and release
the GIL, so tables owned by different threads are filled in parallel.
"""
from __future__ import annotations

import numba as nb
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MAX_LOAD = 0.6


def new_table(capacity: int = 1 << 16) -> tuple[np.ndarray, np.ndarray]:
    cap = 1 << max(4, int(capacity - 1).bit_length())
    return np.zeros(cap, dtype=np.uint64), np.zeros(cap, dtype=np.int64)


@nb.njit(inline="always")
def mix(key):
    """A 64-bit finaliser (splitmix64): spreads every input bit over the whole word."""
    z = key + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@nb.njit(inline="always")
def slot_of(keys, key):
    """Index of ``key`` in ``keys``, or of the empty slot where it would go."""
    mask = np.uint64(len(keys) - 1)
    i = mix(key) & mask
    while True:
        k = keys[i]
        if k == key or k == 0:
            return i
        i = (i + np.uint64(1)) & mask


@nb.njit(nogil=True, cache=True)
def grown(keys, vals, new_cap):
    new_keys = np.zeros(new_cap, dtype=np.uint64)
    new_vals = np.zeros(new_cap, dtype=np.int64)
    for i in range(len(keys)):
        k = keys[i]
        if k != 0:
            j = slot_of(new_keys, k)
            new_keys[j] = k
            new_vals[j] = vals[i]
    return new_keys, new_vals


@nb.njit(nogil=True, cache=True)
def add_counts(keys, vals, size, add_keys, add_vals):
    """Add ``add_vals`` to the entries of ``add_keys``; grows as needed. Returns (keys, vals, size)."""
    limit = int(len(keys) * MAX_LOAD)
    for n in range(len(add_keys)):
        if size >= limit:
            keys, vals = grown(keys, vals, len(keys) * 2)
            limit = int(len(keys) * MAX_LOAD)
        k = add_keys[n]
        i = slot_of(keys, k)
        if keys[i] == 0:
            keys[i] = k
            size += 1
        vals[i] += add_vals[n]
    return keys, vals, size


@nb.njit(nogil=True, cache=True)
def lookup(keys, vals, query, default):
    """Values of ``query`` keys (``default`` where absent)."""
    out = np.empty(len(query), dtype=np.int64)
    for n in range(len(query)):
        i = slot_of(keys, query[n])
        out[n] = vals[i] if keys[i] == query[n] else default
    return out


@nb.njit(nogil=True, cache=True)
def items(keys, vals):
    """The occupied entries, as (keys, vals) arrays in slot order."""
    n = 0
    for i in range(len(keys)):
        if keys[i] != 0:
            n += 1
    out_k = np.empty(n, dtype=np.uint64)
    out_v = np.empty(n, dtype=np.int64)
    n = 0
    for i in range(len(keys)):
        if keys[i] != 0:
            out_k[n] = keys[i]
            out_v[n] = vals[i]
            n += 1
    return out_k, out_v


def table_from(keys: np.ndarray, vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A table holding exactly these (distinct) keys."""
    tk, tv = new_table(int(len(keys) / MAX_LOAD) + 1)
    tk, tv, _ = add_counts(tk, tv, 0, keys.astype(np.uint64), vals.astype(np.int64))
    return tk, tv
