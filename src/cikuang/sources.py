"""What an input is: the one rule by which both engines tell paths from texts.

:func:`resolve` turns the ``inputs`` of :func:`cikuang.discover` (and ``texts=``) into
:class:`Sources`: paths, texts, or a Spark DataFrame's text column.

* ``texts=`` (any iterable of ``str``) is always texts; ``inputs`` is then not given.
* A ``str`` or path-like is one path (a file, a directory, ``"-"`` for stdin, a glob pattern, or a
  URL such as ``s3://bucket/dir``). In a list, ``"-"``, ``"."`` and ``".."`` are texts; give
  path-likes (``Path(".")``) for those.
* A list or tuple is paths when its first item is a path-like or names an existing file or
  directory, or when any item looks like a path (a URL, ends with a file suffix such as ``.txt``
  or ``.gz``, a glob such as ``*.txt`` or ``dir/part-*``, starts with ``/``, ``./``, ``../`` or
  ``~/``; never a string with a line break); a path-looking item that does not exist is an
  error naming it. A list of which no item is a path
  is texts, as is any other iterable (a generator, a pandas Series). A list that mixes paths and
  texts is an error: give texts as ``texts=``.
* A pandas or Spark DataFrame is its text column: ``text_column=``, else its only string column,
  else a column named ``text`` or ``value``; otherwise an error naming the string columns.

Missing values among texts (``None``, NaN, pandas' ``NA``) are skipped, on both engines, and a
warning says how many (:func:`warn_missing`).
"""
from __future__ import annotations

import glob as globlib
import math
import os
import re
import warnings
from collections.abc import Iterable
from typing import NamedTuple

from .errors import CikuangError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
#: Endings that make a string a path rather than a text (compared in lower case).
PATH_SUFFIXES = (".txt", ".text", ".gz", ".bz2", ".xz", ".zst", ".zstd", ".json", ".jsonl", ".ndjson", ".csv",
                 ".tsv", ".parquet", ".orc", ".seg")


class MissingTextsWarning(UserWarning):
    """Some texts were missing values (None or NaN) and were skipped."""


class Texts:
    """An explicit iterable of texts (what ``texts=`` wraps), never taken for paths."""

    def __init__(self, texts):
        if isinstance(texts, (str, bytes)) or not isinstance(texts, Iterable):
            raise CikuangError(f"texts must be an iterable of str (texts=[...]), not {type(texts).__name__}")
        self.texts = texts


class AsPath(str):
    """A path as given, never taken for a text (``hdfs://host/dir`` stays as it is, where
    :class:`pathlib.Path` would make it ``hdfs:/host/dir``): what the command line passes."""

    def __fspath__(self) -> str:
        return str(self)


class Sources(NamedTuple):
    """Resolved inputs: exactly one of ``paths`` (strings, URLs as given), ``texts`` or ``frame``
    (a Spark DataFrame, read through its column ``column``)."""

    paths: list | None = None
    texts: Iterable | None = None
    frame: object | None = None
    column: str | None = None

    @property
    def name(self) -> str:
        if self.paths is not None:
            return ", ".join(self.paths)
        return "<DataFrame>" if self.frame is not None else "<texts>"


def is_url(s: str) -> bool:
    """``scheme://...`` (``file://`` included)."""
    return bool(_SCHEME.match(s))


def local_path(s: str) -> str:
    """The path of a ``file://`` URL; anything else as it is."""
    return s[7:] if s.lower().startswith("file://") else s


def is_remote(s: str) -> bool:
    """A URL whose scheme is not ``file``: read by fsspec (local engine) or Hadoop (Spark)."""
    return is_url(s) and not s.lower().startswith("file:")


def has_magic(s: str) -> bool:
    return globlib.has_magic(s)


_PATHY = re.compile(  # what looks_like_path says, as one pattern (applied by C loops to long lists)
    r"(?i)(?=[^\n\r]{1,4096}\Z)(?:[a-z][a-z0-9+.-]*://.*|(?:/|\./|\.\./|~/).*"
    r"|.*(?:" + "|".join(re.escape(x) for x in PATH_SUFFIXES) + r")|.*/.*\*)\Z")


def looks_like_path(s: str) -> bool:
    """Whether a string that does not exist is still meant as a path (see the module doc): no line
    break, at most 4096 characters, and a URL, a suffix of :data:`PATH_SUFFIXES`, a leading
    ``/ ./ ../ ~/``, or a path ending in ``*`` (``corpus/part-*``)."""
    return bool(_PATHY.match(s))


def _names_path(s: str) -> bool:
    """An existing file or directory, named with a letter or digit at least (``.``, ``..`` and
    ``-`` are texts in a list: the current directory is no one's corpus by accident)."""
    if "\n" in s or "\0" in s or not s or len(s) > 4096 or not any(ch.isalnum() for ch in s):
        return False
    try:
        return os.path.exists(s)
    except (OSError, ValueError):
        return False


def is_missing(x) -> bool:
    """None, a float NaN, or pandas' NA/NaT."""
    if x is None:
        return True
    if isinstance(x, float):
        return math.isnan(x)
    return type(x).__name__ in ("NAType", "NaTType")


def warn_missing(n: int, name: str = "<texts>") -> None:
    """The one warning for skipped missing values."""
    if n:
        warnings.warn(f"cikuang: skipped {n:,} missing text{'s' if n != 1 else ''} (None or NaN) in {name}",
                      MissingTextsWarning, stacklevel=2)


def is_spark_frame(obj) -> bool:
    return type(obj).__module__.split(".")[0] == "pyspark" and hasattr(obj, "rdd") and hasattr(obj, "schema")


def is_pandas(obj) -> bool:
    return type(obj).__module__.split(".")[0] == "pandas"


def choose_column(strings: list[str], columns: list[str], text_column: str | None, what: str = "the DataFrame") -> str:
    """The text column of a table with ``columns``, of which ``strings`` hold strings."""
    if text_column is not None:
        if text_column not in columns:
            raise CikuangError(f"{what} has no column {text_column!r} (its columns: {', '.join(columns)})")
        if text_column not in strings:
            raise CikuangError(f"column {text_column!r} of {what} does not hold strings "
                               f"(string columns: {', '.join(strings) or 'none'})")
        return text_column
    if len(strings) == 1:
        return strings[0]
    for guess in ("text", "value"):
        if guess in strings:
            return guess
    if not strings:
        raise CikuangError(f"{what} has no string column (its columns: {', '.join(columns)})")
    raise CikuangError(f"{what} has string columns {', '.join(strings)}: choose one with text_column= "
                       "(--text-column on the command line)")


def _pandas_texts(obj, text_column):
    if hasattr(obj, "columns"):  # a DataFrame: its text column
        columns = [str(c) for c in obj.columns]
        strings = [str(c) for c, t in zip(obj.columns, obj.dtypes) if t == object or str(t).startswith("str")]
        return obj[choose_column(strings, columns, text_column)]
    return obj


def resolve(inputs, texts=None, text_column: str | None = None) -> Sources:
    """The :class:`Sources` of ``inputs`` (or of ``texts=``), by the rule of the module doc."""
    if texts is not None:
        if inputs is not None:
            raise CikuangError("give inputs (paths) or texts=, not both")
        inputs = Texts(texts)
    if isinstance(inputs, Texts):
        t = inputs.texts
        return Sources(texts=_pandas_texts(t, text_column) if is_pandas(t) else t)
    if inputs is None:
        raise CikuangError("no input given")
    if is_spark_frame(inputs):
        from pyspark.sql.types import StringType

        columns = list(inputs.columns)
        strings = [f.name for f in inputs.schema.fields if isinstance(f.dataType, StringType)]
        return Sources(frame=inputs, column=choose_column(strings, columns, text_column))
    if is_pandas(inputs):
        return Sources(texts=_pandas_texts(inputs, text_column))
    if isinstance(inputs, (str, os.PathLike)):
        s = os.fspath(inputs)
        if isinstance(s, bytes):
            s = os.fsdecode(s)
        if not isinstance(inputs, os.PathLike) and s not in ("-", ".", "..") and not _names_path(s) \
                and not looks_like_path(s):
            raise CikuangError(f"no such file or directory: {_short(s)!r} (to mine literal text, pass "
                               "texts=[...])")
        return Sources(paths=[s])
    if isinstance(inputs, (bytes, bytearray)):
        raise CikuangError("inputs must be paths or texts (str), not bytes")
    if isinstance(inputs, (list, tuple)) and inputs:
        return _classify_list(inputs)
    if not isinstance(inputs, Iterable):
        raise CikuangError(f"inputs must be a path, a list of paths, or texts, not {type(inputs).__name__}")
    return Sources(texts=inputs)


def _short(s: str) -> str:
    return s if len(s) <= 40 else s[:40] + "…"


def _classify_list(items) -> Sources:
    # Only the first item is looked up on disk unless the list is paths: a list of a million texts
    # costs no million system calls.
    first = items[0]
    by_disk = isinstance(first, os.PathLike) or (isinstance(first, str) and (looks_like_path(first)
                                                                             or _names_path(first)))
    if not by_disk:
        try:  # the common case, a list of texts, in one C loop
            if next(filter(_PATHY.match, items), None) is None:
                return Sources(texts=items)
        except TypeError:  # not all str: item by item
            pass
    paths, missing, text = [], None, None
    for x in items:
        plain = type(x) is str  # (the PathLike check is slow: an ABC)
        if not plain and isinstance(x, os.PathLike):
            paths.append(os.fsdecode(os.fspath(x)))
        elif (plain or isinstance(x, str)) and looks_like_path(x):
            paths.append(x)
            if missing is None and not (is_url(x) or has_magic(x)) and not _names_path(x):
                missing = x
        elif by_disk and isinstance(x, str) and _names_path(x):
            paths.append(x)
        elif text is None:
            text = x
    if not paths:
        return Sources(texts=items)
    if text is not None:
        shown = _short(text) if isinstance(text, str) else text
        raise CikuangError(f"inputs mix paths ({_short(paths[0])!r}) and texts ({shown!r}): give paths as "
                           "inputs and literal texts as texts=[...]")
    if missing is not None:
        raise CikuangError("no such file or directory (to mine literal text, pass texts=[...])", missing)
    return Sources(paths=paths)
