"""``count(..., engine="spark")``'s result: every n-gram with its count, kept on the cluster."""
from __future__ import annotations

from ...output import atomic_output
from ...sources import is_url
from .session import spark_errors


class SparkNgramTable:
    """Every n-gram with its count, kept in Spark, sorted as :meth:`cikuang.ngrams.NgramTable.save`
    writes them (by length, then count descending)."""

    def __init__(self, rows, n_units: int):
        self._rows = rows  # RDD of (length, -count, ngram), sorted
        self.n_units = n_units

    def __len__(self) -> int:
        return self._rows.count()

    def rows(self):
        """(ngram, count) in the order of the saved file, streamed a partition at a time."""
        with spark_errors("count"):
            for _, neg, gram in self._rows.toLocalIterator():
                yield gram, -neg

    def to_spark(self):
        """The counts as a Spark DataFrame with the saved file's columns (``ngram``, ``count``,
        ``units``: the n-gram's length in units), in its order: for a cluster job to keep or join."""
        from pyspark.sql.types import ByteType, LongType, StringType, StructField, StructType

        schema = StructType([StructField("ngram", StringType(), False), StructField("count", LongType(), False),
                             StructField("units", ByteType(), False)])
        with spark_errors("count"):
            from pyspark.sql import SparkSession

            session = SparkSession.builder.getOrCreate()  # the session of this table's context
            return session.createDataFrame(self._rows.map(lambda r: (r[2], -r[1], r[0])), schema)

    def to_dict(self) -> dict[str, int]:
        return dict(self.rows())

    def unpersist(self) -> None:
        """Free the table's cached partitions on the cluster (the table cannot be read after)."""
        self._rows.unpersist()

    def __enter__(self) -> "SparkNgramTable":
        return self

    def __exit__(self, *exc) -> None:
        self.unpersist()

    def open_output(self, uri: str):
        """A binary file written to ``uri`` through the cluster's Hadoop file systems, in place when
        complete (:func:`cikuang.engines.spark.output.hadoop_output`): where saved counts go."""
        from .output import hadoop_output

        return hadoop_output(self._rows.context, uri)

    def lines(self):
        """The lines of the saved file: a header, then ``ngram<TAB>count``."""
        yield "ngram\tcount\n"
        for gram, c in self.rows():
            yield f"{gram}\t{c}\n"

    def save(self, path=None) -> None:
        """Write ``ngram<TAB>count`` lines (after a header), as :meth:`NgramTable.save` does; a URI
        with a scheme (``hdfs://``, ``s3a://``, ``file://``) through Hadoop's file systems."""
        if path is not None and is_url(str(path)):
            from .output import save_lines

            save_lines(self._rows.context, str(path), self.lines())
            return
        with atomic_output(path) as f:
            buf = []
            for line in self.lines():
                buf.append(line)
                if len(buf) >= 1 << 16:
                    f.write("".join(buf))
                    buf = []
            f.write("".join(buf))
