"""The report: one self-contained HTML file with the words, their contexts and plots.

:func:`report` writes a page that opens offline (no script, style, font or image from anywhere but
the file itself; a Content-Security-Policy forbids the rest): a summary of the run, the word list as
a table that sorts by every column and filters as you type (new words, those a base dictionary
lacks, marked), a few keyword-in-context examples of each word (:mod:`cikuang.contexts`), a scatter
plot of cohesion against the smaller neighbour entropy (hover names the word, a click filters the
table by it) and the distributions of count and length.

The plots are drawn by matplotlib as inline SVG (``pip install "cikuang[report]"``): no JavaScript
library, a few hundred kB for thousands of points, and text that stays text. The hover is a few
lines of the page's own script, from the points' positions that matplotlib's transforms give.
"""
from __future__ import annotations

import datetime
import html
import io
import json
import math
import os
import re
from collections.abc import Mapping
from importlib import resources

import numpy as np

from .contexts import DEFAULT_K, collect_contexts
from .errors import CikuangError
from .lexicon import WORD, Lexicon
from .output import atomic_output

#: Words in the report's table by default.
DEFAULT_TOP = 2000
#: Words of the emergence table (``--against``).
EMERGED_TOP = 200
#: Entries outside the word list shown (grey) in the scatter plot, at most.
MAX_OTHERS = 3000
NEW, KNOWN, LISTED, OTHER = "#d95f02", "#1f77b4", "#1f77b4", "#bbbbbb"
_UNIT = re.compile(r"[0-9A-Za-z]+|.", re.S)


def _need_matplotlib():
    try:
        import matplotlib  # noqa: F401
        from matplotlib.figure import Figure
    except ImportError:
        raise CikuangError('the report needs matplotlib: pip install "cikuang[report]"') from None
    return Figure


def report(source, path=None, contexts=None, *, top: int | None = DEFAULT_TOP, k: int = DEFAULT_K,
           base_dict=None, title: str | None = None, summary: Mapping | None = None) -> str:
    """Write the HTML report of a fitted :class:`~cikuang.discovery.Discoverer` or of a
    :class:`~cikuang.lexicon.Lexicon` to ``path`` (atomically; None: only return it) and return its text.

    ``contexts``: a mapping of word to ``(left, right)`` pairs (as :func:`cikuang.contexts.collect_contexts`
    returns, or a Discoverer's ``contexts_``), or a corpus to sample ``k`` of them from (a path,
    a list of paths, a :class:`~cikuang.corpus.Corpus`); None: the Discoverer's ``contexts_`` if it
    has them, else none. ``top``: the first words of the word list in the table (None: all).
    ``base_dict``: the dictionary that tells new words from known ones (a path, ``"jieba"``, a
    collection of words); by default the Discoverer's ``base_dict``, else jieba's if jieba is
    installed, else no word is marked. ``summary``: more ``name: value`` lines for the summary.
    """
    Figure = _need_matplotlib()
    lexicon, fitted = _lexicon_of(source)
    words = lexicon.word_list(top)
    if contexts is None:
        contexts = getattr(fitted, "contexts_", None) or {}
    elif not isinstance(contexts, Mapping):
        from .corpus import Corpus

        corpus = contexts if isinstance(contexts, Corpus) else Corpus(
            [contexts] if isinstance(contexts, (str, os.PathLike)) else list(contexts))
        contexts = collect_contexts(corpus, words.words, k)
    base = _base_words(base_dict, fitted)
    lines, thresholds = _summary(lexicon, words, fitted, base is not None, dict(summary or {}))
    text = render(lexicon, words, contexts, base, title or "cikuang report", lines, thresholds, Figure,
                  emergence=getattr(fitted, "emergence_", None))
    if path is not None:
        with atomic_output(path) as f:
            f.write(text)
    return text


def _lexicon_of(source) -> tuple[Lexicon, object]:
    if isinstance(source, Lexicon):
        return source, None
    lexicon = getattr(source, "lexicon_", None)
    if not isinstance(lexicon, Lexicon):
        raise CikuangError("report() takes a Lexicon or a fitted Discoverer (call fit(inputs) first)")
    return lexicon, source


def _base_words(base_dict, fitted) -> set[str] | None:
    from .lexicon import load_base_words

    if base_dict is None and fitted is not None:
        base_dict = fitted.base_dict if fitted.base_dict is not None else ("jieba" if fitted.new_only else None)
    if base_dict is None:
        import importlib.util

        if importlib.util.find_spec("jieba") is None:
            return None
        base_dict = "jieba"
    return load_base_words(base_dict)


def _summary(lexicon: Lexicon, words: Lexicon, fitted, has_base: bool, extra: dict):
    """The summary's lines, and the word list's thresholds (None for a lexicon alone)."""
    out: list[tuple[str, str]] = []
    thresholds = None
    if fitted is not None:
        spec = fitted.spec()
        rules = fitted.list_rules_  # the thresholds the discovery used
        if spec.word_list:
            thresholds = (rules.min_cohesion, rules.min_entropy)
        chars = getattr(fitted, "corpus_chars_", None)
        if chars:
            out.append(("corpus", f"{chars:,} characters"))
        out += [("units N", f"{fitted.n_units_:,}"), ("order", str(fitted.order_)),
                ("min count", str(fitted.min_count_)),
                ("min PMI by length", ", ".join(f"{x:g}" for x in fitted.min_pmi_)),
                ("min cohesion", f"{rules.min_cohesion:.2f} nats"), ("min entropy", f"{rules.min_entropy:.2f} nats"),
                ("kept n-grams", f"{fitted.n_kept_:,}")]
        seconds = getattr(fitted, "fit_seconds_", None)
        if seconds is not None:
            out.append(("run time", f"{seconds:.1f} s"))
    out += [("lexicon", f"{len(lexicon):,} entries"), ("word list", f"{lexicon.n_words:,} words"),
            ("in this table", f"the first {len(words):,} by {lexicon.sort}")]
    out += [(str(k), str(v)) for k, v in extra.items()]
    if not has_base:
        out.append(("new words", "not marked (no base dictionary: install jieba or give base_dict)"))
    from ._version import __version__

    out.append(("made", f"{datetime.date.today().isoformat()}, cikuang {__version__}"))
    return out, thresholds


def _num(x: float):
    return None if math.isnan(x) else round(x, 4)


def render(lexicon: Lexicon, words: Lexicon, contexts: Mapping, base: set[str] | None, title: str,
           summary: list[tuple[str, str]], thresholds=None, Figure=None, emergence=None) -> str:
    """The report's HTML (see :func:`report`)."""
    Figure = Figure or _need_matplotlib()
    rows = []
    for rank, e in enumerate(words, 1):
        rows.append({"rank": rank, "word": e.word, "count": e.count,
                     "occurrences": None if e.occurrences < 0 else e.occurrences,
                     "cohesion": _num(e.cohesion), "left_entropy": _num(e.left_entropy),
                     "right_entropy": _num(e.right_entropy), "score": _num(e.score),
                     "length": len(_UNIT.findall(e.word)), "new": base is not None and e.word not in base,
                     "contexts": [list(c) for c in contexts.get(e.word, ())]})
    scatter, points = _scatter(lexicon, words, base, thresholds, Figure)
    data = {"rows": rows, "has_base": base is not None, "summary": summary}
    if emergence is not None:  # discover --against BASE (cikuang.emergence): the first words by emergence
        data["emerged"] = [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
                           for r in emergence.rows(EMERGED_TOP)]
        data["emerged_note"] = (f"The first {len(data['emerged']):,} of {len(emergence):,} words by emergence "
                                f"(signed log-likelihood ratio G² of their occurrences among N = "
                                f"{emergence.n_units:,} units against their count among the base's "
                                f"{emergence.base_n_units:,}); trend: new, up, down, same or rare.")
    template = resources.files("cikuang").joinpath("data/report.html").read_text(encoding="utf-8")
    parts = {"@@TITLE@@": html.escape(title), "@@DATA@@": _script_json(data), "@@POINTS@@": _script_json(points),
             "@@SCATTER@@": scatter, "@@COUNTS@@": _count_plot(words, Figure),
             "@@LENGTHS@@": _length_plot([r["length"] for r in rows], Figure)}
    return re.sub("|".join(map(re.escape, parts)), lambda m: parts[m.group(0)], template)


def _script_json(obj) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


# -- plots ---------------------------------------------------------------------------------------


def _figure(Figure, w: float, h: float):
    fig = Figure(figsize=(w, h), dpi=72, layout="constrained")  # 72 dpi: display units are the SVG's points
    return fig, fig.add_subplot()


def _svg(fig) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cikuang", "font.size": 10}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # no XML declaration, no DOCTYPE (its DTD address) inline in HTML
    return re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)


def _scatter(lexicon: Lexicon, words: Lexicon, base, thresholds, Figure) -> tuple[str, list]:
    listed = set(words.words)
    status = lexicon.column("status")
    coh = lexicon.column("cohesion")
    ent = np.minimum(lexicon.column("left_entropy"), lexicon.column("right_entropy"))
    names = lexicon.words
    finite = np.isfinite(coh) & np.isfinite(ent)
    in_list = np.array([w in listed for w in names], dtype=bool)
    others = np.flatnonzero(finite & ~in_list & (status != "char"))[:MAX_OTHERS]  # entry order: by count
    mine = np.flatnonzero(finite & in_list)
    new = np.array([base is not None and names[i] not in base for i in mine], dtype=bool)
    groups = [(others, OTHER, "not in the word list", 6)]
    if base is not None:
        groups += [(mine[~new], KNOWN, "known word", 10), (mine[new], NEW, "new word", 10)]
    else:
        groups += [(mine, LISTED, "word list", 10)]
    with _rc():
        fig, ax = _figure(Figure, 6.6, 5.0)
        for rows, colour, label, size in groups:
            if len(rows):
                ax.scatter(ent[rows], coh[rows], s=size, c=colour, label=f"{label} ({len(rows):,})",
                           alpha=0.75 if colour != OTHER else 0.5, linewidths=0)
        if thresholds is not None:  # the word list's: dashed
            ax.axhline(thresholds[0], color="#888", lw=0.8, ls="--")
            ax.axvline(thresholds[1], color="#888", lw=0.8, ls="--")
        ax.set_xlabel("min(left entropy, right entropy), nats")
        ax.set_ylabel("cohesion (PMI of the weakest split), nats")
        ax.legend(loc="lower right", fontsize=9, markerscale=1.5)
        ax.grid(alpha=0.3)
        svg = _svg(fig)
    height = fig.get_figheight() * 72
    points = []
    for rows, _, label, _ in groups:
        if len(rows):
            xy = ax.transData.transform(np.column_stack([ent[rows], coh[rows]]))
            for (x, y), i in zip(xy.tolist(), rows.tolist()):
                kind = label if status[i] == WORD else f"{label}: {status[i]}"
                points.append([round(x, 1), round(height - y, 1), names[i], kind])
    return svg, points


def _count_plot(words: Lexicon, Figure) -> str:
    counts = np.maximum(words.column("occurrences"), 1)
    with _rc():
        fig, ax = _figure(Figure, 4.4, 2.5)
        if len(counts):
            bins = np.unique(np.geomspace(counts.min(), max(counts.max(), counts.min() + 1), 30).round())
            ax.hist(counts, bins=bins, color=KNOWN)
            ax.set_xscale("log")
        ax.set_xlabel("occurrences (log scale)")
        ax.set_ylabel("words")
        ax.set_title("count", fontsize=10)
        return _svg(fig)


def _length_plot(lengths: list[int], Figure) -> str:
    with _rc():
        fig, ax = _figure(Figure, 4.4, 2.5)
        if lengths:
            values, n = np.unique(lengths, return_counts=True)
            ax.bar(values, n, color=KNOWN)
            ax.set_xticks(values)
        ax.set_xlabel("length (units)")
        ax.set_ylabel("words")
        ax.set_title("length", fontsize=10)
        return _svg(fig)


def _rc():
    import matplotlib

    return matplotlib.rc_context({"svg.fonttype": "none", "font.size": 10, "axes.spines.top": False,
                                  "axes.spines.right": False})


def check_report(args) -> None:
    """Before the run: matplotlib is there, and the report's file can be written."""
    from .output import check_output

    _need_matplotlib()
    path = args.output if args.command == "report" else args.report
    if path not in (None, "-"):
        check_output(path)


def cli_report(args, fitted) -> bool:
    """``cikuang report`` and ``discover --report FILE``: write the report of a fitted Discoverer;
    true for ``report``, which writes nothing else."""
    path = args.output if args.command == "report" else args.report
    names = ", ".join(args.inputs) if args.inputs else "三国演义 (bundled demo corpus)"
    text = report(fitted, None, top=args.top or DEFAULT_TOP, title=f"cikuang: the words of {names}")
    with atomic_output(None if path == "-" else path) as f:
        f.write(text)
    if path not in (None, "-") and not args.quiet:
        import sys

        shown = min(fitted.lexicon_.n_words, args.top or DEFAULT_TOP)
        print(f"cikuang: wrote a report of {shown:,} words ({len(text.encode()) / 1e6:.1f} MB) to {path}",
              file=sys.stderr)
    return args.command == "report"
