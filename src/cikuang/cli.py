"""The ``cikuang`` command: a thin shell over the Python API."""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import unicodedata
from pathlib import Path

from dataclasses import fields

from . import helptext
from ._version import __version__
from .basedict import CORPUS_WEIGHT
from .errors import CikuangError
from .lexicon import FORMATS, LIST_FORMATS
from .output import atomic_output, check_output, quiet_stdout
from .spec import PRESETS, DiscoverySpec, ReadSpec, RunSpec, default_of, parse_memory

#: What each preset is, for --help.
PRESET_HELP = {"kexue2019": "the seed method exactly (order 4, min count 32, min PMI 0,2,4,6, no refine stage)"}

DEMO = "三国演义 (bundled demo corpus)"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit code 2), like every other error."""

    def error(self, message: str):
        self.exit(2, f"cikuang: error: {message} (see '{self.prog} --help')\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _spec_option(p: argparse.ArgumentParser, spec_class, name: str, **overrides) -> None:
    """Offer field ``name`` of a spec class (:mod:`cikuang.spec`) with its own help, default and choices."""
    f = next(f for f in fields(spec_class) if f.name == name)
    meta = {**f.metadata, **overrides}
    flag = meta.get("flag") or "--" + name.replace("_", "-")
    help_text = meta["help"].replace("{default}", str(f.default))
    if f.type in ("bool", bool):
        if f.default:  # on by default: --name / --no-name, None meaning "as the preset says"
            p.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            p.add_argument(flag, dest=name, action="store_true", help=help_text)
        return
    # A model setting left out is None, "not given", so that a preset can supply it; the others
    # take their spec's default.
    default = None if spec_class is DiscoverySpec else f.default
    kwargs = {"dest": name, "metavar": meta.get("metavar"), "help": help_text, "default": default}
    if meta.get("choices"):
        kwargs["choices"] = meta["choices"]
    if f.type in ("int", "int | None", int):
        kwargs["type"] = _positive_int
    elif f.type in ("float", "float | None", float):
        kwargs["type"] = float
    p.add_argument(flag, **kwargs)


def _add_input_options(p: argparse.ArgumentParser, counting: bool = True) -> None:
    p.add_argument("inputs", nargs="*", metavar="INPUT",
                   help="files or directories (searched for --glob), '-' for stdin; .gz .bz2 .xz .zst "
                        "are decompressed")
    for name in ("encoding", "errors", "glob") + (("jsonl_field", "input_format", "text_column") if counting else ()):
        _spec_option(p, ReadSpec, name)
    p.add_argument("-o", "--output", metavar="OUT", help="output file, written atomically (default: stdout); "
                   "with --engine spark also a Hadoop URI (hdfs://, s3a://, file://)" if counting else
                   "output file, written atomically (default: stdout)")
    _spec_option(p, RunSpec, "workers")
    if counting:
        for name in ("memory", "tmp_dir", "engine", "spark_master"):
            _spec_option(p, RunSpec, name)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars, no summary line on stderr")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cikuang", description="cikuang (词矿): unsupervised new-word discovery for Chinese text.")
    parser.add_argument("--version", action="version", version=f"cikuang {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    d = sub.add_parser("discover", help="mine the words of a corpus", description=helptext.DISCOVER_HELP,
                       epilog=helptext.EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_input_options(d)
    d.add_argument("--format", choices=FORMATS,
                   help="tsv: every entry with its statistics and status (default for files); jsonl: the "
                        "same as JSON lines; the word list alone as jieba: 'word count' lines for "
                        "jieba.load_userdict/set_dictionary; hanlp: 'word nz count' lines, HanLP's custom "
                        "dictionary; pkuseg: one word a line, pkuseg's user dictionary. With --base-dict (or "
                        "--new-only: jieba's), the counts of jieba and hanlp are put on the base "
                        "dictionary's scale. Without --format and -o, a readable table of the top words")
    d.add_argument("--preset", choices=tuple(PRESETS),
                   help="; ".join(f"{name}: {PRESET_HELP[name]}" for name in PRESETS))
    for name in ("order", "min_count", "min_pmi", "scorer", "new_only", "base_dict", "keep_numbers", "refine"):
        _spec_option(d, DiscoverySpec, name)
    w = d.add_argument_group("the word list", helptext.WORD_LIST_HELP)
    for name in ("sort", "min_cohesion", "min_entropy", "min_length", "han_only", "compounds", "stopwords"):
        _spec_option(w, DiscoverySpec, name)
    d.add_argument("--contexts", type=_positive_int, metavar="K",
                   help="sample K contexts of each word (one more pass): a contexts field in jsonl "
                        "(default: none; 5 in a report)")
    d.add_argument("--report", metavar="FILE", help="also write the HTML report (see 'cikuang report --help')")
    d.add_argument("--top", type=_positive_int, metavar="K",
                   help="the first K words of the word list only (default: 50 in the readable table, all in files)")
    d.add_argument("--against", metavar="BASE",
                   help="compare with BASE (a corpus file or directory, or counts saved by 'cikuang count -o "
                        "FILE.parquet'): the word list with each word's count in BASE, rate ratio and "
                        "emergence (signed log-likelihood ratio G²), sorted by emergence; tsv or jsonl")

    sub.add_parser("report", help="mine the words and write one HTML file to read them in", parents=[d],
                   conflict_handler="resolve", description=helptext.REPORT_HELP,
                   formatter_class=argparse.RawDescriptionHelpFormatter)

    c = sub.add_parser("count", help="exact counts of every n-gram of 1..N units",
                       description="Count every n-gram of 1..ORDER units within clauses, exactly, and "
                                   "write 'ngram<TAB>count' lines (after a header), by length, then "
                                   "count descending; with -o FILE.parquet, every n-gram with the settings, "
                                   "N and the text model in the file's metadata (needs pyarrow).")
    _add_input_options(c)
    c.add_argument("--merge", action="store_true",
                   help="the INPUTs are saved counts (.parquet) of the same order: add them, exactly the "
                        "counts of the concatenated corpora, within --memory (larger merges go through "
                        "temporary files in --tmp-dir)")
    c.add_argument("--order", type=_positive_int, default=default_of(DiscoverySpec, "order"),
                   help="longest n-gram (default %(default)s)")

    g = sub.add_parser("segment", help="cut text into the words of a lexicon", description=helptext.SEGMENT_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_input_options(g, counting=False)
    g.add_argument("--lexicon", required=True, metavar="LEX",
                   help="a lexicon written by 'cikuang discover' (tsv, jieba or jsonl) or any jieba dictionary")
    g.add_argument("--base-dict", metavar="DICT",
                   help="segment with this dictionary too ('word count [tag]' lines, or 'jieba' for jieba's "
                        "own): one model of its words and the lexicon's words and numbers, those put on its "
                        "scale (give the lexicon as discover's tsv, so that its total is the corpus's). "
                        "Default: none, the lexicon alone")
    g.add_argument("--corpus-weight", type=float, default=CORPUS_WEIGHT, metavar="W",
                   help="with --base-dict: how much more the corpus's own word probabilities weigh than "
                        "the base's (default %(default)s; measured in docs/benchmarks.md)")

    from .trend import add_parser as add_trend  # the trend subcommand lives with its code
    add_trend(sub, _positive_int)
    e = sub.add_parser("evaluate", help="score a segmentation against a gold one (P, R, F, OOV recall)",
                       description=helptext.EVALUATE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("pred", metavar="PRED", help="the segmentation to score ('-' for stdin)")
    e.add_argument("--gold", required=True, metavar="GOLD", help="the gold segmentation, same lines and characters")
    e.add_argument("--train-words", metavar="WORDS",
                   help="word list for the OOV statistics: one word a line, or a jieba or cikuang tsv "
                        "lexicon (first field)")
    e.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    return parser


def _corpus_options(args) -> dict:
    options = {"encoding": args.encoding, "errors": args.errors, "glob": args.glob,
               "jsonl_field": getattr(args, "jsonl_field", None)}  # segment reads no JSON lines
    if getattr(args, "input_format", None) is not None:
        options.update(input_format=args.input_format, text_column=args.text_column)
    return options


def _inputs(args):
    if args.inputs:
        from .sources import AsPath

        return [AsPath(p) for p in args.inputs]  # paths as given (s3://b/x stays s3://b/x), never texts
    if args.command in ("discover", "report"):
        from .demo import demo_path

        return [Path(demo_path())]
    if args.command == "segment":
        return "-"  # a filter, like jieba's command line
    raise CikuangError("no INPUT given ('-' reads standard input)")


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def print_table(lexicon, top: int, title: str, out=None) -> None:
    """The first words of the word list as an aligned table (on ``out``, by default stdout)."""
    out = sys.stdout if out is None else out
    rows = lexicon.word_list(top)
    width = max([_width(e.word) for e in rows] + [4])
    out.write(f"{title}: {lexicon.n_words} words in a lexicon of {len(lexicon)} entries; the first "
              f"{len(rows)} by {lexicon.sort}\n")
    out.write(f"{'rank':>4}  {'word'}{' ' * (width - 4)}  {'count':>7}  {'occurs':>7}  {'cohesion':>8}  "
              f"{'left H':>6}  {'right H':>7}  {'score':>6}\n")
    for i, e in enumerate(rows, 1):
        out.write(f"{i:>4}  {e.word}{' ' * (width - _width(e.word))}  {e.count:>7}  {e.occurrences:>7}  "
                  f"{e.cohesion:>8.2f}  {e.left_entropy:>6.2f}  {e.right_entropy:>7.2f}  {e.score:>6.2f}\n")


def _progress(args):
    return False if args.quiet else None  # None: bars only when stderr is a terminal


def run(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if hasattr(args, "memory"):  # freed arrays kept for reuse, or given back for a small budget
            from .allocator import fit_to_budget

            fit_to_budget(parse_memory(args.memory or default_of(RunSpec, "memory")))
        if args.command in ("discover", "report"):
            return _discover(args)
        if args.command == "trend":
            from .trend import cli_trend
            return cli_trend(args)
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "segment":
            return _segment(args)
        return _count(args)
    except CikuangError as e:
        print(f"cikuang: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cikuang: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("cikuang: terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:  # `cikuang ... | head`: the reader has what it wanted
        quiet_stdout()
        return 0


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that the run unwinds and frees what it holds."""


def _terminate(signum, frame):
    raise Terminated()


def _engine_options(args) -> dict:
    return {"engine": args.engine, "spark_master": args.spark_master}


def _engine_inputs(args):
    """The inputs; for Spark, paths as given (a Path would turn hdfs://host/ into hdfs:/host/)."""
    if args.engine == "spark" and args.inputs:
        from .engines.spark.inputs import SparkPath

        return [SparkPath(p) for p in args.inputs]
    return _inputs(args)


@contextlib.contextmanager
def _spark_run(args):
    """Stop, at the end, the Spark session that the run started (not one that was running)."""
    if args.engine != "spark":
        yield
        return
    from .engines.spark.session import active_session, stop_new_session

    before = active_session()
    try:
        yield
    finally:
        stop_new_session(before)


def _discover(args) -> int:
    from .discovery import Discoverer

    inputs = _engine_inputs(args)
    d = Discoverer(order=args.order, min_count=args.min_count, min_pmi=args.min_pmi, scorer=args.scorer,
                   preset=args.preset, new_only=args.new_only, base_dict=args.base_dict,
                   keep_numbers=args.keep_numbers, refine=args.refine, sort=args.sort,
                   min_cohesion=args.min_cohesion, min_entropy=args.min_entropy, min_length=args.min_length,
                   han_only=args.han_only, compounds=args.compounds, stopwords=args.stopwords,
                   workers=args.workers, memory=args.memory,
                   tmp_dir=args.tmp_dir,
                   # the preset's jieba lines are its lexicon as it is: no word list, so no statistics pass
                   neighbours=not (args.preset and args.format == "jieba"),
                   progress=_progress(args), against=args.against, **_engine_options(args), **_corpus_options(args))
    hadoop = _hadoop_output(args)
    if args.output is not None and args.output != "-" and not hadoop:
        _check_output(args.output)
    with _spark_run(args):
        if hadoop:
            _check_hadoop_output(args)
        report = args.command == "report" or args.report
        if report:  # matplotlib and the report's file checked before the run, not after it
            from .htmlreport import check_report, cli_report

            check_report(args)
        d.contexts = args.contexts or (5 if report else 0)
        lexicon = d.fit(inputs).lexicon_
        if report and cli_report(args, d):  # `cikuang report`: nothing more to write
            return 0
        if args.against is not None:
            return _emerged(args, d.emergence_)
        if hadoop:  # while the session runs
            d.save(args.output, format=args.format or "tsv", top=args.top)
    if args.format is None and args.output is None:
        title = DEMO if not args.inputs else ", ".join(args.inputs)
        with atomic_output(None) as out:
            print_table(lexicon, args.top or 50, title, out)
        if not args.quiet:
            print(f"(N = {d.n_units_} units, min count {d.min_count_}, {d.n_kept_} kept n-grams; "
                  f"--format tsv|jieba|jsonl or -o FILE for the whole lexicon)", file=sys.stderr)
        return 0
    if not hadoop:
        d.save(args.output, format=args.format or "tsv", top=args.top)
    if args.format in LIST_FORMATS or args.top:
        _wrote(args, f"{len(lexicon.word_list(args.top)):,} words")
    else:
        _wrote(args, f"{len(lexicon):,} entries ({lexicon.n_words:,} words)")
    return 0


def _emerged(args, emergence) -> int:
    if args.format is None and args.output is None:
        with atomic_output(None) as out:
            emergence.print_table(args.top or 50, ", ".join(args.inputs) or DEMO, out)
        return 0
    emergence.save(args.output, format=args.format or "tsv", top=args.top)
    _wrote(args, f"{min(len(emergence), args.top or len(emergence)):,} words by emergence")
    return 0


def _wrote(args, what: str) -> None:
    """One line on stderr saying what ``-o`` wrote (not with -q, nor for stdout)."""
    if args.output not in (None, "-") and not args.quiet:
        print(f"cikuang: wrote {what} to {args.output}", file=sys.stderr)


def _hadoop_output(args) -> bool:
    """``-o`` is a URI that the spark engine writes through Hadoop's file systems."""
    from .sources import is_url

    return args.engine == "spark" and args.output is not None and is_url(args.output)


def _check_hadoop_output(args) -> None:
    from .engines.spark.output import check_hadoop_output
    from .engines.spark.session import get_session

    session, _ = get_session(None, args.spark_master, _progress(args))  # the run's session: stopped at its end
    check_hadoop_output(session.sparkContext, args.output)


def _segment(args) -> int:
    from .segmenter import Segmenter

    if args.output is not None and args.output != "-":
        _check_output(args.output)
    if args.base_dict is None and args.corpus_weight != CORPUS_WEIGHT:
        raise CikuangError("--corpus-weight needs --base-dict")
    segmenter = Segmenter(args.lexicon, args.base_dict, corpus_weight=args.corpus_weight)
    segmenter.segment_corpus(_inputs(args), args.output, workers=args.workers, progress=_progress(args),
                             **_corpus_options(args))
    if args.output not in (None, "-") and os.path.isfile(args.output):
        _wrote(args, f"the segmented text ({os.path.getsize(args.output):,} bytes)")
    return 0


def _count(args) -> int:
    from .discovery import count

    from .savedcounts import is_parquet, merge_counts, save_counts

    hadoop = _hadoop_output(args)
    if args.output is not None and args.output != "-" and not hadoop:
        _check_output(args.output)
    if args.merge:
        if args.output is None or not is_parquet(args.output):
            raise CikuangError("--merge writes saved counts: give -o FILE.parquet")
        merged = merge_counts(args.inputs, args.output, memory=args.memory, tmp_dir=args.tmp_dir)
        _wrote(args, f"{len(merged):,} n-grams (N = {merged.n_units:,})")
        return 0
    with _spark_run(args):
        if hadoop:
            _check_hadoop_output(args)
        table = count(_engine_inputs(args), order=args.order, workers=args.workers, memory=args.memory,
                      tmp_dir=args.tmp_dir, progress=_progress(args), **_engine_options(args),
                      **_corpus_options(args))
        if args.output is not None and is_parquet(args.output):  # a URI too, on Spark (save_counts)
            save_counts(table, args.output, args.order, args.inputs)
        else:
            table.save(args.output)  # a URI through Hadoop's file systems (spark)
        if args.output not in (None, "-") and not args.quiet:
            _wrote(args, f"{len(table):,} n-grams")
    return 0


def _evaluate(args) -> int:
    import json

    from .evaluation import evaluate

    scores = evaluate(args.gold, args.pred, train_words=args.train_words)
    if args.json:
        with atomic_output(None) as out:
            out.write(json.dumps({"gold": args.gold, "pred": args.pred, "train_words": args.train_words,
                                  **scores.as_dict()}, ensure_ascii=False) + "\n")
        return 0

    def ratio(x):
        return "-" if x is None else f"{x:.4f}"
    rows = [("precision", ratio(scores.precision), f"{scores.n_correct:,} / {scores.n_pred:,} predicted words"),
            ("recall", ratio(scores.recall), f"{scores.n_correct:,} / {scores.n_gold:,} gold words"),
            ("F1", ratio(scores.f1), f"{scores.n_lines:,} lines")]
    if scores.oov_rate is not None:
        n_iv = scores.n_gold - scores.n_oov
        rows += [("OOV rate", ratio(scores.oov_rate), f"{scores.n_oov:,} / {scores.n_gold:,} gold words"),
                 ("OOV recall", ratio(scores.oov_recall), f"{scores.n_oov_correct:,} / {scores.n_oov:,}"),
                 ("IV recall", ratio(scores.iv_recall), f"{scores.n_iv_correct:,} / {n_iv:,}")]
    with atomic_output(None) as out:
        out.write(f"gold {args.gold}, prediction {args.pred}\n")
        for name, value, detail in rows:
            out.write(f"{name:<10}  {value:>6}  {detail}\n")
    return 0


def _check_output(path: str) -> None:
    """Fail before the work, not after it, when the output cannot be written."""
    check_output(path)


def utf8_streams() -> None:
    """Words go out as UTF-8 whatever the locale: a Windows console or pipe (cp1252, cp936) cannot
    encode every Chinese character, and a lexicon half written in another code page is useless."""
    for stream, errors in ((sys.stdout, "strict"), (sys.stderr, "backslashreplace")):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors=errors)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    utf8_streams()
    sys.exit(run())


if __name__ == "__main__":
    main()
