"""Results that stay on the cluster: files on any Hadoop file system, and DataFrames.

In cluster mode (YARN, Kubernetes) the driver runs on a machine of the cluster whose local disk
nobody keeps, so ``-o hdfs://...``, ``s3a://...`` (or ``file://...``, for a test) is written through
Hadoop's ``FileSystem`` API: to a hidden file next to the target, renamed over it when complete,
so a failed run leaves the old file as it was and no partial one.
"""
from __future__ import annotations

import contextlib
import io
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


class _HadoopWriter(io.RawIOBase):
    """A Hadoop output stream as a binary Python file (what pyarrow's writer and our text lines
    write to), in chunks of :data:`_CHUNK` bytes: each py4j call copies its bytes once."""

    def __init__(self, out):
        self._out, self._buf, self._size, self._pos = out, [], 0, 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        data = bytes(b)
        self._buf.append(data)
        self._size += len(data)
        self._pos += len(data)
        if self._size >= _CHUNK:
            self.flush()
        return len(data)

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        if self._buf:
            self._out.write(bytearray(b"".join(self._buf)))
            self._buf, self._size = [], 0


class _HadoopReader(io.RawIOBase):
    """A Hadoop input stream as a seekable binary Python file (pyarrow reads a Parquet file's
    footer first, then its row groups: it seeks)."""

    def __init__(self, stream, size: int):
        self._in, self._size, self._pos = stream, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = {0: 0, 1: self._pos, 2: self._size}[whence] + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, b) -> int:
        n = min(len(b), max(0, self._size - self._pos), _CHUNK)
        if n <= 0:
            return 0
        self._in.seek(self._pos)
        data = self._in.readNBytes(n)  # a Java byte[] comes back as Python bytes
        b[:len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._in.close()
        super().close()


@contextlib.contextmanager
def hadoop_output(sc, uri: str):
    """A binary file written to ``uri`` through Hadoop's file systems: to a hidden file beside the
    target, renamed over it when the block ends without an error (else deleted), so that a failed
    run leaves the old file as it was and no partial one."""
    with spark_errors(uri):
        jvm, fs, path = _hadoop(sc, uri)
        fs.setWriteChecksum(False)  # no .crc file beside a file:// output
        tmp = jvm.org.apache.hadoop.fs.Path(path.getParent(), f".{path.getName()}.cikuang-{uuid.uuid4().hex}.tmp")
        out = fs.create(tmp, False)
        done = False
        try:
            writer = _HadoopWriter(out)
            yield writer
            writer.flush()
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


def hadoop_input(sc, uri: str):
    """A seekable binary file reading ``uri`` through Hadoop's file systems."""
    with spark_errors(uri):
        _, fs, path = _hadoop(sc, uri)
        if not fs.exists(path):
            raise CikuangError("no such file", uri)
        status = fs.getFileStatus(path)
        if status.isDirectory():
            raise CikuangError("is a directory, not a saved counts file", uri)
        return io.BufferedReader(_HadoopReader(fs.open(path), status.getLen()), _CHUNK)


def save_lines(sc, uri: str, lines) -> None:
    """Write the text ``lines`` (UTF-8) as one file at ``uri``, through Hadoop's file systems."""
    with hadoop_output(sc, uri) as out:
        for line in lines:
            out.write(line.encode("utf-8"))


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
