"""Shared fixtures: the Spark session, and the ``engine`` fixture that runs a test on both engines.

The helpers (helpers.py, oracle.py) are importable whatever pytest's import mode.
"""
import importlib.util
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))


def _spark_missing() -> str:
    """Why the Spark tests cannot run here ('' when they can): pyspark is an extra (`spark`), and
    its launcher needs Java, $JAVA_HOME/bin/java or else `java` on the PATH, as pyspark looks."""
    missing = []
    if importlib.util.find_spec("pyspark") is None:
        missing.append("pyspark is not installed (pip install '.[test,spark]')")
    java_home = os.environ.get("JAVA_HOME")
    exe = "java.exe" if os.name == "nt" else "java"
    java = os.path.join(java_home, "bin", exe) if java_home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        missing.append(f"no Java ({'$JAVA_HOME/bin/java' if java_home else 'java on the PATH'}; Spark needs Java 17)")
    return "; ".join(missing)


SPARK_MISSING = _spark_missing()
HAVE_SPARK = not SPARK_MISSING
needs_spark = pytest.mark.skipif(not HAVE_SPARK, reason=f"Spark test: {SPARK_MISSING}")


@pytest.fixture(scope="session")
def spark():
    """One local[2] Spark session for the whole run (a JVM takes seconds to start)."""
    if not HAVE_SPARK:
        pytest.skip(f"Spark test: {SPARK_MISSING}")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("cikuang-tests")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2").config("spark.cikuang.buckets", "2")
               .config("spark.locality.wait", "0")  # one machine: no task should wait for a "local" slot
               .config("spark.driver.memory", "1g").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


class Engine:
    """One engine's way of running discovery and counting, for tests that run against both (as
    gensim runs one test class against two implementations). Hypothesis tests draw one example on
    Spark (:meth:`max_examples`): a Spark run costs seconds where a local one costs milliseconds,
    and the local engine's many examples already cover the inputs."""

    def __init__(self, name: str, spark=None):
        self.name = name
        self.spark = spark

    def params(self, params: dict) -> dict:
        if self.name == "spark":
            params = {k: v for k, v in params.items() if k != "workers"}
            params["spark"] = self.spark
        return params

    def discoverer(self, **params):
        import cikuang

        return cikuang.Discoverer(**self.params(params))

    def discover(self, inputs, **params):
        return self.discoverer(**params).fit(inputs).lexicon_

    def max_examples(self, n: int) -> int:
        return n if self.name == "local" else 1


@pytest.fixture(scope="module", params=["local", pytest.param("spark", marks=needs_spark)])
def engine(request):
    """The local engine, then the Spark engine (skipped without pyspark and Java)."""
    if request.param == "local":
        return Engine("local")
    return Engine("spark", request.getfixturevalue("spark"))
