"""The segmenter: maximum-probability segmentation over a lexicon, characters kept as they are."""
from __future__ import annotations

import itertools
import math
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cikuang
from cikuang import corpus as corpus_module
from cikuang.errors import CikuangError
from cikuang.segmenter import Segmenter

from helpers import COMMON_HAN

FIXTURES = Path(__file__).parent / "fixtures"

LEX = {"新词": 50, "发现": 40, "新": 10, "词": 10, "发": 5, "现": 5, "的": 80, "研究生": 20, "研究": 30,
       "生命": 30, "命": 3, "生": 8, "研": 2, "究": 2, "起源": 12, "起": 6, "源": 4, "iPhone7": 9, "B站": 7}


def logp_of(tokens: list[str], lex: dict[str, int]) -> float:
    """Log-probability of a segmentation under the model (units not in the lexicon: half the rarest)."""
    total = sum(lex.values())
    unknown = math.log(0.5 * min(lex.values()) / total)
    return sum(math.log(lex[t] / total) if t in lex else unknown for t in tokens)


def best_by_enumeration(clause: str, lex: dict[str, int]) -> float:
    """The best log-probability over every segmentation of a Han clause (brute force)."""
    best = -math.inf
    n = len(clause)
    for cuts in itertools.product((False, True), repeat=n - 1):
        tokens, start = [], 0
        for i, cut in enumerate(cuts, 1):
            if cut:
                tokens.append(clause[start:i])
                start = i
        tokens.append(clause[start:])
        if all(t in lex or len(t) == 1 for t in tokens):
            best = max(best, logp_of(tokens, lex))
    return best


def test_the_most_probable_segmentation_wins():
    seg = Segmenter(LEX)
    assert seg.lcut("研究生命的起源") == ["研究", "生命", "的", "起源"]
    assert seg.lcut("新词的发现") == ["新词", "的", "发现"]


def test_unknown_units_are_words_of_their_own():
    seg = Segmenter(LEX)
    assert seg.lcut("新词是什么") == ["新词", "是", "什", "么"]
    assert seg.unknown_logp_ == pytest.approx(math.log(0.5 * 2 / sum(LEX.values())))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="新词的发现研究生命起源是", min_size=1, max_size=9))
def test_viterbi_equals_brute_force(clause):
    tokens = Segmenter(LEX).lcut(clause)
    assert "".join(tokens) == clause
    assert all(t in LEX or len(t) == 1 for t in tokens)
    assert logp_of(tokens, LEX) == pytest.approx(best_by_enumeration(clause, LEX), abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(alphabet="新词的发现研究生命起源", min_size=1, max_size=4), st.integers(1, 50),
                       min_size=1, max_size=25),
       st.text(alphabet="新词的发现研究生命起源是 ", max_size=40), st.sampled_from([6, 8, 16]))
def test_the_edge_bitmap_never_ends_a_walk_the_trie_would_go_on(lex, text, bits):
    """The bitmap of the trie's edges only ends walks that would find no edge: the cuts and the
    occurrence counts are those of a walk that probes the trie at every step (a bitmap of ones),
    whatever its size (6 bits: most of its bits set, so most look-ups pass and probe)."""
    from cikuang._native import table_bitmap

    seg = Segmenter(lex)
    units = seg._coder.units(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32))
    target = np.arange(seg.n_nodes_, dtype=np.int64)  # every node counts: each its own word
    results = []
    for edges in (table_bitmap(seg._trie, bits), np.full(1 << (bits - 6), np.uint64(2 ** 64 - 1))):
        seg._edges = edges
        results.append((seg.lcut(text), [a.tolist() for a in seg.tokens(units)],
                        sorted(zip(*(a.tolist() for a in seg.occurrences(units, target))))))
    assert results[0] == results[1]


def test_characters_are_kept_as_they_are():
    seg = Segmenter(LEX)
    # full-width letters and digits stay full-width, and a run of them is one token
    assert seg.lcut("新词ｉＰｈｏｎｅ７发现") == ["新词", "ｉＰｈｏｎｅ７", "发现"]
    # the run is matched by its NFKC form, and joins a lexicon word
    assert seg.lcut("Ｂ站的新词") == ["Ｂ站", "的", "新词"]
    # numbers with a decimal point, a fraction slash or a percent sign are one token
    assert seg.lcut("增长３．５％，其中1/3是新词") == ["增长"[0], "增长"[1], "３．５％", "，", "其", "中", "1/3", "是",
                                                   "新词"]
    # punctuation marks are tokens of their own, even in a run
    assert seg.lcut("新词……发现！") == ["新词", "…", "…", "发现", "！"]


def test_lines_and_whitespace():
    seg = Segmenter(LEX)
    text = "新词的发现\n\n  研究 生命\r\n\t起源。\n"
    assert seg.segment(text) == "新词  的  发现\n\n研究  生命\n起源  。\n"
    assert seg.lcut(text) == ["新词", "的", "发现", "研究", "生命", "起源", "。"]


WIDE = COMMON_HAN[:20] + "abcXYZ019ＡＢ１２，。！、 \t\n—…%．.／/·é\u0301㍻①ﬁ😀𠀀\u3000"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=WIDE, max_size=60))
def test_output_keeps_every_character_and_line(text):
    seg = Segmenter({COMMON_HAN[0] + COMMON_HAN[1]: 5, COMMON_HAN[2]: 3, "abc": 2, "a": 1})
    out = seg.segment(text)
    assert out.count("\n") == text.count("\n")
    assert [line.replace(" ", "") for line in out.split("\n")] == \
        ["".join(ch for ch in line if not ch.isspace()) for line in text.split("\n")]
    tokens = seg.lcut(text)
    assert "".join(tokens) == "".join(ch for ch in text if not ch.isspace())
    for tok in tokens:
        assert tok == tok.strip() and tok
    # a run of ASCII letters and digits (after NFKC) is never split across tokens
    kept = [i for i, ch in enumerate(text) if not ch.isspace()]  # original index of each output character
    pos = 0
    for tok in tokens[:-1]:
        pos += len(tok)
        left, right = kept[pos - 1], kept[pos]
        if right == left + 1:
            assert not (_alnum(text[left]) and _alnum(text[right])), (tok, text)


def _alnum(ch: str) -> bool:
    norm = unicodedata.normalize("NFKC", ch)
    return norm.isascii() and norm.isalnum()


def test_lexicon_sources_agree(tmp_path):
    lex = cikuang.Lexicon(list(LEX), list(LEX.values()))
    jieba_file = tmp_path / "words.txt"
    lex.save(jieba_file, format="jieba")
    tsv_file = tmp_path / "words.tsv"
    lex.save(tsv_file)
    text = "研究生命的起源，新词的发现。iPhone7"
    expected = Segmenter(LEX).lcut(text)
    for source in (lex, str(jieba_file), tsv_file):
        assert Segmenter(source).lcut(text) == expected


def test_words_that_cannot_match_are_skipped():
    seg = Segmenter({"新词": 5, "A.B": 3, "新 词": 2, "，": 4, "的": 1})
    assert seg.n_words_ == 2
    assert seg.lcut("新词的A.B") == ["新词", "的", "A", ".", "B"]


def test_bad_lexicons_are_errors(tmp_path):
    with pytest.raises(CikuangError, match="empty"):
        Segmenter({})
    with pytest.raises(CikuangError, match="negative"):
        Segmenter({"新词": -1})
    with pytest.raises(CikuangError, match="empty"):  # count 0: a word-list candidate, not a word to cut with
        Segmenter({"新词": 0})
    assert Segmenter({"新词": 0, "新": 1, "词": 1}).lcut("新词") == ["新", "词"]
    with pytest.raises(CikuangError, match="No such file"):
        Segmenter(tmp_path / "missing.tsv")
    with pytest.raises(CikuangError, match="lexicon must be"):
        Segmenter(42)


def test_segment_corpus_streams_blocks_and_long_lines(tmp_path, monkeypatch):
    text = ("研究生命的起源，新词的发现。" * 40 + "\n") * 30 + "\n" + "新词iPhone7的发现"
    src = tmp_path / "in.txt"
    src.write_text(text, encoding="utf-8")
    seg = Segmenter(LEX)
    whole = seg.segment(text + "\n")
    # small blocks, and lines longer than the longest piece, so lines are cut at punctuation
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 257)
    monkeypatch.setattr(corpus_module, "MAX_CARRY", 100)
    out = tmp_path / "out.txt"
    seg.segment_corpus(src, out, workers=2)
    assert out.read_text(encoding="utf-8") == whole


def test_discover_then_segment_finds_the_words():
    lexicon = cikuang.discover(FIXTURES / "story.txt")
    seg = Segmenter(lexicon)
    words = [e.word for e in lexicon if len(e.word) >= 2 and e.count > 0][:10]  # entries it cuts with
    assert words
    for word in words:
        assert word in seg.lcut(f"，{word}。")


# -- the command ---------------------------------------------------------------------------------

def _cli(*argv, stdin: str | None = None):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "cikuang.cli", *map(str, argv)], capture_output=True,
                          input=None if stdin is None else stdin.encode("utf-8"), timeout=120)


def test_cli_discover_then_segment(tmp_path):
    lex = tmp_path / "words.tsv"
    assert _cli("discover", FIXTURES / "story.txt", "-o", lex, "-q").returncode == 0
    out = tmp_path / "story.seg.txt"
    r = _cli("segment", "--lexicon", lex, FIXTURES / "story.txt", "-o", out, "-q")
    assert r.returncode == 0 and r.stderr == b""
    original = (FIXTURES / "story.txt").read_text(encoding="utf-8")
    segmented = out.read_text(encoding="utf-8")
    assert segmented == Segmenter(lex).segment(original if original.endswith("\n") else original + "\n")
    assert len(segmented.split("\n")) == len(original.rstrip("\n").split("\n")) + 1


def test_cli_segment_reads_stdin(tmp_path):
    lex = tmp_path / "words.txt"
    cikuang.Lexicon(list(LEX), list(LEX.values())).save(lex, format="jieba")
    r = _cli("segment", "--lexicon", lex, stdin="研究生命的起源\n\n新词ｉＰｈｏｎｅ７")
    assert r.returncode == 0
    assert r.stdout.decode("utf-8") == "研究  生命  的  起源\n\n新词  ｉＰｈｏｎｅ７\n"


@pytest.mark.parametrize("case", ["missing lexicon", "missing input", "bad lexicon line", "bad utf-8"])
def test_cli_segment_errors_leave_no_output(tmp_path, case):
    lex = tmp_path / "words.txt"
    lex.write_text("新词 5\n的 3\n", encoding="utf-8")
    src = tmp_path / "in.txt"
    src.write_text("新词的\n", encoding="utf-8")
    if case == "missing lexicon":
        lex = tmp_path / "none.txt"
    elif case == "missing input":
        src = tmp_path / "none.txt"
    elif case == "bad lexicon line":
        lex.write_text("新词 five\n", encoding="utf-8")
    else:
        src.write_bytes("新词的\n".encode("utf-8") * 1000 + b"\xff\xfe\n")
    out = tmp_path / "out.txt"
    out.write_text("precious", encoding="utf-8")
    r = _cli("segment", "--lexicon", lex, src, "-o", out)
    assert r.returncode == 2
    err = r.stderr.decode("utf-8").strip()
    assert len(err.splitlines()) == 1 and err.startswith("cikuang: error: ")
    assert str(lex if "lexicon" in case else src) in err
    assert out.read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in.txt", "out.txt"] + (["words.txt"]))
