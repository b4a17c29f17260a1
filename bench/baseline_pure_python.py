#!/usr/bin/env python3
"""A straightforward pure-Python implementation of the seed method, for speed comparisons.

This is the "Counter over all substrings" approach of Su Jianlin's 2017 post (kexue.fm 4256),
with the rules of the 2019 version (kexue.fm 6920) and the exact statistics that cikuang uses,
so that its output can be compared with ``cikuang discover --preset kexue2019``:

1. read the file line by line, NFKC-normalise each line;
2. split it into clauses: a unit is a Han character (the CJK blocks cikuang uses) or a run of
   ASCII letters and digits (one unit, like cikuang: ``iPhone7``); anything else ends a clause;
3. count every n-gram of 1..order units within clauses with ``collections.Counter``;
4. N = the sum of unigram counts; keep an n-gram w of length 2..order when
   ``count(w) >= min_count`` and ``min_k ln(N*c(w) / (c(w[:k]) * c(w[k:]))) >= min_pmi[len(w)-1]``;
5. cut each clause between two adjacent units wherever no kept n-gram occurrence covers both;
6. count the fragments; keep those with count >= min_count that pass the backtrack rule
   (length 3..order: must be a kept n-gram; longer: every window of ``order`` units kept);
7. write ``word count`` lines, by count descending, then word.

N-grams are keyed by their text: since two Latin runs are never adjacent inside a clause, the
text of a unit sequence determines the sequence, so no two different n-grams share a key.

Usage: python bench/baseline_pure_python.py INPUT -o OUT --min-count 32 --min-pmi 0,2,4,6 [--style loops]
No dependency beyond the standard library. It is deliberately plain (no NumPy, no tricks), and
slow: it is the baseline that cikuang's speed is measured against.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
import time
import unicodedata
from collections import Counter

# The Han blocks of cikuang's text model (cikuang/textmodel.py: HAN_RANGES).
HAN = (
    "\u3007"
    "\u3400-\u4dbf"
    "\u4e00-\u9fff"
    "\uf900-\ufaff"
    "\U00020000-\U0002a6df"
    "\U0002a700-\U0002ebef"
    "\U0002ebf0-\U0002ee5f"
    "\U0002f800-\U0002fa1f"
    "\U00030000-\U000323af"
)
CLAUSE_RE = re.compile(f"(?:[{HAN}]|[A-Za-z0-9])+")  # a maximal run of units
UNIT_RE = re.compile(f"[A-Za-z0-9]+|[{HAN}]")  # one unit
LATIN_RE = re.compile("[A-Za-z0-9]")


def clauses_of(path: str):
    """Each clause of the file as a sequence of units.

    A clause without Latin letters or digits is returned as a ``str`` (one character = one unit);
    one with them as a ``list`` of unit strings.
    """
    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            line = unicodedata.normalize("NFKC", line)
            for clause in CLAUSE_RE.findall(line):
                if LATIN_RE.search(clause):
                    yield UNIT_RE.findall(clause)
                else:
                    yield clause


def count_ngrams(clauses, order: int) -> list[Counter]:
    """counts[n][text] = number of occurrences of the n-gram of n units (n = 1..order)."""
    counts = [Counter() for _ in range(order + 1)]
    for units in clauses:
        size = len(units)
        if isinstance(units, str):
            for n in range(1, min(order, size) + 1):
                counts[n].update(units[i : i + n] for i in range(size - n + 1))
        else:
            for n in range(1, min(order, size) + 1):
                counts[n].update("".join(units[i : i + n]) for i in range(size - n + 1))
    return counts


def count_ngrams_loops(clauses, order: int) -> list[Counter]:
    """The same counts, with one explicit ``counts[w] += 1`` per n-gram occurrence.

    This is the loop of the 2017 post's code (``for i ...: for j in range(1, n+1): ngrams[t[i:i+j]] += 1``).
    """
    counts = [Counter() for _ in range(order + 1)]
    for units in clauses:
        size = len(units)
        is_str = isinstance(units, str)
        for i in range(size):
            for n in range(1, min(order, size - i) + 1):
                counts[n][units[i : i + n] if is_str else "".join(units[i : i + n])] += 1
    return counts


def kept_ngrams(counts: list[Counter], order: int, min_count: int, min_pmi: list[float]) -> set[str]:
    """The n-grams of 2..order units that are frequent and cohesive enough."""
    n_total = sum(counts[1].values())
    kept = set()
    for n in range(2, order + 1):
        threshold = min_pmi[n - 1]
        for w, c in counts[n].items():
            if c < min_count:
                continue
            units = UNIT_RE.findall(w)
            pmi = min(
                math.log(n_total * c / (counts[k]["".join(units[:k])] * counts[n - k]["".join(units[k:])]))
                for k in range(1, n)
            )
            if pmi >= threshold:
                kept.add(w)
    return kept


def fragments(units, kept: set[str], order: int):
    """The pieces of a clause, cut wherever no kept n-gram covers two adjacent units."""
    size = len(units)
    joined = [False] * max(size - 1, 0)  # joined[g]: units g and g+1 stay together
    is_str = isinstance(units, str)
    for i in range(size):
        for n in range(2, min(order, size - i) + 1):
            w = units[i : i + n] if is_str else "".join(units[i : i + n])
            if w in kept:
                for g in range(i, i + n - 1):
                    joined[g] = True
    start = 0
    for g in range(size - 1):
        if not joined[g]:
            yield units[start : g + 1] if is_str else "".join(units[start : g + 1])
            start = g + 1
    if size:
        yield units[start:] if is_str else "".join(units[start:])


def backtrack_ok(word: str, kept: set[str], order: int) -> bool:
    units = UNIT_RE.findall(word)
    if len(units) <= 2:
        return True
    if len(units) <= order:
        return word in kept
    return all("".join(units[i : i + order]) in kept for i in range(len(units) - order + 1))


def parse_min_pmi(text: str, order: int) -> list[float]:
    values = [float(x) for x in text.split(",")]
    if len(values) != order:
        sys.exit(f"--min-pmi needs {order} values (one per length 1..{order}), got {text!r}")
    return values


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--order", type=int, default=4)
    p.add_argument("--min-count", type=int, default=32)
    p.add_argument("--min-pmi", default="0,2,4,6")
    p.add_argument("--style", choices=("counter", "loops"), default="counter",
                   help="counter (default): Counter.update over the substrings of each clause; loops: one "
                        "explicit 'counts[w] += 1' per occurrence, as in the 2017 post's code. Same output")
    p.add_argument("-q", "--quiet", action="store_true", help="no timing lines on stderr")
    args = p.parse_args(argv)
    order, min_count = args.order, args.min_count
    min_pmi = parse_min_pmi(args.min_pmi, order)

    def log(msg):
        if not args.quiet:
            print(f"[baseline {time.perf_counter() - t0:8.1f}s] {msg}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    counts = (count_ngrams if args.style == "counter" else count_ngrams_loops)(clauses_of(args.input), order)
    log(f"counted: N = {sum(counts[1].values())}, "
        + ", ".join(f"{len(counts[n])} distinct {n}-grams" for n in range(1, order + 1)))
    kept = kept_ngrams(counts, order, min_count, min_pmi)
    del counts
    log(f"kept {len(kept)} n-grams")
    frag_counts = Counter()
    for units in clauses_of(args.input):
        if args.style == "counter":
            frag_counts.update(fragments(units, kept, order))
        else:
            for fragment in fragments(units, kept, order):
                frag_counts[fragment] += 1
    log(f"{len(frag_counts)} distinct fragments")
    words = [(w, c) for w, c in frag_counts.items() if c >= min_count and backtrack_ok(w, kept, order)]
    words.sort(key=lambda wc: (-wc[1], wc[0]))
    with open(args.output, "w", encoding="utf-8") as f:
        for w, c in words:
            f.write(f"{w} {c}\n")
    log(f"wrote {len(words)} words to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
