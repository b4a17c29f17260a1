"""The HTML report and the contexts: sampling, the jsonl field, the page offline in a real browser.

The browser tests drive Debian's ``chromium`` headless through the DevTools protocol (a small
client over ``websocket-client``), with every host name resolving nowhere: no console error, no
request but the file itself, the table's rows, the filter as one types, sorting, hover on the
scatter plot, and a screenshot that is not blank. They skip when chromium is absent.
"""
from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import cikuang
from cikuang.cli import run
from cikuang.contexts import ContextSampler, collect_contexts
from cikuang.demo import demo_path
from cikuang.errors import CikuangError

STORY = Path(__file__).parent / "fixtures" / "story.txt"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
TOP = 400

pytest.importorskip("matplotlib")


# -- contexts -------------------------------------------------------------------------------------


def test_contexts_are_occurrences_with_their_text():
    text = "曹操引兵至城下。孔明笑曰：曹操中计矣\n诸葛孔明在此，曹操大惊。司马懿父子\n" * 3
    got = collect_contexts([text], ["曹操", "孔明", "司马懿父子", "赵云"], k=4, width=5)
    assert got["赵云"] == []
    assert [len(got[w]) for w in ("曹操", "孔明", "司马懿父子")] == [4, 4, 3]  # of 9, 6, 3 occurrences
    lines = text.split("\n")
    for word, contexts in got.items():
        for left, right in contexts:
            assert len(left) <= 5 and len(right) <= 5 and "\n" not in left + right
            assert any(left + word + right in line for line in lines)


def test_contexts_of_single_characters_and_long_words():
    text = "诸葛亮之北伐也，蜀汉丞相诸葛亮亲率大军。亮曰可"
    got = collect_contexts([text], ["亮", "蜀汉丞相诸葛亮亲率大军", "诸葛亮之北伐也，"], k=5, width=3)
    assert len(got["亮"]) == 3 and sorted(got["蜀汉丞相诸葛亮亲率大军"]) == [("伐也，", "。亮曰")]
    assert got["诸葛亮之北伐也，"] == [("", "蜀汉丞")]


def test_contexts_match_nfkc_but_keep_the_text():
    got = collect_contexts(["买了ｉＰｈｏｎｅ7，好用"], ["iPhone7"], k=3, width=4)
    assert got["iPhone7"] == [("买了", "，好用")]


def test_contexts_are_a_uniform_sample():
    # 10 occurrences of 甲乙 told apart by the character before; k = 3 of them each run
    text = "，".join(f"{c}甲乙" for c in "一二三四五六七八九十")
    seen = Counter()
    for seed in range(400):
        sampler = ContextSampler(["甲乙"], k=3, width=1, seed=seed)
        for part in (text[:20], text[20:]):  # in two blocks: the sample is kept across them
            sampler.feed(part)
        contexts = sampler.result()["甲乙"]
        assert len(contexts) == 3 and len(set(contexts)) == 3
        seen.update(left for left, _ in contexts)
    assert set(seen) == set("一二三四五六七八九十")
    assert all(abs(n - 120) < 45 for n in seen.values())  # 400 x 3 / 10 each


def test_discoverer_contexts_and_jsonl(tmp_path, capsys):
    d = cikuang.Discoverer(contexts=3).fit(texts=iter(STORY.read_text(encoding="utf-8").splitlines()))
    assert d.contexts_ and all(len(c) <= 3 for c in d.contexts_.values())
    word = d.lexicon_.word_list()[0].word
    assert d.contexts_[word]
    out = tmp_path / "words.jsonl"
    assert run(["discover", str(STORY), "--format", "jsonl", "--contexts", "2", "-o", str(out), "-q"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    words = [r for r in rows if r["status"] == "word"]
    assert words and all(len(r["contexts"]) <= 2 for r in rows)
    assert any(r["contexts"] for r in words)
    plain = tmp_path / "plain.jsonl"
    assert run(["discover", str(STORY), "--format", "jsonl", "-o", str(plain), "-q"]) == 0
    assert "contexts" not in json.loads(plain.read_text(encoding="utf-8").splitlines()[0])


# -- the report's HTML ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    d = cikuang.Discoverer(contexts=5).fit(demo_path())
    path = tmp_path_factory.mktemp("report") / "report.html"
    cikuang.report(d, path, top=TOP)
    return d, path


def test_report_is_self_contained(demo_report):
    d, path = demo_report
    text = path.read_text(encoding="utf-8")
    assert len(text.encode()) < 3_000_000
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I)
    assert not re.search(r"<link\b|@import|url\((?!#|data:)", text, re.I)
    assert "Content-Security-Policy" in text and text.count("<svg") == 3
    data = json.loads(re.search(r'<script id="report-data" type="application/json">(.*?)</script>', text,
                                re.S).group(1))
    assert [r["word"] for r in data["rows"]] == d.lexicon_.word_list(TOP).words
    first = data["rows"][0]
    assert 3 <= len(first["contexts"]) <= 5 and first["count"] == d.lexicon_.word_list()[0].count
    assert dict(data["summary"])["min count"] == str(d.min_count_)


def test_report_of_a_lexicon_and_given_contexts(tmp_path):
    lexicon = cikuang.discover(STORY)
    word = lexicon.word_list()[0].word
    text = cikuang.report(lexicon, None, contexts={word: [("左边", "右边")]}, base_dict=[word])
    data = json.loads(re.search(r'id="report-data" type="application/json">(.*?)</script>', text, re.S).group(1))
    row = data["rows"][0]
    assert row["contexts"] == [["左边", "右边"]] and row["new"] is False and data["has_base"]
    sampled = cikuang.report(lexicon, tmp_path / "r.html", contexts=STORY)  # a corpus to sample from
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == sampled
    with pytest.raises(CikuangError, match="fitted Discoverer"):
        cikuang.report(cikuang.Discoverer(), None)


def test_report_needs_matplotlib(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(CikuangError, match=r'pip install "cikuang\[report\]"'):
        cikuang.report(cikuang.Lexicon(["甲乙"], [3]), None)


def test_report_command_checks_first(monkeypatch, tmp_path, capsys):
    import sys

    assert run(["report", str(STORY), "-o", str(tmp_path / "missing" / "r.html")]) == 2
    assert "r.html" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setattr("cikuang.discovery.Discoverer.fit", lambda *a, **k: pytest.fail("ran before the check"))
    assert run(["discover", str(STORY), "--report", str(tmp_path / "r.html")]) == 2
    assert 'pip install "cikuang[report]"' in capsys.readouterr().err


def test_report_command(tmp_path, capsys):
    out = tmp_path / "story.html"
    assert run(["report", str(STORY), "-o", str(out), "--top", "20"]) == 0
    assert "wrote a report of" in capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    assert "story.txt" in text and text.count('"rank":') <= 20
    emerged = tmp_path / "emerged.html"  # with --against, the words that emerged too
    assert run(["report", str(STORY), "--against", str(STORY), "-o", str(emerged), "-q"]) == 0
    data = json.loads(re.search(r'id="report-data" type="application/json">(.*?)</script>',
                                emerged.read_text(encoding="utf-8"), re.S).group(1))
    assert data["emerged"] and {r["trend"] for r in data["emerged"]} <= {"same", "rare"}
    words, page = tmp_path / "words.tsv", tmp_path / "page.html"
    assert run(["discover", str(STORY), "-o", str(words), "--report", str(page), "-q"]) == 0
    assert words.read_text(encoding="utf-8").startswith("word\t") and page.read_text(encoding="utf-8").startswith(
        "<!DOCTYPE html>")


# -- in a real browser ----------------------------------------------------------------------------


class DevTools:
    """A headless chromium and one page of it, driven through the DevTools protocol."""

    def __init__(self, width: int = 1400, height: int = 1500):
        websocket = pytest.importorskip("websocket")
        self.profile = tempfile.mkdtemp(prefix="cikuang-chromium-")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--host-resolver-rules=MAP * ~NOTFOUND", f"--window-size={width},{height}",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        browser = None
        deadline = time.monotonic() + 60
        while browser is None and time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                break
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            browser = m and m.group(1)
        if browser is None:
            self.close()
            pytest.fail("chromium did not start its DevTools server")
        self.ws = websocket.create_connection(browser, timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if method.split(".")[0] not in ("Target",):
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e.get("method") == method for e in self.events):
                return
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(method)

    def js(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page(demo_report):
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (Debian: apt-get install chromium)")
    _, path = demo_report
    tools = DevTools()
    try:
        tools.call("Page.navigate", url=path.as_uri())
        tools.wait_for("Page.loadEventFired")
        yield tools
    finally:
        tools.close()


def _problems(events: list[dict]) -> list:
    bad = []
    for e in events:
        method, p = e.get("method"), e.get("params", {})
        if method == "Runtime.exceptionThrown":
            bad.append(p["exceptionDetails"])
        elif method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert", "warning"):
            bad.append(p["args"])
        elif method == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
            bad.append(p["entry"])
    return bad


def test_browser_no_errors_no_requests(page, demo_report):
    requests = [e["params"]["request"]["url"] for e in page.events if e.get("method") == "Network.requestWillBeSent"]
    assert requests and all(u.startswith(("file:", "data:", "about:")) for u in requests), requests
    assert requests[0] == demo_report[1].as_uri()
    assert _problems(page.events) == []


def test_browser_table_filter_sort(page, demo_report):
    d, _ = demo_report
    words = d.lexicon_.word_list(TOP).words
    visible = "[...document.querySelectorAll('#words tbody tr')].filter(r => r.style.display !== 'none')"
    assert page.js("document.querySelectorAll('#words tbody tr').length") == len(words)
    assert page.js(f"{visible}.map(r => r.cells[1].firstChild.textContent)") == words
    assert page.js("document.querySelector('#words tbody tr mark').textContent") == words[0]
    page.js("document.getElementById('filter').focus()")
    query = "孔"
    for i, ch in enumerate(query + "明"):  # typed, one key at a time: the table narrows as one types
        page.call("Input.insertText", text=ch)
        typed = (query + "明")[:i + 1]
        expected = [w for w in words if typed in w]
        assert page.js(f"{visible}.map(r => r.cells[1].firstChild.textContent)") == expected
        assert 0 < len(expected) < len(words)
    assert page.js("document.getElementById('shown').textContent").startswith(f"{len(expected)} of {len(words)}")
    page.js("document.getElementById('filter').value = ''; document.getElementById('filter')"
            ".dispatchEvent(new Event('input'))")
    assert page.js(f"{visible}.length") == len(words)
    counts = d.lexicon_.word_list(TOP).counts.tolist()
    page.js("document.querySelector('th[data-key=count]').click()")  # numbers sort descending first
    shown = page.js(f"{visible}.map(r => +r.cells[2].textContent)")
    assert shown == sorted(counts, reverse=True)
    page.js("document.querySelector('th[data-key=count]').click()")
    assert page.js(f"{visible}.map(r => +r.cells[2].textContent)") == sorted(counts)
    page.js("document.querySelector('th[data-key=word]').click()")
    assert page.js(f"{visible}.map(r => r.cells[1].firstChild.textContent)") == sorted(words)
    page.js("document.querySelector('th[data-key=rank]').click()")
    assert page.js(f"{visible}.map(r => r.cells[1].firstChild.textContent)") == words


def test_browser_hover_names_the_word(page, demo_report):
    page.js("window.scrollTo(0, 0)")
    # the screen position of one point of the scatter plot (the 50th word of the list)
    where = page.js("""(() => {
        const svg = document.querySelector('#scatter svg');
        const pts = JSON.parse(document.getElementById('scatter-points').textContent);
        const p = pts.filter(q => !q[3].startsWith('not'))[50];
        const s = svg.createSVGPoint(); s.x = p[0]; s.y = p[1];
        const c = s.matrixTransform(svg.getScreenCTM());
        return [c.x, c.y, p[2]];
    })()""")
    x, y, word = where
    page.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
    tip = page.js("[document.getElementById('tip').style.display, document.getElementById('tip').textContent]")
    assert tip[0] == "block" and tip[1].split()[0] in page.js(
        "JSON.parse(document.getElementById('scatter-points').textContent).map(p => p[2])")
    assert _problems(page.events) == []


def test_browser_screenshot_is_not_blank(page, tmp_path):
    from PIL import Image

    page.js("window.scrollTo(0, 0)")
    png = base64.b64decode(page.call("Page.captureScreenshot", format="png")["data"])
    (tmp_path / "report.png").write_bytes(png)
    if os.environ.get("CIKUANG_REPORT_SCREENSHOT"):  # to look at it (docs/report.png is made so)
        Path(os.environ["CIKUANG_REPORT_SCREENSHOT"]).write_bytes(png)
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    assert image.shape[0] > 500 and image.shape[1] > 800
    white = (image > 245).all(axis=2).mean()
    assert 0.3 < white < 0.97  # mostly page, but drawn on
    colours = {tuple(c) for c in image[::7, ::7].reshape(-1, 3).tolist()}
    assert len(colours) > 50
    orange = ((image[..., 0] > 200) & (image[..., 1] > 70) & (image[..., 1] < 130) & (image[..., 2] < 60)).sum()
    import importlib.util

    if importlib.util.find_spec("jieba") is not None:  # new words are told from known ones by jieba's
        assert orange > 50  # the scatter plot's new words are drawn (the legend's marker alone is ~10 px)
