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
* ``jieba``: jieba 0.42.1 with its own dictionary, HMM off (a supervised reference, not a rival).

The last lines check issue 4's targets: F >= 0.83 on PKU and MSR; on UD, F no worse than
kexue2019's; new-word recall at least 0.10 above kexue2019's.

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
import importlib.util
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
from measure import JIEBA_SCRIPT, run_measured

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = ROOT.parent / "shared" / "data" / "gold"
DEFAULT_GOLD = {
    "pku": [GOLD_DIR / "pku1998.seg.txt"],
    "msr": [GOLD_DIR / "msr_train.seg.txt"],
    "ud": [GOLD_DIR / "ud_gsdsimp_dev.seg.txt", GOLD_DIR / "ud_gsdsimp_test.seg.txt"],
}
CORPUS_NAMES = {"pku": "PKU 1998", "msr": "MSR training", "ud": "UD GSDSimp dev+test"}
ROWS = {
    "default": "cikuang, default settings",
    "no-refine": "cikuang --no-refine (default without the refine stage)",
    "kexue2019": "cikuang --preset kexue2019",
    "kexue2019-jieba": "kexue2019 lexicon as jieba's dictionary, HMM off",
    "chars": "every character a word (floor)",
    "jieba": "jieba 0.42.1, own dictionary, HMM off (supervised reference)",
}
TARGET_F = 0.83  # issue 4: the level of jieba's hand-built dictionary
TARGET_CORPORA = ("pku", "msr")
#: New-word recall of the default must beat the seed preset's by this much on every corpus run.
TARGET_NEW_WORD_GAIN = 0.10
NEW_WORD_MIN_FREQ = 3

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


def jieba_dict_path() -> Path:
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise CikuangError("jieba is not installed (pip install jieba==0.42.1)")
    return Path(spec.origin).parent / "dict.txt"


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


def run_row(key: str, corpus: Corpus, work: Path, log) -> Row:
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
    elif key == "jieba":
        row.steps.append(run_step("jieba", [sys.executable, "-c", JIEBA_SCRIPT, "-", raw, pred, work], log))
        row.lexicon_size = sum(1 for line in open(jieba_dict_path(), encoding="utf-8") if line.strip())
    failed = [s for s in row.steps if s.returncode]
    if failed:
        tail = failed[0].stderr_tail.splitlines()
        row.error = f"{failed[0].name} failed (exit {failed[0].returncode}): {tail[-1] if tail else ''}"
        return row
    if lexicon is not None:
        lexicon_stats(row, lexicon, corpus)
    try:
        s = evaluate(corpus.gold, pred)
    except CikuangError as e:
        row.error = f"scoring failed: {e}"
        return row
    row.precision, row.recall, row.f1, row.n_pred = s.precision, s.recall, s.f1, s.n_pred
    return row


# -- output ------------------------------------------------------------------------------------

def _f(x, digits=3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def markdown_table(corpus: Corpus, rows: list[Row]) -> str:
    head = (f"**{corpus.name}**: {corpus.n_chars:,} characters, {corpus.n_words:,} gold words, "
            f"{len(corpus.types):,} types, {len(corpus.new_types):,} new types (gold frequency ≥ "
            f"{NEW_WORD_MIN_FREQ}, not in jieba's dictionary)\n\n")
    lines = ["| system | P | R | F | lexicon | new-word recall | multi-char precision | wall s | peak RSS MB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.error:
            lines.append(f"| {r.label} | {r.error} | | | | | | | |")
            continue
        wall = f"{r.wall_s:.1f}"
        if len(r.steps) > 1:
            wall += " (" + " + ".join(f"{s.wall_s:.1f}" for s in r.steps) + ")"
        lines.append(f"| {r.label} | {_f(r.precision)} | {_f(r.recall)} | **{_f(r.f1)}** | "
                     f"{'–' if r.lexicon_size is None else f'{r.lexicon_size:,}'} | {_f(r.new_word_recall)} | "
                     f"{_f(r.multichar_precision)} | {wall} | {r.max_rss_mb:.0f} |")
    return head + "\n".join(lines) + "\n"


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
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="See the module docstring (and docs/benchmarks.md) for the protocol.")
    ap.add_argument("--corpora", default="pku,msr,ud", help="comma-separated from pku,msr,ud (default: all)")
    ap.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated from {','.join(ROWS)} (default: all)")
    ap.add_argument("--pku", type=Path, default=DEFAULT_GOLD["pku"][0], help="PKU 1998 gold (default: %(default)s)")
    ap.add_argument("--msr", type=Path, default=DEFAULT_GOLD["msr"][0], help="MSR training gold (default: %(default)s)")
    ap.add_argument("--ud", type=Path, nargs="+", default=DEFAULT_GOLD["ud"],
                    help="UD GSDSimp gold files, concatenated (default: dev and test)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/cikuang-harness"),
                    help="directory for raw text, lexicons and outputs (default: %(default)s)")
    ap.add_argument("--json", type=Path, metavar="OUT", help="also write every figure as JSON")
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
        jieba_words = frozenset(nfkc(w) for w in load_words(jieba_dict_path()))
        results = {}
        for key in corpora:
            corpus = prepare(key, sources[key], args.work, jieba_words)
            log(f"{corpus.name}: {corpus.n_chars:,} characters, {corpus.n_lines:,} lines")
            results[key] = {"corpus": corpus, "rows": [run_row(r, corpus, args.work, log) for r in rows]}
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
