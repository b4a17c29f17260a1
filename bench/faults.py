#!/usr/bin/env python3
"""Fault cases of the ``cikuang`` command line: hostile inputs, full disks, signals, memory, scale.

Each case runs ``cikuang`` (``--cikuang CMD``) as a subprocess in a process group of its own, with
a private ``$TMPDIR``, a wall-clock cap (the group is killed at the cap: a hang is a result, not a
crash of this script), and ``os.wait4`` for the exit status and the peak RSS (``ru_maxrss``). The
result is one table row: exit code, a traceback on stderr (yes/no), a one-line error (yes/no, and
the line), the output file left (absent, written, partial, or what it replaced), temporary files
left, peak RSS against the memory budget, wall time, and PASS/FAIL against the target:

* no traceback: a failure is one line ``cikuang: error: ...`` on stderr and exit code 2;
* no hang: the run ends within its cap (and, where a normal time is known, within
  ``HANG_FACTOR`` times it); after SIGINT it exits within ``SIGINT_TARGET_S`` seconds;
* no partial or replaced output file, no hidden ``.cikuang-*.tmp`` beside it;
* no temporary file left in ``$TMPDIR`` / ``--tmp-dir``;
* no silent wrong result (the case states what the right result is);
* peak RSS within ``--memory`` (the default 2G for discover/count when none is given) plus
  ``RSS_OVERHEAD_MB``.

``python bench/faults.py [--cikuang CMD] [--cases NAME,...] [--quick] [--workdir DIR]
[--timeout S] [--keep] [--bench DIR] [--list]``

``--quick`` runs only the small cases (a few seconds each, about 2 minutes in all); the full run
adds the big ones (random text of 50 and 200 MB, the x10 corpus, single lines of 200 MB and 1 GB;
about 15 minutes on 2 cores against the old code, whose hangs are cut short by the caps).
``--timeout S`` replaces every case's own cap (60 s for the small cases; max(120 s, 3x the normal
time + 10 s) for the spill-hang cases; 300 s for the x10 corpus; 240 s for the 200 MB lines; 480 s
for the 1 GB line). A run killed at its cap is a hang (FAIL); the files it leaves are then not
judged. The exit status of this script is 0 when every case passes (or is n/a), else 1.

Inputs are generated in the work directory (default: a new temporary directory) and deleted at
the end, with every case's outputs, unless ``--keep``. The corpora ``bench-real.txt`` and
``bench-real-x10.txt`` are read from ``--bench`` (default /tmp/bench); cases that need a missing
one are n/a. Standard library only.

Full-disk cases mount small tmpfs file systems (``mount -t tmpfs -o size=...``, which needs root);
when mounting is not permitted, they fall back to ``RLIMIT_FSIZE`` with SIGXFSZ ignored (every
file the process writes is then limited, so a write fails with EFBIG instead of ENOSPC, and the
first file to fail may not be the one the case is about); the note column says which was used.

Cases (``--list`` prints them; Q = in ``--quick``)
---------------------------------------------------

Spill hang (the spill partition and the hash slot were taken from the same hash bits, so summing
a large spilled partition is quadratic linear probing):
  spill-hang-count       count --memory 256M on 50 MB of random Han text (lines of 80 characters).
                         Normal time: how long a 10 MB run (which spills too, but into partitions
                         small enough to escape the bug) keeps temporary files, times the size
                         ratio. Target: the 50 MB run's temporary files are gone within HANG_FACTOR
                         x that. The run is stopped there, before the output (1.3 GB of n-grams,
                         minutes of formatting whatever the spill code does) is written; cap
                         max(120 s, the budget + 10 s).
  spill-hang-discover    discover (default budget) on 200 MB of random Han text; normal time: the
                         size ratio x a 40 MB run. Exit 0 or the one-line "no n-gram passes" error
                         (random text has no words) are both right.
  sigint-spill-merge     count --memory 256M on the 50 MB random text, SIGINT once spilling is over
                         ($TMPDIR has not grown for 5 s: the partitions are being summed), or at
                         the normal time, whichever comes first.

Output file ``-o`` (Q):
  o-devnode              -o on a private copy of /dev/null (mknod c 1 3 in the case directory):
                         it must still be that character device afterwards.
  o-symlink              -o on a symlink to a file holding a sentinel: afterwards it must still be
                         a symlink, and the target holds the new output (or, on an error exit, the
                         sentinel). The mode of the file written is noted.
  o-empty                -o '': a one-line error, exit 2; nothing left in the current directory
                         or its parent.

Tracebacks where a one-line error with exit 2 (and no output file) belongs (Q):
  full-o-{discover,count,segment}   -o on a full 1 MB tmpfs.
  full-stdout-evaluate   evaluate (which has no -o) with stdout redirected into a file on the full
                         tmpfs.
  devfull-{discover,count,segment,evaluate}   stdout is a private copy of /dev/full (c 1 7).
  tmpdir-full-stream     --tmp-dir on a 5 MB tmpfs, --memory 64M, discover on bench-real: the unit
                         stream fills it. The tmpfs must be empty afterwards.
  tmpdir-full-spill      --tmp-dir on a 5 MB tmpfs, --memory 64M, count on 2.4 MB of text: the
                         unit stream fits, the spill files do not.
  tmpdir-missing         --tmp-dir that does not exist.   tmpdir-file: --tmp-dir that is a file.
  utf16-nobom            --encoding utf-16 on a UTF-16-LE file without a BOM.
  stdin-closed-discover  discover - with fd 0 closed (``<&-``).
  stdin-closed-demo      discover (the demo corpus, no INPUT) with fd 0 closed: exit 0 is fine.
  stdin-closed-segment   segment --lexicon L (reads stdin) with fd 0 closed.
  stdout-closed-{discover,count,segment,evaluate}   fd 1 closed (``>&-``).
  glob-absolute          --glob /absolute/pattern/*.txt on a directory; exit 0 with the pattern
                         honoured also passes.
  lexicon-overflow       segment --lexicon with an entry whose count is 2**64.

Silent data loss (Q):
  zst-truncated          count on a .zst cut in half. The text is made of 32-byte lines, so the
                         decoded prefix ends at a line end (a cut inside a character would be caught
                         by the UTF-8 decoder, hiding the bug). Target: an error, no output.
  gz-/bz2-/xz-truncated  the same for the other formats (the issue says these are reported).
                         The .zst is made with the zstd program if present, else written by this
                         script as a frame of raw (uncompressed) blocks.

Memory (full):
  memory-count-x10       count --memory 64M on bench-real-x10.txt (cap 300 s).
  single-line-1g         discover --memory 1G on one 1 GB line (bench-real text, line ends removed,
                         repeated; punctuation kept), cap 480 s.
  single-line-200m       discover --memory 256M on one 200 MB line.
  single-line-200m-w8    the same with --workers 8.
  sigint-count-x10       count --memory 64M on x10, SIGINT at 40 s.
  sigint-single-line     discover --memory 256M on the 200 MB line, SIGINT at 20 s.

A wall at scale (Q): a corpus of 70,000 distinct Latin tokens (w00000..w69999), each 6 times,
separated by Han characters (3.8 MB):
  units-65535-discover   discover must succeed. If it fails, the message must name the file.
  units-65535-count      count must succeed. If it fails, the message must name the file and must
                         not suggest an option that ``count --help`` does not list (--min-count).

Temporary files after a kill (Q; "mid" is the first 8 MB of bench-real):
  sigterm-tmp            discover mid, SIGTERM once $TMPDIR holds 1.2x the input (the unit stream
                         is written) or at 60% of the normal time: exit within 2 s,
                         nothing left in $TMPDIR.
  sigkill-tmp            the same with SIGKILL: nothing can clean up after kill -9 in the process
                         itself, so the target (nothing left) needs unlinked/self-cleaning files.
  sigterm-write          count mid -o OUT, SIGTERM as soon as OUT is being written (a hidden
                         .cikuang-*.tmp beside it, or with O_TMPFILE the unnamed file held open):
                         no hidden file, no OUT.
  killed-write           the same with SIGKILL.

Silent wrong results (Q):
  lexicon-tsv-tab        segment --lexicon with 'word<TAB>count' lines (新词/发现) on 新词发现: the
                         right output is '新词  发现'; an error also passes; '新  词  发  现' fails.
  unreadable-subdir      count on a directory with an unreadable subdirectory: an error or a
                         warning naming it. As root, run as nobody (setpriv), or as root without
                         CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, else n/a.
  min-pmi-short          discover --order 4 --min-pmi 0,2: an error or a warning, not silence.
  min-pmi-long           discover --order 3 --min-pmi 0,2,4,6,8: likewise.
  order8-demo            discover --order 8 on the demo: succeed, or a one-line error that names
                         the corpus and gives a concrete --order or --min-count value that works.

Ctrl-C (Q unless noted): SIGINT to the process group (as a terminal does) mid-run; target: exit
within SIGINT_TARGET_S, no traceback, no temp file, no output file.
  normal-{discover,count,segment}-mid   plain runs on mid: their wall times place the signals.
  sigint-discover-early  at 30% of the normal time.   sigint-discover-late: at 80%.
  sigint-count-write     when the hidden output file appears (or at 90%).
  sigint-segment         at 50%.
  (full: sigint-spill-merge, sigint-count-x10, sigint-single-line, above.)
"""
from __future__ import annotations

import argparse
import bz2
import glob as globmod
import gzip
import lzma
import os
import random
import re
import resource
import shlex
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

#: Allowed peak RSS above the --memory budget (interpreter, NumPy, buffers).
RSS_OVERHEAD_MB = 150
#: A run must exit this soon after SIGINT (or SIGTERM).
SIGINT_TARGET_S = 2.0
#: After a signal, wait this long for the exit before SIGKILL (reported as "no exit").
SIGNAL_CAP_S = 30.0
#: A run slower than this many times its normal time is a hang.
HANG_FACTOR = 3.0
#: Default cap of a small case's run.
SMALL_CAP_S = 60.0
#: The default --memory of discover and count.
DEFAULT_MEMORY = "2G"
POLL_S = 0.02

# --------------------------------------------------------------------------------------------
# running a command


@dataclass
class Run:
    argv: list
    rc: int | None = None  # exit code, -N for a death by signal N
    timed_out: bool = False
    wall: float = 0.0
    rss_mb: float = 0.0
    stderr: str = ""
    stdout_path: str | None = None
    sig: int | None = None
    sig_at: float | None = None  # seconds after start
    sig_exit: float | None = None  # seconds from the signal to the exit
    sig_killed: bool = False  # no exit within SIGNAL_CAP_S of the signal
    stopped_at: float | None = None  # killed by the script once ``stop`` said so
    trigger_why: str | None = None
    stop_why: str | None = None

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.stderr

    def stderr_lines(self) -> list[str]:
        return [ln for ln in self.stderr.splitlines() if ln.strip()]

    def one_line_error(self) -> str | None:
        lines = self.stderr_lines()
        if len(lines) == 1 and lines[0].startswith("cikuang:") and not self.traceback:
            return lines[0]
        return None

    def stdout(self) -> str:
        if not self.stdout_path or not os.path.isfile(self.stdout_path):
            return ""
        with open(self.stdout_path, "rb") as f:
            return f.read(1 << 20).decode("utf-8", "replace")


def run(ctx, args, *, case_dir: Path, cwd=None, tmp=None, stdin="devnull", stdout="file", cap=None,
        sig=None, trigger=None, prefix=(), fsize=None, stop=None) -> Run:
    """Run cikuang ``args``. stdin: 'devnull', 'closed' or a path; stdout: 'file', 'closed', 'devnull'
    or a path. ``trigger(elapsed)`` says when to send ``sig`` to the process group; ``stop(elapsed)``
    when to kill it because the case has seen what it needed."""
    argv = list(prefix) + ctx.cmd + [str(a) for a in args]
    r = Run(argv)
    env = dict(os.environ)
    if tmp is not None:
        for k in ("TMPDIR", "TMP", "TEMP"):
            env[k] = str(tmp)
    env.pop("PYTHONWARNINGS", None)
    files = []
    close = []
    if stdin == "devnull":
        fin = subprocess.DEVNULL
    elif stdin == "closed":
        fin, close = None, close + [0]
    else:
        fin = open(stdin, "rb")
        files.append(fin)
    if stdout == "file":
        r.stdout_path = str(case_dir / "stdout")
        fout = open(r.stdout_path, "wb")
        files.append(fout)
    elif stdout == "devnull":
        fout = subprocess.DEVNULL
    elif stdout == "closed":
        fout, close = None, close + [1]
    else:
        fout = open(stdout, "wb")
        files.append(fout)
    err_path = case_dir / "stderr"
    ferr = open(err_path, "wb")
    files.append(ferr)
    pumps = []
    if fsize is not None:
        # RLIMIT_FSIZE limits every regular file the child writes, its stderr and stdout files too:
        # pass those through pipes, copied into the files here.
        ferr, pumps = _pump(ferr, pumps)
        if stdout == "file":
            fout, pumps = _pump(fout, pumps)

    def preexec():
        # a shell runs a background job (this script under `&`) with SIGINT ignored, and a child
        # inherits that: Python then installs no KeyboardInterrupt handler, and the SIGINT cases
        # would measure the shell, not cikuang
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        for fd in close:
            os.close(fd)
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    cap = ctx.cap(cap)
    t0 = time.perf_counter()
    try:
        p = subprocess.Popen(argv, stdin=fin, stdout=fout, stderr=ferr, cwd=cwd, env=env,
                             start_new_session=True, preexec_fn=preexec)
    finally:
        for f in files:
            if not pumps:
                f.close()
        for fd in (ferr, fout):
            if isinstance(fd, int) and fd > 2:
                os.close(fd)  # the write ends of the pipes: the child has them
    status = ru = None
    if trigger is not None and hasattr(trigger, "pid"):
        trigger.pid = p.pid
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        now = time.perf_counter() - t0
        if pid:
            break
        if sig is not None and r.sig_at is None and trigger is not None and trigger(now):
            _killpg(p.pid, sig)
            r.sig, r.sig_at = sig, now
            r.trigger_why = getattr(trigger, "why", None)
        if stop is not None and r.stopped_at is None and stop(now):
            _killpg(p.pid, signal.SIGKILL)
            r.stopped_at = now
            r.stop_why = getattr(stop, "why", None)
        if r.sig_at is not None and not r.sig_killed and now - r.sig_at > SIGNAL_CAP_S:
            _killpg(p.pid, signal.SIGKILL)
            r.sig_killed = True
        if now > cap and not r.timed_out:
            _killpg(p.pid, signal.SIGKILL)
            r.timed_out = True
        time.sleep(POLL_S)
    r.wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)  # so that Popen does not reap it again
    r.rc = p.returncode
    _killpg(p.pid, signal.SIGKILL)  # any straggler of the group
    if r.sig_at is not None:
        r.sig_exit = r.wall - r.sig_at
    r.rss_mb = ru.ru_maxrss / 1024
    for t in pumps:
        t.join(10)
    for f in files:
        f.close()
    with open(err_path, "rb") as f:
        r.stderr = f.read(1 << 20).decode("utf-8", "replace")
    return r


def _pump(dest, pumps):
    """A pipe whose read end a thread copies into the open file ``dest``; returns its write end."""
    import threading
    rd, wr = os.pipe()

    def copy():
        with os.fdopen(rd, "rb") as src:
            while True:
                chunk = src.read1(1 << 16)
                if not chunk:
                    return
                dest.write(chunk)
    t = threading.Thread(target=copy, daemon=True)
    t.start()
    return wr, pumps + [t]


def _killpg(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Trigger:
    """A condition polled while a run goes on; ``why`` says which part of it fired."""

    def __init__(self, fallback_t=None):
        self.fallback_t = fallback_t
        self.why = None

    def __call__(self, now):
        if self.check(now):
            return True
        if self.fallback_t is not None and now >= self.fallback_t:
            self.why = f"at {self.fallback_t:.1f} s (fallback)"
            return True
        return False

    def check(self, now):
        return False


class after(Trigger):
    """At ``t`` seconds (``label`` says what that is)."""

    def __init__(self, t, label=None):
        super().__init__(None)
        self.t, self.label = t, label

    def check(self, now):
        if now >= self.t:
            self.why = f"at {self.t:.1f} s" + (f" ({self.label})" if self.label else "")
            return True
        return False


class when_tmp_bytes(Trigger):
    """When directory ``d`` holds at least ``n`` bytes."""

    def __init__(self, d, n, fallback_t=None):
        super().__init__(fallback_t)
        self.d, self.n = d, n

    def check(self, now):
        if tree_bytes(self.d) >= self.n:
            self.why = f"when $TMPDIR held {mb(self.n)}"
            return True
        return False


class when_hidden_tmp(Trigger):
    """When the output is being written in ``d``: a .cikuang-*.tmp appears there, or (where the
    system has O_TMPFILE, so the file has no name until it is complete) the process holds an
    unnamed file of ``d`` open (``run`` sets ``pid``)."""

    def __init__(self, d, fallback_t=None):
        super().__init__(fallback_t)
        self.d = d
        self.pid = None

    def check(self, now):
        if globmod.glob(os.path.join(self.d, ".cikuang-*.tmp")):
            self.why = "when the hidden .cikuang-*.tmp appeared beside the output"
            return True
        if self.pid is not None and self._unnamed_open():
            self.why = "when the unnamed output file (O_TMPFILE) was open beside the output"
            return True
        return False

    def _unnamed_open(self) -> bool:
        fd_dir = f"/proc/{self.pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            return False
        for fd in fds:
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target.startswith(os.path.join(self.d, "#")) and target.endswith("(deleted)"):
                return True
        return False


class when_tmp_quiet(Trigger):
    """When ``d`` has held files and its size has not grown for ``quiet_s``."""

    def __init__(self, d, quiet_s, fallback_t=None):
        super().__init__(fallback_t)
        self.d, self.quiet_s = d, quiet_s
        self.size, self.since, self.checked = -1, 0.0, -1.0

    def check(self, now):
        if now - self.checked < 0.5:
            return False
        self.checked = now
        size = tree_bytes(self.d)
        if size > self.size:
            self.size, self.since = size, now
            return False
        if size > 0 and now - self.since >= self.quiet_s:
            self.why = f"when $TMPDIR had not grown for {self.quiet_s:g} s ({mb(size)})"
            return True
        return False


class when_tmp_gone(Trigger):
    """When ``d`` has held files and is empty again: the stage that needs temporary files is over."""

    def __init__(self, d):
        super().__init__(None)
        self.d, self.seen, self.checked = d, False, -1.0

    def check(self, now):
        if now - self.checked < 0.2:
            return False
        self.checked = now
        has = bool(os.listdir(self.d)) if os.path.isdir(self.d) else False
        if has:
            self.seen = True
            return False
        if self.seen:
            self.why = f"$TMPDIR emptied at {now:.1f} s"
            return True
        return False


# --------------------------------------------------------------------------------------------
# file system helpers


def tree(d) -> list[tuple[str, int]]:
    out = []
    for root, dirs, files in os.walk(d):
        for name in dirs + files:
            p = os.path.join(root, name)
            try:
                size = os.lstat(p).st_size if name in files else 0
            except OSError:
                size = 0
            out.append((os.path.relpath(p, d), size))
    return out


def tree_bytes(d) -> int:
    total = 0
    for root, _, files in os.walk(d):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def mb(n) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n} B"


def hidden_tmps(d) -> list[str]:
    return sorted(os.path.basename(p) for p in globmod.glob(os.path.join(str(d), ".cikuang-*.tmp")))


def parse_size(text) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)[bB]?\s*", str(text))
    scale = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[m.group(2).lower()]
    return int(float(m.group(1)) * scale)


# --------------------------------------------------------------------------------------------
# results


@dataclass
class Row:
    case: str
    rc: str = "-"
    tb: str = "-"
    err: str = "-"
    out: str = "-"
    tmp: str = "-"
    rss: str = "-"
    wall: str = "-"
    verdict: str = "PASS"
    why: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def fail(self, reason):
        self.why.append(reason)
        self.verdict = "FAIL"

    def na(self, reason):
        self.notes.append(reason)
        if self.verdict != "FAIL":
            self.verdict = "n/a"


def fill(row: Row, r: Run, *, expect="error", mem=None, budget=None, tmp_dirs=(), input_bytes=None,
         out=None, out_dirs=(), sigint=False):
    """Fill the common columns from run ``r`` and judge it.

    expect: 'error' (exit 2 + one-line error), 'ok' (exit 0), 'either', 'signal' (judged on the
    signal), 'any'."""
    killed_by_us = r.timed_out or r.stopped_at is not None
    rc = "hang" if r.timed_out else ("stopped" if r.stopped_at is not None else str(r.rc))
    row.rc = rc
    row.tb = "yes" if r.traceback else "no"
    line = r.one_line_error()
    if line:
        row.err = "yes: " + _short(line)
    else:
        lines = r.stderr_lines()
        row.err = "no" + (f" (last: {_short(lines[-1])})" if lines else " (empty)")
    # wall time, signals
    w = f"{r.wall:.1f}"
    if r.timed_out:
        w += " (killed at the cap)"
    if r.stopped_at is not None:
        w += f" (stopped by the script: {r.stop_why or 'done'})"
    if r.sig_at is not None:
        name = signal.Signals(r.sig).name
        w += f" ({name} at {r.sig_at:.1f}: " + ("no exit, killed" if r.sig_killed else f"exit +{r.sig_exit:.1f}") + ")"
        if r.trigger_why:
            row.notes.append(f"{name} sent {r.trigger_why}")
    row.wall = w
    if r.timed_out:
        row.fail(f"hang: still running at the {r.wall:.0f} s cap, killed")
    if budget is not None and not r.timed_out and r.wall > budget:
        row.fail(f"slow: {r.wall:.0f} s > {budget:.0f} s ({HANG_FACTOR:g}x the normal time)")
    if r.traceback:
        row.fail("traceback on stderr")
    if r.stopped_at is not None or r.timed_out:
        pass  # the case judges what it stopped the run for; a hang is failed above
    elif expect == "error":
        if r.rc != 2 or not line:
            row.fail(f"exit {rc}" + ("" if line else ", no one-line error") + " (want exit 2 and one line)")
    elif expect == "ok":
        if r.rc != 0:
            row.fail(f"exit {rc} (want 0)")
    elif expect == "either":
        if not (r.rc == 0 or (r.rc == 2 and line)):
            row.fail(f"exit {rc}" + ("" if line else ", no one-line error") + " (want 0, or 2 and one line)")
    if r.sig_at is not None and r.sig in (signal.SIGINT, signal.SIGTERM):
        if r.sig_killed:
            row.fail(f"no exit {SIGNAL_CAP_S:.0f} s after {signal.Signals(r.sig).name}")
        elif r.sig_exit > SIGINT_TARGET_S:
            row.fail(f"exit {r.sig_exit:.1f} s after {signal.Signals(r.sig).name} (> {SIGINT_TARGET_S:g} s)")
    elif sigint and r.sig_at is None:
        row.na(f"ended at {r.wall:.1f} s, before the signal was due")
    # memory
    if mem is not None:
        limit = parse_size(mem) / (1 << 20) + RSS_OVERHEAD_MB
        row.rss = f"{r.rss_mb:.0f} / {limit:.0f}"
        if r.rss_mb > limit:
            row.fail(f"peak RSS {r.rss_mb:.0f} MB > --memory {mem} + {RSS_OVERHEAD_MB} MB")
    else:
        row.rss = f"{r.rss_mb:.0f}"
    # temporary files
    if killed_by_us or r.sig_killed:
        row.tmp = row.out = "not judged (the script killed it)"
        return
    left = []
    for d in tmp_dirs:
        if d and os.path.isdir(d):
            entries = tree(d)
            if entries:
                size = sum(s for _, s in entries)
                top = sorted({e.split(os.sep)[0] for e, _ in entries})
                left.append(f"{len(entries)} in {os.path.basename(str(d))}/ ({mb(size)}"
                            + (f" = {size / input_bytes:.2f}x input" if input_bytes else "") + f": {', '.join(top[:2])})")
    for d in out_dirs:
        for h in hidden_tmps(d):
            left.append(f"{h} beside the output")
    if left:
        row.tmp = "; ".join(left)
        row.fail("temporary files left")
    else:
        row.tmp = "none"
    # output
    if out is not None:
        if os.path.lexists(out):
            size = os.lstat(out).st_size
            if r.rc == 0 and not r.timed_out and r.sig_at is None:
                row.out = f"written ({mb(size)})"
            else:
                row.out = f"PARTIAL/left ({mb(size)})"
                row.fail("output file left by a failed run")
        else:
            row.out = "none"


def _short(s, n=90):
    s = s.strip()
    return s if len(s) <= n else s[: n - 3] + "..."


# --------------------------------------------------------------------------------------------
# inputs


def write_random_han(path, nbytes, seed, line_chars=80):
    """Random CJK unified ideographs (U+4E00..U+9FFF), ``line_chars`` a line, about ``nbytes``."""
    rnd = random.Random(seed)
    hi_map = bytes.maketrans(bytes(range(256)), bytes(0x4E + b % 82 for b in range(256)))
    m = line_chars * 2048  # code units per chunk (about 480 KB of UTF-8), whole lines
    written = 0
    with open(path, "wb") as f:
        while written < nbytes:
            raw = rnd.randbytes(2 * m)
            buf = bytearray(2 * m)
            buf[0::2] = raw[:m].translate(hi_map)
            buf[1::2] = raw[m:]
            step = 2 * line_chars
            k = m // line_chars
            buf[step - 2::step] = b"\x00" * k
            buf[step - 1::step] = b"\n" * k
            data = buf.decode("utf-16-be").encode("utf-8")
            f.write(data)
            written += len(data)


def write_single_line(path, src, nbytes):
    """``src``'s text with its line ends removed, repeated to ``nbytes`` bytes, as one line."""
    written = 0
    with open(path, "wb") as f:
        while written < nbytes:
            with open(src, "rb") as g:
                for line in g:
                    line = line.rstrip(b"\r\n")
                    room = nbytes - written
                    if len(line) > room:
                        cut = room
                        while cut > 0 and (line[cut] & 0xC0) == 0x80:  # not inside a character
                            cut -= 1
                        f.write(line[:cut])
                        written = nbytes
                        break
                    f.write(line)
                    written += len(line)
        f.write(b"\n")


def write_prefix(path, src, nbytes):
    """The first lines of ``src``, about ``nbytes`` bytes."""
    written = 0
    with open(src, "rb") as g, open(path, "wb") as f:
        for line in g:
            f.write(line)
            written += len(line)
            if written >= nbytes:
                break


def zstd_raw_frame(data: bytes) -> bytes:
    """A zstd frame of raw blocks (no compression): magic, header with content size, blocks."""
    out = bytearray(struct.pack("<I", 0xFD2FB528))
    out.append(0b11100000)  # FCS field 8 bytes, single segment
    out += struct.pack("<Q", len(data))
    block = 1 << 17
    for i in range(0, max(len(data), 1), block):
        chunk = data[i : i + block]
        last = 1 if i + block >= len(data) else 0
        header = (len(chunk) << 3) | (0 << 1) | last  # type 0: raw
        out += struct.pack("<I", header)[:3] + chunk
    return bytes(out)


class Mounts:
    def __init__(self):
        self.points = []
        self.denied = None  # the reason mounting is not possible, once known

    def tmpfs(self, path, size) -> bool:
        if self.denied:
            return False
        os.makedirs(path, exist_ok=True)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            self.denied = (p.stderr.strip() or f"mount exit {p.returncode}")
            return False
        self.points.append(str(path))
        return True

    def umount(self, path):
        if str(path) in self.points:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)
            self.points.remove(str(path))

    def cleanup(self):
        for p in list(self.points):
            self.umount(p)


def fill_fs(path):
    """Write into ``path`` until its file system is full (unbuffered, down to 512-byte writes)."""
    fd = os.open(os.path.join(path, "filler"), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (1 << 16, 4096, 512, 1):
            chunk = b"\0" * size
            try:
                while True:
                    os.write(fd, chunk)
            except OSError:
                pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------
# the context shared by the cases


class Ctx:
    def __init__(self, args):
        self.args = args
        self.cmd = shlex.split(args.cikuang) if args.cikuang else default_cikuang()
        if args.workdir:
            self.work = Path(args.workdir).resolve()
            self.work.mkdir(parents=True, exist_ok=True)
            self.own_work = False
        else:
            self.work = Path(tempfile.mkdtemp(prefix="cikuang-faults-"))
            self.own_work = True
        if self.own_work:
            os.chmod(self.work, 0o755)  # the unreadable-subdir case runs as another user
        self.inputs = self.work / "inputs"
        self.inputs.mkdir(exist_ok=True)
        os.chmod(self.inputs, 0o755)
        self.bench = Path(args.bench)
        self.mounts = Mounts()
        self.normal = {}  # key -> wall seconds of a normal run
        self._made = {}

    def cap(self, cap):
        if self.args.timeout:
            return float(self.args.timeout)
        return float(cap if cap is not None else SMALL_CAP_S)

    def case_dir(self, name) -> Path:
        d = self.work / "cases" / name
        if d.exists():
            shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        (d / "tmp").mkdir()
        return d

    # -- inputs, made once -------------------------------------------------------------------

    def bench_file(self, name) -> Path:
        p = self.bench / name
        if not p.is_file():
            raise NA(f"{p} missing")
        return p

    def made(self, name, maker) -> Path:
        if name not in self._made:
            p = self.inputs / name
            t0 = time.perf_counter()
            maker(p)
            os.chmod(p, 0o644)
            log(f"  made {name} ({mb(p.stat().st_size)}, {time.perf_counter() - t0:.1f} s)")
            self._made[name] = p
        return self._made[name]

    def small(self):
        return self.made("small.txt", lambda p: write_prefix(p, self.bench_file("bench-real.txt"), 900_000))

    def mid(self):
        return self.made("mid.txt", lambda p: write_prefix(p, self.bench_file("bench-real.txt"), 8_000_000))

    def s2m(self):
        return self.made("s2.4m.txt", lambda p: write_prefix(p, self.bench_file("bench-real.txt"), 2_400_000))

    def rand(self, mbytes):
        return self.made(f"rand{mbytes}m.txt", lambda p: write_random_han(p, mbytes * 1_000_000, seed=mbytes))

    def line(self, mbytes):
        return self.made(f"line{mbytes}m.txt",
                         lambda p: write_single_line(p, self.bench_file("bench-real.txt"), mbytes * 1_000_000))

    def units70k(self):
        def make(p):
            rnd = random.Random(1)
            toks = [f"w{i:05d}" for i in range(70000)] * 6
            rnd.shuffle(toks)
            han = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府东院"
            with open(p, "w", encoding="utf-8") as f:
                for i in range(0, len(toks), 20):
                    f.write("".join(t + rnd.choice(han) for t in toks[i : i + 20]) + "\n")
        return self.made("units70k.txt", make)

    def aligned(self):
        """Text of 32-byte lines (10 Han characters, 'a', newline), about 800 KB."""
        def make(p):
            text = self.small().read_text(encoding="utf-8")
            han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
            with open(p, "w", encoding="utf-8") as f:
                for i in range(0, min(len(han), 260_000) - 10, 10):
                    f.write("".join(han[i : i + 10]) + "a\n")
        return self.made("aligned.txt", make)

    def lexicon(self):
        """A jieba-format lexicon of small.txt, made by cikuang itself."""
        if "lexicon" not in self._made:
            d = self.case_dir("_setup-lexicon")
            out = self.inputs / "lexicon.txt"
            r = run(self, ["discover", self.small(), "-q", "--format", "jieba", "-o", out], case_dir=d, tmp=d / "tmp")
            if r.rc != 0 or not out.exists():
                raise NA(f"setup: discover for the lexicon failed (exit {r.rc})")
            self._made["lexicon"] = out
        return self._made["lexicon"]

    def segmented(self):
        """small.txt segmented (gold and prediction for evaluate)."""
        if "segmented" not in self._made:
            d = self.case_dir("_setup-segmented")
            out = self.inputs / "segmented.txt"
            r = run(self, ["segment", "--lexicon", self.lexicon(), self.small(), "-q", "-o", out],
                    case_dir=d, tmp=d / "tmp")
            if r.rc != 0 or not out.exists():
                raise NA(f"setup: segment failed (exit {r.rc})")
            self._made["segmented"] = out
        return self._made["segmented"]

    def measure(self, key, args, cap=None):
        """Wall time of a normal run (memoized), for placing signals and judging hangs."""
        if key not in self.normal:
            d = self.case_dir(f"_normal-{key}")
            r = run(self, args, case_dir=d, tmp=d / "tmp", cap=cap)
            self.normal[key] = (r.wall, r)
            log(f"  normal run {key}: {r.wall:.1f} s, exit {r.rc}")
            if not self.args.keep:
                shutil.rmtree(d, ignore_errors=True)
        return self.normal[key][0]

    def cleanup(self):
        self.mounts.cleanup()
        if self.args.keep:
            return
        if self.own_work:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            shutil.rmtree(self.inputs, ignore_errors=True)
            shutil.rmtree(self.work / "cases", ignore_errors=True)


class NA(Exception):
    """The case cannot run here (reason in the message)."""


def default_cikuang() -> list[str]:
    beside = Path(sys.executable).parent / "cikuang"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("cikuang")
    return [found] if found else [sys.executable, "-m", "cikuang.cli"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# the cases

CASES = []


def case(name, quick=True, what=""):
    def deco(fn):
        CASES.append((name, quick, what, fn))
        return fn
    return deco


def simple(ctx, name, args, *, expect="error", out=None, mem=None, stdin="devnull", stdout="file", cwd=None,
           input_bytes=None, row=None, extra_tmp=(), cap=None, fsize=None):
    d = ctx.case_dir(name)
    row = row or Row(name)
    args = [a(d) if callable(a) else a for a in args]
    out_p = out(d) if callable(out) else out
    r = run(ctx, args, case_dir=d, tmp=d / "tmp", stdin=stdin, stdout=stdout, cwd=cwd(d) if callable(cwd) else cwd,
            cap=cap, fsize=fsize)
    fill(row, r, expect=expect, mem=mem, tmp_dirs=[d / "tmp", *extra_tmp], input_bytes=input_bytes, out=out_p,
         out_dirs=[os.path.dirname(str(out_p))] if out_p else [])
    return row, r, d


def mem_of(args):
    """The --memory a discover/count command runs under (the default when not given)."""
    args = [str(a) for a in args]
    if args and args[0] not in ("discover", "count"):
        return None
    if "--memory" in args:
        return args[args.index("--memory") + 1]
    return DEFAULT_MEMORY


# -- spill hang ---------------------------------------------------------------------------------

def _tmp_phase(ctx, key, src, memory):
    """Seconds ``count SRC --memory M`` needs until its temporary files are gone (the counting stage,
    spill merge included, is over); the run is stopped there (memoized)."""
    if key not in ctx.normal:
        d = ctx.case_dir(f"_normal-{key}")
        r = run(ctx, ["count", src, "--memory", memory, "-q", "-o", d / "o.tsv"], case_dir=d, tmp=d / "tmp",
                cap=600, stop=when_tmp_gone(d / "tmp"))
        t = r.stopped_at if r.stopped_at is not None else r.wall
        ctx.normal[key] = (t, r)
        log(f"  calibration {key}: temp files gone at {t:.1f} s" + ("" if r.stopped_at else f" (exit {r.rc})"))
        if not ctx.args.keep:
            shutil.rmtree(d, ignore_errors=True)
    return ctx.normal[key][0]


@case("spill-hang-count", quick=False, what="count --memory 256M, 50 MB random Han text")
def c_spill_count(ctx, row):
    small, big = ctx.rand(10), ctx.rand(50)
    scale = big.stat().st_size / small.stat().st_size
    normal = scale * _tmp_phase(ctx, "count-rand10", small, "256M")
    budget = HANG_FACTOR * normal
    d = ctx.case_dir(row.case)
    r = run(ctx, ["count", big, "--memory", "256M", "-q", "-o", d / "out.tsv"], case_dir=d, tmp=d / "tmp",
            cap=max(120.0, budget + 10), stop=when_tmp_gone(d / "tmp"))
    fill(row, r, expect="ok", mem="256M", tmp_dirs=[d / "tmp"], input_bytes=big.stat().st_size,
         out=d / "out.tsv", out_dirs=[d])
    if r.stopped_at is not None:
        row.rc = "stopped"
        if r.stopped_at > budget:
            row.fail(f"hang: counting (temp files in use) took {r.stopped_at:.0f} s > {HANG_FACTOR:g} x normal "
                     f"{normal:.0f} s")
    elif r.timed_out:
        pass  # fill() failed it as a hang
    elif r.wall > HANG_FACTOR * scale * ctx.normal["count-rand10"][1].wall:
        row.fail(f"slow: {r.wall:.0f} s")
    row.notes.append(f"normal = {scale:.1f} x {normal / scale:.1f} s (the time a 10 MB run has temp files); the run "
                     "is stopped once its temp files are gone, before the output (1.3 GB of n-grams) is written")


@case("spill-hang-discover", quick=False, what="discover on 200 MB random Han text")
def c_spill_discover(ctx, row):
    small, big = ctx.rand(40), ctx.rand(200)
    scale = big.stat().st_size / small.stat().st_size
    t40 = ctx.measure("discover-rand40", ["discover", small, "-q", "-o", ctx.work / "cases" / "_calib40.tsv"],
                      cap=300)
    _unlink(ctx.work / "cases" / "_calib40.tsv")
    normal = scale * t40
    budget = HANG_FACTOR * normal
    row, r, d = simple(ctx, row.case, ["discover", big, "-q", "-o", lambda d: d / "out.tsv"], expect="either",
                       mem=DEFAULT_MEMORY, out=lambda d: d / "out.tsv", row=row, cap=max(120.0, budget + 10),
                       input_bytes=big.stat().st_size)
    if not r.timed_out and r.wall > budget:
        row.fail(f"slow: {r.wall:.0f} s > {HANG_FACTOR:g} x normal {normal:.0f} s")
    row.notes.append(f"normal = {scale:.1f} x {t40:.1f} s on 40 MB; random text has no words, so the one-line "
                     "'no n-gram passes' error is a right answer")


@case("sigint-spill-merge", quick=False, what="SIGINT once spilling is over (partitions being summed)")
def c_sigint_spill(ctx, row):
    small, big = ctx.rand(10), ctx.rand(50)
    normal = big.stat().st_size / small.stat().st_size * _tmp_phase(ctx, "count-rand10", small, "256M")
    d = ctx.case_dir(row.case)
    r = run(ctx, ["count", big, "--memory", "256M", "-q", "-o", d / "out.tsv"], case_dir=d, tmp=d / "tmp",
            cap=max(120.0, normal + SIGNAL_CAP_S + 10), sig=signal.SIGINT,
            # the fallback at half the normal time: at the normal time the run may be done and
            # only exiting (a signal then finds the output complete, rightly exit 0)
            trigger=when_tmp_quiet(d / "tmp", 5.0, fallback_t=0.5 * normal))
    fill(row, r, expect="any", mem="256M", tmp_dirs=[d / "tmp"], input_bytes=big.stat().st_size, out=d / "out.tsv",
         out_dirs=[d], sigint=True)


# -- -o on special files ------------------------------------------------------------------------

@case("o-devnode", what="-o on a private copy of /dev/null")
def c_devnode(ctx, row):
    d = ctx.case_dir(row.case)
    dev = d / "null"
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError as e:
        raise NA(f"mknod not permitted: {e}")
    r = run(ctx, ["discover", ctx.small(), "-q", "--format", "jieba", "-o", dev], case_dir=d, tmp=d / "tmp")
    fill(row, r, expect="either", mem=DEFAULT_MEMORY, tmp_dirs=[d / "tmp"], out_dirs=[d])
    st = os.lstat(dev)
    if stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3):
        row.out = "still the device"
    else:
        kind = "regular file" if stat.S_ISREG(st.st_mode) else oct(stat.S_IFMT(st.st_mode))
        row.out = f"REPLACED by a {kind} {stat.S_IMODE(st.st_mode):04o} ({mb(st.st_size)})"
        row.fail("the device node was replaced")


@case("o-symlink", what="-o on a symlink to a file")
def c_symlink(ctx, row):
    d = ctx.case_dir(row.case)
    target = d / "target.txt"
    target.write_text("sentinel\n")
    os.chmod(target, 0o644)
    link = d / "link.txt"
    os.symlink("target.txt", link)
    r = run(ctx, ["discover", ctx.small(), "-q", "--format", "jieba", "-o", link], case_dir=d, tmp=d / "tmp")
    fill(row, r, expect="either", mem=DEFAULT_MEMORY, tmp_dirs=[d / "tmp"], out_dirs=[d])
    is_link = os.path.islink(link)
    content = target.read_text(errors="replace")
    written = content != "sentinel\n"
    parts = ["still a symlink" if is_link else "symlink REPLACED by a file",
             "target written" if written else "target untouched"]
    if not is_link:
        st = os.lstat(link)
        parts.append(f"mode {stat.S_IMODE(st.st_mode):04o}")
        row.fail("the symlink was replaced by a regular file")
    elif r.rc == 0 and not written:
        row.fail("exit 0 but the target was not written")
    elif r.rc != 0 and written:
        row.fail("the target was changed by a failed run")
    row.out = ", ".join(parts)


@case("o-empty", what="-o ''")
def c_o_empty(ctx, row):
    d = ctx.case_dir(row.case)
    cwd = d / "cwd"
    cwd.mkdir()
    r = run(ctx, ["discover", ctx.small(), "-q", "-o", ""], case_dir=d, tmp=d / "tmp", cwd=cwd)
    fill(row, r, expect="error", mem=DEFAULT_MEMORY, tmp_dirs=[d / "tmp", cwd], out_dirs=[d, cwd])
    row.out = "n/a"


# -- full file systems --------------------------------------------------------------------------

def full_fs(ctx, d) -> tuple[Path, int | None, str]:
    """A full file system at d/full: (path, fsize limit or None, how)."""
    m = d / "full"
    if ctx.mounts.tmpfs(m, "1m"):
        fill_fs(m)
        return m, None, "full 1 MB tmpfs"
    m.mkdir(exist_ok=True)
    return m, 0, f"mount denied ({ctx.mounts.denied}); RLIMIT_FSIZE=0 instead: every write fails (EFBIG)"


def _full_o(ctx, row, command):
    d = ctx.case_dir(row.case)
    m, fsize, how = full_fs(ctx, d)
    try:
        out = m / "out.txt"
        if command == "discover":
            args = ["discover", ctx.small(), "-q", "-o", out]
        elif command == "count":
            args = ["count", ctx.small(), "--order", "2", "-q", "-o", out]
        else:
            args = ["segment", "--lexicon", ctx.lexicon(), ctx.small(), "-q", "-o", out]
        r = run(ctx, args, case_dir=d, tmp=d / "tmp", fsize=fsize)
        fill(row, r, expect="error", mem=mem_of(args), tmp_dirs=[d / "tmp"], out=out, out_dirs=[m])
        row.notes.append(how)
    finally:
        ctx.mounts.umount(m)


for _c in ("discover", "count", "segment"):
    case(f"full-o-{_c}", what=f"{_c} -o on a full tmpfs")(lambda ctx, row, _c=_c: _full_o(ctx, row, _c))


@case("full-stdout-evaluate", what="evaluate, stdout into a file on a full tmpfs")
def c_full_eval(ctx, row):
    d = ctx.case_dir(row.case)
    m, fsize, how = full_fs(ctx, d)
    try:
        seg = ctx.segmented()
        r = run(ctx, ["evaluate", "--gold", seg, seg], case_dir=d, tmp=d / "tmp", stdout=m / "out.txt", fsize=fsize)
        fill(row, r, expect="error", tmp_dirs=[d / "tmp"], out_dirs=[m])
        row.out = "(made by the shell)"
        row.notes.append(how + "; evaluate has no -o")
    finally:
        ctx.mounts.umount(m)


def _devfull(ctx, row, command):
    d = ctx.case_dir(row.case)
    dev = d / "full"
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except OSError:
        dev = Path("/dev/full")
        row.notes.append("mknod denied: the real /dev/full")
    if command == "discover":
        args = ["discover", ctx.small(), "-q", "--format", "tsv"]
    elif command == "count":
        args = ["count", ctx.small(), "--order", "2", "-q"]
    elif command == "segment":
        args = ["segment", "--lexicon", ctx.lexicon(), ctx.small(), "-q"]
    else:
        seg = ctx.segmented()
        args = ["evaluate", "--gold", seg, seg]
    r = run(ctx, args, case_dir=d, tmp=d / "tmp", stdout=dev)
    fill(row, r, expect="error", mem=mem_of(args), tmp_dirs=[d / "tmp"])


for _c in ("discover", "count", "segment", "evaluate"):
    case(f"devfull-{_c}", what=f"{_c} > /dev/full")(lambda ctx, row, _c=_c: _devfull(ctx, row, _c))


def _tmpdir_full(ctx, row, command, src):
    d = ctx.case_dir(row.case)
    m = d / "tmp5m"
    fsize = None
    if ctx.mounts.tmpfs(m, "5m"):
        how = "--tmp-dir on a 5 MB tmpfs"
    else:
        m.mkdir(exist_ok=True)
        fsize = 5 << 20
        how = f"mount denied ({ctx.mounts.denied}); RLIMIT_FSIZE=5 MB instead (EFBIG)"
    try:
        args = [command, src, "-q", "--memory", "64M", "--tmp-dir", m, "-o", d / "out.tsv"]
        r = run(ctx, args, case_dir=d, tmp=d / "tmp", fsize=fsize)
        fill(row, r, expect="error", mem="64M", tmp_dirs=[d / "tmp", m], out=d / "out.tsv", out_dirs=[d])
        row.notes.append(how)
    finally:
        ctx.mounts.umount(m)


case("tmpdir-full-stream", what="--tmp-dir on 5 MB tmpfs: the unit stream fills it")(
    lambda ctx, row: _tmpdir_full(ctx, row, "discover", ctx.bench_file("bench-real.txt")))
case("tmpdir-full-spill", what="--tmp-dir on 5 MB tmpfs: the spill files fill it")(
    lambda ctx, row: _tmpdir_full(ctx, row, "count", ctx.s2m()))


@case("tmpdir-missing", what="--tmp-dir that does not exist")
def c_tmpdir_missing(ctx, row):
    simple(ctx, row.case, ["discover", ctx.small(), "-q", "--tmp-dir", lambda d: d / "nope", "-o", lambda d: d / "o.tsv"],
           out=lambda d: d / "o.tsv", mem=DEFAULT_MEMORY, row=row)


@case("tmpdir-file", what="--tmp-dir that is a file")
def c_tmpdir_file(ctx, row):
    def f(d):
        (d / "afile").write_text("x")
        return d / "afile"
    simple(ctx, row.case, ["discover", ctx.small(), "-q", "--tmp-dir", f, "-o", lambda d: d / "o.tsv"],
           out=lambda d: d / "o.tsv", mem=DEFAULT_MEMORY, row=row)


@case("utf16-nobom", what="--encoding utf-16 on a file without a BOM")
def c_utf16(ctx, row):
    def f(d):
        p = d / "in.txt"
        p.write_bytes(ctx.small().read_text(encoding="utf-8")[:20000].encode("utf-16-le"))
        return p
    simple(ctx, row.case, ["discover", f, "--encoding", "utf-16", "-q", "-o", lambda d: d / "o.tsv"],
           out=lambda d: d / "o.tsv", mem=DEFAULT_MEMORY, row=row)


@case("stdin-closed-discover", what="discover - <&-")
def c_stdin_d(ctx, row):
    simple(ctx, row.case, ["discover", "-", "-q", "-o", lambda d: d / "o.tsv"], stdin="closed",
           out=lambda d: d / "o.tsv", mem=DEFAULT_MEMORY, row=row)


@case("stdin-closed-demo", what="discover (demo) <&-")
def c_stdin_demo(ctx, row):
    simple(ctx, row.case, ["discover", "-q", "--format", "jieba", "-o", lambda d: d / "o.txt"], stdin="closed",
           expect="either", mem=DEFAULT_MEMORY, row=row)


@case("stdin-closed-segment", what="segment (stdin) <&-")
def c_stdin_s(ctx, row):
    simple(ctx, row.case, ["segment", "--lexicon", ctx.lexicon(), "-q", "-o", lambda d: d / "o.txt"], stdin="closed",
           out=lambda d: d / "o.txt", row=row)


def _stdout_closed(ctx, row, command):
    if command == "discover":
        args = ["discover", ctx.small(), "-q"]
    elif command == "count":
        args = ["count", ctx.small(), "--order", "2", "-q"]
    elif command == "segment":
        args = ["segment", "--lexicon", ctx.lexicon(), ctx.small(), "-q"]
    else:
        seg = ctx.segmented()
        args = ["evaluate", "--gold", seg, seg]
    simple(ctx, row.case, args, stdout="closed", mem=mem_of(args), row=row)


for _c in ("discover", "count", "segment", "evaluate"):
    case(f"stdout-closed-{_c}", what=f"{_c} >&-")(lambda ctx, row, _c=_c: _stdout_closed(ctx, row, _c))


@case("glob-absolute", what="--glob with an absolute pattern")
def c_glob(ctx, row):
    def indir(d):
        (d / "in").mkdir()
        shutil.copy(ctx.small(), d / "in" / "a.txt")
        return d / "in"
    simple(ctx, row.case, ["count", indir, "--order", "1", "--glob", lambda d: str(d / "in" / "*.txt"), "-q", "-o",
                           lambda d: d / "o.tsv"], expect="either", out=lambda d: d / "o.tsv", mem=DEFAULT_MEMORY,
           row=row)


@case("lexicon-overflow", what="segment --lexicon with a count of 2**64")
def c_lex_overflow(ctx, row):
    def lex(d):
        (d / "lex.txt").write_text(f"新词 {2 ** 64}\n发现 5\n", encoding="utf-8")
        return d / "lex.txt"

    def inp(d):
        (d / "in.txt").write_text("新词发现\n", encoding="utf-8")
        return d / "in.txt"
    simple(ctx, row.case, ["segment", "--lexicon", lex, inp, "-q", "-o", lambda d: d / "o.txt"],
           out=lambda d: d / "o.txt", row=row)


# -- truncated compressed input -----------------------------------------------------------------

def _truncated(ctx, row, fmt):
    d = ctx.case_dir(row.case)
    data = ctx.aligned().read_bytes()
    p = d / f"in.txt.{fmt}"
    how = ""
    if fmt == "gz":
        blob = gzip.compress(data)
    elif fmt == "bz2":
        blob = bz2.compress(data)
    elif fmt == "xz":
        blob = lzma.compress(data)
    else:
        if shutil.which("zstd"):
            blob = subprocess.run(["zstd", "-q", "-c", "-3"], input=data, capture_output=True, check=True).stdout
            how = "made with the zstd program"
        else:
            blob = zstd_raw_frame(data)
            how = "a frame of raw blocks written by this script (no zstd program)"
    p.write_bytes(blob[: len(blob) // 2])
    r = run(ctx, ["count", p, "--order", "1", "-q", "-o", d / "o.tsv"], case_dir=d, tmp=d / "tmp")
    out = d / "o.tsv"
    fill(row, r, expect="error", mem=DEFAULT_MEMORY, tmp_dirs=[d / "tmp"], out=out, out_dirs=[d])
    if r.rc == 0 and out.exists():
        lines = data.count(b"\n")
        m = re.search(r"^a\t(\d+)$", out.read_text(encoding="utf-8"), re.M)
        got = int(m.group(1)) if m else 0
        row.fail(f"SILENT: exit 0 with {got} of {lines} lines counted")
    if how:
        row.notes.append(how)
    row.notes.append(f"cut at {len(blob) // 2} of {len(blob)} bytes")


for _f in ("zst", "gz", "bz2", "xz"):
    case(f"{_f}-truncated", what=f"a truncated .{_f} input")(lambda ctx, row, _f=_f: _truncated(ctx, row, _f))


# -- memory -------------------------------------------------------------------------------------

@case("memory-count-x10", quick=False, what="count --memory 64M on bench-real-x10")
def c_mem_x10(ctx, row):
    x10 = ctx.bench_file("bench-real-x10.txt")
    row, r, d = simple(ctx, row.case, ["count", x10, "--memory", "64M", "-q", "-o", lambda d: d / "o.tsv"],
                       expect="ok", mem="64M", out=lambda d: d / "o.tsv", row=row, cap=300,
                       input_bytes=x10.stat().st_size)
    ctx.normal.setdefault("count-x10", (r.wall, r))


def _single_line(ctx, row, mbytes, memory, extra=(), cap=None):
    src = ctx.line(mbytes)
    row, r, d = simple(ctx, row.case, ["discover", src, "--memory", memory, *extra, "-q", "-o", lambda d: d / "o.tsv"],
                       expect="ok", mem=memory, out=lambda d: d / "o.tsv", row=row, cap=cap,
                       input_bytes=src.stat().st_size)
    return r


case("single-line-1g", quick=False, what="discover --memory 1G, one 1 GB line")(
    lambda ctx, row: _single_line(ctx, row, 1000, "1G", cap=480))
case("single-line-200m", quick=False, what="discover --memory 256M, one 200 MB line")(
    lambda ctx, row: _single_line(ctx, row, 200, "256M", cap=240))
case("single-line-200m-w8", quick=False, what="the same, --workers 8")(
    lambda ctx, row: _single_line(ctx, row, 200, "256M", extra=("--workers", "8"), cap=240))


@case("sigint-count-x10", quick=False, what="SIGINT to count --memory 64M on x10 at 40 s")
def c_sigint_x10(ctx, row):
    x10 = ctx.bench_file("bench-real-x10.txt")
    d = ctx.case_dir(row.case)
    r = run(ctx, ["count", x10, "--memory", "64M", "-q", "-o", d / "o.tsv"], case_dir=d, tmp=d / "tmp",
            cap=300, sig=signal.SIGINT, trigger=after(40))
    fill(row, r, expect="any", mem="64M", tmp_dirs=[d / "tmp"], input_bytes=x10.stat().st_size, out=d / "o.tsv",
         out_dirs=[d], sigint=True)


@case("sigint-single-line", quick=False, what="SIGINT to discover on the 200 MB line at 20 s")
def c_sigint_line(ctx, row):
    src = ctx.line(200)
    d = ctx.case_dir(row.case)
    r = run(ctx, ["discover", src, "--memory", "256M", "-q", "-o", d / "o.tsv"], case_dir=d, tmp=d / "tmp",
            cap=240, sig=signal.SIGINT, trigger=after(20))
    fill(row, r, expect="any", mem="256M", tmp_dirs=[d / "tmp"], input_bytes=src.stat().st_size, out=d / "o.tsv",
         out_dirs=[d], sigint=True)


# -- the 65,535-unit wall -----------------------------------------------------------------------

def _units(ctx, row, command):
    src = ctx.units70k()
    row, r, d = simple(ctx, row.case, [command, src, "-q", "-o", lambda d: d / "o.tsv"], expect="ok",
                       mem=DEFAULT_MEMORY, out=lambda d: d / "o.tsv", row=row)
    if r.rc != 0:
        msg = r.stderr
        if src.name not in msg:
            row.fail("the error does not name the file")
        if command == "count":
            helptext = subprocess.run(ctx.cmd + ["count", "--help"], capture_output=True, text=True).stdout
            for opt in sorted(set(re.findall(r"--[a-z][a-z-]+", msg))):
                if opt not in helptext:
                    row.fail(f"the error suggests {opt}, which count does not have")


case("units-65535-discover", what="discover, 70,000 distinct frequent units")(lambda ctx, row: _units(ctx, row, "discover"))
case("units-65535-count", what="count, 70,000 distinct units")(lambda ctx, row: _units(ctx, row, "count"))


# -- kills and temporary files ------------------------------------------------------------------

def _kill_tmp(ctx, row, sig):
    src = ctx.mid()
    normal = ctx.measure("discover-mid", ["discover", src, "-q", "-o", ctx.work / "cases" / "_n.tsv"])
    d = ctx.case_dir(row.case)
    r = run(ctx, ["discover", src, "-q", "-o", d / "o.tsv"], case_dir=d, tmp=d / "tmp", sig=sig,
            trigger=when_tmp_bytes(d / "tmp", int(1.2 * src.stat().st_size), fallback_t=0.6 * normal))
    fill(row, r, expect="any", mem=DEFAULT_MEMORY, tmp_dirs=[d / "tmp"], input_bytes=src.stat().st_size,
         out=d / "o.tsv", out_dirs=[d], sigint=True)


case("sigterm-tmp", what="SIGTERM to discover mid-run")(lambda ctx, row: _kill_tmp(ctx, row, signal.SIGTERM))
case("sigkill-tmp", what="SIGKILL to discover mid-run")(lambda ctx, row: _kill_tmp(ctx, row, signal.SIGKILL))


def _kill_write(ctx, row, sig):
    src = ctx.mid()
    normal = ctx.measure("count-mid", ["count", src, "-q", "-o", ctx.work / "cases" / "_n.tsv"])
    d = ctx.case_dir(row.case)
    r = run(ctx, ["count", src, "-q", "-o", d / "o.tsv"], case_dir=d, tmp=d / "tmp", sig=sig,
            trigger=when_hidden_tmp(str(d), fallback_t=0.97 * normal))
    fill(row, r, expect="any", mem=DEFAULT_MEMORY, tmp_dirs=[d / "tmp"], out=d / "o.tsv", out_dirs=[d], sigint=True)


case("sigterm-write", what="SIGTERM while the output is written")(lambda ctx, row: _kill_write(ctx, row, signal.SIGTERM))
case("killed-write", what="SIGKILL while the output is written")(lambda ctx, row: _kill_write(ctx, row, signal.SIGKILL))


# -- silent wrong results -----------------------------------------------------------------------

@case("lexicon-tsv-tab", what="segment --lexicon with word<TAB>count lines")
def c_lex_tab(ctx, row):
    def lex(d):
        (d / "lex.tsv").write_text("新词\t50\n发现\t40\n", encoding="utf-8")
        return d / "lex.tsv"

    def inp(d):
        (d / "in.txt").write_text("新词发现\n", encoding="utf-8")
        return d / "in.txt"
    row, r, d = simple(ctx, row.case, ["segment", "--lexicon", lex, inp, "-q", "-o", lambda d: d / "o.txt"],
                       expect="either", out=lambda d: d / "o.txt", row=row)
    if r.rc == 0:
        got = (d / "o.txt").read_text(encoding="utf-8") if (d / "o.txt").exists() else ""
        if got.strip() != "新词  发现":
            row.fail(f"SILENT: output {got.strip()!r}, want '新词  发现'")


def _as_other_user(ctx, d, probe_dir) -> tuple[list[str] | None, str]:
    """A command prefix under which ``probe_dir`` is unreadable, and how."""
    if os.geteuid() != 0:
        return [], f"uid {os.getuid()}"
    if not shutil.which("setpriv"):
        return None, "n/a as root (no setpriv)"
    tries = [
        (["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"], "as nobody (setpriv)"),
        (["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"],
         "as root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH (setpriv)"),
    ]
    for prefix, how in tries:
        ok = subprocess.run(prefix + ctx.cmd + ["--version"], capture_output=True).returncode == 0
        denied = subprocess.run(prefix + ["ls", str(probe_dir)], capture_output=True).returncode != 0
        can_write = subprocess.run(prefix + ["sh", "-c", f"test -w '{d}' && test -r '{d}/in/a.txt'"]).returncode == 0
        if ok and denied and can_write:
            return prefix, how
    return None, "n/a as root (no user for whom the directory is unreadable could run cikuang)"


@case("unreadable-subdir", what="an input directory with an unreadable subdirectory")
def c_unreadable(ctx, row):
    d = ctx.case_dir(row.case)
    os.chmod(d, 0o777)
    os.chmod(d.parent, 0o755)
    os.chmod(d / "tmp", 0o1777)
    (d / "in").mkdir()
    shutil.copy(ctx.small(), d / "in" / "a.txt")
    (d / "in" / "sub").mkdir()
    shutil.copy(ctx.small(), d / "in" / "sub" / "b.txt")
    for p in (d / "in", d / "in" / "a.txt"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    os.chmod(d / "in" / "sub", 0)
    try:
        prefix, how = _as_other_user(ctx, d, d / "in" / "sub")
        if prefix is None:
            raise NA(how)
        r = run(ctx, ["count", d / "in", "--order", "1", "-q", "-o", d / "o.tsv"], case_dir=d, tmp=d / "tmp",
                prefix=prefix)
        fill(row, r, expect="any", mem=DEFAULT_MEMORY, tmp_dirs=[d / "tmp"], out_dirs=[d])
        row.notes.append(how)
        if r.traceback:
            pass
        elif r.rc == 0 and "sub" not in r.stderr:
            row.fail("SILENT: exit 0, the unreadable subdirectory skipped without a word")
        elif r.rc != 0 and not (r.rc == 2 and r.one_line_error()):
            row.fail(f"exit {r.rc} without a one-line error")
        row.out = "written" if (d / "o.tsv").exists() else "none"
    finally:
        os.chmod(d / "in" / "sub", 0o755)


def _min_pmi(ctx, row, order, pmi):
    row, r, d = simple(ctx, row.case, ["discover", ctx.small(), "--order", str(order), "--min-pmi", pmi, "-q",
                                       "--format", "jieba", "-o", lambda d: d / "o.txt"],
                       expect="either", mem=DEFAULT_MEMORY, row=row)
    if r.rc == 0 and "pmi" not in r.stderr.lower():
        row.fail(f"SILENT: {len(pmi.split(','))} thresholds for order {order} accepted without a word")


case("min-pmi-short", what="--order 4 --min-pmi 0,2")(lambda ctx, row: _min_pmi(ctx, row, 4, "0,2"))
case("min-pmi-long", what="--order 3 --min-pmi 0,2,4,6,8")(lambda ctx, row: _min_pmi(ctx, row, 3, "0,2,4,6,8"))


@case("order8-demo", what="discover --order 8 on the demo corpus")
def c_order8(ctx, row):
    row, r, d = simple(ctx, row.case, ["discover", "--order", "8", "-q", "--format", "jieba", "-o",
                                       lambda d: d / "o.txt"], expect="either", mem=DEFAULT_MEMORY,
                       out=lambda d: d / "o.txt", row=row)
    if r.rc == 2:
        msg = r.stderr
        if not re.search(r"三国|sanguo|demo", msg, re.I):
            row.fail("the error does not name the corpus")
        if not re.search(r"--(order|min-count)\s*(=\s*)?\d", msg):
            row.fail("the error gives no concrete --order/--min-count that would work")


# -- Ctrl-C -------------------------------------------------------------------------------------

def _normal_row(ctx, row, key, args):
    ctx.normal.pop(key, None)
    d = ctx.case_dir(row.case)
    r = run(ctx, args(d), case_dir=d, tmp=d / "tmp")
    ctx.normal[key] = (r.wall, r)
    fill(row, r, expect="ok", mem=mem_of(args(d)), tmp_dirs=[d / "tmp"], out=d / "o.out", out_dirs=[d])


case("normal-discover-mid", what="discover mid (normal run)")(lambda ctx, row: _normal_row(
    ctx, row, "discover-mid", lambda d: ["discover", ctx.mid(), "-q", "-o", d / "o.out"]))
case("normal-count-mid", what="count mid (normal run)")(lambda ctx, row: _normal_row(
    ctx, row, "count-mid", lambda d: ["count", ctx.mid(), "-q", "-o", d / "o.out"]))
case("normal-segment-mid", what="segment mid (normal run)")(lambda ctx, row: _normal_row(
    ctx, row, "segment-mid", lambda d: ["segment", "--lexicon", ctx.lexicon(), ctx.mid(), "-q", "-o", d / "o.out"]))


def _sigint(ctx, row, key, command, frac=None, on_write=False):
    src = ctx.mid()
    if command == "discover":
        args = lambda d: ["discover", src, "-q", "-o", d / "o.out"]  # noqa: E731
    elif command == "count":
        args = lambda d: ["count", src, "-q", "-o", d / "o.out"]  # noqa: E731
    else:
        args = lambda d: ["segment", "--lexicon", ctx.lexicon(), src, "-q", "-o", d / "o.out"]  # noqa: E731
    normal = ctx.measure(key, args(ctx.work / "cases"))
    _unlink(ctx.work / "cases" / "o.out")
    d = ctx.case_dir(row.case)
    if on_write:
        trig = when_hidden_tmp(str(d), fallback_t=0.97 * normal)
    else:
        trig = after(frac * normal, f"{frac:.0%} of the normal {normal:.1f} s")
    r = run(ctx, args(d), case_dir=d, tmp=d / "tmp", sig=signal.SIGINT, trigger=trig)
    fill(row, r, expect="any", mem=mem_of(args(d)), tmp_dirs=[d / "tmp"], input_bytes=src.stat().st_size,
         out=d / "o.out", out_dirs=[d], sigint=True)
    if r.sig_at is not None and not r.sig_killed and r.rc not in (130, -signal.SIGINT):
        row.fail(f"exit {r.rc} after SIGINT (want 130)")


case("sigint-discover-early", what="SIGINT to discover at 30%")(
    lambda ctx, row: _sigint(ctx, row, "discover-mid", "discover", 0.3))
case("sigint-discover-late", what="SIGINT to discover at 80%")(
    lambda ctx, row: _sigint(ctx, row, "discover-mid", "discover", 0.8))
case("sigint-count-write", what="SIGINT to count while writing")(
    lambda ctx, row: _sigint(ctx, row, "count-mid", "count", on_write=True))
case("sigint-segment", what="SIGINT to segment at 50%")(
    lambda ctx, row: _sigint(ctx, row, "segment-mid", "segment", 0.5))


def _unlink(p):
    try:
        os.unlink(p)
    except OSError:
        pass


# --------------------------------------------------------------------------------------------
# main

ORDER = [
    # small first, then the big ones; normal runs before the signals that use them
    "o-devnode", "o-symlink", "o-empty",
    "full-o-discover", "full-o-count", "full-o-segment", "full-stdout-evaluate",
    "devfull-discover", "devfull-count", "devfull-segment", "devfull-evaluate",
    "tmpdir-full-stream", "tmpdir-full-spill", "tmpdir-missing", "tmpdir-file", "utf16-nobom",
    "stdin-closed-discover", "stdin-closed-demo", "stdin-closed-segment",
    "stdout-closed-discover", "stdout-closed-count", "stdout-closed-segment", "stdout-closed-evaluate",
    "glob-absolute", "lexicon-overflow",
    "zst-truncated", "gz-truncated", "bz2-truncated", "xz-truncated",
    "units-65535-discover", "units-65535-count",
    "lexicon-tsv-tab", "unreadable-subdir", "min-pmi-short", "min-pmi-long", "order8-demo",
    "normal-discover-mid", "normal-count-mid", "normal-segment-mid",
    "sigint-discover-early", "sigint-discover-late", "sigint-count-write", "sigint-segment",
    "sigterm-tmp", "sigkill-tmp", "sigterm-write", "killed-write",
    "spill-hang-count", "sigint-spill-merge", "spill-hang-discover",
    "memory-count-x10", "sigint-count-x10",
    "single-line-200m", "single-line-200m-w8", "sigint-single-line", "single-line-1g",
]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cikuang", metavar="CMD", help="the command to test (default: the cikuang beside this Python)")
    ap.add_argument("--cases", metavar="NAME,...", help="only these cases (see --list)")
    ap.add_argument("--quick", action="store_true", help="only the small cases")
    ap.add_argument("--workdir", metavar="DIR", help="where inputs and outputs go (default: a new temp dir)")
    ap.add_argument("--timeout", type=float, metavar="S", help="cap of every run (default: each case's own)")
    ap.add_argument("--keep", action="store_true", help="keep generated inputs and outputs")
    ap.add_argument("--bench", default="/tmp/bench", metavar="DIR", help="where bench-real*.txt are (default /tmp/bench)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    args = ap.parse_args(argv)
    by_name = {name: (quick, what, fn) for name, quick, what, fn in CASES}
    assert sorted(by_name) == sorted(ORDER), set(by_name) ^ set(ORDER)
    if args.list:
        for name in ORDER:
            quick, what, _ = by_name[name]
            print(f"{name:<24} {'Q' if quick else ' '}  {what}")
        return 0
    if args.cases:
        names = [n.strip() for n in args.cases.split(",") if n.strip()]
        bad = [n for n in names if n not in by_name]
        if bad:
            ap.error(f"unknown case(s): {', '.join(bad)} (see --list)")
        names = [n for n in ORDER if n in names]
    else:
        names = [n for n in ORDER if by_name[n][0] or not args.quick]
    ctx = Ctx(args)
    log(f"cikuang: {' '.join(ctx.cmd)}; workdir {ctx.work}; {len(names)} cases")
    rows = []
    t_start = time.perf_counter()

    def on_signal(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for i, name in enumerate(names, 1):
            row = Row(name)
            t0 = time.perf_counter()
            log(f"[{i}/{len(names)}] {name} ...")
            try:
                by_name[name][2](ctx, row)
            except NA as e:
                row.na(str(e))
            except KeyboardInterrupt:
                row.na("interrupted")
                rows.append(row)
                raise
            except Exception as e:  # a bug of this script: report it, go on
                row.verdict = "ERROR"
                row.why.append(f"script error: {type(e).__name__}: {e}")
                traceback.print_exc()
            rows.append(row)
            log(f"      {row.verdict} ({time.perf_counter() - t0:.1f} s)" + (f": {'; '.join(row.why)}" if row.why else ""))
            if not args.keep:
                shutil.rmtree(ctx.work / "cases" / name, ignore_errors=True)
    except KeyboardInterrupt:
        log("interrupted: the table so far")
    finally:
        ctx.cleanup()
    print_table(ctx, rows, time.perf_counter() - t_start)
    return 0 if all(r.verdict in ("PASS", "n/a") for r in rows) else 1


def print_table(ctx, rows, total):
    cols = [("case", "case"), ("exit", "rc"), ("tb", "tb"), ("one-line error", "err"), ("output left", "out"),
            ("temp left", "tmp"), ("peak RSS MB / limit", "rss"), ("wall s", "wall"), ("verdict", "verdict")]
    print()
    print(f"cikuang fault cases: {' '.join(ctx.cmd)}")
    print(f"RSS limit = --memory (default {DEFAULT_MEMORY} for discover/count) + {RSS_OVERHEAD_MB} MB; SIGINT/SIGTERM "
          f"target {SIGINT_TARGET_S:g} s; hang = cap reached or > {HANG_FACTOR:g}x the normal time")
    print()
    print("| " + " | ".join(h for h, _ in cols) + " |")
    print("|" + "|".join("---" for _ in cols) + "|")
    for r in rows:
        cells = [str(getattr(r, a)).replace("|", "\\|") for _, a in cols]
        print("| " + " | ".join(cells) + " |")
    print()
    print("Why, and notes:")
    for r in rows:
        if r.why or r.notes:
            print(f"- {r.case}: {r.verdict}" + (": " + "; ".join(r.why) if r.why else "")
                  + (f" [{'; '.join(r.notes)}]" if r.notes else ""))
    n = {v: sum(r.verdict == v for r in rows) for v in ("PASS", "FAIL", "n/a", "ERROR")}
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{len(rows)} cases: {n['PASS']} PASS, {n['FAIL']} FAIL, {n['n/a']} n/a, {n['ERROR']} script errors; "
          f"{total / 60:.1f} min; this script's own peak RSS {own:.0f} MB (inputs are generated in chunks).")


if __name__ == "__main__":
    sys.exit(main())
