"""The refine stage: token counts, merges and splits, against a plain-Python oracle built on cut()."""
from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import cikuang
from cikuang.lexicon import Lexicon
from cikuang.refine import MERGE_PMI, SPLIT_PMI, TokenCounts, refine_lexicon
from cikuang.segmenter import Segmenter
from cikuang.textmodel import UnitVocab, encode_units

from helpers import COMMON_HAN, make_corpus, make_language

PUNCT = "，。"
ALPHABET = COMMON_HAN[:12]


def stream_codes(text: str) -> np.ndarray:
    """The text model's unit codes of a Han-only text (clause ends are 0)."""
    return encode_units(text, UnitVocab())


def oracle_token_counts(seg: Segmenter, text: str):
    """(N, single, pair, word) counts from cut(): tokens between punctuation marks and line ends."""
    single, pair, two = Counter(), Counter(), Counter()
    n = 0
    for line in text.split("\n"):
        prev = None
        for tok in seg.lcut(line):
            if tok in PUNCT:
                prev = None
                continue
            n += 1
            if len(tok) == 1:
                single[tok] += 1
                if prev is not None:
                    pair[prev + tok] += 1
            elif len(tok) == 2:
                two[tok] += 1
            prev = tok if len(tok) == 1 else None
    return n, single, pair, two


def as_counters(counts: TokenCounts, seg: Segmenter, lexicon: Lexicon):
    single = Counter({chr(k): c for k, c in zip(counts.single_keys.tolist(), counts.single_counts.tolist())})
    pair = Counter({chr(k >> 32) + chr(k & 0xFFFFFFFF): c
                    for k, c in zip(counts.pair_keys.tolist(), counts.pair_counts.tolist())})
    by_node = dict(zip(counts.node_keys.tolist(), counts.node_counts.tolist()))
    two = Counter({w: by_node[int(seg.word_node_[i])] for i, w in enumerate(lexicon.words)
                   if len(w) == 2 and int(seg.word_node_[i]) in by_node})
    return counts.n_tokens, single, pair, two


def oracle_refine(lexicon: Lexicon, seg: Segmenter, text: str, min_count: int) -> dict[str, int]:
    """The module doc's rules, word by word."""
    n, single, pair, two = oracle_token_counts(seg, text)
    words = {e.word: e.count for e in lexicon if e.count > 0}
    split = set()
    for w, c in two.items():
        if single[w[0]] and single[w[1]] and math.log(n * c / (single[w[0]] * single[w[1]])) < SPLIT_PMI:
            split.add(w)
    out = {w: c for w, c in words.items() if w not in split}
    gains = Counter()
    for w in split:
        gains[w[0]] += words[w]
        gains[w[1]] += words[w]
    for p, c in pair.items():
        if c >= min_count and math.log(n * c / (single[p[0]] * single[p[1]])) >= MERGE_PMI:
            gains[p] += c
    for w, c in gains.items():
        if w not in split:
            out[w] = out.get(w, 0) + c
    return out


texts = st.lists(st.text(alphabet=ALPHABET + PUNCT, min_size=1, max_size=40), min_size=1, max_size=30)
lexicons = st.dictionaries(st.text(alphabet=ALPHABET, min_size=1, max_size=3), st.integers(1, 50),
                           min_size=1, max_size=25)


@settings(max_examples=150, deadline=None)
@given(lexicons, texts)
def test_token_counts_equal_the_oracle(lex, lines):
    lexicon = Lexicon(list(lex), list(lex.values()))
    seg = Segmenter(lexicon)
    text = "\n".join(lines) + "\n"
    got = as_counters(TokenCounts.of_block(seg, stream_codes(text)), seg, lexicon)
    assert got == oracle_token_counts(seg, text)


@settings(max_examples=100, deadline=None)
@given(lexicons, texts, st.integers(0, 30))
def test_token_counts_add_over_blocks(lex, lines, cut):
    seg = Segmenter(Lexicon(list(lex), list(lex.values())))
    cut = min(cut, len(lines))
    whole = TokenCounts.of_block(seg, stream_codes("\n".join(lines) + "\n"))
    parts = [TokenCounts.of_block(seg, stream_codes("\n".join(part) + "\n")) for part in (lines[:cut], lines[cut:])]
    total = TokenCounts.total(parts)
    assert total.n_tokens == whole.n_tokens
    for name in ("single", "pair", "node"):
        assert getattr(total, f"{name}_keys").tolist() == getattr(whole, f"{name}_keys").tolist()
        assert getattr(total, f"{name}_counts").tolist() == getattr(whole, f"{name}_counts").tolist()


@settings(max_examples=150, deadline=None)
@given(lexicons, texts, st.integers(1, 4))
def test_refined_lexicon_equals_the_oracle(lex, lines, min_count):
    lexicon = Lexicon(list(lex), list(lex.values()))
    seg = Segmenter(lexicon)
    text = "\n".join(lines) + "\n"
    refined, added = refine_lexicon(lexicon, seg, TokenCounts.of_block(seg, stream_codes(text)), min_count)
    assert {e.word: e.count for e in refined if e.count > 0} == oracle_refine(lexicon, seg, text, min_count)
    assert set(added) <= {e.word for e in refined} and all(len(w) == 2 and w not in lex for w in added)


def _france_corpus(rng: random.Random) -> list[str]:
    """法 and 国 are frequent inside other words (法律, 方法, 中国, 国家), so 法国's cohesion is too
    low for discovery; as tokens, once those words are cut out, they pair up far above chance."""
    words = ["中国", "国家", "法律", "方法", "发展", "经济", "问题", "我们", "时候", "学生", "老师", "工作",
             "生活", "朋友", "城市", "电话"]
    fillers = ["的", "了", "在", "是", "和"]
    lines = []
    for _ in range(3000):
        parts = [rng.choice(words) for _ in range(rng.randint(2, 5))]
        parts.insert(rng.randint(0, len(parts)), rng.choice(fillers))
        if rng.random() < 0.15:
            parts.insert(rng.randint(0, len(parts)), "法国")
        lines.append("".join(parts) + "。")
    return lines


def test_refine_finds_a_word_of_frequent_characters():
    lines = _france_corpus(random.Random(3))
    plain = cikuang.discover(lines, min_count=5, refine=False)
    refined = cikuang.discover(lines, min_count=5)
    assert "法国" not in plain
    entry = refined.get("法国")
    assert entry is not None and entry.count >= 5
    # its statistics are filled as every entry's: its character-level cohesion (low: that is why
    # discovery missed it), its occurrences and neighbour entropies
    counts = cikuang.count(lines, order=2)
    c = counts.to_dict()
    assert math.isclose(entry.cohesion, math.log(counts.n_units * c["法国"] / (c["法"] * c["国"])), abs_tol=1e-9)
    assert entry.cohesion < MERGE_PMI and entry.occurrences == c["法国"]
    assert entry.left_entropy > 0 and entry.right_entropy > 0
    cut = Segmenter(refined).lcut("我们的法国问题。")
    assert "法国" in cut


def test_added_words_entropies_equal_the_oracle():
    # the neighbours of every occurrence of the string in the corpus (a clause edge is a new
    # neighbour each time), for a word the refine stage added as for any other
    lines = _france_corpus(random.Random(5))
    lexicon = cikuang.discover(lines, min_count=5)
    entry = lexicon.get("法国")
    left, right = Counter(), Counter()
    edges = [0, 0]
    for line in lines:
        for clause in line.split("。"):
            for i in range(len(clause) - 1):
                if clause.startswith("法国", i):
                    if i > 0:
                        left[clause[i - 1]] += 1
                    else:
                        edges[0] += 1
                    if i + 2 < len(clause):
                        right[clause[i + 2]] += 1
                    else:
                        edges[1] += 1

    def h(c, n_edges):
        total = sum(c.values()) + n_edges
        return -sum(v / total * math.log(v / total) for v in c.values()) + n_edges / total * math.log(total)

    assert edges[0] and edges[1]
    assert math.isclose(entry.left_entropy, h(left, edges[0]), abs_tol=1e-9)
    assert math.isclose(entry.right_entropy, h(right, edges[1]), abs_tol=1e-9)


def test_refine_splits_a_word_its_parts_explain():
    # 的是 is chosen as a token, but 的 and 是 are free everywhere: the word is redundant
    lexicon = Lexicon(["的是", "的", "是", "我们", "他们"], [200, 400, 300, 100, 100])
    rng = random.Random(1)
    lines = []
    for _ in range(500):
        lines.append("".join(rng.choice(["我们的", "是他们", "的是", "他们是", "我们"]) for _ in range(4)) + "。")
    text = "\n".join(lines) + "\n"
    seg = Segmenter(lexicon)
    refined, added = refine_lexicon(lexicon, seg, TokenCounts.of_block(seg, stream_codes(text)), 3)
    assert "的是" not in refined
    assert refined.get("的").count == 600 and refined.get("是").count == 500
    assert "我们" in refined and "他们" in refined  # their parts never stand alone


def test_refine_is_on_by_default_and_off_for_the_seed_preset():
    lines = make_corpus(random.Random(2), make_language(random.Random(2), n_words=30), 3000)
    assert cikuang.Discoverer().spec().refine and not cikuang.Discoverer(preset="kexue2019").spec().refine
    assert cikuang.Discoverer(preset="kexue2019", refine=True).spec().refine
    default = cikuang.discover(lines, min_count=5)
    on = cikuang.discover(lines, min_count=5, refine=True)
    off = cikuang.discover(lines, min_count=5, refine=False)
    assert list(default.lines()) == list(on.lines()) != list(off.lines())


def test_split_never_emits_a_lone_number_unless_asked():
    # 65人 is split (65 and 人 stand alone everywhere); its count goes to 65, which is a number
    from cikuang.refine import refine

    lexicon = Lexicon(["65人", "人", "我们"], [200, 400, 100])
    rng = random.Random(2)
    text = "\n".join("".join(rng.choice(["65人", "人我们", "65", "我们65", "人"]) for _ in range(4)) + "。"
                     for _ in range(500)) + "\n"

    vocab = UnitVocab()
    codes = encode_units(text, vocab)

    def map_blocks(fn, total, *args):  # the whole text as one block
        return total([fn(codes, vocab.latin, *args)])

    def run(keep_numbers):
        return refine(lexicon, 3, keep_numbers, map_blocks)

    assert "65人" not in run(False) and "65" not in run(False)
    assert run(True).get("65").count == 200 and "65人" not in run(True)


def _codes_in(seg: Segmenter, text: str) -> np.ndarray:
    vocab = UnitVocab()
    codes = encode_units(text, vocab)
    return seg.block_units(codes, vocab.latin)
