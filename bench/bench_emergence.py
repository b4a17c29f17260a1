"""Emerging words, synthetic: do invented words planted in a second period come first?

Splits a corpus at random by lines into two halves A and B (the same distribution), then

1. **planted**: invents ``--planted`` words of 2-4 characters made of common characters only
   (ranks ``--ranks`` of the corpus's character frequencies) that occur nowhere in the corpus, and
   plants each only in B, at the start of a clause of distinct random lines, 15 to 150 times
   (log-uniform); runs ``cikuang discover B --against A`` and ``--against A.parquet`` (the saved
   counts of A, ``cikuang count A -o A.parquet``) and reports how many planted words are among the
   first 30 and 100 rows, and whether the two outputs are the same;
2. **surging**: in another copy of B, makes ``--surging`` existing words (words of A's word list
   with 5-30 occurrences in B) ten times more frequent (nine more copies of each occurrence, at
   clause starts of random lines), and reports their ranks.

``python bench/bench_emergence.py /tmp/bench/pku1998.raw.txt`` (about a minute on PKU 1998).
"""
from __future__ import annotations

import argparse
import collections
import math
import os
import random
import re
import subprocess
import sys
import time

PUNCT = "，。、；：！？"


def run(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t


def read_rows(path):
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f]


def plant(lines, rng, word, times):
    """Put ``word`` at a clause start of ``times`` distinct random lines."""
    for i in rng.sample(range(len(lines)), times):
        line = lines[i]
        starts = [0] + [m.end() for m in re.finditer(f"[{PUNCT}]", line) if m.end() < len(line)]
        p = rng.choice(starts)
        lines[i] = line[:p] + word + line[p:]


def write(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def discover(b, against, out, workers):
    secs = run(["cikuang", "discover", b, "--against", against, "-q", "-o", out] + workers)
    return read_rows(out), secs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--planted", type=int, default=30)
    ap.add_argument("--surging", type=int, default=10)
    ap.add_argument("--ranks", default="300:1500", help="the common characters: ranks A:B by frequency")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--workdir", default="/tmp/bench_emergence")
    ap.add_argument("--workers", type=int)
    ap.add_argument("--discover-args", default="", help="more options for every discover run, e.g. "
                    "'--min-pmi 0,2,4.5,6'")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    os.makedirs(args.workdir, exist_ok=True)
    w = lambda name: os.path.join(args.workdir, name)  # noqa: E731
    workers = ["--workers", str(args.workers)] if args.workers else []
    extra = workers + args.discover_args.split()
    with open(args.corpus, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    text = "\n".join(lines)
    a_lines, b_lines = [], []
    for line in lines:
        (a_lines if rng.random() < 0.5 else b_lines).append(line)
    write(w("A.txt"), a_lines)

    # 1. planted words
    freq = collections.Counter(ch for ch in text if "\u4e00" <= ch <= "\u9fff")
    lo, hi = map(int, args.ranks.split(":"))
    common = [ch for ch, _ in freq.most_common(hi)][lo:]
    planted = {}
    while len(planted) < args.planted:
        word = "".join(rng.sample(common, rng.choice((2, 3, 4))))
        if word not in text and word not in planted and not any(word in p or p in word for p in planted):
            planted[word] = int(round(math.exp(rng.uniform(math.log(15), math.log(150)))))
    b1 = list(b_lines)
    for word, times in planted.items():
        plant(b1, rng, word, times)
    write(w("B.planted.txt"), b1)
    count_secs = run(["cikuang", "count", w("A.txt"), "-q", "-o", w("A.parquet")] + workers)
    by_corpus, secs_corpus = discover(w("B.planted.txt"), w("A.txt"), w("planted.vs-corpus.tsv"), extra)
    by_counts, secs_counts = discover(w("B.planted.txt"), w("A.parquet"), w("planted.vs-counts.tsv"), extra)
    same = by_corpus == by_counts
    ranks = {r["word"]: i for i, r in enumerate(by_corpus, 1)}
    print(f"discover options: {' '.join(extra) or 'the defaults'}")
    print(f"corpus {args.corpus}: {len(lines):,} lines -> A {len(a_lines):,}, B {len(b_lines):,}; "
          f"{len(planted)} planted words of characters ranked {lo}-{hi}, 15-150 times each")
    print(f"count A -o A.parquet: {count_secs:.1f} s, {os.path.getsize(w('A.parquet')) / 1e6:.1f} MB; "
          f"discover B --against A: {secs_corpus:.1f} s, --against A.parquet: {secs_counts:.1f} s")
    for k in (30, 100):
        top = {r["word"] for r in by_corpus[:k]}
        top_c = {r["word"] for r in by_counts[:k]}
        print(f"planted among the first {k} rows: {len(top & set(planted))}/{len(planted)} against the corpus, "
              f"{len(top_c & set(planted))}/{len(planted)} against the saved counts")
    print(f"the two outputs identical: {same}")
    missed = sorted((w_, t) for w_, t in planted.items() if ranks.get(w_, 10**9) > 30)
    print("planted beyond row 30 ('-': not in B's word list): " + (", ".join(
        f"{w_} ({t}x, rank {ranks.get(w_, '-')})" for w_, t in missed) or "none"))
    others = [r for r in by_corpus[:30] if r["word"] not in planted]
    print("other words in the first 30: " + (", ".join(f"{r['word']} ({r['occurrences']} vs {r['base_count']})"
                                                       for r in others) or "none"))

    # 2. surging words
    b_text = "\n".join(b_lines)
    run(["cikuang", "discover", w("A.txt"), "-q", "-o", w("A.words.tsv")] + extra)
    candidates = [r["word"] for r in read_rows(w("A.words.tsv")) if r["status"] == "word" and len(r["word"]) >= 2]
    rng.shuffle(candidates)
    surging = {}
    for word in candidates:
        n = b_text.count(word)
        if 5 <= n <= 30 and not any(word in s or s in word for s in surging):
            surging[word] = n
        if len(surging) == args.surging:
            break
    b2 = list(b_lines)
    for word, n in surging.items():
        plant(b2, rng, word, 9 * n)
    write(w("B.surging.txt"), b2)
    rows, _ = discover(w("B.surging.txt"), w("A.parquet"), w("surging.vs-counts.tsv"), extra)
    ranks = {r["word"]: i for i, r in enumerate(rows, 1)}
    got = sorted((ranks.get(x, 10**9), x) for x in surging)
    print(f"surging: {len(surging)} words of A's word list with 5-30 occurrences in B, made 10x as frequent in B")
    for k in (10, 30, 100):
        print(f"  surging among the first {k} rows: {sum(r <= k for r, _ in got)}/{len(surging)}")
    print("  ranks: " + ", ".join(f"{x} ({surging[x]}->{10 * surging[x]}): {r if r < 10**9 else '-'}" for r, x in got))
    return 0


if __name__ == "__main__":
    sys.exit(main())
