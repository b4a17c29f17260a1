#!/usr/bin/env python3
"""Run a peer tool's new-word discovery with its default settings, for side-by-side benchmarks.

Two peers, both pure-Python implementations of the Matrix67 recipe (frequency, cohesion, left/right
neighbour entropy over all short substrings). Neither is, or may become, a dependency of cikuang:
they live in their own virtual environment, and this script runs with that environment's python.
It uses the standard library and the peer only, and nothing is downloaded at run time (both peers'
discovery code is local; HarvestText reads only the files it ships).

HarvestText 0.8.2.1 (PyPI ``harvesttext``, blmoistawinde/HarvestText, MIT)
    Called as its README documents it::

        HarvestText().word_discover(texts)      # texts: the corpus lines; it joins them with "\\n"

    i.e. every parameter at its default: ``auto_param=True`` (which *overrides* the thresholds
    passed in: ``min_entropy = ln(L)/10``, ``min_freq = min(5e-5, 20/L)``,
    ``min_aggregation = sqrt(L)/15``, ``mem_saving = L > 300000``, with L the length of the joined
    text), ``max_word_len=5``, ``ent_threshold="both"`` (left *and* right entropy above
    min_entropy), ``excluding_words="baidu_stopwords"`` (drops the 1,412 entries of the Baidu
    stop-word list it ships, e.g. 我们, 这个, 因为), ``excluding_types=[]`` (a fresh HarvestText has
    no registered entities, so no dictionary words are filtered: the output is *not* restricted to
    words unknown to any dictionary), ``exclude_number=True`` (drops strings for which
    ``str.isdigit()`` holds, full-width digits included), ``sort_by="freq"``. Before counting it
    replaces whitespace, ASCII letters and ASCII/common CJK punctuation with a space (digits and
    other characters are kept). Words are 2..5 characters. It returns a DataFrame indexed by word
    with the columns freq (occurrences divided by L', the length of the cleaned text: a relative
    frequency, not a count), left_ent, right_ent (natural-log entropies), agg (min over binary
    splits of p(w)/(p(a)p(b))) and score (log10(agg)*freq*(left_ent+right_ent)). The TSV keeps its
    order (descending freq; pandas' default sort is not stable, ties come in the peer's order) and
    its ranking column, freq; the other columns are dropped.

    Caveat of this release: the meaning of ``mem_saving`` is inverted in the code. True (the
    default above 300,000 characters) runs the one-pass path that keeps a neighbour map for
    *every* substring (the memory-hungry one); False runs the two-pass path, whose candidate
    filter is quadratic in Python (``w in list``). Either way it first builds and sorts a Python
    list of all (i, j) substring positions. Expect several GB per million characters.

SmoothNLP 0.4.0 (PyPI ``smoothnlp``, smoothnlp/SmoothNLP; LICENSE file GPL-3.0, setup.py says MIT)
    Its only local algorithm is phrase extraction (segmentation, NER etc. call a remote server and
    are not used). Called as its tutorial (tutorials/新词发现/README.md) documents it, with the
    corpus passed as a list (one of the three documented input kinds)::

        from smoothnlp.algorithm.phrase import extract_phrase
        extract_phrase(texts)   # defaults: top_k=200, chunk_size=1000000, min_n=2, max_n=4, min_freq=5

    It splits each text on ``;；.。，,！\\n!?？``, deletes every character other than
    U+4E00..U+9FA5, ASCII digits and ASCII letters (so full-width digits and letters vanish and
    their neighbours are glued), counts n-grams (n = 1 and 2..5) per chunk of ``chunk_size``
    sentences, drops those under ``min_freq`` *within each chunk* (with a list input and 10^6
    sentences per chunk every corpus here is a single chunk), scores each 2..4-gram by
    AMI (PMI against character unigrams, divided by length, log2) + log_1.5((le*2^re +
    re*2^le)/(|le-re|+1)) (base-2 neighbour entropies), removes candidates whose first (last)
    character starts (ends) more than max(50, 0.4% of the candidates), and returns the words only,
    best first: the top ``top_k`` (an int, or a fraction < 1 of all candidates). This script keeps
    that list and order and takes each word's score from the same computation (it wraps the
    module's ``get_scores`` to keep its result, so the peer is not run twice); the score column is
    that final score. get_scores also computes PMI, AMI, left, right and min entropy; they are
    dropped. No dictionary of its own is used or filtered. ``--top-k`` changes top_k (default:
    the peer's 200; ``top_k=1`` returns None in this release and is refused here).
    Passing an open file instead of a list needs SQLAlchemy (``chunk_generator_adapter`` imports it
    before checking the input type) and reads chunks of ~10^6 characters, so min_freq would then
    apply per ~1 M characters; the list input avoids both.

Output: ``word<TAB>score`` with a header line, rows in the peer's order. Wall time, CPU time and
peak RSS of this process (``ru_maxrss``, which includes the interpreter and the corpus text) go to
stderr. The script re-executes itself with PYTHONHASHSEED=0 when it is unset, so that ties that a
peer breaks by set or dict order come out the same on every run.

Install the peers' environment (never into the project's or the global Python):

    python3 -m venv /tmp/venv-peers
    /tmp/venv-peers/bin/pip install --upgrade pip
    /tmp/venv-peers/bin/pip install harvesttext==0.8.2.1 smoothnlp==0.4.0

(harvesttext pulls in pandas, numpy, scipy, scikit-learn, jieba, networkx, matplotlib, nltk,
pypinyin, ...; smoothnlp pulls in pygtrie and requests.) Usage, from the repository root:

    /tmp/venv-peers/bin/python bench/peers.py --peer harvesttext --corpus CORPUS.txt -o OUT.tsv
    /tmp/venv-peers/bin/python bench/peers.py --peer smoothnlp --corpus CORPUS.txt -o OUT.tsv \\
        [--max-chars 2000000] [--mem-limit 16G]
"""
from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time


def read_texts(path: str, max_chars: int | None) -> tuple[list[str], int]:
    """The corpus lines (one text each, newline removed); with ``max_chars`` only the first N
    characters of the file (newlines count; the last line may be cut)."""
    with open(path, encoding="utf-8") as f:
        text = f.read() if max_chars is None else f.read(max_chars)
    return text.splitlines(), len(text)


def run_harvesttext(texts: list[str], args) -> tuple[list[tuple[str, float]], str]:
    import harvesttext
    from harvesttext import HarvestText

    ht = HarvestText()
    info = ht.word_discover(texts)                  # every parameter at its default
    rows = list(zip(info.index.tolist(), info["freq"].tolist()))
    length = len("\n".join(texts))
    notes = (f"harvesttext {harvesttext.__version__}: auto_param thresholds for L={length}: "
             f"min_entropy={math.log(length) / 10 if length else 0:.4g}, "
             f"min_freq={min(0.00005, 20.0 / length) if length else 0:.4g}, "
             f"min_aggregation={math.sqrt(length) / 15:.4g}, mem_saving={length > 300000}; "
             "score column = freq (relative frequency); dropped: left_ent, right_ent, agg, score")
    return rows, notes


def run_smoothnlp(texts: list[str], args) -> tuple[list[tuple[str, float]], str]:
    import smoothnlp
    from smoothnlp.algorithm.phrase import phrase_extraction

    kept = {}
    get_scores = phrase_extraction.get_scores

    def keeping_get_scores(*a, **kw):
        kept["scores"] = get_scores(*a, **kw)
        return kept["scores"]

    # extract_phrase looks get_scores up in its module at call time: keep the scores it ranks by.
    phrase_extraction.get_scores = keeping_get_scores
    try:
        if args.top_k is None:
            words = phrase_extraction.extract_phrase(texts)   # every parameter at its default
        else:
            words = phrase_extraction.extract_phrase(texts, top_k=args.top_k)
    finally:
        phrase_extraction.get_scores = get_scores
    scores = kept.get("scores", {})
    rows = [(w, scores[w][-1]) for w in words or []]
    notes = (f"smoothnlp {smoothnlp.__version__}: top_k={200 if args.top_k is None else args.top_k} "
             f"of {len(scores)} scored candidates (min_n=2, max_n=4, min_freq=5, chunk_size=1000000); "
             "score column = final score (AMI + entropy term); dropped: pmi, ami, left, right, min entropy")
    return rows, notes


PEERS = {"harvesttext": run_harvesttext, "smoothnlp": run_smoothnlp}


def parse_size(s: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    s = s.strip().upper().rstrip("B")
    if s and s[-1] in units:
        return int(float(s[:-1]) * units[s[-1]])
    return int(s)


def parse_top_k(s: str) -> float:
    v = float(s)
    if v == 1 or v <= 0:
        raise argparse.ArgumentTypeError("top_k must be > 1 (a count) or in (0, 1) (a fraction)")
    return int(v) if v > 1 else v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peer", required=True, choices=sorted(PEERS))
    ap.add_argument("--corpus", required=True, help="UTF-8 text, one text per line")
    ap.add_argument("-o", "--output", required=True, help="TSV to write: word<TAB>score")
    ap.add_argument("--max-chars", type=int, default=None,
                    help="use only the first N characters of the corpus")
    ap.add_argument("--top-k", type=parse_top_k, default=None,
                    help="smoothnlp only: its top_k (default: the peer's own, 200)")
    ap.add_argument("--mem-limit", type=parse_size, default=None,
                    help="cap the address space (RLIMIT_AS, e.g. 16G): the peer fails with "
                         "MemoryError instead of driving the machine out of memory")
    args = ap.parse_args(argv)
    if args.top_k is not None and args.peer != "smoothnlp":
        ap.error("--top-k applies to smoothnlp only")
    if args.mem_limit:
        resource.setrlimit(resource.RLIMIT_AS, (args.mem_limit, args.mem_limit))

    t0 = time.perf_counter()
    texts, n_chars = read_texts(args.corpus, args.max_chars)
    t1 = time.perf_counter()
    rows, notes = PEERS[args.peer](texts, args)
    t2 = time.perf_counter()
    with open(args.output, "w", encoding="utf-8") as f:
        f.write("word\tscore\n")
        for word, score in rows:
            f.write(f"{word}\t{score!r}\n")
    t3 = time.perf_counter()

    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{args.peer}: {args.corpus}: {n_chars} chars in {len(texts)} lines -> "
          f"{len(rows)} words in {args.output}", file=sys.stderr)
    print(f"  {notes}", file=sys.stderr)
    print(f"  wall {t3 - t0:.1f} s (read {t1 - t0:.1f}, peer {t2 - t1:.1f}, write {t3 - t2:.1f}); "
          f"cpu {ru.ru_utime + ru.ru_stime:.1f} s; peak RSS {ru.ru_maxrss / 1024:.0f} MB",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    if os.environ.get("PYTHONHASHSEED") is None:
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    sys.exit(main())
