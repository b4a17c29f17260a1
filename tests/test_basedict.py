"""Mined words on top of a base dictionary (issue 12): the scale rule, the merged segmenter, the
exports (jieba on the base's scale, hanlp, pkuseg) and the jieba-shaped Segmenter API."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cikuang import Lexicon, Segmenter
from cikuang.basedict import CORPUS_WEIGHT, corpus_tokens, load_base_lexicon, merged, on_base_scale
from cikuang.cli import run
from cikuang.errors import CikuangError

FIXTURES = Path(__file__).parent / "fixtures"
STORY = FIXTURES / "story.txt"

BASE = {w: 1000 * c for w, c in {"司马": 50, "懿": 5, "引兵": 40, "来": 300, "追": 60, "的": 900, "新": 80,
                                 "词": 70, "发现": 100, "司": 10, "马": 30, "引": 20, "兵": 30}.items()}


def _mined() -> Lexicon:
    # a name the base cuts in two, a number, a fragment and a character, with their statuses
    return Lexicon(["司马懿", "发现", "１９９８年", "马懿", "的"], [30, 10, 12, 9, 200],
                   status=["word", "word", "number", "fragment", "char"])


def test_the_scale_rule():
    base = load_base_lexicon(BASE)
    mined = _mined()
    scaled = on_base_scale(mined, base)
    tokens, total = corpus_tokens(mined), sum(BASE.values())
    for e in mined:
        assert scaled.get(e.word).count == max(1, round(CORPUS_WEIGHT * e.count / tokens * total))
        assert scaled.get(e.word).status == e.status  # the statistics travel with the entry
    assert [e.word for e in scaled.word_list()] == [e.word for e in mined.word_list()]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=30), st.integers(1, 10**9),
       st.floats(0.1, 100, allow_nan=False))
def test_scaled_counts_follow_the_formula(counts, base_total, weight):
    words = [f"词{i}" for i in range(len(counts))]
    mined = Lexicon(words, counts)
    base = Lexicon(["基"], [base_total])
    scaled = on_base_scale(mined, base, weight=weight)
    for w, c in zip(words, counts):
        expected = max(1, int(np.rint(weight * c / sum(counts) * base_total)))
        assert scaled.get(w).count == expected
    # more in the corpus is never fewer on the base's scale
    order = np.argsort(counts, kind="stable")
    got = [scaled.get(words[i]).count for i in order]
    assert got == sorted(got)


def test_merged_holds_the_base_and_the_mined_words_and_numbers():
    base = load_base_lexicon(BASE)
    mined = _mined()
    model = merged(mined, base)
    scaled = on_base_scale(mined, base)
    assert set(model) == set(BASE) | {"司马懿", "１９９８年"}  # no fragment, no mined character
    assert model["发现"] == scaled.get("发现").count != BASE["发现"]  # in both: the mined value
    assert model["的"] == BASE["的"] and model["司马"] == BASE["司马"]  # base entries the corpus did not judge
    assert model["司马懿"] == scaled.get("司马懿").count


def test_segmenter_on_top_of_a_base():
    mined = _mined()
    alone = Segmenter(BASE)
    assert alone.lcut("司马懿引兵来追") == ["司马", "懿", "引兵", "来", "追"]
    both = Segmenter(mined, base=BASE)
    assert both.lcut("司马懿引兵来追") == ["司马懿", "引兵", "来", "追"]  # the mined name, the base's words
    assert both.lcut("１９９８年的新词") == ["１９９８年", "的", "新", "词"]
    assert "引兵" not in Segmenter(mined)  # the mined lexicon alone lacks what the base adds
    # the weight decides how much the corpus's probabilities count
    weak = Segmenter(mined, base=BASE, corpus_weight=1e-6)
    assert weak.lcut("司马懿引兵") == ["司马", "懿", "引兵"]


def test_base_errors():
    with pytest.raises(CikuangError, match="base dictionary"):
        Segmenter(_mined(), base={"a", "b"})  # a set has no counts
    with pytest.raises(CikuangError, match="weight"):
        Segmenter(_mined(), base=BASE, corpus_weight=0)


def test_cut_lcut_tokenize():
    seg = Segmenter({"新词": 50, "发现": 40, "新": 10, "词": 10, "的": 80})
    text = "新词 的发现，\nＡＢＣ新词"
    assert not isinstance(seg.cut(text), list) and list(seg.cut(text)) == seg.lcut(text)
    tokens = list(seg.tokenize(text))
    assert [w for w, _, _ in tokens] == seg.lcut(text)
    assert all(text[a:b] == w for w, a, b in tokens)
    assert [(a, b) for _, a, b in tokens] == [(0, 2), (3, 4), (4, 6), (6, 7), (8, 11), (11, 13)]


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="新词的发现 ，\nab1", max_size=40))
def test_tokenize_offsets_point_into_the_text(text):
    seg = Segmenter({"新词": 50, "发现": 40, "新": 10, "词": 10, "的": 80})
    tokens = list(seg.tokenize(text))
    assert all(text[a:b] == w for w, a, b in tokens)
    assert all(b1 <= a2 for (_, _, b1), (_, a2, _) in zip(tokens, tokens[1:]))
    assert "".join(w for w, _, _ in tokens) == "".join(text.split())


def test_add_word_and_del_word():
    seg = Segmenter({"新": 10, "词": 10, "发": 5, "现": 5, "的": 80})
    assert seg.lcut("新词的发现") == ["新", "词", "的", "发", "现"]
    seg.add_word("新词")  # by default the count that makes it win
    assert seg.lcut("新词的发现") == ["新词", "的", "发", "现"]
    seg.add_word("发现", 1000)
    assert seg.lcut("的发现") == ["的", "发现"] and seg.suggest_freq("发现") == 1000  # at least its count
    seg.del_word("新词")
    assert "新词" not in seg and seg.lcut("新词") == ["新", "词"]
    seg.del_word("不在")  # not there: nothing happens
    with pytest.raises(CikuangError):
        seg.add_word("新词", 0)
    with pytest.raises(CikuangError):
        seg.add_word("")


def test_suggest_freq_is_the_smallest_winning_count():
    seg = Segmenter({"新": 10, "词": 10, "的": 80})
    f = seg.suggest_freq("新词")
    assert f == int(10 * 10 / 100) + 1  # the pieces' probability, on the total before adding it
    assert Segmenter({"新": 10, "词": 10, "的": 80, "新词": f}).lcut("新词") == ["新词"]
    assert Segmenter({"新": 10, "词": 10, "的": 80, "新词": f // 4}).lcut("新词") == ["新", "词"]


# -- the command line and the exports ------------------------------------------------------------

def _weight(e) -> int:
    """The count a list format writes for an entry: a list-only entry (count 0) has its occurrences."""
    return e.count if e.count > 0 else max(e.occurrences, 1)


def _jieba_total() -> int:
    """The total of jieba's dictionary as jieba computes it: every line's count."""
    from cikuang.lexicon import jieba_dictionary_path

    with open(jieba_dictionary_path(), encoding="utf-8") as f:
        return sum(int(line.split()[1]) for line in f if line.strip())


@pytest.fixture(scope="module")
def mined_tsv(tmp_path_factory):
    pytest.importorskip("jieba")
    out = tmp_path_factory.mktemp("base") / "story.tsv"
    assert run(["discover", str(STORY), "-o", str(out), "-q"]) == 0
    return out


def test_discover_jieba_format_on_the_bases_scale(mined_tsv, tmp_path):
    jieba = pytest.importorskip("jieba")
    full = Lexicon.load(mined_tsv)
    user = tmp_path / "user.txt"
    assert run(["discover", str(STORY), "--base-dict", "jieba", "--format", "jieba", "-o", str(user), "-q"]) == 0
    base_total = _jieba_total()
    tokens = corpus_tokens(full)
    lines = [line.split(" ") for line in user.read_text(encoding="utf-8").splitlines()]
    assert sorted(w for w, _ in lines) == sorted(e.word for e in full.word_list())
    for w, c in lines:
        assert int(c) == max(1, round(CORPUS_WEIGHT * _weight(full.get(w)) / tokens * base_total))
    # jieba reads it and cuts the mined names whole
    tk = jieba.Tokenizer()
    tk.tmp_dir = str(tmp_path)
    tk.load_userdict(str(user))
    assert {w: tk.FREQ[w] for w, _ in lines} == {w: int(c) for w, c in lines}
    assert "司马懿" in tk.lcut("司马懿引兵来追", HMM=False)


def test_new_only_export_is_on_jiebas_scale_too(mined_tsv, tmp_path):
    pytest.importorskip("jieba")
    full = Lexicon.load(mined_tsv)
    out = tmp_path / "new.txt"
    assert run(["discover", str(STORY), "--new-only", "--format", "jieba", "-o", str(out), "-q"]) == 0
    base_total = _jieba_total()
    tokens = corpus_tokens(full)  # the whole lexicon's tokens, not those of what --new-only keeps
    for line in out.read_text(encoding="utf-8").splitlines():
        w, c = line.split(" ")
        assert int(c) == max(1, round(CORPUS_WEIGHT * _weight(full.get(w)) / tokens * base_total))


def test_hanlp_and_pkuseg_formats(mined_tsv, tmp_path):
    full = Lexicon.load(mined_tsv)
    words = sorted(e.word for e in full.word_list())
    hanlp, pkuseg = tmp_path / "h.txt", tmp_path / "p.txt"
    assert run(["discover", str(STORY), "--format", "hanlp", "-o", str(hanlp), "-q"]) == 0
    assert run(["discover", str(STORY), "--format", "pkuseg", "-o", str(pkuseg), "-q"]) == 0
    rows = sorted(line.split(" ") for line in hanlp.read_text(encoding="utf-8").splitlines())
    assert [r[0] for r in rows] == words and {r[1] for r in rows} == {"nz"}
    assert [int(r[2]) for r in rows] == [_weight(full.get(w)) for w in words]  # no base: the corpus's counts
    assert pkuseg.read_text(encoding="utf-8").splitlines() == [r[0] for r in (line.split(" ") for line in
                                                                   hanlp.read_text(encoding="utf-8").splitlines())]
    assert sorted(Lexicon.load(pkuseg).words) == words  # one word a line reads back as a lexicon


def test_segment_with_a_base_dict_on_the_command_line(mined_tsv, tmp_path):
    base = tmp_path / "base.txt"
    base.write_text("".join(f"{w} {c}\n" for w, c in {**BASE, "新词": 10**6}.items()), encoding="utf-8")
    assert "新词" not in Lexicon.load(mined_tsv)
    text = tmp_path / "in.txt"
    text.write_text("司马懿发现新词\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    assert run(["segment", "--lexicon", str(mined_tsv), "--base-dict", str(base), str(text), "-o", str(out),
                "-q"]) == 0
    expected = Segmenter(mined_tsv, base=str(base)).segment("司马懿发现新词\n")
    assert out.read_text(encoding="utf-8") == expected
    assert "新词" in expected.split() and "司马懿" in expected.split()  # the base's word, the mined name
    assert "新词" not in Segmenter(mined_tsv).lcut("司马懿发现新词")
    assert run(["segment", "--lexicon", str(mined_tsv), "--corpus-weight", "3", str(text), "-q"]) == 2
