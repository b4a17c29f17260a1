"""Shared test helpers: a reference unit tokeniser, a brute-force n-gram counter, corpus generators.

Everything here is written from the text model's description (README "How it works"): NFKC first;
every Han character is a unit; every maximal run of ASCII letters and digits is one unit;
everything else ends a clause.
"""
from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter

import numpy as np

from oracle import HAN_CLASS

UNIT_RE = re.compile(f"[0-9A-Za-z]+|[{HAN_CLASS}]")

# 200 common characters, enough to invent languages from.
COMMON_HAN = (
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可山水风云龙虎花草石"
    "她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已"
    "老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力"
    "机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军"
)
assert len(set(COMMON_HAN)) == len(COMMON_HAN) == 200


def reference_clauses(text: str) -> list[list[str]]:
    """The clauses of ``text`` as lists of unit strings (NFKC, then the unit regex)."""
    text = unicodedata.normalize("NFKC", text)
    clauses: list[list[str]] = []
    current: list[str] = []
    pos = 0
    for m in UNIT_RE.finditer(text):
        if m.start() != pos and current:  # something that is not a unit lies in between
            clauses.append(current)
            current = []
        current.append(m.group())
        pos = m.end()
    if current:
        clauses.append(current)
    return clauses


def brute_counts(texts, order: int) -> Counter:
    """Counts of every n-gram of 1..order units within clauses, keyed by the n-gram's text."""
    counts: Counter = Counter()
    for text in texts:
        for clause in reference_clauses(text):
            for i in range(len(clause)):
                for j in range(i + 1, min(i + order, len(clause)) + 1):
                    counts["".join(clause[i:j])] += 1
    return counts


def make_language(rng: random.Random, n_words: int = 30, n_chars: int = 40, max_len: int = 5,
                  alphabet: str = COMMON_HAN) -> list[str]:
    """``n_words`` invented words of 1..max_len characters over ``n_chars`` characters."""
    chars = rng.sample(alphabet, n_chars)
    lengths = [1, 2, 2, 2, 3, 3, 4, 5]
    words: set[str] = set()
    while len(words) < n_words:
        length = rng.choice([x for x in lengths if x <= max_len])
        words.add("".join(rng.choice(chars) for _ in range(length)))
    return sorted(words)


def make_corpus(rng: random.Random, words: list[str], n_sentences: int, per_line: int = 8) -> list[str]:
    """Sentences of Zipf-distributed words, clauses joined by '，', ended by '。', a few per line."""
    weights = [1.0 / (i + 1) for i in range(len(words))]
    order = words[:]
    rng.shuffle(order)
    lines, line = [], []
    for _ in range(n_sentences):
        clauses = ["".join(rng.choices(order, weights, k=rng.randint(1, 5))) for _ in range(rng.randint(1, 3))]
        line.append("，".join(clauses) + "。")
        if len(line) == per_line:
            lines.append("".join(line))
            line = []
    if line:
        lines.append("".join(line))
    return lines


def pack_counts(ids: np.ndarray, order: int, bits: int, min_len: int = 1) -> Counter:
    """Brute-force counts of id windows of min_len..order within 0-separated clauses, as packed keys
    (first unit in the highest bits, ``bits`` per unit, as documented in ``cikuang._native``)."""
    counts: Counter = Counter()
    clause: list[int] = []
    for u in list(ids) + [0]:
        if u:
            clause.append(int(u))
            continue
        for i in range(len(clause)):
            key = 0
            for j in range(i, min(i + order, len(clause))):
                key = (key << bits) | clause[j]
                if j - i + 1 >= min_len:
                    counts[key] += 1
        clause = []
    return counts


def lexicon_rows(lexicon) -> list[tuple]:
    """Every entry of a lexicon as a plain tuple (NaN made comparable)."""
    out = []
    for e in lexicon:
        out.append(tuple("nan" if isinstance(x, float) and x != x else x for x in e))
    return out
