"""The command line: output formats, inputs, atomic output, errors."""
from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import json
import lzma
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard

from cikuang.cli import run
import oracle
from helpers import brute_counts

FIXTURES = Path(__file__).parent / "fixtures"
STORY = FIXTURES / "story.txt"
FIELDS = ["word", "count", "occurrences", "cohesion", "left_entropy", "right_entropy", "score", "status"]
NAMES = "曹操 孔明 刘备 关公 张飞 赵云 司马懿 周瑜 吕布 孙权 魏延 姜维".split()
BLOCK = 1 << 22  # the reader's block size in bytes (4 MiB)


def cli(capsys, *argv):
    """Run the command in-process: (exit code, stdout, stderr)."""
    try:
        code = run([str(a) for a in argv])
    except SystemExit as e:  # argparse
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def cli_subprocess(*argv, stdin: bytes | None = None, cwd=None):
    return subprocess.run([sys.executable, "-m", "cikuang.cli", *map(str, argv)], input=stdin,
                          capture_output=True, cwd=cwd, timeout=120)


def parse_tsv(text: str) -> list[list[str]]:
    lines = text.splitlines()
    assert lines[0] == "\t".join(FIELDS)
    return [line.split("\t") for line in lines[1:]]


def word_counts_tsv(text: str) -> list[tuple[str, int]]:
    return [(r[0], int(r[1])) for r in parse_tsv(text)]


def assert_error(code, out, err, *needles):
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cikuang: error:")
    for needle in needles:
        if isinstance(needle, re.Pattern):
            assert needle.search(lines[0]), (needle.pattern, lines[0])
        else:
            assert str(needle) in lines[0]


def byte(offset: int) -> re.Pattern:
    """The error message names this byte offset (0-based, in the file)."""
    return re.compile(rf"\bbyte {offset}\b")


@pytest.fixture(scope="module")
def story_tsv():
    """The reference result: the story file in tsv format (min count 3)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = run(["discover", str(STORY), "--min-count", "3", "--format", "tsv", "-q"])
    assert code == 0
    return buf.getvalue()


# -- the demo ------------------------------------------------------------------------------------


def test_demo_prints_the_heroes_of_the_three_kingdoms():
    r = cli_subprocess("discover", "--top", "100", "-q")
    assert r.returncode == 0, r.stderr.decode()
    assert r.stderr == b""  # -q: nothing on stderr
    lines = r.stdout.decode("utf-8").splitlines()
    words = []
    for line in lines:
        parts = line.split()
        if len(parts) >= 3 and parts[0].isdigit():
            words.append(parts[1])
    assert len(words) == 100
    assert all(len(w) >= 2 for w in words)
    found = [n for n in NAMES if n in words]
    assert len(found) >= 11, found


def _story_words() -> dict[str, int]:
    """The story's words of two or more characters by the oracle (min count 3, default thresholds)."""
    from cikuang.spec import DEFAULT_MIN_PMI

    words = oracle.discover(STORY.read_text(encoding="utf-8").splitlines(), 4, 3, DEFAULT_MIN_PMI)
    return {w: c for w, c in words.items() if len(w) >= 2}


def test_table_shows_top_words():
    import cikuang

    r = cli_subprocess("discover", STORY, "--min-count", "3", "--top", "5", "--no-refine")
    assert r.returncode == 0
    out = r.stdout.decode("utf-8")
    rows = [line.split() for line in out.splitlines() if line.split() and line.split()[0].isdigit()]
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5"]
    # the word list's first words, by score, with their statistics; the oracle's words all
    words = cikuang.discover(str(STORY), min_count=3, refine=False).word_list(5)
    assert [(row[1], int(row[2]), int(row[3])) for row in rows] == [(e.word, e.count, e.occurrences) for e in words]
    assert all(row[1] in _story_words() or int(row[2]) == 0 for row in rows)  # count 0: a long word of the list only
    assert [float(row[-1]) for row in rows] == sorted((float(row[-1]) for row in rows), reverse=True)
    assert r.stderr  # without -q, a summary goes to stderr
    quiet = cli_subprocess("discover", STORY, "--min-count", "3", "--top", "5", "--no-refine", "-q")
    assert quiet.returncode == 0 and quiet.stderr == b"" and quiet.stdout.decode("utf-8") == out


def test_table_goes_to_the_current_stdout(capsys):
    # cikuang.cli.run is callable in-process; its table must go to sys.stdout as it is at call time
    # (captured here), like every other output of the command.
    code, out, err = cli(capsys, "discover", STORY, "--min-count", "3", "--top", "5", "--no-refine", "-q")
    assert code == 0
    import cikuang

    top = cikuang.discover(str(STORY), min_count=3, refine=False).word_list(1)[0].word
    assert top in out


# -- output formats ------------------------------------------------------------------------------


def test_tsv_format(story_tsv, capsys):
    rows = parse_tsv(story_tsv)
    assert len(rows) > 20
    for r in rows:
        assert len(r) == 8
        assert r[0] and not any(ch.isspace() for ch in r[0])
        int(r[1]), int(r[2])
        for x in r[3:7]:
            if x:
                float(x)
        # entropies and score exist but for single characters, which are never words (not measured)
        assert bool(r[4] and r[5] and r[6]) == (len(r[0]) > 1)
        assert (r[3] == "") == (len(r[0]) == 1)  # cohesion is undefined for single characters
        assert r[7] in ("word", "char", "number", "latin", "short", "phrase", "stopword", "piece", "rare",
                        "fragment", "weak", "bound", "variant")
    # the word list first, by score; then the other entries by count
    keys = [(r[7] != "word", -float(r[6]) if r[7] == "word" else -int(r[1]), r[0]) for r in rows]
    assert keys == sorted(keys) and rows[0][7] == "word"
    import cikuang

    lexicon = cikuang.discover(str(STORY), min_count=3)
    assert [(w, c) for w, c in word_counts_tsv(story_tsv)] == [(e.word, e.count) for e in lexicon]
    code, out, _ = cli(capsys, "discover", STORY, "--min-count", "3", "--format", "tsv", "-o", "-", "-q")
    assert code == 0 and out == story_tsv
    # without the refine stage, the words are the discovery's, which the oracle computes
    code, plain, _ = cli(capsys, "discover", STORY, "--min-count", "3", "--format", "tsv", "-o", "-",
                         "--no-refine", "-q")
    assert code == 0 and plain != story_tsv and plain == _tsv_api(refine=False)
    assert {w: c for w, c in word_counts_tsv(plain) if len(w) >= 2 and c > 0} == _story_words()


def test_jsonl_format(story_tsv, capsys):
    code, out, err = cli(capsys, "discover", STORY, "--min-count", "3", "--format", "jsonl", "-q")
    assert code == 0 and err == ""
    objs = [json.loads(line) for line in out.splitlines()]
    assert all(list(o) == FIELDS for o in objs)
    assert [(o["word"], o["count"]) for o in objs] == word_counts_tsv(story_tsv)
    for o, r in zip(objs, parse_tsv(story_tsv)):
        assert o["occurrences"] == int(r[2]) and o["status"] == r[7]
        for field, x in zip(FIELDS[3:7], r[3:7]):
            if x == "":
                assert o[field] is None
            else:
                assert o[field] == pytest.approx(float(x), abs=1e-4)


def test_jieba_format(story_tsv, capsys):
    code, out, err = cli(capsys, "discover", STORY, "--min-count", "3", "--format", "jieba", "-q")
    assert code == 0 and err == ""
    pairs = []
    for line in out.splitlines():
        word, count = line.split(" ")
        pairs.append((word, int(count)))
    # the word list, the tsv's first rows (a long word of the list only, of count 0, with its occurrences)
    words = [(r[0], int(r[1]) or int(r[2])) for r in parse_tsv(story_tsv) if r[7] == "word"]
    assert pairs == words and len(words) >= 5


def test_output_file_defaults_to_tsv(story_tsv, capsys, tmp_path):
    out_path = tmp_path / "words.tsv"
    code, out, err = cli(capsys, "discover", STORY, "--min-count", "3", "-o", out_path, "-q")
    assert code == 0 and out == "" and err == ""
    assert out_path.read_text(encoding="utf-8") == story_tsv
    assert sorted(p.name for p in tmp_path.iterdir()) == ["words.tsv"]


# -- inputs --------------------------------------------------------------------------------------


def _tsv_api(**params) -> str:
    import cikuang

    return "".join(cikuang.discover(str(STORY), min_count=3, **params).lines("tsv"))


def _story_text() -> str:
    return STORY.read_text(encoding="utf-8")


def _tsv_of(capsys, *argv):
    code, out, err = cli(capsys, "discover", *argv, "--min-count", "3", "--format", "tsv", "-q")
    assert code == 0, err
    return out


def test_directory_input_is_recursive(story_tsv, capsys, tmp_path):
    lines = _story_text().splitlines(keepends=True)
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "one.txt").write_text("".join(lines[:10]), encoding="utf-8")
    (tmp_path / "a" / "two.txt").write_text("".join(lines[10:20]), encoding="utf-8")
    (tmp_path / "a" / "b" / "three.txt").write_text("".join(lines[20:]), encoding="utf-8")
    (tmp_path / "a" / "notes.md").write_text("无关之言。" * 50, encoding="utf-8")  # not *.txt: ignored
    assert _tsv_of(capsys, tmp_path) == story_tsv


def test_glob_selects_files_in_directories(story_tsv, capsys, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "story.md").write_text(_story_text(), encoding="utf-8")
    (tmp_path / "other.txt").write_text("无关之言。" * 50, encoding="utf-8")
    assert _tsv_of(capsys, tmp_path, "--glob", "*.md") == story_tsv


def test_stdin_input(story_tsv):
    r = cli_subprocess("discover", "-", "--min-count", "3", "--format", "tsv", "-q", stdin=STORY.read_bytes())
    assert r.returncode == 0, r.stderr.decode()
    assert r.stderr == b""
    assert r.stdout.decode("utf-8") == story_tsv


def test_stdin_jsonl_in_process(capsys, monkeypatch):
    lines = _story_text().splitlines()
    data = "".join(json.dumps({"text": line}, ensure_ascii=False) + "\n" for line in lines).encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, out, err = cli(capsys, "count", "-", "--jsonl-field", "text", "--order", "2", "-q")
    assert code == 0 and err == ""
    assert {g: int(c) for g, c in (row.split("\t") for row in out.splitlines()[1:])} == dict(brute_counts(lines, 2))


@pytest.mark.parametrize("suffix,compress", [
    (".gz", gzip.compress),
    (".bz2", bz2.compress),
    (".xz", lzma.compress),
    (".zst", lambda b: zstandard.ZstdCompressor().compress(b)),
])
def test_compressed_inputs(story_tsv, capsys, tmp_path, suffix, compress):
    path = tmp_path / f"story.txt{suffix}"
    path.write_bytes(compress(STORY.read_bytes()))
    assert _tsv_of(capsys, path) == story_tsv


def test_compressed_files_inside_a_directory_with_glob(story_tsv, capsys, tmp_path):
    data = STORY.read_bytes()
    half = data.index("\n".encode(), len(data) // 2) + 1
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(data[:half]))
    (tmp_path / "b.txt.zst").write_bytes(zstandard.ZstdCompressor().compress(data[half:]))
    assert _tsv_of(capsys, tmp_path, "--glob", "*.txt.*") == story_tsv


def test_gbk_encoding(story_tsv, capsys, tmp_path):
    path = tmp_path / "story-gbk.txt"
    path.write_bytes(_story_text().encode("gbk"))
    assert _tsv_of(capsys, path, "--encoding", "gbk") == story_tsv
    code, out, err = cli(capsys, "discover", path, "--min-count", "3", "-q")  # not UTF-8
    assert_error(code, out, err, path, "byte")


def test_utf8_bom_is_tolerated(story_tsv, capsys, tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + STORY.read_bytes())
    assert _tsv_of(capsys, path) == story_tsv


def test_crlf_line_ends(story_tsv, capsys, tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(STORY.read_bytes().replace(b"\n", b"\r\n"))
    assert _tsv_of(capsys, path) == story_tsv


def test_jsonl_field(story_tsv, capsys, tmp_path):
    path = tmp_path / "docs.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i, line in enumerate(_story_text().splitlines()):
            f.write(json.dumps({"id": i, "text": line, "title": "无关之言"}, ensure_ascii=i % 2 == 0) + "\n")
    assert _tsv_of(capsys, path, "--jsonl-field", "text") == story_tsv
    zst = tmp_path / "docs.jsonl.zst"
    zst.write_bytes(zstandard.ZstdCompressor().compress(path.read_bytes()))
    assert _tsv_of(capsys, zst, "--jsonl-field", "text") == story_tsv


def test_several_inputs_add_up(story_tsv, capsys, tmp_path):
    lines = _story_text().splitlines(keepends=True)
    a, b = tmp_path / "a.txt", tmp_path / "b.txt.gz"
    a.write_text("".join(lines[:15]), encoding="utf-8")
    b.write_bytes(gzip.compress("".join(lines[15:]).encode("utf-8")))
    assert _tsv_of(capsys, a, b) == story_tsv


# -- decoding ------------------------------------------------------------------------------------


def _valid_bytes(n: int) -> bytes:
    """Exactly n bytes of valid UTF-8 Chinese text (lines of Han characters, ASCII padding)."""
    line = "天下大势分久必合合久必分\n".encode("utf-8")
    data = line * (n // len(line))
    return data + b"a" * (n - len(data))


def test_invalid_utf8_names_file_and_byte_offset_across_blocks(capsys, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(_valid_bytes(5_000_000) + b"\xff" + "后文。\n".encode("utf-8"))
    code, out, err = cli(capsys, "discover", path, "-q")
    assert_error(code, out, err, path, byte(5_000_000))


def test_invalid_utf8_offset_in_first_block(capsys, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes("天下大势".encode("utf-8") + b"\xc3\x28" + "分久必合\n".encode("utf-8"))
    code, out, err = cli(capsys, "count", path, "-q")
    assert_error(code, out, err, path, byte(12))


def test_invalid_utf8_offset_counts_the_bom(capsys, tmp_path):
    # The offset is a position in the file, and the file starts with the 3 bytes of the BOM.
    path = tmp_path / "bom-bad.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "天下".encode("utf-8") + b"\xff" + "大势\n".encode("utf-8"))
    code, out, err = cli(capsys, "count", path, "-q")
    assert_error(code, out, err, path, byte(9))


def test_truncated_character_at_end_of_file(capsys, tmp_path):
    path = tmp_path / "cut.txt"
    data = _valid_bytes(BLOCK + 10) + "天".encode("utf-8")[:2]
    path.write_bytes(data)
    code, out, err = cli(capsys, "count", path, "-q")
    assert_error(code, out, err, path, byte(BLOCK + 10))


def test_character_split_across_read_blocks_is_not_an_error(capsys, tmp_path):
    path = tmp_path / "split.txt"
    prefix = _valid_bytes(BLOCK - 1)
    data = prefix + "龙虎".encode("utf-8") + "\n".encode("utf-8")
    assert 0x80 <= data[BLOCK] <= 0xBF  # the first block ends inside 龙
    path.write_bytes(data)
    code, out, err = cli(capsys, "count", path, "--order", "2", "-q")
    assert code == 0, err
    counts = dict(line.split("\t") for line in out.splitlines()[1:])
    assert counts["龙虎"] == "1" and counts["龙"] == "1" and counts["虎"] == "1"
    run_before = prefix.split(b"\n")[-1].decode("ascii")  # a run of letters right before 龙
    assert run_before and counts[run_before + "龙"] == "1"
    assert "\ufffd" not in out


def test_errors_replace_lets_invalid_bytes_through(capsys, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(("天下大势" * 10).encode("utf-8") + b"\xff\xfe" + ("分久必合" * 10 + "\n").encode("utf-8"))
    code, out, err = cli(capsys, "count", path, "--order", "2", "--errors", "replace", "-q")
    assert code == 0 and err == ""
    counts = dict(line.split("\t") for line in out.splitlines()[1:])
    assert counts["天下"] == "10" and counts["分久"] == "10"
    assert "势分" not in counts  # U+FFFD, like any other non-unit, ends the clause
    code, out, err = cli(capsys, "count", path, "--order", "2", "-q")
    assert_error(code, out, err, path, byte(120))


# -- atomic output and errors --------------------------------------------------------------------


def _assert_untouched(directory: Path, out_path: Path, content: str | None):
    if content is None:
        assert not out_path.exists()
    else:
        assert out_path.read_text(encoding="utf-8") == content
    assert not list(directory.glob(".cikuang-*"))


def test_output_replaced_only_on_success(story_tsv, capsys, tmp_path):
    out_path = tmp_path / "words.tsv"
    out_path.write_text("old content\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(_valid_bytes(5_000_000) + b"\xff\n")
    code, out, err = cli(capsys, "discover", bad, "-o", out_path, "-q")
    assert_error(code, out, err, bad)
    _assert_untouched(tmp_path, out_path, "old content\n")
    code, out, err = cli(capsys, "discover", STORY, "--min-count", "3", "-o", out_path, "-q")
    assert code == 0
    assert out_path.read_text(encoding="utf-8") == story_tsv
    assert not list(tmp_path.glob(".cikuang-*"))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


ERROR_CASES = {
    "missing file": lambda d: ([d / "nope.txt"], [d / "nope.txt"]),
    "missing file inside a path": lambda d: ([_write(d / "f.txt", "天下".encode()) / "x.txt"], ["x.txt"]),
    "directory without txt files": lambda d: ([(d / "empty").mkdir() or d / "empty"], [d / "empty"]),
    "empty file": lambda d: ([_write(d / "e.txt", b"")], [d / "e.txt"]),
    "only punctuation": lambda d: ([_write(d / "p.txt", "，。！？……\n  \n".encode() * 100)], [d / "p.txt"]),
    "only a BOM": lambda d: ([_write(d / "b.txt", b"\xef\xbb\xbf")], [d / "b.txt"]),
    "invalid utf-8": lambda d: ([_write(d / "u.txt", b"\xff\xfe\x00")], [d / "u.txt", byte(0)]),
    "corrupt gz": lambda d: ([_write(d / "c.txt.gz", b"\x1f\x8b\x08\x00garbage" * 20)], [d / "c.txt.gz"]),
    "truncated gz": lambda d: ([_write(d / "t.txt.gz", gzip.compress(STORY.read_bytes())[:200])], [d / "t.txt.gz"]),
    "corrupt bz2": lambda d: ([_write(d / "c.txt.bz2", b"BZh91AY&SY" + b"\x00" * 100)], [d / "c.txt.bz2"]),
    "corrupt xz": lambda d: ([_write(d / "c.txt.xz", b"\xfd7zXZ\x00" + b"\x00" * 100)], [d / "c.txt.xz"]),
    "corrupt zst": lambda d: ([_write(d / "c.txt.zst", b"not a zstd frame at all\n" * 10)], [d / "c.txt.zst"]),
    "min count too high": lambda d: ([STORY, "--min-count", "100000"], [STORY]),
    "min pmi too high": lambda d: ([STORY, "--min-count", "3", "--min-pmi", "0,50,50,50"], [STORY]),
    "bad min pmi": lambda d: ([STORY, "--min-pmi", "abc"], ["abc"]),
    "bad memory": lambda d: ([STORY, "--memory", "xyz"], ["xyz"]),
    "memory too small": lambda d: ([STORY, "--memory", "1M"], ["1M"]),
    "order 0": lambda d: ([STORY, "--order", "0"], ["order"]),
    "order 9": lambda d: ([STORY, "--order", "9"], ["order"]),
    "order not a number": lambda d: ([STORY, "--order", "four"], ["order"]),
    "min count 0": lambda d: ([STORY, "--min-count", "0"], ["min-count"]),
    "unknown encoding": lambda d: ([STORY, "--encoding", "klingon"], ["klingon"]),
    "unknown format": lambda d: ([STORY, "--format", "xml"], ["xml"]),
    "unknown preset": lambda d: ([STORY, "--preset", "nope"], ["nope"]),
    "jsonl: not json": lambda d: ([STORY, "--jsonl-field", "text"], [STORY, "line 1"]),
    "jsonl: no such field": lambda d: (
        [_write(d / "j.jsonl", b'{"text": "\xe5\xa4\xa9"}\n{"body": "x"}\n'), "--jsonl-field", "text"],
        [d / "j.jsonl", "line 2", "text"]),
    "jsonl: invalid utf-8": lambda d: (
        [_write(d / "u.jsonl", b'{"text": "\xff"}\n'), "--jsonl-field", "text"], [d / "u.jsonl"]),
    "jsonl: truncated gz": lambda d: (
        [_write(d / "t.jsonl.gz", gzip.compress(b'{"text": "abc"}\n' * 2000)[:100]), "--jsonl-field", "text"],
        [d / "t.jsonl.gz"]),
    "jsonl: corrupt xz": lambda d: (
        [_write(d / "c.jsonl.xz", b"\xfd7zXZ\x00" + b"\x00" * 100), "--jsonl-field", "text"], [d / "c.jsonl.xz"]),
    "output directory missing": lambda d: ([STORY, "-o", d / "no" / "out.tsv"], ["out.tsv"]),
    "output is a directory": lambda d: ([STORY, "-o", d], [d]),
    "base dict missing": lambda d: ([STORY, "--new-only", "--base-dict", d / "dict.txt"], [d / "dict.txt"]),
    "base dict is a directory": lambda d: ([STORY, "--new-only", "--base-dict", d], [d]),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors_are_one_line_with_exit_code_2(case, capsys, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    argv, needles = ERROR_CASES[case](work)
    out_path = tmp_path / "out.tsv"
    has_output = "-o" in argv
    if not has_output:
        out_path.write_text("previous\n", encoding="utf-8")
        argv = [*argv, "-o", out_path]
    code, out, err = cli(capsys, "discover", *argv, "-q")
    assert_error(code, out, err, *needles)
    if not has_output:
        _assert_untouched(tmp_path, out_path, "previous\n")
    assert not list(work.glob(".cikuang-*"))


def test_error_in_a_subprocess_has_exit_code_2(tmp_path):
    r = cli_subprocess("discover", tmp_path / "nope.txt", "-o", tmp_path / "out.tsv")
    assert r.returncode == 2
    assert r.stdout == b""
    err = r.stderr.decode("utf-8").splitlines()
    assert len(err) == 1 and err[0].startswith("cikuang: error:") and "nope.txt" in err[0]
    assert not (tmp_path / "out.tsv").exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(capsys, tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("天下大势。" * 10, encoding="utf-8")
    path.chmod(0)
    try:
        code, out, err = cli(capsys, "discover", path, "-q")
        assert_error(code, out, err, path)
    finally:
        path.chmod(0o644)


def test_count_errors_too(capsys, tmp_path):
    code, out, err = cli(capsys, "count", tmp_path / "nope.txt", "-q")
    assert_error(code, out, err, "nope.txt")
    code, out, err = cli(capsys, "count", STORY, "--order", "0", "-q")
    assert_error(code, out, err, "order")
    code, out, err = cli(capsys, "count", "-q")  # count has no demo: an input is required
    assert_error(code, out, err)


# -- count ---------------------------------------------------------------------------------------


def test_count_output(capsys, tmp_path):
    texts = _story_text().splitlines()
    code, out, err = cli(capsys, "count", STORY, "--order", "3", "-q")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "ngram\tcount"
    rows = [line.split("\t") for line in lines[1:]]
    got = {g: int(c) for g, c in rows}
    assert len(got) == len(rows)
    assert got == dict(brute_counts(texts, 3))
    keys = [(len(g), -int(c), g) for g, c in rows]  # by length, then count descending
    assert keys == sorted(keys)
    out_path = tmp_path / "ngrams.tsv"
    code, out2, err = cli(capsys, "count", STORY, "--order", "3", "-o", out_path, "-q")
    assert code == 0 and out2 == "" and out_path.read_text(encoding="utf-8") == out


def test_count_units_and_clauses(capsys, tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_text("我买了iPhone7，看K线图。Ａ１和A1\nhello world！\n", encoding="utf-8")
    code, out, err = cli(capsys, "count", path, "--order", "2", "-q")
    assert code == 0
    got = {g: int(c) for g, c in (line.split("\t") for line in out.splitlines()[1:])}
    assert got["iPhone7"] == 1 and got["了iPhone7"] == 1 and got["K线"] == 1 and got["A1"] == 2
    assert "iPhone7看" not in got and "helloworld" not in got and "hello" in got
    assert got == dict(brute_counts(path.read_text(encoding="utf-8").splitlines(), 2))


def test_a_closed_pipe_ends_quietly(tmp_path):
    # `cikuang discover --format tsv | head -1`: no traceback when the reader stops early
    proc = subprocess.run(
        f"{shlex.quote(sys.executable)} -m cikuang.cli discover -q --format tsv | head -1",
        shell=True, capture_output=True, text=True, timeout=300,
    )
    assert proc.stdout.startswith("word\tcount\t")
    assert proc.stderr == ""


def test_output_is_utf8_whatever_the_locale():
    # a Windows console or pipe has a code page that cannot encode Chinese: the words still go out as UTF-8
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "PYTHONUTF8": "0"}
    out = subprocess.run([sys.executable, "-m", "cikuang", "discover", "--top", "3"], capture_output=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr.decode("utf-8", "replace")
    assert "吕布" in out.stdout.decode("utf-8")
