"""The edges of the Python API and the command line (issue 15): what an input is, base
dictionaries, missing values, the estimator protocol, the -o summary line, compressed files by
their bytes, URLs through fsspec."""
from __future__ import annotations

import bz2
import glob
import gzip
import importlib.util
import lzma
import math
import os
import warnings
from pathlib import Path

import pytest

import cikuang
from cikuang import CikuangError
from cikuang.cli import run
from cikuang.sources import MissingTextsWarning

from helpers import lexicon_rows

FIXTURES = Path(__file__).parent / "fixtures"
STORY = FIXTURES / "story.txt"
LINES = STORY.read_text(encoding="utf-8").splitlines()
PARAMS = dict(min_count=3, workers=1)


@pytest.fixture(scope="module")
def reference():
    return lexicon_rows(cikuang.discover(texts=LINES, **PARAMS))


def _two_files(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("\n".join(LINES[:16]) + "\n", encoding="utf-8")
    b.write_text("\n".join(LINES[16:]) + "\n", encoding="utf-8")
    return a, b


# -- 1. paths or texts ---------------------------------------------------------------------------

def test_a_list_of_file_names_is_read_as_files(tmp_path, reference, monkeypatch):
    a, b = _two_files(tmp_path)
    assert lexicon_rows(cikuang.discover([str(a), str(b)], **PARAMS)) == reference
    monkeypatch.chdir(tmp_path)
    assert lexicon_rows(cikuang.discover(sorted(glob.glob("*.txt")), **PARAMS)) == reference
    assert lexicon_rows(cikuang.discover(str(tmp_path / "*.txt"), **PARAMS)) == reference  # a glob pattern


def test_texts_keyword_and_lists_of_texts(reference):
    assert lexicon_rows(cikuang.discover(LINES, **PARAMS)) == reference  # a list with no path in it
    d = cikuang.Discoverer(**PARAMS).fit(texts=iter(LINES))
    assert lexicon_rows(d.lexicon_) == reference
    assert cikuang.count(texts=["天下大势"], order=1).to_dict()["天"] == 1


def test_a_missing_path_is_an_error_naming_it(tmp_path):
    a, _ = _two_files(tmp_path)
    with pytest.raises(CikuangError, match="nope.txt: no such file"):
        cikuang.discover([str(a), "nope.txt"], **PARAMS)
    with pytest.raises(CikuangError, match="nope.txt: no such file"):
        cikuang.discover(["nope.txt", "other.gz"], **PARAMS)
    with pytest.raises(CikuangError, match="texts="):
        cikuang.discover("天下大势，分久必合", **PARAMS)  # one str is a path, never a text


def test_paths_and_texts_in_one_list_are_an_error(tmp_path):
    a, _ = _two_files(tmp_path)
    with pytest.raises(CikuangError, match="mix paths"):
        cikuang.discover([str(a), "天下大势，分久必合"], **PARAMS)
    with pytest.raises(CikuangError, match="not both"):
        cikuang.discover([str(a)], texts=LINES, **PARAMS)
    with pytest.raises(CikuangError, match="iterable of str"):
        cikuang.discover(texts="天下大势", **PARAMS)


# -- 2. base dictionaries ------------------------------------------------------------------------

def test_base_dict_takes_a_lexicon_a_dict_a_list_or_any_iterable(tmp_path):
    full = cikuang.discover(texts=LINES, **PARAMS)
    base = full.word_list(3).words
    path = tmp_path / "base.txt"
    path.write_text("".join(f"{w} 5\n" for w in base), encoding="utf-8")
    expected = lexicon_rows(cikuang.discover(texts=LINES, new_only=True, base_dict=str(path), **PARAMS))
    assert not set(base) & {row[0] for row in expected}
    for given in (full.word_list(3), {w: 5 for w in base}, list(base), (w for w in base), frozenset(base)):
        got = cikuang.discover(texts=LINES, new_only=True, base_dict=given, **PARAMS)
        assert lexicon_rows(got) == expected, type(given)


def test_an_empty_base_dict_is_empty_not_jieba():
    full = cikuang.discover(texts=LINES, **PARAMS)
    empty = cikuang.discover(texts=LINES, new_only=True, base_dict=[], **PARAMS)
    assert lexicon_rows(empty) == lexicon_rows(full)


@pytest.mark.parametrize("bad", [5, 3.5, [1, 2], {"词": 1, 2: 3}, b"jieba"])
def test_a_bad_base_dict_is_a_clear_error(bad):
    with pytest.raises(CikuangError, match="base_dict"):
        cikuang.Discoverer(base_dict=bad).spec()
    with pytest.raises(CikuangError, match="base_dict"):
        cikuang.discover(texts=LINES, base_dict=bad, **PARAMS)


# -- 3. missing values ---------------------------------------------------------------------------

def test_missing_texts_are_skipped_and_counted(reference):
    pd = pytest.importorskip("pandas")
    series = pd.Series(LINES + [None, math.nan, None], dtype=object)
    with pytest.warns(MissingTextsWarning, match="skipped 3 missing texts"):
        got = cikuang.discover(series, **PARAMS)
    assert lexicon_rows(got) == reference
    with pytest.warns(MissingTextsWarning, match="skipped 2 missing"):
        assert lexicon_rows(cikuang.discover(texts=[None] + LINES + [math.nan], **PARAMS)) == reference
    with pytest.raises(CikuangError, match="texts must be str, got int"):
        cikuang.discover(texts=LINES + [7], **PARAMS)


def test_no_warning_without_missing_texts():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cikuang.discover(texts=LINES, **PARAMS)


# -- 8. DataFrames and text_column ----------------------------------------------------------------

def test_a_pandas_frame_is_read_through_its_text_column(reference):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"id": range(len(LINES) + 1), "body": LINES + [None], "tag": ["x"] * (len(LINES) + 1)})
    with pytest.raises(CikuangError, match="string columns body, tag.*text_column"):
        cikuang.discover(frame, **PARAMS)
    with pytest.raises(CikuangError, match="no column 'text'.*id, body, tag"):
        cikuang.discover(frame, text_column="text", **PARAMS)
    with pytest.raises(CikuangError, match="'id' .* does not hold strings"):
        cikuang.discover(frame, text_column="id", **PARAMS)
    with pytest.warns(MissingTextsWarning, match="skipped 1 missing text "):
        assert lexicon_rows(cikuang.discover(frame, text_column="body", **PARAMS)) == reference
    with pytest.warns(MissingTextsWarning):
        assert lexicon_rows(cikuang.discover(frame[["id", "body"]], **PARAMS)) == reference  # one string column


# -- 4. the estimator protocol --------------------------------------------------------------------

def test_get_params_set_params_and_repr():
    d = cikuang.Discoverer(min_count=5, order=3)
    params = d.get_params()
    assert params["min_count"] == 5 and params["order"] == 3 and params["memory"] == "2G"
    assert set(params) == set(cikuang.Discoverer().get_params(deep=False)) and "text_column" in params
    assert cikuang.Discoverer(**params).get_params() == params  # what sklearn.base.clone does
    assert repr(d) == "Discoverer(order=3, min_count=5)" and repr(cikuang.Discoverer()) == "Discoverer()"
    assert d.set_params(min_count=7, han_only=True) is d and d.min_count == 7 and d.han_only
    assert repr(d) == "Discoverer(order=3, min_count=7, han_only=True)"
    with pytest.raises(CikuangError, match="min_count must be a positive integer"):
        d.set_params(min_count=0, order=4)
    assert d.min_count == 7 and d.order == 3  # unchanged by a failed call
    with pytest.raises(CikuangError, match="unknown parameter 'colour'"):
        d.set_params(colour="red")
    with pytest.raises(CikuangError, match="memory"):
        d.set_params(memory="lots")


def test_sklearn_clone_if_installed():
    base = pytest.importorskip("sklearn.base")
    d = cikuang.Discoverer(min_count=5, base_dict=["天下"])
    c = base.clone(d)
    assert c is not d and c.get_params() == d.get_params()


# -- 5. the -o summary line -----------------------------------------------------------------------

def test_output_file_runs_say_what_they_wrote(tmp_path, capsys):
    out = tmp_path / "words.tsv"
    assert run(["discover", str(STORY), "--min-count", "3", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    lexicon = cikuang.Lexicon.load(out)
    assert err == f"cikuang: wrote {len(lexicon):,} entries ({lexicon.n_words:,} words) to {out}\n"
    assert run(["discover", str(STORY), "--min-count", "3", "--format", "jieba", "-o", str(out)]) == 0
    assert capsys.readouterr().err == f"cikuang: wrote {lexicon.n_words:,} words to {out}\n"
    grams = tmp_path / "ngrams.tsv"
    assert run(["count", str(STORY), "--order", "2", "-o", str(grams)]) == 0
    n = len(grams.read_text(encoding="utf-8").splitlines()) - 1
    assert capsys.readouterr().err == f"cikuang: wrote {n:,} n-grams to {grams}\n"
    seg = tmp_path / "story.seg.txt"
    assert run(["segment", "--lexicon", str(out), str(STORY), "-o", str(seg)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("cikuang: wrote ") and err.endswith(f" to {seg}\n") and err.count("\n") == 1
    assert run(["discover", str(STORY), "--min-count", "3", "-o", str(out), "-q"]) == 0
    assert capsys.readouterr().err == ""


# -- 10. compression by magic bytes, URLs through fsspec ---------------------------------------------

@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress, "zstd"])
def test_compression_is_told_by_the_bytes_not_the_name(tmp_path, reference, compress):
    if compress == "zstd":
        zstandard = pytest.importorskip("zstandard")
        compress = zstandard.ZstdCompressor().compress
    path = tmp_path / "corpus.txt"  # compressed, but named .txt
    path.write_bytes(compress(STORY.read_bytes()))
    assert lexicon_rows(cikuang.discover(str(path), **PARAMS)) == reference


def test_a_plain_file_named_gz_is_still_an_error(tmp_path):
    path = tmp_path / "corpus.txt.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage" * 20)
    with pytest.raises(CikuangError, match="corpus.txt.gz: cannot read"):
        cikuang.discover(str(path), **PARAMS)


def test_text_that_starts_like_bzip2_is_text(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_text("BZh9 is how bzip2 files start\n" + STORY.read_text(encoding="utf-8"), encoding="utf-8")
    assert cikuang.count(str(path), order=1).to_dict()["BZh9"] == 1


HAVE_FSSPEC = importlib.util.find_spec("fsspec") is not None


@pytest.mark.skipif(not HAVE_FSSPEC, reason="needs fsspec")
def test_urls_are_read_through_fsspec(reference):
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/cikuang-test/a.txt", "\n".join(LINES[:16]).encode("utf-8") + b"\n")
    fs.pipe("/cikuang-test/sub/b.txt", gzip.compress("\n".join(LINES[16:]).encode("utf-8") + b"\n"))
    try:
        assert lexicon_rows(cikuang.discover("memory://cikuang-test", **PARAMS)) == reference  # a directory
        assert lexicon_rows(cikuang.discover(["memory://cikuang-test/a.txt", "memory://cikuang-test/sub/b.txt"],
                                             **PARAMS)) == reference
        with pytest.raises(CikuangError, match="no such file"):
            cikuang.discover("memory://cikuang-test/nope.txt", **PARAMS)
    finally:
        fs.rm("/cikuang-test", recursive=True)


def test_urls_without_fsspec_are_a_clear_error(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "fsspec", None)
    with pytest.raises(CikuangError, match="needs fsspec"):
        cikuang.discover("s3://bucket/corpus.txt", **PARAMS)


def test_parquet_without_pyarrow_is_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "t.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)
    with pytest.raises(CikuangError, match="needs pyarrow.*--engine spark"):
        cikuang.discover(str(path), input_format="parquet", **PARAMS)
    assert run(["discover", str(path), "--input-format", "parquet", "-q"]) == 2


def test_short_punctuation_texts_are_texts_not_paths():
    # "." is a directory and "-" standard input, but in a list of texts they are texts
    assert cikuang.count(["0", ".", "-", "..", "0"], order=1, workers=1).to_dict() == {"0": 2}
    with pytest.raises(CikuangError, match="no text to mine"):
        cikuang.count([], order=2, workers=1)
