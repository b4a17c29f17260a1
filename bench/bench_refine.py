#!/usr/bin/env python3
"""What the refine stage costs: ``cikuang discover`` with and without it, in the same run.

For ``--repeats`` rounds, alternately (so that both see the same machine load):

* ``cikuang discover CORPUS --no-refine -q -o A``: discovery alone;
* ``cikuang discover CORPUS -q -o B``: the default, discovery then the refine stage.

Each is a measured subprocess (wall time, peak RSS). Printed: the medians, the refine stage's cost
(default minus discovery alone, median of the per-round differences) and its ratio to discovery
alone (issue 4 allows at most 3x). Figures are printed, never asserted.

Usage:
  python bench/bench_refine.py --corpus /tmp/bench/bench-real.txt --repeats 5
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

from measure import run_measured


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True, help="raw text (e.g. bench-real.txt from make_bench_corpus.py)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    size_mb = os.path.getsize(args.corpus) / 1e6
    plain, full = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            for label, extra, out in (("discovery alone", ["--no-refine"], plain), ("default", [], full)):
                m = run_measured([sys.executable, "-m", "cikuang.cli", "discover", args.corpus, *extra, "-q",
                                  "-o", os.path.join(tmp, "lex.tsv")])
                if m.returncode:
                    print(f"{label} failed (exit {m.returncode}): {m.stderr.strip()[-300:]}", file=sys.stderr)
                    return 1
                out.append(m)
                print(f"round {i + 1}: {label:16} {m.wall_s:6.2f} s  {m.max_rss_mb:6.0f} MB", file=sys.stderr)
    med = statistics.median
    t_plain, t_full = med(m.wall_s for m in plain), med(m.wall_s for m in full)
    cost = med(f.wall_s - p.wall_s for p, f in zip(plain, full))
    print(f"corpus: {args.corpus} ({size_mb:.1f} MB), {args.repeats} rounds, medians")
    print("| run | wall s | peak RSS MB |")
    print("|---|---|---|")
    print(f"| discover --no-refine (discovery alone) | {t_plain:.2f} | {med(m.max_rss_mb for m in plain):.0f} |")
    print(f"| discover (default: discovery + refine) | {t_full:.2f} | {med(m.max_rss_mb for m in full):.0f} |")
    print(f"refine stage: {cost:.2f} s = {cost / t_plain:.2f}x discovery alone (issue 4 allows 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
