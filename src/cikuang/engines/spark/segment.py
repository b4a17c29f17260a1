"""Segmenting a table column on Spark: the daily job once a lexicon is mined.

>>> from cikuang.engines.spark import segment_column          # doctest: +SKIP
>>> words = segment_column(posts, "body", "words.tsv")           # doctest: +SKIP
>>> words.select("id", "words").show()                          # doctest: +SKIP
"""
from __future__ import annotations

from ...errors import CikuangError
from ...sources import choose_column, is_spark_frame
from .session import spark_errors
from .shuffle import cached


def segment_column(df, column: str, segmenter, output_col: str = "words"):
    """``df`` with one more column, ``output_col``: the words of ``column`` (an ``array<string>``,
    null for a null text), as :meth:`cikuang.Segmenter.cut` gives them.

    ``segmenter``: a :class:`~cikuang.Segmenter`, or what one is built from (a
    :class:`~cikuang.Lexicon`, the path of a lexicon file on the driver, a mapping of word to
    count). It is built once on the driver, broadcast, and unpickled once per executor process; the
    words are cut by a Python UDF (no pyarrow needed). The result is lazy, as any DataFrame.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, StringType

    from ...segmenter import Segmenter

    if not is_spark_frame(df):
        raise CikuangError(f"segment_column takes a Spark DataFrame, not {type(df).__name__}")
    strings = [f.name for f in df.schema.fields if isinstance(f.dataType, StringType)]
    column = choose_column(strings, list(df.columns), column)
    if output_col in df.columns:
        raise CikuangError(f"the DataFrame has a column {output_col!r} already: choose another output_col")
    seg = segmenter if isinstance(segmenter, Segmenter) else Segmenter(segmenter)
    with spark_errors("segment_column"):
        bc = df.sparkSession.sparkContext.broadcast(seg)

        def cut(text):
            return None if text is None else cached(bc).lcut(text)

        return df.withColumn(output_col, F.udf(cut, ArrayType(StringType()), useArrow=False)(F.col(column)))
