"""The Spark engine's inputs and outputs (issue 15): Hadoop URIs for -o, DataFrames back, Parquet,
ORC and JSON inputs, text columns and their nulls, a column segmented on the cluster, and the
same rule as the local engine for what an input is."""
from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import pytest

import cikuang
from cikuang import CikuangError
from cikuang.cli import run
from cikuang.sources import MissingTextsWarning

from conftest import needs_spark
from helpers import lexicon_rows

pytestmark = needs_spark

FIXTURES = Path(__file__).parent / "fixtures"
STORY = FIXTURES / "story.txt"
LINES = STORY.read_text(encoding="utf-8").splitlines()
PARAMS = dict(min_count=3)


@pytest.fixture(scope="module")
def local_tsv(tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "words.tsv"
    assert run(["discover", str(STORY), "--min-count", "3", "-o", str(out), "-q"]) == 0
    return out.read_bytes()


@pytest.fixture(scope="module")
def reference():
    return lexicon_rows(cikuang.discover(texts=LINES, workers=1, **PARAMS))


# -- 6. output on any Hadoop file system ----------------------------------------------------------

def test_output_to_a_hadoop_uri(spark, tmp_path, local_tsv, capsys):
    out = tmp_path / "words.tsv"
    uri = out.as_uri()  # file:///...: through Hadoop's FileSystem API, as hdfs:// or s3a:// would be
    assert run(["discover", "--engine", "spark", str(STORY), "--min-count", "3", "-o", uri]) == 0
    assert out.read_bytes() == local_tsv
    assert sorted(p.name for p in tmp_path.iterdir()) == ["words.tsv"]  # no temporary or .crc file left
    assert capsys.readouterr().err.endswith(f" to {uri}\n")
    out.write_text("old\n")  # replaced
    assert run(["discover", "--engine", "spark", str(STORY), "--min-count", "3", "-o", uri, "-q"]) == 0
    assert out.read_bytes() == local_tsv

    grams, local_grams = tmp_path / "grams.tsv", tmp_path / "local-grams.tsv"
    assert run(["count", "--engine", "spark", str(STORY), "--order", "2", "-o", grams.as_uri(), "-q"]) == 0
    assert run(["count", str(STORY), "--order", "2", "-o", str(local_grams), "-q"]) == 0
    assert grams.read_bytes() == local_grams.read_bytes()


def test_a_missing_hadoop_directory_fails_before_the_work(spark, tmp_path, capsys):
    uri = (tmp_path / "nope" / "words.tsv").as_uri()
    assert run(["discover", "--engine", "spark", str(STORY), "-o", uri, "-q"]) == 2
    err = capsys.readouterr().err
    assert err == f"cikuang: error: {uri}: output directory does not exist\n"


def test_a_uri_with_the_local_engine_is_a_clear_error(tmp_path, capsys):
    assert run(["discover", str(STORY), "-o", "hdfs://nn/words.tsv", "-q"]) == 2
    assert "--engine spark" in capsys.readouterr().err


def test_the_lexicon_as_a_dataframe_and_saved_to_a_uri(spark, tmp_path, local_tsv):
    d = cikuang.Discoverer(spark=spark, **PARAMS).fit(str(STORY))
    frame = d.to_spark()
    assert frame.columns == ["rank", "word", "count", "occurrences", "cohesion", "left_entropy",
                             "right_entropy", "score", "status"]
    rows = frame.orderBy("rank").collect()
    assert [(r.word, r["count"], r.status) for r in rows] == [(e.word, e.count, e.status) for e in d.lexicon_]
    assert rows[-1].cohesion is None or rows[-1].cohesion == pytest.approx(d.lexicon_[-1].cohesion)
    out = tmp_path / "api.tsv"
    d.save(out.as_uri())
    assert out.read_bytes() == local_tsv
    with pytest.raises(CikuangError, match="not fitted"):
        cikuang.Discoverer().to_spark(spark)


# -- 7. Parquet, ORC, JSON -------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["parquet", "orc", "json"])
def test_table_inputs(spark, tmp_path, local_tsv, fmt):
    frame = spark.createDataFrame([(i, line, "x") for i, line in enumerate(LINES)], "id long, body string, tag string")
    where = tmp_path / f"posts.{fmt}"
    frame.coalesce(2).write.format(fmt).save(str(where))
    out = tmp_path / "words.tsv"
    base = ["discover", "--engine", "spark", str(where), "--input-format", fmt, "--min-count", "3", "-q"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingTextsWarning)  # every row read is a row written
        assert run(base + ["--text-column", "body", "-o", str(out)]) == 0
    assert out.read_bytes() == local_tsv
    if fmt == "json":  # the local engine reads JSON lines too, the same
        local = tmp_path / "local.tsv"
        assert run(base[:1] + base[3:] + ["--text-column", "body", "-o", str(local)]) == 0
        assert local.read_bytes() == local_tsv


def test_table_inputs_name_their_columns(spark, tmp_path, capsys):
    frame = spark.createDataFrame([(i, line, "x") for i, line in enumerate(LINES)], "id long, body string, tag string")
    where = tmp_path / "posts.parquet"
    frame.write.parquet(str(where))
    assert run(["discover", "--engine", "spark", str(where), "--input-format", "parquet", "-q"]) == 2
    err = capsys.readouterr().err
    assert "string columns body, tag" in err and "--text-column" in err and err.count("\n") == 1


# -- 8. DataFrames: text_column, nulls (3) ----------------------------------------------------------

def test_dataframe_text_column_and_nulls(spark, reference):
    rows = [(i, line, "x") for i, line in enumerate(LINES)] + [(100, None, "y"), (101, None, "z")]
    frame = spark.createDataFrame(rows, "id long, body string, tag string")
    with pytest.raises(CikuangError, match="string columns body, tag.*text_column"):
        cikuang.discover(frame, **PARAMS)
    with pytest.raises(CikuangError, match="no column 'text'"):
        cikuang.discover(frame, text_column="text", **PARAMS)
    with pytest.warns(MissingTextsWarning, match="skipped 2 missing texts"):
        got = cikuang.discover(frame, text_column="body", **PARAMS)
    assert lexicon_rows(got) == reference
    with pytest.warns(MissingTextsWarning, match="skipped 1 missing text "):
        got = cikuang.discover(texts=LINES + [None], spark=spark, **PARAMS)
    assert lexicon_rows(got) == reference


# -- 1. and 10. the same rule for inputs -------------------------------------------------------------

def test_file_names_in_a_list_are_files_on_spark_too(spark, tmp_path, reference):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("\n".join(LINES[:16]) + "\n", encoding="utf-8")
    b.write_text("\n".join(LINES[16:]) + "\n", encoding="utf-8")
    assert lexicon_rows(cikuang.discover([str(a), str(b)], spark=spark, **PARAMS)) == reference
    with pytest.raises(CikuangError, match="mix paths"):
        cikuang.discover([str(a), "天下大势"], spark=spark, **PARAMS)


def test_a_gzip_file_not_named_gz_is_a_clear_error_on_spark(spark, tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes(gzip.compress(STORY.read_bytes()))
    with pytest.raises(CikuangError, match="gzip-compressed but not named .gz"):
        cikuang.discover(str(path), spark=spark, **PARAMS)


# -- 9. a column segmented on the cluster ------------------------------------------------------------

def test_segment_column(spark):
    from cikuang.engines.spark import segment_column

    lexicon = cikuang.discover(texts=LINES, workers=1, **PARAMS)
    frame = spark.createDataFrame([(i, line) for i, line in enumerate(LINES)] + [(99, None)], "id long, body string")
    got = segment_column(frame, "body", lexicon)
    assert got.columns == ["id", "body", "words"]
    rows = {r.id: r.words for r in got.collect()}
    segmenter = cikuang.Segmenter(lexicon)
    assert rows == {**{i: segmenter.lcut(line) for i, line in enumerate(LINES)}, 99: None}
    again = segment_column(frame, "body", segmenter, output_col="tokens")
    assert [r.tokens for r in again.orderBy("id").limit(3).collect()] == [segmenter.lcut(t) for t in LINES[:3]]
    with pytest.raises(CikuangError, match="already"):
        segment_column(got, "body", segmenter)
    with pytest.raises(CikuangError, match="does not hold strings"):
        segment_column(frame, "id", segmenter)


def test_saved_counts_from_the_spark_engine_are_the_local_engines(spark, tmp_path):
    # a cluster job keeps counts that a laptop compares against, and the other way round
    pq = pytest.importorskip("pyarrow.parquet")
    local, cluster = tmp_path / "local.parquet", tmp_path / "spark.parquet"
    assert run(["count", str(STORY), "--order", "3", "-q", "-o", str(local)]) == 0
    assert run(["count", "--engine", "spark", str(STORY), "--order", "3", "-q", "-o", str(cluster)]) == 0
    a, b = pq.read_table(local), pq.read_table(cluster)
    assert a.num_rows > 100 and a.equals(b) and a.schema.metadata == b.schema.metadata
    # the Spark engine compares against saved counts as the local one does
    frame = spark.read.parquet(str(cluster))  # and Spark reads them as a table
    assert frame.count() == a.num_rows and set(frame.columns) >= {"ngram", "count"}
    out_local, out_spark = tmp_path / "em-local.tsv", tmp_path / "em-spark.tsv"
    assert run(["discover", str(STORY), "--min-count", "3", "--against", str(cluster), "-q", "-o", str(out_local)]) == 0
    assert run(["discover", "--engine", "spark", str(STORY), "--min-count", "3", "--against", str(local), "-q",
                "-o", str(out_spark)]) == 0
    assert out_local.read_text(encoding="utf-8") == out_spark.read_text(encoding="utf-8")


def test_saved_counts_to_and_from_a_hadoop_uri(spark, tmp_path):
    # -o hdfs://.../counts.parquet on a cluster: written through Hadoop's file systems (file:// here),
    # one file in the same format as the local engine's, and --against reads it back through them
    pq = pytest.importorskip("pyarrow.parquet")
    local = tmp_path / "local.parquet"
    uri = f"file://{tmp_path}/cluster.parquet"
    assert run(["count", str(STORY), "--order", "3", "-q", "-o", str(local)]) == 0
    assert run(["count", "--engine", "spark", str(STORY), "--order", "3", "-q", "-o", uri]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cluster.parquet", "local.parquet"]  # no tmp, no .crc
    a, b = pq.read_table(local), pq.read_table(tmp_path / "cluster.parquet")
    assert a.num_rows > 100 and a.equals(b) and a.schema.metadata == b.schema.metadata
    out_uri, out_local = tmp_path / "em-uri.tsv", tmp_path / "em-local.tsv"
    assert run(["discover", "--engine", "spark", str(STORY), "--min-count", "3", "--against", uri, "-q",
                "-o", str(out_uri)]) == 0
    assert run(["discover", str(STORY), "--min-count", "3", "--against", str(local), "-q", "-o", str(out_local)]) == 0
    assert out_uri.read_text(encoding="utf-8") == out_local.read_text(encoding="utf-8")
    # and the counts as a DataFrame on the cluster: the file's columns and rows, in its order
    frame = cikuang.count([str(STORY)], order=3, engine="spark").to_spark()
    assert frame.columns == ["ngram", "count", "units"]
    assert [tuple(r) for r in frame.collect()] == list(zip(*(a[c].to_pylist() for c in ("ngram", "count", "units"))))
    missing = f"file://{tmp_path}/nope.parquet"
    assert run(["discover", "--engine", "spark", str(STORY), "--min-count", "3", "--against", missing, "-q"]) == 2
