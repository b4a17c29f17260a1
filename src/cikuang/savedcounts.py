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
from .sources import is_remote, is_url, local_path

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
    """Write a count's table as a Parquet file (see the module doc); returns the number of rows.

    A URI (``hdfs://``, ``s3a://``, ``file://``) is written through Hadoop's file systems when the
    table was counted by the Spark engine (a cluster job keeps its counts on the cluster)."""
    pa = _pyarrow(path)
    if path is None or str(path) == "-":
        raise CikuangError("Parquet counts need a file: give -o FILE.parquet")
    path = os.fspath(path)
    opener = None
    if is_url(path):
        opener = getattr(table, "open_output", None)  # the Spark engine's table: Hadoop's file systems
        if opener is None:
            if is_remote(path):
                raise CikuangError("an output URI needs the Spark engine (--engine spark)", path)
            path = local_path(path)
    meta = _meta(order, 1, int(table.n_units), len(table), [str(p) for p in inputs])
    return _write(pa, path, meta, (pa.table({"ngram": pa.array(t, pa.string()), "count": pa.array(c, pa.int64())})
                                   for t, c in table_chunks(table)), opener)


def _write(pa, path, meta: dict, tables, opener=None) -> int:
    import pyarrow.parquet as pq

    schema = _schema(pa, meta)
    n = 0
    with (opener(path) if opener is not None else atomic_output(path)) as f:
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

    def __init__(self, path, open_file=None):
        """``path``: a local path, ``file://``, or a URL that ``open_file(url)`` (a seekable binary
        file: the Spark engine's Hadoop file systems) or else fsspec opens."""
        pa = _pyarrow(path)
        import pyarrow.parquet as pq

        self.path = os.fspath(path)
        where = self.path
        if is_url(where) and open_file is not None:
            where = open_file(where)
        elif is_remote(where):
            from .openers import open_raw

            where = open_raw(where)
        else:
            where = local_path(where)
        try:
            self._file = pq.ParquetFile(where)
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


#: What merging costs in memory, per n-gram row of the inputs (pyarrow's group_by and sort,
#: measured on bench-real: 1,513 MB for 5.97 M rows): how many parts a merge is cut into.
MERGE_BYTES_PER_ROW = 250
_RUN_BATCH = 1 << 16  # at most, rows a batch of a sorted run: what the k-way merge holds of each run
_HASH_BATCH = 1 << 16  # rows hashed at a time: hashing takes some 50 bytes a byte of n-gram text


def merge_counts(paths, output=None, memory=None, tmp_dir=None):
    """Add saved counts files: exactly the counts of the concatenated corpora (see the module doc).

    Every file must have been written with the same order and text model (else a one-line
    :class:`CikuangError` naming the file). With ``output`` (a ``.parquet`` path), writes the file
    and returns it as :class:`SavedCounts`; without, returns the merged counts as a pyarrow Table
    (its ``schema.metadata`` has the merged N).

    ``memory`` (bytes or ``"1G"``; default: no bound) bounds a merge that writes ``output``: when
    the inputs' rows would take more (:data:`MERGE_BYTES_PER_ROW` each), they are cut by length and
    by a hash of the n-gram into parts in anonymous temporary files in ``tmp_dir`` (nothing is left
    if the process dies), each part summed and sorted alone, and the sorted parts merged into the
    file. The result is the same file.
    """
    pa = _pyarrow(output)
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
    rows = sum(len(f) for f in files)
    parts = 1
    if memory is not None and output is not None:
        from .spec import parse_memory

        parts = -(-rows * MERGE_BYTES_PER_ROW // parse_memory(memory))
    if parts <= 1:
        merged = _summed_sorted(pa, pa.concat_tables([f._file.read(columns=["ngram", "count", "units"])
                                                      for f in files]))
        meta = _merged_meta(files, merged.num_rows)
        merged = merged.cast(_schema(pa, meta))
        if output is None:
            return merged
        _write(pa, output, meta, [merged])
        return SavedCounts(output)
    with _PartedMerge(pa, files, parts, tmp_dir, parse_memory(memory)) as merge:
        _write(pa, output, _merged_meta(files, merge.n_rows), merge.tables())
    return SavedCounts(output)


def _summed_sorted(pa, table):
    """``table``'s rows summed by n-gram, sorted as the tsv (length, count descending, text)."""
    import pyarrow.compute as pc

    merged = table.group_by(["ngram", "units"]).aggregate([("count", "sum")])
    merged = merged.rename_columns(["count" if n == "count_sum" else n for n in merged.column_names])
    merged = merged.select(["ngram", "count", "units"])
    return merged.take(pc.sort_indices(merged, [("units", "ascending"), ("count", "descending"),
                                                ("ngram", "ascending")]))


def _meta(order: int, min_count: int, n_units: int, n_ngrams: int, inputs: list[str]) -> dict:
    """The file's ``cikuang.*`` metadata (see the module doc)."""
    from ._version import __version__

    return {"format": FORMAT, "order": order, "min_count": min_count, "n_units": n_units, "n_ngrams": n_ngrams,
            "text_model": TEXT_MODEL, "version": __version__, "inputs": json.dumps(inputs, ensure_ascii=False)}


def _merged_meta(files, n_rows: int) -> dict:
    """The metadata of the sum of ``files``: their N added, their inputs in order."""
    return _meta(files[0].order, files[0].min_count, sum(f.n_units for f in files), n_rows,
                 [i for f in files for i in (f.inputs or [f.path])])


def _hash_parts(texts, parts: int) -> np.ndarray:
    """A part in ``range(parts)`` for each string of an Arrow string array, from all its bytes (the
    same n-gram lands in the same part whichever file it comes from)."""
    texts = texts.combine_chunks() if hasattr(texts, "combine_chunks") else texts
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32)[texts.offset:texts.offset + len(texts) + 1]
    data = np.frombuffer(texts.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]].astype(np.uint64)
    starts = (offsets[:-1] - offsets[0]).astype(np.int64)
    pos = np.arange(len(data), dtype=np.uint64) - np.repeat(starts, np.diff(offsets)).astype(np.uint64)
    with np.errstate(over="ignore"):
        h = np.add.reduceat((data + np.uint64(1)) * (pos * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0xBF58476D1CE4E5B9)),
                            starts)  # n-grams are never empty: every segment has a byte
        h ^= h >> np.uint64(31)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(29)
    return (h % np.uint64(parts)).astype(np.int64)


class _PartedMerge:
    """A merge in bounded memory: the inputs' rows cut into (length, hash) parts in temporary files,
    each part summed and sorted, then the sorted parts of each length merged k ways."""

    def __init__(self, pa, files, parts: int, tmp_dir, memory: int):
        import tempfile

        self.pa, self.order, self.parts = pa, files[0].order, parts
        # the k-way merge holds a batch of every part of a length, some 400 bytes a row in all
        self.run_batch = int(min(_RUN_BATCH, max(1024, memory // (parts * 400))))
        self._tmp_dir, self._files = tmp_dir, []
        self._new_file = lambda: tempfile.TemporaryFile(dir=tmp_dir)
        self.runs = self._sorted_runs(self._partitioned(files))
        self.n_rows = sum(n for runs in self.runs for _, n in runs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for f in self._files:
            f.close()

    def _tmp(self):
        try:
            f = self._new_file()
        except OSError as e:
            self.__exit__()
            raise CikuangError(f"cannot write temporary files: {e.strerror or e}", self._tmp_dir) from None
        self._files.append(f)
        return f

    def _partitioned(self, files) -> dict:
        """{(length, part): a temporary file of Arrow IPC batches of its rows}."""
        pa = self.pa
        schema = pa.schema([("ngram", pa.string()), ("count", pa.int64())])
        writers, sinks = {}, {}
        try:
            for f in files:
                for batch in f._file.iter_batches(batch_size=_HASH_BATCH, columns=["ngram", "count", "units"]):
                    units = batch.column(2).to_numpy(zero_copy_only=False).astype(np.int64)
                    key = (units - 1) * self.parts + _hash_parts(batch.column(0), self.parts)
                    order = np.argsort(key, kind="stable")
                    key = key[order]
                    batch = pa.record_batch([batch.column(0), batch.column(1)], schema=schema).take(pa.array(order))
                    bounds = np.flatnonzero(np.diff(key)) + 1
                    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(key)]):
                        k = int(key[lo])
                        if k not in writers:
                            sinks[k] = self._tmp()
                            writers[k] = pa.ipc.new_file(sinks[k], schema)
                        writers[k].write_batch(batch.slice(lo, hi - lo))
        except OSError as e:
            self.__exit__()
            raise CikuangError(f"cannot write temporary files: {e.strerror or e}", self._tmp_dir) from None
        for w in writers.values():
            w.close()
        return sinks

    def _sorted_runs(self, sinks: dict) -> list:
        """For each length, [(a temporary file of its part's rows summed and sorted, rows)]."""
        pa = self.pa
        runs = [[] for _ in range(self.order)]
        for k in sorted(sinks):
            sink = sinks.pop(k)
            sink.seek(0)
            table = pa.ipc.open_file(sink).read_all()
            sink.close()  # its disk is freed now
            table = table.append_column("units", pa.array(np.full(table.num_rows, k // self.parts + 1, np.int8)))
            table = _summed_sorted(pa, table).select(["ngram", "count"])
            out = self._tmp()
            with pa.ipc.new_file(out, table.schema) as w:
                w.write_table(table, max_chunksize=self.run_batch)
            runs[k // self.parts].append((out, table.num_rows))
            del table
        return runs

    def tables(self):
        """The merged rows in the file's order: each length's sorted parts merged k ways, a
        bounded piece at a time (everything at or before the smallest last key any part holds)."""
        pa = self.pa
        import pyarrow.compute as pc

        for length, runs in enumerate(self.runs, 1):
            readers = []
            for f, _ in runs:
                f.seek(0)
                readers.append(_RunReader(pa.ipc.open_file(f)))
            readers = [r for r in readers if r.batch is not None]
            done, size = [], 0
            while readers:
                bound = min(r.last_key() for r in readers)  # (-count, text)
                pieces = [r.take_through(bound) for r in readers]
                piece = pa.Table.from_batches([p for p in pieces if p.num_rows])
                done.append(piece.take(pc.sort_indices(piece, [("count", "descending"), ("ngram", "ascending")])))
                size += done[-1].num_rows
                readers = [r for r in readers if r.batch is not None]
                if size >= _ROWS or not readers:  # row groups of about _ROWS rows, as save_counts writes
                    piece = pa.concat_tables(done)
                    done, size = [], 0
                    yield piece.append_column("units", pa.array(np.full(piece.num_rows, length, np.int8)))


class _RunReader:
    """The batches of one sorted run, and the rows not merged yet of the current one."""

    def __init__(self, reader):
        self._reader, self._next = reader, 0
        self.batch = None
        self._load()

    def _load(self) -> None:
        self.batch = None
        while self.batch is None and self._next < self._reader.num_record_batches:
            b = self._reader.get_batch(self._next)
            self._next += 1
            if b.num_rows:
                self.batch, self._neg = b, -b.column(1).to_numpy()

    def last_key(self):
        return (int(self._neg[-1]), self.batch.column(0)[-1].as_py())

    def take_through(self, bound):
        """The leading rows at or before ``bound`` (then drops them)."""
        neg, text = bound
        lo, hi = np.searchsorted(self._neg, neg, "left"), np.searchsorted(self._neg, neg, "right")
        texts = self.batch.column(0)
        while lo < hi:  # within the rows of that count, the texts ascend
            mid = (lo + hi) // 2
            if texts[mid].as_py() <= text:
                lo = mid + 1
            else:
                hi = mid
        taken = self.batch.slice(0, lo)
        if lo == self.batch.num_rows:
            self._load()
        else:
            self.batch, self._neg = self.batch.slice(lo), self._neg[lo:]
        return taken
