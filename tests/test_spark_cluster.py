"""The Spark engine on a real standalone cluster (a master and two workers on 127.0.0.1), not
only on ``local[N]``: ``cikuang discover --engine spark --spark-master spark://...`` writes the
local engine's files byte for byte.

The cluster is started with pyspark's own launcher (``$SPARK_HOME/bin/spark-class``, SPARK_HOME
the pyspark package) and stopped at the end whatever happens. The driver is a subprocess: the
other Spark tests keep a ``local[2]`` SparkContext in this process, and there can be one per
process. Everything binds to 127.0.0.1; logs, work directories and the Spark configuration live
under the test's temporary directory. Skipped when pyspark (or Java) is missing.

About 40 s on two cores: 10 s for the cluster, 25 s for the Spark run (most of it the driver's
and the two executors' JVMs starting). Hence only the tsv format: every further run is a new
application, with new executors, and costs as much again.
"""
from __future__ import annotations

import importlib.util
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import make_corpus, make_language

STORY = Path(__file__).parent / "fixtures" / "story.txt"
HOST = "127.0.0.1"
START_TIMEOUT = 60  # seconds for the master and both workers to be up
RUN_TIMEOUT = 180  # seconds for one cikuang run on the cluster

needs_spark = pytest.mark.skipif(
    shutil.which("java") is None or importlib.util.find_spec("pyspark") is None,
    reason="needs pyspark and Java (pip install 'cikuang[spark]')")

# The Spark settings of every process here (spark-submit, which pyspark runs to start the driver's
# JVM, reads them from SPARK_CONF_DIR; the master and workers too). Both executors must be up before the first job (cores.max x ratio), so that the
# run really is spread over the two workers; the app's UI is off.
SPARK_DEFAULTS = {
    "spark.driver.host": HOST,
    "spark.driver.bindAddress": HOST,
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.executor.memory": "512m",
    "spark.executor.cores": "1",
    "spark.cores.max": "2",
    "spark.scheduler.minRegisteredResourcesRatio": "1.0",
    "spark.scheduler.maxRegisteredResourcesWaitingTime": "60s",
    "spark.master.rest.enabled": "false",
    "spark.driver.defaultJavaOptions": "{jvm}",
    "spark.executor.defaultJavaOptions": "{jvm}",
}
# Short-lived JVMs on a small machine: the client compiler only, and the serial collector.
JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        return f"({path}: {e})"
    return f"--- {path.name} (last {lines} lines) ---\n" + "\n".join(text.splitlines()[-lines:])


def _group_alive(pgid: int) -> list[int]:
    """The processes (zombies aside) of process group ``pgid``."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] not in "ZX":
            alive.append(int(entry))
    return alive


def _stop_group(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM to ``proc``'s process group (the JVM and whatever it started: executors, their
    Python workers), then SIGKILL to what is left; returns once the group is gone."""
    pgid = proc.pid  # started with start_new_session: its own group
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            proc.poll()  # reap our own child
            if not _group_alive(pgid):
                return
            time.sleep(0.1)
    raise AssertionError(f"processes {_group_alive(pgid)} of group {pgid} survived SIGKILL")


def _environment(tmp: Path) -> dict:
    """The environment of every Spark process here: the pyspark package as SPARK_HOME, this
    interpreter for the executors' Python, 127.0.0.1 only, and a configuration of our own."""
    import pyspark

    conf = tmp / "conf"
    conf.mkdir()
    (conf / "spark-defaults.conf").write_text("".join(
        f"{k} {v.format(jvm=JVM_OPTIONS)}\n" for k, v in SPARK_DEFAULTS.items()))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYSPARK_GATEWAY", "PYSPARK_SUBMIT", "SPARK_"))}
    env.update({
        "SPARK_HOME": os.path.dirname(pyspark.__file__),
        "SPARK_CONF_DIR": str(conf),
        "SPARK_LOCAL_IP": HOST,
        "SPARK_LOCAL_HOSTNAME": HOST,
        "SPARK_LOG_DIR": str(tmp / "logs"),
        "SPARK_WORKER_DIR": str(tmp / "work"),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "SPARK_DAEMON_MEMORY": "512m",
        "SPARK_DAEMON_JAVA_OPTS": JVM_OPTIONS,
    })
    (tmp / "logs").mkdir()
    return env


class Cluster:
    """A standalone master and two workers, each a ``spark-class`` process in a group of its own."""

    def __init__(self, tmp: Path, n_workers: int = 2):
        self.tmp = tmp
        tmp.mkdir(parents=True)
        self.env = _environment(tmp)
        self.logs = tmp / "logs"
        self.procs: list[tuple[subprocess.Popen, Path]] = []
        self.port = _free_port()
        self.url = f"spark://{HOST}:{self.port}"
        self.n_workers = n_workers
        self.worker_ports: list[int] = []
        self.work_dirs: list[Path] = []

    def _launch(self, name: str, *args: str) -> None:
        log = self.logs / f"{name}.log"
        spark_class = os.path.join(self.env["SPARK_HOME"], "bin", "spark-class")
        with open(log, "wb") as out:
            proc = subprocess.Popen([spark_class, *args], env=self.env, cwd=self.tmp, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append((proc, log))

    def start(self) -> None:
        self._launch("master", "org.apache.spark.deploy.master.Master",
                     "--host", HOST, "--port", str(self.port), "--webui-port", str(_free_port()))
        self._wait(lambda: "I have been elected leader" in self._log(0), "the master to be elected leader")
        for i in range(self.n_workers):
            port, work = _free_port(), self.tmp / "work" / f"worker{i}"
            work.mkdir(parents=True)
            self.worker_ports.append(port)
            self.work_dirs.append(work)
            self._launch(f"worker{i}", "org.apache.spark.deploy.worker.Worker",
                         "--host", HOST, "--port", str(port), "--webui-port", str(_free_port()),
                         "--cores", "1", "--memory", "1g", "--work-dir", str(work), self.url)
        self._wait(lambda: all(f"Registering worker {HOST}:{p}" in self._log(0) for p in self.worker_ports),
                   f"{self.n_workers} workers to register with the master")

    def _log(self, i: int) -> str:
        return self.procs[i][1].read_text(encoding="utf-8", errors="replace")

    def _wait(self, ready, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():
            dead = [log.name for proc, log in self.procs if proc.poll() is not None]
            if dead or time.monotonic() > deadline:
                why = f"exited: {', '.join(dead)}" if dead else f"not after {START_TIMEOUT} s"
                pytest.fail(f"standalone cluster: waiting for {what}, {why}\n{self.tails()}")
            time.sleep(0.2)

    def tails(self) -> str:
        return "\n".join(_tail(log) for _, log in self.procs)

    def stop(self) -> None:
        """Workers first (each kills its executors), then the master; none left running."""
        errors = []
        for proc, _ in reversed(self.procs):
            try:
                _stop_group(proc)
            except AssertionError as e:
                errors.append(str(e))
        if errors:
            raise AssertionError("; ".join(errors))

    def cikuang(self, *argv) -> subprocess.CompletedProcess:
        """``cikuang ARGV`` in a process (and group) of its own, with this cluster's environment."""
        cmd = [sys.executable, "-m", "cikuang.cli", *map(str, argv)]
        proc = subprocess.Popen(cmd, env=self.env, cwd=self.tmp, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            _stop_group(proc, timeout=5)
            out, err = proc.communicate()
            pytest.fail(f"{' '.join(map(str, argv))}: no result after {RUN_TIMEOUT} s\n"
                        f"{err.decode(errors='replace')[-3000:]}\n{self.tails()}")
        finally:
            _stop_group(proc, timeout=10)  # the driver's JVM, should it outlive its Python
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


@pytest.fixture
def cluster(tmp_path, request):
    c = Cluster(tmp_path / "cluster")
    request.addfinalizer(c.stop)  # before start(): a failed start stops what did start
    c.start()
    return c


@pytest.fixture
def corpus(tmp_path) -> Path:
    """The story and invented words with Latin runs and digits, CRLF and a BOM: about 60 kB, in
    several partitions."""
    rng = random.Random(11)
    words = make_language(rng, n_words=50, n_chars=45, max_len=6) + ["iPhone7", "GPU", "2019年", "5G网络"]
    lines = make_corpus(rng, words, 1500, per_line=6)
    text = "\ufeff" + "\r\n".join(lines[:50]) + "\n" + "\n".join(lines[50:]) + "\n"
    path = tmp_path / "corpus.txt"
    path.write_text(text + STORY.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@needs_spark
def test_discover_on_a_standalone_cluster(cluster, corpus, tmp_path):
    local, remote = tmp_path / "local.tsv", tmp_path / "cluster.tsv"
    r = cluster.cikuang("discover", corpus, "-o", local, "-q")
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    r = cluster.cikuang("discover", "--engine", "spark", "--spark-master", cluster.url, corpus, "-o", remote, "-q")
    # (not an empty stderr: at its stop, Spark 4 prints RejectedExecutionException traces itself,
    # with printStackTrace, when the executors' connections close)
    assert r.returncode == 0, f"{r.stderr.decode(errors='replace')[-3000:]}\n{cluster.tails()}"
    words = {line.split("\t")[0] for line in local.read_text(encoding="utf-8").splitlines()[1:]}
    assert len(words) > 100 and {"诸葛亮", "5G网络", "iPhone7"} <= words
    assert local.read_bytes() == remote.read_bytes()
    # the run was the cluster's: the master launched an executor on each worker
    for work in cluster.work_dirs:
        executors = list(work.glob("app-*/*/"))
        assert len(executors) == 1, (work, executors, cluster.tails())
