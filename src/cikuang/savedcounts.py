"""Saved counts: every n-gram of a corpus with its exact count, in a Parquet file, and merging them.

``cikuang count INPUT... -o counts.parquet`` (or :func:`save_counts`) writes one row per n-gram of
1..order units that occurs in the corpus, **every one, with no floor**: columns ``ngram`` (its text,
the units' texts concatenated), ``count`` (int64, its occurrences within clauses) and ``units``
(int8, its length in units), sorted as the tsv is (by length, count descending, text). The file's
key-value metadata says what the counts are of (all values are strings):

============================ =================================================================
``cikuang.format``           ``ngram-counts/1``
``cikuang.order``            the longest n-gram counted
``cikuang.min_count``        ``1``: every n-gram is there (no floor)
``cikuang.n_units``          N, the number of unit tokens of the corpus
``cikuang.n_ngrams``         the number of rows
``cikuang.text_model``       :data:`TEXT_MODEL` (what a unit and a clause are; the Unicode version)
``cikuang.version``          the cikuang that wrote it
``cikuang.inputs``           a JSON list of what was counted (the files of every merged file)
============================ =================================================================

Because the file has every n-gram and a clause never spans two inputs (the end of a file, a text, a
line ends a clause), the counts of a concatenation of corpora are exactly the sums of their counts:
:func:`merge_counts` adds the files row by row (and their N), and the result equals counting the
concatenated corpora, row for row (tests/test_savedcounts.py checks it with hypothesis). A floor
(dropping rare n-grams) would forbid that: an n-gram below the floor in each batch can be above
it in their sum, and its count would be lost; so cikuang writes none. Files of another order, text
model or format are refused (a one-line :class:`CikuangError` naming the file).

Parquet needs pyarrow (``pip install "cikuang[parquet]"``); pandas, DuckDB and Spark read the file
as it is (``pd.read_parquet``, ``SELECT * FROM 'counts.parquet'``, ``spark.read.parquet``).
"""
from __future__ import annotations

import json
import os
import unicodedata

import numpy as np

from .errors import CikuangError
from .output import atomic_output

#: The text model's version: bump it when what a unit or a clause is changes (textmodel.py); NFKC
#: follows the Unicode database of the Python that runs, so its version is part of it.
TEXT_MODEL = f"units-1/unicode-{unicodedata.unidata_version}"
FORMAT = "ngram-counts/1"
_ROWS = 1 << 20  # rows a row group / a chunk


def _pyarrow(what=None):
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise CikuangError("Parquet counts need pyarrow: pip install 'cikuang[parquet]'", what) from None
    return pyarrow


def is_parquet(path) -> bool:
    return str(path).lower().endswith((".parquet", ".parq", ".pq"))


def _schema(pa, meta: dict):
    return pa.schema([("ngram", pa.string()), ("count", pa.int64()), ("units", pa.int8())],
                     metadata={f"cikuang.{k}": str(v) for k, v in meta.items()})


def units_of(pa, texts):
    """The length in units of n-gram texts (a Han character is a unit, so is a run of ASCII letters
    and digits), as an int8 array."""
    import pyarrow.compute as pc

    n = pc.add(pc.subtract(pc.utf8_length(texts), pc.count_substring_regex(texts, "[A-Za-z0-9]")),
               pc.count_substring_regex(texts, "[A-Za-z0-9]+"))
    return pc.cast(n, pa.int8())


def table_chunks(table):
    """(texts, counts) of a count's table (local, sectioned or Spark), in the order of its file."""
    if hasattr(table, "chunks"):  # sorted in sections on disk
        yield from table.chunks()
        return
    if hasattr(table, "rows"):  # Spark: streamed from the cluster
        texts, counts = [], []
        for gram, c in table.rows():
            texts.append(gram)
            counts.append(c)
            if len(texts) >= _ROWS:
                yield texts, counts
                texts, counts = [], []
        if texts:
            yield texts, counts
        return
    strings = table.strings()
    order = np.lexsort((strings, -table.counts.counts, table.counts.lengths()))
    yield strings[order], table.counts.counts[order]


def save_counts(table, path, order: int, inputs=()) -> int:
    """Write a count's table as a Parquet file (see the module doc); returns the number of rows."""
    pa = _pyarrow(path)
    if path is None or str(path) == "-":
        raise CikuangError("Parquet counts need a file: give -o FILE.parquet")
    from . import __version__

    meta = {"format": FORMAT, "order": order, "min_count": 1, "n_units": int(table.n_units),
            "n_ngrams": len(table), "text_model": TEXT_MODEL, "version": __version__,
            "inputs": json.dumps([str(p) for p in inputs], ensure_ascii=False)}
    return _write(pa, path, meta, (pa.table({"ngram": pa.array(t, pa.string()), "count": pa.array(c, pa.int64())})
                                   for t, c in table_chunks(table)))


def _write(pa, path, meta: dict, tables) -> int:
    import pyarrow.parquet as pq

    schema = _schema(pa, meta)
    n = 0
    with atomic_output(path) as f:
        sink = getattr(f, "buffer", f)
        with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
            for t in tables:
                for i in range(0, t.num_rows, _ROWS):
                    part = t.slice(i, _ROWS)
                    part = part.append_column("units", units_of(pa, part["ngram"])) if "units" not in part.column_names \
                        else part
                    writer.write_table(part.select(["ngram", "count", "units"]).cast(schema))
                    n += part.num_rows
    return n


class SavedCounts:
    """A saved counts file: its settings (``order``, ``n_units``, ``meta``) and look-ups of n-grams."""

    def __init__(self, path):
        pa = _pyarrow(path)
        import pyarrow.parquet as pq

        self.path = os.fspath(path)
        try:
            self._file = pq.ParquetFile(self.path)
        except FileNotFoundError:
            raise CikuangError("no such file", self.path) from None
        except (OSError, pa.ArrowException) as e:
            raise CikuangError(f"not a Parquet file ({e})", self.path) from None
        raw = self._file.schema_arrow.metadata or {}
        self.meta = {k.decode()[8:]: v.decode() for k, v in raw.items() if k.startswith(b"cikuang.")}
        if self.meta.get("format") != FORMAT:
            raise CikuangError(f"not cikuang's n-gram counts (format {self.meta.get('format')!r}, "
                               f"expected {FORMAT!r}; write them with 'cikuang count -o FILE.parquet')", self.path)
        if self.meta.get("text_model") != TEXT_MODEL:
            raise CikuangError(f"counted with text model {self.meta.get('text_model')!r}, this cikuang has "
                               f"{TEXT_MODEL!r}: count the corpus again", self.path)
        self.order = int(self.meta["order"])
        self.n_units = int(self.meta["n_units"])
        self.min_count = int(self.meta.get("min_count", 1))
        self.inputs = json.loads(self.meta.get("inputs", "[]"))

    def __len__(self) -> int:
        return self._file.metadata.num_rows

    def settings(self) -> tuple:
        """What must agree for two files to be merged."""
        return (self.order, self.min_count, self.meta["text_model"], self.meta["format"])

    def batches(self):
        """(ngram, count) record batches, in the file's order."""
        return self._file.iter_batches(batch_size=_ROWS, columns=["ngram", "count"])

    def lookup(self, texts) -> np.ndarray:
        """The counts of ``texts`` (0 for n-grams the file lacks)."""
        return lookup_chunks(self.batches(), texts, arrow=True)

    def to_dict(self) -> dict[str, int]:
        out = {}
        for b in self.batches():
            out.update(zip(b.column(0).to_pylist(), b.column(1).to_pylist()))
        return out


def lookup_chunks(chunks, texts, arrow: bool = False) -> np.ndarray:
    """The counts of ``texts`` in (texts, counts) chunks of a table, 0 for those absent."""
    wanted = sorted(set(texts))
    out = np.zeros(len(wanted), dtype=np.int64)
    if wanted:
        if arrow:
            import pyarrow as pa
            import pyarrow.compute as pc

            values = pa.array(wanted, pa.string())
            for b in chunks:
                idx = pc.index_in(b.column(0), value_set=values)
                hit = idx.is_valid().to_numpy(zero_copy_only=False)
                if hit.any():
                    out[idx.to_numpy(zero_copy_only=False)[hit].astype(np.int64)] += \
                        b.column(1).to_numpy(zero_copy_only=False)[hit]
        else:
            values = np.array(wanted, dtype=np.dtypes.StringDType())
            for t, c in chunks:
                t = np.asarray(t, dtype=np.dtypes.StringDType())
                pos = np.minimum(np.searchsorted(values, t), len(values) - 1)
                hit = values[pos] == t
                np.add.at(out, pos[hit], np.asarray(c, dtype=np.int64)[hit])
    index = {w: i for i, w in enumerate(wanted)}
    return np.array([out[index[t]] for t in texts], dtype=np.int64)


def merge_counts(paths, output=None):
    """Add saved counts files: exactly the counts of the concatenated corpora (see the module doc).

    Every file must have been written with the same order and text model (else a one-line
    :class:`CikuangError` naming the file). Writes ``output`` (a ``.parquet`` path) if given, and
    returns the merged counts as a pyarrow Table (its ``schema.metadata`` has the merged N).
    """
    pa = _pyarrow(output)
    import pyarrow.compute as pc

    from . import __version__

    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise CikuangError("nothing to merge: give saved counts files (.parquet)")
    files = [SavedCounts(p) for p in paths]
    first = files[0]
    for f in files[1:]:
        if f.settings() != first.settings():
            theirs = dict(zip(("order", "min count", "text model", "format"), f.settings()))
            ours = dict(zip(theirs, first.settings()))
            what = next(k for k in theirs if theirs[k] != ours[k])
            raise CikuangError(f"cannot merge: {what} {theirs[what]} differs from {ours[what]} of {first.path}", f.path)
    tables = [f._file.read(columns=["ngram", "count", "units"]) for f in files]
    merged = pa.concat_tables(tables).group_by(["ngram", "units"]).aggregate([("count", "sum")])
    merged = merged.rename_columns(["count" if n == "count_sum" else n for n in merged.column_names])
    merged = merged.select(["ngram", "count", "units"])
    merged = merged.take(pc.sort_indices(merged, [("units", "ascending"), ("count", "descending"),
                                                  ("ngram", "ascending")]))
    meta = {"format": FORMAT, "order": first.order, "min_count": first.min_count,
            "n_units": sum(f.n_units for f in files), "n_ngrams": merged.num_rows, "text_model": TEXT_MODEL,
            "version": __version__, "inputs": json.dumps([i for f in files for i in (f.inputs or [f.path])],
                                                         ensure_ascii=False)}
    merged = merged.cast(_schema(pa, meta))
    if output is not None:
        _write(pa, output, meta, [merged])
    return merged
