#!/usr/bin/env python3
"""Speed, memory and agreement benchmark of ``cikuang discover --preset kexue2019``.

In one run, on one corpus:

* ``cikuang discover CORPUS --preset kexue2019 -q -o OUT`` as a subprocess, ``--repeats`` times;
* (``--baseline``, the default) the pure-Python implementation in ``baseline_pure_python.py``,
  once, with the same thresholds (order 4, min count 32, min PMI 0,2,4,6);
* (``--compare-memory``) cikuang once more with ``--memory SIZE`` (default 1G), and a check that
  its output is byte-identical to the default run's.

Each subprocess is measured for wall time (``time.perf_counter`` around spawn and ``os.wait4``),
CPU time and peak memory. Peak memory is reported two ways:

* ``max RSS``: ``ru_maxrss`` from ``os.wait4``: exact, the peak of the largest single process
  (the cikuang process or one of its encoding worker processes, whichever was larger);
* ``tree PSS``: the peak, over samples taken every ``--sample-interval`` seconds, of the summed
  proportional set size (``/proc/PID/smaps_rollup``) of the process and all its descendants.
  cikuang forks worker processes while reading; PSS splits shared copy-on-write pages between
  them, so this is the memory the whole job holds. Being sampled, it can miss short spikes.

The two outputs are compared on their words of two or more characters (pure numbers excluded:
cikuang drops them by default), with counts. Figures are printed, never asserted.

Usage:
  python bench/bench_discover.py --corpus /tmp/bench/bench-real.txt --repeats 3
  python bench/bench_discover.py --corpus /tmp/bench/bench-real-x10.txt --repeats 1 --no-baseline --compare-memory
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline_pure_python.py"
BASELINE_STYLES = {"counter": "Counter.update", "loops": "2017 loops"}
PRESET = {"order": 4, "min_count": 32, "min_pmi": "0,2,4,6"}  # kexue2019, as in the issue


@dataclass
class Run:
    label: str
    cmd: list[str]
    wall_s: float = 0.0
    user_s: float = 0.0
    sys_s: float = 0.0
    max_rss_mb: float = 0.0  # ru_maxrss of the largest single process (exact)
    tree_rss_mb: float = 0.0  # sampled peak of the summed RSS of the process tree
    tree_pss_mb: float = 0.0  # sampled peak of the summed PSS of the process tree
    n_samples: int = 0
    spilled: bool | None = None  # a spill directory appeared in the run's TMPDIR (None: not watched)
    returncode: int = 0
    output: str = ""
    output_sha256: str = ""
    stderr_tail: str = ""
    extra: dict = field(default_factory=dict)


# -- measuring a subprocess --------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    """The pid and all its descendants (from /proc/PID/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def _rss_pss_kb(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


class TreeSampler(threading.Thread):
    """Samples the summed RSS and PSS of a process tree until stopped."""

    def __init__(self, pid: int, interval: float, tmpdir: str | None = None):
        super().__init__(daemon=True)
        self.pid, self.interval, self.tmpdir = pid, interval, tmpdir
        self.peak_rss_kb = self.peak_pss_kb = self.samples = 0
        self.spilled = False
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            rss = pss = 0
            for p in _tree(self.pid):
                r, s = _rss_pss_kb(p)
                rss += r
                pss += s
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self.samples += 1
            if self.tmpdir and not self.spilled:
                self.spilled = any(Path(self.tmpdir).glob("*/spill"))
            self._stop_event.wait(self.interval)

    def stop(self):
        self._stop_event.set()
        self.join()


def measure(label: str, cmd: list[str], output: str, interval: float, tmpdir: str | None = None) -> Run:
    """Run ``cmd`` and measure it. With ``tmpdir``, the child's TMPDIR points there (a fresh
    directory), so that the sampler can see whether cikuang created a spill directory."""
    run = Run(label, cmd, output=output)
    env = None
    if tmpdir:
        os.makedirs(tmpdir, exist_ok=True)
        env = dict(os.environ, TMPDIR=tmpdir)
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        sampler = (TreeSampler(proc.pid, interval, tmpdir)
                   if interval > 0 and Path("/proc/self/smaps_rollup").exists() else None)
        if sampler:
            sampler.start()
        _, status, ru = os.wait4(proc.pid, 0)
        run.wall_s = time.perf_counter() - t0
        if sampler:
            sampler.stop()
        proc.returncode = run.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        run.stderr_tail = err.read().decode("utf-8", "replace")[-2000:]
    run.user_s, run.sys_s = ru.ru_utime, ru.ru_stime
    run.max_rss_mb = ru.ru_maxrss / 1024  # kilobytes on Linux
    if sampler:
        run.tree_rss_mb = sampler.peak_rss_kb / 1024
        run.tree_pss_mb = sampler.peak_pss_kb / 1024
        run.n_samples = sampler.samples
        run.spilled = sampler.spilled if tmpdir else None
    if run.returncode == 0 and os.path.exists(output):
        run.output_sha256 = sha256(output)
    return run


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check(run: Run) -> None:
    status = "ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})"
    pss = f"{run.tree_pss_mb:.0f} MB" if run.n_samples else "not sampled"
    spill = "" if run.spilled is None else f", spilled to disk: {'yes' if run.spilled else 'no'}"
    print(f"  {run.label}: {status}, {run.wall_s:.2f} s wall, {run.user_s + run.sys_s:.1f} s CPU, "
          f"max RSS {run.max_rss_mb:.0f} MB, tree PSS {pss}{spill}", flush=True)
    if run.returncode != 0:
        print("  stderr: " + run.stderr_tail.strip().replace("\n", "\n  stderr: "), flush=True)


# -- commands ----------------------------------------------------------------------------------


def cikuang_cmd(args) -> list[str]:
    if args.cikuang:
        return args.cikuang.split()
    beside = Path(sys.executable).parent / "cikuang"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("cikuang")
    return [found] if found else [sys.executable, "-m", "cikuang.cli"]


def out_ext(args) -> str:
    return "tsv" if args.format == "tsv" else "jieba.txt"


def discover_cmd(args, corpus: str, out: str, memory: str | None = None) -> list[str]:
    cmd = cikuang_cmd(args) + ["discover", corpus, "--preset", "kexue2019", "-q", "--format", args.format, "-o", out]
    if memory is not None:
        cmd += ["--memory", memory]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    return cmd


def baseline_cmd(corpus: str, out: str, style: str = "counter") -> list[str]:
    cmd = [sys.executable, str(BASELINE), corpus, "-o", out, "--order", str(PRESET["order"]),
           "--min-count", str(PRESET["min_count"]), "--min-pmi", PRESET["min_pmi"]]
    return cmd + (["--style", style] if style != "counter" else [])


# -- comparing outputs -------------------------------------------------------------------------


def read_cikuang(path: str) -> dict[str, int]:
    words = {}
    with open(path, encoding="utf-8") as f:
        if not path.endswith(".tsv"):
            return read_baseline(path)
        header = f.readline().rstrip("\n").split("\t")
        assert header[:2] == ["word", "count"], f"unexpected header in {path}: {header}"
        for line in f:
            w, c = line.rstrip("\n").split("\t")[:2]
            words[w] = int(c)
    return words


def read_baseline(path: str) -> dict[str, int]:
    words = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            w, c = line.split()
            words[w] = int(c)
    return words


def compare(ck: dict[str, int], base: dict[str, int], min_chars: int) -> dict:
    def sel(d):
        return {w: c for w, c in d.items() if len(w) >= min_chars and not w.isdigit()}

    a, b = sel(ck), sel(base)
    only_ck = sorted(set(a) - set(b), key=lambda w: -a[w])
    only_base = sorted(set(b) - set(a), key=lambda w: -b[w])
    diff_count = sorted((w for w in set(a) & set(b) if a[w] != b[w]), key=lambda w: -b[w])
    return {
        "min_chars": min_chars,
        "cikuang_words": len(a),
        "baseline_words": len(b),
        "only_cikuang": len(only_ck),
        "only_baseline": len(only_base),
        "count_differs": len(diff_count),
        "differences": len(only_ck) + len(only_base) + len(diff_count),
        "examples_only_cikuang": [(w, a[w]) for w in only_ck[:10]],
        "examples_only_baseline": [(w, b[w]) for w in only_base[:10]],
        "examples_count_differs": [(w, a[w], b[w]) for w in diff_count[:10]],
    }


# -- report ------------------------------------------------------------------------------------


def environment(corpus: str) -> dict:
    def git(*a):
        try:
            return subprocess.run(["git", "-C", str(HERE.parent), *a], capture_output=True, text=True,
                                  timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        from importlib.metadata import version

        ck_version = version("cikuang")
    except Exception:  # noqa: BLE001
        ck_version = "?"
    dirty = git("status", "--porcelain", "--", "src")
    return {
        "corpus": corpus,
        "corpus_bytes": os.path.getsize(corpus),
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "ram_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "cikuang": ck_version,
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "src_uncommitted_changes": bool(dirty),
        "src_sha256": src_hash(),  # of src/**/*.py as run: which code was measured
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def src_hash() -> str:
    """A short hash of src/**/*.py: which code was measured (and whether it changed meanwhile)."""
    src = hashlib.sha256()
    for path in sorted((HERE.parent / "src").rglob("*.py")):
        src.update(str(path.relative_to(HERE.parent)).encode() + b"\0" + path.read_bytes())
    return src.hexdigest()[:12]


def mbps(nbytes: int, seconds: float) -> float:
    return nbytes / 1e6 / seconds if seconds > 0 else float("nan")


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for k, r in enumerate(rows):
        print("| " + " | ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)) + " |")
        if k == 0:
            print("|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("Usage:")[1])
    p.add_argument("--corpus", required=True, help="a UTF-8 text file, e.g. /tmp/bench/bench-real.txt")
    p.add_argument("--repeats", type=int, default=3, help="timed cikuang runs; the median is reported (default 3)")
    p.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True,
                   help="also run the pure-Python baseline once (default: yes; it is slow)")
    p.add_argument("--baseline-style", choices=("counter", "loops", "both"), default="counter",
                   help="counter (default): Counter.update over each clause's substrings; loops: one explicit "
                        "'counts[w] += 1' per occurrence, as in the 2017 post's code (slower); both")
    p.add_argument("--compare-memory", action="store_true",
                   help="also run cikuang with --memory SIZE and check its output equals the default run's")
    p.add_argument("--memory", default="1G",
                   help="the budget(s) for --compare-memory, comma-separated for several runs (default 1G)")
    p.add_argument("--format", choices=("tsv", "jieba"), default="tsv",
                   help="cikuang's output: tsv (default; with neighbour entropies, one more pass) or jieba "
                        "('word count' lines, what the baseline writes)")
    p.add_argument("--workers", type=int, help="pass --workers N to cikuang (default: cikuang's default, all cores)")
    p.add_argument("--warmup", action=argparse.BooleanOptionalAction, default=True,
                   help="first run cikuang once, untimed, on the first 2 MB of the corpus, so that "
                        "the page cache and the installed package are warm (default: yes)")
    p.add_argument("--sample-interval", type=float, default=0.1,
                   help="seconds between process-tree memory samples; 0 disables them (default 0.1)")
    p.add_argument("--cikuang", help="the cikuang command (default: the console script of this Python)")
    p.add_argument("--workdir", help="where outputs go (default: a new temporary directory, kept)")
    p.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    args = p.parse_args(argv)

    corpus = os.path.abspath(args.corpus)
    if not os.path.isfile(corpus):
        sys.exit(f"bench_discover: no such file: {corpus}")
    work = args.workdir or tempfile.mkdtemp(prefix="cikuang-bench-")
    os.makedirs(work, exist_ok=True)
    env = environment(corpus)
    size = env["corpus_bytes"]
    print(f"corpus {corpus}: {size:,} bytes ({size / 1e6:.1f} MB)")
    print(f"machine: {env['cpu']}, {env['cores']} cores, {env['ram_gb']} GB RAM; Python {env['python']}; "
          f"cikuang {env['cikuang']} at {env['git_commit']}"
          + (" + uncommitted changes in src/" if env["src_uncommitted_changes"] else "")
          + f" (src/**/*.py sha256 {env['src_sha256']})")
    print(f"outputs in {work}; load average at start {env['load_average_at_start']}", flush=True)

    if args.warmup:
        sample = os.path.join(work, "warmup.txt")
        with open(corpus, "rb") as f, open(sample, "wb") as g:
            g.write(f.read(2 << 20) + f.readline())
        print("warm-up (untimed, first 2 MB):", flush=True)
        check(measure("warm-up", discover_cmd(args, sample, os.path.join(work, "warmup-out." + out_ext(args))),
                      os.path.join(work, "warmup-out." + out_ext(args)), 0))

    print(f"cikuang, {args.repeats} run(s):", flush=True)
    ck_runs = []
    for i in range(args.repeats):
        out = os.path.join(work, f"cikuang-{i + 1}." + out_ext(args))
        run = measure(f"cikuang run {i + 1}", discover_cmd(args, corpus, out), out, args.sample_interval,
                      os.path.join(work, f"tmp-{i + 1}"))
        check(run)
        ck_runs.append(run)
    ok_runs = [r for r in ck_runs if r.returncode == 0]
    if not ok_runs:
        print("cikuang failed; nothing to report")
        return 1
    identical_runs = len({r.output_sha256 for r in ok_runs}) == 1

    mem_runs = []  # (budget, Run)
    if args.compare_memory:
        for budget in args.memory.split(","):
            out = os.path.join(work, f"cikuang-memory-{budget}." + out_ext(args))
            print(f"cikuang with --memory {budget}:", flush=True)
            run = measure(f"cikuang --memory {budget}", discover_cmd(args, corpus, out, budget), out,
                          args.sample_interval, os.path.join(work, f"tmp-memory-{budget}"))
            check(run)
            mem_runs.append((budget, run))

    base_runs = []  # (style, Run)
    if args.baseline:
        styles = ("counter", "loops") if args.baseline_style == "both" else (args.baseline_style,)
        for style in styles:
            out = os.path.join(work, f"baseline-{style}.txt")
            print(f"pure-Python baseline ({style}), 1 run (slow):", flush=True)
            run = measure(f"baseline ({style})", baseline_cmd(corpus, out, style), out, args.sample_interval)
            check(run)
            base_runs.append((style, run))
    ok_base = [(s, r) for s, r in base_runs if r.returncode == 0]

    # -- the table --
    med = statistics.median(r.wall_s for r in ok_runs)
    print()
    print(f"## {os.path.basename(corpus)} ({size / 1e6:.1f} MB), {env['cores']} cores")
    print()
    rows = [["program", "runs", "wall s (median)", "min..max s", "CPU s", "MB/s", "max RSS MB", "tree PSS MB",
             "time vs cikuang"]]

    def row(label, runs):
        walls = [r.wall_s for r in runs]
        m = statistics.median(walls)
        return [label, str(len(runs)), f"{m:.2f}", f"{min(walls):.2f}..{max(walls):.2f}",
                f"{statistics.median(r.user_s + r.sys_s for r in runs):.1f}", f"{mbps(size, m):.2f}",
                f"{max(r.max_rss_mb for r in runs):.0f}", f"{max(r.tree_pss_mb for r in runs):.0f}",
                f"{m / med:.1f}x"]

    rows.append(row("cikuang --preset kexue2019", ok_runs))
    for budget, run in mem_runs:
        if run.returncode == 0:
            rows.append(row(f"cikuang --preset kexue2019 --memory {budget}", [run]))
    for style, run in ok_base:
        rows.append(row(f"pure-Python baseline, {BASELINE_STYLES[style]}", [run]))
    print_table(rows)
    print()
    print("max RSS: ru_maxrss of the largest single process (os.wait4, exact); tree PSS: sampled peak "
          f"of the summed PSS of the process and its children (every {args.sample_interval:g} s).")
    results = {"env": env, "cikuang_runs": [asdict(r) for r in ck_runs], "cikuang_median_s": med,
               "cikuang_mb_per_s": mbps(size, med), "identical_across_runs": identical_runs}
    print(f"cikuang outputs byte-identical across its {len(ok_runs)} run(s): {'yes' if identical_runs else 'NO'}")

    if ok_base:
        ck_words = read_cikuang(ok_runs[0].output)
        results["baselines"] = {}
    for style, run in ok_base:
        ratio = run.wall_s / med
        print(f"speed ratio baseline ({style}) / cikuang (median): {ratio:.1f}")
        base_words = read_baseline(run.output)
        entry = results["baselines"][style] = {"run": asdict(run), "speed_ratio": ratio, "agreement": []}
        for min_chars in (2, 1):
            c = compare(ck_words, base_words, min_chars)
            entry["agreement"].append(c)
            what = "words of >= 2 characters" if min_chars == 2 else "all words"
            print(f"  agreement on {what} (pure numbers excluded), with counts: cikuang {c['cikuang_words']}, "
                  f"baseline {c['baseline_words']}; {c['differences']} differences ({c['only_cikuang']} only in "
                  f"cikuang, {c['only_baseline']} only in baseline, {c['count_differs']} with other counts)")
            if c["differences"] and min_chars == 2:
                for key in ("examples_only_cikuang", "examples_only_baseline", "examples_count_differs"):
                    if c[key]:
                        print(f"    {key.replace('_', ' ')}: {c[key]}")

    if mem_runs:
        results["memory_runs"] = {}
    for budget, run in mem_runs:
        if run.returncode != 0:
            print(f"--memory {budget}: the run FAILED (exit {run.returncode}); nothing to compare")
            results["memory_runs"][budget] = {"run": asdict(run), "output_identical": None}
            continue
        same = run.output_sha256 == ok_runs[0].output_sha256
        print(f"--memory {budget} vs default: outputs byte-identical: {'yes' if same else 'NO'}; "
              f"spilled to disk: {'yes' if run.spilled else 'no'} vs "
              f"{'yes' if any(r.spilled for r in ok_runs) else 'no'}; "
              f"max RSS {run.max_rss_mb:.0f} MB vs {max(r.max_rss_mb for r in ok_runs):.0f} MB; "
              f"tree PSS {run.tree_pss_mb:.0f} MB vs {max(r.tree_pss_mb for r in ok_runs):.0f} MB; "
              f"wall {run.wall_s:.2f} s vs {med:.2f} s (median)")
        results["memory_runs"][budget] = {"run": asdict(run), "output_identical": same}

    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["src_sha256_at_end"] = src_hash()
    if results["src_sha256_at_end"] != env["src_sha256"]:
        print(f"WARNING: src/ changed during the benchmark ({env['src_sha256']} -> {results['src_sha256_at_end']}): "
              "the runs may have measured different code")
    print(f"load average at end: {results['load_average_at_end']} (other work on the machine skews timings)")
    print()
    print("commands:")
    print("  " + " ".join(ok_runs[0].cmd))
    for _, run in mem_runs:
        print("  " + " ".join(run.cmd))
    for _, run in base_runs:
        print("  " + " ".join(run.cmd))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, ensure_ascii=False, indent=1)
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
