# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled inner loops: hash tables and the passes over blocks of unit ids.

**Blocks.** A block is a ``uint32`` array of dense unit ids in which ``0`` ends a clause and whose
last element is ``0``, so no window or fragment ever crosses a block edge.

**Packed keys.** An n-gram of length ``L`` packs into one ``uint64``, ``bits`` per unit, the first
unit in the highest bits: ``key = ((u1 << bits | u2) << bits | u3) ...``. Since ids start at 1,
keys of different lengths never collide, and the length of a key is its number of ``bits``-wide
digits; a prefix is a right shift, a suffix a mask.

**Hash tables.** A table is one ``uint64`` array of ``2 * capacity`` words, key and value side by
side, so that an update touches one cache line, not two (counting is bound by cache misses). The
capacity is a power of two; key ``0`` marks an empty slot (no key is 0); slots are found by linear
probing from a splitmix64 hash; a table doubles when it is 60 % full. Functions that may grow a
table return the (possibly new) array and the new size.

Every loop runs without the GIL, so Python threads fill tables of their own in parallel; when a
table must grow, the GIL is taken only to allocate the new array. Written in Cython and compiled
when the package is installed: no JIT, so nothing to compile or load at run time.
"""
cimport cython
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.math cimport INFINITY, exp, log1p
from cpython.exc cimport PyErr_CheckSignals

import numpy as np

cdef double MAX_LOAD = 0.6
#: How many positions ahead a pass prefetches the slots it will probe (see prefetch_slot).
cdef enum:
    PREFETCH_AHEAD = 8
    PAIR_BATCH = 16  # even: a pass adds its keys in pairs


# ---------------------------------------------------------------------------------------------
# Ctrl-C: a loop without the GIL never runs Python's signal handlers, so every long loop calls
# this; in the main thread it runs them once every 2^20 steps (KeyboardInterrupt then propagates),
# in other threads it costs a comparison (signals are handled by the main thread, which waits).

cdef inline int interrupted(Py_ssize_t step) except -1 nogil:
    if (step & 0xFFFFF) == 0 and step > 0:
        with gil:
            PyErr_CheckSignals()
    return 0


# ---------------------------------------------------------------------------------------------
# hash table helpers (raw pointers: no memoryview acquisition in the hot loops)

cdef inline uint64_t mix(uint64_t key) noexcept nogil:
    cdef uint64_t z = key + <uint64_t>0x9E3779B97F4A7C15ULL
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline Py_ssize_t slot_of(const uint64_t* tab, Py_ssize_t n, uint64_t key) noexcept nogil:
    """Word index of ``key``'s slot in a table of ``n`` words."""
    cdef uint64_t mask = <uint64_t>((n >> 1) - 1)
    cdef uint64_t i = mix(key) & mask
    cdef uint64_t k
    while True:
        k = tab[2 * i]
        if k == key or k == 0:
            return <Py_ssize_t>(2 * i)
        i = (i + 1) & mask


cdef extern from *:
    """
    #define CIKUANG_PREFETCH(p) __builtin_prefetch((const void*)(p))
    """
    void CIKUANG_PREFETCH(const void* p) noexcept nogil


cdef inline void prefetch_slot(const uint64_t* tab, Py_ssize_t n, uint64_t key) noexcept nogil:
    """Ask for the cache line of ``key``'s first slot now, so that the probe made a few steps later
    finds it there: a pass over a block knows its keys ahead, and counting is bound by these misses."""
    CIKUANG_PREFETCH(&tab[2 * (mix(key) & <uint64_t>((n >> 1) - 1))])


cdef inline bint contains(const uint64_t* tab, Py_ssize_t n, uint64_t key) noexcept nogil:
    return tab[slot_of(tab, n, key)] == key


cdef inline Py_ssize_t limit_of(Py_ssize_t n) noexcept nogil:
    return <Py_ssize_t>(<double>(n >> 1) * MAX_LOAD)


cdef inline void rehash(const uint64_t* old, Py_ssize_t n_old, uint64_t* new, Py_ssize_t n_new) noexcept nogil:
    cdef Py_ssize_t i, j
    cdef uint64_t k
    for i in range(0, n_old, 2):
        k = old[i]
        if k != 0:
            j = slot_of(new, n_new, k)
            new[j] = k
            new[j + 1] = old[i + 1]


cdef object grow(object tab_obj):
    """A new array of twice the words of ``tab_obj`` holding its entries (rehashed without the GIL)."""
    cdef const uint64_t[::1] old = tab_obj
    new_obj = np.zeros(2 * old.shape[0], dtype=np.uint64)
    cdef uint64_t[::1] new = new_obj
    cdef Py_ssize_t n_old = old.shape[0], n_new = new.shape[0]
    cdef const uint64_t* po = &old[0] if n_old > 0 else NULL
    with nogil:
        rehash(po, n_old, &new[0], n_new)
    return new_obj


cdef inline void bump(uint64_t* tab, Py_ssize_t n, uint64_t key, uint64_t val, Py_ssize_t* size) noexcept nogil:
    cdef Py_ssize_t s = slot_of(tab, n, key)
    if tab[s] == 0:
        tab[s] = key
        size[0] += 1
    tab[s + 1] += val


cdef struct TableView:
    uint64_t* p      # the table's words
    Py_ssize_t n     # their number (twice the capacity)
    Py_ssize_t limit  # the size at which the table must grow


cdef object view_of(object tab, TableView* v):
    """Point ``v`` at the words of ``tab`` (a writable uint64 array, which keeps them alive); returns ``tab``."""
    cdef uint64_t[::1] words = tab
    v.p = &words[0]
    v.n = words.shape[0]
    v.limit = limit_of(v.n)
    return tab


@cython.final
cdef class _Filling:
    """A table being filled by a loop without the GIL; it takes the GIL only to grow."""
    cdef object words  # the table (a uint64 array); replaced when it grows
    cdef TableView v
    cdef Py_ssize_t size

    cdef inline void add(self, uint64_t key, uint64_t val) noexcept nogil:
        if self.size >= self.v.limit:
            with gil:
                self.words = view_of(grow(self.words), &self.v)
        bump(self.v.p, self.v.n, key, val, &self.size)


cdef _Filling filling(object tab, Py_ssize_t size):
    cdef _Filling t = _Filling.__new__(_Filling)
    t.words = view_of(tab, &t.v)
    t.size = size
    return t


# ---------------------------------------------------------------------------------------------
# table functions

def add_counts(tab, Py_ssize_t size, const uint64_t[:] keys, const int64_t[:] vals):
    """Add ``vals`` to the entries of ``keys``, growing as needed. Returns (tab, size)."""
    cdef _Filling T = filling(tab, size)
    cdef Py_ssize_t m = keys.shape[0], i
    if vals.shape[0] < m:
        raise IndexError("vals is shorter than keys")
    with nogil:
        for i in range(m):
            interrupted(i)
            if i + PREFETCH_AHEAD < m:  # (a table of millions: each probe is a cache miss otherwise)
                prefetch_slot(T.v.p, T.v.n, keys[i + PREFETCH_AHEAD])
            T.add(keys[i], <uint64_t>vals[i])
    return T.words, T.size


def items(const uint64_t[::1] tab):
    """The occupied entries as (keys, values) arrays, in slot order."""
    cdef Py_ssize_t n = tab.shape[0], i, m = 0
    with nogil:
        for i in range(0, n, 2):
            if tab[i] != 0:
                m += 1
    keys_obj = np.empty(m, dtype=np.uint64)
    vals_obj = np.empty(m, dtype=np.int64)
    cdef uint64_t[::1] keys = keys_obj
    cdef int64_t[::1] vals = vals_obj
    m = 0
    with nogil:
        for i in range(0, n, 2):
            if tab[i] != 0:
                keys[m] = tab[i]
                vals[m] = <int64_t>tab[i + 1]
                m += 1
    return keys_obj, vals_obj


def compact(uint64_t[::1] tab):
    """Move the occupied entries of a table to its front, in slot order (the order of
    :func:`items`), in place; returns their number ``m``: the table's first ``2 * m`` words are
    then its (key, value) pairs, and it is no longer a table."""
    cdef Py_ssize_t n = tab.shape[0], i, m = 0
    with nogil:
        for i in range(0, n, 2):
            if tab[i] != 0:
                tab[2 * m] = tab[i]
                tab[2 * m + 1] = tab[i + 1]
                m += 1
    return m


def spill_records(const uint64_t[::1] tab, int slot_words, int group_shift, uint64_t salt, Py_ssize_t n_parts,
                  uint64_t[::1] out):
    """The occupied slots of a run of a table's words as records (a slot's words: its key's, then
    its count), in ``out``, grouped by partition in slot order within each (a stable sort);
    returns the end of each partition's records (an int64 array of ``n_parts``).

    The partition is :func:`cikuang.ngrams.partition_of` of the key (a wide key's high word mixed
    into its low one), shifted right by ``group_shift`` (one-word keys), with ``salt`` (the
    level's): the NumPy path of a spill took about 70 ns an entry in ten passes over the records."""
    cdef Py_ssize_t n = tab.shape[0], i, m = 0, j, p
    cdef uint64_t key
    if slot_words not in (2, 3):
        raise ValueError("slot_words must be 2 or 3")
    if n_parts < 1 or n_parts > 256:
        raise ValueError("n_parts must be 1..256")
    part_obj = np.empty(n // slot_words, dtype=np.uint8)
    ends_obj = np.zeros(n_parts, dtype=np.int64)
    cdef uint8_t[::1] part = part_obj
    cdef int64_t[::1] ends = ends_obj
    cdef int64_t at[256]
    with nogil:
        i = 0
        while i + slot_words <= n:
            if slot_words == 2:
                key = tab[i] >> group_shift
                if tab[i] == 0:
                    i += 2
                    continue
            else:
                key = mix(tab[i]) ^ tab[i + 1]
                if tab[i] == 0 and tab[i + 1] == 0:
                    i += 3
                    continue
            p = <Py_ssize_t>(mix(key ^ salt) % <uint64_t>n_parts)
            part[m] = <uint8_t>p
            ends[p] += 1
            m += 1
            i += slot_words
    if m * slot_words > out.shape[0]:
        raise ValueError("out is too small for the records")
    with nogil:
        at[0] = 0
        for p in range(1, n_parts):
            at[p] = at[p - 1] + ends[p - 1]
        for p in range(n_parts):
            ends[p] = at[p] + ends[p]
        m = 0
        i = 0
        while i + slot_words <= n:
            if tab[i] != 0 or (slot_words == 3 and tab[i + 1] != 0):
                p = part[m]
                for j in range(slot_words):
                    out[at[p] * slot_words + j] = tab[i + j]
                at[p] += 1
                m += 1
            i += slot_words
    return ends_obj


# ---------------------------------------------------------------------------------------------
# bitmaps of a table's keys: Bloom filters of one hash, in the cache where the tables are not

cdef int bitmap_shift(const uint64_t[::1] bitmap) except -1:
    """The right shift that takes a key's hash to its bit in ``bitmap`` (one of :func:`table_bitmap`:
    a power of two words)."""
    cdef int bits = 6
    while (<Py_ssize_t>1 << (bits - 6)) < bitmap.shape[0]:
        bits += 1
    if (<Py_ssize_t>1 << (bits - 6)) != bitmap.shape[0]:
        raise ValueError("not a bitmap of table_bitmap: its length is no power of two")
    return 64 - bits


cdef inline bint may_hold(const uint64_t* bitmap, int shift, uint64_t key) noexcept nogil:
    """Whether ``key``'s bit is set in a bitmap of a table's keys (False: the table has not the key)."""
    cdef uint64_t h = mix(key) >> shift
    return (bitmap[h >> 6] >> (h & 63)) & 1


def table_bitmap(const uint64_t[::1] tab, int bits):
    """A bitmap of ``2 ** bits`` bits with the bit of each key of a (key, value) table set, by a hash
    of the key: a Bloom filter of one hash. A look-up that finds the bit clear knows the table
    lacks the key without probing it: a table of megabytes misses the cache, a bitmap of 16 bits
    a key mostly does not (and lets about 4 % of the absent keys through to the probe)."""
    if bits < 6 or bits > 40:
        raise ValueError("table_bitmap: bits must be within 6..40")
    out_obj = np.zeros(1 << (bits - 6), dtype=np.uint64)
    cdef uint64_t[::1] out = out_obj
    cdef Py_ssize_t i
    cdef uint64_t h
    cdef int shift = 64 - bits
    with nogil:
        for i in range(0, tab.shape[0], 2):
            if tab[i] != 0:
                h = mix(tab[i]) >> shift
                out[h >> 6] |= (<uint64_t>1) << (h & 63)
    return out_obj


def key_bitmap(const uint64_t[::1] tab):
    """:func:`table_bitmap` of a table at 16 bits a key (at least 2 ** 16 bits)."""
    cdef Py_ssize_t i, n_keys = 0
    with nogil:
        for i in range(0, tab.shape[0], 2):
            if tab[i] != 0:
                n_keys += 1
    return table_bitmap(tab, max(16, min(40, (16 * n_keys).bit_length())))


# ---------------------------------------------------------------------------------------------
# passes over blocks

cdef inline uint64_t _gram(const uint32_t* ids, Py_ssize_t n, Py_ssize_t i, Py_ssize_t length,
                           uint64_t b) noexcept nogil:
    """Packed key of the ``length`` units at ``i``, or 0 if a boundary or the end comes first."""
    cdef uint64_t key = 0
    cdef Py_ssize_t j
    for j in range(i, i + length):
        if j >= n or ids[j] == 0:
            return 0
        key = (key << b) | <uint64_t>ids[j]
    return key


cdef inline uint64_t _pack(const uint32_t* ids, Py_ssize_t s, Py_ssize_t e, uint64_t b) noexcept nogil:
    cdef uint64_t key = 0
    cdef Py_ssize_t j
    for j in range(s, e):
        key = (key << b) | <uint64_t>ids[j]
    return key


cdef inline bint _windows_kept(const uint32_t* ids, Py_ssize_t s, Py_ssize_t e, Py_ssize_t order,
                               uint64_t b, const uint64_t* kept, Py_ssize_t nk) noexcept nogil:
    cdef Py_ssize_t w
    for w in range(s, e - order + 1):
        if not contains(kept, nk, _pack(ids, w, w + order, b)):
            return False
    return True


cdef inline void long_hashes(const uint32_t* ids, Py_ssize_t s, Py_ssize_t e,
                             uint64_t* h1_out, uint64_t* h2_out) noexcept nogil:
    """Two independent 64-bit hashes of a unit sequence: its identity beyond ``order`` units."""
    cdef uint64_t h1 = <uint64_t>0x243F6A8885A308D3ULL ^ <uint64_t>(e - s)
    cdef uint64_t h2 = <uint64_t>0x13198A2E03707344ULL ^ <uint64_t>(e - s)
    cdef Py_ssize_t j
    for j in range(s, e):
        h1 = mix(h1 ^ <uint64_t>ids[j])
        h2 = mix(h2 + <uint64_t>ids[j] * <uint64_t>0x9E3779B97F4A7C15ULL)
    h1_out[0] = h1 | 1  # never 0, the empty key
    h2_out[0] = h2


cdef inline const uint32_t* u32ptr(const uint32_t[::1] a) noexcept nogil:
    return &a[0] if a.shape[0] > 0 else NULL


cdef inline const uint64_t* u64ptr(const uint64_t[::1] a) noexcept nogil:
    return &a[0] if a.shape[0] > 0 else NULL


# ---------------------------------------------------------------------------------------------
# wide tables: ``count``'s keys of two words, when ``order`` ids do not fit 64 bits (see
# cikuang.ngrams). One uint64 array of ``3 * capacity`` words: a slot is the key's high word, its
# low word, the value; both key words 0 mark an empty slot (no key is 0). The slot hash is
# ``mix(mix(hi) ^ lo)``, as a one-word key's is ``mix(key)`` (partitions hash ``mix(hi) ^ lo`` with a
# salt, independently). Otherwise the same as the tables above: linear probing, 60 % load.

cdef inline Py_ssize_t wide_slot_of(const uint64_t* tab, Py_ssize_t n, uint64_t hi, uint64_t lo) noexcept nogil:
    """Word index of the slot of key (``hi``, ``lo``) in a wide table of ``n`` words."""
    cdef uint64_t mask = <uint64_t>(n // 3 - 1)
    cdef uint64_t i = mix(mix(hi) ^ lo) & mask
    while True:
        if (tab[3 * i] == hi and tab[3 * i + 1] == lo) or (tab[3 * i] == 0 and tab[3 * i + 1] == 0):
            return <Py_ssize_t>(3 * i)
        i = (i + 1) & mask


cdef object wide_grow(object tab_obj):
    """A wide table of twice the slots of ``tab_obj`` holding its entries."""
    cdef const uint64_t[::1] old = tab_obj
    new_obj = np.zeros(2 * old.shape[0], dtype=np.uint64)
    cdef uint64_t[::1] new = new_obj
    cdef Py_ssize_t n_old = old.shape[0], n_new = new.shape[0], i, j
    with nogil:
        for i in range(0, n_old, 3):
            if old[i] != 0 or old[i + 1] != 0:
                j = wide_slot_of(&new[0], n_new, old[i], old[i + 1])
                new[j] = old[i]
                new[j + 1] = old[i + 1]
                new[j + 2] = old[i + 2]
    return new_obj


@cython.final
cdef class _WideFilling:
    """A wide table being filled by a loop without the GIL; it takes the GIL only to grow."""
    cdef object words
    cdef uint64_t* p
    cdef Py_ssize_t n, limit, size

    cdef void point(self, object tab):
        cdef uint64_t[::1] words = tab
        self.words = tab
        self.p = &words[0]
        self.n = words.shape[0]
        self.limit = <Py_ssize_t>(<double>(self.n // 3) * MAX_LOAD)

    cdef inline void add(self, uint64_t hi, uint64_t lo, uint64_t val) noexcept nogil:
        cdef Py_ssize_t s
        if self.size >= self.limit:
            with gil:
                self.point(wide_grow(self.words))
        s = wide_slot_of(self.p, self.n, hi, lo)
        if self.p[s] == 0 and self.p[s + 1] == 0:
            self.p[s] = hi
            self.p[s + 1] = lo
            self.size += 1
        self.p[s + 2] += val


cdef _WideFilling wide_filling(object tab, Py_ssize_t size):
    cdef _WideFilling t = _WideFilling.__new__(_WideFilling)
    t.point(tab)
    t.size = size
    return t


def wide_add_counts(tab, Py_ssize_t size, const uint64_t[:, :] keys, const int64_t[:] vals):
    """Add ``vals`` to the entries of ``keys`` (rows of high and low word) in a wide table."""
    cdef _WideFilling T = wide_filling(tab, size)
    cdef Py_ssize_t m = keys.shape[0], i
    if vals.shape[0] < m or (m and keys.shape[1] != 2):
        raise IndexError("keys must be (n, 2) and vals as long")
    with nogil:
        for i in range(m):
            interrupted(i)
            T.add(keys[i, 0], keys[i, 1], <uint64_t>vals[i])
    return T.words, T.size


def wide_items(const uint64_t[::1] tab):
    """The occupied entries of a wide table as (keys, values): keys an (m, 2) array, in slot order."""
    cdef Py_ssize_t n = tab.shape[0], i, m = 0
    with nogil:
        for i in range(0, n, 3):
            if tab[i] != 0 or tab[i + 1] != 0:
                m += 1
    keys_obj = np.empty((m, 2), dtype=np.uint64)
    vals_obj = np.empty(m, dtype=np.int64)
    cdef uint64_t[:, ::1] keys = keys_obj
    cdef int64_t[::1] vals = vals_obj
    m = 0
    with nogil:
        for i in range(0, n, 3):
            if tab[i] != 0 or tab[i + 1] != 0:
                keys[m, 0] = tab[i]
                keys[m, 1] = tab[i + 1]
                vals[m] = <int64_t>tab[i + 2]
                m += 1
    return keys_obj, vals_obj


def wide_count_ngrams(const uint32_t[::1] ids, Py_ssize_t min_len, Py_ssize_t max_len, bits, tab, Py_ssize_t size):
    """:func:`count_ngrams` in wide keys: every window of ``min_len..max_len`` units into ``tab``.
    The same loop, kept apart so that the one-word loop, which every count runs, carries no branch
    for a layout that only ``count`` beyond 64 bits needs."""
    cdef _WideFilling T = wide_filling(tab, size)
    cdef Py_ssize_t n = ids.shape[0], i, j, top
    cdef const uint32_t* pid = u32ptr(ids)
    cdef uint64_t b = <uint64_t>bits
    cdef uint64_t hi, lo
    cdef uint32_t u
    with nogil:
        for i in range(n):
            interrupted(i)
            if pid[i] == 0:
                continue
            hi = 0
            lo = 0
            top = i + max_len
            if top > n:
                top = n
            for j in range(i, top):
                u = pid[j]
                if u == 0:
                    break
                hi = (hi << b) | (lo >> (64 - b))  # the 128-bit key shifted left by b (0 < b < 64)
                lo = (lo << b) | <uint64_t>u
                if j - i + 1 >= min_len:
                    T.add(hi, lo, 1)
    return T.words, T.size


def count_ngrams(const uint32_t[::1] ids, Py_ssize_t min_len, Py_ssize_t max_len, bits, tab, Py_ssize_t size):
    """Count every window of ``min_len..max_len`` units of a block into ``tab``."""
    cdef _Filling T = filling(tab, size)
    cdef Py_ssize_t n = ids.shape[0], i, j, top
    cdef const uint32_t* pid = u32ptr(ids)
    cdef uint64_t b = <uint64_t>bits
    cdef uint64_t key
    cdef uint32_t u
    with nogil:
        for i in range(n):
            interrupted(i)
            if pid[i] == 0:
                continue
            key = 0
            top = i + max_len
            if top > n:
                top = n
            for j in range(i, top):
                u = pid[j]
                if u == 0:
                    break
                key = (key << b) | <uint64_t>u
                if j - i + 1 < min_len:
                    continue
                T.add(key, 1)
    return T.words, T.size


cdef inline bint _frequent_at(const uint32_t* ids, Py_ssize_t n, Py_ssize_t i, Py_ssize_t m, uint64_t b,
                              const uint64_t* pf, Py_ssize_t nf, const uint8_t* pairs, Py_ssize_t k,
                              uint64_t* part) noexcept nogil:
    """Is the part of ``m`` units at ``i`` frequent? Its key goes to ``part`` (0 if it does not exist)."""
    part[0] = _gram(ids, n, i, m, b)
    if part[0] == 0:
        return False
    if ids[i] < k and ids[i + 1] < k:  # every frequent part begins with a frequent pair
        if not pairs[ids[i] * k + ids[i + 1]]:
            return False
        if m == 2:
            return True
    return contains(pf, nf, part[0])


def count_ngrams_apriori(const uint32_t[::1] ids, Py_ssize_t length, bits, const uint64_t[::1] frequent,
                         const uint8_t[::1] frequent_pairs, Py_ssize_t k, tab, Py_ssize_t size):
    """Count the windows of ``length`` units whose two parts of ``length - 1`` units are frequent.

    The Apriori principle: an n-gram is never more frequent than its parts, so one with a rare
    part cannot reach the minimum count either. The part at ``i + 1`` of one window is the part
    at ``i`` of the next, so each part is looked up once; and ``frequent_pairs[a * k + b]``, the
    frequent pairs of units below ``k``, answers most look-ups without the hash set.
    """
    cdef _Filling T = filling(tab, size)
    cdef Py_ssize_t n = ids.shape[0], i
    cdef const uint32_t* pid = u32ptr(ids)
    cdef const uint64_t* pf = u64ptr(frequent)
    cdef Py_ssize_t nf = frequent.shape[0]
    cdef const uint8_t* pp = &frequent_pairs[0] if frequent_pairs.shape[0] >= k * k and k > 0 else NULL
    cdef uint64_t b = <uint64_t>bits
    cdef Py_ssize_t m = length - 1
    cdef uint64_t part = 0, nxt = 0, key
    cdef bint ok, ok_next
    if pp == NULL:
        k = 0
    cdef uint64_t ahead
    with nogil:
        ok = _frequent_at(pid, n, 0, m, b, pf, nf, pp, k, &part)
        for i in range(n):
            interrupted(i)
            # the part and the window PREFETCH_AHEAD steps on: their slots will be probed then
            ahead = _gram(pid, n, i + 1 + PREFETCH_AHEAD, m, b)
            if ahead != 0:
                prefetch_slot(pf, nf, ahead)
                if pid[i + PREFETCH_AHEAD] != 0:
                    prefetch_slot(T.v.p, T.v.n, (<uint64_t>pid[i + PREFETCH_AHEAD] << (b * m)) | ahead)
            ok_next = _frequent_at(pid, n, i + 1, m, b, pf, nf, pp, k, &nxt)
            if ok and ok_next:
                key = (part << b) | <uint64_t>pid[i + m]
                T.add(key, 1)
            part = nxt
            ok = ok_next
    return T.words, T.size


cdef struct KeptSet:
    const uint64_t* tab   # the kept n-grams, a hash set
    Py_ssize_t n          # its number of words
    const uint8_t* starts  # starts[a * k + b]: does a kept n-gram begin with units a, b (both below k)?
    Py_ssize_t k
    const uint64_t* keys  # a bitmap of the kept keys (key_bitmap): most look-ups that fail end there
    int shift             # the hash's shift for it


cdef KeptSet kept_set(const uint64_t[::1] kept, const uint8_t[::1] starts, Py_ssize_t k,
                      const uint64_t[::1] keys) except *:
    cdef KeptSet K
    K.tab = u64ptr(kept)
    K.n = kept.shape[0]
    K.starts = &starts[0] if starts.shape[0] > 0 else NULL
    K.k = k if starts.shape[0] >= k * k else 0
    K.keys = u64ptr(keys)
    K.shift = bitmap_shift(keys)
    return K


cdef inline bint is_kept(const KeptSet* K, uint64_t key) noexcept nogil:
    """Whether ``key`` is a kept n-gram: the bitmap first (in the cache), the hash set if it may be."""
    return may_hold(K.keys, K.shift, key) and contains(K.tab, K.n, key)


cdef inline Py_ssize_t fragment_end(const uint32_t* ids, Py_ssize_t n, Py_ssize_t s, Py_ssize_t order, uint64_t b,
                                    const KeptSet* K) noexcept nogil:
    """End (exclusive) of the fragment that starts at unit ``s`` (not a boundary).

    The cut falls between two adjacent units exactly when no occurrence of a kept n-gram covers
    both; a clause boundary always cuts. So the fragment reaches as far as the kept n-grams that
    start inside it reach (they chain), and ends where none reaches past the next unit. Where the
    first two units are frequent, ``K.starts`` tells without a look-up that no kept n-gram starts.
    """
    cdef Py_ssize_t i, j, top, far = s + 1
    cdef uint64_t key
    cdef uint32_t u
    i = s
    while True:
        key = <uint64_t>ids[i]
        top = i + order
        if top > n:
            top = n
        if i + 1 < n and ids[i] < K.k and ids[i + 1] < K.k and not K.starts[ids[i] * K.k + ids[i + 1]]:
            top = i + 1  # no kept n-gram starts here
        for j in range(i + 1, top):
            u = ids[j]
            if u == 0:
                break
            key = (key << b) | <uint64_t>u
            if j + 1 > far and is_kept(K, key):
                far = j + 1
        if far == i + 1:
            return far
        i += 1


cdef inline bint next_fragment(const uint32_t* ids, Py_ssize_t n, Py_ssize_t order, uint64_t b, const KeptSet* K,
                               Py_ssize_t* s, Py_ssize_t* e) noexcept nogil:
    """Move [``s``, ``e``) to the next fragment after ``e``; False at the end of the block."""
    cdef Py_ssize_t start = e[0]
    while start < n and ids[start] == 0:  # boundaries belong to no fragment
        start += 1
    if start >= n:
        return False
    s[0] = start
    e[0] = fragment_end(ids, n, start, order, b, K)
    return True


def count_fragments(const uint32_t[::1] ids, Py_ssize_t order, bits, const uint64_t[::1] kept,
                    const uint8_t[::1] kept_starts, const uint64_t[::1] kept_keys, Py_ssize_t k, tab,
                    Py_ssize_t size, int64_t offset, bint with_dropped=False):
    """Cut one block and count its candidate fragments.

    A fragment of 1 or 2 units is always a candidate; one of 3..order units must be a kept n-gram;
    a longer one must have every window of ``order`` units kept. Short candidates are counted in
    ``tab`` by packed key; long ones are returned as records (hash1, hash2, global start, length)
    for the caller to aggregate: (tab, size, hash1s, hash2s, starts, lengths). ``kept_starts``,
    ``kept_keys`` (the set's :func:`key_bitmap`) and ``k``: see ``KeptSet``. With ``with_dropped``, the fragments of three or more units that
    are no candidate (the chains the backtrack rule rejects) are records too, with their length
    negated.
    """
    cdef _Filling T = filling(tab, size)
    cdef const uint32_t* pid = u32ptr(ids)
    cdef KeptSet K = kept_set(kept, kept_starts, k, kept_keys)
    cdef uint64_t b = <uint64_t>bits
    cdef Py_ssize_t n = ids.shape[0], s = 0, e = 0, length, m = 0, steps = 0
    # the most records a block can hold: fragments longer than the order (or of 3 units or more)
    cdef Py_ssize_t cap = (n // 3 if with_dropped else n // (order + 1)) + 1
    cdef uint64_t key, h1 = 0, h2 = 0
    h1s_obj = np.empty(cap, dtype=np.uint64)
    h2s_obj = np.empty(cap, dtype=np.uint64)
    starts_obj = np.empty(cap, dtype=np.int64)
    lens_obj = np.empty(cap, dtype=np.int64)
    cdef uint64_t[::1] h1s = h1s_obj
    cdef uint64_t[::1] h2s = h2s_obj
    cdef int64_t[::1] starts = starts_obj
    cdef int64_t[::1] lens = lens_obj
    with nogil:
        while next_fragment(pid, n, order, b, &K, &s, &e):
            steps += 1
            interrupted(steps)
            length = e - s
            if length <= order:
                key = _pack(pid, s, e, b)
                if length < 3 or is_kept(&K, key):
                    T.add(key, 1)
                    continue
            elif _windows_kept(pid, s, e, order, b, K.tab, K.n):
                long_hashes(pid, s, e, &h1, &h2)
                h1s[m] = h1
                h2s[m] = h2
                starts[m] = offset + s
                lens[m] = length
                m += 1
                continue
            if with_dropped:
                long_hashes(pid, s, e, &h1, &h2)
                h1s[m] = h1
                h2s[m] = h2
                starts[m] = offset + s
                lens[m] = -length
                m += 1
    return T.words, T.size, h1s_obj[:m].copy(), h2s_obj[:m].copy(), starts_obj[:m].copy(), lens_obj[:m].copy()


# ---------------------------------------------------------------------------------------------
# the text model's common case (see cikuang.textmodel.encode_units)

cdef inline bint in_ranges(uint32_t cp, const uint32_t* ranges, Py_ssize_t nr) noexcept nogil:
    """Is ``cp`` in one of the ranges ``ranges[2i]..ranges[2i + 1]`` (inclusive)?"""
    cdef Py_ssize_t i
    for i in range(0, nr, 2):
        if ranges[i] <= cp <= ranges[i + 1]:
            return True
    return False


cdef inline bint in_sorted(const uint32_t* a, Py_ssize_t n, uint32_t x) noexcept nogil:
    cdef Py_ssize_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo < n and a[lo] == x


cdef inline bint needs_context(uint32_t cp, const uint8_t* kinds, const uint32_t* pa, Py_ssize_t na,
                               const uint32_t* ph, Py_ssize_t nh) noexcept nogil:
    """Can :func:`encode_fast` not take code point ``cp`` (see there)?"""
    if cp < 0x10000:
        return kinds[cp] != 0
    return not in_ranges(cp, ph, nh) and not in_sorted(pa, na, cp)


def encode_fast(const uint32_t[::1] cps, const uint8_t[::1] kinds, const uint32_t[::1] mapped,
                const uint8_t[::1] unit_class, const uint32_t[::1] astral_boundaries,
                const uint32_t[::1] astral_han, bint ends_clause):
    """Unit codes of code points whose normalisation needs no context, in one pass.

    ``kinds``/``mapped``/``unit_class`` are the text model's tables over the BMP (kind 1: the
    character needs ``unicodedata``; mapped: its NFKC code point; class 1 Han, 2 ASCII letter or
    digit, 0 other). A code point beyond the BMP is a Han unit in the ranges ``astral_han`` (pairs
    of first and last code points: the text model's Han blocks that NFKC leaves alone), a boundary
    if it is in the sorted array ``astral_boundaries``, and otherwise needs context too.
    Returns the index of the first character that needs context, if any (see
    :func:`needing_context`, which finds them all). Otherwise (codes, latin_at, latin_text): the
    codes, with a placeholder where each Latin run starts; the positions of the placeholders; and
    the runs' characters (ASCII), each run after a space.
    """
    cdef Py_ssize_t n = cps.shape[0], i, m = 0, nl = 0, nb = 0, first_slow = -1
    cdef Py_ssize_t na = astral_boundaries.shape[0], nh = astral_han.shape[0]
    cdef const uint32_t* pa = &astral_boundaries[0] if na > 0 else NULL
    cdef const uint32_t* ph = &astral_han[0] if nh > 0 else NULL
    codes_obj = np.empty(n + 1, dtype=np.uint32)
    latin_obj = np.empty(n, dtype=np.int64)
    text_obj = np.empty(2 * n + 1, dtype=np.uint8)
    cdef uint32_t[::1] codes = codes_obj
    cdef int64_t[::1] latin_at = latin_obj
    cdef uint8_t[::1] text = text_obj
    cdef uint32_t cp, c = 0
    cdef uint8_t cls, prev = 0  # class of the previous character (0 at the start: a leading boundary is dropped)
    with nogil:
        for i in range(n):
            interrupted(i)
            cp = cps[i]
            if needs_context(cp, &kinds[0], pa, na, ph, nh):
                first_slow = i
                break
            if cp < 0x10000:
                c = mapped[cp]
                if c < 0x10000:
                    cls = unit_class[c]
                else:
                    cls = 1 if in_ranges(c, ph, nh) else 0
            else:  # a Han character, or a boundary listed in astral_boundaries
                c = cp
                cls = 1 if in_ranges(cp, ph, nh) else 0
            if cls == 1:
                codes[m] = c
                m += 1
            elif cls == 2:
                if prev != 2:
                    latin_at[nl] = m
                    nl += 1
                    codes[m] = 1  # a placeholder (no unit has code 1), never mistaken for a boundary
                    m += 1
                    text[nb] = 0x20
                    nb += 1
                text[nb] = <uint8_t>c
                nb += 1
            elif prev != 0:
                codes[m] = 0
                m += 1
            prev = cls
        if first_slow < 0 and ends_clause and m > 0 and codes[m - 1] != 0:
            codes[m] = 0
            m += 1
    if first_slow >= 0:
        return first_slow
    return codes_obj[:m], latin_obj[:nl], text_obj[:nb]


def needing_context(const uint32_t[::1] cps, const uint8_t[::1] kinds, const uint32_t[::1] astral_boundaries,
                    const uint32_t[::1] astral_han):
    """Positions of the code points that :func:`encode_fast` cannot take (see there)."""
    cdef Py_ssize_t n = cps.shape[0], i, m = 0
    cdef Py_ssize_t na = astral_boundaries.shape[0], nh = astral_han.shape[0]
    cdef const uint32_t* pa = &astral_boundaries[0] if na > 0 else NULL
    cdef const uint32_t* ph = &astral_han[0] if nh > 0 else NULL
    with nogil:
        for i in range(n):
            if needs_context(cps[i], &kinds[0], pa, na, ph, nh):
                m += 1
    out_obj = np.empty(m, dtype=np.int64)
    cdef int64_t[::1] out = out_obj
    m = 0
    with nogil:
        for i in range(n):
            if needs_context(cps[i], &kinds[0], pa, na, ph, nh):
                out[m] = i
                m += 1
    return out_obj


def map_ids(const uint32_t[::1] ids, const uint32_t[::1] codes):
    """``ids[codes]``: the dense id of each unit code (``UnitIds.map``), without NumPy's fancy
    indexing, which first widens the uint32 codes to intp indices (on 270 MB, 1.4 s of the
    workers' time over the passes)."""
    cdef Py_ssize_t n = codes.shape[0], m = ids.shape[0], i
    cdef uint32_t c, worst = 0
    out_obj = np.empty(n, dtype=np.uint32)
    cdef uint32_t[::1] out = out_obj
    with nogil:
        for i in range(n):
            c = codes[i]
            if c > worst:
                worst = c
            out[i] = ids[c] if c < m else 0
    if n and worst >= m:
        raise IndexError(f"unit code {worst} is out of bounds for {m} ids")
    return out_obj


def count_bigrams(const uint32_t[::1] ids, bits, uint32_t[::1] dense, Py_ssize_t k, tab, Py_ssize_t size):
    """Count every pair of adjacent units: in ``dense[a * k + b]`` when both ids are below ``k``,
    in ``tab`` otherwise. Returns (tab, size).

    Ids are ranked by frequency, so the pairs of the ``k`` most frequent units are most of the
    text; their counters form a small array that stays in cache, where a hash table's would not.
    """
    cdef _Filling T = filling(tab, size)
    cdef const uint32_t* pid = u32ptr(ids)
    cdef Py_ssize_t n = ids.shape[0], i
    cdef uint64_t b = <uint64_t>bits
    cdef uint32_t u, v
    with nogil:
        for i in range(n - 1):
            interrupted(i)
            u = pid[i]
            v = pid[i + 1]
            if u == 0 or v == 0:
                continue
            if u < k and v < k:
                dense[u * k + v] += 1
            else:
                T.add((<uint64_t>u << b) | <uint64_t>v, 1)
    return T.words, T.size


# ---------------------------------------------------------------------------------------------
# segmentation: a trie of unit codes and the Viterbi pass over a block of text

# What a character is to the segmenter (``units`` array); larger values are unit codes.
cdef enum:
    SEG_MARK = 0          # punctuation, symbol, other script: a token of its own
    SEG_CONTINUE = 1      # continues the previous token (a Latin run's later letters, combining marks)
    SEG_SPACE = 2         # whitespace: separates tokens, is not written
    SEG_NEWLINE = 3       # ends the line


cdef inline uint64_t trie_child(const uint64_t* tab, Py_ssize_t n, uint64_t node, uint32_t code) noexcept nogil:
    """The node reached from ``node`` by ``code``, or 0 (the root, never a child) if none."""
    cdef uint64_t key = (node << 32) | code
    cdef Py_ssize_t s = slot_of(tab, n, key)
    return tab[s + 1] if tab[s] == key else 0



cdef inline uint64_t trie_step(const uint64_t* tab, Py_ssize_t n, const uint32_t[::1] root, uint64_t node,
                               uint32_t code, bint first) noexcept nogil:
    """The next node of a walk down the trie: from the root through its dense array of children
    (``root``, for the codes below 2^16), else through the edge table (:func:`trie_child`)."""
    if first and code < 0x10000:
        return root[code]
    return trie_child(tab, n, node, code)

def build_trie(const uint32_t[::1] codes, const int64_t[::1] starts, const double[::1] logp):
    """A trie of unit-code sequences: word ``w`` is ``codes[starts[w]:starts[w + 1]]``.

    Returns (table, node_logp, word_node): the edges as a hash table (key ``parent << 32 | code``,
    value the child; node ids from 1, the root is 0), the log-probability of each node (NaN where no
    word ends) and the node of each word. Two words with the same codes (``Ａ`` and ``A``) share a
    node and add their probabilities.
    """
    cdef Py_ssize_t n_words = starts.shape[0] - 1, w, j
    # The table starts small and grows with the edges: words share their prefixes, so it ends up a
    # fraction of the size the codes' number would give (82k edges for 61k words: 4 MB, not 8), and
    # the walks that probe it find more of it in the cache.
    tab_obj = np.zeros(2 * 16, dtype=np.uint64)
    cdef _Filling T = filling(tab_obj, 0)
    lp_obj = np.full(codes.shape[0] + 1, np.nan)
    cdef double[::1] node_logp = lp_obj
    wn_obj = np.zeros(n_words, dtype=np.int64)
    cdef int64_t[::1] word_node = wn_obj
    cdef uint64_t node, child, key, next_id = 1
    cdef double a, b
    for w in range(n_words):
        node = 0
        for j in range(starts[w], starts[w + 1]):
            key = (node << 32) | codes[j]
            child = trie_child(T.v.p, T.v.n, node, codes[j])
            if child == 0:
                child = next_id
                next_id += 1
                T.add(key, child)
            node = child
        word_node[w] = <int64_t>node
        if node == 0:
            continue
        a = node_logp[node]
        b = logp[w]
        if a != a:
            node_logp[node] = b
        else:  # log(e^a + e^b), without overflow
            node_logp[node] = (a if a > b else b) + log1p(exp(-(a - b if a > b else b - a)))
    return T.words, lp_obj[:next_id], wn_obj


def root_children(const uint64_t[::1] trie):
    """The children of the trie's root by code, for codes in the BMP (0: none): the first step from
    each position, the most frequent look-up, becomes an array access instead of a hash probe."""
    root_obj = np.zeros(0x10000, dtype=np.uint32)
    cdef uint32_t[::1] root = root_obj
    cdef Py_ssize_t i
    cdef uint64_t key
    for i in range(0, trie.shape[0], 2):
        key = trie[i]
        if key != 0 and (key >> 32) == 0 and key < 0x10000:
            root[key] = <uint32_t>trie[i + 1]
    return root_obj


cdef inline bint may_have_edge(const uint64_t* edges, int shift, uint64_t node, uint32_t code) noexcept nogil:
    """Whether the trie may have the edge from ``node`` by ``code`` (``edges``: :func:`key_bitmap` of
    the trie; False: it has not). Half the second steps of the word list's walks find no edge."""
    return may_hold(edges, shift, (node << 32) | code)


cdef inline Py_ssize_t clause_codes(const uint32_t[::1] units, Py_ssize_t i, uint32_t* code,
                                    Py_ssize_t* m) noexcept nogil:
    """Read the clause that starts at ``i`` (units and their continuations): its unit codes go to
    ``code``, their number to ``m``; returns where the clause ends."""
    cdef Py_ssize_t n = units.shape[0], k = 0
    while i < n and (units[i] > SEG_NEWLINE or units[i] == SEG_CONTINUE):
        if units[i] > SEG_NEWLINE:
            code[k] = units[i]
            k += 1
        i += 1
    m[0] = k
    return i


cdef void viterbi_clause(const uint32_t* code, Py_ssize_t m, const uint64_t* ptrie, Py_ssize_t n_trie,
                         const uint32_t[::1] root, const uint64_t* pedges, int edge_shift,
                         const double[::1] node_logp, double unknown_logp,
                         double* best, int64_t* back, uint64_t* node_of) noexcept nogil:
    """The best cut of the clause ``code[:m]`` into trie words and unknown single units: on return,
    the last token ends at ``m`` and starts at ``back[m]``, the one before ends there, and so on;
    ``node_of[k]`` is the trie node of the token ending at ``k`` (0 for an unknown unit)."""
    cdef Py_ssize_t j, k
    cdef uint64_t node
    cdef double lp, cand
    cdef bint single
    best[0] = 0.0
    for k in range(1, m + 1):
        best[k] = -INFINITY
    for j in range(m):
        single = False
        node = 0
        for k in range(j, m):
            if k > j and not may_have_edge(pedges, edge_shift, node, code[k]):
                break
            node = trie_step(ptrie, n_trie, root, node, code[k], k == j)
            if node == 0:
                break
            lp = node_logp[node]
            if lp == lp:
                if k == j:
                    single = True
                cand = best[j] + lp
                if cand > best[k + 1]:
                    best[k + 1] = cand
                    back[k + 1] = j
                    node_of[k + 1] = node
        if not single:
            cand = best[j] + unknown_logp
            if cand > best[j + 1]:
                best[j + 1] = cand
                back[j + 1] = j
                node_of[j + 1] = 0


def segment_block(const uint32_t[::1] cps, const uint32_t[::1] units, const uint64_t[::1] trie,
                  const uint32_t[::1] root, const uint64_t[::1] edges, const double[::1] node_logp,
                  double unknown_logp, bint line_open):
    """Segment a block of text; returns the code points of the output.

    ``units`` says what each character of ``cps`` is (the ``SEG_*`` values, or a unit code);
    ``root`` is :func:`root_children` of ``trie``.
    Each clause (a maximal run of units and their continuations) is cut into the sequence of
    trie words and unknown single units of the highest total log-probability (Viterbi; a unit
    that is not a word costs ``unknown_logp``). Tokens are written separated by two spaces, lines
    as they were; whitespace is dropped. ``line_open`` says whether the output line the block
    starts in already holds a token (the previous block ended inside a line).
    """
    cdef Py_ssize_t n = cps.shape[0], i, j, k, m, cs, ce, w
    cdef Py_ssize_t n_trie = trie.shape[0]
    cdef const uint64_t* ptrie = u64ptr(trie)
    cdef const uint64_t* pedges = u64ptr(edges)
    cdef int edge_shift = bitmap_shift(edges)
    out_obj = np.empty(3 * n + 1, dtype=np.uint32)
    best_obj = np.empty(n + 1, dtype=np.float64)
    back_obj = np.empty(n + 1, dtype=np.int64)
    node_obj = np.empty(n + 1, dtype=np.uint64)
    code_obj = np.empty(n + 1, dtype=np.uint32)
    start_obj = np.zeros(n + 1, dtype=np.uint8)
    cdef uint32_t[::1] out = out_obj, code = code_obj
    cdef double[::1] best = best_obj
    cdef int64_t[::1] back = back_obj
    cdef uint64_t[::1] node_of = node_obj
    cdef uint8_t[::1] is_start = start_obj
    cdef Py_ssize_t o = 0
    cdef uint32_t u
    cdef bint after_gap = not line_open
    with nogil:
        i = 0
        while i < n:
            u = units[i]
            if u == SEG_NEWLINE:
                out[o] = cps[i]
                o += 1
                line_open = False
                after_gap = True
                i += 1
            elif u == SEG_SPACE:
                after_gap = True
                i += 1
            elif u == SEG_MARK or (u == SEG_CONTINUE and after_gap):
                if line_open:
                    out[o] = 0x20
                    out[o + 1] = 0x20
                    o += 2
                out[o] = cps[i]
                o += 1
                line_open = True
                after_gap = False
                i += 1
            elif u == SEG_CONTINUE:  # a combining mark after a token: part of it
                out[o] = cps[i]
                o += 1
                i += 1
            else:  # a clause: units and their continuations
                cs = i
                i = clause_codes(units, i, &code[0], &m)
                ce = i
                viterbi_clause(&code[0], m, ptrie, n_trie, root, pedges, edge_shift, node_logp, unknown_logp,
                               &best[0], &back[0], &node_of[0])
                k = m
                while k > 0:
                    is_start[back[k]] = 1
                    k = back[k]
                w = 0
                for j in range(cs, ce):
                    if units[j] > SEG_NEWLINE:
                        if is_start[w]:
                            if line_open:
                                out[o] = 0x20
                                out[o + 1] = 0x20
                                o += 2
                            line_open = True
                            is_start[w] = 0
                        w += 1
                    out[o] = cps[j]
                    o += 1
                after_gap = False
    return out_obj[:o]


def token_block(const uint32_t[::1] units, const uint64_t[::1] trie, const uint32_t[::1] root,
                const uint64_t[::1] edges, const double[::1] node_logp, double unknown_logp):
    """The tokens of a block as :func:`segment_block` cuts it, for counting rather than writing.

    Returns (node, first, length, clause_start), one entry per token in text order: its trie node
    (0 for an unknown unit), the code of its first unit, its number of units, and whether it
    opens a clause (so that pairs of neighbours never straddle a mark or a line end).
    """
    cdef Py_ssize_t n = units.shape[0], i, j, k, m, t, n_tok = 0
    cdef Py_ssize_t n_trie = trie.shape[0]
    cdef const uint64_t* ptrie = u64ptr(trie)
    cdef const uint64_t* pedges = u64ptr(edges)
    cdef int edge_shift = bitmap_shift(edges)
    best_obj = np.empty(n + 1, dtype=np.float64)
    back_obj = np.empty(n + 1, dtype=np.int64)
    bnode_obj = np.empty(n + 1, dtype=np.uint64)
    code_obj = np.empty(n + 1, dtype=np.uint32)
    node_obj = np.empty(n, dtype=np.uint64)
    first_obj = np.empty(n, dtype=np.uint32)
    len_obj = np.empty(n, dtype=np.int32)
    open_obj = np.empty(n, dtype=np.uint8)
    cdef double[::1] best = best_obj
    cdef int64_t[::1] back = back_obj
    cdef uint64_t[::1] bnode = bnode_obj, node = node_obj
    cdef uint32_t[::1] code = code_obj, first = first_obj
    cdef int32_t[::1] length = len_obj
    cdef uint8_t[::1] opens = open_obj
    with nogil:
        i = 0
        while i < n:
            if units[i] <= SEG_NEWLINE:
                i += 1
                continue
            i = clause_codes(units, i, &code[0], &m)
            viterbi_clause(&code[0], m, ptrie, n_trie, root, pedges, edge_shift, node_logp, unknown_logp,
                           &best[0], &back[0], &bnode[0])
            # The path is read backwards; write it backwards into place.
            t = 0
            k = m
            while k > 0:
                t += 1
                k = back[k]
            n_tok += t
            j = n_tok
            k = m
            while k > 0:
                j -= 1
                node[j] = bnode[k]
                first[j] = code[back[k]]
                length[j] = <int32_t>(k - back[k])
                opens[j] = 0
                k = back[k]
            opens[j] = 1
    return node_obj[:n_tok], first_obj[:n_tok], len_obj[:n_tok], open_obj[:n_tok]


def count_occurrences(const uint32_t[::1] units, const uint32_t[::1] neighbours, const uint64_t[::1] trie,
                      const uint32_t[::1] root, const uint64_t[::1] edges, const int64_t[::1] target, pairs,
                      Py_ssize_t psize):
    """Count the neighbours of every occurrence of the target words in a block, as substrings.

    Every position of every clause (a run of units > ``SEG_NEWLINE``) starts a walk down the trie;
    each node reached whose ``target[node]`` is a word index + 1 is an occurrence of that word,
    wherever it stands (inside longer words too, overlapping others: occurrences, not tokens). Its
    left and right neighbours are the codes that ``neighbours`` (as long as ``units``, with the
    same clauses) gives the units next to it, 0 at a clause edge, counted under the keys
    ``(word << 33) | (side << 32) | code`` (``ngrams.pair_fields`` reads them). ``edges``: the
    trie's :func:`key_bitmap`, which ends most walks that the trie would end without a probe.
    Returns (pairs, psize).
    """
    cdef _Filling T = filling(pairs, psize)
    cdef Py_ssize_t n = units.shape[0], n_trie = trie.shape[0], nt = target.shape[0]
    cdef const uint64_t* ptrie = u64ptr(trie)
    cdef const uint64_t* pedges = u64ptr(edges)
    cdef Py_ssize_t i = 0, j, k, m, steps = 0
    cdef uint64_t node, word, left, right
    cdef int edge_shift = bitmap_shift(edges)
    code_obj = np.empty(n + 1, dtype=np.uint32)
    near_obj = np.empty(n + 1, dtype=np.uint32)
    cdef uint32_t[::1] code = code_obj, near = near_obj
    # The pairs go to the table PAIR_BATCH at a time, their slots prefetched as they come: the
    # walks find them in order, and the table (millions of pairs) is far larger than the cache.
    cdef uint64_t batch[PAIR_BATCH]
    cdef Py_ssize_t held = 0, h
    if neighbours.shape[0] != n:
        raise ValueError("neighbours must be as long as units")
    with nogil:
        while i < n:
            if units[i] <= SEG_NEWLINE:
                i += 1
                continue
            clause_codes(neighbours, i, &near[0], &m)
            i = clause_codes(units, i, &code[0], &m)
            for j in range(m):
                steps += 1
                interrupted(steps)
                left = near[j - 1] if j > 0 else 0
                node = 0
                for k in range(j, m):
                    if k > j and not may_have_edge(pedges, edge_shift, node, code[k]):
                        break
                    node = trie_step(ptrie, n_trie, root, node, code[k], k == j)
                    if node == 0:
                        break
                    if <Py_ssize_t>node < nt and target[node] > 0:
                        word = <uint64_t>target[node]
                        right = near[k + 1] if k + 1 < m else 0
                        batch[held] = (word << 33) | left
                        batch[held + 1] = (word << 33) | (<uint64_t>1 << 32) | right
                        prefetch_slot(T.v.p, T.v.n, batch[held])
                        prefetch_slot(T.v.p, T.v.n, batch[held + 1])
                        held += 2
                        if held == PAIR_BATCH:
                            for h in range(held):
                                T.add(batch[h], 1)
                            held = 0
        for h in range(held):
            T.add(batch[h], 1)
    return T.words, T.size


# ---------------------------------------------------------------------------------------------
# the word list: the neighbour pairs that a two-character word straddles

cdef inline bint _straddle(uint64_t key, const uint32_t* first, const uint32_t* last, Py_ssize_t n_words,
                           const uint64_t* words, Py_ssize_t n_tab, const uint8_t* trail, uint64_t* value) noexcept nogil:
    """Whether the neighbour of pair ``key`` and its entry's edge character make a word of the
    table ``words`` (value: its index + 1, put in ``value``)."""
    cdef int64_t w = <int64_t>(key >> 33) - 1
    cdef uint64_t side = (key >> 32) & 1, near = key & <uint64_t>0xFFFFFFFFU, edge, pair
    cdef Py_ssize_t s
    if w < 0 or w >= n_words or near <= 0x7F or near >= 0x110000:
        return False  # a clause edge, a Latin or digit neighbour (codes from 0x80000000), ASCII
    edge = last[w] if side else first[w]
    if edge <= 0x7F or (side and near < 0x10000 and trail[near]):
        return False
    pair = (edge << 32) | near if side else (near << 32) | edge
    s = slot_of(words, n_tab, pair)
    if words[s] != pair:
        return False
    value[0] = words[s + 1]
    return True


def straddling_pairs(const uint64_t[:] keys, const int64_t[:] counts, const uint32_t[::1] first,
                     const uint32_t[::1] last, const uint64_t[::1] words, const uint8_t[::1] trail):
    """The neighbour pairs (``count_occurrences``' keys and counts) whose neighbour and the
    entry's edge character (``first``, ``last``: each entry's, by index) make a two-character word:
    a key of the table ``words`` (``first code point << 32 | second``, value the word's index + 1).
    A neighbour after the entry that ``trail`` marks (a BMP mask) is its context, never a straddle.
    Returns (entry index, side, word index, count) of those pairs, in the pairs' order."""
    cdef Py_ssize_t n = keys.shape[0], n_words = first.shape[0], n_tab = words.shape[0], i, m = 0
    cdef const uint64_t* ptab = u64ptr(words)
    cdef uint64_t v
    if counts.shape[0] != n or last.shape[0] != n_words or trail.shape[0] < 0x10000:
        raise ValueError("straddling_pairs: mismatched arrays")
    # one pass of look-ups, the word each pair makes held for the second (0: none)
    made_obj = np.zeros(n, dtype=np.uint32)
    cdef uint32_t[::1] made = made_obj
    with nogil:
        for i in range(n):
            if _straddle(keys[i], &first[0], &last[0], n_words, ptab, n_tab, &trail[0], &v):
                made[i] = <uint32_t>v
                m += 1
    word_obj = np.empty(m, dtype=np.int64)
    side_obj = np.empty(m, dtype=np.int64)
    at_obj = np.empty(m, dtype=np.int64)
    count_obj = np.empty(m, dtype=np.int64)
    cdef int64_t[::1] word = word_obj, side = side_obj, at = at_obj, count = count_obj
    m = 0
    with nogil:
        for i in range(n):
            if made[i]:
                word[m] = <int64_t>(keys[i] >> 33) - 1
                side[m] = <int64_t>((keys[i] >> 32) & 1)
                at[m] = <int64_t>made[i] - 1
                count[m] = counts[i]
                m += 1
    return word_obj, side_obj, at_obj, count_obj


# ---------------------------------------------------------------------------------------------
# the word list: the statistics of the neighbour pairs, in one pass each

cdef inline uint64_t pair_group(uint64_t key) noexcept nogil:
    """A neighbour pair's group: word index * 2 + side."""
    return (((key >> 33) - 1) << 1) | ((key >> 32) & 1)


cdef inline void sift_down(uint64_t* a, Py_ssize_t root, Py_ssize_t end) noexcept nogil:
    """Move ``a[root]`` down the max-heap ``a[:end]`` to its place."""
    cdef Py_ssize_t child
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and a[child + 1] > a[child]:
            child += 1
        if a[root] >= a[child]:
            return
        a[root], a[child] = a[child], a[root]
        root = child


cdef inline void sort_run(uint64_t* a, Py_ssize_t n) noexcept nogil:
    """Sort ``a[:n]`` ascending in place: insertion for short runs (most groups hold a few
    neighbours), else a heap sort (no recursion, no buffer; the rare large group)."""
    cdef Py_ssize_t i, j
    cdef uint64_t x
    if n <= 32:
        for i in range(1, n):
            x = a[i]
            j = i - 1
            while j >= 0 and a[j] > x:
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = x
        return
    for i in range(n // 2 - 1, -1, -1):
        sift_down(a, i, n)
    for i in range(n - 1, 0, -1):
        a[0], a[i] = a[i], a[0]
        sift_down(a, 0, i)


def pack_pair_groups(const uint64_t[:] keys, const int64_t[:] counts, int count_bits, Py_ssize_t n_groups):
    """Each neighbour pair (``count_occurrences``' keys and counts) as one uint64, ``group <<
    (count_bits + 1) | edge << count_bits | count``, where group = word index * 2 + side (fewer
    than ``n_groups``) and edge = the neighbour is a clause edge (0), in ascending order: the array
    ``np.sort`` would give, in the memory of the output alone. A counting sort by group places each
    pair in its group's run, and each run is sorted by its low bits (edge, count) in place; most
    runs are a few pairs long, so this is one pass and a scatter instead of a general sort of every
    key. The caller has checked that they fit."""
    cdef Py_ssize_t n = keys.shape[0], i, g
    cdef uint64_t k, group, edge
    cdef bint bad = False
    if counts.shape[0] != n or count_bits < 1 or count_bits > 62 or n_groups < 0:
        raise ValueError("pack_pair_groups: mismatched arrays, count bits or groups")
    out_obj = np.empty(n, dtype=np.uint64)
    start_obj = np.zeros(n_groups + 1, dtype=np.int64)
    cdef uint64_t[::1] out = out_obj
    cdef int64_t[::1] start = start_obj
    with nogil:
        for i in range(n):  # how many pairs each group holds
            g = <Py_ssize_t>pair_group(keys[i])
            if g < 0 or g >= n_groups:
                bad = True
                break
            start[g + 1] += 1
        if not bad:
            for g in range(n_groups):
                start[g + 1] += start[g]
            for i in range(n):  # each pair at the next free place of its group's run
                k = keys[i]
                group = pair_group(k)
                edge = 1 if (k & <uint64_t>0xFFFFFFFFU) == 0 else 0
                out[start[group]] = (group << (count_bits + 1)) | (edge << count_bits) | <uint64_t>counts[i]
                start[group] += 1
            # start[g] is now where run g ends, i.e. where run g + 1 begins
            i = 0
            for g in range(n_groups):
                sort_run(&out[i], start[g] - i)
                i = start[g]
    if bad:
        raise ValueError("pack_pair_groups: a group beyond n_groups")
    return out_obj


def group_sums(const uint64_t[::1] packed, int count_bits, double[::1] total, double[::1] clogc, double[::1] most,
               const double[::1] clogc_table, const double[::1] clogc_big):
    """Add into (total, Σ c·ln c of the neighbours, largest neighbour count) of each group the
    sorted :func:`pack_pair_groups` array (a group's neighbours ascending, its clause edges after
    them; groups no earlier call added: their sums start from 0).

    c·ln c comes from ``clogc_table[c]`` (NumPy's, so that the sums are those NumPy's bincount
    would take in this order, bit for bit), or for a count beyond the table from ``clogc_big``,
    which holds those in the order they come. An edge adds to the total only."""
    cdef Py_ssize_t n = packed.shape[0], n_table = clogc_table.shape[0], n_big = clogc_big.shape[0], i, b = 0
    cdef Py_ssize_t n_groups = total.shape[0]
    cdef uint64_t p, c, g, mask = (<uint64_t>1 << count_bits) - 1
    cdef bint short = False
    if count_bits < 1 or count_bits > 62 or clogc.shape[0] != n_groups or most.shape[0] != n_groups:
        raise ValueError("group_sums: count bits, or arrays of unequal lengths")
    with nogil:
        for i in range(n):
            p = packed[i]
            g = p >> (count_bits + 1)
            c = p & mask
            if <Py_ssize_t>g >= n_groups:
                short = True
                break
            total[g] += <double>c
            if (p >> count_bits) & 1:
                continue
            if <Py_ssize_t>c < n_table:
                clogc[g] += clogc_table[c]
            elif b < n_big:
                clogc[g] += clogc_big[b]
                b += 1
            else:
                short = True
                break
            most[g] = <double>c
    if short or b != n_big:
        raise ValueError("group_sums: a group beyond the arrays, or clogc_big does not match the counts")


def numbered_pairs(const uint64_t[:] keys, const int64_t[:] counts, double[::1] out, const uint8_t[::1] numeral,
                   uint64_t number_code):
    """Add to each word's entry of ``out`` the count of its left neighbours that are numbers: the
    code ``number_code`` or a code point that ``numeral`` (a BMP mask) marks."""
    cdef Py_ssize_t n = keys.shape[0], n_mask = numeral.shape[0], n_words = out.shape[0], i
    cdef uint64_t k, nb
    cdef int64_t w
    cdef bint bad = False
    if counts.shape[0] != n:
        raise ValueError("numbered_pairs: mismatched arrays")
    with nogil:
        for i in range(n):
            k = keys[i]
            if (k >> 32) & 1:
                continue
            nb = k & <uint64_t>0xFFFFFFFFU
            if nb == number_code or (<Py_ssize_t>nb < n_mask and numeral[nb]):
                w = <int64_t>(k >> 33) - 1
                if w < 0 or w >= n_words:
                    bad = True
                    break
                out[w] += <double>counts[i]
    if bad:
        raise ValueError("numbered_pairs: a word beyond out")
