#!/usr/bin/env python3
"""Byte-identity check of cikuang's outputs: run a fixed set of cases, then compare two runs.

A refactor that should change no output byte is checked in three steps:

1. ``run`` the cases with the code *before* the change (e.g. a non-editable install of the old
   commit in its own venv) into one directory;
2. ``run`` them again with the code *after* the change into another directory;
3. ``compare`` the two directories: one line per case, ``same`` or ``DIFFERENT`` (with the first
   line at which the two outputs differ); the exit code is 1 if any case differs, is missing or
   failed in either run, else 0.

Running the same code twice and comparing the two directories shows whether the outputs are
deterministic at all (they have to be, for the check to mean anything).

Usage::

  python bench/identical.py run --cikuang /tmp/venv-old/bin/cikuang --out /tmp/ref-old \\
      [--pku /tmp/bench/pku1998.raw.txt] [--bench /tmp/bench/bench-real.txt] [--cases pku-tsv,...]
  python bench/identical.py run --cikuang "python -m cikuang.cli" --out /tmp/ref-new
  python bench/identical.py compare /tmp/ref-old /tmp/ref-new
  python bench/identical.py list

``--cikuang`` is the command to run (split with :func:`shlex.split`): a path to the ``cikuang``
script, or ``"/path/to/python -m ..."``. The default is the ``cikuang`` script next to the Python
running this file, else ``cikuang`` on ``$PATH``.

Every case runs with ``-q`` and writes its output with ``-o DIR/CASE.EXT``. ``run`` writes
``DIR/manifest.json`` (case name -> command, sha256, bytes, wall seconds, and a few more figures:
CPU seconds, peak RSS, lines, whether a ``spill`` directory was seen in the case's temporary
directory) after each case, and ``DIR/run.json`` (the cikuang command and version, the sha256 of
the input corpora, Python, machine). Each case gets its own ``TMPDIR`` (``DIR/.tmp/CASE``, removed
afterwards), which is how spilling is observed and why no state (such as jieba's cache) is shared
between cases. Running into a directory that already has a manifest replaces the entries of the
cases run and keeps the others. The ``segment`` case uses the output of ``pku-tsv`` as its lexicon,
so selecting it with ``--cases`` adds ``pku-tsv`` before it.

``run`` prints figures and asserts nothing; it exits 1 only if a cikuang command failed (non-zero
exit status or no output file). Standard library only.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PKU = "/tmp/bench/pku1998.raw.txt"
DEFAULT_BENCH = "/tmp/bench/bench-real.txt"
MANIFEST = "manifest.json"
RUN_INFO = "run.json"


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]  # after the cikuang command; {pku} {bench} {out:CASE} are substituted
    ext: str
    what: str
    needs: str | None = None  # a case whose output this one reads


def _discover(corpus: str, *extra: str) -> tuple[str, ...]:
    return ("discover", "{%s}" % corpus) + extra


# The order is the run order (a case that needs another comes after it). Names are stable: the
# manifests of different runs are matched on them.
CASES: tuple[Case, ...] = (
    Case("pku-tsv", _discover("pku", "--format", "tsv"), "tsv", "discover, default settings, tsv"),
    Case("pku-jieba", _discover("pku", "--format", "jieba"), "txt", "discover, default settings, jieba format"),
    Case("pku-jsonl", _discover("pku", "--format", "jsonl"), "jsonl", "discover, default settings, jsonl"),
    Case("real-tsv", _discover("bench", "--format", "tsv"), "tsv", "discover, default settings, tsv"),
    Case("real-jieba", _discover("bench", "--format", "jieba"), "txt", "discover, default settings, jieba format"),
    Case("real-jsonl", _discover("bench", "--format", "jsonl"), "jsonl", "discover, default settings, jsonl"),
    Case("pku-kexue", _discover("pku", "--preset", "kexue2019", "--format", "tsv"), "tsv",
         "discover --preset kexue2019, tsv"),
    Case("real-kexue", _discover("bench", "--preset", "kexue2019", "--format", "tsv"), "tsv",
         "discover --preset kexue2019, tsv"),
    Case("pku-norefine", _discover("pku", "--no-refine", "--format", "tsv"), "tsv", "discover --no-refine, tsv"),
    Case("real-norefine", _discover("bench", "--no-refine", "--format", "tsv"), "tsv", "discover --no-refine, tsv"),
    Case("pku-count3", ("count", "{pku}", "--order", "3"), "tsv", "count --order 3"),
    Case("pku-segment", ("segment", "--lexicon", "{out:pku-tsv}", "{pku}"), "txt",
         "segment with the lexicon of pku-tsv", needs="pku-tsv"),
    Case("real-mem256m", _discover("bench", "--memory", "256M", "--workers", "1", "--format", "tsv"), "tsv",
         "discover --memory 256M --workers 1, tsv (the spill path, if the tables outgrow the budget)"),
    Case("real-workers2", _discover("bench", "--workers", "2", "--format", "tsv"), "tsv",
         "discover --workers 2, tsv (threads)"),
    # 256M does not make the 27 MB corpus spill (with the code of ccb94d3); 64M, the smallest budget
    # the CLI accepts, does: this case spills, with two threads' tables.
    Case("real-mem64m", _discover("bench", "--memory", "64M", "--workers", "2", "--format", "tsv"), "tsv",
         "discover --memory 64M --workers 2, tsv (spills on bench-real)"),
    Case("pku-newonly", _discover("pku", "--new-only", "--base-dict", "jieba", "--format", "tsv"), "tsv",
         "discover --new-only --base-dict jieba, tsv"),
)
BY_NAME = {c.name: c for c in CASES}


def output_name(case: Case) -> str:
    return f"{case.name}.{case.ext}"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def count_lines(path: Path) -> int:
    n = 0
    last = b"\n"
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")  # a last line without a newline counts too


def default_cikuang() -> str:
    here = Path(sys.executable).parent / "cikuang"
    if here.exists():
        return str(here)
    return shutil.which("cikuang") or "cikuang"


def load_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


class TmpWatcher:
    """Samples a directory tree while a command runs: peak total size, and whether a directory
    named ``spill`` appeared in it (where cikuang's counter spills its tables)."""

    def __init__(self, root: Path, interval: float = 0.05):
        self.root, self.interval = root, interval
        self.peak_bytes = 0
        self.spill_seen = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        total = 0
        for dirpath, dirnames, filenames in os.walk(self.root):
            if "spill" in dirnames or os.path.basename(dirpath) == "spill":
                self.spill_seen = True
            for name in filenames:
                try:
                    total += os.lstat(os.path.join(dirpath, name)).st_size
                except OSError:  # removed meanwhile
                    pass
        self.peak_bytes = max(self.peak_bytes, total)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_case(case: Case, cikuang: list[str], out_dir: Path, paths: dict[str, str]) -> dict:
    out = out_dir / output_name(case)
    args = []
    for a in case.args:
        if a.startswith("{out:"):
            args.append(str(out_dir / output_name(BY_NAME[a[5:-1]])))
        elif a in ("{pku}", "{bench}"):
            args.append(paths[a[1:-1]])
        else:
            args.append(a)
    argv = cikuang + args + ["-q", "-o", str(out)]
    template = " ".join(case.args) + " -q -o {out}/" + output_name(case)
    if out.exists():
        out.unlink()  # a stale output must not pass for this run's
    tmp = out_dir / ".tmp" / case.name
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    logs = out_dir / "logs"
    logs.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmp))
    with open(logs / f"{case.name}.stdout", "wb") as so, open(logs / f"{case.name}.stderr", "wb") as se, \
            TmpWatcher(tmp) as watch:
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(argv, stdout=so, stderr=se, stdin=subprocess.DEVNULL, env=env)
        except OSError as e:
            se.write(f"cannot start {argv[0]}: {e}\n".encode())
            status, usage = None, None
        else:
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
    left = sum(len(f) for _, _, f in os.walk(tmp))
    shutil.rmtree(tmp, ignore_errors=True)
    rec: dict = {
        "command": shlex.join(argv),
        "args": template,
        "returncode": None if status is None else os.waitstatus_to_exitcode(status),
        "wall_s": round(wall, 3),
        "cpu_s": None if usage is None else round(usage.ru_utime + usage.ru_stime, 3),
        "max_rss_mb": None if usage is None else round(usage.ru_maxrss / 1024, 1),  # KiB on Linux
        "spill_seen": watch.spill_seen,
        "tmp_peak_mb": round(watch.peak_bytes / 1e6, 1),
        "tmp_files_left": left,
        "output": output_name(case),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if out.exists():
        rec.update(sha256=sha256_file(out), bytes=out.stat().st_size, lines=count_lines(out))
    else:
        rec.update(sha256=None, bytes=None, lines=None)
    for stream in ("stdout", "stderr"):
        p = logs / f"{case.name}.{stream}"
        data = p.read_bytes()
        if data:
            rec[stream] = data[-2000:].decode("utf-8", "replace")  # the tail; the whole is in logs/
        else:
            p.unlink()
    return rec


def cmd_run(ns: argparse.Namespace) -> int:
    cikuang = shlex.split(ns.cikuang) if ns.cikuang else [default_cikuang()]
    if ns.cases:
        wanted = [n.strip() for n in ns.cases.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in BY_NAME]
        if unknown:
            sys.exit(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
        chosen = set(wanted)
        for n in wanted:
            if BY_NAME[n].needs and BY_NAME[n].needs not in chosen:
                print(f"note: {n} reads the output of {BY_NAME[n].needs}: running that too")
                chosen.add(BY_NAME[n].needs)
        cases = [c for c in CASES if c.name in chosen]
    else:
        cases = list(CASES)
    paths = {"pku": str(Path(ns.pku).resolve()), "bench": str(Path(ns.bench).resolve())}
    needed = {k for c in cases for k in ("pku", "bench") if "{%s}" % k in c.args}
    for k in sorted(needed):
        if not Path(paths[k]).is_file():
            sys.exit(f"--{k}: no such file: {paths[k]}")
    out_dir = Path(ns.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)

    try:
        version = subprocess.run(cikuang + ["--version"], capture_output=True, text=True, timeout=120)
        version = (version.stdout or version.stderr).strip()
    except (OSError, subprocess.SubprocessError) as e:
        version = f"? ({e})"
    print(f"cikuang: {shlex.join(cikuang)}  ({version})")
    inputs = {}
    for k in sorted(needed):
        p = Path(paths[k])
        inputs[k] = {"path": str(p), "bytes": p.stat().st_size, "sha256": sha256_file(p)}
        print(f"{k}: {p}  {p.stat().st_size:,} bytes  sha256 {inputs[k]['sha256'][:16]}")
    write_json(out_dir / RUN_INFO, {
        "cikuang": shlex.join(cikuang), "version": version, "inputs": inputs,
        "cases": [c.name for c in cases], "python": sys.version.split()[0], "platform": platform.platform(),
        "cpus": os.cpu_count(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "env": {k: os.environ[k] for k in ("PYTHONHASHSEED", "OMP_NUM_THREADS", "LANG", "LC_ALL") if k in os.environ},
    })
    manifest_path = out_dir / MANIFEST
    manifest = load_json(manifest_path) if manifest_path.exists() else {}
    kept = [n for n in manifest if n not in {c.name for c in cases}]
    if kept:
        print(f"note: keeping {len(kept)} entr{'y' if len(kept) == 1 else 'ies'} of an earlier run in "
              f"{manifest_path}: {', '.join(kept)}")
    print(f"{len(cases)} cases -> {out_dir}\n")
    header = f"{'case':<14} {'wall s':>7} {'cpu s':>7} {'RSS MB':>7} {'bytes':>12} {'lines':>9} spill  sha256"
    print(header)
    failed = []
    t_all = time.perf_counter()
    for case in cases:
        rec = run_case(case, cikuang, out_dir, paths)
        manifest[case.name] = rec
        write_json(manifest_path, dict(sorted(manifest.items(), key=lambda kv: _order(kv[0]))))
        ok = rec["returncode"] == 0 and rec["sha256"] is not None
        if not ok:
            failed.append(case.name)
        print(f"{case.name:<14} {rec['wall_s']:>7.2f} {_num(rec['cpu_s'], '.2f'):>7} "
              f"{_num(rec['max_rss_mb'], '.0f'):>7} {_num(rec['bytes'], ','):>12} {_num(rec['lines'], ','):>9} "
              f"{'yes' if rec['spill_seen'] else 'no':<5}  {rec['sha256'] or '-'}"
              + ("" if ok else f"   FAILED (exit {rec['returncode']})"), flush=True)
        for stream in ("stdout", "stderr"):
            if stream in rec:
                tail = rec[stream].strip().splitlines()[-3:]
                print(f"    {stream}: " + "\n    ".join(tail))
        if rec["tmp_files_left"]:
            print(f"    note: {rec['tmp_files_left']} file(s) left in its TMPDIR")
    for d in (out_dir / ".tmp", out_dir / "logs"):
        try:
            d.rmdir()  # only if empty
        except OSError:
            pass
    print(f"\ntotal wall {time.perf_counter() - t_all:.1f} s; manifest: {manifest_path}")
    groups: dict[str, list[str]] = {}
    for case in cases:
        sha = manifest[case.name]["sha256"]
        if sha:
            groups.setdefault(sha, []).append(case.name)
    for sha, names in groups.items():
        if len(names) > 1:
            print(f"identical outputs: {', '.join(names)} ({sha[:16]})")
    if failed:
        print(f"FAILED: {', '.join(failed)} (see {out_dir / 'logs'})")
        return 1
    return 0


def _order(name: str) -> tuple[int, str]:
    return (list(BY_NAME).index(name) if name in BY_NAME else len(BY_NAME), name)


def _num(v, fmt: str) -> str:
    return "-" if v is None else format(v, fmt)


def first_difference(a: Path, b: Path) -> tuple[int, bytes | None, bytes | None]:
    """1-based number of the first line that differs, and that line of each (None past the end)."""
    with open(a, "rb") as fa, open(b, "rb") as fb:
        n = 0
        while True:
            n += 1
            la, lb = fa.readline(), fb.readline()
            if la != lb:
                return n, (la or None), (lb or None)
            if not la:
                return 0, None, None


def _show(line: bytes | None, col: int, before: int = 60, after: int = 120) -> str:
    """The line around (0-based) character ``col``, where the two lines part."""
    if line is None:
        return "(end of file)"
    text = line.decode("utf-8", "replace")
    a, b = max(0, col - before), col + after
    return ("..." if a else "") + repr(text[a:b]) + ("..." if b < len(text) else "")


def _split_column(la: bytes | None, lb: bytes | None) -> int:
    ta, tb = ((x or b"").decode("utf-8", "replace") for x in (la, lb))
    i = 0
    while i < min(len(ta), len(tb)) and ta[i] == tb[i]:
        i += 1
    return i


def _size(path: Path) -> str:
    return f"{path.stat().st_size:,} bytes, {count_lines(path):,} lines"


def cmd_compare(ns: argparse.Namespace) -> int:
    dirs = [Path(ns.dir_a), Path(ns.dir_b)]
    manifests = []
    for d in dirs:
        if not (d / MANIFEST).exists():
            sys.exit(f"no {MANIFEST} in {d}")
        manifests.append(load_json(d / MANIFEST))
    infos = [load_json(d / RUN_INFO) if (d / RUN_INFO).exists() else {} for d in dirs]
    for tag, info, d in zip("AB", infos, dirs):
        print(f"{tag}: {d}  cikuang {info.get('cikuang', '?')} ({info.get('version', '?')})")
    ia, ib = (info.get("inputs", {}) for info in infos)
    for k in sorted(set(ia) & set(ib)):
        if ia[k]["sha256"] != ib[k]["sha256"]:
            print(f"warning: input {k} differs: A {ia[k]['path']} {ia[k]['sha256'][:16]}, "
                  f"B {ib[k]['path']} {ib[k]['sha256'][:16]}")
    print()
    names = sorted(set(manifests[0]) | set(manifests[1]), key=_order)
    bad = 0
    for name in names:
        ra, rb = manifests[0].get(name), manifests[1].get(name)
        if ra is None or rb is None:
            print(f"{name:<14} MISSING in {'A' if ra is None else 'B'}")
            bad += 1
            continue
        files = [d / r["output"] for d, r in zip(dirs, (ra, rb))]
        problems = []
        shas = []
        for tag, r, f in zip("AB", (ra, rb), files):
            if r.get("returncode") != 0 or r.get("sha256") is None:
                problems.append(f"failed in {tag} (exit {r.get('returncode')})")
            if f.exists():
                sha = sha256_file(f)
                if r.get("sha256") and sha != r["sha256"]:
                    problems.append(f"{tag}'s file changed since its run")
                shas.append(sha)
            else:
                problems.append(f"no output file in {tag}")
                shas.append(r.get("sha256"))
        times = f"wall {ra['wall_s']:.2f} s / {rb['wall_s']:.2f} s"
        if ra.get("args") != rb.get("args"):
            problems.append(f"case defined differently: A '{ra.get('args')}', B '{rb.get('args')}'")
        if not problems and shas[0] == shas[1]:
            print(f"{name:<14} same       {shas[0][:16]}  {ra['bytes']:>12,} bytes  {times}")
            continue
        bad += 1
        if shas[0] is not None and shas[0] == shas[1]:
            print(f"{name:<14} UNCERTAIN  {shas[0][:16]}  {times}: " + "; ".join(problems))
            continue
        print(f"{name:<14} DIFFERENT  {times}" + ("" if not problems else ": " + "; ".join(problems)))
        if all(f.exists() for f in files):
            n, la, lb = first_difference(*files)
            col = _split_column(la, lb)
            print(f"    A: {_size(files[0])}; B: {_size(files[1])}; first difference: line {n:,}, column {col + 1}")
            print(f"    A line {n}: {_show(la, col)}")
            print(f"    B line {n}: {_show(lb, col)}")
    print(f"\n{len(names) - bad} of {len(names)} cases identical" + (f", {bad} not" if bad else ""))
    return 1 if bad else 0


def cmd_list(ns: argparse.Namespace) -> int:
    for c in CASES:
        print(f"{c.name:<14} {' '.join(c.args)} -q -o DIR/{output_name(c)}\n{'':<14} {c.what}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="identical.py",
        description="Prove that a change left cikuang's outputs byte-identical: 'run' a fixed set of "
                    "cases (discover in every format and main mode, count, segment, the memory "
                    "budget and threads) with one cikuang command into a directory, do it again "
                    "with another, and 'compare' the two directories.",
        epilog="example:\n"
               "  python bench/identical.py run --cikuang /tmp/venv-old/bin/cikuang --out /tmp/ref-old\n"
               "  python bench/identical.py run --cikuang cikuang --out /tmp/ref-new\n"
               "  python bench/identical.py compare /tmp/ref-old /tmp/ref-new   # exit 1 if any case differs\n"
               "\nThe cases ('list' shows their commands): " + ", ".join(BY_NAME),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", required=True)
    r = sub.add_parser(
        "run", help="run the cases, write each output and DIR/manifest.json",
        description="Run the cases with one cikuang command. Each writes DIR/CASE.EXT (with -q and -o); "
                    "DIR/manifest.json maps each case to its command, sha256, bytes, wall seconds "
                    "(and CPU s, peak RSS, lines, whether it spilled); DIR/run.json records the "
                    "command, its --version and the sha256 of the corpora; logs/ keeps any stdout "
                    "or stderr. Exit status 1 if a command failed, else 0: outputs are not judged "
                    "here, that is what 'compare' does.")
    r.add_argument("--cikuang", metavar="CMD",
                   help="the cikuang command, split with shlex: a path to the script, or e.g. "
                        "'/path/python -m cikuang.cli' (default: the cikuang next to this Python, "
                        "else on $PATH)")
    r.add_argument("--out", required=True, metavar="DIR", help="where the outputs and the manifest go")
    r.add_argument("--pku", default=DEFAULT_PKU, metavar="PATH", help=f"PKU 1998 raw text (default: {DEFAULT_PKU})")
    r.add_argument("--bench", default=DEFAULT_BENCH, metavar="PATH",
                   help=f"the larger benchmark corpus (default: {DEFAULT_BENCH})")
    r.add_argument("--cases", metavar="A,B,...",
                   help="run only these cases (in the fixed order; a case's prerequisite is added)")
    r.set_defaults(func=cmd_run)
    c = sub.add_parser(
        "compare", help="compare two run directories; exit 1 if any case differs",
        description="Compare the outputs of two 'run' directories case by case: 'same', or "
                    "'DIFFERENT' with the first differing line of each. Exit status 1 if any case "
                    "differs, is missing from one, or failed in either run; else 0.")
    c.add_argument("dir_a", metavar="DIR_A")
    c.add_argument("dir_b", metavar="DIR_B")
    c.set_defaults(func=cmd_compare)
    sub.add_parser("list", help="print the cases and their commands").set_defaults(func=cmd_list)
    ns = ap.parse_args(argv)
    return ns.func(ns)


if __name__ == "__main__":
    sys.exit(main())
