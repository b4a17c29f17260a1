"""What the Spark engine reads: paths Spark can read, texts, or a DataFrame's text column."""
from __future__ import annotations

import os
import re

from ...corpus import Corpus
from ...errors import CikuangError

_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class SparkPath(str):
    """A path for Spark to read, as given (``hdfs://host/dir`` stays as it is)."""

    def __fspath__(self) -> str:
        return str(self)


def is_dataframe(obj) -> bool:
    return type(obj).__module__.startswith("pyspark.") and hasattr(obj, "rdd") and hasattr(obj, "schema")


def input_name(inputs) -> str:
    """How errors name the inputs."""
    if is_dataframe(inputs):
        return "<DataFrame>"
    if isinstance(inputs, Corpus):
        return inputs.name
    if isinstance(inputs, (str, os.PathLike)):
        return os.fspath(inputs)
    if isinstance(inputs, (list, tuple)) and inputs and all(isinstance(x, os.PathLike) for x in inputs):
        return ", ".join(os.fspath(x) for x in inputs)
    return "<texts>"


def records(spark, inputs, *, encoding="utf-8", errors="strict", glob="*.txt", jsonl_field=None,
            text_column=None):
    """The corpus as an RDD of texts, each ending a clause (lines of files, texts, a column)."""
    sc = spark.sparkContext
    if is_dataframe(inputs):
        return _column(inputs, text_column)
    if isinstance(inputs, Corpus):
        if inputs._texts is not None:
            return _texts(sc, inputs._texts)
        sources = inputs.paths
    elif inputs is None:
        raise CikuangError("no input given")
    elif isinstance(inputs, (str, os.PathLike)):
        sources = [inputs]
    elif isinstance(inputs, (list, tuple)) and inputs and all(isinstance(x, os.PathLike) for x in inputs):
        sources = list(inputs)
    else:
        return _texts(sc, inputs)
    if Corpus(encoding=encoding).encoding != "utf-8-sig":
        raise CikuangError(f"the spark engine reads UTF-8 only, not {encoding!r}")
    paths = _paths(sources, glob, encoding, errors)
    minimum = 2 * sc.defaultParallelism
    if jsonl_field is not None:
        from pyspark.sql import functions as F

        frame = spark.read.json(paths)
        if jsonl_field not in frame.columns:
            raise CikuangError(f"no field {jsonl_field!r}", ", ".join(paths))
        return frame.select(F.col(jsonl_field).cast("string")).rdd.map(lambda r: r[0]).filter(
            lambda t: t is not None)
    lines = sc.textFile(",".join(paths), minPartitions=minimum)
    # Hadoop decodes lines itself and puts U+FFFD for undecodable bytes, silently; under
    # --errors strict a U+FFFD stops the run instead (a literal U+FFFD too: Spark cannot tell them apart).
    return lines.map(_strict_line) if errors == "strict" else lines


def _strict_line(line: str) -> str:
    if "\ufffd" in line:
        raise ValueError(f"undecodable bytes (or U+FFFD) in the line starting {line[:24]!r}; "
                         "use --errors replace to substitute U+FFFD")
    return line


def _paths(sources, glob: str, encoding: str, errors: str) -> list[str]:
    paths = []
    for src in sources:
        s = os.fspath(src)
        if s == "-":
            raise CikuangError("the spark engine cannot read standard input: give paths Spark can read")
        if _REMOTE.match(s) and not s.startswith("file:"):
            paths.append(s)  # hdfs://, s3a://, ...: Spark's rules (a directory is read whole, globs expand)
        else:
            local = Corpus([s], encoding=encoding, errors=errors, glob=glob).paths  # the local engine's expansion
            # file:// so that a cluster whose default file system is HDFS still reads the local file
            paths.extend("file://" + os.path.abspath(p) for p in local)
    for p in paths:
        if p.lower().endswith((".xz", ".zst")):
            raise CikuangError("the spark engine reads plain, .gz and .bz2 files; recompress or decompress it", p)
    return paths


def _texts(sc, texts):
    texts = list(texts)
    for t in texts:
        if not isinstance(t, str):
            raise CikuangError(f"texts must be str, got {type(t).__name__}")
    return sc.parallelize(texts, max(1, min(len(texts), 2 * sc.defaultParallelism)))


def _column(frame, name):
    from pyspark.sql.types import StringType

    strings = [f.name for f in frame.schema.fields if isinstance(f.dataType, StringType)]
    if name is None:
        if len(strings) == 1:
            name = strings[0]
        else:
            for guess in ("text", "value"):
                if guess in strings:
                    name = guess
                    break
            else:
                raise CikuangError(f"the DataFrame has string columns {strings}: select the text column "
                                   "(df.select('...')) or pass text_column")
    elif name not in strings:
        raise CikuangError(f"the DataFrame has no string column {name!r}")
    return frame.select(name).rdd.map(lambda r: r[0]).filter(lambda t: t is not None)
