"""Open-addressing hash tables of ``uint64 -> uint64`` for compiled counting loops.

A table is one ``uint64`` array of ``2 * capacity`` words, key and value side by side, so that an
update touches one cache line, not two (counting is bound by cache misses: this alone makes it
about a third faster than separate key and value arrays). The capacity is a power of two; key
``0`` marks an empty slot, which is free because no key is 0 (unit ids start at 1). Slots are
found by linear probing from a splitmix64 hash. Python code creates, grows and empties tables;
the loops that fill them are Numba-compiled and release the GIL, so tables owned by different
threads are filled in parallel.
"""
from __future__ import annotations

import numba as nb
import numpy as np

MAX_LOAD = 0.6
#: Bytes a table uses per slot.
SLOT_BYTES = 16


def new_table(capacity: int = 1 << 16) -> np.ndarray:
    """An empty table with room for ``capacity`` slots (rounded up to a power of two)."""
    cap = 1 << max(4, int(capacity - 1).bit_length())
    return np.zeros(2 * cap, dtype=np.uint64)


@nb.njit(inline="always")
def mix(key):
    """A 64-bit finaliser (splitmix64): spreads every input bit over the whole word."""
    z = key + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@nb.njit(inline="always")
def slot_of(tab, key):
    """Word index of ``key``'s slot in ``tab`` (or of the empty slot where it would go)."""
    mask = np.uint64((len(tab) >> 1) - 1)
    i = mix(key) & mask
    while True:
        k = tab[2 * i]
        if k == key or k == 0:
            return 2 * i
        i = (i + np.uint64(1)) & mask


@nb.njit(inline="always")
def contains(tab, key):
    return tab[slot_of(tab, key)] == key


@nb.njit(nogil=True, cache=True)
def grown(tab):
    """A table of twice the capacity holding the same entries."""
    new = np.zeros(2 * len(tab), dtype=np.uint64)
    for i in range(0, len(tab), 2):
        k = tab[i]
        if k != 0:
            j = slot_of(new, k)
            new[j] = k
            new[j + 1] = tab[i + 1]
    return new


@nb.njit(inline="always")
def limit_of(tab):
    return int((len(tab) >> 1) * MAX_LOAD)


@nb.njit(nogil=True, cache=True)
def add_counts(tab, size, keys, vals):
    """Add ``vals`` to the entries of ``keys``, growing as needed. Returns (tab, size)."""
    limit = limit_of(tab)
    for n in range(len(keys)):
        if size >= limit:
            tab = grown(tab)
            limit = limit_of(tab)
        s = slot_of(tab, keys[n])
        if tab[s] == 0:
            tab[s] = keys[n]
            size += 1
        tab[s + 1] += np.uint64(vals[n])
    return tab, size


@nb.njit(nogil=True, cache=True)
def items(tab):
    """The occupied entries as (keys, values) arrays, in slot order."""
    n = 0
    for i in range(0, len(tab), 2):
        if tab[i] != 0:
            n += 1
    keys = np.empty(n, dtype=np.uint64)
    vals = np.empty(n, dtype=np.int64)
    n = 0
    for i in range(0, len(tab), 2):
        if tab[i] != 0:
            keys[n] = tab[i]
            vals[n] = np.int64(tab[i + 1])
            n += 1
    return keys, vals


def table_from(keys: np.ndarray, vals: np.ndarray | None = None) -> np.ndarray:
    """A table of these distinct keys (values default to 1: a set)."""
    keys = np.ascontiguousarray(keys, dtype=np.uint64)
    vals = np.ones(len(keys), np.int64) if vals is None else np.ascontiguousarray(vals, dtype=np.int64)
    tab, _ = add_counts(new_table(int(len(keys) / MAX_LOAD) + 1), 0, keys, vals)
    return tab


def merged(tables: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, int]:
    """Add tables (``(tab, size)`` pairs) into the largest one."""
    tables = sorted(tables, key=lambda t: -t[1])
    tab, size = tables[0]
    for other, _ in tables[1:]:
        tab, size = add_counts(tab, size, *items(other))
    return tab, size
