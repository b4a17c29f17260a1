"""Words over periods: for each period of a dated stream, the words that emerged against all earlier ones.

``cikuang trend posts.jsonl --jsonl-field text --time-field date --period week`` (or :func:`trend`)
reads JSON lines, puts each record in the period of its date (ISO 8601: ``2024-05-01``,
``2024-05-01T08:30:00+08:00``, ``...Z``; ``day``, ``week`` as ISO weeks ``2024-W18``, or ``month``
``2024-05``), and for each period after the first mines its words and compares them with all the
earlier periods together (:mod:`cikuang.emergence`: signed G², the same columns). The earlier
periods' counts are not recounted: each period is counted once (``count``, to the discovery's
order) and the base of a period is the sum of the earlier tables (exact, since a clause never spans
two records). A record whose date is missing or does not parse is an error naming its line, or
skipped with ``skip_bad`` (a warning says how many). Rows: the words whose trend is ``new`` or
``up``, by period, then emergence; with the word's occurrences in every period (``n:PERIOD``
columns). The records of all periods are held in memory.
"""
from __future__ import annotations

import datetime as dt
import json
import warnings

import numpy as np

from .errors import CikuangError
from .output import atomic_output

PERIODS = ("day", "week", "month")


def period_of(value, period: str) -> str:
    """The period (``2024-05-01``, ``2024-W18``, ``2024-05``) of an ISO 8601 date or date-time."""
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        d = dt.datetime.fromisoformat(text).date()
    except ValueError:
        d = dt.date.fromisoformat(text)  # 2024-05-01 on Python 3.10, week dates on 3.11
    if period == "day":
        return d.isoformat()
    if period == "month":
        return f"{d.year:04d}-{d.month:02d}"
    year, week, _ = d.isocalendar()
    return f"{year:04d}-W{week:02d}"


def read_periods(path, text_field: str, time_field: str, period: str, skip_bad: bool = False,
                 encoding: str = "utf-8") -> dict[str, list[str]]:
    """The texts of each period, from JSON lines (a missing text is skipped)."""
    if period not in PERIODS:
        raise CikuangError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    import io

    from .openers import open_binary

    out: dict[str, list[str]] = {}
    bad = 0
    try:
        raw = open_binary(str(path))
    except FileNotFoundError:
        raise CikuangError("no such file", str(path)) from None
    with io.TextIOWrapper(raw, encoding=encoding) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                key = period_of(record.get(time_field) if isinstance(record, dict) else None, period)
            except (ValueError, TypeError) as e:
                if skip_bad:
                    bad += 1
                    continue
                what = "not JSON" if isinstance(e, json.JSONDecodeError) else f"no ISO 8601 date in {time_field!r}"
                raise CikuangError(f"line {lineno}: {what} ({str(e)[:80]}); --skip-bad skips such records",
                                   str(path)) from None
            text = record.get(text_field)
            if isinstance(text, str):
                out.setdefault(key, []).append(text)
    if bad:
        warnings.warn(f"{path}: skipped {bad} record(s) without a parsable date", stacklevel=2)
    if not out:
        raise CikuangError("no dated record with a text", str(path))
    return dict(sorted(out.items()))


class SummedCounts:
    """The sum of count tables (each with ``n_units`` and ``lookup``): the counts of their corpora together."""

    def __init__(self, parts, order: int):
        self.parts, self.order = list(parts), order
        self.n_units = sum(p.n_units for p in self.parts)

    def lookup(self, texts) -> np.ndarray:
        total = np.zeros(len(texts), dtype=np.int64)
        for p in self.parts:
            total += p.lookup(texts)
        return total


def trend(path, text_field: str = "text", time_field: str = "date", period: str = "month", *,
          skip_bad: bool = False, encoding: str = "utf-8", **params):
    """For each period after the first, the words that emerged against all earlier periods, as a
    pandas DataFrame (see the module doc); ``params`` are :func:`cikuang.discover`'s."""
    rows, periods = trend_rows(path, text_field, time_field, period, skip_bad=skip_bad, encoding=encoding, **params)
    import pandas as pd

    return pd.DataFrame(rows, columns=_columns(periods))


def trend_rows(path, text_field, time_field, period, *, skip_bad=False, encoding="utf-8", **params):
    """(rows as dicts, the periods) of :func:`trend`."""
    from .discovery import Discoverer, count
    from .emergence import Emergence, TableCounts

    texts = read_periods(path, text_field, time_field, period, skip_bad, encoding)
    periods = list(texts)
    d = Discoverer(**params)
    order = d.spec().order
    run = d.run_spec()
    tables = [TableCounts(count(texts=t, order=order, workers=run.workers, memory=run.memory,
                                tmp_dir=run.tmp_dir), order) for t in texts.values()]
    rows = []
    for i in range(1, len(periods)):
        try:
            found = d.fit(texts=texts[periods[i]])
        except CikuangError:
            continue  # a period too small to mine
        e = Emergence(found.lexicon_, SummedCounts(tables[:i], order), found.n_units_)
        keep = [r for r in e.rows() if r["trend"] in ("new", "up")]
        words = [r["word"] for r in keep]
        per = [t.lookup(words) for t in tables]
        for j, r in enumerate(keep):
            rows.append({"period": periods[i], **r, **{f"n:{p}": int(c[j]) for p, c in zip(periods, per)}})
    return rows, periods


def _columns(periods):
    return ["period", "word", "count", "occurrences", "base_count", "base_exact", "rate_ratio", "emergence",
            "trend"] + [f"n:{p}" for p in periods]


def save_trend(rows, periods, path, format: str = "tsv") -> None:
    if format not in ("tsv", "jsonl"):
        raise CikuangError(f"trend writes tsv or jsonl, not {format!r}")
    cols = _columns(periods)
    with atomic_output(path) as f:
        if format == "tsv":
            f.write("\t".join(cols) + "\n")
        for r in rows:
            if format == "jsonl":
                f.write(json.dumps({**r, "rate_ratio": round(r["rate_ratio"], 6),
                                    "emergence": round(r["emergence"], 6)}, ensure_ascii=False) + "\n")
                continue
            vals = [r["period"], r["word"], str(r["count"]), str(r["occurrences"]), str(r["base_count"]),
                    "yes" if r["base_exact"] else "no", f"{r['rate_ratio']:.4f}", f"{r['emergence']:.4f}",
                    r["trend"]] + [str(r[f"n:{p}"]) for p in periods]
            f.write("\t".join(vals) + "\n")


def add_parser(sub, positive_int) -> None:
    """The ``trend`` subcommand (on the command line's subparsers)."""
    t = sub.add_parser("trend", help="the words that emerged in each period of a dated JSON-lines stream",
                       description=__doc__.split("\n\n")[1])
    t.add_argument("input", metavar="INPUT", help="JSON lines (compressed or not)")
    t.add_argument("--jsonl-field", default="text", metavar="FIELD", help="the text field (default %(default)s)")
    t.add_argument("--time-field", default="date", metavar="FIELD",
                   help="the ISO 8601 date or date-time field (default %(default)s)")
    t.add_argument("--period", choices=PERIODS, default="month", help="default %(default)s")
    t.add_argument("--skip-bad", action="store_true", help="skip records without a parsable date (else an error)")
    t.add_argument("--format", choices=("tsv", "jsonl"), default="tsv")
    t.add_argument("--order", type=positive_int, help="longest n-gram (default 4)")
    t.add_argument("--min-count", type=positive_int, help="as for discover (default: automatic, per period)")
    t.add_argument("--encoding", default="utf-8")
    t.add_argument("-o", "--output", metavar="OUT", help="output file, written atomically (default: stdout)")
    t.add_argument("--workers", type=positive_int)
    t.add_argument("-q", "--quiet", action="store_true", help="no summary line on stderr")


def cli_trend(args) -> int:
    import sys

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows, periods = trend_rows(args.input, args.jsonl_field, args.time_field, args.period,
                                   skip_bad=args.skip_bad, encoding=args.encoding, order=args.order,
                                   min_count=args.min_count, workers=args.workers)
    if not args.quiet:
        for w in caught:
            print(f"cikuang: warning: {w.message}", file=sys.stderr)
    save_trend(rows, periods, args.output, args.format)
    if args.output not in (None, "-") and not args.quiet:
        print(f"cikuang: wrote {len(rows):,} emerged words of {len(periods) - 1} period(s) to {args.output}",
              file=sys.stderr)
    return 0
