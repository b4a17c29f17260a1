"""What the benchmark scripts share: running a command measured, and segmenting with jieba.

:func:`run_measured` runs a command in a small helper process, which spawns it and waits for it
with ``os.wait4``: the wall time around spawn and wait, the CPU time and the peak RSS
(``ru_maxrss``) of that command alone. Spawning straight from a benchmark script would not do:
Linux carries a process's RSS high-water mark over ``exec``, so a child forked from a large
script reports at least the script's size.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# argv: REPORT CMD...; writes "wall_s cpu_s max_rss_kb exit_code" to REPORT.
_HELPER = r"""
import os, sys, time
t0 = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(sys.argv[1], "w") as f:
    f.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""

# Segments RAW into OUT with jieba 0.42.1, words joined by two spaces:
# argv = DICT|- RAW OUT CACHE_DIR [USERDICT|- [HMM]] ('-': jieba's own dictionary, no user dictionary;
# HMM: 1 for jieba's HMM on unknown runs, default 0).
JIEBA_SCRIPT = r"""
import logging, sys
import jieba
jieba.setLogLevel(logging.WARNING)
dictionary, raw, out, cache_dir = sys.argv[1:5]
userdict = sys.argv[5] if len(sys.argv) > 5 else "-"
hmm = len(sys.argv) > 6 and sys.argv[6] == "1"
tok = jieba.Tokenizer() if dictionary == "-" else jieba.Tokenizer(dictionary=dictionary)
tok.tmp_dir = cache_dir
tok.initialize()
if userdict != "-":
    tok.load_userdict(userdict)
with open(raw, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as g:
    for line in f:
        g.write("  ".join(tok.cut(line.rstrip("\n"), HMM=hmm)) + "\n")
"""


#: The gold corpora the quality benchmarks read (outside the project: ../shared/data/gold).
GOLD_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "gold"
DEFAULT_GOLD = {
    "pku": [GOLD_DIR / "pku1998.seg.txt"],
    "msr": [GOLD_DIR / "msr_train.seg.txt"],
    "ud": [GOLD_DIR / "ud_gsdsimp_dev.seg.txt", GOLD_DIR / "ud_gsdsimp_test.seg.txt"],
}
#: A gold type is a new word when it occurs this often and jieba's dictionary lacks it.
NEW_WORD_MIN_FREQ = 3


@dataclass
class Measured:
    wall_s: float = 0.0
    cpu_s: float = 0.0
    max_rss_mb: float = 0.0
    returncode: int = 0
    stderr: str = ""


def run_measured(cmd) -> Measured:
    """Run ``cmd`` (its program found on PATH or given as a path; stdout discarded), measured."""
    cmd = [str(c) for c in cmd]
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report"
        err_path = Path(tmp) / "stderr"
        with open(err_path, "wb") as err_file:  # a file, not a pipe: a chatty child cannot block
            helper = subprocess.run([sys.executable, "-c", _HELPER, report, *cmd],
                                    stdout=subprocess.DEVNULL, stderr=err_file)
        m = Measured(stderr=err_path.read_text("utf-8", "replace"))
        if helper.returncode or not report.exists():
            m.returncode = helper.returncode or -1
        else:
            wall, cpu, rss_kb, code = report.read_text().split()
            m.wall_s, m.cpu_s, m.max_rss_mb, m.returncode = float(wall), float(cpu), int(rss_kb) / 1024, int(code)
    return m


def run_or_exit(cmd) -> Measured:
    """:func:`run_measured`, ending the benchmark with the command's error if it fails."""
    m = run_measured(cmd)
    if m.returncode:
        sys.exit(f"failed (exit {m.returncode}): {' '.join(map(str, cmd))}\n{m.stderr}")
    return m
