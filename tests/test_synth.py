"""bench/synth.py on a tiny inline gold corpus: deterministic, about the requested size, planted
words absent from the gold and planted at about their planned rates."""
import csv
import importlib.util
import json
import math
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "bench" / "synth.py"
_spec = importlib.util.spec_from_file_location("cikuang_bench_synth", _PATH)
synth = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synth)

GOLD = """\
我们  今天  去  公园  散步  ，  天气  很  好  。
他  说  明天  要  下雨  ，  我们  就  不  去  了  。
学生  们  在  教室  里  认真  学习  数学  和  语文  。
老师  告诉  我们  ，  读书  要  用心  。
这  本  书  讲  的  是  一个  农民  的  故事  。
城市  的  交通  越来越  方便  ，  地铁  通  到  了  郊区  。
经济  发展  需要  科学  技术  的  支持  。
她  喜欢  在  晚上  听  音乐  、  看  电影  。
政府  决定  修建  一座  新  的  图书馆  。
孩子  们  在  河边  钓鱼  ，  非常  开心  。
工厂  今年  的  产量  比  去年  增加  了  一倍  。
医生  建议  病人  多  喝水  ，  早  睡觉  。
记者  采访  了  几位  村民  ，  了解  他们  的  生活  。
春天  来  了  ，  山上  开满  了  红色  的  花  。
"""


@pytest.fixture(scope="module")
def gold(tmp_path_factory):
    path = tmp_path_factory.mktemp("gold") / "tiny.seg.txt"
    path.write_text(GOLD, encoding="utf-8")
    return path


def _run(gold, out, size=60_000, seed=3, planted=6):
    return synth.generate([str(gold)], size, str(out), planted=planted, seed=seed, top_every=150,
                          bottom_every=600, chains=64, steps=40, quiet=True)


def _planted(out):
    with open(str(out) + ".planted.tsv", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_parse_size():
    assert synth.parse_size("100M") == 100_000_000
    assert synth.parse_size("1G") == 1_000_000_000
    assert synth.parse_size("2.5K") == 2500
    assert synth.parse_size("1234") == 1234


def test_deterministic_sized_and_planted(gold, tmp_path):
    a, b, c = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"
    meta = _run(gold, a)
    _run(gold, b)
    _run(gold, c, seed=4)
    assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a.txt.planted.tsv").read_text() == (tmp_path / "b.txt.planted.tsv").read_text()
    assert a.read_bytes() != c.read_bytes()

    data = a.read_bytes()
    assert meta["bytes"] == len(data)
    assert 60_000 <= len(data) < 60_000 + 2_000          # cut after the first newline past the size
    assert data.endswith(b"\n")
    text = data.decode("utf-8")
    assert "<s>" not in text and "</s>" not in text and "  " not in text

    raw_gold = GOLD.replace("  ", "")
    gold_types = set(GOLD.split())
    rows = _planted(a)
    assert len(rows) == 6 and [int(r["rank"]) for r in rows] == list(range(1, 7))
    rates = [float(r["rate"]) for r in rows]
    assert rates == sorted(rates, reverse=True)
    assert math.isclose(rates[0], 1 / 150, rel_tol=1e-3) and math.isclose(rates[-1], 1 / 600, rel_tol=1e-3)
    for r in rows:
        w = r["word"]
        assert 2 <= len(w) <= 4 and all(synth.HAN.fullmatch(ch) for ch in w)
        assert w not in raw_gold and w not in gold_types
        expected, planted = float(r["expected"]), int(r["planted"])
        assert abs(planted - expected) <= 4 * math.sqrt(expected) + 2      # Poisson
        assert text.count(w) >= planted                    # accidental extra occurrences allowed
    assert math.isclose(float(rows[0]["expected"]), meta["tokens"] / 150, rel_tol=0.01)


def test_smaller_corpus_is_a_prefix(gold, tmp_path):
    small, large = tmp_path / "s.txt", tmp_path / "l.txt"
    _run(gold, small, size=20_000)
    _run(gold, large, size=60_000)
    assert large.read_bytes().startswith(small.read_bytes())
    meta = json.loads((tmp_path / "s.txt.meta.json").read_text())
    assert meta["seed"] == 3 and meta["planted"] == 6
