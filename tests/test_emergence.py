"""Emerging words: the signed log-likelihood ratio against a plain-Python oracle, and discover --against."""
from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cikuang
from cikuang.cli import run
from cikuang.emergence import MIN_JUDGED, base_counts, emergence_scores, log_likelihood
from helpers import COMMON_HAN, make_corpus, make_language


def g2_oracle(a: int, n1: int, b: int, n2: int) -> float:
    """Signed G² from the definition: 2 Σ O ln(O/E) over the 2x2 table, + when a/n1 >= b/n2."""
    table = [[a, n1 - a], [b, n2 - b]]
    rows, cols, total = [n1, n2], [a + b, n1 + n2 - a - b], n1 + n2
    g = 2 * sum(table[i][j] * math.log(table[i][j] / (rows[i] * cols[j] / total))
                for i in range(2) for j in range(2) if table[i][j])
    return g if a * n2 >= b * n1 else -g


@settings(max_examples=300, deadline=None)
@given(n1=st.integers(1, 10**7), n2=st.integers(1, 10**7), data=st.data())
def test_log_likelihood_equals_the_oracle(n1, n2, data):
    a = data.draw(st.integers(0, n1))
    b = data.draw(st.integers(0, n2))
    got = float(log_likelihood([a], n1, [b], n2)[0])
    assert got == pytest.approx(g2_oracle(a, n1, b, n2), rel=1e-9, abs=1e-7)


def test_scores_sign_floor_and_ratio():
    score, ratio, judged = emergence_scores([40, 2, 10, 100], 1000, [0, 1, 40, 100], 1000)
    assert score[0] > 0 and score[2] < 0 and abs(score[3]) < 1e-9
    assert not judged[1] and score[1] == 0 and MIN_JUDGED == 5
    assert ratio[0] == pytest.approx(40.5 / 0.5)


class _Base:
    order = 2
    n_units = 100

    def lookup(self, texts):
        known = {"天下": 3, "下大": 1, "大势": 0, "天": 5}
        return np.array([known.get(t, 0) for t in texts])


def test_base_counts_of_longer_words_are_bounds():
    counts, exact = base_counts(_Base(), ["天下", "天下大", "天下大势", "天"])
    assert counts.tolist() == [3, 1, 0, 5]
    assert exact.tolist() == [True, False, True, True]


def _corpora(tmp_path):
    rng = random.Random(7)
    words = make_language(rng, n_words=40, n_chars=60)
    old = make_corpus(rng, words, 1500)
    planted = ["".join(rng.sample(COMMON_HAN, 3)) for _ in range(3)]
    new = make_corpus(rng, words, 1500)
    for i, line in enumerate(new[:240]):
        new[i] = line + "，" + planted[i % 3] + "。"
    (tmp_path / "old.txt").write_text("\n".join(old) + "\n", encoding="utf-8")
    (tmp_path / "new.txt").write_text("\n".join(new) + "\n", encoding="utf-8")
    return planted


def test_discover_against_a_corpus_and_saved_counts(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    planted = _corpora(tmp_path)
    e = cikuang.discover(tmp_path / "new.txt", against=tmp_path / "old.txt", workers=1)
    assert set(e.words[:3]) == set(planted)
    first = e.get(e.words[0])
    assert first["base_count"] == 0 and first["trend"] == "new" and first["emergence"] > 30
    scores = e.column("emergence")
    assert (np.diff(scores) <= 0).all()
    assert run(["count", str(tmp_path / "old.txt"), "-q", "-o", str(tmp_path / "old.parquet")]) == 0
    saved = cikuang.discover(tmp_path / "new.txt", against=tmp_path / "old.parquet", workers=1)
    assert saved.to_pandas().equals(e.to_pandas())
    assert run(["discover", str(tmp_path / "new.txt"), "--against", str(tmp_path / "old.parquet"), "-q",
                "-o", str(tmp_path / "em.tsv")]) == 0
    lines = (tmp_path / "em.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["word", "count", "occurrences", "base_count", "base_exact", "rate_ratio",
                                    "emergence", "trend"]
    assert {line.split("\t")[0] for line in lines[1:4]} == set(planted)
    assert run(["discover", str(tmp_path / "new.txt"), "--against", str(tmp_path / "old.txt"), "--top", "5"]) == 0
    out = capsys.readouterr().out
    assert planted[0] in out and "emergence" in out


def _dated(tmp_path, bad=None):
    rng = random.Random(3)
    words = make_language(rng, n_words=40, n_chars=60)
    lines = make_corpus(rng, words, 3000)
    path = tmp_path / "posts.jsonl"
    import json

    with open(path, "w", encoding="utf-8") as f:
        for i, line in enumerate(lines):
            month = 1 + i * 3 // len(lines)
            text = line + ("，春风化雨。" if month == 3 and i % 4 == 0 else "")
            f.write(json.dumps({"text": text, "date": f"2024-{month:02d}-{1 + i % 28:02d}T08:00:00Z"},
                               ensure_ascii=False) + "\n")
            if bad is not None and i == 10:
                f.write(json.dumps({"text": "天下", "date": bad}, ensure_ascii=False) + "\n")
    return path


def test_trend_finds_the_word_of_the_last_period(tmp_path, capsys):
    from cikuang.trend import period_of, trend

    assert period_of("2024-05-01", "week") == "2024-W18"
    assert period_of("2024-05-01T23:30:00Z", "month") == "2024-05"
    assert period_of("2024-12-30", "week") == "2025-W01"
    df = trend(_dated(tmp_path), period="month", workers=1)
    last = df[df.period == "2024-03"]
    assert last.iloc[0].word == "春风化雨" and last.iloc[0].trend == "new"
    assert last.iloc[0]["n:2024-01"] == 0 and last.iloc[0]["n:2024-03"] == last.iloc[0].occurrences > 0
    out = tmp_path / "trend.tsv"
    assert run(["trend", str(tmp_path / "posts.jsonl"), "--period", "month", "-q", "-o", str(out)]) == 0
    header = out.read_text(encoding="utf-8").splitlines()[0].split("\t")
    assert header[:2] == ["period", "word"] and header[-3:] == ["n:2024-01", "n:2024-02", "n:2024-03"]


def test_trend_bad_date_names_the_line(tmp_path, capsys):
    path = _dated(tmp_path, bad="yesterday")
    assert run(["trend", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "posts.jsonl" in err and "line 12" in err and "--skip-bad" in err
    assert run(["trend", str(path), "--skip-bad", "-o", str(tmp_path / "t.tsv")]) == 0
    assert "skipped 1 record" in capsys.readouterr().err


class _DictBase:
    """A base of exact n-gram counts from a dict (what SavedCounts and TableCounts answer)."""

    def __init__(self, counts: dict, n_units: int, order: int = 4):
        self.counts, self.n_units, self.order = counts, n_units, order

    def lookup(self, texts):
        return np.array([self.counts.get(t, 0) for t in texts], dtype=np.int64)


def test_held_back_chains_join_the_rows_only_when_the_base_lacks_them():
    # the rows: the word list, plus the long candidates the chain rule held back (status weak,
    # count 0, cohesion at or above the list's min_cohesion) that BASE lacks; no other weak entry
    from cikuang.emergence import Emergence
    from cikuang.lexicon import Lexicon
    from cikuang.listrules import ListRules

    n = 1_000_000
    floor = ListRules().for_corpus(n).min_cohesion
    rows = [  # word, count, occurrences, cohesion, status
        ("天下", 50, 60, floor + 3, "word"),
        ("云井确份", 0, 40, floor + 0.5, "weak"),   # held back, BASE lacks it: a row
        ("分久必合", 0, 40, floor + 0.5, "weak"),   # held back, BASE has it: not a row
        ("合久必分", 0, 40, floor - 0.5, "weak"),   # below the list's cohesion: not a row
        ("大势所趋", 12, 40, floor + 2, "weak"),    # weak for another reason (has a count): not a row
        ("之", 900, 900, float("nan"), "char"),
    ]
    lex = Lexicon([r[0] for r in rows], [r[1] for r in rows], cohesion=[r[3] for r in rows],
                  occurrences=[r[2] for r in rows], status=[r[4] for r in rows])
    base = _DictBase({"天下": 5, "分久必合": 9, "大势所趋": 1}, n_units=n)
    got = Emergence(lex, base, n)
    assert sorted(got.words) == ["云井确份", "天下"]
    assert got.get("云井确份")["trend"] == "new" and got.get("云井确份")["base_count"] == 0
    assert got.get("天下")["base_count"] == 5
    assert Emergence(lex, _DictBase({}, n_units=n), n).words.count("分久必合") == 1  # absent from BASE: a row
