"""Scoring a segmentation: hand-checked examples, properties against a brute-force oracle, the CLI."""
from __future__ import annotations

import io
import json
import sys
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cikuang
from cikuang.cli import run
from cikuang.errors import CikuangError
from cikuang.evaluation import evaluate, load_words, matches, score_pair


def approx(x):
    return pytest.approx(float(x), abs=1e-12)


# -- hand-checked examples --------------------------------------------------------------------

def test_one_line_by_hand():
    # gold spans: 结婚[0,2) 的[2,3) 和尚未[3,6) 结婚[6,8) 的[8,9)
    # pred spans: 结婚[0,2) 的[2,3) 和[3,4) 尚未[4,6) 结婚[6,8) 的[8,9)  -> 4 shared
    s = evaluate(["结婚  的  和尚未  结婚  的"], ["结婚  的  和  尚未  结婚  的"])
    assert (s.n_gold, s.n_pred, s.n_correct, s.n_lines) == (5, 6, 4, 1)
    assert s.precision == approx(Fraction(4, 6))
    assert s.recall == approx(Fraction(4, 5))
    assert s.f1 == approx(Fraction(8, 11))  # 2·(2/3)(4/5) / (2/3 + 4/5) = (16/15) / (22/15)
    assert s.oov_rate is None and s.oov_recall is None and s.iv_recall is None


def test_several_lines_and_an_empty_one():
    # line 1: gold [0,2)[2,3), pred [0,1)[1,3): nothing shared
    # line 3: gold [0,1)[1,3), pred [0,1)[1,2)[2,3): 'd' shared
    s = evaluate(["ab c", "", "d ef"], ["a bc", "", "d e f"])
    assert (s.n_gold, s.n_pred, s.n_correct, s.n_lines) == (4, 5, 1, 3)
    assert s.precision == approx(Fraction(1, 5))
    assert s.recall == approx(Fraction(1, 4))
    assert s.f1 == approx(Fraction(2, 9))  # 2·(1/20) / (9/20)


def test_a_right_end_is_not_enough():
    # 'c' ends where gold's 'bc' ends but starts elsewhere: not correct
    assert matches(["a", "bc"], ["ab", "c"]) == [False, False]
    assert matches(["a", "bc", "d"], ["a", "b", "c", "d"]) == [True, False, True]


def test_oov_statistics_by_hand():
    words = {"来到", "北京"}
    # gold: 张三 (OOV, correct)  来到 (IV, wrong: split)  北京 (IV, correct)
    s = evaluate(["张三  来到  北京"], ["张三  来  到  北京"], train_words=words)
    assert (s.n_gold, s.n_pred, s.n_correct) == (3, 4, 2)
    assert s.oov_rate == approx(Fraction(1, 3))
    assert (s.n_oov, s.n_oov_correct, s.n_iv_correct) == (1, 1, 1)
    assert s.oov_recall == approx(1)
    assert s.iv_recall == approx(Fraction(1, 2))


def test_oov_statistics_count_tokens_not_types():
    words = {"的", "结婚"}
    s = evaluate(["结婚  的  和尚未  结婚  的"], ["结婚  的  和  尚未  结婚  的"], train_words=words)
    assert s.oov_rate == approx(Fraction(1, 5))
    assert s.oov_recall == approx(0)
    assert s.iv_recall == approx(1)


def test_no_oov_token_gives_no_oov_recall():
    s = evaluate(["a b"], ["a b"], train_words={"a", "b"})
    assert s.oov_rate == 0 and s.oov_recall is None and s.iv_recall == 1


def test_token_lists_and_paths(tmp_path):
    gold, pred = tmp_path / "gold.txt", tmp_path / "pred.txt"
    gold.write_text("结婚  的  和尚未  结婚  的\n\n", encoding="utf-8")
    pred.write_text("结婚 的\t和  尚未   结婚 的\r\n\n", encoding="utf-8")  # any whitespace separates
    by_path = evaluate(gold, str(pred))
    by_lists = evaluate([["结婚", "的", "和尚未", "结婚", "的"], []], [["结婚", "的", "和", "尚未", "结婚", "的"], []])
    assert by_path == by_lists
    assert by_path == evaluate(iter(["结婚  的  和尚未  结婚  的", ""]), ["结婚  的  和  尚未  结婚  的", ""])
    assert score_pair(["结婚", "的", "和尚未", "结婚", "的"], ["结婚", "的", "和", "尚未", "结婚", "的"]).n_correct == 4


def test_exported():
    assert cikuang.evaluate is evaluate
    assert cikuang.Scores(1.0, 1.0, 1.0, 0, 0, 0).f1 == 1.0


def test_empty_input_is_perfect():
    s = evaluate([], [])
    assert (s.precision, s.recall, s.f1, s.n_gold, s.n_lines) == (1.0, 1.0, 1.0, 0, 0)


def test_word_list_formats(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("北京\n\n来到\n", encoding="utf-8")
    jieba = tmp_path / "jieba.txt"
    jieba.write_text("北京 34488 ns\n来到 1000\n", encoding="utf-8")
    tsv = tmp_path / "words.tsv"
    tsv.write_text("word\tcount\tcohesion\tleft_entropy\tright_entropy\tscore\n北京\t5\t3.1\t1\t1\t4\n"
                   "来到\t4\t2.0\t1\t1\t3\n", encoding="utf-8")
    for path in (plain, jieba, tsv):
        assert load_words(path) == {"北京", "来到"}
        s = evaluate(["张三  来到  北京"], ["张三  来  到  北京"], train_words=path)
        assert (s.n_oov, s.n_oov_correct, s.n_iv_correct) == (1, 1, 1)


def test_mismatched_characters_name_the_line():
    with pytest.raises(CikuangError, match=r"^line 2: .*differ.*'yz'.*'zy'"):
        evaluate(["a b", "x yz"], ["ab", "xz y"])


@pytest.mark.parametrize("gold, pred, message", [
    (["a", "b"], ["a"], "gold has 2 lines but prediction has 1 line"),
    (["a"], ["a", "b", "c"], "gold has 1 line but prediction has 3 lines"),
    (["a", ""], ["a"], "gold has 2 lines but prediction has 1 line"),
])
def test_different_numbers_of_lines(gold, pred, message):
    with pytest.raises(CikuangError) as e:
        evaluate(gold, pred)
    assert str(e.value) == message


def test_missing_file_is_named(tmp_path):
    gold = tmp_path / "gold.txt"
    gold.write_text("a\n", encoding="utf-8")
    with pytest.raises(CikuangError, match="nope.txt"):
        evaluate(gold, tmp_path / "nope.txt")
    with pytest.raises(CikuangError, match="words.txt"):
        evaluate(gold, gold, train_words=tmp_path / "words.txt")


# -- properties --------------------------------------------------------------------------------

texts = st.text(alphabet="的一是不了人我在有他", min_size=0, max_size=30)


@st.composite
def segmentation(draw, text):
    """``text`` cut at a random set of positions."""
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=len(text))))
    cuts = [c for c in cuts if 0 < c < len(text)]
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


@st.composite
def two_segmentations(draw):
    lines = draw(st.lists(texts, min_size=0, max_size=4))
    gold = [draw(segmentation(t)) for t in lines]
    pred = [draw(segmentation(t)) for t in lines]
    return gold, pred


def spans(tokens):
    out, pos = set(), 0
    for t in tokens:
        out.add((pos, pos + len(t)))
        pos += len(t)
    return out


@settings(max_examples=200, deadline=None)
@given(two_segmentations())
def test_count_equals_set_of_spans_oracle(pair):
    gold, pred = pair
    s = evaluate(gold, pred)
    assert s.n_correct == sum(len(spans(g) & spans(p)) for g, p in zip(gold, pred))
    assert s.n_gold == sum(map(len, gold)) and s.n_pred == sum(map(len, pred))
    for g, p in zip(gold, pred):
        ok = matches(g, p)
        assert sum(ok) == len(spans(g) & spans(p))
        assert {sp for sp, good in zip(sorted(spans(g)), ok) if good} == spans(g) & spans(p)


@settings(max_examples=100, deadline=None)
@given(two_segmentations())
def test_perfect_prediction_scores_one(pair):
    gold, _ = pair
    s = evaluate(gold, [" ".join(g) for g in gold], train_words={"的"})
    assert s.precision == s.recall == s.f1 == 1.0
    assert s.oov_recall in (1.0, None) and s.iv_recall in (1.0, None)


@settings(max_examples=100, deadline=None)
@given(two_segmentations())
def test_every_character_a_word(pair):
    gold, _ = pair
    chars = [list("".join(g)) for g in gold]
    s = evaluate(gold, chars)
    singles = sum(len(t) == 1 for g in gold for t in g)
    n_gold = sum(map(len, gold))
    if n_gold:
        assert s.recall == approx(Fraction(singles, n_gold))
        assert s.precision == approx(Fraction(singles, sum(map(len, chars))))


@settings(max_examples=100, deadline=None)
@given(two_segmentations())
def test_swapping_gold_and_prediction_swaps_p_and_r(pair):
    gold, pred = pair
    a, b = evaluate(gold, pred), evaluate(pred, gold)
    assert a.precision == b.recall and a.recall == b.precision
    assert a.f1 == pytest.approx(b.f1)
    assert a.n_correct == b.n_correct


@settings(max_examples=100, deadline=None)
@given(two_segmentations(), st.sets(st.text(alphabet="的一是不了", min_size=1, max_size=3), max_size=8))
def test_oov_and_iv_partition_the_gold_tokens(pair, words):
    gold, pred = pair
    s = evaluate(gold, pred, train_words=words)
    tokens = [t for g in gold for t in g]
    assert s.n_oov == sum(t not in words for t in tokens)
    assert s.n_oov_correct + s.n_iv_correct == s.n_correct
    if s.n_oov:
        assert s.oov_recall == s.n_oov_correct / s.n_oov


# -- command line ------------------------------------------------------------------------------

def cli(capsys, *argv):
    try:
        code = run([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path):
    gold, pred, words = tmp_path / "gold.txt", tmp_path / "pred.txt", tmp_path / "words.txt"
    gold.write_text("结婚  的  和尚未  结婚  的\n\nab  c\n", encoding="utf-8")
    pred.write_text("结婚  的  和  尚未  结婚  的\n\na  b  c\n", encoding="utf-8")
    words.write_text("的 100\n结婚 5\nc 1\n", encoding="utf-8")
    return gold, pred, words


def test_cli_table(capsys, files):
    gold, pred, words = files
    code, out, err = cli(capsys, "evaluate", "--gold", gold, pred)
    assert code == 0 and err == ""
    # gold 7 words, pred 9, correct 5 (4 on line 1, 'c' on line 3)
    assert "precision   0.5556  5 / 9 predicted words" in out
    assert "recall      0.7143  5 / 7 gold words" in out
    assert "F1          0.6250  3 lines" in out
    assert "OOV" not in out
    code, out, _ = cli(capsys, "evaluate", "--gold", gold, "--train-words", words, pred)
    assert code == 0
    # OOV tokens: 和尚未 (wrong), ab (wrong)
    assert "OOV rate    0.2857  2 / 7 gold words" in out
    assert "OOV recall  0.0000  0 / 2" in out
    assert "IV recall   1.0000  5 / 5" in out


def test_cli_json(capsys, files):
    gold, pred, words = files
    code, out, err = cli(capsys, "evaluate", "--gold", gold, "--train-words", words, pred, "--json")
    assert code == 0 and err == ""
    assert len(out.splitlines()) == 1
    obj = json.loads(out)
    assert (obj["n_gold"], obj["n_pred"], obj["n_correct"], obj["n_oov"]) == (7, 9, 5, 2)
    assert obj["f1"] == pytest.approx(0.625)
    assert obj["gold"] == str(gold) and obj["pred"] == str(pred)
    code, out, _ = cli(capsys, "evaluate", "--gold", gold, pred, "--json")
    assert json.loads(out)["oov_rate"] is None


def test_cli_stdin(capsys, files, monkeypatch):
    gold, pred, _ = files
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(pred.read_bytes())))
    code, out, _ = cli(capsys, "evaluate", "--gold", gold, "-", "--json")
    assert code == 0 and json.loads(out)["n_correct"] == 5


def assert_one_line_error(code, out, err, *needles):
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err


def test_cli_mismatched_line(capsys, files):
    gold, pred, _ = files
    pred.write_text("结婚  的  和  尚未  结婚  的\n\na  b  d\n", encoding="utf-8")
    assert_one_line_error(*cli(capsys, "evaluate", "--gold", gold, pred), "line 3", "differ")


def test_cli_different_line_counts(capsys, files):
    gold, pred, _ = files
    pred.write_text("结婚  的  和  尚未  结婚  的\n", encoding="utf-8")
    assert_one_line_error(*cli(capsys, "evaluate", "--gold", gold, pred), "3 lines", "1 line")


def test_cli_missing_files(capsys, files, tmp_path):
    gold, pred, _ = files
    assert_one_line_error(*cli(capsys, "evaluate", "--gold", tmp_path / "no-gold.txt", pred), "no-gold.txt")
    assert_one_line_error(*cli(capsys, "evaluate", "--gold", gold, tmp_path / "no-pred.txt"), "no-pred.txt")
    assert_one_line_error(*cli(capsys, "evaluate", "--gold", gold, "--train-words", tmp_path / "no-words.txt",
                               pred), "no-words.txt")


def test_cli_needs_gold(capsys, files):
    _, pred, _ = files
    code, out, err = cli(capsys, "evaluate", pred)
    assert code == 2 and "--gold" in err


def test_cli_help_mentions_the_convention(capsys):
    code, out, _ = cli(capsys, "evaluate", "--help")
    assert code == 0 and "precision" in out.lower() and "--train-words" in out
