"""The Spark engine gives byte for byte the local engine's output (on a real local[2] Spark).

Skipped when pyspark (or Java) is missing, except the test of the error the user then gets.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

from cikuang import Discoverer, count
from cikuang.cli import run
from conftest import needs_spark
from helpers import make_corpus, make_language

FIXTURES = Path(__file__).parent / "fixtures"
STORY = FIXTURES / "story.txt"

# the session fixture `spark` and the `needs_spark` mark are in conftest.py


@pytest.fixture(scope="session")
def mixed_corpus(tmp_path_factory) -> Path:
    """Invented words, Latin runs and digits (full-width ones too), emoji, CRLF and a BOM, in lines
    long and short: about 120 kB."""
    rng = random.Random(7)
    words = make_language(rng, n_words=60, n_chars=50, max_len=6)
    words += ["iPhone7", "GPU", "2019年", "ＡＢＣ公司", "5G网络", "x86"]
    lines = make_corpus(rng, words, 3000, per_line=6)
    for i in range(0, len(lines), 7):
        lines[i] = lines[i].replace("。", "😀", 1) + " v2 " + str(rng.randint(0, 30))
    text = "\ufeff" + "\r\n".join(lines[:200]) + "\n" + "\n".join(lines[200:]) + "\n\n"
    path = tmp_path_factory.mktemp("spark") / "mixed.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _same_files(a: Discoverer, b: Discoverer, tmp_path: Path) -> None:
    for fmt in ("tsv", "jieba", "jsonl"):
        a.lexicon_.save(tmp_path / f"local.{fmt}", format=fmt)
        b.lexicon_.save(tmp_path / f"spark.{fmt}", format=fmt)
        assert (tmp_path / f"local.{fmt}").read_bytes() == (tmp_path / f"spark.{fmt}").read_bytes(), fmt
    for attr in ("n_units_", "min_count_", "min_pmi_", "n_kept_"):
        assert getattr(a, attr) == getattr(b, attr), attr


# Other settings (the preset, orders 2 to 6) run on both engines in test_discover_oracle.py.
SETTINGS = [
    {},
    {"order": 6, "min_pmi": "0,1,2,3,4,5", "keep_numbers": True},
]


@needs_spark
@pytest.mark.parametrize("settings", SETTINGS, ids=["default", "order6-numbers"])
def test_discover_is_identical(spark, mixed_corpus, tmp_path, settings):
    local = Discoverer(**settings).fit(mixed_corpus)
    remote = Discoverer(engine="spark", spark=spark, **settings).fit(str(mixed_corpus))
    assert len(local.lexicon_) > 50 and any(len(w) > local.order_ for w in local.lexicon_.words)
    _same_files(local, remote, tmp_path)


@needs_spark
def test_story_new_only_and_several_inputs(spark, mixed_corpus, tmp_path):
    base = tmp_path / "base.txt"
    base.write_text("诸葛亮 10\n玄德 5\n", encoding="utf-8")
    settings = {"new_only": True, "base_dict": str(base), "min_count": 2}
    local = Discoverer(**settings).fit([STORY, mixed_corpus])
    remote = Discoverer(engine="spark", spark=spark, **settings).fit([STORY, mixed_corpus])
    assert "诸葛亮" not in local.lexicon_.words and "孔明" in local.lexicon_.words
    _same_files(local, remote, tmp_path)


@needs_spark
def test_cli_discover_and_count(spark, mixed_corpus, tmp_path, capsys):
    for args, name in ((["discover", "--format", "jieba"], "words.txt"), (["count", "--order", "3"], "ngrams.tsv")):
        assert run(args + [str(mixed_corpus), "-q", "-o", str(tmp_path / f"local-{name}")]) == 0
        assert run(args + [str(mixed_corpus), "-q", "--engine", "spark", "--spark-master", "local[2]",
                           "-o", str(tmp_path / f"spark-{name}")]) == 0
        local = (tmp_path / f"local-{name}").read_bytes()
        assert len(local.splitlines()) > (5 if name == "words.txt" else 50)  # the word list; the n-grams
        assert local == (tmp_path / f"spark-{name}").read_bytes(), name
    assert not spark.sparkContext._jsc.sc().isStopped()  # the CLI stops only sessions it started


@needs_spark
def test_dataframe_texts_and_jsonl(spark, mixed_corpus, tmp_path):
    lines = mixed_corpus.read_text(encoding="utf-8").splitlines()
    local = Discoverer(min_count=3).fit(lines)
    frame = spark.createDataFrame([(i, t) for i, t in enumerate(lines)], ["id", "text"])
    _same_files(local, Discoverer(min_count=3).fit(frame), tmp_path)  # a DataFrame means Spark
    # (texts on Spark: the tests of test_discover_oracle.py that take the engine fixture)
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text("".join(json.dumps({"id": i, "body": t}, ensure_ascii=False) + "\n" for i, t in enumerate(lines)),
                     encoding="utf-8")
    remote = Discoverer(min_count=3, engine="spark", jsonl_field="body").fit(str(jsonl))
    _same_files(Discoverer(min_count=3, jsonl_field="body").fit(str(jsonl)), remote, tmp_path)


@needs_spark
def test_count_api(spark):
    texts = ["天下大势，分久必合", "iPhone7 天下"]
    table = count(texts, order=2, engine="spark")
    local = count(texts, order=2)
    assert table.to_dict() == local.to_dict() and len(table) == len(local) == 15
    assert table.n_units == local.n_units == 11
    with table:
        assert table._rows.is_cached
    assert not table._rows.is_cached


@needs_spark
def test_count_in_wide_keys(spark, tmp_path):
    # 300 distinct units at order 8 need two-word keys (9 bits a unit): the same file as locally
    from helpers import COMMON_HAN
    many = COMMON_HAN + "".join(chr(0x4E00 + 3000 + i) for i in range(300 - len(COMMON_HAN)))
    rng = random.Random(3)
    texts = ["".join(rng.choices(many, k=150)) + "。" for _ in range(12)] + [many, "iPhone7 天下"]
    count(texts, order=8, engine="spark").save(tmp_path / "spark.tsv")
    count(texts, order=8).save(tmp_path / "local.tsv")
    assert (tmp_path / "spark.tsv").read_bytes() == (tmp_path / "local.tsv").read_bytes()


@needs_spark
def test_spark_errors_are_one_line(spark, capsys):
    assert run(["discover", "--engine", "spark", "nosuchfs://host/corpus.txt"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cikuang: error: nosuchfs://host/corpus.txt: Spark failed:")


@needs_spark
def test_undecodable_bytes_stop_the_run_unless_replaced(spark, tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("天下大势，分久必合\n".encode("utf-8") * 50 + b"\xff\xfe\n")
    assert run(["discover", "--engine", "spark", str(bad), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"cikuang: error: {bad}: Spark failed:") and "--errors replace" in err
    out = tmp_path / "words.tsv"
    assert run(["discover", "--engine", "spark", str(bad), "-q", "--errors", "replace", "-o", str(out)]) == 0
    local = tmp_path / "local.tsv"
    assert run(["discover", str(bad), "-q", "--errors", "replace", "-o", str(local)]) == 0
    assert out.read_bytes() == local.read_bytes()


def test_entropies_do_not_depend_on_the_order_of_the_pairs():
    # what lets engines (and thread counts) that find the pairs in other orders agree to the bit
    import numpy as np

    from cikuang.scoring import entropies

    rng = np.random.default_rng(5)
    word = rng.integers(0, 40, 5000)
    side = rng.integers(0, 2, 5000)
    counts = rng.zipf(1.3, 5000) % 100_000 + 1
    left, right = entropies(word, side, counts, 40)
    for _ in range(5):
        p = rng.permutation(5000)
        left2, right2 = entropies(word[p], side[p], counts[p], 40)
        assert left.tobytes() == left2.tobytes() and right.tobytes() == right2.tobytes()


def test_missing_pyspark_is_a_one_line_error(monkeypatch, capsys):
    for name in ("pyspark", "pyspark.sql"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails as if not installed
    assert run(["discover", "--engine", "spark", str(STORY)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'pip install "cikuang[spark]"' in err
