"""bench/harness.py runs end to end on a tiny gold corpus (the floor row: no lexicon needed)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[1] / "bench" / "harness.py"


def test_harness_floor_row(tmp_path):
    pytest.importorskip("jieba")  # the new-word statistics read jieba's dictionary
    gold = tmp_path / "gold.txt"
    gold.write_text("我们  在  北京  。\n他  来到  北京大学\n\n", encoding="utf-8")
    out = subprocess.run([sys.executable, str(HARNESS), "--corpora", "pku", "--pku", str(gold), "--rows", "chars",
                          "--work", str(tmp_path / "work"), "--json", str(tmp_path / "out.json")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    # 3 of the 7 gold words are single characters (在 。 他), of 13 characters: P 3/13, R 3/7, F 6/20
    assert "| every character a word (floor) | 0.231 | 0.429 | **0.300** |" in out.stdout
    assert "target: F >= 0.83" in out.stdout and "FAIL" in out.stdout  # the default row was not run
    assert (tmp_path / "work" / "pku.raw.txt").read_text(encoding="utf-8") == "我们在北京。\n他来到北京大学\n\n"
    row = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["corpora"]["pku"]["rows"][0]
    assert row["key"] == "chars" and row["n_pred"] == 13 and row["max_rss_mb"] > 0
