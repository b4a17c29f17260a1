#!/usr/bin/env python3
"""Segmentation quality of discovered lexicons: the transductive protocol on gold corpora.

For each gold corpus (words separated by spaces, one sentence or paragraph a line):

1. the raw text is the gold with its whitespace removed (same lines);
2. each system learns from that raw text alone and segments that same raw text;
3. the output is scored against the gold with ``cikuang.evaluate`` (span-based P, R, F).

Rows (``--rows``):

* ``default``: ``cikuang discover RAW -o LEX`` then ``cikuang segment --lexicon LEX RAW -o PRED``;
* ``no-refine``: the same with ``--no-refine`` (what the refine stage adds);
* ``kexue2019``: the same with ``--preset kexue2019`` (the seed method);
* ``kexue2019-jieba``: the seed author's way of using a lexicon: ``cikuang discover --preset kexue2019
  --format jieba`` as jieba's only dictionary (``jieba.Tokenizer(dictionary=LEX)``,
  ``cut(line, HMM=False)``);
* ``chars``: every character a word (the floor);
* ``jieba``: jieba 0.42.1 with its own dictionary, HMM off (a supervised reference, not a rival);

and the new-word list rows (``bench/wordlist.py`` scores them: precision@50/100/500/1000 against
the PKU and MSR gold types together, new-word recall, the misses):

* ``words``: ``cikuang discover RAW --new-only --base-dict jieba -o LEX.tsv``, its word list in
  file order;
* ``harvesttext``, ``smoothnlp``: the peers with their defaults (``bench/peers.py``, run with
  ``--peers-python``, a Python that has them; they are never cikuang's dependencies), their lists
  in their order, filtered to the words jieba lacks.

The last lines check issue 4's targets (F >= 0.83 on PKU and MSR; on UD, F no worse than
kexue2019's; new-word recall at least 0.10 above kexue2019's) and issue 11's (precision@100 >= 0.85
on MSR and >= 0.75 on PKU, precision@1000 >= 0.70 on both, above both peers at every K).

Columns: P, R, F; lexicon size; new-word recall (of the gold word types with gold frequency >= 3
that jieba's dictionary lacks, the share the discovered lexicon contains); multi-character
precision (of the lexicon's words of two or more characters, the share that are gold word types);
wall time and peak RSS. Word types are compared after NFKC normalisation, since cikuang's lexicons
are NFKC (the PKU gold writes digits full-width). Every step runs in its own subprocess, spawned
by a small measuring helper process (so that the child does not inherit the harness's memory
high-water mark), timed around spawn and ``os.wait4``, whose ``ru_maxrss`` is that child's peak RSS;
a row of two steps (discover, then segment) reports the sum of the times and the larger peak.

Usage (from the repository root):
  python bench/harness.py                               # PKU 1998, MSR training, UD GSDSimp dev+test
  python bench/harness.py --corpora pku --rows default,chars --work /tmp/harness --json out.json
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cikuang.evaluation import evaluate, load_words
from cikuang.errors import CikuangError
from cikuang.lexicon import jieba_dictionary_path
from measure import DEFAULT_GOLD, JIEBA_SCRIPT, NEW_WORD_MIN_FREQ, run_measured
from wordlist import KS, gold_types, new_words, read_list, score_list

CORPUS_NAMES = {"pku": "PKU 1998", "msr": "MSR training", "ud": "UD GSDSimp dev+test"}
ROWS = {
    "default": "cikuang, default settings",
    "no-refine": "cikuang --no-refine (default without the refine stage)",
    "kexue2019": "cikuang --preset kexue2019",
    "kexue2019-jieba": "kexue2019 lexicon as jieba's dictionary, HMM off",
    "chars": "every character a word (floor)",
    "jieba": "jieba 0.42.1, own dictionary, HMM off (supervised reference)",
    "jieba-hmm": "jieba 0.42.1, own dictionary, HMM on",
    "jieba-user": "jieba + the mined words (discover --base-dict jieba --format jieba, load_userdict), HMM off",
    "base-jieba": "cikuang segment --base-dict jieba with the mined lexicon",
    "words": "cikuang word list, --new-only --base-dict jieba",
    "harvesttext": "HarvestText 0.8.2.1 word_discover, defaults",
    "smoothnlp": "SmoothNLP 0.4.0 extract_phrase, defaults",
}
LIST_ROWS = ("words", "harvesttext", "smoothnlp")
PEERS_SCRIPT = Path(__file__).resolve().with_name("peers.py")
#: Issue 11: precision@K targets of the default word list.
TARGET_P100 = {"msr": 0.85, "pku": 0.75}
TARGET_P1000 = 0.70
TARGET_F = 0.83  # issue 4: the level of jieba's hand-built dictionary
TARGET_CORPORA = ("pku", "msr")
#: New-word recall of the default must beat the seed preset's by this much on every corpus run.
TARGET_NEW_WORD_GAIN = 0.10
#: Issue 12: cikuang with jieba's dictionary against jieba alone (HMM off), and jieba with the exported words.
TARGET_BASE_F_GAIN = 0.015
TARGET_BASE_OOV_GAIN = 0.15
TARGET_USER_F_GAIN = 0.005

# Every character a word: argv = RAW OUT.
CHARS_SCRIPT = r"""
import sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as g:
    for line in f:
        g.write("  ".join("".join(line.split())) + "\n")
"""


@dataclass
class Step:
    name: str
    cmd: list[str]
    wall_s: float = 0.0
    max_rss_mb: float = 0.0
    returncode: int = 0
    stderr_tail: str = ""


@dataclass
class Row:
    key: str
    label: str
    steps: list[Step] = field(default_factory=list)
    error: str = ""
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    n_pred: int | None = None
    lexicon_size: int | None = None
    new_word_recall: float | None = None
    multichar_precision: float | None = None
    n_multichar: int | None = None
    oov_recall: float | None = None  # gold tokens jieba's dictionary lacks (punctuation aside)
    iv_recall: float | None = None
    list_words: int | None = None  # the word-list rows: how many new words, P@K, recall, misses
    list_precision: dict = field(default_factory=dict)
    list_recall: float | None = None
    misses: list = field(default_factory=list)

    @property
    def wall_s(self) -> float:
        return sum(s.wall_s for s in self.steps)

    @property
    def max_rss_mb(self) -> float:
        return max((s.max_rss_mb for s in self.steps), default=0.0)


# -- running and measuring ---------------------------------------------------------------------

def run_step(name: str, cmd: list[str], log=None) -> Step:
    """Run ``cmd`` (its first element a full path) measured (``measure.run_measured``)."""
    cmd = [str(c) for c in cmd]
    step = Step(name, [_short(c) for c in cmd])
    if log:
        log(f"  {name}: {' '.join(step.cmd)}")
    m = run_measured(cmd)
    step.wall_s, step.max_rss_mb, step.returncode = m.wall_s, m.max_rss_mb, m.returncode
    step.stderr_tail = "\n".join(m.stderr.strip().splitlines()[-3:])
    if log:
        log(f"    {step.wall_s:.1f} s, {step.max_rss_mb:.0f} MB" + (f", exit {step.returncode}" if step.returncode else ""))
    return step


def _short(arg: str) -> str:
    return "<script>" if "\n" in arg else arg


def cikuang_cmd(*args) -> list[str]:
    return [sys.executable, "-m", "cikuang.cli", *map(str, args)]


# -- corpora -----------------------------------------------------------------------------------

@dataclass
class Corpus:
    key: str
    name: str
    gold: Path  # one file (UD: dev and test concatenated into the work directory)
    raw: Path
    n_lines: int = 0
    n_chars: int = 0
    n_words: int = 0
    types: Counter = field(default_factory=Counter)  # NFKC gold word types with their counts
    new_types: frozenset = frozenset()  # gold types with count >= 3 that jieba's dictionary lacks


def nfkc(word: str) -> str:
    return unicodedata.normalize("NFKC", word)


def prepare(key: str, sources: list[Path], work: Path, jieba_words: frozenset) -> Corpus:
    """Write the gold (concatenated) and raw text into ``work``; collect the gold word types."""
    for s in sources:
        if not s.is_file():
            raise CikuangError("gold corpus not found", str(s))
    gold = sources[0] if len(sources) == 1 else work / f"{key}.gold.txt"
    raw = work / f"{key}.raw.txt"
    c = Corpus(key, CORPUS_NAMES.get(key, key), gold, raw)
    g_out = open(gold, "w", encoding="utf-8") if len(sources) > 1 else None
    with open(raw, "w", encoding="utf-8") as r_out:
        for src in sources:
            with open(src, encoding="utf-8-sig") as f:
                for line in f:
                    words = line.split()
                    if g_out:
                        g_out.write("  ".join(words) + "\n")
                    r_out.write("".join(words) + "\n")
                    c.n_lines += 1
                    c.n_words += len(words)
                    c.n_chars += sum(map(len, words))
                    c.types.update(words)
    if g_out:
        g_out.close()
    merged: Counter = Counter()
    for w, n in c.types.items():
        merged[nfkc(w)] += n
    c.types = merged
    c.new_types = frozenset(w for w, n in merged.items() if n >= NEW_WORD_MIN_FREQ and w not in jieba_words)
    return c


def known_tokens(gold: Path, jieba_words: frozenset) -> frozenset:
    """The gold tokens that count as in vocabulary for the OOV and IV recall: those in jieba's
    dictionary (after NFKC, as cikuang compares words), and punctuation and symbols, which every
    system cuts alone (counted as OOV, they would make every system's OOV recall look high)."""
    known = set()
    with open(gold, encoding="utf-8") as f:
        for line in f:
            for t in line.split():
                if t not in known and (nfkc(t) in jieba_words
                                       or not any(unicodedata.category(ch)[0] in "LN" for ch in t)):
                    known.add(t)
    return frozenset(known)


def jieba_version() -> str:
    out = subprocess.run([sys.executable, "-c", "import jieba; print(jieba.__version__)"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "?"


# -- rows --------------------------------------------------------------------------------------

def lexicon_stats(row: Row, lexicon: Path, corpus: Corpus) -> None:
    words = {nfkc(w) for w in load_words(lexicon)}
    row.lexicon_size = len(words)
    if corpus.new_types:
        row.new_word_recall = len(corpus.new_types & words) / len(corpus.new_types)
    multi = [w for w in words if len(w) >= 2]
    row.n_multichar = len(multi)
    if multi:
        row.multichar_precision = sum(w in corpus.types for w in multi) / len(multi)


def run_list_row(key: str, corpus: Corpus, work: Path, log, lists: dict) -> Row:
    """A word-list row: the list, scored by ``wordlist.score_list``."""
    row = Row(key, ROWS[key])
    out = work / f"{corpus.key}.{key}.list.tsv"
    if key == "words":
        row.steps.append(run_step("discover", cikuang_cmd("discover", corpus.raw, "--new-only", "--base-dict", "jieba",
                                                          "-q", "-o", out), log))
    else:
        if not lists["peers_python"]:
            row.error = "not run: give --peers-python (a Python with the peers installed)"
            return row
        row.steps.append(run_step(key, [lists["peers_python"], PEERS_SCRIPT, "--peer", key, "--corpus", corpus.raw,
                                        "-o", out], log))
    if row.steps[-1].returncode:
        tail = row.steps[-1].stderr_tail.splitlines()
        row.error = f"{row.steps[-1].name} failed (exit {row.steps[-1].returncode}): {tail[-1] if tail else ''}"
        return row
    score = score_list(new_words(read_list(out), lists["jieba"]), lists["gold"], corpus.new_types)
    row.list_words, row.list_precision, row.list_recall, row.misses = (score.n_words, score.precision, score.recall,
                                                                       score.misses)
    return row


def run_row(key: str, corpus: Corpus, work: Path, log, lists: dict | None = None) -> Row:
    if key in LIST_ROWS:
        return run_list_row(key, corpus, work, log, lists)
    row = Row(key, ROWS[key])
    stem = work / f"{corpus.key}.{key}"
    pred = Path(f"{stem}.pred.txt")
    lexicon = None
    raw = corpus.raw
    if key in ("default", "kexue2019", "no-refine"):
        lexicon = Path(f"{stem}.lexicon.tsv")
        preset = {"kexue2019": ["--preset", "kexue2019"], "no-refine": ["--no-refine"]}.get(key, [])
        row.steps.append(run_step("discover", cikuang_cmd("discover", raw, *preset, "-q", "-o", lexicon), log))
        if row.steps[-1].returncode == 0:
            row.steps.append(run_step("segment", cikuang_cmd("segment", "--lexicon", lexicon, raw, "-q", "-o", pred), log))
    elif key == "kexue2019-jieba":
        lexicon = Path(f"{stem}.lexicon.jieba.txt")
        row.steps.append(run_step("discover", cikuang_cmd("discover", raw, "--preset", "kexue2019", "--format", "jieba",
                                                          "-q", "-o", lexicon), log))
        if row.steps[-1].returncode == 0:
            row.steps.append(run_step("jieba", [sys.executable, "-c", JIEBA_SCRIPT, lexicon, raw, pred, work], log))
    elif key == "chars":
        row.steps.append(run_step("chars", [sys.executable, "-c", CHARS_SCRIPT, raw, pred], log))
    elif key in ("jieba", "jieba-hmm"):
        row.steps.append(run_step("jieba", [sys.executable, "-c", JIEBA_SCRIPT, "-", raw, pred, work, "-",
                                            "1" if key == "jieba-hmm" else "0"], log))
        row.lexicon_size = sum(1 for line in open(jieba_dictionary_path(), encoding="utf-8") if line.strip())
    elif key == "jieba-user":
        user = Path(f"{stem}.userdict.txt")
        row.steps.append(run_step("discover", cikuang_cmd("discover", raw, "--base-dict", "jieba", "--format", "jieba",
                                                          "-q", "-o", user), log))
        if row.steps[-1].returncode == 0:
            row.steps.append(run_step("jieba", [sys.executable, "-c", JIEBA_SCRIPT, "-", raw, pred, work, user, "0"],
                                      log))
    elif key == "base-jieba":
        lexicon = Path(f"{stem}.lexicon.tsv")
        row.steps.append(run_step("discover", cikuang_cmd("discover", raw, "-q", "-o", lexicon), log))
        if row.steps[-1].returncode == 0:
            row.steps.append(run_step("segment", cikuang_cmd("segment", "--lexicon", lexicon, "--base-dict", "jieba",
                                                             raw, "-q", "-o", pred), log))
    failed = [s for s in row.steps if s.returncode]
    if failed:
        tail = failed[0].stderr_tail.splitlines()
        row.error = f"{failed[0].name} failed (exit {failed[0].returncode}): {tail[-1] if tail else ''}"
        return row
    if lexicon is not None:
        lexicon_stats(row, lexicon, corpus)
    try:
        s = evaluate(corpus.gold, pred, train_words=lists["known"] if lists else None)
    except CikuangError as e:
        row.error = f"scoring failed: {e}"
        return row
    row.precision, row.recall, row.f1, row.n_pred = s.precision, s.recall, s.f1, s.n_pred
    row.oov_recall, row.iv_recall = s.oov_recall, s.iv_recall
    return row


# -- output ------------------------------------------------------------------------------------

def _f(x, digits=3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def markdown_table(corpus: Corpus, rows: list[Row]) -> str:
    head = (f"**{corpus.name}**: {corpus.n_chars:,} characters, {corpus.n_words:,} gold words, "
            f"{len(corpus.types):,} types, {len(corpus.new_types):,} new types (gold frequency ≥ "
            f"{NEW_WORD_MIN_FREQ}, not in jieba's dictionary)\n\n")
    lines = ["| system | P | R | F | OOV recall | IV recall | lexicon | new-word recall | multi-char precision | wall s "
             "| peak RSS MB |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    listed = [r for r in rows if r.key in LIST_ROWS]
    rows = [r for r in rows if r.key not in LIST_ROWS]
    for r in rows:
        if r.error:
            lines.append(f"| {r.label} | {r.error} | | | | | | | | | |")
            continue
        wall = f"{r.wall_s:.1f}"
        if len(r.steps) > 1:
            wall += " (" + " + ".join(f"{s.wall_s:.1f}" for s in r.steps) + ")"
        lines.append(f"| {r.label} | {_f(r.precision)} | {_f(r.recall)} | **{_f(r.f1)}** | {_f(r.oov_recall)} | "
                     f"{_f(r.iv_recall)} | "
                     f"{'–' if r.lexicon_size is None else f'{r.lexicon_size:,}'} | {_f(r.new_word_recall)} | "
                     f"{_f(r.multichar_precision)} | {wall} | {r.max_rss_mb:.0f} |")
    out = head + ("\n".join(lines) + "\n" if rows else "")
    if listed:
        out += ("\nNew-word lists (words of two or more characters that jieba lacks, in the list's order; "
                "precision against the PKU and MSR gold types together):\n\n"
                "| list | new words | " + " | ".join(f"P@{k}" for k in KS) + " | new-word recall | wall s | peak RSS MB |\n"
                "|---|---|" + "---|" * len(KS) + "---|---|---|\n")
        for r in listed:
            if r.error:
                out += f"| {r.label} | {r.error} |" + " |" * (len(KS) + 3) + "\n"
                continue
            out += (f"| {r.label} | {r.list_words:,} | " + " | ".join(_f(r.list_precision.get(k)) for k in KS)
                    + f" | {_f(r.list_recall)} | {r.wall_s:.1f} | {r.max_rss_mb:.0f} |\n")
        for r in listed:
            if r.misses:
                out += f"\nMisses among the first {len(r.misses) and 100} of {r.label}: {' '.join(r.misses)}\n"
    return out


def _row(results: dict, corpus: str, key: str) -> Row | None:
    row = next((r for r in results[corpus]["rows"] if r.key == key), None) if corpus in results else None
    return row if row is not None and row.f1 is not None else None


def targets(results: dict) -> list[str]:
    """Issue 4's targets, for the corpora and rows that were run: F >= TARGET_F on PKU and MSR;
    on UD, F no worse than the kexue2019 preset's; new-word recall TARGET_NEW_WORD_GAIN above the
    preset's on every corpus."""
    out = []
    checked = [k for k in TARGET_CORPORA if k in results]
    if checked:
        parts, ok = [], True
        for k in checked:
            row = _row(results, k, "default")
            parts.append(f"{CORPUS_NAMES[k]} {_f(row and row.f1)}")
            ok = ok and row is not None and row.f1 >= TARGET_F
        scope = " and ".join(CORPUS_NAMES[k] for k in TARGET_CORPORA)
        out.append(f"target: F >= {TARGET_F} on {scope} with default settings: {', '.join(parts)}: "
                   f"{'PASS' if ok and len(checked) == len(TARGET_CORPORA) else 'FAIL'}"
                   + ("" if len(checked) == len(TARGET_CORPORA) else " (not every target corpus was run)"))
    default, seed = _row(results, "ud", "default"), _row(results, "ud", "kexue2019")
    if default and seed:
        out.append(f"target: F on {CORPUS_NAMES['ud']} no worse than kexue2019: {default.f1:.3f} vs "
                   f"{seed.f1:.3f}: {'PASS' if default.f1 >= seed.f1 else 'FAIL'}")
    gains = []
    for k in results:
        default, seed = _row(results, k, "default"), _row(results, k, "kexue2019")
        if default and seed and default.new_word_recall is not None and seed.new_word_recall is not None:
            gains.append((k, default.new_word_recall - seed.new_word_recall))
    if gains:
        out.append(f"target: new-word recall >= kexue2019's + {TARGET_NEW_WORD_GAIN}: "
                   + ", ".join(f"{CORPUS_NAMES[k]} +{g:.3f}" for k, g in gains) + ": "
                   + ("PASS" if all(g >= TARGET_NEW_WORD_GAIN for _, g in gains) else "FAIL"))
    for k in results:  # issue 12: the mined words on top of jieba's dictionary
        alone = _row(results, k, "jieba")
        if alone is None:
            continue
        both, user = _row(results, k, "base-jieba"), _row(results, k, "jieba-user")
        if both:
            gain, oov = both.f1 - alone.f1, (both.oov_recall or 0) - (alone.oov_recall or 0)
            out.append(f"target: {CORPUS_NAMES[k]} cikuang --base-dict jieba F >= jieba's + {TARGET_BASE_F_GAIN}: "
                       f"{gain:+.4f}: {'PASS' if gain >= TARGET_BASE_F_GAIN else 'FAIL'}; OOV recall >= jieba's + "
                       f"{TARGET_BASE_OOV_GAIN}: {oov:+.3f}: {'PASS' if oov >= TARGET_BASE_OOV_GAIN else 'FAIL'}")
        if user:
            gain = user.f1 - alone.f1
            out.append(f"target: {CORPUS_NAMES[k]} jieba + the exported words F >= jieba's + {TARGET_USER_F_GAIN}: "
                       f"{gain:+.4f}: {'PASS' if gain >= TARGET_USER_F_GAIN else 'FAIL'}")
    listed = [(k, {r.key: r for r in results[k]["rows"] if r.key in LIST_ROWS and r.list_words is not None})
              for k in results]
    for k, rows in listed:
        ours = rows.get("words")
        if ours is None:
            continue
        p100, p1000 = ours.list_precision.get(100), ours.list_precision.get(1000)
        if k in TARGET_P100:
            out.append(f"target: {CORPUS_NAMES[k]} word list P@100 >= {TARGET_P100[k]}: {_f(p100)}: "
                       f"{'PASS' if p100 is not None and p100 >= TARGET_P100[k] else 'FAIL'}; P@1000 >= {TARGET_P1000}: "
                       f"{_f(p1000)}: {'PASS' if p1000 is not None and p1000 >= TARGET_P1000 else 'FAIL'}")
        for peer in ("harvesttext", "smoothnlp"):
            if peer in rows:
                better = all((ours.list_precision.get(kk) or 0) > (rows[peer].list_precision.get(kk) or 0) for kk in KS)
                out.append(f"target: {CORPUS_NAMES[k]} word list above {peer} at every K: {'PASS' if better else 'FAIL'}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="See the module docstring (and docs/benchmarks.md) for the protocol.")
    ap.add_argument("--corpora", default="pku,msr,ud", help="comma-separated from pku,msr,ud (default: all)")
    ap.add_argument("--rows", default=",".join(r for r in ROWS if r not in ("harvesttext", "smoothnlp")),
                    help=f"comma-separated from {','.join(ROWS)} (default: all but the peers)")
    ap.add_argument("--pku", type=Path, default=DEFAULT_GOLD["pku"][0], help="PKU 1998 gold (default: %(default)s)")
    ap.add_argument("--msr", type=Path, default=DEFAULT_GOLD["msr"][0], help="MSR training gold (default: %(default)s)")
    ap.add_argument("--ud", type=Path, nargs="+", default=DEFAULT_GOLD["ud"],
                    help="UD GSDSimp gold files, concatenated (default: dev and test)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/cikuang-harness"),
                    help="directory for raw text, lexicons and outputs (default: %(default)s)")
    ap.add_argument("--json", type=Path, metavar="OUT", help="also write every figure as JSON")
    ap.add_argument("--peers-python", metavar="PYTHON",
                    help="a Python with harvesttext and smoothnlp installed, for the peers' rows "
                         "(bench/peers.py says how to make one)")
    args = ap.parse_args(argv)

    corpora = [c for c in args.corpora.split(",") if c]
    rows = [r for r in args.rows.split(",") if r]
    for c in corpora:
        if c not in DEFAULT_GOLD:
            ap.error(f"unknown corpus {c!r} (choose from {', '.join(DEFAULT_GOLD)})")
    for r in rows:
        if r not in ROWS:
            ap.error(f"unknown row {r!r} (choose from {', '.join(ROWS)})")
    args.work.mkdir(parents=True, exist_ok=True)
    sources = {"pku": [args.pku], "msr": [args.msr], "ud": list(args.ud)}

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    try:
        jieba_words = frozenset(nfkc(w) for w in load_words(jieba_dictionary_path()))
        lists = {"jieba": jieba_words, "peers_python": args.peers_python, "gold": frozenset()}
        if any(r in LIST_ROWS for r in rows):  # either standard's word types count
            lists["gold"] = frozenset(gold_types(args.pku)) | frozenset(gold_types(args.msr))
        results = {}
        for key in corpora:
            corpus = prepare(key, sources[key], args.work, jieba_words)
            lists["known"] = known_tokens(corpus.gold, jieba_words)
            log(f"{corpus.name}: {corpus.n_chars:,} characters, {corpus.n_lines:,} lines")
            results[key] = {"corpus": corpus, "rows": [run_row(r, corpus, args.work, log, lists) for r in rows]}
    except CikuangError as e:
        print(f"harness: error: {e}", file=sys.stderr)
        return 2

    print(f"cikuang transductive segmentation benchmark ({platform.python_version()}, "
          f"jieba {jieba_version()}, {os.cpu_count()} cores)\n")
    for key, res in results.items():
        print(markdown_table(res["corpus"], res["rows"]))
    for line in targets(results):
        print(line)
    if args.json:
        out = {"target": targets(results), "corpora": {}}
        for key, res in results.items():
            c = res["corpus"]
            out["corpora"][key] = {
                "name": c.name, "gold": str(c.gold), "n_chars": c.n_chars, "n_words": c.n_words,
                "n_types": len(c.types), "n_new_types": len(c.new_types),
                "rows": [{**asdict(r), "wall_s": r.wall_s, "max_rss_mb": r.max_rss_mb} for r in res["rows"]],
            }
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
