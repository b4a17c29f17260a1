#!/usr/bin/env python3
"""Speed and memory of ``cikuang segment``, against jieba with the same lexicon, in one run.

On one corpus:

* the lexicon: ``--lexicon LEX``, or ``cikuang discover CORPUS -o LEX`` with default settings
  (timed once, reported as its own row);
* ``cikuang segment --lexicon LEX CORPUS -o OUT`` as a subprocess, ``--repeats`` times (median);
* the baseline (unless ``--no-baseline``), once: jieba 0.42.1 with the same lexicon as its only
  dictionary (``measure.JIEBA_SCRIPT``, the harness's: ``jieba.Tokenizer(dictionary=LEX)``,
  ``cut(line, HMM=False)``, words joined by two spaces), the seed author's way of segmenting with a mined lexicon. Both use
  the same model (maximum-probability path under unigram counts), so the outputs mostly agree; the
  agreement is reported as the F1 of one against the other (``cikuang.evaluate``).

Each command is run by ``measure.run_measured``: its wall time and its own peak RSS.
Figures are printed, never asserted.

Usage:
  python bench/bench_segment.py --corpus /tmp/bench/bench-real.txt --repeats 3
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from measure import JIEBA_SCRIPT, run_or_exit


def measure(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one command; the benchmark ends if it fails."""
    m = run_or_exit(cmd)
    return m.wall_s, m.max_rss_mb

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--lexicon", type=Path, help="a lexicon to use (default: discover one with default settings)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-baseline", action="store_true", help="skip jieba")
    ap.add_argument("--work", type=Path, help="where outputs go (default: a temporary directory)")
    args = ap.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="cikuang-bench-segment-"))
    work.mkdir(parents=True, exist_ok=True)
    cikuang = [sys.executable, "-m", "cikuang.cli"]
    size_mb = args.corpus.stat().st_size / 1e6
    rows = []
    lexicon = args.lexicon
    if lexicon is None:
        lexicon = work / "lexicon.tsv"
        wall, rss = measure(cikuang + ["discover", str(args.corpus), "-o", str(lexicon), "-q"])
        rows.append(("cikuang discover (default settings)", wall, rss, 1))
    n_words = sum(1 for _ in open(lexicon, encoding="utf-8")) - 1
    out = work / "cikuang.seg.txt"
    walls, rss_all = [], []
    for _ in range(args.repeats):
        wall, rss = measure(cikuang + ["segment", "--lexicon", str(lexicon), str(args.corpus), "-o", str(out), "-q"])
        walls.append(wall)
        rss_all.append(rss)
    seg_wall = statistics.median(walls)
    rows.append(("cikuang segment", seg_wall, max(rss_all), args.repeats))
    agreement = None
    if not args.no_baseline:
        jieba_lex = work / "lexicon.jieba.txt"
        with open(lexicon, encoding="utf-8") as f, open(jieba_lex, "w", encoding="utf-8") as g:
            next(f)
            for line in f:
                word, count = line.split("\t")[:2]
                g.write(f"{word} {count}\n")
        jieba_out = work / "jieba.seg.txt"
        wall, rss = measure([sys.executable, "-c", JIEBA_SCRIPT, jieba_lex, args.corpus, jieba_out, work])
        rows.append(("jieba 0.42.1, same lexicon as its only dictionary, HMM off", wall, rss, 1))
        from cikuang.errors import CikuangError
        from cikuang.evaluation import evaluate

        try:
            agreement = evaluate(out, jieba_out).f1
        except CikuangError as e:  # the two treat some characters differently
            agreement = f"not comparable ({e})"

    print(f"corpus: {args.corpus} ({size_mb:.1f} MB); lexicon: {lexicon} ({n_words} words); "
          f"{os.cpu_count()} cores")
    print()
    print("| run | wall s (median) | MB/s | peak RSS MB | runs |")
    print("|---|---:|---:|---:|---:|")
    for label, wall, rss, n in rows:
        print(f"| {label} | {wall:.2f} | {size_mb / wall:.1f} | {rss:.0f} | {n} |")
    if not args.no_baseline:
        jieba_wall = rows[-1][1]
        print()
        print(f"cikuang segment is {jieba_wall / seg_wall:.1f}x faster than jieba with the same lexicon "
              f"(same run); agreement of the two outputs (F1 of one against the other): "
              f"{agreement if isinstance(agreement, str) else f'{agreement:.4f}'}")


if __name__ == "__main__":
    main()
