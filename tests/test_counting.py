"""Exact n-gram counting: `cikuang.count` against brute force, merging, and the spill path."""
from __future__ import annotations

import importlib
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import cikuang
from cikuang import CikuangError
from cikuang.engines.local.counter import NgramCounter
from helpers import UNIT_RE, COMMON_HAN, brute_counts, lexicon_rows, make_corpus, make_language, pack_counts

from cikuang.engines.local import engine as local_engine
from cikuang.engines.local import stream as stream_module
from cikuang import corpus as corpus_module

# Han characters, clause-ending punctuation/space/emoji, ASCII letters and digits, and full-width
# forms that NFKC turns into ASCII (so `ＡＢ` must count as the unit `AB`).
ALPHABET = list("天下大势分久必合") + list("，。！ ,.\n\t-😀") + list("abAB01") + list("Ａ１ｂ")
texts_st = st.lists(st.text(alphabet=st.sampled_from(ALPHABET), max_size=60), min_size=1, max_size=6)
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _count_dict(texts, order, **kw):
    return cikuang.count(texts, order=order, **kw).to_dict()


@SETTINGS
@given(texts=texts_st, order=st.integers(1, 5))
def test_count_equals_brute_force(texts, order):
    expected = brute_counts(texts, order)
    assume(expected)  # a corpus without units is an error, tested below
    table = cikuang.count(texts, order=order, workers=1)
    assert table.to_dict() == dict(expected)
    assert table.n_units == sum(c for w, c in expected.items() if len(UNIT_RE.findall(w)) == 1)


@SETTINGS
@given(texts_a=texts_st, texts_b=texts_st, order=st.integers(1, 4))
def test_counts_of_two_halves_add_up_to_the_whole(texts_a, texts_b, order):
    whole = brute_counts(texts_a + texts_b, order)
    assume(brute_counts(texts_a, order) and brute_counts(texts_b, order))  # no empty half
    a = _count_dict(texts_a, order, workers=1)
    b = _count_dict(texts_b, order, workers=1)
    merged = dict(a)
    for k, v in b.items():
        merged[k] = merged.get(k, 0) + v
    assert merged == _count_dict(texts_a + texts_b, order, workers=1) == dict(whole)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), order=st.integers(2, 5))
def test_count_on_generated_corpus_with_threads(seed, order):
    rng = random.Random(seed)
    words = make_language(rng, n_words=40, n_chars=60)
    # more than 65,536 units, so that the counting threads each get a part of the block
    texts = make_corpus(rng, words, 12_000)
    expected = brute_counts(texts, order)
    assert _count_dict(texts, order, workers=2) == dict(expected)


@pytest.mark.parametrize("texts", [[], [""], ["，。！"], [" \n\t", "😀"]], ids=["no-text", "empty", "punctuation", "space-emoji"])
def test_count_without_any_unit_is_a_clean_error(texts):
    with pytest.raises(CikuangError, match="no text to mine"):
        cikuang.count(texts, order=2, workers=1)


@pytest.mark.parametrize("workers", [1, 2])
def test_count_across_encode_batches_with_latin_units(monkeypatch, workers):
    # The text is encoded in many batches (by worker processes when workers > 1), each with its own
    # numbering of Latin units, which must be merged into one; new Latin units appear late.
    monkeypatch.setattr(stream_module, "BATCH_CHARS", 1 << 15)
    rng = random.Random(11)
    latin = ["iPhone7", "K", "B", "x1", "abc", "2019", "NBA", "GPU", "Q", "v2"]
    pool = list(COMMON_HAN[:60]) + latin[:5]
    texts = []
    for _ in range(1000):
        texts.append("".join(rng.choice(pool) + (rng.choice("，。 ") if rng.random() < 0.15 else "")
                             for _ in range(300)))
    for i, unit in enumerate(latin[5:]):
        texts.insert(200 * (i + 1), f"{unit}天{unit}，{unit}")
    expected = dict(brute_counts(texts, 3))
    assert _count_dict(texts, 3, workers=workers) == expected


def test_a_stretch_of_text_without_units_is_skipped(monkeypatch):
    # Many documents in another script (no Han, no ASCII letters or digits) among Chinese ones:
    # the corpus is encoded in batches, some of which have no unit at all.
    monkeypatch.setattr(stream_module, "BATCH_CHARS", 1 << 12)
    chinese = ["天下大势，分久必合，合久必分。周末七国分争，并入于秦。"] * 100
    russian = ["Съешь же ещё этих мягких французских булок, да выпей чаю."] * 400
    texts = chinese + russian + chinese
    assert _count_dict(texts, 3, workers=1) == dict(brute_counts(texts, 3))


def test_clause_ends_are_never_crossed():
    counts = _count_dict(["天下，大势😀分久\t必合 ab cd\x07e"], 4, workers=1)
    assert "天下" in counts and "大势" in counts
    for crossing in ("下大", "势分", "久必", "abcd", "cde", "ab cd"):
        assert crossing not in counts
    assert not any(ch in key for key in counts for ch in "，😀\t \x07")


def test_count_reads_files_like_texts(tmp_path):
    texts = ["天下大势，分久必合，合久必分。", "周末七国分争，并入于秦。iPhone7也。"]
    path = tmp_path / "a.txt"
    path.write_text("\n".join(texts), encoding="utf-8")
    assert _count_dict(str(path), 3) == dict(brute_counts(texts, 3))


#: A clause of 300 distinct Han characters: 9 bits a unit, so 8 units take wide keys (72 bits).
MANY_UNITS = COMMON_HAN + "".join(chr(0x4E00 + 3000 + i) for i in range(300 - len(COMMON_HAN)))


def test_many_distinct_units_at_a_high_order():
    # 8 units of a 64-bit key leave 8 bits a unit: 300 distinct units need count's wide keys (order
    # 8), or just fit one word (order 7, 63 bits); both must give exact counts, with any workers.
    rng = random.Random(2)
    texts = ["".join(rng.choices(MANY_UNITS, k=200)) + "。" for _ in range(20)] + [MANY_UNITS]
    for order in (7, 8):
        expected = dict(brute_counts(texts, order))
        for workers in (1, 2):
            assert _count_dict(texts, order, workers=workers) == expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=texts_st)
def test_wide_keys_count_exactly(texts):
    # with 300 distinct units at order 8 every key is wide (two words): the counts are brute force's
    texts = texts + [MANY_UNITS]
    assert _count_dict(texts, 8, workers=1) == dict(brute_counts(texts, 8))


def test_more_than_65535_units_count_at_order_4(tmp_path):
    # the wall the 64-bit keys put at order 4 (16 bits a unit): 70,000 distinct Latin tokens
    tokens = [f"w{i:05d}" for i in range(70_000)]
    random.Random(5).shuffle(tokens)
    path = tmp_path / "tokens.txt"
    path.write_text("\n".join("天".join(tokens[i : i + 7]) for i in range(0, len(tokens), 7)), encoding="utf-8")
    got = cikuang.count(str(path), order=4, workers=2).to_dict()
    # 10,000 lines of 13 units (7 tokens, 6 天): every window of 2..4 units holds a token, so is distinct
    assert len(got) == 70_000 + 1 + 10_000 * (12 + 11 + 10)
    assert got["天"] == 60_000 and got[tokens[0] + "天"] == 1
    assert got[tokens[7] + "天" + tokens[8] + "天"] == 1
    assert got[tokens[-2] + "天" + tokens[-1]] == 1


def test_count_rejects_bad_order():
    for order in (0, 9, "3"):
        with pytest.raises(CikuangError):
            cikuang.count(["天下"], order=order)


# -- the spill path ------------------------------------------------------------------------------


def _random_ids(seed: int, n: int, n_ids: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, n_ids + 1, size=n).astype(np.uint32)
    ids[rng.random(n) < 0.08] = 0  # clause ends
    ids[-1] = 0
    return ids


def _blocks(ids: np.ndarray, size: int):
    """Consecutive blocks that each end with a 0 (as the unit stream hands them out)."""
    start = 0
    while start < len(ids):
        end = min(start + size, len(ids))
        while ids[end - 1] != 0:
            end += 1
        yield ids[start:end]
        start = end


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("order,bits,n_ids", [(4, 17, 100_000), (8, 11, 2000)])
def test_wide_counter_spills_under_a_tiny_budget_and_counts_exactly(tmp_path, threads, order, bits, n_ids):
    # 4 units of 17 bits, 8 of 11 (the first unit of an 8-gram at bit 77): wide keys, in wide
    # tables, spilled, and split again when too large
    from cikuang._hashtable import WIDE
    from cikuang.engines.local import counter as counter_module

    ids = _random_ids(11, 150_000, n_ids)
    expected = pack_counts(ids, order, bits)
    tiny, result = _run_counter(ids, order, bits, 1 << 16, tmp_path, threads, block=20_000)
    assert tiny.layout is WIDE and tiny.spilled and result.keys.shape == (len(expected), 2)
    got = [(int(hi) << 64 | int(lo)) for hi, lo in result.keys.tolist()]
    assert dict(zip(got, result.counts.tolist())) == dict(expected) and got == sorted(expected)
    assert list(tmp_path.iterdir()) == []
    counter_module.SUM_BYTES, before = 2000, counter_module.SUM_BYTES
    try:
        _, again = _run_counter(ids, order, bits, 1 << 16, tmp_path, threads, block=20_000)
    finally:
        counter_module.SUM_BYTES = before
    np.testing.assert_array_equal(again.keys, result.keys)
    np.testing.assert_array_equal(again.counts, result.counts)


def _run_counter(ids, order, bits, memory, tmp_dir, threads, min_count=1, block=5000):
    counter = NgramCounter(order, bits, memory, str(tmp_dir), threads=threads)
    for b in _blocks(ids, block):
        counter.add(b)
    result = counter.result(min_count)
    return counter, result


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("min_count", [1, 2])
def test_counter_spills_under_a_tiny_budget_and_counts_exactly(tmp_path, threads, min_count):
    order, bits = 4, 8
    ids = _random_ids(7 + threads, 150_000, 250)
    tiny, small_result = _run_counter(ids, order, bits, 1 << 16, tmp_path, threads, min_count, block=70_000)
    roomy, big_result = _run_counter(ids, order, bits, 1 << 32, tmp_path, threads, min_count, block=70_000)
    assert tiny.spilled
    assert not roomy.spilled
    np.testing.assert_array_equal(small_result.keys, big_result.keys)
    np.testing.assert_array_equal(small_result.counts, big_result.counts)
    expected = {k: v for k, v in pack_counts(ids, order, bits).items() if v >= min_count}
    assert dict(zip(small_result.keys.tolist(), small_result.counts.tolist())) == expected
    assert list(small_result.keys) == sorted(expected)
    assert list(tmp_path.iterdir()) == []  # spill files have no name, and are closed once summed
    assert tiny.spill_store._parts == [None] * len(tiny.spill_store._parts)


def _spilling_counter(instances):
    class TinyCounter(NgramCounter):
        def __init__(self, order, bits, memory_bytes, tmp_dir, **kw):
            super().__init__(order, bits, 1 << 16, tmp_dir, **kw)
            instances.append(self)

    return TinyCounter


def _spill_corpus():
    # a background of random characters from 200 (many distinct n-grams) with recurring words in it
    rng = random.Random(3)
    words = make_language(rng, n_words=25, n_chars=30)
    texts = []
    for _ in range(2500):
        parts = []
        for _ in range(rng.randint(3, 8)):
            parts.append("".join(rng.choices(COMMON_HAN, k=rng.randint(2, 10))))
            parts.append(rng.choice(words))
        texts.append("".join(parts) + "。")
    return texts


@pytest.mark.parametrize("workers", [1, 2])
def test_discover_is_identical_when_the_counts_spill(monkeypatch, workers):
    texts = _spill_corpus()
    params = dict(order=4, min_count=3, workers=workers)
    reference = cikuang.Discoverer(**params).fit(texts)
    same_budget_floor = cikuang.Discoverer(memory="64M", **params).fit(texts)
    instances: list = []
    monkeypatch.setattr(local_engine, "NgramCounter", _spilling_counter(instances))
    spilled = cikuang.Discoverer(memory="64M", **params).fit(texts)
    assert instances and any(c.spilled for c in instances)
    assert len(reference.lexicon_) > 20
    assert lexicon_rows(spilled.lexicon_) == lexicon_rows(reference.lexicon_)
    assert lexicon_rows(same_budget_floor.lexicon_) == lexicon_rows(reference.lexicon_)
    assert spilled.n_kept_ == reference.n_kept_


def test_count_is_identical_when_the_counts_spill(monkeypatch):
    # with a clause of 50,000 units, longer than the small counter's blocks
    rng = random.Random(4)
    texts = _spill_corpus()[:800] + ["".join(rng.choices(COMMON_HAN, k=50_000))]
    expected = dict(brute_counts(texts, 3))
    instances: list = []
    monkeypatch.setattr(local_engine, "NgramCounter", _spilling_counter(instances))
    assert _count_dict(texts, 3, workers=2) == expected
    assert instances and all(c.spilled for c in instances)


@pytest.mark.parametrize("workers", [1, 2])
def test_blocks_kept_in_memory_are_cut_to_the_size_the_counter_asks(monkeypatch, workers):
    # the stream keeps its ids in memory in blocks of 2M units; a counter's tables grow with a piece
    # before they can spill, so a small budget's counter must get the smaller pieces it asks for
    texts = _spill_corpus()
    instances: list = []
    sizes: list = []
    tiny = _spilling_counter(instances)
    count = tiny.count

    def recorded(self, item, tally):
        sizes.append((len(item[1]), self.block_size()))
        return count(self, item, tally)

    monkeypatch.setattr(tiny, "count", recorded)
    monkeypatch.setattr(local_engine, "NgramCounter", tiny)
    assert _count_dict(texts, 3, workers=workers) == dict(brute_counts(texts, 3))
    assert len(sizes) > 3 and all(n <= asked for n, asked in sizes)


@pytest.mark.parametrize("pattern,first,second,n", [
    ("甲a", "甲", "a", 95_000),  # 190k characters
    ("甲ＡＢ", "甲", "AB", 70_000),  # 210k characters; full-width letters become the unit AB
], ids=["han-latin", "han-fullwidth"])
def test_a_clause_longer_than_the_reader_carry_is_not_cut(tmp_path, monkeypatch, pattern, first, second, n):
    # One line with no newline and no punctuation, several times longer than the reader holds
    # before it looks for a place to cut the line (MAX_CARRY, 2M characters, here patched down
    # to 20k, with blocks of 4 kB, so that the line is cut in many places). Counts stay exact.
    monkeypatch.setattr(corpus_module, "MAX_CARRY", 20_000)
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 4096)
    path = tmp_path / "long.txt"
    path.write_text(pattern * n, encoding="utf-8")
    try:
        counts = _count_dict(str(path), 2, workers=1)
    finally:
        path.unlink()
    assert counts == {first: n, second: n, first + second: n, second + first: n - 1}


def test_a_partition_spreads_over_every_slot_of_the_table_that_sums_it():
    # A spill partition is summed in a hash table whose slot is mix(key) & mask. Were the partition
    # taken from the same bits, a partition's keys would land in a 32nd of a large table's slots and
    # linear probing would go quadratic (1.3M keys took 199 s). The slot bits of a 2^25-slot table
    # above 2^20 must be spread evenly among the keys of one partition.
    from cikuang.engines.local.counter import SPILL_PARTS
    from cikuang.ngrams import np_mix, partition_of

    keys = np.unique(np.random.default_rng(1).integers(1, 2**62, 2_000_000, dtype=np.uint64))
    mine = keys[partition_of(keys, SPILL_PARTS) == 0]
    high = (np_mix(mine) & np.uint64((1 << 25) - 1)) >> np.uint64(20)
    spread = np.bincount(high.astype(np.int64), minlength=32)
    assert len(mine) > 50_000 and spread.min() > 0.8 * len(mine) / 32 and spread.max() < 1.2 * len(mine) / 32
    # and the same for the Spark engine's buckets
    from cikuang.engines.spark.shuffle import bucket_of

    mine = keys[bucket_of(keys, 8) == 3]
    high = (np_mix(mine) & np.uint64((1 << 25) - 1)) >> np.uint64(20)
    spread = np.bincount(high.astype(np.int64), minlength=32)
    assert spread.min() > 0.8 * len(mine) / 32


def test_count_too_large_to_sort_in_memory_is_sorted_in_sections(monkeypatch, tmp_path):
    # The file's order (length, count descending, text) from sections sorted one at a time on disk
    # equals one sort in memory, byte for byte; sections are cut by length, count and first
    # character (here at least 2^16 entries each, so a few hundred thousand n-grams make several).
    from cikuang.engines.local import table as table_module

    texts = _spill_corpus() + ["iPhone7 x86 天下 Q 9", "ABC 天 ab1"] * 5
    in_memory = cikuang.count(texts, order=3, workers=2)
    assert type(in_memory).__name__ == "NgramTable"
    in_memory.save(tmp_path / "memory.tsv")
    monkeypatch.setattr(local_engine, "SORT_BYTES", 1 << 40)  # nothing fits: sort in sections
    monkeypatch.setattr(table_module, "SORT_BYTES", 1 << 40)
    big = cikuang.count(texts, order=3, workers=2, memory="64M")
    assert type(big).__name__ == "SectionedNgramTable" and len(big._sections) >= 2 and len(big) == len(in_memory)
    big.save(tmp_path / "sections.tsv")
    assert (tmp_path / "sections.tsv").read_bytes() == (tmp_path / "memory.tsv").read_bytes()
    assert big.to_dict() == dict(brute_counts(texts, 3))


def test_wide_keys_sorted_in_sections_give_the_same_file(monkeypatch, tmp_path):
    from cikuang.engines.local import table as table_module

    texts = _spill_corpus()[:300] + [MANY_UNITS, "iPhone7 x86 天下 Q 9"]
    in_memory = cikuang.count(texts, order=8, workers=2)
    in_memory.save(tmp_path / "memory.tsv")
    monkeypatch.setattr(local_engine, "SORT_BYTES", 1 << 40)
    monkeypatch.setattr(table_module, "SORT_BYTES", 1 << 40)
    big = cikuang.count(texts, order=8, workers=2, memory="64M")
    assert type(big).__name__ == "SectionedNgramTable" and len(big._sections) >= 2
    big.save(tmp_path / "sections.tsv")
    assert (tmp_path / "sections.tsv").read_bytes() == (tmp_path / "memory.tsv").read_bytes()
    assert big.to_dict() == dict(brute_counts(texts, 8))


def test_a_spill_partition_too_large_to_sum_is_split_again(monkeypatch, tmp_path):
    # summing a spill partition must fit the budget too: a large one is split by another hash
    from cikuang.engines.local import counter as counter_module

    ids = _random_ids(3, 120_000, 400)
    expected = {k: v for k, v in pack_counts(ids, 3, 9).items()}
    monkeypatch.setattr(counter_module, "SUM_BYTES", 2000)  # partitions of over ~1000 entries are split
    tiny, result = _run_counter(ids, 3, 9, 1 << 16, tmp_path, 2, block=30_000)
    assert tiny.spilled
    assert dict(zip(result.keys.tolist(), result.counts.tolist())) == expected
    assert list(result.keys) == sorted(expected) and list(tmp_path.iterdir()) == []


def test_folding_the_workers_tables_changes_nothing(monkeypatch):
    # the cut and refine passes fold their workers' tables into one when they outgrow the budget
    # (and the neighbour pass spills them)
    texts = _spill_corpus()
    params = dict(order=4, min_count=3, workers=2)
    reference = cikuang.Discoverer(**params).fit(texts)
    monkeypatch.setattr(local_engine, "_nbytes", lambda states: 1 << 62)  # fold after every batch
    monkeypatch.setattr(local_engine, "CUT_BLOCK", 1 << 14)  # many batches
    folded = cikuang.Discoverer(**params).fit(texts)
    assert lexicon_rows(folded.lexicon_) == lexicon_rows(reference.lexicon_)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_word_list_is_identical_when_the_neighbour_pairs_spill(monkeypatch, workers):
    """The neighbour pass spills its tables to partitions by word past its share of the budget (a
    share this small: after every batch, and every partition split again while it is summed);
    each word's statistics are then those of one partition, to the bit."""
    from cikuang.engines.local import counter as counter_module

    texts = _spill_corpus()
    params = dict(order=4, min_count=3, workers=workers)
    reference = cikuang.Discoverer(**params).fit(texts)
    shifts: list = []
    add_tables = counter_module.SpillPartitions.add_tables

    def watched(store, tables):
        shifts.append(store.group_shift)
        return add_tables(store, tables)

    monkeypatch.setattr(counter_module.SpillPartitions, "add_tables", watched)
    monkeypatch.setattr(local_engine, "PAIR_SHARE", 1e-6)
    monkeypatch.setattr(local_engine, "CUT_BLOCK", 1 << 14)  # many batches
    spilled = cikuang.Discoverer(**params).fit(texts)
    assert shifts.count(33) >= 2  # the neighbour pairs spilled during the pass (and after it), by word
    assert len(reference.lexicon_) > 20
    assert lexicon_rows(spilled.lexicon_) == lexicon_rows(reference.lexicon_)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.tuples(st.integers(1, 40), st.integers(0, 2**33 - 1)), st.integers(1, 2**30), min_size=1,
                       max_size=400), st.integers(1, 3), st.integers(0, 8))
def test_spill_partitions_keep_a_group_in_one_part_and_sum_exactly(tmp_path_factory, entries, n_tables, budget):
    """Keys spilled from several tables (the same key in more than one) come back summed, each key
    once, and all the keys of a group (their bits from the shift up) in one part, also when the
    parts are split again (a budget of a few entries)."""
    from cikuang import _hashtable as ht
    from cikuang.engines.local.counter import SpillPartitions

    tmp = tmp_path_factory.mktemp("spill")
    store = SpillPartitions(ht.ONE_WORD, budget * 40, str(tmp), group_shift=33)
    items = [((g << 33) | low, c) for (g, low), c in entries.items()]
    tables = []
    for t in range(n_tables):  # every table holds every n_tables-th key, and the first key too
        chosen = [kv for i, kv in enumerate(items) if i % n_tables == t or i == 0]
        keys = np.array([k for k, _ in chosen], dtype=np.uint64)
        tables.append(ht.ONE_WORD.add_counts(ht.new_table(16), 0, keys, np.array([c for _, c in chosen], np.int64)))
    store.add_tables(tables + [None])
    expected = dict(items)
    expected[items[0][0]] = items[0][1] * n_tables
    got, group_part = {}, {}
    for p, (keys, counts) in enumerate(store.summed()):
        for k, c in zip(keys.tolist(), counts.tolist()):
            assert k not in got
            got[k] = c
            assert group_part.setdefault(k >> 33, p) == p
    assert got == expected
    assert list(tmp.iterdir()) == []


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.integers(1, 2**64 - 1), st.integers(1, 2**40), max_size=300), st.booleans())
def test_a_table_taken_in_place_gives_its_items_in_the_same_order(entries, borrowed):
    """take_items compacts a table into its own memory: the same (keys, values) as items, in slot
    order; also for an array that does not own its memory (a pickle's), which it copies."""
    from cikuang._hashtable import add_counts, items, new_table, take_items
    tab, size = add_counts(new_table(16), 0, np.array(list(entries), dtype=np.uint64),
                           np.array(list(entries.values()), dtype=np.int64))
    want_keys, want_values = items(tab)
    if borrowed:
        tab = np.frombuffer(bytearray(tab.tobytes()), dtype=np.uint64)
    keys, values = take_items(tab)
    assert keys.tolist() == want_keys.tolist() and values.tolist() == want_values.tolist()
    assert len(keys) == size == len(entries)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1), st.integers(-2**63, 2**63 - 1)),
                         max_size=40), max_size=6), st.integers(1, 50))
def test_records_written_in_pieces_read_back_whole_or_in_chunks(pieces, chunk):
    """The spill and sort files (engines/local/records.py, which avoids ndarray.tofile: a Ctrl-C
    inside it came out as a TypeError) give back exactly the records appended, in order."""
    from cikuang.engines.local import records
    from cikuang._hashtable import WIDE
    _WIDE_ENTRY = WIDE.entry

    f = records.anonymous(None, "test")
    arrays = []
    for piece in pieces:
        rec = np.empty(len(piece), dtype=_WIDE_ENTRY)
        for i, (hi, lo, c) in enumerate(piece):
            rec[i] = ((hi, lo), c)
        records.append(f, rec, None, "test")
        arrays.append(rec)
    whole = np.concatenate(arrays) if arrays else np.empty(0, dtype=_WIDE_ENTRY)
    f.seek(0)
    assert records.read(f, _WIDE_ENTRY).tobytes() == whole.tobytes()
    f.seek(0)
    got = []
    while len(rec := records.read(f, _WIDE_ENTRY, chunk)):
        got.append(rec)
    assert b"".join(r.tobytes() for r in got) == whole.tobytes()
    f.close()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_wide_keys_unpack_to_their_units(data):
    """key_lengths and unpack on wide keys against Python integers: every length, every width that
    fits 128 bits (up to 63, an int64 id's), shifts of 64 and more included (an 8-gram of 11-bit
    ids has its first at 77)."""
    from cikuang.ngrams import key_lengths, sort_order, unpack

    order = data.draw(st.integers(2, 8))
    # (ids are int64: a unit's id is below the number of distinct units, far below 2 ** 63, so 63 bits
    # at most, though two of 64 would fit a wide key)
    bits = data.draw(st.integers(64 // order + 1, min(63, 128 // order)))
    grams = data.draw(st.lists(st.lists(st.integers(1, (1 << bits) - 1), min_size=1, max_size=order),
                               min_size=1, max_size=30))
    packed = []
    for g in grams:
        k = 0
        for u in g:
            k = (k << bits) | u
        packed.append(k)
    keys = np.array([[k >> 64, k & ((1 << 64) - 1)] for k in packed], dtype=np.uint64)
    lengths = key_lengths(keys, order, bits)
    assert lengths.tolist() == [len(g) for g in grams]
    ids = unpack(keys, lengths, bits, order)
    assert [row[: len(g)] for row, g in zip(ids.tolist(), grams)] == grams
    assert all(not any(row[len(g):]) for row, g in zip(ids.tolist(), grams))
    assert [packed[i] for i in sort_order(keys)] == sorted(packed)


def test_spill_files_never_go_through_numpys_file_check(monkeypatch, tmp_path):
    """NumPy's tofile and fromfile first ask whether the file is an os.PathLike, in Python code: a
    Ctrl-C that lands there is lost, replaced by 'TypeError: expected str, bytes or os.PathLike
    object' (bench/faults.py, sigint-count-x10). Here that check raises KeyboardInterrupt for the
    spill files; the counter, which writes and reads them with file.write and readinto, must still
    spill, split again and count exactly."""
    import abc
    import gc
    import io
    import os
    import tempfile

    from cikuang.engines.local import counter as counter_module

    class SpillFile(io.BufferedRandom):
        pass

    class Interrupting(abc.ABCMeta):
        def __subclasscheck__(cls, sub):
            if sub is SpillFile:
                raise KeyboardInterrupt  # as a signal handler would, in the middle of the check
            return super().__subclasscheck__(sub)

    class Trap(os.PathLike, metaclass=Interrupting):
        def __fspath__(self):
            return ""

    def spill_file(*args, **kwargs):
        fd, path = tempfile.mkstemp(dir=str(tmp_path))
        os.unlink(path)
        return SpillFile(io.FileIO(fd, "r+b"))

    try:
        monkeypatch.setattr(tempfile, "TemporaryFile", spill_file)
        monkeypatch.setattr(counter_module, "SUM_BYTES", 2000)  # and split the partitions again
        ids = _random_ids(5, 60_000, 300)
        tiny, result = _run_counter(ids, 3, 9, 1 << 16, tmp_path, 1, block=20_000)
        assert tiny.spilled
        assert dict(zip(result.keys.tolist(), result.counts.tolist())) == dict(pack_counts(ids, 3, 9))
    finally:
        del Trap
        gc.collect()  # (os.PathLike forgets its subclass)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 12), min_size=3, max_size=300), st.integers(2, 3))
def test_a_level_scored_in_parts_on_threads_is_the_whole_levels_cohesion(ids, length):
    """The local engine scores a level in one part a worker; the scores are those of the level
    scored whole, and those of ``cohesion`` over every count (the scorer's definition), bit for bit."""
    from collections import Counter
    from cikuang.ngrams import NgramCounts
    from cikuang.scoring import LevelScorer, cohesion
    bits, order = 4, 3

    def key(gram):
        k = 0
        for u in gram:
            k = (k << bits) | u
        return k

    grams = Counter(tuple(ids[i : i + n]) for n in range(1, length + 1) for i in range(len(ids) - n + 1))
    def counts_of(lengths):
        items = sorted((key(g), c) for g, c in grams.items() if len(g) in lengths)
        return (np.array([k for k, _ in items], dtype=np.uint64), np.array([c for _, c in items], dtype=np.int64))
    shorter = NgramCounts(*counts_of(range(1, length)), order, bits)
    keys, counts = counts_of([length])
    scorer = LevelScorer("pmi", len(ids), shorter)
    whole = scorer(keys, counts)
    engine = local_engine.LocalEngine(corpus_module.Corpus.from_texts(["天下"]), workers=2)
    saved, local_engine.SCORE_PART = local_engine.SCORE_PART, 1
    try:
        parts = engine._scored(scorer, keys, counts)
    finally:
        local_engine.SCORE_PART = saved
    every = cohesion(shorter.extended(keys, counts), keys, len(ids), "pmi")
    assert parts.tobytes() == whole.tobytes() == every.tobytes()


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(1, 5000), st.integers(1, 99), max_size=300),
       st.lists(st.integers(0, 5001), max_size=300), st.sampled_from([1, 1 << 12]))
def test_lookup_is_the_count_of_each_key_or_zero_searched_in_order_or_not(table, queries, sorted_from):
    """NgramCounts.lookup against a dict, for queries it sorts first (at least SORTED_LOOKUP of
    them) and those it searches as they come."""
    from cikuang import ngrams
    from cikuang.ngrams import NgramCounts
    keys = np.array(sorted(table), dtype=np.uint64)
    counts = NgramCounts(keys, np.array([table[k] for k in sorted(table)], dtype=np.int64), 2, 8)
    saved, ngrams.SORTED_LOOKUP = ngrams.SORTED_LOOKUP, sorted_from
    try:
        got = counts.lookup(np.array(queries, dtype=np.uint64)) if len(keys) else None
    finally:
        ngrams.SORTED_LOOKUP = saved
    if got is not None:
        assert got.tolist() == [table.get(q, 0) for q in queries]


@pytest.mark.parametrize("budget", [1 << 12, 1 << 20])  # every partition alone, then several at once
def test_spill_partitions_are_summed_in_the_same_order_by_one_thread_or_several(tmp_path, budget):
    from cikuang._hashtable import ONE_WORD
    from cikuang.engines.local.counter import SpillPartitions
    rng = np.random.default_rng(5)
    tables = []
    for _ in range(3):
        keys = np.unique(rng.integers(1, 1 << 40, 20_000, dtype=np.uint64))
        tables.append(ONE_WORD.add_counts(ONE_WORD.new_table(1 << 16), 0, keys, rng.integers(1, 9, len(keys))))
    parts = {}
    for threads in (1, 2):
        store = SpillPartitions(ONE_WORD, budget, str(tmp_path), threads=threads)
        store.add_tables(tables)
        parts[threads] = [(k.tolist(), v.tolist()) for k, v in store.summed(2)]
        store.close()
    assert parts[1] == parts[2] and len(parts[1]) > 1
    assert list(tmp_path.iterdir()) == []


def test_tables_emptied_by_a_spill_are_used_again(tmp_path, monkeypatch):
    """A spill empties the tables in place (no fresh memory to grow into again); the counter then
    spills when they hold as many entries as at the spill, not after every block, in tables no
    larger, and the counts are exact."""
    order, bits = 4, 8
    ids = _random_ids(3, 150_000, 250)
    counter = NgramCounter(order, bits, 1 << 16, str(tmp_path), threads=1)
    spill, at, held = counter.spill, [], []

    def recorded(tallies):
        at.append(blocks_done)
        before = [t.tab for t in tallies]
        again = spill(tallies)
        assert again is tallies and all(t.tab is a and not a.any() and t.size == 0 for t, a in zip(again, before))
        held.append(sum(a.nbytes for a in before))
        return again

    monkeypatch.setattr(counter, "spill", recorded)
    blocks_done = 0
    for b in _blocks(ids, 5000):
        counter.add(b)
        blocks_done += 1
    result = counter.result(1)
    counter.close()
    assert len(at) > 2 and all(later - earlier > 1 for earlier, later in zip(at, at[1:]))
    assert all(n == held[0] for n in held)
    assert dict(zip(result.keys.tolist(), result.counts.tolist())) == dict(pack_counts(ids, order, bits))


@SETTINGS
@given(keys=st.lists(st.integers(1, (1 << 64) - 1), max_size=400, unique=True),
       units=st.integers(1, 10_000), more=st.integers(0, 1_000_000), cap_slots=st.integers(4, 1 << 16))
def test_a_table_sized_to_its_forecast_keeps_its_entries(keys, units, more, cap_slots):
    """grow_to_forecast moves the entries into a table with room for the forecast (entries times
    the growth of the units to HEAPS_EXPONENT), once, within the bytes it is given."""
    from cikuang import _hashtable as ht
    from cikuang.engines.local.counter import FORECAST_ROOM, HEAPS_EXPONENT, Tally

    counts = np.arange(1, len(keys) + 1, dtype=np.int64)
    tab, size = ht.add_counts(ht.new_table(16), 0, np.array(keys, dtype=np.uint64), counts)
    tally = Tally(tab, size=size, units=units)
    before = dict(zip(*(a.tolist() for a in ht.items(tab))))
    old_bytes, most = tab.nbytes, cap_slots * ht.SLOT_BYTES
    tally.grow_to_forecast(ht.ONE_WORD, units + more, most)
    slots = len(tally.tab) // 2
    assert dict(zip(*(a.tolist() for a in ht.items(tally.tab)))) == before and tally.size == len(keys)
    assert slots & (slots - 1) == 0 and tally.tab.nbytes >= old_bytes
    forecast = len(keys) * ((units + more) / units) ** HEAPS_EXPONENT
    if tally.tab.nbytes > old_bytes:  # grown: within the bytes given, and to the forecast unless they stop it
        assert tally.tab.nbytes <= most
        assert slots * ht.MAX_LOAD * FORECAST_ROOM >= forecast or 2 * tally.tab.nbytes > most
    elif keys:  # not grown: the table had room for the forecast, or the bytes given stopped it
        assert old_bytes // ht.SLOT_BYTES * ht.MAX_LOAD * FORECAST_ROOM >= forecast or 2 * old_bytes > most
    grown = tally.tab
    tally.grow_to_forecast(ht.ONE_WORD, 100 * (units + more), 1 << 30)  # once only
    assert tally.tab is grown


@pytest.mark.parametrize("memory", [1 << 16, 1 << 24])
def test_counts_with_forecast_tables_are_exact(tmp_path, memory):
    """A counter told the units its tally will count sizes the table after the first piece: the
    counts are exact, within a small budget (spilled) as in a large one."""
    order, bits = 3, 8
    ids = _random_ids(4, 120_000, 250)
    counter = NgramCounter(order, bits, memory, str(tmp_path), threads=1, min_len=1)
    counter.plan_forecasts(len(ids))
    (tally,) = counter.tallies
    for b in _blocks(ids, 5000):
        counter.count((0, b), tally)
        if counter.due_to_spill():
            counter.spill(counter.tallies)
    assert tally.forecast and tally.units == len(ids)
    result = counter.result(1)
    assert counter.spilled == (memory == 1 << 16)
    counter.close()
    assert dict(zip(result.keys.tolist(), result.counts.tolist())) == dict(pack_counts(ids, order, bits))


def _summed_by_brute_force(records):
    """Each fragment (its two hashes) once, in the order of the hashes, with the length of its
    first occurrence (the least start) and the sum of its counts."""
    groups: dict = {}
    for r in records:
        counts = r[4] if len(r) > 4 else np.ones(len(r[0]), np.int64)
        for h1, h2, st, ln, n in zip(*(np.asarray(c).tolist() for c in (*r[:4], counts))):
            g = groups.setdefault((h1, h2), [st, ln, 0])
            if st < g[0]:
                g[0], g[1] = st, ln
            g[2] += n
    rows = sorted((h1, h2, *g) for (h1, h2), g in groups.items())
    return [list(col) for col in zip(*rows)] if rows else [[]] * 5


_record_st = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 2), st.integers(-3, 3)), max_size=40)


@SETTINGS
@given(parts=st.lists(_record_st, min_size=1, max_size=4), summed_first=st.booleans())
def test_summed_records_equal_brute_force(parts, summed_first):
    """summed_records against a dictionary: few distinct hashes, so that fragments repeat and
    some share a first hash but not the second (the sort by both then decides)."""
    from cikuang.engines.base import summed_records

    start, records = 0, []
    for part in parts:
        h1 = np.array([(a * 0x9E3779B97F4A7C15) % (1 << 64) for a, _, _ in part], dtype=np.uint64)
        h2 = np.array([a * 3 + b for a, b, _ in part], dtype=np.uint64)
        ln = np.array([(5 + a) * (1 if c >= 0 else -1) for a, _, c in part], dtype=np.int64)
        starts = np.arange(start, start + len(part), dtype=np.int64)[::-1].copy()  # each start once
        start += len(part)
        records.append([h1, h2, starts, ln])
    if summed_first and len(records) > 1:  # records summed before, with their counts, as a worker's are
        records = [summed_records(records[:1])] + records[1:]
    got = summed_records(records)
    assert [c.tolist() for c in got] == _summed_by_brute_force(records)
    assert [c.dtype for c in got] == [np.dtype(np.uint64)] * 2 + [np.dtype(np.int64)] * 3


@SETTINGS
@given(table=st.lists(st.integers(0, (1 << 32) - 1), min_size=1, max_size=50), data=st.data())
def test_map_ids_is_fancy_indexing(table, data):
    """The compiled id map gives what NumPy's ids[codes] gives, and refuses a code past the table."""
    from cikuang._native import map_ids
    from cikuang.ngrams import UnitIds

    ids = np.array(table, dtype=np.uint32)
    codes = np.array(data.draw(st.lists(st.integers(0, len(table) - 1), max_size=200)), dtype=np.uint32)
    assert map_ids(ids, codes).tolist() == ids[codes].tolist()
    assert UnitIds(ids, np.zeros(1, np.uint32)).map(codes).tolist() == ids[codes].tolist()
    bad = data.draw(st.integers(len(table), len(table) + 1000))
    with pytest.raises(IndexError):
        map_ids(ids, np.append(codes, np.uint32(bad)))


@SETTINGS
@given(keys=st.lists(st.integers(1, (1 << 64) - 1), max_size=300, unique=True), wide=st.booleans(),
       group_shift=st.sampled_from([0, 33]), n_parts=st.sampled_from([1, 7, 32]))
def test_spill_records_group_entries_as_the_numpy_path(keys, wide, group_shift, n_parts):
    """The compiled spill gives the records that items, partition_of and a stable sort by
    partition give: each slot's words, grouped by partition, in slot order within each."""
    from cikuang import _hashtable as ht
    from cikuang._native import spill_records
    from cikuang.ngrams import partition_of, partition_salt

    layout = ht.WIDE if wide else ht.ONE_WORD
    shift = 0 if wide else group_shift
    if wide:
        k = np.array([[key >> 5, key] for key in keys], dtype=np.uint64).reshape(-1, 2)
    else:
        k = np.array(keys, dtype=np.uint64)
    tab, _ = layout.add_counts(layout.new_table(64), 0, k, np.arange(1, len(keys) + 1, dtype=np.int64))
    out = np.empty(len(tab), dtype=np.uint64)
    ends = spill_records(tab, layout.slot_words, shift, partition_salt(0), n_parts, out)
    rec = out[: int(ends[-1]) * layout.slot_words].view(layout.entry)
    ik, iv = layout.items(tab)
    part = partition_of(ik >> np.uint64(shift) if shift else ik, n_parts)
    order = np.argsort(part, kind="stable")
    assert rec["key"].tolist() == ik[order].tolist() and rec["count"].tolist() == iv[order].tolist()
    assert ends.tolist() == np.cumsum(np.bincount(part, minlength=n_parts)).tolist()


@pytest.mark.parametrize("threads", [1, 2])
def test_summed_partitions_reuse_their_tables(tmp_path, threads):
    """A partition is summed in the emptied table of one summed before it when one of its size
    is spare (fresh tables are fresh memory): fewer tables are made than partitions summed, the
    sums are exact, and none is kept after the last."""
    import dataclasses

    from cikuang._hashtable import ONE_WORD
    from cikuang.engines.local.counter import SpillPartitions

    rng = np.random.default_rng(6)
    made = []

    def new_table(capacity):
        made.append(capacity)
        return ONE_WORD.new_table(capacity)

    layout = dataclasses.replace(ONE_WORD, new_table=new_table)
    expected: dict = {}
    store = SpillPartitions(layout, 1 << 24, str(tmp_path), threads=threads)
    for _ in range(2):
        keys = np.unique(rng.integers(1, 1 << 40, 40_000, dtype=np.uint64))
        counts = rng.integers(1, 9, len(keys))
        for k, c in zip(keys.tolist(), counts.tolist()):
            expected[k] = expected.get(k, 0) + c
        store.add_tables([ONE_WORD.add_counts(ONE_WORD.new_table(1 << 17), 0, keys, counts)])
    got = {k: v for ks, vs in store.summed(1) for k, v in zip(ks.tolist(), vs.tolist())}
    assert got == expected
    assert 0 < len(made) < 32 // 2 and store._spares == []
    store.close()
