"""The Spark engine (:mod:`.engine`), and what it offers besides discovery: :func:`segment_column`
(a table column cut into words) and, in :mod:`.output`, files on any Hadoop file system and
lexicons as DataFrames. Importing this package does not import pyspark."""


def segment_column(df, column, segmenter, output_col="words"):
    """See :func:`cikuang.engines.spark.segment.segment_column`."""
    from .segment import segment_column as run

    return run(df, column, segmenter, output_col)
