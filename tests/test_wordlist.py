"""The word list: occurrence statistics against a brute-force oracle, on both engines, and its rules."""
from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cikuang
from cikuang import Lexicon
from cikuang.listrules import (BOUND, CHAR, FRAGMENT, LATIN, NUMBER, PHRASE, PIECE, RARE, SHORT, STOPWORD, VARIANT,
                               WEAK, ListRules, composition_splits, compositions, function_joins, is_number,
                               known_words, measure_and_word, statuses, units_of, unlisted_forms)
from cikuang.wordlist import (NUMBER_NEIGHBOUR, OccurrenceStats, Straddles, OccurrenceSums, _grouped, _packed, _sums,
                              numbered_counts, straddled_share, two_character_words)
from helpers import COMMON_HAN, make_corpus, make_language, reference_clauses

LATIN_UNITS = ["iPhone7", "K", "NBA", "2019", "x", "GPU", "12"]


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.tuples(st.integers(0, 5), st.integers(0, 1), st.integers(0, 6)), st.integers(1, 2**34),
                       max_size=40), st.randoms(use_true_random=False))
def test_occurrence_stats_are_the_entropies_of_the_pair_counts_in_any_order(pairs, rnd):
    """Each (word, side)'s total, entropy (a clause edge, neighbour 0, a new neighbour each time)
    and continuation share, from pair keys as count_occurrences packs them; the same bits whatever
    the order of the table (a count above 2^32 included)."""
    n_words = 6
    keys = np.array([((w + 1) << 33) | (side << 32) | nb for w, side, nb in pairs], dtype=np.uint64)
    counts = np.array(list(pairs.values()), dtype=np.int64)
    stats = OccurrenceStats.of(keys, counts, n_words)
    for w in range(n_words):
        for side, entropy in ((0, stats.left_entropy), (1, stats.right_entropy)):
            got = {nb: c for (w2, s2, nb), c in pairs.items() if (w2, s2) == (w, side)}
            total = sum(got.values())
            inner = [c for nb, c in got.items() if nb != 0]
            expected = 0.0 if not total else max(0.0, -sum(c / total * math.log(c / total) for c in inner)
                                                 + got.get(0, 0) / total * math.log(total))
            assert entropy[w] == pytest.approx(expected, rel=1e-9, abs=1e-9)
            if side == 0:
                assert stats.occurrences[w] == total
        shares = [max((c for (w2, s2, nb), c in pairs.items() if (w2, s2) == (w, side) and nb), default=0)
                  / max(1, sum(c for (w2, s2, _), c in pairs.items() if (w2, s2) == (w, side))) for side in (0, 1)]
        assert stats.continuation[w] == pytest.approx(max(shares))
    order = list(range(len(keys)))
    rnd.shuffle(order)
    again = OccurrenceStats.of(keys[order], counts[order], n_words)
    for name in ("occurrences", "left_entropy", "right_entropy", "continuation"):
        assert getattr(again, name).tobytes() == getattr(stats, name).tobytes()


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.tuples(st.integers(0, 5), st.integers(0, 1), st.integers(0, 300)),
                       st.integers(1, 2**20), max_size=400), st.integers(6, 9))
def test_the_grouped_pack_sorts_as_numpy_does(pairs, n_words):
    """The counting sort by group and the runs sorted in place (insertion up to 32 pairs, a heap
    sort beyond: a few groups here hold hundreds) give np.sort's array of the packed pairs exactly."""
    from cikuang._native import pack_pair_groups

    keys = np.array([((w + 1) << 33) | (side << 32) | nb for w, side, nb in pairs], dtype=np.uint64)
    counts = np.array(list(pairs.values()), dtype=np.int64)
    expected = np.sort(np.array([((w * 2 + side) << 22) | ((nb == 0) << 21) | c
                                 for (w, side, nb), c in pairs.items()], dtype=np.uint64))
    assert pack_pair_groups(keys, counts, 21, 2 * n_words).tobytes() == expected.tobytes()
    if len(keys):
        with pytest.raises(ValueError):  # a word beyond the groups it is told of
            pack_pair_groups(keys, counts, 21, 2 * int(keys.max() >> np.uint64(33)) - 3)


@pytest.mark.parametrize("n_words, largest", [(6, 1000), (1 << 18, 1 << 45)])  # one packed sort; too wide for it
def test_pairs_are_grouped_by_word_and_side_then_edge_then_count(n_words, largest):
    rnd = random.Random(7)
    pairs = {(rnd.randrange(6), rnd.randrange(2), rnd.choice([0, 1, 2, 3])): rnd.randint(1, largest)
             for _ in range(60)}
    keys = np.array([((w + 1) << 33) | (side << 32) | nb for w, side, nb in pairs], dtype=np.uint64)
    counts = np.array(list(pairs.values()), dtype=np.int64)
    expected = sorted((w * 2 + side, nb == 0, c) for (w, side, nb), c in pairs.items())
    packed = _packed(keys, counts, n_words)
    if largest < 1 << 40:
        sorted_keys, count_bits, most = packed
        assert most == max(pairs.values())
        got = [(int(p) >> (count_bits + 1), bool((int(p) >> count_bits) & 1), int(p) & ((1 << count_bits) - 1))
               for p in sorted_keys]
        assert got == expected
    else:
        assert packed is None
    group, edge, count = _grouped(keys, counts)
    assert list(zip(group.tolist(), edge.tolist(), count.tolist())) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.tuples(st.integers(0, 7), st.integers(0, 1), st.integers(0, 5)),
                                st.one_of(st.integers(1, 40), st.integers(1, 2**36)), max_size=60), min_size=1,
                max_size=3),
       st.sampled_from([1 << 22, 30, 1]))
def test_the_compiled_sums_are_numpys_bit_for_bit(parts, table):
    """The compiled pass over the packed pairs and the NumPy path for keys too wide to pack give
    the same bits: every count's c·ln c from the table, or (a table too short for it) one by one;
    added up part by part (each word in one part, its table grown between them) as in one."""
    import cikuang.wordlist as wordlist
    n_words = 8
    owner = {}  # each word's pairs in one part, as the spilled pass gives them
    parts = [{k: c for k, c in part.items() if owner.setdefault(k[0], i) == i} for i, part in enumerate(parts)]

    def arrays(pairs):
        keys = np.array([((w + 1) << 33) | (side << 32) | nb for w, side, nb in pairs], dtype=np.uint64)
        return keys, np.array(list(pairs.values()), dtype=np.int64)

    saved, wordlist.CLOGC_TABLE = wordlist.CLOGC_TABLE, table
    try:
        compiled = OccurrenceSums(n_words)
        for part in parts:
            compiled.add(*arrays(part))
    finally:
        wordlist.CLOGC_TABLE = saved
    every = {k: c for part in parts for k, c in part.items()}
    reference = _sums(*_grouped(*arrays(every)), 2 * n_words)
    for got, expected in zip((compiled.total, compiled.clogc, compiled.most), reference):
        assert got.tobytes() == expected.tobytes()


def _oracle(texts, word: str):
    """Occurrences of ``word`` (a sequence of units) in the clauses, and its neighbours on each side:
    digit runs are one neighbour (a number), a clause edge a new neighbour each time."""
    units = units_of(word)
    n = len(units)
    left, right, edges = Counter(), Counter(), [0, 0]
    occ = 0

    def name(u):
        return "<number>" if u.isdigit() else u

    for text in texts:
        for clause in reference_clauses(text):
            for i in range(len(clause) - n + 1):
                if clause[i : i + n] == units:
                    occ += 1
                    if i > 0:
                        left[name(clause[i - 1])] += 1
                    else:
                        edges[0] += 1
                    if i + n < len(clause):
                        right[name(clause[i + n])] += 1
                    else:
                        edges[1] += 1
    return occ, (left, edges[0]), (right, edges[1])


def _entropy(counter: Counter, n_edges: int) -> float:
    total = sum(counter.values()) + n_edges
    if total == 0:
        return 0.0
    return -sum(v / total * math.log(v / total) for v in counter.values()) + n_edges / total * math.log(total)


def _continuation(sides) -> float:
    return max(max(c.values(), default=0) / (sum(c.values()) + e) if sum(c.values()) + e else 0 for c, e in sides)


def _check(lexicon, texts, sample=60):
    entries = list(lexicon)
    for e in entries[:: max(1, len(entries) // sample)]:
        occ, left, right = _oracle(texts, e.word)
        assert e.occurrences == occ, e.word
        if len(e.word) == 1:  # a single character is never a word: its entropies are not measured
            assert math.isnan(e.left_entropy) and math.isnan(e.right_entropy) and e.status != "word", e
            continue
        assert e.left_entropy == pytest.approx(_entropy(*left), abs=1e-9), e.word
        assert e.right_entropy == pytest.approx(_entropy(*right), abs=1e-9), e.word


def _mixed(seed: int, n: int = 1500):
    rng = random.Random(seed)
    pool = rng.sample(COMMON_HAN, 25) + LATIN_UNITS
    words = sorted({"".join(rng.choices(pool, k=rng.randint(1, 4))) for _ in range(30)})
    return make_corpus(rng, words, n)


def test_occurrences_and_entropies_equal_the_oracle(engine):
    @settings(max_examples=engine.max_examples(12), deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(seed=st.integers(0, 10_000), refine=st.booleans())
    def check(seed, refine):
        texts = _mixed(seed)
        lexicon = engine.discover(texts, min_count=3, refine=refine, keep_numbers=True, workers=1)
        assert len(lexicon) > 5
        _check(lexicon, texts)

    check()


def test_the_word_list_is_the_same_on_both_engines(engine, tmp_path):
    texts = _mixed(3, 3000) + ["".join(random.Random(1).choices(COMMON_HAN, k=30)) + "。"] * 3
    local = cikuang.discover(texts, min_count=3, new_only=True, base_dict={"的是", "他们"})
    other = engine.discover(texts, min_count=3, new_only=True, base_dict={"的是", "他们"})
    local.save(tmp_path / "a.tsv")
    other.save(tmp_path / "b.tsv")
    assert (tmp_path / "a.tsv").read_bytes() == (tmp_path / "b.tsv").read_bytes()
    assert local.n_words > 0


def test_the_rules_in_order():
    rules = ListRules(min_cohesion=4.0, min_entropy=1.0, min_occurrences=5, max_continuation=0.75,
                      stopwords=frozenset({"的"}))
    words = ["天", "1997年", "usr", "GPU", "K线图", "好的", "马超", "诸葛", "这是", "马岱", "孟获"]
    occ = np.array([50, 50, 50, 50, 50, 50, 3, 50, 50, 50, 50])
    coh = np.array([np.nan, 5, np.nan, np.nan, 6, 6, 8, 7, 2.5, 7, 7])
    left = np.array([2, 2, 2, 2, 2, 2, 2, 0.1, 2, 0.5, 2.0])
    right = np.array([2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2.0])
    cont = np.array([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.95, 0.1, 0.2, 0.1])
    got = statuses(words, occ, coh, left, right, cont, np.zeros(len(words)), rules)
    assert got == [CHAR, NUMBER, LATIN, "word", "word", STOPWORD, RARE, FRAGMENT, WEAK, BOUND, "word"]
    assert statuses(["K线图", "GPU"], occ[:2], coh[:2], left[:2], right[:2], cont[:2], np.zeros(2),
                    ListRules(min_cohesion=4.0, min_entropy=1.0, han_only=True)) == [LATIN, LATIN]
    assert statuses(["马超"], occ[:1], np.array([8.0]), left[:1], right[:1], cont[:1], np.array([0.6]),
                    rules) == [PIECE]
    assert statuses(["马超"], np.array([50]), np.array([8.0]), np.array([2.0]), np.array([2.0]), np.array([0.1]),
                    np.zeros(1), ListRules(min_cohesion=4.0, min_entropy=1.0, min_length=3)) == [SHORT]
    assert ListRules().for_corpus(10**6).min_cohesion == pytest.approx(math.log(1000 / 15))
    assert ListRules().for_corpus(100).min_cohesion == 3.5 and ListRules().for_corpus(10**12).min_cohesion == 6.5


def _listed(words, rules=None, known=None):
    """The statuses of ``words`` when every statistic passes (only the form-based rules can fail);
    ``known``: the base dictionary's words, which the phrase patterns look parts up in too."""
    n = len(words)
    rules = rules or ListRules(min_cohesion=4.0, min_entropy=1.0)
    return statuses(words, np.full(n, 50), np.full(n, 8.0), np.full(n, 3.0), np.full(n, 3.0), np.full(n, 0.1),
                    np.zeros(n), rules, known=known_words(words, known))


def test_quantities_are_numbers_and_names_of_digits_and_letters_stay_words():
    quantities = ["1G内存", "2G内存", "250G硬盘", "1g内存", "512MB", "2G", "4GB内存", "5000mAh电池", "35mm镜头",
                  "2kg", "100Hz", "3600MHz", "1TB", "15W", "220V", "8K", "45nm", "内存2G", "16个", "1997年"]
    names = ["3D游戏", "4S店", "iPhone7", "K线图", "B站", "A股", "2400XT", "1080P", "T4200", "DDR3内存", "X200",
             "3D", "11N", "MP3"]
    assert _listed(quantities) == [NUMBER] * len(quantities)
    assert _listed(names) == ["word"] * len(names)
    assert [is_number(u) for u in ("2.4GHz", "3.5", "2019", "1G", "G1", "5s", "2B", "G")] == [True] * 4 + [False] * 4


def test_phrase_patterns_and_the_words_they_leave():
    known = {"告知", "了解", "洗澡", "称为", "害人", "鱿鱼", "炒鱿鱼", "测算", "管理者", "盗案", "XP"}
    phrases = ["翻了翻", "看一看", "走一走", "越看越", "越想越", "洗完澡", "装了XP", "换了xp", "被告知", "被称为",
               "据了解", "据测算", "这本书", "這本書", "这么多", "王大娘", "杨大爷", "李师傅", "孙老板", "张主任"]
    words = ["越来越", "说了算", "炒了鱿鱼", "被害人", "被管理者", "被盗案", "夏完淳", "数一数二", "越战越勇", "被擒",
             "为了让", "一了百了", "翻译了", "那不勒斯", "这样", "这NBA", "王大力", "大娘", "王大娘家", "毛主席"]
    assert _listed(phrases, known=known) == [PHRASE] * len(phrases)
    assert _listed(words, known=known) == ["word"] * len(words)
    # a part must be a known word: 洗完澡 and 被告知 are words when 洗澡 and 告知 are not known
    assert _listed(["洗完澡", "被告知"], known=set()) == ["word", "word"]
    # without a base dictionary: the entries themselves
    assert _listed(["被告知", "告知"]) == [PHRASE, "word"]


def test_quantities_and_phrases_in_a_corpus():
    def lines(rng, fill):
        size = rng.choice(["1G", "2G", "4G", "512M", "250G"])
        return [fill(3) + size + "内存" + fill(2) + "。", fill(2) + "3D游戏" + fill(3) + "。",
                fill(3) + "K线图" + fill(2) + "。", fill(2) + "4S店" + fill(2) + "。", fill(2) + "翻了翻" + fill(3) + "。",
                fill(3) + "越看越" + fill(2) + "。", fill(2) + "被告知" + fill(2) + "。", fill(2) + "洗完澡" + fill(3) + "。",
                fill(2) + "卡雷兹" + fill(2) + "。"]

    texts = _amid_filler(7, lines)
    lexicon = cikuang.discover(texts, min_count=5, new_only=True, base_dict={"告知", "洗澡"})
    got = {w: (lexicon.get(w).status if lexicon.get(w) else None)
           for w in ("1G内存", "2G内存", "512M内存", "250G内存", "3D游戏", "K线图", "4S店", "翻了翻", "越看越",
                     "被告知", "洗完澡", "卡雷兹")}
    assert got == {"1G内存": NUMBER, "2G内存": NUMBER, "512M内存": NUMBER, "250G内存": NUMBER, "3D游戏": "word",
                   "K线图": "word", "4S店": "word", "翻了翻": PHRASE, "越看越": PHRASE, "被告知": PHRASE,
                   "洗完澡": PHRASE, "卡雷兹": "word"}
    assert lexicon.word_list().words[:4] and not set(lexicon.word_list().words) & {"1G内存", "翻了翻", "被告知"}


def test_a_function_character_joined_to_a_word_it_mostly_goes_without_is_a_phrase():
    rules = ListRules(min_cohesion=4.0, min_entropy=1.0)
    n = 4
    got = statuses(["已成为", "意味着", "范围内", "卡雷兹"], np.full(n, 50), np.full(n, 8.0), np.full(n, 3.0),
                   np.full(n, 3.0), np.full(n, 0.1), np.zeros(n), rules,
                   joined_share=np.array([0.05, 0.8, 0.34, np.nan]))
    assert got == [PHRASE, "word", PHRASE, "word"]
    # what joins what: a function character at either edge; the part must be an entry or a base word
    # of two or more characters
    words = ["已成为", "成为", "面临着", "局局长", "局长", "波波夫", "波夫", "卡雷兹", "在NBA", "这样"]
    assert function_joins(words, known_words(words, {"面临", "NBA"})) == {0: ["成为"], 2: ["面临"], 8: ["NBA"]}

    # 甄寰 stands alone in 4 of 5 occurrences: 甄寰着 is a phrase; 沐曦 goes with 着 in 4 of 5: a word
    def lines(rng, fill):
        return ([fill(3) + "甄寰" + fill(2) + "。" for _ in range(4)] + [fill(2) + "甄寰着" + fill(3) + "。"]
                + [fill(2) + "沐曦着" + fill(3) + "。" for _ in range(4)] + [fill(3) + "沐曦" + fill(2) + "。"])

    lexicon = cikuang.discover(_amid_filler(8, lines), min_count=5)
    status = {w: lexicon.get(w).status for w in ("甄寰", "甄寰着", "沐曦着")}
    assert status["甄寰着"] == PHRASE and status["甄寰"] == "word" and status["沐曦着"] != PHRASE
    assert "甄寰着" in lexicon.words  # still in the lexicon the segmenter uses


def test_le_zai_and_men_after_a_word_make_a_phrase_whatever_its_share():
    """增添了 is 30 of 增添's 39 occurrences in PKU, above the 0.7 that the function characters need:
    the grammar's trails 了 在 们 need none. 着 and 于 still do (意味着, 致力于 are words)."""
    known = {"增添", "沉浸", "老兵", "意味", "致力", "为了"}
    assert _listed(["增添了", "沉浸在", "老兵们", "意味着", "致力于", "为了让"], known=known) == (
        [PHRASE] * 3 + ["word"] * 3)
    # the part must be a word: 卡雷兹了 is no known word and 了
    assert _listed(["卡雷了", "说了算"], known=known) == ["word", "word"]


def test_a_free_character_and_le_or_zai_is_a_composition():
    """去了 is a few of 去's occurrences (去 is free): a phrase, and so is 请您; 罢了 is most of 罢's,
    and 罢 is inside words: a word; 着 and 于 make none (凭着, 由于), nor 其 and 自 a pronoun (其他, 自我)."""
    words = ["去了", "罢了", "杂在", "凭着", "由于", "请您", "去", "罢", "其他", "自我"]
    splits = composition_splits(words, known_words(words))
    assert splits == {0: [("去", "了")], 1: [("罢", "了")], 2: [("杂", "在")], 5: [("请", "您")]}
    parts = {"去": 1000, "罢": 40, "杂": 30, "请": 200, "了": 9000, "在": 9000, "您": 300}
    free = {"去": 0.5, "罢": 0.05, "杂": 0.3, "请": 0.4}
    got = compositions(splits, np.array([100, 30, 20, 0, 0, 30, 0, 0, 0, 0]), set(), parts, free, ListRules())
    assert got.tolist() == [True, False, False, False, False, True] + [False] * 4  # 20 of 杂's 30 is above 0.5


def test_verb_trails_join_a_word_and_bian_x_bian_is_a_phrase():
    """于, 为, 住 and 起 after a word are held to the function trails' share (滞后于, 经受住); 边X边 is
    the head of a phrase whatever its statistics."""
    words = ["滞后于", "以此为", "经受住", "担负起", "由于", "致力于", "卡雷兹"]
    known = known_words(words, {"滞后", "以此", "经受", "担负", "致力"})
    assert function_joins(words, known) == {0: ["滞后"], 1: ["以此"], 2: ["经受"], 3: ["担负"], 5: ["致力"]}
    assert _listed(["边说边", "边走边", "边境线", "说边", "边说"]) == [PHRASE, PHRASE, "word", "word", "word"]


def test_unlisted_verb_forms_are_phrases_only_against_a_base_dictionary():
    words = ["盯着", "随着", "躺在", "现在", "见过", "找不到", "离不开", "看得见", "卡不雷", "张著", "着急", "A着",
             "不着"]
    known = known_words(words, {"找到", "离开", "看见", "随着", "现在", "离不开"})
    base = {"找到", "离开", "看见", "随着", "现在", "离不开", "着急"}
    got = unlisted_forms(words, known, base).tolist()
    assert got == [True, False, True, False, True, True, False, True, False, False, False, False, True]
    assert not unlisted_forms(words, known, set()).any() and not unlisted_forms(words, known, None).any()
    # never a base word, whatever its form
    assert not unlisted_forms(words, known, set(words)).any()

    def lines(rng, fill):
        return [fill(3) + "盯着" + fill(2) + "。", fill(2) + "找不到" + fill(3) + "。", fill(3) + "卡雷兹" + fill(2) + "。"]

    texts = _amid_filler(9, lines)
    bare = cikuang.discover(texts, min_count=5)
    based = cikuang.discover(texts, min_count=5, new_only=True, base_dict={"找到", "随着"})
    assert bare.get("盯着").status == "word" and bare.get("找不到").status != PHRASE  # (找不到: 不 is filler too)
    assert {w: based.get(w).status for w in ("盯着", "找不到", "卡雷兹")} == {"盯着": PHRASE, "找不到": PHRASE,
                                                                            "卡雷兹": "word"}
    assert "盯着" in based.words  # still in the lexicon the segmenter uses


def test_a_character_before_a_form_of_address_is_a_phrase_only_against_a_base_dictionary():
    words = ["帅大姐", "副市长", "总经理", "大姐", "副市长们", "K市长"]
    base = {"总经理", "大姐", "市长"}
    assert unlisted_forms(words, known_words(words, base), base).tolist() == [True, True, False, False, False,
                                                                              False]
    assert not unlisted_forms(words, known_words(words), None).any()  # 总经理 is a word without a base


def test_a_function_character_at_a_base_words_edge_is_a_phrase_whatever_its_share():
    """Against a base dictionary, a function character and one of its words that it lacks is a
    phrase (不辜负, 心目中, 为己任) however much of the word's occurrences it holds: the
    dictionary has the lexicalised ones (意味着). Without one, the share decides (test above)."""
    words = ["不辜负", "心目中", "为己任", "意味着", "卡雷中", "不卡雷", "心目", "中心目"]
    base = {"辜负", "心目", "己任", "意味", "意味着"}
    assert unlisted_forms(words, known_words(words, base), base).tolist() == [True, True, True, False, False,
                                                                              False, False, False]


def _tags(words_and_tags: str):
    from cikuang.lexicon import BaseWords

    pairs = [wt.split("/") for wt in words_and_tags.split()]
    return BaseWords([w for w, _ in pairs], {w: t for w, t in pairs if t})


def test_words_of_a_base_dictionary_before_a_predicate_are_a_phrase():
    from cikuang.listrules import predicate_compounds

    base = _tags("剧烈/a 动荡/v 蓝牙/ns 模块/n 企业/n 管理/vn 欧阳/nr 把握/v 甲乙/n 甲乙丙/n 丙丁戊/v 丁戊/n "
                 "牢牢/d 骨质/n 疏松/ 高速/b 公路/n 堵塞/v")
    words = ["剧烈动荡", "蓝牙模块", "企业管理", "欧阳把握", "甲乙丙丁戊", "牢牢把握剧烈动荡", "骨质疏松", "动荡",
             "剧烈动荡K", "蓝牙剧烈动荡", "高速公路堵塞", "剧动荡"]
    assert predicate_compounds(words, base).tolist() == [
        True, False, True,  # a verb, a noun, a verb's noun at the end
        False,  # the form of a name (a compound surname and two characters)
        False,  # one split ends in 丙丁戊 (v), the other in 丁戊 (n): a noun may be the head
        True, False,  # three words of two characters and more; an untagged head decides nothing
        False, False, True,  # two characters; a Latin letter; 蓝牙 剧烈 动荡
        True, False]  # 高速 公路 堵塞; 剧 is no word of two characters
    assert not predicate_compounds(words, frozenset(base)).any()  # no tags: no rule
    assert not predicate_compounds(words, None).any()


def test_base_words_keep_a_jieba_files_tags(tmp_path):
    import pickle

    from cikuang.lexicon import BaseWords, load_base_words

    jieba_file = tmp_path / "base.txt"
    jieba_file.write_text("剧烈 10 a\n动荡 5 v\n蓝牙 3\n模块\n", encoding="utf-8")
    base = load_base_words(jieba_file)
    assert base == {"剧烈", "动荡", "蓝牙", "模块"} and base.tags == {"剧烈": "a", "动荡": "v"}
    assert pickle.loads(pickle.dumps(base)).tags == base.tags
    tsv = tmp_path / "mined.tsv"
    Lexicon(["剧烈", "动荡"], [4, 3]).save(tsv)
    assert load_base_words(tsv) == {"剧烈", "动荡"} and load_base_words(tsv).tags == {}
    assert load_base_words(["剧烈"]).tags == {} and load_base_words(base).tags == base.tags
    assert isinstance(load_base_words(Lexicon(["剧烈"], [1])), BaseWords)


def test_a_compound_before_a_predicate_leaves_the_new_only_list(tmp_path):
    texts = _amid_filler(11, lambda rng, fill: [fill(3) + "卡雷兹姆" + fill(2) + "。", fill(2) + "蓝牙模块" + fill(3) + "。"])
    tagged, bare = tmp_path / "tagged.txt", tmp_path / "bare.txt"
    tagged.write_text("卡雷 9 a\n兹姆 9 v\n蓝牙 9 ns\n模块 9 n\n", encoding="utf-8")
    bare.write_text("卡雷 9\n兹姆 9\n蓝牙 9\n模块 9\n", encoding="utf-8")
    with_tags = cikuang.discover(texts, min_count=5, new_only=True, base_dict=str(tagged))
    without = cikuang.discover(texts, min_count=5, new_only=True, base_dict=str(bare))
    assert (with_tags.get("卡雷兹姆").status, with_tags.get("蓝牙模块").status) == (PHRASE, "word")
    assert (without.get("卡雷兹姆").status, without.get("蓝牙模块").status) == ("word", "word")


def test_a_word_and_a_surname_the_segmenter_cuts_is_a_fragment():
    """记者刘 is a token in 9 of its 119 occurrences in PKU (记者 刘华清): a fragment; 共产党 in 91 of
    165: a word. A name's form (程家华) and a word that is no known word before the surname are
    never judged."""
    from cikuang.listrules import surname_ends

    known = {"记者", "共产", "程家", "主任"}
    words = ["记者刘", "共产党", "程家华", "卡雷刘", "主任", "记者K"]
    assert [surname_ends(w, known) for w in words] == [True, True, False, False, False, False]
    n = 3
    got = statuses(["记者刘", "共产党", "卡雷兹"], np.array([119, 165, 50]), np.full(n, 8.0), np.full(n, 3.0),
                   np.full(n, 3.0), np.full(n, 0.1), np.zeros(n), ListRules(min_cohesion=4.0, min_entropy=1.0),
                   surname_cut=np.array([True, False, False]))
    assert got == [FRAGMENT, "word", "word"]


_ALPHABET = "各界人士一句话网上官"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(_ALPHABET, min_size=2, max_size=3), min_size=1, max_size=5, unique=True),
       st.sets(st.text(_ALPHABET, min_size=2, max_size=2)),
       st.lists(st.tuples(st.integers(0, 4), st.integers(0, 1), st.sampled_from(list(_ALPHABET) + ["", "K"]),
                          st.integers(1, 50)), max_size=30))
def test_straddled_share_is_the_share_of_occurrences_a_known_word_straddles(scan, known, pairs):
    """Against the definition: a neighbour and the entry's edge character make a known word of two
    characters (the neighbour before the first, or after the last), a clause edge or a Latin run
    never does, nor a particle or locative after the entry (上)."""
    pairs = [(w, side, nb, c) for w, side, nb, c in pairs if w < len(scan)]
    table: dict = {}
    for w, side, nb, c in pairs:
        code = 0 if nb == "" else (0x110000 if nb == "K" else ord(nb))  # an edge, a Latin run, a character
        key = ((w + 1) << 33) | (side << 32) | code
        table[key] = table.get(key, 0) + c
    keys = np.array(list(table), dtype=np.uint64)
    counts = np.array(list(table.values()), dtype=np.int64)
    occurrences = np.zeros(len(scan))
    for key, c in table.items():
        if (key >> 32) & 1 == 0:
            occurrences[(key >> 33) - 1] += c
    pair_words, pair_keys = two_character_words(known | {"甲乙"})
    got = straddled_share(*Straddles(scan, pair_keys)(keys, counts), np.ones(len(pair_words), bool), occurrences)
    for i, w in enumerate(scan):
        sides = [0, 0]
        for key, c in table.items():
            nb = key & 0xFFFFFFFF
            if (key >> 33) - 1 != i or nb == 0 or nb >= 0x110000:
                continue
            side = (key >> 32) & 1
            two = chr(nb) + w[0] if side == 0 else w[-1] + chr(nb)
            if two in known and not (side == 1 and chr(nb) == "上"):
                sides[side] += c
        expected = max(sides) / occurrences[i] if occurrences[i] else 0.0
        assert got[i] == pytest.approx(expected)


def test_the_pairs_read_in_chunks_give_the_same_results(monkeypatch):
    """A large corpus's pair table is read a chunk at a time; chunks of 7 pairs give the same
    statistics, straddles and numbered counts as one chunk."""
    import cikuang.wordlist as wl
    rnd = random.Random(3)
    scan = ["界人士", "官网", "枚金牌", "卡雷兹", "一句话"]
    codes = [0, ord("各"), ord("上"), ord("一"), ord("两"), NUMBER_NEIGHBOUR, 0x110001, ord("的")]
    table = {((rnd.randrange(len(scan)) + 1) << 33) | (rnd.randrange(2) << 32) | rnd.choice(codes): rnd.randint(1, 40)
             for _ in range(60)}
    keys, counts = np.array(list(table), dtype=np.uint64), np.array(list(table.values()), dtype=np.int64)
    pair_words, pair_keys = two_character_words({"各界", "网上", "一句", "人士"})

    def everything():
        stats = OccurrenceStats.of(keys, counts, len(scan))
        return ([getattr(stats, f).tobytes() for f in ("occurrences", "left_entropy", "right_entropy", "continuation")],
                [a.tolist() for a in Straddles(scan, pair_keys)(keys, counts)],
                numbered_counts(keys, counts, np.zeros(len(scan))).tolist())

    whole = everything()
    monkeypatch.setattr(wl, "PAIR_CHUNK", 7)
    assert everything() == whole


def test_an_entry_a_word_straddles_in_half_its_occurrences_is_a_fragment():
    rules = ListRules(min_cohesion=4.0, min_entropy=1.0)
    n = 3
    got = statuses(["界人士", "人士", "官网"], np.full(n, 50), np.full(n, 8.0), np.full(n, 3.0), np.full(n, 3.0),
                   np.full(n, 0.1), np.zeros(n), rules, straddled=np.array([0.6, 0.1, 0.49]))
    assert got == [FRAGMENT, "word", "word"]
    # 各 before 界人士 (各界) straddles it; 上 after 官网 (网上) does not; nor 的 before it (的界 is no word)
    scan = ["界人士", "官网"]
    keys = np.array([(1 << 33) | ord("各"), (1 << 33) | ord("的"), (1 << 33) | (1 << 32),
                     (2 << 33) | (1 << 32) | ord("上"), (2 << 33)], dtype=np.uint64)
    counts = np.array([6, 4, 10, 5, 5], dtype=np.int64)
    pair_words, pair_keys = two_character_words({"各界", "网上", "人士", "NBA"})
    assert pair_words == sorted(pair_words, key=lambda w: (ord(w[0]), ord(w[1]))) and "NBA" not in pair_words
    share = straddled_share(*Straddles(scan, pair_keys)(keys, counts), np.ones(len(pair_words), bool),
                            np.array([10.0, 5.0]))
    assert share.tolist() == [0.6, 0.0]


def test_a_function_character_needs_most_of_the_words_occurrences():
    """A particle, a locative or 说 after a word, an adverb or preposition before one, is grammar
    unless the entry is most of the word's occurrences: 担负着 and 范围内 with 57 % of theirs are
    phrases, 意味着 with 73 % of 意味's is a word."""
    rules = ListRules(min_cohesion=4.0, min_entropy=1.0)
    n = 3
    got = statuses(["担负着", "意味着", "范围内"], np.full(n, 50), np.full(n, 8.0), np.full(n, 3.0),
                   np.full(n, 3.0), np.full(n, 0.1), np.zeros(n), rules, joined_share=np.array([0.57, 0.73, 0.57]))
    assert got == [PHRASE, "word", PHRASE]
    words = ["洪森说", "更好地", "比往年", "所取代", "只限于", "曾荣获", "其亲属", "刚开始", "而得名", "届时将", "有利于",
             "洪森"]
    known = known_words(words, {"往年", "取代", "限于", "荣获", "亲属", "更好", "开始", "得名", "届时", "有利"})
    # (and 于 after a word: held to the same share, 有利于 stays where it is most of 有利's occurrences)
    assert sorted(function_joins(words, known)) == list(range(11))

    # in a corpus: 甄寰 stands alone in 2 of 5 occurrences (0.6 of them are 甄寰说): a phrase; 沐曦
    # in 1 of 5 (0.8 are 沐曦内): a word
    def lines(rng, fill):
        return ([fill(3) + "甄寰" + fill(2) + "。" for _ in range(2)] + [fill(2) + "甄寰说" + fill(3) + "。"] * 3
                + [fill(3) + "沐曦" + fill(2) + "。"] + [fill(2) + "沐曦内" + fill(3) + "。"] * 4)

    lexicon = cikuang.discover(_amid_filler(8, lines), min_count=5)
    status = {w: lexicon.get(w).status for w in ("甄寰说", "沐曦内")}
    assert status["甄寰说"] == PHRASE and status["沐曦内"] != PHRASE


def test_the_splits_of_an_entry_into_characters_and_known_words():
    known = {"将军", "老将", "短期", "外债", "国庆", "野村", "证券", "铁军", "葛恪", "十六"}
    words = ["老将军", "短期外债", "李国庆", "野村证券", "尔将军", "诸葛恪", "K将军", "将军", "二十六"]
    assert composition_splits(words, known) == {0: [("老", "将军")], 1: [("短期", "外债")],
                                     3: [("野村", "证券")], 4: [("尔", "将军")]}
    # a word and a Latin run after it; not one character (老K, 装XP), not Latin first (XP系统), not
    # a part the words lack, not digits and letters in between (安装XP系统 is no word + run)
    known = {"安装", "卡拉", "系统", "老"}
    words = ["安装XP", "卡拉OK", "装XP", "老K", "XP系统", "运行XP", "安装XP系统", "安装win7"]
    assert composition_splits(words, known) == {0: [("安装", "XP")], 1: [("卡拉", "OK")], 7: [("安装", "win7")]}


def test_a_word_and_a_latin_run_that_stand_apart_are_a_composition():
    """安装XP is 60 of 安装's 779 occurrences and of XP's 1,134 (the reviews): a phrase; 卡拉OK is 11
    of 卡拉's 71 but of OK's 19 (MSR): a word. Both parts must be far more often without the other."""
    rules = ListRules()
    parts = {"安装": 779, "XP": 1134, "卡拉": 71, "OK": 19, "改成": 83, "IDE": 76}
    splits = {0: [("安装", "XP")], 1: [("卡拉", "OK")], 2: [("改成", "IDE")]}

    def composed(occurrences, known=frozenset({"安装", "卡拉", "改成"})):
        return compositions(splits, np.array(occurrences), known, parts, {}, rules).tolist()

    assert composed([60, 11, 25]) == [True, False, False]  # 25 is 0.33 of IDE's 76, the rarer part
    assert composed([60, 5, 22]) == [True, True, True]
    assert composed([60, 11, 22], known=frozenset()) == [False, False, False]  # the word must be one


def test_an_entry_of_free_parts_that_it_is_a_small_share_of_is_a_composition():
    """老将军 is a few of the occurrences of 老 (a free character) and of 将军: built by the grammar.
    尔 is no free character (it is inside words), and 野村 is mostly in 野村证券: words. Two words
    need a share of 0.3 of the rarer part, a character and a word 0.5."""
    rules = ListRules()
    parts = {"老": 1000, "将军": 100, "短期": 100, "外债": 50, "野村": 12, "证券": 500, "尔": 1000}
    free = {"老": 0.6, "尔": 0.05}
    splits = {0: [("老", "将军")], 1: [("短期", "外债")], 2: [("野村", "证券")], 3: [("尔", "将军")]}
    words = {"将军", "短期", "外债", "野村", "证券"}

    def composed(occurrences, known=words):
        return compositions(splits, np.array(occurrences), known, parts, free, rules).tolist()

    assert composed([10, 10, 10, 10]) == [True, True, False, False]
    # 40 of 将军's 100 is below a character's 0.5; 16 of 外债's 50 is above two words' 0.3
    assert composed([40, 16, 3, 10]) == [True, False, True, False]
    assert composed([50, 14, 4, 10]) == [False, True, False, False]
    # a part that is no word (neither the base dictionary's nor listed) makes no composition
    assert composed([10, 10, 10, 10], known={"将军"}) == [True, False, False, False]


def test_compositions_in_a_corpus_are_phrases_and_names_stay_words():
    # 甄寰 and 稷 stand alone in 2 of 3 occurrences each: 稷甄寰 is a composition; 沐曦 is in 沐曦稷 in
    # 3 of 4 (a word); 李 (as free as 稷) + 甄寰 has a name's form
    def lines(rng, fill):
        return ([fill(3) + "甄寰" + fill(2) + "。" for _ in range(2)] + [fill(2) + "稷" + fill(3) + "。"] * 2
                + [fill(2) + "稷甄寰" + fill(3) + "。", fill(2) + "沐曦" + fill(3) + "。"]
                + [fill(2) + "沐曦稷" + fill(3) + "。"] * 3 + [fill(2) + "李甄寰" + fill(3) + "。"]
                + [fill(2) + "李" + fill(3) + "。"] * 2)

    texts = _amid_filler(9, lambda rng, fill: lines(rng, fill) + [fill(12) + "。" for _ in range(160)])
    lexicon = cikuang.discover(texts, min_count=5)
    status = {w: lexicon.get(w).status if lexicon.get(w) else None for w in ("甄寰", "稷甄寰", "沐曦稷", "李甄寰")}
    assert status == {"甄寰": "word", "稷甄寰": PHRASE, "沐曦稷": "word", "李甄寰": "word"}
    assert "稷甄寰" in lexicon.words  # still in the lexicon the segmenter uses


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 1),
                          st.sampled_from(["", "3", "K", "一", "两", "几", "数", "的", "枚"]), st.integers(1, 50)),
                max_size=30))
def test_numbered_counts_are_the_occurrences_a_number_precedes(pairs):
    """Against the definition: a run of digits or a numeral character before the entry; not after
    it, not a clause edge, a Latin run or another character."""
    table: dict = {}
    for w, side, nb, c in pairs:
        code = {"": 0, "3": NUMBER_NEIGHBOUR, "K": 0x110000}[nb] if nb in ("", "3", "K") else ord(nb)
        key = ((w + 1) << 33) | (side << 32) | code
        table[key] = table.get(key, 0) + c
    keys = np.array(list(table), dtype=np.uint64)
    got = numbered_counts(keys, np.array(list(table.values()), dtype=np.int64), np.zeros(5))
    expected = [0] * 5
    for w, side, nb, c in pairs:
        if side == 0 and nb in ("3", "一", "两", "几", "数"):
            expected[w] += c
    assert got.tolist() == expected


def test_a_doubled_character_before_a_word_is_a_fragment_when_the_word_stands_alone():
    from cikuang.listrules import doubled_leads

    known = {"局长", "司长", "波夫", "摇头", "长长"}
    words = ["局局长", "司司长", "波波夫", "摇摇头", "局长", "长长久", "X司长", "丽丽"]
    assert doubled_leads(words, known) == {0: ["局长"], 1: ["司长"], 2: ["波夫"], 3: ["摇头"]}
    rules = ListRules(min_cohesion=4.0, min_entropy=1.0)
    n = 3
    # 局局长 is 0.40 of 局长's occurrences, 司司长 0.69; NaN: the entry doubles no word (or one that is none)
    got = statuses(["局局长", "司司长", "波波夫"], np.full(n, 50), np.full(n, 8.0), np.full(n, 3.0), np.full(n, 3.0),
                   np.full(n, 0.1), np.zeros(n), rules, doubled_share=np.array([0.40, 0.69, np.nan]))
    assert got == [FRAGMENT, FRAGMENT, "word"]
    got = statuses(["局局长"], np.full(1, 50), np.full(1, 8.0), np.full(1, 3.0), np.full(1, 3.0), np.full(1, 0.1),
                   np.zeros(1), rules, doubled_share=np.array([0.7]))
    assert got == ["word"]


def test_a_measure_word_and_a_noun_that_numbers_precede_is_a_fragment():
    rules = ListRules(min_cohesion=4.0, min_entropy=1.0)
    n = 3
    got = statuses(["枚金牌", "支球队", "一方面"], np.full(n, 50), np.full(n, 8.0), np.full(n, 3.0), np.full(n, 3.0),
                   np.full(n, 0.1), np.zeros(n), rules, numbered=np.array([0.8, 0.5, 0.1]))
    assert got == [FRAGMENT, FRAGMENT, "word"]
    # the form: a Han character and a word (not 公里: 里 is one character; not 3D游戏)
    nouns = {"金牌", "方面", "里", "D游戏"}
    assert [measure_and_word(w, nouns) for w in ("枚金牌", "一方面", "公里", "3D游戏", "卡雷兹")] == [
        True, True, False, False, False]

    # in a corpus: 3枚金牌, 两枚金牌, 一枚金牌 ... in 7 of 10, and 金牌 alone; 卡雷兹 after numbers
    # as often, but 雷兹 is no word
    def lines(rng, fill):
        def number():
            return rng.choice([str(rng.randint(1, 30)), *"一二三四五六七八九十两几"]) if rng.random() < 0.7 else fill(1)

        return ([fill(2) + number() + "枚金牌" + fill(2) + "。", fill(3) + "金牌" + fill(2) + "。",
                 fill(2) + number() + "卡雷兹" + fill(2) + "。"])

    lexicon = cikuang.discover(_amid_filler(8, lines), min_count=5)
    assert lexicon.get("枚金牌").status == FRAGMENT and lexicon.get("卡雷兹").status == "word"
    assert "枚金牌" in lexicon.words and "枚金牌" not in lexicon.word_list().words


def test_one_row_per_word_whatever_the_case_of_its_latin_letters():
    words = ["usb接口", "USB接口", "Usb接口", "iPhone7", "IPHONE7", "LED屏", "led屏", "卡雷兹"]
    n = len(words)
    occ = np.array([40, 90, 90, 30, 30, 12, 3, 50])
    got = statuses(words, occ, np.full(n, 8.0), np.full(n, 3.0), np.full(n, 3.0), np.full(n, 0.1), np.zeros(n),
                   ListRules(min_cohesion=4.0, min_entropy=1.0))
    # the most frequent spelling stays (the first of equals), a rare one that is no word is left as it is
    assert got == [VARIANT, "word", VARIANT, "word", VARIANT, "word", RARE, "word"]


def _amid_filler(seed: int, lines) -> list[str]:
    """300 rounds of ``lines(rng, fill)`` (``fill(k)``: k random common characters), each followed by
    40 clauses of filler: a large N, so that rare names cohere."""
    rng = random.Random(seed)
    filler = COMMON_HAN[:80]

    def fill(k: int) -> str:
        return "".join(rng.choices(filler, k=k))

    texts = []
    for _ in range(300):
        texts.extend(lines(rng, fill))
        texts.extend(fill(12) + "。" for _ in range(40))
    return texts


def test_fragments_and_numbers_stay_out_of_the_list():
    # 尼亚胡 always follows 内塔: a piece; 枚金牌 follows numbers (one neighbour): a piece too
    texts = _amid_filler(4, lambda rng, fill: [fill(3) + "内塔尼亚胡" + fill(2) + "。",
                                               fill(2) + f"{rng.randint(1, 30)}枚金牌" + fill(2) + "。"])
    lexicon = cikuang.discover(texts, min_count=5)
    listed = set(lexicon.word_list().words)
    assert "内塔尼亚胡" in listed
    assert not listed & {"内塔", "亚胡", "尼亚胡", "塔尼亚胡", "枚金牌", "金牌"} - {"金牌"}
    for w in ("内塔", "枚金牌"):
        entry = lexicon.get(w)
        assert entry is None or entry.status != "word", (w, entry)


def test_new_only_drops_pieces_of_base_words():
    texts = _amid_filler(5, lambda rng, fill: [fill(3) + "澳大利亚" + fill(3) + "。", fill(3) + "卡雷兹" + fill(3) + "。"])
    everything = cikuang.discover(texts, min_count=5)
    new = cikuang.discover(texts, min_count=5, new_only=True, base_dict={"澳大利亚"})
    assert "澳大利亚" in everything.word_list().words and "澳大利亚" not in new
    assert "卡雷兹" in new.word_list().words
    assert all(e.status == PIECE for e in new if e.word in "澳大利亚" and len(e.word) >= 2)


def test_other_script_spellings_of_base_words():
    from cikuang.basedict import other_script_spellings

    base = {"谢谢", "服务员", "問題"}
    words = ["謝謝", "問題", "服務員", "问题", "谢谢", "孫乾", "卡雷兹", "USB接口"]
    # 問題 and 谢谢 are base words themselves (not marked); 问题's Traditional form is one (a base
    # dictionary in Traditional); 孫乾 -> 孙乾 is no base word
    assert other_script_spellings(words, base).tolist() == [True, False, True, True, False, False, False, False]
    assert other_script_spellings([], base).tolist() == []


def test_new_only_marks_traditional_spellings_of_base_words_as_variants():
    texts = _amid_filler(5, lambda rng, fill: [fill(3) + "謝謝" + fill(3) + "。", fill(3) + "卡雷兹" + fill(3) + "。"])
    everything = cikuang.discover(texts, min_count=5)
    new = cikuang.discover(texts, min_count=5, new_only=True, base_dict={"谢谢"})
    assert "謝謝" in everything.word_list().words
    assert new.get("謝謝").status == "variant" and "謝謝" not in new.word_list().words
    assert "卡雷兹" in new.word_list().words
    assert "謝謝" in new.words  # still in the lexicon the segmenter uses


def test_compounds_are_listed_not_segmented(monkeypatch):
    # 鼠标 and 指针 are words of their own, three times as often apart as together (so the chain
    # 鼠标指针 is no bound word); together they stand far more often than chance (a compound, at
    # the token-level PMI of this small corpus)
    from cikuang import refine as refine_module

    monkeypatch.setattr(refine_module, "COMPOUND_PMI", 4.0)
    rng = random.Random(6)
    filler = COMMON_HAN[:80]
    texts = []
    for _ in range(100):
        texts.append("".join(rng.choices(filler, k=3)) + "鼠标指针" + "".join(rng.choices(filler, k=3)) + "。")
        for w in ("鼠标", "指针") * 3:
            texts.append("".join(rng.choices(filler, k=3)) + w + "".join(rng.choices(filler, k=3)) + "。")
        texts.extend("".join(rng.choices(filler, k=12)) + "。" for _ in range(150))
    plain = cikuang.discover(texts, min_count=5)
    found = cikuang.discover(texts, min_count=5, compounds=True)
    assert "鼠标指针" not in plain.word_list()
    entry = found.get("鼠标指针")
    assert entry is not None and entry.count == 0 and entry.occurrences == 100 and entry.status == "word"
    assert cikuang.Segmenter(found).lcut("鼠标指针") == ["鼠标", "指针"]  # the segmenter does not use it
    assert found.words[: found.n_words] != plain.words[: plain.n_words]


def test_the_preset_lists_every_entry_by_count():
    texts = _mixed(8, 3000)
    lexicon = cikuang.discover(texts, preset="kexue2019", min_count=5)
    assert len(lexicon) and lexicon.n_words == len(lexicon) and lexicon.sort == "count"
    assert list(lexicon.counts) == sorted(lexicon.counts, reverse=True)


def test_the_presets_statistics_are_the_oracles_and_its_score_their_sum():
    """The preset applies no list rule, and measures the same statistics; its score is uncapped
    (it has no cohesion threshold to count up to): cohesion plus the smaller entropy."""
    texts = _mixed(5, 3000)
    lexicon = cikuang.discover(texts, preset="kexue2019", min_count=5)
    assert lexicon.n_words == len(lexicon)  # (every entry is a word, single characters too)
    for e in list(lexicon)[:: max(1, len(lexicon) // 60)]:
        occ, left, right = _oracle(texts, e.word)
        assert e.occurrences == occ, e.word
        if len(e.word) > 1:
            assert e.left_entropy == pytest.approx(_entropy(*left), abs=1e-9), e.word
            assert e.right_entropy == pytest.approx(_entropy(*right), abs=1e-9), e.word
    longer = [e for e in lexicon if len(e.word) > 1 and not math.isnan(e.cohesion)]
    assert longer
    for e in longer:
        assert math.isfinite(e.score)
        assert e.score == pytest.approx(e.cohesion + min(e.left_entropy, e.right_entropy)), e.word
