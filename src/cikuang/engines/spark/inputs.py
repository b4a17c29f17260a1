"""What the Spark engine reads: paths Spark can read, texts, or a DataFrame's text column."""
from __future__ import annotations

import os

from ...corpus import FORMAT_GLOBS, Corpus
from ...errors import CikuangError
from ...openers import compression_of
from ...sources import AsPath, Sources, choose_column, is_missing, is_remote, is_spark_frame, resolve, warn_missing

SparkPath = AsPath  # a path for Spark to read, as given (hdfs://host/dir stays as it is)


def is_dataframe(obj) -> bool:
    return is_spark_frame(obj)


def input_name(inputs) -> str:
    """How errors name the inputs."""
    if isinstance(inputs, Corpus):
        return inputs.name
    try:
        return resolve(inputs).name
    except CikuangError:
        return "<inputs>"


def records(spark, inputs, *, encoding="utf-8", errors="strict", glob="*.txt", jsonl_field=None,
            input_format="text", text_column=None, missing=None):
    """The corpus as an RDD of texts, each ending a clause (lines of files, texts, a column).
    Paths and texts are told apart as on the local engine (:func:`cikuang.sources.resolve`);
    ``missing``, an accumulator, counts the missing values (nulls, None, NaN) skipped."""
    sc = spark.sparkContext
    if jsonl_field is not None:
        input_format, text_column = "json", jsonl_field
    if isinstance(inputs, Corpus):
        sources = Sources(texts=inputs._texts) if inputs._texts is not None else Sources(paths=inputs.paths)
    else:
        sources = resolve(inputs, text_column=text_column)
    if sources.frame is not None:
        return _column(sources.frame, sources.column, missing)
    if sources.texts is not None:
        return _texts(sc, sources.texts)
    if Corpus(encoding=encoding).encoding != "utf-8-sig":
        raise CikuangError(f"the spark engine reads UTF-8 only, not {encoding!r}")
    if glob == "*.txt":
        glob = FORMAT_GLOBS[input_format]
    paths = _paths(sources.paths, glob, encoding, errors, input_format)
    if input_format != "text":
        frame = spark.read.format(input_format).load(paths)
        return _column(frame, _frame_column(frame, text_column, ", ".join(paths)), missing)
    minimum = 2 * sc.defaultParallelism
    lines = sc.textFile(",".join(paths), minPartitions=minimum)
    # Hadoop decodes lines itself and puts U+FFFD for undecodable bytes, silently; under
    # --errors strict a U+FFFD stops the run instead (a literal U+FFFD too: Spark cannot tell them apart).
    return lines.map(_strict_line) if errors == "strict" else lines


def _frame_column(frame, text_column, name):
    from pyspark.sql.types import StringType

    strings = [f.name for f in frame.schema.fields if isinstance(f.dataType, StringType)]
    try:
        return choose_column(strings, list(frame.columns), text_column)
    except CikuangError as e:
        raise CikuangError(e.cause, name) from None


def _strict_line(line: str) -> str:
    if "\ufffd" in line:
        raise ValueError(f"undecodable bytes (or U+FFFD) in the line starting {line[:24]!r}; "
                         "use --errors replace to substitute U+FFFD")
    return line


def _paths(sources, glob: str, encoding: str, errors: str, input_format: str = "text") -> list[str]:
    paths = []
    for src in sources:
        s = os.fspath(src)
        if s == "-":
            raise CikuangError("the spark engine cannot read standard input: give paths Spark can read")
        if is_remote(s):
            paths.append(s)  # hdfs://, s3a://, ...: Spark's rules (a directory is read whole, globs expand)
        else:
            local = Corpus([s], encoding=encoding, errors=errors, glob=glob).paths  # the local engine's expansion
            if input_format == "text":
                for p in local:
                    _check_compression(p)
            # file:// so that a cluster whose default file system is HDFS still reads the local file
            paths.extend("file://" + os.path.abspath(p) for p in local)
    for p in paths:
        if input_format == "text" and p.lower().endswith((".xz", ".zst")):
            raise CikuangError("the spark engine reads plain, .gz and .bz2 files; recompress or decompress it", p)
    return paths


def _check_compression(path: str) -> None:
    """Hadoop tells compression by the file name only: a compressed file under another name would
    be read as garbage, so it is an error (the local engine reads it by its first bytes)."""
    with open(path, "rb") as f:
        kind = compression_of(f.read(10))
    suffix = {"gzip": ".gz", "bz2": ".bz2", "xz": ".xz", "zstd": ".zst"}.get(kind)
    if suffix and not path.lower().endswith(suffix):
        raise CikuangError(f"the file is {kind}-compressed but not named {suffix}, and the spark engine (Hadoop) "
                           f"tells compression by the name: rename it to end with {suffix}", path)


def _texts(sc, texts):
    kept, n_missing = [], 0
    for t in texts:
        if isinstance(t, str):
            kept.append(t)
        elif is_missing(t):
            n_missing += 1
        else:
            hint = " (give paths in a list)" if isinstance(t, os.PathLike) else ""
            raise CikuangError(f"texts must be str, got {type(t).__name__}{hint}")
    warn_missing(n_missing)
    return sc.parallelize(kept, max(1, min(len(kept), 2 * sc.defaultParallelism)))


def _column(frame, name, missing=None):
    def present(t):
        if t is None:
            if missing is not None:
                missing.add(1)
            return False
        return True

    return frame.select(name).rdd.map(lambda r: r[0]).filter(present)
