"""Results that stay on the cluster: files on any Hadoop file system, and DataFrames.

In cluster mode (YARN, Kubernetes) the driver runs on a machine of the cluster whose local disk
nobody keeps, so ``-o hdfs://...``, ``s3a://...`` (or ``file://...``, for a test) is written through
Hadoop's ``FileSystem`` API: to a hidden file next to the target, renamed over it when complete,
so a failed run leaves the old file as it was and no partial one.
"""
from __future__ import annotations

import math
import uuid

from ...errors import CikuangError
from .session import spark_errors

_CHUNK = 1 << 22


def _hadoop(sc, uri: str):
    jvm = sc._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    fs = path.getFileSystem(sc._jsc.hadoopConfiguration())
    return jvm, fs, path


def check_hadoop_output(sc, uri: str) -> None:
    """Fail before the work when ``uri`` cannot be written: its directory must exist, and the
    target must not be a directory."""
    with spark_errors(uri):
        _, fs, path = _hadoop(sc, uri)
        parent = path.getParent()
        if parent is None or not fs.exists(parent) or not fs.getFileStatus(parent).isDirectory():
            raise CikuangError("output directory does not exist", uri)
        if fs.exists(path) and fs.getFileStatus(path).isDirectory():
            raise CikuangError("output is a directory", uri)


def save_lines(sc, uri: str, lines) -> None:
    """Write the text ``lines`` (UTF-8) as one file at ``uri``, through Hadoop's file systems."""
    with spark_errors(uri):
        jvm, fs, path = _hadoop(sc, uri)
        fs.setWriteChecksum(False)  # no .crc file beside a file:// output
        tmp = jvm.org.apache.hadoop.fs.Path(path.getParent(), f".{path.getName()}.cikuang-{uuid.uuid4().hex}.tmp")
        out = fs.create(tmp, False)
        done = False
        try:
            buf, size = [], 0
            for line in lines:
                buf.append(line)
                size += len(line)
                if size >= _CHUNK:
                    out.write(bytearray("".join(buf).encode("utf-8")))
                    buf, size = [], 0
            if buf:
                out.write(bytearray("".join(buf).encode("utf-8")))
            out.close()
            if fs.exists(path):
                if fs.getFileStatus(path).isDirectory():
                    raise CikuangError("output is a directory", uri)
                fs.delete(path, False)
            if not fs.rename(tmp, path):
                raise CikuangError("cannot write: the file system refused to rename the finished file", uri)
            done = True
        finally:
            if not done:
                try:
                    out.close()
                except Exception:
                    pass
                fs.delete(tmp, False)


def lexicon_frame(lexicon, spark=None):
    """A Spark DataFrame of ``lexicon``: the tsv's columns, in entry order (an ``order`` column
    keeps it), NaN statistics and unknown occurrences as nulls."""
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    from .session import get_session

    session, _ = get_session(spark)
    floats = ("cohesion", "left_entropy", "right_entropy", "score")
    schema = StructType([StructField("rank", LongType(), False), StructField("word", StringType(), False),
                         StructField("count", LongType(), False), StructField("occurrences", LongType(), True),
                         *(StructField(k, DoubleType(), True) for k in floats),
                         StructField("status", StringType(), False)])

    def row(i, e):
        return (i, e.word, e.count, None if e.occurrences < 0 else e.occurrences,
                *(None if math.isnan(x) else x for x in (e.cohesion, e.left_entropy, e.right_entropy, e.score)),
                e.status)

    with spark_errors("lexicon"):
        rows = [row(i, e) for i, e in enumerate(lexicon, 1)]
        n = max(1, min(len(rows) // 100_000 + 1, 2 * session.sparkContext.defaultParallelism))
        return session.createDataFrame(session.sparkContext.parallelize(rows, n), schema)
