"""How the Spark engine moves tables: NumPy arrays split by hash bucket of their keys, summed in
the bucket's partition with the same hash tables as the local engine, and broadcast values
turned into objects once per executor process."""
from __future__ import annotations

import numpy as np

from ... import _hashtable as ht
from ...ngrams import partition_of, sort_order

_cache: dict = {}  # per executor process: objects built from broadcast values (see cached)


def cached(bc, build=None):
    """``build(bc.value)`` (or the value itself), once per executor process and broadcast."""
    key = (id(bc), getattr(bc, "_path", None))  # on an executor, the registry's object for the broadcast
    hit = _cache.get(key)
    if hit is None:
        if len(_cache) > 8:
            _cache.clear()
        hit = _cache[key] = bc.value if build is None else build(bc.value)
    return hit


def bucket_of(keys: np.ndarray, n: int) -> np.ndarray:
    return partition_of(keys, n)


def split_by(bucket: np.ndarray, n: int, *arrays):
    """Yield (b, [array[sel] ...]) for every non-empty bucket ``b``."""
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(n + 1))
    for b in range(n):
        sel = order[bounds[b] : bounds[b + 1]]
        if len(sel):
            yield b, [a[sel] for a in arrays]


def table_items(tab, n, layout: ht.Layout = ht.ONE_WORD):
    """The entries of a hash table, as (bucket, (keys, counts)) records."""
    keys, vals = layout.items(tab)
    for b, (k, v) in split_by(bucket_of(keys, n), n, keys, vals):
        yield b, (k, v)


def summed_buckets(pairs, min_count: int = 1):
    """Sum the (keys, counts) arrays that reached this bucket; sorted keys with counts >= min_count
    (one-word or ``count``'s wide keys, each in its own layout's table)."""
    tab, size, bucket, layout = None, 0, None, ht.ONE_WORD
    for bucket, (k, v) in pairs:
        if tab is None:
            layout = ht.layout_of(k)
            tab = layout.new_table(1 << 16)
        tab, size = layout.add_counts(tab, size, k, v)
    if bucket is None:
        return
    keys, vals = layout.items(tab)
    keep = vals >= min_count
    order = sort_order(keys[keep])
    yield bucket, (keys[keep][order], vals[keep][order])


def sum_by_key(rdd, n: int, min_count: int = 1):
    """Records of :func:`table_items` summed in their buckets' partitions."""
    return rdd.partitionBy(n, lambda b: b).mapPartitions(lambda it: summed_buckets(it, min_count),
                                                         preservesPartitioning=True)
