"""Engines: where the recipe's passes over a corpus run (see :mod:`cikuang.engines.base`).

``local`` (:class:`cikuang.engines.local.engine.LocalEngine`): this machine, threads, a unit stream
on disk. ``spark`` (:class:`cikuang.engines.spark.engine.SparkEngine`, ``pip install "cikuang[spark]"``):
a Spark cluster. Both implement :class:`cikuang.engines.base.Engine`.
"""
