"""N-grams as packed keys: dense unit ids, count tables, and the text view of a table.

Units get dense ids (1 = most frequent) so that an n-gram packs into one ``uint64`` key, ``bits``
per unit, the first unit in the highest bits: ``key = ((u1 << bits | u2) << bits | u3) ...``
(see :mod:`cikuang._native`). Since ids start at 1, keys of different lengths never collide, a key
of more units is always larger than one of fewer, and the length of a key is its number of
``bits``-wide digits; a prefix is a right shift, a suffix a mask.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._hashtable import ONE_WORD, WIDE, Layout
from ._native import map_ids
from .errors import CikuangError
from .output import atomic_output
from .textmodel import UnitVocab

#: Pairs of the units ranked below this have a dense map (4 MB of counters a thread when counting).
DENSE_UNITS = 1024


def np_mix(keys: np.ndarray) -> np.ndarray:
    """splitmix64 over an array (the same function as the compiled ``mix``)."""
    with np.errstate(over="ignore"):
        z = keys.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


#: Mixed into keys before hashing them to a partition (see :func:`partition_of`).
_PARTITION_SALT = np.uint64(0xD1B54A32D192ED03)


def partition_salt(level: int = 0) -> np.uint64:
    """The salt of :func:`partition_of` at ``level`` (each level an independent hash)."""
    return _PARTITION_SALT ^ np.uint64(level * 0x9E3779B97F4A7C15 % (1 << 64))


def partition_of(keys: np.ndarray, n: int, level: int = 0) -> np.ndarray:
    """The partition (``0..n-1``) of each key, for spilling and shuffling.

    It must not use the bits a hash table takes its slots from (``mix(key) & mask``, the low bits):
    the keys of one partition would then all fall into one n-th of the slots of the table that sums
    them, and linear probing would go quadratic. So it hashes the key mixed with a salt, an
    independent hash. ``level`` gives another independent hash, to split a partition again.
    """
    salt = partition_salt(level)
    keys = np.asarray(keys, dtype=np.uint64)
    if keys.ndim == 2:  # wide keys: the high word mixed into the low one first
        keys = np_mix(keys[:, 0]) ^ keys[:, 1]
    return (np_mix(keys ^ salt) % np.uint64(n)).astype(np.int64)


@dataclass
class UnitIds:
    """Dense ids of units: ``ids[code]`` is the id of a unit code, 0 for units left out."""

    ids: np.ndarray  # uint32, indexed by unit code
    codes: np.ndarray  # uint32, codes[id] is the code of id (codes[0] = 0)

    @classmethod
    def by_frequency(cls, unit_counts: np.ndarray, min_count: int = 1) -> "UnitIds":
        """Ids by descending count (ties by code) for the units counted at least ``min_count`` times."""
        present = np.flatnonzero(unit_counts >= max(1, min_count))
        order = np.lexsort((present, -unit_counts[present]))
        codes = np.concatenate(([0], present[order])).astype(np.uint32)
        ids = np.zeros(len(unit_counts), dtype=np.uint32)
        ids[codes[1:]] = np.arange(1, len(codes), dtype=np.uint32)
        return cls(ids, codes)

    def __len__(self) -> int:
        return len(self.codes) - 1

    def map(self, codes: np.ndarray) -> np.ndarray:
        """The dense id of each code of a uint32 array of unit codes."""
        if codes.dtype == np.uint32 and self.ids.dtype == np.uint32:
            return map_ids(self.ids, np.ascontiguousarray(codes))
        return self.ids[codes]


def fits(n_ids: int, order: int, words: int = 1) -> bool:
    """Whether keys of ``order`` units over ``n_ids`` ids fit ``words`` 64-bit words."""
    return max(1, int(n_ids).bit_length()) * order <= 64 * words


def layout_for(order: int, bits: int) -> Layout:
    """The key layout of ``order`` units of ``bits``: one word, or wide when that is more than 64
    bits (see the module doc)."""
    return WIDE if order * bits > 64 else ONE_WORD


def bits_for(n_ids: int, order: int, what: str | None = None, unit_counts: np.ndarray | None = None,
             units: str = "distinct units", words: int = 1) -> int:
    """Bits per unit in a packed key of up to ``order`` units over ``n_ids`` ids, in at most
    ``words`` 64-bit words (``what`` names the corpus in the error, which gives the ``--order``
    that fits, and with ``unit_counts``, the counts the ids were chosen by, the ``--min-count``
    that fits; ``units`` says what the ids are of)."""
    bits = max(1, int(n_ids).bit_length())
    if not fits(n_ids, order, words):
        width = 64 * words
        limit = (1 << (width // order)) - 1
        fixes = [f"--order {width // bits}"] if width // bits >= 2 else []
        if unit_counts is not None:  # at most `limit` units counted that often
            counts = np.asarray(unit_counts)
            desc = np.sort(counts[counts > 0])[::-1]
            fixes.append(f"--min-count {int(desc[limit]) + 1}")
        raise CikuangError(
            f"{n_ids} {units} do not fit order {order} in {width}-bit keys (at most {limit}); "
            + (" or ".join(fixes) + " would fit" if fixes else "lower --order"), what)
    return bits


def key_lengths(keys: np.ndarray, order: int, bits: int) -> np.ndarray:
    """The number of units of each packed key (one-word or wide)."""
    out = np.ones(len(keys), dtype=np.int64)
    if keys.ndim == 2:
        hi, lo = keys[:, 0], keys[:, 1]
        for m in range(1, order):
            s = bits * m  # a key of more than m units is at least 2^s
            out += hi >= (np.uint64(1) << np.uint64(s - 64)) if s >= 64 else (hi > 0) | (lo >= np.uint64(1) << np.uint64(s))
        return out
    for m in range(1, order):
        out += keys >= (np.uint64(1) << np.uint64(bits * m))
    return out


def sort_order(keys: np.ndarray) -> np.ndarray:
    """The indices that sort keys (one-word or wide) by their number."""
    return np.argsort(keys) if keys.ndim == 1 else np.lexsort((keys[:, 1], keys[:, 0]))


#: The fewest keys :meth:`NgramCounts.lookup` sorts before it searches for them.
SORTED_LOOKUP = 1 << 12


@dataclass
class NgramCounts:
    """Counts of n-grams as sorted packed keys."""

    keys: np.ndarray  # uint64, sorted; or count's wide keys, (n, 2) (see the module doc)
    counts: np.ndarray  # int64
    order: int
    bits: int

    def lengths(self, keys: np.ndarray | None = None) -> np.ndarray:
        return key_lengths(self.keys if keys is None else keys, self.order, self.bits)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Counts of ``keys`` (0 for absent keys)."""
        if len(keys) >= SORTED_LOOKUP:
            # NumPy's binary search starts from where the last key was found when the keys come in
            # order: sorted first, a million look-ups in ten million keys take a seventh of the time
            by = np.argsort(keys)
            pos = np.empty(len(keys), dtype=np.intp)
            pos[by] = np.searchsorted(self.keys, keys[by])
        else:
            pos = np.searchsorted(self.keys, keys)
        pos = np.minimum(pos, len(self.keys) - 1)
        found = self.keys[pos] == keys
        return np.where(found, self.counts[pos], 0)

    def extended(self, keys: np.ndarray, counts: np.ndarray) -> "NgramCounts":
        """These counts and those of sorted ``keys``, all longer than any key here (so still sorted)."""
        return NgramCounts(np.concatenate((self.keys, keys)), np.concatenate((self.counts, counts)),
                           self.order, self.bits)

    def __len__(self) -> int:
        return len(self.keys)


def unpack(keys: np.ndarray, lengths: np.ndarray, bits: int, order: int) -> np.ndarray:
    """Ids of packed keys (one-word or wide) as a (n, order) array, left-aligned, zero-padded."""
    out = np.zeros((len(keys), order), dtype=np.int64)
    mask = np.uint64((1 << bits) - 1)
    for pos in range(order):
        shift = (lengths - 1 - pos) * bits
        valid = shift >= 0
        out[valid, pos] = (shift_right(keys[valid], shift[valid]) & mask).astype(np.int64)
    return out


def shift_right(keys: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """``key >> shift`` (its low word, for a wide key), for shifts of 0 to 127."""
    if keys.ndim == 1:
        return keys >> shift.astype(np.uint64)
    hi, lo = keys[:, 0], keys[:, 1]
    # NumPy shifts by 64 or more are undefined (x86 takes the shift mod 64): each case on its own
    s = shift.astype(np.uint64)
    low = lo >> np.minimum(s, np.uint64(63))
    carried = hi << (np.uint64(64) - np.clip(s, np.uint64(1), np.uint64(63)))
    return np.where(shift >= 64, hi >> (np.maximum(s, np.uint64(64)) - np.uint64(64)),
                    np.where(shift == 0, lo, low | carried))


def window_keys(ids: np.ndarray, order: int, bits: int) -> np.ndarray:
    """Packed keys of every window of ``order`` units of a run of ids (a fragment longer than the order)."""
    ids = ids.astype(np.uint64)
    windows = np.zeros(len(ids) - order + 1, dtype=np.uint64)
    for j in range(order):
        windows = (windows << np.uint64(bits)) | ids[j : len(ids) - order + 1 + j]
    return windows


#: Where a neighbour pair's key (``count_occurrences``) holds its word: the bits from here up.
PAIR_WORD_SHIFT = 33


def pair_fields(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(word index, side, neighbour) of neighbour-pair keys (``count_occurrences``): word index + 1
    above bit 33, the side (0 left, 1 right) in bit 32, the neighbour's code below (0: a clause edge)."""
    word = (keys >> np.uint64(PAIR_WORD_SHIFT)).astype(np.int64) - 1
    side = ((keys >> np.uint64(32)) & np.uint64(1)).astype(np.int64)
    return word, side, keys & np.uint64(0xFFFFFFFF)


def pair_map(pair_keys: np.ndarray, bits: int) -> np.ndarray:
    """Which pairs of units below DENSE_UNITS are among ``pair_keys``, as ``map[a * k + b]``."""
    k = min(DENSE_UNITS, 1 << bits)
    first, second = pair_keys >> np.uint64(bits), pair_keys & np.uint64((1 << bits) - 1)
    dense = (first < k) & (second < k)
    out = np.zeros(k * k, dtype=np.uint8)
    out[(first[dense] * np.uint64(k) + second[dense]).astype(np.int64)] = 1
    return out


@dataclass
class NgramTable:
    """Every n-gram of 1..order units with its count; ``n_units`` is N, the number of unit tokens."""

    counts: NgramCounts
    unit_ids: UnitIds
    vocab: UnitVocab
    n_units: int

    def __len__(self) -> int:
        return len(self.counts)

    def strings(self) -> np.ndarray:
        """The n-grams as text, in the order of ``self.counts.keys``."""
        c = self.counts
        lengths = c.lengths()
        ids = unpack(c.keys, lengths, c.bits, c.order)
        names = np.array([""] + [self.vocab.unit_text(int(x)) for x in self.unit_ids.codes[1:]],
                         dtype=np.dtypes.StringDType())
        out = names[ids[:, 0]]
        for j in range(1, c.order):
            out = np.strings.add(out, names[ids[:, j]])
        return out

    def to_dict(self) -> dict[str, int]:
        return dict(zip(self.strings().tolist(), self.counts.counts.tolist()))

    def save(self, path=None) -> None:
        """Write ``ngram<TAB>count`` lines (after a header), by length, then count descending."""
        strings = self.strings()
        lengths = self.counts.lengths()
        order = np.lexsort((strings, -self.counts.counts, lengths))
        with atomic_output(path) as f:
            f.write("ngram\tcount\n")
            step = 1 << 16  # rows joined at a time: a Python str each (~100 B) while joined
            for i in range(0, len(order), step):
                sel = order[i : i + step]
                rows = np.strings.add(np.strings.add(strings[sel], "\t"), self.counts.counts[sel].astype(str))
                f.write("\n".join(rows.tolist()) + "\n")
