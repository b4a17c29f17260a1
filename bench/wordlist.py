#!/usr/bin/env python3
"""Word-list quality: a new-word list against the gold word types, and the peers' lists beside it.

A list is scored the way a user reads it, in its own order, after keeping the entries of two or
more characters that jieba's dictionary lacks (NFKC on both sides, as cikuang's lexicons are NFKC):

* precision@K, K = 50, 100, 500, 1000: the share of its first K words that are word types of the
  PKU 1998 or the MSR training gold (either standard's choice counts); a list shorter than K is
  scored on all its words;
* new-word recall: of the gold word types of the corpus with gold frequency >= 3 that jieba lacks,
  the share the list holds;
* the misses: its first words that are no gold type of either corpus, to read (PKU splits personal
  names, so a name found in PKU and absent from MSR is a miss there).

``harness.py`` runs these rows (``words``, ``harvesttext``, ``smoothnlp``) next to the segmentation
rows. Standalone: ``python bench/wordlist.py LIST.tsv --corpus pku`` scores one list (a cikuang tsv,
whose word list is its rows of status ``word``, or a ``word<TAB>score`` peer list).
"""
from __future__ import annotations

import argparse
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

KS = (50, 100, 500, 1000)
#: How many of the first words are searched for misses.
MISSES_OF = 100


def nfkc(word: str) -> str:
    return unicodedata.normalize("NFKC", word)


def gold_types(path: Path) -> Counter:
    """The NFKC word types of a gold-segmented file, with their counts."""
    types: Counter = Counter()
    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            types.update(nfkc(w) for w in line.split())
    return types


def read_list(path: Path) -> list[str]:
    """The words of a list file in its order: a cikuang tsv (its rows of status ``word``) or a
    ``word<TAB>...`` list with a header line."""
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    if "status" in header:
        at = header.index("status")
        return [r[0] for r in rows if r[at] == "word"]
    return [r[0] for r in rows]


def new_words(words, known: frozenset) -> list[str]:
    """The entries of two or more characters that ``known`` lacks, NFKC, in order, once each."""
    out, seen = [], set()
    for w in words:
        w = nfkc(w)
        if len(w) >= 2 and w not in known and w not in seen:
            seen.add(w)
            out.append(w)
    return out


@dataclass
class ListScore:
    n_words: int
    precision: dict = field(default_factory=dict)  # K -> precision@K
    recall: float | None = None
    misses: list = field(default_factory=list)


def score_list(words: list[str], gold: frozenset, new_types: frozenset) -> ListScore:
    s = ListScore(len(words))
    for k in KS:
        top = words[:k]
        s.precision[k] = sum(w in gold for w in top) / len(top) if top else None
    if new_types:
        s.recall = len(new_types & set(words)) / len(new_types)
    s.misses = [w for w in words[:MISSES_OF] if w not in gold]
    return s


def main(argv=None) -> int:
    from cikuang.evaluation import load_words
    from cikuang.lexicon import jieba_dictionary_path
    from measure import DEFAULT_GOLD, NEW_WORD_MIN_FREQ

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("list", type=Path, help="a cikuang tsv lexicon, or a word<TAB>score list")
    ap.add_argument("--corpus", choices=("pku", "msr"), required=True, help="whose new words the recall counts")
    args = ap.parse_args(argv)
    jieba = frozenset(nfkc(w) for w in load_words(jieba_dictionary_path()))
    pku, msr = gold_types(DEFAULT_GOLD["pku"][0]), gold_types(DEFAULT_GOLD["msr"][0])
    own = pku if args.corpus == "pku" else msr
    new = frozenset(w for w, n in own.items() if n >= NEW_WORD_MIN_FREQ and w not in jieba)
    s = score_list(new_words(read_list(args.list), jieba), frozenset(pku) | frozenset(msr), new)
    print(f"{s.n_words} new words; " + ", ".join(f"P@{k} {p:.3f}" for k, p in s.precision.items() if p is not None)
          + f"; new-word recall {s.recall:.3f}")
    print("misses among the first 100:", " ".join(s.misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
