"""Lexicon: sorting, access, file formats, loading, atomic writing."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cikuang import CikuangError, Entry, Lexicon
from cikuang.lexicon import atomic_output

FIELDS = ["word", "count", "occurrences", "cohesion", "left_entropy", "right_entropy", "score", "status"]
FIELDS_0_1 = ["word", "count", "cohesion", "left_entropy", "right_entropy", "score"]


def _sample() -> Lexicon:
    words = ["天下", "曹操", "之", "iPhone7", "司马懿", "K线图"]
    counts = [5, 13, 40, 13, 9, 5]
    cohesion = [3.5, 4.25, np.nan, np.nan, 4.78, 6.1234567]
    left = [0.5, 1.0, 2.0, 0.0, 0.35, 1.5]
    right = [0.6, 2.0, 2.5, 1.0, 2.04, 0.25]
    score = [c + min(l, r) if not math.isnan(c) else min(l, r) for c, l, r in zip(cohesion, left, right)]
    return Lexicon(words, counts, cohesion, left, right, score)


def test_sorted_by_count_then_word():
    lex = _sample()
    assert lex.words == ["之", "iPhone7", "曹操", "司马懿", "K线图", "天下"]  # code point order breaks ties
    assert list(lex.counts) == [40, 13, 13, 9, 5, 5]
    assert len(lex) == 6


def _with_statuses(sort="score") -> Lexicon:
    lex = _sample()
    status = {"天下": "word", "曹操": "word", "之": "char", "iPhone7": "word", "司马懿": "fragment", "K线图": "word"}
    return Lexicon(lex.words, lex.counts, *lex.to_columns(), occurrences=[c + 1 for c in lex.counts],
                   status=[status[w] for w in lex.words], sort=sort)


def test_the_word_list_comes_first_by_its_sort_key():
    lex = _with_statuses()
    assert lex.words == ["K线图", "曹操", "天下", "iPhone7", "之", "司马懿"]  # words by score, then by count
    assert lex.n_words == 4 and lex.word_list().words == ["K线图", "曹操", "天下", "iPhone7"]
    assert lex.word_list(2).words == ["K线图", "曹操"]
    assert lex.sorted_by("count").words == ["iPhone7", "曹操", "K线图", "天下", "之", "司马懿"]
    with pytest.raises(CikuangError):
        Lexicon(["a"], [1], sort="length")


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(alphabet="天下大势分久必合abc1", min_size=1, max_size=4), st.integers(1, 50)))
def test_sorting_property(entries):
    lex = Lexicon(list(entries), list(entries.values()))
    assert [(e.word, e.count) for e in lex] == sorted(entries.items(), key=lambda kv: (-kv[1], kv[0]))


def test_access():
    lex = _sample()
    e = lex[2]
    assert isinstance(e, Entry) and e.word == "曹操" and e.count == 13
    assert e.cohesion == pytest.approx(4.25) and e.left_entropy == 1.0 and e.right_entropy == 2.0
    assert lex.get("司马懿").count == 9 and lex.get("孔明") is None
    assert "K线图" in lex and "孔明" not in lex
    assert [x.word for x in lex[:2]] == ["之", "iPhone7"]
    assert math.isnan(lex.get("之").cohesion)
    assert [x.word for x in lex.filter(lambda x: x.count >= 13)] == ["之", "iPhone7", "曹操"]


def test_to_pandas():
    pd = pytest.importorskip("pandas")
    lex = _sample()
    df = lex.to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == FIELDS
    assert df["word"].tolist() == lex.words
    assert df["count"].tolist() == list(lex.counts)
    assert df["cohesion"].isna().tolist() == [True, True, False, False, False, False]
    assert df.loc[df.word == "曹操", "score"].item() == pytest.approx(5.25)


def test_tsv_round_trip(tmp_path):
    lex = _sample()
    path = tmp_path / "words.tsv"
    lex.save(path)  # tsv is the default
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "\t".join(FIELDS)
    assert lines[1].split("\t")[:4] == ["之", "40", "", ""]  # unknown occurrences and NaN are empty fields
    back = Lexicon.load(path)
    assert back.words == lex.words and list(back.counts) == list(lex.counts)
    for a, b in zip(lex, back):
        assert a.occurrences == b.occurrences == -1 and a.status == b.status == "word"
        for x, y in zip(a[3:7], b[3:7]):
            assert (math.isnan(x) and math.isnan(y)) or y == pytest.approx(x, abs=1e-4)
    full = _with_statuses()
    full.save(path)
    back = Lexicon.load(path)
    assert [(e.word, e.count, e.occurrences, e.status) for e in back] == [
        (e.word, e.count, e.occurrences, e.status) for e in full.sorted_by("count")]


def test_cikuang_0_1_tsv_files_still_load(tmp_path):
    path = tmp_path / "old.tsv"
    path.write_text("\t".join(FIELDS_0_1) + "\n曹操\t13\t4.2\t1\t2\t5\n之\t40\t\t2\t2.5\t2\n", encoding="utf-8")
    lex = Lexicon.load(path)
    assert [(e.word, e.count, e.occurrences, e.status) for e in lex] == [("之", 40, -1, "word"), ("曹操", 13, -1, "word")]
    assert lex.get("曹操").cohesion == 4.2


def test_jieba_round_trip(tmp_path):
    lex = _sample()
    path = tmp_path / "userdict.txt"
    lex.save(path, format="jieba")
    assert path.read_text(encoding="utf-8").splitlines()[:2] == ["之 40", "iPhone7 13"]
    back = Lexicon.load(path)
    assert [(e.word, e.count) for e in back] == [(e.word, e.count) for e in lex]
    assert all(math.isnan(e.cohesion) for e in back)
    _with_statuses().save(path, format="jieba")  # the word list only
    assert path.read_text(encoding="utf-8").splitlines() == ["K线图 5", "曹操 13", "天下 5", "iPhone7 13"]
    _with_statuses().save(path, format="jieba", top=2)
    assert path.read_text(encoding="utf-8").splitlines() == ["K线图 5", "曹操 13"]


def test_jsonl(tmp_path):
    lex = _sample()
    path = tmp_path / "words.jsonl"
    lex.save(path, format="jsonl")
    objs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [list(o) for o in objs] == [FIELDS] * len(lex)
    assert objs[0]["word"] == "之" and objs[0]["cohesion"] is None
    assert objs[-1]["word"] == "天下"
    assert [o["word"] for o in objs] == lex.words
    assert objs[4]["cohesion"] == pytest.approx(6.1234567, abs=1e-6)
    back = Lexicon.load(path)
    assert back.words == lex.words and list(back.counts) == list(lex.counts)
    for a, b in zip(lex, back):
        for x, y in zip(a[3:7], b[3:7]):
            assert (math.isnan(x) and math.isnan(y)) or y == pytest.approx(x, abs=1e-6)


def test_load_jieba_dictionary_variants(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_bytes("\ufeff曹操 100 nr\r\n\r\n司马懿 5\r\n孔明\r\n".encode("utf-8"))
    lex = Lexicon.load(path)
    assert {e.word: e.count for e in lex} == {"曹操": 100, "司马懿": 5, "孔明": 1}


@pytest.mark.parametrize("content,line", [
    pytest.param("曹操 100\n司马懿 5\n孔明 many\n", 3, id="jieba-count-not-a-number"),
    pytest.param("曹操 100\n\n孔明 1.5\n", 3, id="jieba-count-not-an-integer"),
    pytest.param("\t".join(FIELDS_0_1) + "\n曹操\t13\t4.2\t1\t2\t5\n孔明\tx\t\t\t\t\n", 3, id="tsv-bad-count"),
    pytest.param("\t".join(FIELDS_0_1) + "\n曹操\t13\t4.2\t1\t2\t5\n司马懿\t9\t4.7\t0.3\t2.0\t4.9\n孔明\t3\tabc\t1\t1\t1\n",
                 4, id="tsv-bad-cohesion"),
    pytest.param("\t".join(FIELDS) + "\n曹操\t13\t4.2\n", 2, id="tsv-short-row"),
    pytest.param("\t".join(FIELDS) + "\n曹操\t13\t20\t4.2\t1\t2\t5\tword\n孔明\t3\tmany\t4\t1\t1\t5\tword\n", 3,
                 id="tsv-bad-occurrences"),
    pytest.param('{"word": "曹操", "count": 13}\n\n{"word": "孔明"}\n', 3, id="jsonl-no-count"),
    pytest.param('{"word": "曹操", "count": 13}\n{"word": "孔明", "count": 3, "cohesion": "x"}\n', 2,
                 id="jsonl-bad-cohesion"),
    pytest.param('{"word": "曹操", "count": 13}\n{"word": "孔明", \n', 2, id="jsonl-broken-json"),
    pytest.param("\t".join(FIELDS_0_1) + "\n曹操\t13\t4.2\t1\t2\t5\n孔明\t3\t4.2\n", 3, id="tsv-one-short-row"),
])
def test_load_error_names_file_and_line(tmp_path, content, line):
    path = tmp_path / "broken.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CikuangError) as info:
        Lexicon.load(path)
    message = str(info.value)
    assert str(path) in message
    assert f"line {line}" in message
    assert "\n" not in message


def test_load_missing_or_undecodable_file(tmp_path):
    with pytest.raises(CikuangError, match="nope.txt"):
        Lexicon.load(tmp_path / "nope.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe 1\n")
    with pytest.raises(CikuangError, match="bad.txt"):
        Lexicon.load(bad)


def test_atomic_output_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_output(path) as f:
            f.write("partial\n" * 1000)
            raise RuntimeError("boom")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    with atomic_output(path) as f:
        f.write("new\n")
    assert path.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_save_errors_leave_nothing_behind(tmp_path):
    lex = _sample()
    path = tmp_path / "out.txt"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(CikuangError):
        lex.save(path, format="xml")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    with pytest.raises(CikuangError):
        lex.save(tmp_path / "missing" / "out.txt")
