"""Saved counts (Parquet): what the file holds, merging exactly, refusing other settings."""
from __future__ import annotations

import json
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")
import pyarrow.parquet as pq  # noqa: E402

import cikuang  # noqa: E402
from cikuang import CikuangError  # noqa: E402
from cikuang.cli import run  # noqa: E402
from cikuang.savedcounts import TEXT_MODEL, SavedCounts, save_counts  # noqa: E402
from helpers import brute_counts  # noqa: E402

ALPHABET = list("天下大势分久必合") + list("，。！ ,.\n-😀") + list("abAB01") + list("Ａ１")
texts_st = st.lists(st.text(alphabet=st.sampled_from(ALPHABET), max_size=40), min_size=1, max_size=5)


def _save(tmp_path, name, texts, order):
    path = tmp_path / name
    save_counts(cikuang.count(texts, order=order, workers=1), path, order, [name])
    return path


def _rows(path):
    t = pq.read_table(path)
    return list(zip(t["ngram"].to_pylist(), t["count"].to_pylist(), t["units"].to_pylist()))


def test_file_holds_every_ngram_and_the_settings(tmp_path):
    texts = ["天下大势，分久必合", "合久必分 iPhone7天下"]
    path = _save(tmp_path, "a.parquet", texts, 3)
    assert {w: c for w, c, _ in _rows(path)} == dict(brute_counts(texts, 3))
    meta = {k.decode(): v.decode() for k, v in pq.read_schema(path).metadata.items()}
    assert meta["cikuang.order"] == "3" and meta["cikuang.min_count"] == "1"
    assert meta["cikuang.text_model"] == TEXT_MODEL and meta["cikuang.n_units"] == "15"
    assert json.loads(meta["cikuang.inputs"]) == ["a.parquet"]
    units = {w: u for w, _, u in _rows(path)}
    assert units["iPhone7"] == 1 and units["iPhone7天"] == 2 and units["天下大"] == 3
    keys = [(u, -c, w) for w, c, u in _rows(path)]
    assert keys == sorted(keys)  # as the tsv: by length, count descending, text
    assert SavedCounts(path).lookup(["天下", "无", "iPhone7天"]).tolist() == [2, 0, 1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(parts=st.lists(texts_st, min_size=2, max_size=3), order=st.integers(1, 4))
def test_merge_equals_counting_the_concatenation(tmp_path_factory, parts, order):
    assume(all(brute_counts(p, order) for p in parts))
    tmp = tmp_path_factory.mktemp("m")
    paths = [_save(tmp, f"{i}.parquet", p, order) for i, p in enumerate(parts)]
    whole = _save(tmp, "whole.parquet", [t for p in parts for t in p], order)
    merged = cikuang.merge_counts(paths, tmp / "merged.parquet")
    assert _rows(tmp / "merged.parquet") == _rows(whole)
    assert len(merged) == len(_rows(whole))
    assert SavedCounts(tmp / "merged.parquet").n_units == SavedCounts(whole).n_units
    assert SavedCounts(tmp / "merged.parquet").inputs == [f"{i}.parquet" for i in range(len(parts))]
    import cikuang.savedcounts as saved  # the same, cut into parts and merged k ways (bounded memory)

    with mock.patch.object(saved, "MERGE_BYTES_PER_ROW", 16 << 20), mock.patch.object(saved, "_RUN_BATCH", 3):
        cikuang.merge_counts(paths, tmp / "bounded.parquet", memory="64M")
    assert _rows(tmp / "bounded.parquet") == _rows(whole)


def test_merge_refuses_other_settings(tmp_path):
    a = _save(tmp_path, "a.parquet", ["天下大势"], 3)
    b = _save(tmp_path, "b.parquet", ["天下大势"], 4)
    with pytest.raises(CikuangError, match=r"b\.parquet.*order 4 differs from 3"):
        cikuang.merge_counts([a, b])
    table = pq.read_table(a)
    meta = dict(table.schema.metadata)
    meta[b"cikuang.text_model"] = b"units-0/unicode-9.0.0"
    pq.write_table(table.replace_schema_metadata(meta), tmp_path / "old.parquet")
    with pytest.raises(CikuangError, match=r"old\.parquet.*text model") as e:
        cikuang.merge_counts([a, tmp_path / "old.parquet"])
    assert "\n" not in str(e.value)
    pq.write_table(pa.table({"x": [1]}), tmp_path / "other.parquet")
    with pytest.raises(CikuangError, match=r"other\.parquet.*not cikuang's n-gram counts"):
        cikuang.merge_counts([a, tmp_path / "other.parquet"])


def test_cli_count_parquet_and_merge(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("天下大势，分久必合\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("合久必分。天下大势\n", encoding="utf-8")
    for name in ("a", "b"):
        assert run(["count", str(tmp_path / f"{name}.txt"), "--order", "3", "-o", str(tmp_path / f"{name}.parquet")]) == 0
    assert run(["count", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--order", "3", "-q",
                "-o", str(tmp_path / "ab.parquet")]) == 0
    assert run(["count", "--merge", str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet"),
                "-o", str(tmp_path / "m.parquet")]) == 0
    assert _rows(tmp_path / "m.parquet") == _rows(tmp_path / "ab.parquet")
    assert "wrote" in capsys.readouterr().err
    assert run(["count", str(tmp_path / "a.txt"), "-q", "-o", str(tmp_path / "a4.parquet")]) == 0
    assert run(["count", "--merge", str(tmp_path / "a.parquet"), str(tmp_path / "a4.parquet"),
                "-o", str(tmp_path / "x.parquet")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a4.parquet" in err and not (tmp_path / "x.parquet").exists()
    assert run(["count", "--merge", str(tmp_path / "a.parquet"), "-o", str(tmp_path / "x.tsv")]) == 2


def test_merge_in_bounded_memory_writes_the_same_file(tmp_path, monkeypatch):
    # a merge larger than --memory is cut into parts (by length and hash), each summed and sorted
    # alone, then merged k ways: the file is the one the in-memory merge writes, row for row
    import cikuang.savedcounts as saved

    texts = [f"第{i % 97}回 天下大势，分久必合{i % 13}，合久必分{i % 7}。话说天下{i}" for i in range(400)]
    paths = [_save(tmp_path, f"{k}.parquet", texts[k::3], 4) for k in range(3)]
    whole = cikuang.merge_counts(paths, tmp_path / "whole.parquet")
    monkeypatch.setattr(saved, "MERGE_BYTES_PER_ROW", 40 << 20)  # every row "needs" 40 MB: many parts
    monkeypatch.setattr(saved, "_RUN_BATCH", 7)  # small batches: the k-way merge crosses many of them
    parts = []
    monkeypatch.setattr(saved, "_summed_sorted", lambda pa, t, f=saved._summed_sorted: parts.append(t.num_rows) or f(pa, t))
    bounded = cikuang.merge_counts(paths, tmp_path / "bounded.parquet", memory="64M", tmp_dir=str(tmp_path))
    assert len(parts) > 20  # it did cut the merge (else this test proves nothing)
    assert _rows(tmp_path / "bounded.parquet") == _rows(tmp_path / "whole.parquet")
    assert len(bounded) == len(whole) and bounded.n_units == whole.n_units
    assert pq.read_schema(tmp_path / "bounded.parquet").metadata == pq.read_schema(tmp_path / "whole.parquet").metadata
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.parquet", "1.parquet", "2.parquet", "bounded.parquet",
                                                         "whole.parquet"]  # nothing left in --tmp-dir
