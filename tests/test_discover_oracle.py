"""`cikuang.discover` against the plain-Python oracle of the method (tests/oracle.py).

The tests that take the ``engine`` fixture (tests/conftest.py) run against both engines, local and
Spark: the same assertions, so the two cannot drift apart.
"""
from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cikuang
from cikuang.spec import default_min_pmi
import oracle
from cikuang import CikuangError
from helpers import COMMON_HAN, lexicon_rows, make_corpus, make_language, reference_clauses

KEXUE = dict(order=4, min_count=32, min_pmi=(0, 2, 4, 6))


def _corpus(seed, n_sentences=3000, **lang):
    rng = random.Random(seed)
    return make_corpus(rng, make_language(rng, **lang), n_sentences)


def _multi(words: dict) -> dict:
    return {w: c for w, c in words.items() if len(w) >= 2}


def _discovered(engine, texts, **params) -> dict:
    """The seed method's words and counts: the entries the segmenter uses (count > 0; the word list
    may hold long words of count 0 besides, which the method rejects)."""
    lexicon = engine.discover(texts, refine=False, keep_numbers=True, **params)
    return {e.word: e.count for e in lexicon if e.count > 0}


def _hypothesis(engine, n: int):
    """Hypothesis settings for ``n`` examples on the local engine (fewer on Spark)."""
    return settings(max_examples=engine.max_examples(n), deadline=None,
                    database=None if engine.name == "spark" else settings.default.database,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def test_words_equal_the_oracle(engine):
    @_hypothesis(engine, 30)
    @given(seed=st.integers(0, 100_000), min_count=st.sampled_from([2, 3, 5, 8, 13, 20, 32]))
    def check(seed, min_count):
        texts = _corpus(seed)
        expected = oracle.discover(texts, order=4, min_count=min_count, min_pmi=(0, 2, 4, 6))
        got = _discovered(engine, texts, order=4, min_count=min_count, min_pmi=(0, 2, 4, 6), workers=1)
        assert _multi(got) == _multi(expected)

    check()


def test_words_equal_the_oracle_for_other_orders_and_thresholds(engine):
    # Low thresholds and long invented words: fragments longer than the order (chains of
    # overlapping kept n-grams) occur here.
    @_hypothesis(engine, 30)
    @given(
        seed=st.integers(0, 100_000),
        order=st.integers(2, 6),
        min_count=st.sampled_from([1, 2, 3, 5, 10]),
        steps=st.lists(st.sampled_from([-1.0, 0.5, 1.0, 1.5, 2.0, 3.0]), min_size=6, max_size=6),
        max_len=st.integers(2, 8),
    )
    def check(seed, order, min_count, steps, max_len):
        texts = _corpus(seed, n_sentences=1500, n_words=15, n_chars=25, max_len=max_len)
        min_pmi = tuple([0.0] + steps[: order - 1])
        _, _, kept = oracle.details(texts, order, min_count, min_pmi)
        if not kept:
            with pytest.raises(CikuangError):
                engine.discover(texts, refine=False, order=order, min_count=min_count, min_pmi=min_pmi, workers=1)
            return
        expected = oracle.discover(texts, order=order, min_count=min_count, min_pmi=min_pmi)
        got = _discovered(engine, texts, order=order, min_count=min_count, min_pmi=min_pmi, workers=1)
        assert _multi(got) == _multi(expected)

    check()


@pytest.mark.parametrize("seed,min_count", [(0, 5), (1, 20), (2, 3)])
def test_fixed_examples_all_fields(engine, seed, min_count):
    if engine.name == "spark" and seed > 0:
        pytest.skip("one example on Spark is enough next to the local engine's three")
    texts = _corpus(seed, n_sentences=4000)
    params = dict(order=4, min_count=min_count, min_pmi=(0, 2, 4, 6))
    expected = oracle.discover(texts, **params)
    lexicon = engine.discover(texts, refine=False, keep_numbers=True, **params)
    assert len(_multi(expected)) >= 5
    assert _multi({e.word: e.count for e in lexicon if e.count > 0}) == _multi(expected)
    # Single characters are fragments too: they pass without a cohesion test.
    assert {e.word: e.count for e in lexicon if len(e.word) == 1} == {w: c for w, c in expected.items() if len(w) == 1}
    # Cohesion is the weakest split's PMI (for words up to the order), and entropies are >= 0.
    counts, n_units, _ = oracle.details(texts, **params)
    for e in lexicon:
        if 2 <= len(e.word) <= 4:
            assert e.cohesion == pytest.approx(oracle.cohesion(e.word, counts, n_units), abs=1e-9)
        elif len(e.word) == 1:  # no cohesion, and no entropies: a single character is never a word
            assert math.isnan(e.cohesion) and math.isnan(e.left_entropy) and math.isnan(e.right_entropy)
            continue
        assert e.left_entropy >= 0 and e.right_entropy >= 0
    # occurrences: every occurrence of the string within a clause, overlapping ones too
    clauses = ["".join(c) for c in oracle.han_clauses(texts)]
    for e in lexicon[:: max(1, len(lexicon) // 60)]:
        assert e.occurrences == sum(c.count(e.word[0]) if len(e.word) == 1 else
                                    sum(c.startswith(e.word, i) for i in range(len(c))) for c in clauses), e.word
    # the word list first, by score (descending); then the other entries by count; ties by word
    keys = [(e.status != "word", -e.score if e.status == "word" else -e.count, e.word) for e in lexicon]
    assert keys == sorted(keys)


def test_long_words_are_found_as_chains(engine):
    # Words of 6 and 7 characters with order 3: only overlapping kept trigrams can join them.
    rng = random.Random(5)
    long_words = ["亚历山大大帝", "君士坦丁堡城门"]
    filler = list("的了是在我有他这中人上们来到")
    texts = []
    for _ in range(600):
        parts = [rng.choice(long_words)] + rng.choices(filler, k=rng.randint(1, 4))
        rng.shuffle(parts)
        texts.append("".join(parts) + "。")
    params = dict(order=3, min_count=5, min_pmi=(0, 1, 2))
    got = _discovered(engine, texts, **params)
    expected = oracle.discover(texts, **params)
    assert _multi(got) == _multi(expected)
    for w in long_words:
        assert w in got


def test_workers_do_not_change_the_result():
    texts = _corpus(4, n_sentences=12_000)
    one = cikuang.discover(texts, refine=False, min_count=5, workers=1)
    two = cikuang.discover(texts, refine=False, min_count=5, workers=2)
    assert lexicon_rows(one) == lexicon_rows(two)


def test_preset_kexue2019_is_the_seed_method(engine):
    texts = _corpus(9, n_sentences=6000)
    expected = oracle.discover(texts, **KEXUE)
    d = engine.discoverer(preset="kexue2019").fit(texts)
    preset = {e.word: e.count for e in d.lexicon_ if e.count > 0}
    explicit = _discovered(engine, texts, **KEXUE)
    assert len(_multi(expected)) >= 5
    assert preset == explicit
    assert _multi(preset) == _multi(expected)
    assert (d.order_, d.min_count_, tuple(d.min_pmi_)) == (4, 32, (0.0, 2.0, 4.0, 6.0))


def test_explicit_parameters_override_the_preset(engine):
    texts = _corpus(10, n_sentences=3000)
    got = _discovered(engine, texts, preset="kexue2019", min_count=5)
    assert _multi(got) == _multi(oracle.discover(texts, order=4, min_count=5, min_pmi=(0, 2, 4, 6)))


def test_default_min_count_grows_with_the_corpus():
    # README: max(3, round(sqrt(N) / 500)) for N unit tokens
    for n_sentences in (300, 40_000):
        texts = _corpus(12, n_sentences=n_sentences)
        n = sum(len(c) for c in oracle.han_clauses(texts))
        d = cikuang.Discoverer(workers=1).fit(texts)
        assert d.n_units_ == n
        assert d.min_count_ == max(3, round(math.sqrt(n) / 500))
    # past the floor of 3 it grows with the square root: PKU 1998, MSR, 1G characters
    from cikuang.spec import auto_min_count

    assert [auto_min_count(n) for n in (600_000, 1_830_000, 4_050_000, 10**9)] == [3, 3, 4, 63]


def test_docstring_example_agrees_with_the_oracle(engine):
    texts = ["曹操引兵来战。"] * 40 + ["孔明笑曰：曹操中计矣。"] * 40
    expected = oracle.discover(texts, order=4, min_count=20, min_pmi=(0, 2, 4, 6))
    got = _discovered(engine, texts, min_count=20)
    assert _multi(got) == _multi(expected)


def _entropy(counter) -> float:
    total = sum(counter.values())
    return -sum(c / total * math.log(c / total) for c in counter.values())


def test_neighbour_entropies_of_a_word_inside_clauses(engine):
    # 龙虎 always stands between filler characters (never at a clause edge), and the filler never
    # sticks to it, so its neighbours are exactly the filler characters next to its occurrences.
    rng = random.Random(8)
    filler = "的了是在我有他这中人"
    texts = []
    for _ in range(2000):
        left = "".join(rng.choices(filler, k=rng.randint(1, 4)))
        right = "".join(rng.choices(filler[:6], k=rng.randint(1, 4)))
        texts.append(left + "龙虎" + right + "。")
        texts.append("".join(rng.choices(filler, k=15)) + "。")
    left_nb = Counter(t[t.index("龙虎") - 1] for t in texts if "龙虎" in t)
    right_nb = Counter(t[t.index("龙虎") + 2] for t in texts if "龙虎" in t)
    lexicon = engine.discover(texts, refine=False, order=4, min_count=5, min_pmi=(0, 2, 4, 6), workers=1)
    entry = lexicon.get("龙虎")
    assert entry is not None and entry.count == 2000
    assert entry.left_entropy == pytest.approx(_entropy(left_nb), abs=1e-9)
    assert entry.right_entropy == pytest.approx(_entropy(right_nb), abs=1e-9)
    assert entry.left_entropy > entry.right_entropy  # 10 possible neighbours against 6


LATIN_UNITS = ["iPhone", "7", "K", "NBA", "2019", "x", "GPU", "B"]


def test_mixed_han_and_latin_units_equal_the_oracle(engine):
    # Words made of Han characters and Latin/digit runs; adjacent runs merge into one unit
    # ("iPhone" + "7" is the unit iPhone7), which the oracle sees through the reference tokeniser.
    @_hypothesis(engine, 25)
    @given(seed=st.integers(0, 100_000), min_count=st.sampled_from([2, 3, 5, 10]), keep_numbers=st.booleans(),
           order=st.integers(2, 5))
    def check(seed, min_count, keep_numbers, order):
        _check_mixed(engine, seed, min_count, keep_numbers, order)

    check()


def _check_mixed(engine, seed, min_count, keep_numbers, order):
    rng = random.Random(seed)
    pool = rng.sample(COMMON_HAN, 25) + LATIN_UNITS
    words = sorted({"".join(rng.choices(pool, k=rng.randint(1, 4))) for _ in range(30)})
    texts = make_corpus(rng, words, 1500)
    clauses = [tuple(c) for t in texts for c in reference_clauses(t)]
    min_pmi = default_min_pmi(order)
    _, _, kept = oracle.details(None, order, min_count, min_pmi, clauses=clauses)
    if not kept:
        with pytest.raises(CikuangError):
            engine.discover(texts, refine=False, order=order, min_count=min_count, workers=1)
        return
    expected = {"".join(w): c for w, c in oracle.discover_clauses(clauses, order, min_count, min_pmi).items()}
    if not keep_numbers:
        expected = {w: c for w, c in expected.items() if not w.isdigit()}
    d = engine.discoverer(order=order, min_count=min_count, keep_numbers=keep_numbers, workers=1, refine=False).fit(texts)
    assert {e.word: e.count for e in d.lexicon_ if e.count > 0} == expected
    assert d.n_kept_ == len(kept)
    assert d.n_units_ == sum(len(c) for c in clauses)


def test_more_frequent_units_than_keys_hold_equal_the_oracle(engine):
    """Order 8 holds 255 units a key (8 bits each); the corpus has some 400 frequent units, most of
    them Latin tokens that stand between spaces and so are in no frequent pair. Only the units of
    frequent pairs get ids; the words, single tokens included, are those of the oracle."""
    @_hypothesis(engine, 6)
    @given(seed=st.integers(0, 100_000), min_count=st.sampled_from([3, 5]))
    def check(seed, min_count):
        rng = random.Random(seed)
        pool = rng.sample(COMMON_HAN, 20) + ["K", "NBA"]
        words = sorted({"".join(rng.choices(pool, k=rng.randint(1, 4))) for _ in range(25)})
        tokens = [f"t{i:03d}x" for i in range(380)]
        texts = [t + " " + " ".join(rng.choices(tokens, k=60)) for t in make_corpus(rng, words, 1200)]
        clauses = [tuple(c) for t in texts for c in reference_clauses(t)]
        order, min_pmi = 8, default_min_pmi(8)
        expected = {"".join(w): c for w, c in oracle.discover_clauses(clauses, order, min_count, min_pmi).items()}
        n_frequent = sum(1 for c in Counter(u for cl in clauses for u in cl).values() if c >= min_count)
        assert n_frequent > 255  # more than the keys hold
        d = engine.discoverer(order=order, min_count=min_count, keep_numbers=True, workers=1, refine=False).fit(texts)
        assert {e.word: e.count for e in d.lexicon_ if e.count > 0} == expected

    check()


def test_default_thresholds_continue_the_ladder(engine):
    # README: min PMI 0,2,4.5,8 by default; a longer order continues by the last step (3.5 nats),
    # a shorter one takes the first thresholds.
    texts = _corpus(13, n_sentences=3000, n_words=15, n_chars=25, max_len=8)
    d = engine.discoverer(order=6, min_count=3, workers=1, refine=False).fit(texts)
    assert tuple(d.min_pmi_) == (0, 2, 4.5, 8, 11.5, 15)
    expected = oracle.discover(texts, order=6, min_count=3, min_pmi=(0, 2, 4.5, 8, 11.5, 15))
    assert _multi({e.word: e.count for e in d.lexicon_ if e.count > 0}) == _multi(expected)
    for spelled in ("0,2,4.5,8,11.5,15", [0, 2, 4.5, 8, 11.5, 15], " 0, 2, 4.5,8, 11.5,15 "):
        assert _discovered(cikuang, texts, order=6, min_count=3, min_pmi=spelled, workers=1) == {  # parsing: local suffices
            e.word: e.count for e in d.lexicon_ if e.count > 0}
    assert tuple(cikuang.Discoverer(order=3, min_count=3, workers=1, refine=False).fit(texts).min_pmi_) == (0, 2, 4.5)


def test_inputs_as_paths_texts_and_generators(engine, tmp_path):
    from pathlib import Path

    texts = _corpus(14, n_sentences=2000)
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("\n".join(texts[:100]) + "\n", encoding="utf-8")
    b.write_text("\n".join(texts[100:]) + "\n", encoding="utf-8")
    params = dict(order=4, min_count=5, workers=1)
    reference = lexicon_rows(cikuang.discover(texts, **params))  # texts on the local engine
    assert lexicon_rows(engine.discover([Path(a), Path(b)], **params)) == reference
    if engine.name == "local":  # Spark reads a generator as it reads a list of texts
        assert lexicon_rows(engine.discover((t for t in texts), **params)) == reference
    assert lexicon_rows(engine.discover(str(tmp_path), **params)) == reference  # a directory
    with pytest.raises(CikuangError):
        engine.discover([b"bytes are not text"], **params)


def test_temporary_files_are_removed(tmp_path):
    texts = _corpus(15, n_sentences=2000)
    cikuang.Discoverer(min_count=5, tmp_dir=str(tmp_path)).fit(texts)
    cikuang.count(texts, order=3, tmp_dir=str(tmp_path))
    assert list(tmp_path.iterdir()) == []
    bad = tmp_path.parent / (tmp_path.name + "-bad.txt")
    bad.write_bytes("天下大势。\n".encode("utf-8") * 1000 + b"\xff")
    with pytest.raises(CikuangError):
        cikuang.Discoverer(min_count=5, tmp_dir=str(tmp_path)).fit(str(bad))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_small_blocks_do_not_change_the_result(monkeypatch, workers):
    # Every pass reads the unit stream in blocks that end at a clause end; with tiny blocks there
    # are many of them (shared among threads), and clauses longer than a block.
    from cikuang.engines.local.stream import UnitStream

    rng = random.Random(32)
    words = make_language(rng, n_words=15, n_chars=25, max_len=8)
    texts = make_corpus(rng, words, 3000)
    texts.append("".join(rng.choices(words, k=3000)))  # one clause of several thousand units
    params = dict(order=4, min_count=3, min_pmi=(0, 0.5, 1, 1.5), workers=workers)
    reference = cikuang.discover(texts, refine=False, **params)
    assert any(len(e.word) > 4 for e in reference)  # long words, from chains of kept n-grams
    original = UnitStream.blocks
    monkeypatch.setattr(UnitStream, "blocks", lambda self, block_codes=1 << 22: original(self, min(block_codes, 2000)))
    small = cikuang.discover(texts, refine=False, **params)
    assert lexicon_rows(small) == lexicon_rows(reference)
    expected = oracle.discover(texts, order=4, min_count=3, min_pmi=(0, 0.5, 1, 1.5))
    assert {e.word: e.count for e in small if e.count > 0} == expected


@pytest.mark.parametrize("where", ["memory", "file", "memory then file"])
def test_the_stream_in_memory_or_in_a_file_gives_one_result(monkeypatch, tmp_path, where):
    # A corpus's unit stream is held in memory when it fits STREAM_SHARE of the budget, else
    # written to a file; one of unknown size (texts) that outgrows its reserve goes on in the file.
    import cikuang.engines.local.stream as stream_module

    rng = random.Random(33)
    words = make_language(rng, n_words=15, n_chars=25, max_len=6)
    texts = make_corpus(rng, words, 3000)
    params = dict(order=4, min_count=3, min_pmi=(0, 0.5, 1, 1.5), workers=2, tmp_dir=str(tmp_path))
    if where == "file":
        monkeypatch.setattr(stream_module, "STREAM_SHARE", 0.0)
    elif where == "memory then file":
        monkeypatch.setattr(stream_module, "UNKNOWN_SIZE_CODES", 5000)  # of some 60,000 codes
    seen = []  # (in a file, codes, codes held, held read-only) of each stream, as encode made it
    encode = stream_module.UnitStream.encode.__func__

    def encode_and_look(cls, *a, **k):
        s = encode(cls, *a, **k)
        held = s.codes if s.codes is not None else np.zeros(0, np.uint32)
        seen.append((s.file is not None, s.n_codes, len(held), s.codes is not None and not held.flags.writeable))
        return s

    monkeypatch.setattr(stream_module.UnitStream, "encode", classmethod(encode_and_look))
    lexicon = cikuang.discover(texts, refine=False, **params)
    ((in_file, n_codes, n_held, read_only),) = seen
    assert n_codes > 5000
    assert (in_file, n_held, read_only) == ((False, n_codes, True) if where == "memory" else (True, 0, False))
    expected = oracle.discover(texts, order=4, min_count=3, min_pmi=(0, 0.5, 1, 1.5))
    assert {e.word: e.count for e in lexicon if e.count > 0} == expected
    assert list(tmp_path.iterdir()) == []
