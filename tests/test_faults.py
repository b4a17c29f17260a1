"""Faults and bad inputs: a one-line error with exit code 2, or the right result; never a traceback,
a partial or replaced file, a temporary file left behind, or a silent wrong result.

The large cases (a 1 GB line, 200 MB of random text, full file systems, kill -9 mid-run, Ctrl-C) are
in bench/faults.py, which prints a table of them all.
"""
from __future__ import annotations

import os
import re
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cikuang
from cikuang import Corpus, CikuangError, Segmenter
from cikuang.cli import run

FIXTURES = Path(__file__).parent / "fixtures"
STORY = FIXTURES / "story.txt"
CIKUANG = [sys.executable, "-m", "cikuang"]


def cli(capsys, *args):
    code = run([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err) -> bool:
    return code == 2 and err.count("\n") == 1 and err.startswith("cikuang: error: ") and "Traceback" not in err


def shell(command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120, **kwargs)


# -- outputs ------------------------------------------------------------------------------------

def test_output_through_a_symlink_writes_its_target(capsys, tmp_path):
    target = tmp_path / "words.tsv"
    target.write_text("old\n")
    link = tmp_path / "link.tsv"
    link.symlink_to(target)
    code, _, err = cli(capsys, "discover", STORY, "--min-count", "3", "-o", link, "-q")
    assert code == 0 and err == ""
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8").startswith("word\tcount\t")


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_output_to_a_device_writes_it_in_place(capsys, tmp_path):
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private copy of /dev/null
    code, _, err = cli(capsys, "discover", STORY, "--min-count", "3", "-o", null, "-q")
    assert code == 0 and err == ""
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_output_modes_follow_the_umask_or_the_replaced_file(capsys, tmp_path):
    new = tmp_path / "new.tsv"
    old_umask = os.umask(0o027)
    try:
        assert cli(capsys, "discover", STORY, "--min-count", "3", "-o", new, "-q")[0] == 0
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o640
    os.chmod(new, 0o604)
    assert cli(capsys, "discover", STORY, "--min-count", "4", "-o", new, "-q")[0] == 0
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o604


@pytest.mark.parametrize("command", [
    ["discover", STORY, "--min-count", "3"], ["count", STORY, "--order", "2"],
    ["segment", "--lexicon", STORY, STORY], ["evaluate", "--gold", STORY, STORY]],
    ids=["discover", "count", "segment", "evaluate"])
def test_a_full_standard_output_is_a_one_line_error(command):
    done = subprocess.run(CIKUANG + [str(c) for c in command] + ["-q"] * (command[0] != "evaluate"),
                          stdout=open("/dev/full", "w"), stderr=subprocess.PIPE, text=True, timeout=120)
    assert one_line_error(done.returncode, done.stderr), done.stderr
    assert "No space left on device" in done.stderr


def _file_size_limit(limit: int):
    def setup():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return setup


@pytest.mark.parametrize("command", [["discover", STORY, "--min-count", "3", "--format", "jsonl"],
                                     ["count", STORY, "--order", "3"], ["segment", "--lexicon", STORY, STORY]],
                         ids=["discover", "count", "segment"])
def test_an_output_that_cannot_be_written_whole_is_an_error_and_leaves_nothing(tmp_path, command):
    # as on a full disk: the write fails part way, here at a file size limit of 6 kB (above the
    # unit stream's 5.6 kB, below the outputs' 7 to 18 kB)
    out = tmp_path / "out.txt"
    done = subprocess.run(CIKUANG + [str(c) for c in command] + ["-q", "-o", str(out)], capture_output=True,
                          text=True, timeout=120, preexec_fn=_file_size_limit(6000))
    assert one_line_error(done.returncode, done.stderr), done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_temporary_directory_that_fills_is_an_error(tmp_path):
    big = tmp_path / "big.txt"
    # (4.3 MB at --memory 64M: more than an eighth of the budget holds, so the stream goes to a file)
    big.write_text((STORY.read_text(encoding="utf-8") + "\n") * 1000, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(CIKUANG + ["discover", str(big), "-q", "--memory", "64M", "--tmp-dir", str(work),
                                     "-o", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120, preexec_fn=_file_size_limit(4096))
    assert one_line_error(done.returncode, done.stderr), done.stderr
    assert "unit stream" in done.stderr and list(work.iterdir()) == [] and not (tmp_path / "o").exists()


@pytest.mark.parametrize("case", ["missing", "a file", "empty -o"])
def test_bad_paths_are_one_line_errors(capsys, tmp_path, case):
    args = ["discover", STORY, "-q"]
    if case == "missing":
        args += ["--tmp-dir", tmp_path / "nope"]
    elif case == "a file":
        (tmp_path / "f").write_text("x")
        args += ["--tmp-dir", tmp_path / "f"]
    else:
        args += ["-o", ""]
    code, out, err = cli(capsys, *args)
    assert one_line_error(code, err) and out == ""


def test_closed_standard_streams_are_one_line_errors():
    for command in ("python -m cikuang discover - -q <&-", "python -m cikuang discover -q >&-",
                    "python -m cikuang segment --lexicon %s <&-" % STORY):
        done = shell(command.replace("python", sys.executable, 1))
        assert one_line_error(done.returncode, done.stderr), (command, done.stderr)


# -- inputs -------------------------------------------------------------------------------------

def test_utf16_without_a_bom_is_a_one_line_error(capsys, tmp_path):
    path = tmp_path / "u16.txt"
    path.write_bytes("天下大势".encode("utf-16-le"))
    code, _, err = cli(capsys, "discover", path, "--encoding", "utf-16", "-q")
    assert one_line_error(code, err) and str(path) in err


def test_an_absolute_glob_is_a_one_line_error(capsys, tmp_path):
    code, _, err = cli(capsys, "discover", tmp_path, "--glob", "/etc/*.conf", "-q")
    assert one_line_error(code, err)


def test_an_unreadable_subdirectory_is_an_error_not_a_gap(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("天下大势", encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.txt").write_text("分久必合", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path="."):  # as for a directory without read permission (root reads every one)
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(CikuangError, match="cannot read directory") as err:
        Corpus([str(tmp_path)])
    assert str(locked) in str(err.value)


def test_nested_globs_still_match_below_the_directory(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("x")
    (tmp_path / "b.txt").write_text("x")
    assert Corpus([str(tmp_path)], glob="sub/*.txt").paths == [str(tmp_path / "sub" / "a.txt")]
    assert len(Corpus([str(tmp_path)]).paths) == 2


def test_a_truncated_zst_is_reported(capsys, tmp_path):
    import zstandard

    data = zstandard.ZstdCompressor().compress(STORY.read_bytes() * 20)
    whole, cut = tmp_path / "whole.txt.zst", tmp_path / "cut.txt.zst"
    whole.write_bytes(data + zstandard.ZstdCompressor().compress(STORY.read_bytes()))  # two frames
    cut.write_bytes(data[: len(data) // 2])
    assert cli(capsys, "count", whole, "--order", "1", "-q")[0] == 0
    code, _, err = cli(capsys, "count", cut, "--order", "1", "-q")
    assert one_line_error(code, err) and str(cut) in err


def test_lexicon_lines_separated_by_tabs_and_counts_too_large(tmp_path):
    tabs = tmp_path / "tabs.txt"
    tabs.write_text("新词\t5\n发现\t3 n\n", encoding="utf-8")
    assert Segmenter(str(tabs)).lcut("新词发现") == ["新词", "发现"]
    big = tmp_path / "big.txt"
    big.write_text("新词 99999999999999999999999\n", encoding="utf-8")
    with pytest.raises(CikuangError, match="line 1"):
        Segmenter(str(big))


def test_settings_that_do_not_fit_say_why(capsys, tmp_path):
    code, _, err = cli(capsys, "discover", STORY, "--order", "4", "--min-pmi", "0,1,2,3,4", "-q")
    assert one_line_error(code, err) and "more than the 4 lengths" in err


def test_an_order_the_keys_cannot_hold_gives_values_that_work(capsys, tmp_path):
    # the demo corpus has some 3,000 units: 12 bits each, so order 8 needs 96-bit keys
    code, _, err = cli(capsys, "discover", "--order", "8", "-q", "-o", tmp_path / "o.txt")
    assert one_line_error(code, err) and "sanguo" in err and not (tmp_path / "o.txt").exists()
    order, min_count = map(int, re.search(r"--order (\d+) or --min-count (\d+) would fit", err).groups())
    assert cli(capsys, "discover", "--order", str(order), "-q", "-o", tmp_path / "a.txt")[0] == 0
    assert cli(capsys, "discover", "--order", "8", "--min-count", str(min_count), "-q", "-o", tmp_path / "b.txt")[0] == 0
    # count gives every unit an id: its keys take two words when one does not hold them (96 bits)
    demo = Path(cikuang.__file__).parent / "data" / "sanguo.txt.xz"
    assert cli(capsys, "count", demo, "--order", "8", "-q", "-o", tmp_path / "c.tsv")[0] == 0
    eights = [line for line in (tmp_path / "c.tsv").read_text(encoding="utf-8").splitlines() if "\t" in line
              and len(line.split("\t")[0]) == 8 and not re.search("[A-Za-z0-9]", line.split("\t")[0])]
    assert eights and all(int(line.split("\t")[1]) >= 1 for line in eights)
    # and past two words (70,000 distinct units: 17 bits, 136 at order 8) the error gives the order that fits
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("\n".join("天".join(f"w{i + j:05d}" for j in range(7)) for i in range(0, 70_000, 7)),
                      encoding="utf-8")
    code, _, err = cli(capsys, "count", tokens, "--order", "8", "-q", "-o", tmp_path / "t.tsv")
    assert one_line_error(code, err) and "tokens.txt" in err and "--min-count" not in err
    assert "--order 7 would fit" in err and not (tmp_path / "t.tsv").exists()


# -- signals ------------------------------------------------------------------------------------

def test_ctrl_c_while_the_command_starts_is_one_line():
    # the command's modules load inside cikuang.__main__.main: a Ctrl-C then (here: raised as the
    # CLI module is looked up) ends as any other, not with a traceback; and `import cikuang` alone
    # loads no NumPy (the public names are imported when first used)
    code = ("import sys, importlib.abc\n"
            "class Stop(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path, target=None):\n"
            "        if name == 'cikuang.cli': raise KeyboardInterrupt\n"
            "sys.meta_path.insert(0, Stop())\n"
            "from cikuang.__main__ import main\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code, "count", str(STORY)], capture_output=True, text=True)
    assert done.returncode == 130 and done.stderr == "cikuang: interrupted\n"
    done = subprocess.run([sys.executable, "-c", "import sys, cikuang; print('numpy' in sys.modules, "
                           "cikuang.Segmenter.__name__, 'numpy' in sys.modules)"], capture_output=True, text=True)
    assert done.stdout.split() == ["False", "Segmenter", "True"]


def test_temporary_files_have_no_names_even_while_running(tmp_path):
    # kill -9 cannot leave files behind that never had a name
    big = tmp_path / "big.txt"
    big.write_text((STORY.read_text(encoding="utf-8") + "\n") * 400, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.Popen(CIKUANG + ["discover", str(big), "-q", "--tmp-dir", str(work), "--memory", "64M",
                                       "-o", str(tmp_path / "words.tsv")], stderr=subprocess.PIPE)
    seen = set()
    while proc.poll() is None:
        seen.update(p.name for p in work.iterdir())
        time.sleep(0.01)
    assert proc.returncode == 0 and seen == set()
    bigger = tmp_path / "bigger.txt"
    # about 3 s of work (1.2 s at 3,000 copies was too close to the kill at 1 s)
    bigger.write_text((STORY.read_text(encoding="utf-8") + "\n") * 8000, encoding="utf-8")
    proc = subprocess.Popen(CIKUANG + ["discover", str(bigger), "-q", "--tmp-dir", str(work), "-o",
                                       str(tmp_path / "w2.tsv")])
    time.sleep(1.0)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.kill()
    proc.wait()
    assert list(work.iterdir()) == [] and not (tmp_path / "w2.tsv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cikuang")]


# -- fuzzing ------------------------------------------------------------------------------------

FLAG_VALUES = {
    "--order": ["1", "2", "4", "9", "x", "-3"], "--min-count": ["1", "3", "0", "abc", "1000000"],
    "--min-pmi": ["0,2,4,6", "0", "a,b", "0,1,2,3,4,5,6,7,8,9", "nan", ""], "--format": ["tsv", "jieba", "jsonl", "xml"],
    "--preset": ["kexue2019", "none"], "--encoding": ["utf-8", "gbk", "utf-16", "latin-1", "nope"],
    "--errors": ["strict", "replace", "ignore"], "--glob": ["*.txt", "*", "/abs/*"], "--memory": ["64M", "1G", "1", "x"],
    "--workers": ["1", "2", "0"], "--top": ["1", "5", "0"], "--base-dict": ["missing.txt"], "--scorer": ["pmi", "x"],
    "--jsonl-field": ["text"],
}
SWITCHES = ["--new-only", "--keep-numbers", "--no-refine", "--refine", "-q"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400) | st.text(alphabet="天下大势分久必合，。 \nabc12😀\ufffd", max_size=400).map(
           lambda t: t.encode("utf-8")),
       flags=st.lists(st.sampled_from(sorted(FLAG_VALUES)), max_size=4, unique=True),
       switches=st.lists(st.sampled_from(SWITCHES), max_size=3, unique=True),
       command=st.sampled_from(["discover", "count", "segment"]), to_file=st.booleans(), draw=st.data())
def test_fuzz_the_command_line(tmp_path_factory, data, flags, switches, command, to_file, draw):
    work = tmp_path_factory.mktemp("fuzz")
    corpus = work / "in.txt"
    corpus.write_bytes(data)
    args = [command, str(corpus)] + switches
    for flag in flags:
        args += [flag, draw.draw(st.sampled_from(FLAG_VALUES[flag]))]
    if command == "segment":
        args += ["--lexicon", str(STORY)]
    if to_file:
        args += ["-o", str(work / "out.txt")]
    try:
        code = run(args)
    except SystemExit as e:  # argparse's usage errors
        code = e.code
    assert code in (0, 2), args
    leftovers = [p.name for p in work.iterdir() if p.name not in ("in.txt", "out.txt")]
    assert leftovers == [], args
    if code == 2:
        assert not (work / "out.txt").exists(), args


def test_the_cli_sets_the_allocator_for_its_budget(monkeypatch, tmp_path):
    # with --memory below allocator.SMALL_BUDGET the CLI keeps freed arrays out of glibc's heaps;
    # with a larger budget (the default among them) it keeps a quarter of the budget free for reuse
    # (cikuang.allocator); the output is the same either way
    import platform

    import cikuang.allocator as allocator

    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert allocator.hold_freed_memory(allocator.MMAP_THRESHOLD) is True
        assert allocator.keep_freed_memory(2 << 30) is True
    calls = []
    monkeypatch.setattr(allocator, "hold_freed_memory", lambda *a: calls.append(("hold", *a)) or True)
    monkeypatch.setattr(allocator, "keep_freed_memory", lambda *a: calls.append(("keep", *a)) or True)
    src = tmp_path / "a.txt"
    src.write_text("天下大势，分久必合，合久必分。\n" * 20, encoding="utf-8")
    assert run(["count", str(src), "--memory", "64M", "-q", "-o", str(tmp_path / "a.tsv")]) == 0
    assert run(["count", str(src), "-q", "-o", str(tmp_path / "b.tsv")]) == 0
    assert run(["count", str(src), "--memory", "1G", "-q", "-o", str(tmp_path / "c.tsv")]) == 0
    assert calls == [("hold",), ("keep", 2 << 30), ("keep", 1 << 30)]
    assert (tmp_path / "a.tsv").read_bytes() == (tmp_path / "b.tsv").read_bytes() == (tmp_path / "c.tsv").read_bytes()


def test_a_long_line_reaches_the_workers_in_pieces_the_budget_bounds(tmp_path):
    # one line of 2M characters is one block of the unit stream; with a small budget and several
    # workers the map_blocks passes (refine, the word list) must see it cut, at clause ends, into
    # pieces of at most 0.2 * memory / (workers * 96 bytes) units (engines.local.engine: PIECE_SHARE,
    # MAP_UNIT_BYTES), the cut pass into pieces of at most 0.2 * memory / (workers * 48 bytes)
    # (CUT_UNIT_BYTES); and the output is the same as with one worker and the default budget
    import cikuang
    from cikuang.engines.local import engine as local

    text = "".join(STORY.read_text(encoding="utf-8").split("\n"))
    src = tmp_path / "line.txt"
    src.write_text(text * ((1 << 21) // len(text)), encoding="utf-8")
    seen = []
    real = local.LocalEngine._blocks

    def spy(self, fn, label, *args, **kwargs):
        def watched(item, state):
            seen.append((label, len(item[1])))
            return fn(item, state)
        return real(self, watched, label, *args, **kwargs)

    local.LocalEngine._blocks = spy
    try:
        small = cikuang.Discoverer(memory="64M", workers=4).fit(src)
    finally:
        local.LocalEngine._blocks = real
    refining = [n for label, n in seen if label in ("refining", "measuring words")]
    cutting = [n for label, n in seen if label == "cutting"]
    assert refining and max(refining) <= int((64 << 20) * 0.2) // (4 * 96)
    assert cutting and max(cutting) <= int((64 << 20) * 0.2) // (4 * 48)
    default = cikuang.Discoverer(workers=1).fit(src)
    assert list(small.lexicon_.lines("tsv")) == list(default.lexicon_.lines("tsv"))
