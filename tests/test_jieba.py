"""Lexicons in jieba format are accepted by the real jieba (0.42.1), and --new-only filters them."""
from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from cikuang.cli import run

jieba = pytest.importorskip("jieba")

FIXTURES = Path(__file__).parent / "fixtures"
STORY = FIXTURES / "story.txt"


def _mixed_corpus(path: Path) -> Path:
    """The story plus clauses with Latin/digit units, so the lexicon holds words like iPhone7."""
    rng = random.Random(3)
    filler = "的一是不了人我在有他这中大来上国个到说们"
    lines = [STORY.read_text(encoding="utf-8")]
    for _ in range(300):
        term = rng.choice(["iPhone7", "K线图", "B站", "NBA"])
        lines.append("".join(rng.choices(filler, k=rng.randint(0, 3))) + term
                     + "".join(rng.choices(filler, k=rng.randint(0, 3))) + "。\n")
        lines.extend("".join(rng.choices(filler, k=6)) + "，" for _ in range(5))  # rarer terms: more cohesive
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _jieba_lexicon(tmp_path: Path, *extra) -> dict[str, int]:
    corpus = _mixed_corpus(tmp_path / "corpus.txt")
    out = tmp_path / "userdict.txt"
    assert run(["discover", str(corpus), "--min-count", "3", "--format", "jieba", "-o", str(out), "-q", *extra]) == 0
    entries = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        word, count = line.split(" ")
        entries[word] = int(count)
    return entries


@pytest.fixture(scope="module")
def userdict(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("jieba")
    entries = _jieba_lexicon(tmp)
    return tmp / "userdict.txt", entries


def _tokenizer(tmp_path, dictionary=None):
    tk = jieba.Tokenizer() if dictionary is None else jieba.Tokenizer(dictionary=str(dictionary))
    tk.tmp_dir = str(tmp_path)  # jieba's cache goes here, not to the system temp directory
    return tk


def test_entries_are_well_formed(userdict):
    path, entries = userdict
    raw = path.read_text(encoding="utf-8")
    assert not raw.startswith("\ufeff")
    for line in raw.splitlines():
        word, count = line.split(" ")
        assert word and not any(ch.isspace() for ch in word)
        assert int(count) >= 3
    assert not any(len(w) == 1 for w in entries)  # the word list: no single characters
    assert "iPhone7" in entries and "K线图" in entries and "司马懿" in entries


def test_tokenizer_with_the_lexicon_as_its_dictionary(userdict, tmp_path):
    path, entries = userdict
    tk = _tokenizer(tmp_path, dictionary=path)
    text = "司马懿引兵来追，买了iPhone7看K线图。"
    tokens = tk.lcut(text, HMM=False)
    assert "".join(tokens) == text
    assert "司马懿" in tokens and "iPhone7" in tokens
    assert {w: tk.FREQ[w] for w in entries} == entries  # every entry was read, with its count
    assert tk.total == sum(entries.values())


def test_set_dictionary(userdict, tmp_path):
    path, entries = userdict
    tk = _tokenizer(tmp_path)
    tk.set_dictionary(str(path))
    tokens = tk.lcut("诸葛亮与司马懿相持于五丈原", HMM=False)
    assert "司马懿" in tokens
    assert {w: tk.FREQ[w] for w in entries} == entries


def test_load_userdict(userdict, tmp_path):
    path, entries = userdict
    tk = _tokenizer(tmp_path)
    tk.load_userdict(str(path))
    assert {w: tk.FREQ[w] for w in entries} == entries
    assert "K线图" in tk.lcut("他看K线图", HMM=False)


def _jieba_words() -> set[str]:
    words = set()
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                words.add(line.split()[0])
    return words


def test_new_only_with_a_base_dict_file(userdict, tmp_path):
    _, full = userdict
    base = tmp_path / "base.txt"
    base.write_text("\ufeff曹操 100 nr\r\n司马懿 5\r\n之 3 u\r\niPhone7 9\r\n不在语料中 1\r\n", encoding="utf-8")
    new = _jieba_lexicon(tmp_path, "--new-only", "--base-dict", str(base))
    removed = {"曹操", "司马懿", "iPhone7"}
    assert removed <= set(full)
    # the words of the base dictionary are gone, and so are the pieces of them that occur mostly
    # inside them (司马 of 司马懿); every other word stays, its count on the base's scale
    # (tests/test_basedict.py checks the rule), so in the same order
    rest = {w: c for w, c in full.items() if w not in removed}
    assert set(new) <= set(rest)
    assert all((new[a] < new[b]) <= (rest[a] < rest[b]) for a in new for b in new)
    gone = set(rest) - set(new)
    assert all(any(w in b for b in removed) for w in gone), gone


def test_new_only_with_jiebas_dictionary(userdict, tmp_path):
    _, full = userdict
    known = _jieba_words()
    for extra in (["--base-dict", "jieba"], []):  # jieba's dictionary is the default base
        new = _jieba_lexicon(tmp_path, "--new-only", *extra)
        rest = {w: c for w, c in full.items() if w not in known}
        assert set(new) <= set(rest)  # the counts are on jieba's scale (tests/test_basedict.py)
        # what else is gone occurs mostly inside jieba's words (玄德 inside its 玄德曰, 刘玄德, ...)
        gone = set(rest) - set(new)
        assert all(any(w in b and w != b for b in known if len(b) > len(w)) for w in gone), gone
    assert "曹操" in known and "曹操" not in new
    assert "K线图" in new or "iPhone7" in new
