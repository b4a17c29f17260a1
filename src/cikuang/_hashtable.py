"""Hash tables of ``uint64 -> uint64`` for the compiled loops (see :mod:`cikuang._native`).

A table is one ``uint64`` array of ``2 * capacity`` words, key and value side by side; key 0 marks
an empty slot. The compiled functions (:func:`add_counts`, :func:`items`) fill and read tables,
and :func:`key_bitmap` makes a bitmap of a table's keys (a Bloom filter of one hash, which answers
most look-ups of absent keys from the cache); the helpers here create and combine them. ``count``'s
wide keys (two words, see :mod:`cikuang.ngrams`) have tables of their own, of three words a slot:
:data:`WIDE`, with the same operations as :data:`ONE_WORD`, so a counter takes one of the two and
is otherwise the same.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._native import (add_counts, compact, count_ngrams, items, key_bitmap, wide_add_counts, wide_count_ngrams,
                      wide_items)

MAX_LOAD = 0.6
#: Bytes a table uses per slot.
SLOT_BYTES = 16


def table_slots(capacity: int) -> int:
    """The slots of a table made for ``capacity``: a power of two, at least 16."""
    return 1 << max(4, int(capacity - 1).bit_length())


def new_table(capacity: int = 1 << 16) -> np.ndarray:
    """An empty table with room for ``capacity`` slots (rounded up to a power of two)."""
    return np.zeros(2 * table_slots(capacity), dtype=np.uint64)


def table_from(keys: np.ndarray, vals: np.ndarray | None = None) -> np.ndarray:
    """A table of these distinct keys (values default to 1: a set)."""
    keys = np.ascontiguousarray(keys, dtype=np.uint64)
    vals = np.ones(len(keys), np.int64) if vals is None else np.ascontiguousarray(vals, dtype=np.int64)
    tab, _ = add_counts(new_table(int(len(keys) / MAX_LOAD) + 1), 0, keys, vals)
    return tab


def new_wide_table(capacity: int = 1 << 16) -> np.ndarray:
    """An empty wide table (three words a slot) with room for ``capacity`` slots."""
    return np.zeros(3 * table_slots(capacity), dtype=np.uint64)


@dataclass(frozen=True)
class Layout:
    """The table operations of one key layout (one word, or count's wide keys), and the record of
    one of its entries on disk (spill and sort files)."""

    new_table: Callable  # (capacity) -> tab
    add_counts: Callable  # (tab, size, keys, vals) -> (tab, size)
    items: Callable  # (tab) -> (keys, vals)
    count_ngrams: Callable  # (ids, min_len, max_len, bits, tab, size) -> (tab, size): every window
    slot_words: int  # uint64 words a slot: the key's, and the value

    @property
    def slot_bytes(self) -> int:
        return 8 * self.slot_words

    @property
    def entry(self) -> np.dtype:
        """An entry's record: its key (one or two words) and its count."""
        return np.dtype([("key", "<u8", (self.slot_words - 1,) if self.slot_words > 2 else ()), ("count", "<i8")])

    def no_keys(self) -> np.ndarray:
        """An empty array of keys of this layout."""
        return np.zeros((0, self.slot_words - 1) if self.slot_words > 2 else 0, dtype=np.uint64)


ONE_WORD = Layout(new_table, add_counts, items, count_ngrams, 2)
WIDE = Layout(new_wide_table, wide_add_counts, wide_items, wide_count_ngrams, 3)


def layout_of(keys: np.ndarray) -> Layout:
    """The layout of an array of keys: one-word keys are 1-D, wide ones (n, 2)."""
    return WIDE if keys.ndim == 2 else ONE_WORD


def merged(tables: list[tuple[np.ndarray, int]], layout: Layout = ONE_WORD) -> tuple[np.ndarray, int]:
    """Add tables (``(tab, size)`` pairs) into the largest one."""
    tables = sorted(tables, key=lambda t: -t[1])
    tab, size = tables[0]
    for other, _ in tables[1:]:
        tab, size = layout.add_counts(tab, size, *layout.items(other))
    return tab, size


def take_items(tab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The entries of a table as (keys, values), like :func:`items`, but in the table's own memory:
    it is compacted in place and shrunk, so the entries are never held twice (a large corpus's
    table of neighbour pairs is a gigabyte). The table is consumed; nothing else may refer to it."""
    m = compact(tab)
    try:
        tab.resize(2 * m, refcheck=False)  # gives the rest back (realloc)
    except ValueError:  # an array that does not own its memory (one a pickle made): copy the front
        tab = tab[: 2 * m].copy()
    return tab[0::2], tab[1::2].view(np.int64)
