"""The discovery API: :class:`Discoverer`, :func:`discover` and :func:`count`.

:class:`Discoverer` follows scikit-learn's conventions: parameters in the constructor, ``fit``
returns ``self``, learned state ends with an underscore (``lexicon_``, ``min_count_``, ...). It turns
its parameters into a :class:`~cikuang.spec.DiscoverySpec` (the model) and an engine (where the
passes run), and hands both to the recipe (:mod:`cikuang.recipe`), which is the method itself.
"""
from __future__ import annotations

import inspect
import os
import time
from collections.abc import Mapping

from .basedict import load_base_lexicon, on_base_scale
from .corpus import Corpus
from .engines.base import Engine
from .errors import CikuangError
from .lexicon import Lexicon, load_base_words
from .recipe import count_ngrams, discover_words
from .sources import Texts, is_spark_frame
from .spec import COUNT_ORDERS, DiscoverySpec, ReadSpec, RunSpec, check_order


def resolve_engine(engine, spark, inputs) -> str:
    """``"local"`` or ``"spark"``: as asked, else Spark when given a SparkSession or a Spark DataFrame."""
    if engine is None:
        return "spark" if spark is not None or is_spark_frame(inputs) else "local"
    if engine not in ("local", "spark"):
        raise CikuangError(f"engine must be 'local' or 'spark', not {engine!r}")
    return engine


def make_engine(inputs, read: ReadSpec, run: RunSpec, *, spark=None, progress=False, texts=None) -> Engine:
    """The engine ``run`` asks for, over ``inputs`` (or ``texts``) read as ``read`` says; both
    engines tell paths from texts by one rule (:func:`cikuang.sources.resolve`)."""
    if texts is not None:
        if inputs is not None:
            raise CikuangError("give inputs (paths) or texts=, not both")
        inputs = Texts(texts)
    if resolve_engine(run.engine, spark, inputs) == "spark":
        from .engines.spark.engine import SparkEngine

        return SparkEngine(inputs, read.as_dict(), spark=spark, master=run.spark_master, progress=progress)
    from .engines.local.engine import LocalEngine

    corpus = Corpus.from_inputs(inputs, **read.as_dict())
    return LocalEngine(corpus, workers=run.workers, memory=run.memory_bytes, tmp_dir=run.tmp_dir, progress=progress)


class Discoverer:
    """Unsupervised word discovery over a corpus (see :func:`discover` for the parameters)."""

    def __init__(
        self,
        *,
        order: int | None = None,
        min_count: int | None = None,
        min_pmi=None,
        scorer=None,
        preset: str | None = None,
        new_only: bool = False,
        base_dict=None,
        keep_numbers: bool = False,
        neighbours: bool = True,
        refine: bool | None = None,
        sort: str | None = None,
        min_cohesion: float | None = None,
        min_entropy: float | None = None,
        min_length: int | None = None,
        han_only: bool = False,
        compounds: bool = False,
        stopwords=None,
        word_list: bool | None = None,
        workers: int | None = None,
        memory="2G",
        tmp_dir: str | None = None,
        encoding: str = "utf-8",
        errors: str = "strict",
        glob: str = "*.txt",
        jsonl_field: str | None = None,
        input_format: str = "text",
        text_column: str | None = None,
        progress: bool = False,
        contexts: int = 0,
        engine: str | None = None,
        spark=None,
        spark_master: str | None = None,
        against=None,
    ):
        self.order = order
        self.min_count = min_count
        self.min_pmi = min_pmi
        self.scorer = scorer
        self.preset = preset
        self.new_only = new_only
        self.base_dict = base_dict
        self.keep_numbers = keep_numbers
        self.neighbours = neighbours
        self.refine = refine
        self.sort = sort
        self.min_cohesion = min_cohesion
        self.min_entropy = min_entropy
        self.min_length = min_length
        self.han_only = han_only
        self.compounds = compounds
        self.stopwords = stopwords
        self.word_list = word_list
        self.workers = workers
        self.memory = memory
        self.tmp_dir = tmp_dir
        self.encoding = encoding
        self.errors = errors
        self.glob = glob
        self.jsonl_field = jsonl_field
        self.input_format = input_format
        self.text_column = text_column
        self.progress = progress
        self.contexts = contexts
        self.engine = engine
        self.spark = spark
        self.spark_master = spark_master
        self.against = against

    def spec(self) -> DiscoverySpec:
        """The model settings these parameters make (validated)."""
        return DiscoverySpec.build(self.preset, order=self.order, min_count=self.min_count, min_pmi=self.min_pmi,
                                   scorer=self.scorer, refine=self.refine, keep_numbers=self.keep_numbers,
                                   new_only=self.new_only, base_dict=self.base_dict, neighbours=self.neighbours,
                                   sort=self.sort, min_cohesion=self.min_cohesion, min_entropy=self.min_entropy,
                                   min_length=self.min_length, han_only=self.han_only, stopwords=self.stopwords,
                                   compounds=self.compounds,
                                   word_list=self.word_list)

    def read_spec(self) -> ReadSpec:
        """How inputs are read, from these parameters (validated)."""
        return ReadSpec(encoding=self.encoding, errors=self.errors, glob=self.glob, jsonl_field=self.jsonl_field,
                        input_format=self.input_format, text_column=self.text_column)

    def run_spec(self) -> RunSpec:
        """Where the work runs, from these parameters (validated)."""
        return RunSpec(engine=self.engine, workers=self.workers, memory=self.memory, tmp_dir=self.tmp_dir,
                       spark_master=self.spark_master)

    # -- scikit-learn's estimator protocol -----------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        return [p.name for p in inspect.signature(cls.__init__).parameters.values() if p.kind == p.KEYWORD_ONLY]

    def get_params(self, deep: bool = True) -> dict:
        """The constructor parameters as set (``deep`` is accepted for scikit-learn; nothing nests)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> "Discoverer":
        """Set constructor parameters and return ``self``; checked by the specs, as ``fit`` checks
        them (an unknown or invalid parameter is a :class:`CikuangError` and changes nothing)."""
        unknown = sorted(set(params) - set(self._param_names()))
        if unknown:
            raise CikuangError(f"unknown parameter {unknown[0]!r} for Discoverer (parameters: "
                               f"{', '.join(self._param_names())})")
        before = self.get_params()
        for name, value in params.items():
            setattr(self, name, value)
        try:
            self.spec(), self.read_spec(), self.run_spec()
        except BaseException:
            for name, value in before.items():
                setattr(self, name, value)
            raise
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
                    if p.kind == p.KEYWORD_ONLY}
        given = []
        for name, value in self.get_params().items():
            default = defaults[name]
            same = value is default or (type(value) is type(default) and _equal(value, default))
            if not same:
                given.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(given)})"

    def fit(self, inputs=None, y=None, *, texts=None) -> "Discoverer":
        """Mine the words of ``inputs`` (paths, a DataFrame) or of ``texts=`` (an iterable of
        ``str``); the result is in ``self.lexicon_``. See :func:`discover` for what counts as a path.
        ``y`` is ignored (scikit-learn's signature: the method is unsupervised)."""
        started = time.perf_counter()
        if self.contexts:  # they take one more pass: texts given once are kept for it
            from .contexts import reusable

            inputs, texts = reusable(inputs), reusable(texts)
        spec = self.spec()
        read = self.read_spec()
        run = self.run_spec()
        base_words = load_base_words("jieba" if spec.base_dict is None else spec.base_dict) if spec.new_only else None
        with make_engine(inputs, read, run, spark=self.spark, progress=self.progress, texts=texts) as engine:
            found = discover_words(engine, spec, base_words)
        self.lexicon_ = found.lexicon
        self.n_units_ = found.n_units
        self.min_count_ = found.min_count
        self.min_pmi_ = found.min_pmi
        self.order_ = found.order
        self.n_kept_ = found.n_kept
        self.n_tokens_ = found.n_tokens
        self.list_rules_ = found.rules
        self.fit_seconds_ = time.perf_counter() - started
        if self.contexts:  # k sampled occurrences of each word (cikuang.contexts)
            from .contexts import fit_contexts

            fit_contexts(self, inputs, texts)
        if self.against is not None:  # the words that emerged against a base (cikuang.emergence)
            from .emergence import Emergence, open_base

            count_params = dict(workers=run.workers, memory=run.memory, tmp_dir=run.tmp_dir, engine=run.engine,
                                spark=self.spark, spark_master=run.spark_master, **read.as_dict())
            on_spark = resolve_engine(run.engine, self.spark, inputs) == "spark"
            base = open_base(self.against, found.order,
                             lambda corpus, order: count(corpus, order=order, **count_params),
                             open_file=self._hadoop_input() if on_spark else None)
            self.emergence_ = Emergence(found.lexicon, base, found.n_units, found.rules.min_cohesion)
        return self

    def _hadoop_input(self):
        """Opens a URI through this run's Spark session's Hadoop file systems."""
        from .engines.spark.output import hadoop_input
        from .engines.spark.session import get_session

        def open_file(uri):
            session, _ = get_session(self.spark, self.spark_master)
            return hadoop_input(session.sparkContext, uri)
        return open_file

    def to_spark(self, spark=None):
        """The lexicon as a Spark DataFrame with the tsv's columns (missing statistics as nulls),
        in ``spark`` (default: this estimator's session, else the active one)."""
        from .engines.spark.output import lexicon_frame

        if not hasattr(self, "lexicon_"):
            raise CikuangError("this Discoverer is not fitted yet: call fit(inputs) first")
        return lexicon_frame(self.lexicon_, spark if spark is not None else self.spark)

    def save(self, path, format: str = "tsv", top: int | None = None) -> None:
        """Write the lexicon as :meth:`Lexicon.save` does; a URI with a scheme (``hdfs://``,
        ``s3a://``, ``file://``) is written through Spark's Hadoop file systems (the cluster's
        driver may have no local disk worth keeping)."""
        from .sources import is_url, local_path

        if not hasattr(self, "lexicon_"):
            raise CikuangError("this Discoverer is not fitted yet: call fit(inputs) first")
        spark_run = self.engine == "spark" or self.spark is not None
        if is_url(str(path)) and not spark_run:
            path = local_path(str(path))  # a file:// URL is a local file: no Spark needed
        if is_url(str(path)):
            from .engines.spark.output import save_lines
            from .engines.spark.session import get_session

            session, _ = get_session(self.spark, self.spark_master)
            save_lines(session.sparkContext, str(path), self.export(format).lines(format, top))
        else:
            self.export(format).save(path, format=format, top=top, contexts=getattr(self, "contexts_", None))

    def export(self, format: str = "tsv") -> Lexicon:
        """The lexicon as ``format`` writes it: for the formats with counts a segmenter loads (jieba,
        hanlp), the counts are on the base dictionary's scale when there is one (``base_dict`` with
        counts, or jieba's for ``new_only``; :func:`cikuang.basedict.on_base_scale`), else the corpus's."""
        if not hasattr(self, "lexicon_"):
            raise CikuangError("this Discoverer is not fitted yet: call fit(inputs) first")
        base = self.base_dict if self.base_dict is not None else ("jieba" if self.new_only else None)
        if format not in SCALED_FORMATS or base is None or not _has_counts(base):
            return self.lexicon_
        return on_base_scale(self.lexicon_, load_base_lexicon(base), tokens=self.n_tokens_)


#: The formats whose counts a segmenter loads as its own (put on a base dictionary's scale).
SCALED_FORMATS = ("jieba", "hanlp")


def _has_counts(base) -> bool:
    """A base dictionary with counts (a path, "jieba", a Lexicon, a mapping), not a bare word set."""
    return isinstance(base, (str, os.PathLike, Lexicon, Mapping))


def _equal(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


def discover(inputs=None, *, texts=None, **params) -> Lexicon:
    """Mine the words of a corpus, without a dictionary or labelled data.

    ``inputs``: a path (``str`` or path-like: a file, a directory, a glob pattern, a URL, ``"-"``
    for stdin), a list of paths (``glob.glob("*.txt")``), a pandas or Spark DataFrame (its column
    ``text_column``, else its only string column, else ``text`` or ``value``), or an iterable of
    texts; ``texts=`` takes an iterable of ``str`` texts and never reads them as paths. The rule
    (:mod:`cikuang.sources`, the same on both engines): a list is paths when an item is a
    path-like, names an existing file or directory, or looks like a path (a URL, a glob, a file
    suffix such as ``.txt``/``.gz``, a leading ``/`` ``./`` ``../`` ``~/``); a path-looking item that
    does not exist is an error naming it, and a list mixing paths and texts is an error. A list of
    which no item is a path, or any other iterable (a generator, a pandas Series), is texts.
    Missing texts (None, NaN) are skipped on both engines, with a warning saying how many.
    Files are decompressed by their first bytes (gzip, bzip2, xz, zstd), whatever their names.
    Parameters (all optional, as on the command line):

    - ``order`` (4): longest n-gram counted; words longer than this are found as chains.
    - ``min_count`` (auto, see :func:`cikuang.spec.auto_min_count`): minimum count of kept n-grams
      and of words.
    - ``min_pmi`` ((0, 2, 4.5, 8)): minimum cohesion in nats by length (index 0: single units), one
      per length up to ``order``, or one number for every length; the default ladder continues by
      3.5 nats per length past 4.
    - ``scorer`` ("pmi"): the score of one split of an n-gram, whose weakest split is its cohesion:
      a name, or a picklable function ``f(count, left_count, right_count, n_units)`` of arrays
      (see :mod:`cikuang.scoring`).
    - ``preset``: ``"kexue2019"`` is the seed method exactly (order 4, min count 32, 0,2,4,6).
    - ``new_only`` / ``base_dict``: drop words of a base lexicon: a jieba-format path, ``"jieba"``
      (the default), a :class:`Lexicon`, a dict of word to count, or any iterable of words.
    - ``keep_numbers`` (False): keep words that are only digits.
    - ``refine`` (True, False with the kexue2019 preset): run the refine stage
      (:mod:`cikuang.refine`), which segments the corpus with the discovered words and merges
      pairs of characters that stay together as tokens, and splits two-character words that
      their parts explain. It costs one more pass and adds 2-3 F points of segmentation.
    - the word list (see :mod:`cikuang.wordlist`): ``sort`` ("score", or "count"), ``min_cohesion``
      and ``min_entropy`` (nats; automatic by default), ``min_length`` (2 units), ``han_only``
      (False), ``compounds`` (False: also offer two words that stand together as tokens, see
      :func:`cikuang.refine.compounds`), ``stopwords`` (a path, or a collection of characters or words that may not begin
      or end a word), ``word_list`` (True; False: every entry is a word, as in the kexue2019 preset).
    - ``neighbours`` (True): count occurrences and neighbours (one more pass over the corpus),
      which the word list needs; with False those columns are empty and every entry is a word.
    - ``workers`` (all cores), ``memory`` ("2G"): parallelism and the count tables' memory budget.
    - ``encoding``, ``errors``, ``glob``, ``jsonl_field``, ``input_format`` (``text``, ``json``,
      ``parquet``, ``orc``), ``text_column``: how inputs are read (see :class:`Corpus`).
    - ``progress`` (False): show progress bars on stderr.
    - ``contexts`` (0): with K > 0, a ``Discoverer`` samples K contexts of each word of the word list
      (one more read of the corpus, :mod:`cikuang.contexts`): ``contexts_``, the jsonl ``contexts``
      field of :meth:`Discoverer.save`, and the report's examples (:func:`cikuang.report`).
    - ``engine`` ("local"): ``"spark"`` runs every corpus-sized stage on Spark (``pip install
      "cikuang[spark]"``), with the same output; ``spark`` is a SparkSession to use (implies
      ``engine="spark"``), ``spark_master`` the master of a new one (default ``local[*]``). Inputs
      are then paths Spark reads (local, ``hdfs://``, ``s3a://``...), texts, or a Spark DataFrame
      with a text column. See docs/scaling.md.

    The result holds every entry the segmenter needs; its word list (``lexicon.word_list()``) holds
    those that are words by their own statistics, ranked by the word score (see :mod:`cikuang.wordlist`).

    >>> from cikuang.demo import demo_path
    >>> lexicon = discover(demo_path())                 # 三国演义, 1.8 MB
    >>> [e.word for e in lexicon.word_list(4)]
    ['吕布', '丞相', '袁绍', '魏延']
    >>> lexicon.get("孔明").count, lexicon.get("孔明").occurrences, lexicon.get("孔明").status
    (1109, 1690, 'word')
    """
    fitted = Discoverer(**params).fit(inputs, texts=texts)
    return fitted.emergence_ if params.get("against") is not None else fitted.lexicon_


def count(inputs=None, order: int = 4, *, texts=None, workers: int | None = None, memory="2G", tmp_dir=None,
          progress: bool = False, engine: str | None = None, spark=None, spark_master: str | None = None,
          **corpus_options):
    """Exact counts of every n-gram of 1..``order`` units within clauses of ``inputs``.

    ``inputs`` and ``texts`` as for :func:`cikuang.discover`; ``corpus_options`` are ``encoding``,
    ``errors``, ``glob``, ``jsonl_field``, ``input_format`` and ``text_column``. Returns a
    :class:`~cikuang.ngrams.NgramTable` (``save``, ``to_dict``, ``n_units``); with ``engine="spark"`` (or ``spark=`` a SparkSession) the counts
    stay in Spark, in a table that saves the same file.

    >>> table = count(texts=["天下大势，分久必合"], order=2)
    >>> table.to_dict()["天下"], table.n_units
    (1, 8)
    """
    check_order(order, COUNT_ORDERS)
    read = ReadSpec(**corpus_options)
    run = RunSpec(engine=engine, workers=workers, memory=memory, tmp_dir=tmp_dir, spark_master=spark_master)
    with make_engine(inputs, read, run, spark=spark, progress=progress, texts=texts) as eng:
        return count_ngrams(eng, order)
