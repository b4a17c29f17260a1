"""The Spark session the engine runs in, and Spark's errors as cikuang's one-line errors."""
from __future__ import annotations

import contextlib
import os
import sys
import warnings
from pathlib import Path

from ...errors import CikuangError, needs_package


def get_session(spark=None, master: str | None = None, progress=None):
    """``spark`` itself, else the active session, else a new one (``master``, by default
    ``local[*]`` unless ``spark-submit`` set one); with ``progress=False``, without Spark's console
    progress bar. Returns (session, whether this call started it)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise needs_package("the spark engine", "spark", "pyspark") from None
    if spark is not None:
        return spark, False
    active = SparkSession.getActiveSession()
    if active is not None:  # e.g. a notebook's or a test's session: use it, leave it running
        return active, False
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit started us and set the master
    if master is None and not submitted:
        master = "local[*]"
    if master is not None and master.startswith("local"):
        # executors are this machine's Python processes: the interpreter that has cikuang
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("cikuang")
    if not submitted:  # a JVM of our own: its log lines would bury cikuang's one-line errors
        config = Path(__file__).resolve().parents[2] / "data" / "spark-log4j2.properties"
        quiet = "-Dlog4j2.configurationFile=" + config.as_uri()
        # the driver's JVM only: executors log as their cluster says (in local mode the driver is the executor)
        builder = builder.config("spark.driver.extraJavaOptions", quiet)
    if progress is False:
        builder = builder.config("spark.ui.showConsoleProgress", "false")
    if master is not None:
        builder = builder.master(master)
    with spark_errors("Spark"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        session = builder.getOrCreate()
    return session, True


def active_session():
    """The active Spark session, or None (also without pyspark)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    return SparkSession.getActiveSession()


def stop_new_session(before) -> None:
    """Stop the active session if it is not ``before`` (the session active before a run): the
    command line stops what its run started, and leaves a caller's session running."""
    active = active_session()
    if active is not None and active is not before:
        active.stop()


@contextlib.contextmanager
def spark_errors(name: str):
    """Errors from Spark (a missing path, a failed task, no Java) as one-line :class:`CikuangError` s."""
    try:
        yield
    except CikuangError:
        raise
    except Exception as e:
        if not type(e).__module__.startswith(("py4j", "pyspark")):
            raise
        raise CikuangError(f"Spark failed: {_first_line(str(e))}", name) from e


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    for line in lines:  # a Java exception: ": org.apache...Exception: what happened"
        if line.startswith(": "):
            return line[2:]
    for line in reversed(lines):  # a Python one: its last line
        if not line.startswith(("JVM stacktrace", "at ", "...")):
            return line
    return lines[0] if lines else type(message).__name__


def n_buckets(spark) -> int:
    """Hash buckets (= shuffle partitions) of every stage: ``spark.cikuang.buckets`` if set,
    else twice the default parallelism."""
    conf = spark.sparkContext.getConf()
    value = conf.get("spark.cikuang.buckets")
    return int(value) if value else max(2, 2 * spark.sparkContext.defaultParallelism)
