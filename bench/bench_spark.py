"""Wall time and peak memory of `cikuang discover` with the local engine and with Spark `local[N]`.

Usage: python bench/bench_spark.py CORPUS [--repeats 3] [--cores 2] [--args "--format tsv"]

Each run is the command line in a fresh process (so the Spark runs pay for starting the JVM, as a
user does). Peak RSS is the largest sum of the resident sets of the process and all its
descendants (the driver's Python, the JVM, Spark's Python workers), sampled from /proc every 50 ms;
``getrusage(RUSAGE_CHILDREN)`` would only give the largest single process. The outputs of the two
engines are compared byte for byte. Prints one line per engine: median wall time, MB/s, peak RSS
(the largest over the repeats).
"""
from __future__ import annotations

import argparse
import filecmp
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree_rss(pid: int) -> int:
    """Bytes resident in ``pid`` and all its descendants."""
    kids = _children()
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, ()))
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


def run(cmd: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS of the process tree in bytes) of ``cmd``."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    err = proc.stderr.read()
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {shlex.join(cmd)}\n{err}")
    return wall, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cores", type=int, default=2, help="local engine --workers and Spark local[N]")
    ap.add_argument("--args", default="--format tsv", help="further arguments of cikuang discover")
    ap.add_argument("--engines", default="local,spark")
    opts = ap.parse_args()
    size = os.path.getsize(opts.corpus)
    base = [sys.executable, "-m", "cikuang.cli", "discover", opts.corpus, "-q", *shlex.split(opts.args)]
    engines = {
        "local": ["--workers", str(opts.cores)],
        "spark": ["--engine", "spark", "--spark-master", f"local[{opts.cores}]"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        outputs = {}
        for name in opts.engines.split(","):
            out = os.path.join(tmp, f"{name}.out")
            walls, peaks = [], []
            for _ in range(opts.repeats):
                wall, peak = run(base + engines[name] + ["-o", out])
                walls.append(wall)
                peaks.append(peak)
            outputs[name] = out
            wall = statistics.median(walls)
            print(f"{name:>5} {os.path.basename(opts.corpus)} ({size / 1e6:.1f} MB): wall {wall:.1f} s "
                  f"(runs {', '.join(f'{w:.1f}' for w in walls)}), {size / 1e6 / wall:.2f} MB/s, "
                  f"peak RSS {max(peaks) / 2**20:.0f} MB", flush=True)
        if len(outputs) == 2:
            same = filecmp.cmp(*outputs.values(), shallow=False)
            print(f"outputs byte-identical: {same}")


if __name__ == "__main__":
    main()
