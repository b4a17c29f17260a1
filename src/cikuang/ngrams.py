"""Exact n-gram statistics of a corpus: the ``count`` stage on its own, as an export."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass

import numpy as np

from .corpus import Corpus
from .counting import NgramCounts, UnitIds, bits_for, count_stream
from .discover import encode_corpus, parse_memory, resolve_engine
from .errors import CikuangError
from .lexicon import atomic_output
from .progress import Progress
from .textmodel import UnitVocab
from .unitstream import check_not_empty, default_workers
from .words import unpack


@dataclass
class NgramTable:
    """Every n-gram of 1..order units with its count; ``n_units`` is N, the number of unit tokens."""

    counts: NgramCounts
    unit_ids: UnitIds
    vocab: UnitVocab
    n_units: int

    def __len__(self) -> int:
        return len(self.counts)

    def strings(self) -> np.ndarray:
        """The n-grams as text, in the order of ``self.counts.keys``."""
        c = self.counts
        lengths = c.lengths()
        ids = unpack(c.keys, lengths, c.bits, c.order)
        names = np.array([""] + [self.vocab.unit_text(int(x)) for x in self.unit_ids.codes[1:]],
                         dtype=np.dtypes.StringDType())
        out = names[ids[:, 0]]
        for j in range(1, c.order):
            out = np.strings.add(out, names[ids[:, j]])
        return out

    def to_dict(self) -> dict[str, int]:
        return dict(zip(self.strings().tolist(), self.counts.counts.tolist()))

    def save(self, path=None) -> None:
        """Write ``ngram<TAB>count`` lines (after a header), by length, then count descending."""
        strings = self.strings()
        lengths = self.counts.lengths()
        order = np.lexsort((strings, -self.counts.counts, lengths))
        with atomic_output(path) as f:
            f.write("ngram\tcount\n")
            step = 1 << 20
            for i in range(0, len(order), step):
                sel = order[i : i + step]
                rows = np.strings.add(np.strings.add(strings[sel], "\t"), self.counts.counts[sel].astype(str))
                f.write("\n".join(rows.tolist()) + "\n")


def count(inputs, order: int = 4, *, workers: int | None = None, memory="2G", tmp_dir=None,
          progress: bool = False, engine: str | None = None, spark=None, spark_master: str | None = None,
          **corpus_options) -> NgramTable:
    """Exact counts of every n-gram of 1..``order`` units within clauses of ``inputs``.

    ``inputs`` as for :func:`cikuang.discover`; ``corpus_options`` are ``encoding``, ``errors``,
    ``glob`` and ``jsonl_field``. ``engine="spark"`` (or ``spark=`` a SparkSession) counts with
    Spark and returns a :class:`~cikuang.spark_engine.SparkNgramTable`, which saves the same file.

    >>> table = count(["天下大势，分久必合"], order=2)
    >>> table.to_dict()["天下"], table.n_units
    (1, 8)
    """
    if not isinstance(order, int) or not 1 <= order <= 8:
        raise CikuangError(f"order must be an integer from 1 to 8, not {order!r}")
    if resolve_engine(engine, spark, inputs) == "spark":
        from .spark_engine import count_spark

        return count_spark(inputs, order, spark=spark, spark_master=spark_master, progress=progress,
                           **corpus_options)
    corpus = Corpus.from_inputs(inputs, **corpus_options)
    name = corpus.name
    workers = workers or default_workers()
    mem = parse_memory(memory)
    bars = Progress(enabled=progress)
    with tempfile.TemporaryDirectory(prefix="cikuang-", dir=tmp_dir) as work:
        stream = encode_corpus(corpus, work, workers, bars)
        check_not_empty(stream, name)
        unit_ids = UnitIds.by_frequency(stream.unit_counts)
        bits = bits_for(len(unit_ids), order)
        counts = count_stream(stream, unit_ids, order, bits, mem, work, workers, bars, 1)
    return NgramTable(counts, unit_ids, stream.vocab, stream.n_units)
