"""``count(..., engine="spark")``'s result: every n-gram with its count, kept on the cluster."""
from __future__ import annotations

from ...output import atomic_output
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

    def to_dict(self) -> dict[str, int]:
        return dict(self.rows())

    def unpersist(self) -> None:
        """Free the table's cached partitions on the cluster (the table cannot be read after)."""
        self._rows.unpersist()

    def __enter__(self) -> "SparkNgramTable":
        return self

    def __exit__(self, *exc) -> None:
        self.unpersist()

    def save(self, path=None) -> None:
        """Write ``ngram<TAB>count`` lines (after a header), as :meth:`NgramTable.save` does."""
        with atomic_output(path) as f:
            f.write("ngram\tcount\n")
            buf = []
            for gram, c in self.rows():
                buf.append(f"{gram}\t{c}\n")
                if len(buf) >= 1 << 16:
                    f.write("".join(buf))
                    buf = []
            f.write("".join(buf))
