"""Streaming corpora: the one input abstraction of every stage.

A :class:`Corpus` yields the text of its sources as :class:`Piece` s, each ending where a clause
ends (or marked as continued), so that pieces can be encoded independently and their unit streams
concatenated with the same result as encoding the whole text at once. No source is ever read
whole: files are decoded in blocks of a few MB, and a piece is cut at the last newline of a block.
In a line longer than :data:`MAX_CARRY` characters the cut falls after its last punctuation or
space or, in a clause that long, before a Han character, and the piece is marked
``ends_clause=False`` so that the clause goes on, unbroken, in the next piece
(see :func:`cikuang.textmodel.last_safe_cut`).

Sources are files (gzip, bzip2, xz and zstd decompressed on the fly, told by their first bytes:
:mod:`cikuang.openers`), directories (searched recursively with a glob, ``*.txt`` by default),
glob patterns, URLs (``s3://``, ``https://``... through fsspec), ``"-"`` for standard input, or any
iterable of strings (one document each; None and NaN are skipped). ``input_format`` is ``text``,
``json`` (JSON lines: the field ``text_column`` of each; ``jsonl_field`` says the same), or
``parquet`` / ``orc`` (the column ``text_column``; needs pyarrow). Which inputs are paths and which
texts is decided by :func:`cikuang.sources.resolve`.
"""
from __future__ import annotations

import codecs
import fnmatch
import glob as globlib
import io
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from .errors import CikuangError
from .openers import _DECOMPRESS_ERRORS, column_batches, expand_url, open_binary, url_size
from .sources import choose_column, has_magic, is_missing, is_remote, local_path, resolve, warn_missing
from .textmodel import last_safe_cut

BLOCK_BYTES = 1 << 22
#: A line longer than this is split at its last punctuation or space (or before a Han character):
#: what a worker encodes at a time, and so its memory, stays bounded however long the lines.
MAX_CARRY = 1 << 21
INPUT_FORMATS = ("text", "parquet", "orc", "json")
#: The file pattern inside directories for each input format, when ``glob`` is left at ``*.txt``.
FORMAT_GLOBS = {"text": "*.txt", "parquet": "*.parquet", "orc": "*.orc", "json": "*.json*"}


class Piece(NamedTuple):
    """A piece of corpus text; ``ends_clause`` is False when its last clause goes on in the next."""

    text: str
    ends_clause: bool = True


def _normal_encoding(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise CikuangError(f"unknown encoding {encoding!r}") from None
    return "utf-8-sig" if name == "utf-8" else name  # a BOM is tolerated, never counted


class Corpus:
    """Text from files, directories, standard input, or strings, streamed in pieces.

    >>> pieces = list(Corpus.from_texts(["曹操引兵", "孔明笑曰"]).pieces())
    >>> "".join(p.text for p in pieces)
    '曹操引兵\\n孔明笑曰\\n'
    """

    def __init__(
        self,
        sources: Iterable[str | os.PathLike] = (),
        *,
        encoding: str = "utf-8",
        errors: str = "strict",
        glob: str = "*.txt",
        jsonl_field: str | None = None,
        texts: Iterable[str] | None = None,
        input_format: str = "text",
        text_column: str | None = None,
    ):
        if errors not in ("strict", "replace"):
            raise CikuangError(f"errors must be 'strict' or 'replace', not {errors!r}")
        if input_format not in INPUT_FORMATS:
            raise CikuangError(f"input format must be one of {', '.join(INPUT_FORMATS)}, not {input_format!r}")
        if jsonl_field is not None:  # --jsonl-field NAME is --input-format json --text-column NAME
            if input_format not in ("text", "json") or text_column not in (None, jsonl_field):
                raise CikuangError("jsonl_field reads JSON lines: give it, or input_format='json' and text_column")
            input_format, text_column = "json", jsonl_field
        self.encoding = _normal_encoding(encoding)
        self.errors = errors
        self.input_format = input_format
        self.text_column = text_column
        self.jsonl_field = text_column if input_format == "json" else None
        self.glob = FORMAT_GLOBS[input_format] if glob == "*.txt" else glob
        self._texts = texts
        self.n_missing = 0  # missing values (None, NaN) skipped among the texts
        self.paths = self._expand([os.fspath(s) for s in sources]) if texts is None else []

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> "Corpus":
        """A corpus of in-memory documents (any iterable of ``str``, consumed once)."""
        return cls(texts=texts)

    @classmethod
    def from_inputs(cls, inputs, texts=None, **kwargs) -> "Corpus":
        """Interpret the ``inputs`` of :func:`cikuang.discover` (or ``texts=``) by the rule of
        :mod:`cikuang.sources`: a path, a list of paths, texts, or a pandas DataFrame's text column.
        A :class:`Corpus` is returned as it is."""
        if isinstance(inputs, Corpus) and texts is None:
            return inputs
        sources = resolve(inputs, texts, kwargs.get("text_column"))
        if sources.frame is not None:
            raise CikuangError("a Spark DataFrame needs the spark engine (engine='spark')")
        if sources.texts is not None:
            return cls(texts=sources.texts, **kwargs)
        return cls(sources.paths, **kwargs)

    def _expand(self, sources: list[str]) -> list[str]:
        paths: list[str] = []
        for src in sources:
            if src == "-":
                paths.append(src)
                continue
            if is_remote(src):
                paths.extend(expand_url(src, self.glob))
                continue
            local = local_path(src)
            p = Path(local)
            if p.is_dir():
                found = _find(p, self.glob)
                if self.input_format != "text":  # a table's directory: hidden files (.crc, _SUCCESS) are no data
                    found = [f for f in found if not os.path.basename(f).startswith((".", "_"))]
                if not found:
                    raise CikuangError(f"directory has no files matching {self.glob!r}", src)
                paths.extend(found)
            elif p.exists():
                paths.append(local)
            elif has_magic(local):
                found = sorted(f for f in globlib.glob(local, recursive=True) if os.path.isfile(f))
                if not found:
                    raise CikuangError("no file matches", src)
                paths.extend(found)
            else:
                raise CikuangError("no such file or directory", src)
        return paths

    @property
    def name(self) -> str:
        """How errors name this corpus: its paths, or ``<texts>``."""
        return ", ".join(self.paths) if self.paths else "<texts>"

    def size_bytes(self) -> int | None:
        """Total size on disk of the sources (compressed sizes), None when unknown (texts, stdin)."""
        if self._texts is not None or "-" in self.paths:
            return None
        sizes = [url_size(p) if is_remote(p) else os.path.getsize(p) for p in self.paths]
        return None if None in sizes else sum(sizes)

    def pieces(self, progress=None) -> Iterator[Piece]:
        """Yield the corpus as :class:`Piece` s.

        ``progress``, if given, is called with the number of source bytes consumed since the last
        call. Missing values among texts (None, NaN) are skipped, counted in ``n_missing`` and
        reported by one warning (:func:`cikuang.sources.warn_missing`).
        """
        if self._texts is not None:
            yield from self._text_items(self._texts, "<texts>")
            return
        for path in self.paths:
            yield from self._file_pieces(path, progress)

    def _text_items(self, texts, name: str) -> Iterator[Piece]:
        missing = 0
        for text in texts:
            if not isinstance(text, str):
                if is_missing(text):
                    missing += 1
                    continue
                hint = " (give paths in a list)" if isinstance(text, os.PathLike) else ""
                raise CikuangError(f"texts must be str, got {type(text).__name__}{hint}", None if name == "<texts>"
                                   else name)
            yield Piece(text + "\n")
        self.n_missing += missing
        warn_missing(missing, name)

    def _file_pieces(self, path: str, progress) -> Iterator[str]:
        name = "<stdin>" if path == "-" else path
        if path == "-" and sys.stdin is None:
            raise CikuangError("standard input is closed")
        if self.input_format in ("parquet", "orc"):
            yield from self._text_items((t for batch in column_batches(path, self.input_format, self.text_column)
                                         for t in batch), name)
            return
        try:
            raw = sys.stdin.buffer if path == "-" else open_binary(path)
        except OSError as e:
            raise CikuangError(e.strerror or str(e), name) from None
        try:
            if self.jsonl_field is not None or self.input_format == "json":
                yield from self._jsonl_pieces(raw, name, progress)
            else:
                yield from self._text_pieces(raw, name, progress)
        finally:
            if path != "-":
                raw.close()

    def _read_blocks(self, raw, name: str, progress) -> Iterator[bytes]:
        while True:
            try:
                block = raw.read(BLOCK_BYTES)
            except _DECOMPRESS_ERRORS as e:
                raise CikuangError(f"cannot read: {e}", name) from None
            except Exception as e:  # zstandard's errors derive from Exception only
                if type(e).__module__.startswith("zstandard"):
                    raise CikuangError(f"cannot read: {e}", name) from None
                raise
            if not block:
                return
            if progress is not None:
                progress(len(block))
            yield block

    def _decode_error(self, name: str, e: UnicodeDecodeError, offset: int) -> CikuangError:
        return CikuangError(
            f"byte {offset}: invalid {self.encoding.replace('-sig', '')} data "
            f"({e.reason}); use --errors replace to substitute U+FFFD",
            name,
        )

    def _text_pieces(self, raw, name: str, progress) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)(self.errors)
        offset = 0  # bytes of the source fed to the decoder so far
        carry = ""
        for block in self._read_blocks(raw, name, progress):
            pending = len(decoder.getstate()[0])
            # utf-8-sig reports positions after the BOM it strips from the first block
            bom = 3 if offset == 0 and self.encoding == "utf-8-sig" and block.startswith(codecs.BOM_UTF8) else 0
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as e:
                raise self._decode_error(name, e, offset - pending + bom + e.start) from None
            except UnicodeError as e:  # e.g. utf-16 without a BOM
                raise CikuangError(f"cannot decode as {self.encoding}: {e}", name) from None
            offset += len(block)
            carry += text
            cut = carry.rfind("\n") + 1
            ends_clause = True
            if cut == 0 and len(carry) > MAX_CARRY:
                cut, ends_clause = last_safe_cut(carry)
            if cut:
                yield Piece(carry[:cut], ends_clause)
                carry = carry[cut:]
        try:
            carry += decoder.decode(b"", final=True)
        except UnicodeDecodeError as e:
            raise self._decode_error(name, e, offset - len(decoder.getstate()[0]) + e.start) from None
        except UnicodeError as e:
            raise CikuangError(f"cannot decode as {self.encoding}: {e}", name) from None
        if carry:
            yield Piece(carry + "\n")

    def _jsonl_pieces(self, raw, name: str, progress) -> Iterator[str]:
        field = self.jsonl_field
        stream = io.TextIOWrapper(raw, encoding=self.encoding, errors=self.errors, newline="")
        batch: list[str] = []
        size = missing = 0
        for lineno, line in enumerate(_lines(stream, name, progress), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise CikuangError(f"line {lineno}: invalid JSON ({e.msg})", name) from None
            if field is None and isinstance(obj, dict):  # the text column, by the rule of DataFrames
                field = choose_column([k for k, v in obj.items() if isinstance(v, str)], list(obj),
                                      None, f"line {lineno}")
            if not isinstance(obj, dict) or field not in obj:
                raise CikuangError(f"line {lineno}: no field {field!r}", name)
            value = obj[field]
            if value is None:  # null: a missing value, skipped as in a DataFrame
                missing += 1
                continue
            if not isinstance(value, str):
                raise CikuangError(f"line {lineno}: field {field!r} is not a string", name)
            batch.append(value)
            size += len(value)
            if size > BLOCK_BYTES:
                yield Piece("\n".join(batch) + "\n")
                batch, size = [], 0
        if batch:
            yield Piece("\n".join(batch) + "\n")
        self.n_missing += missing
        warn_missing(missing, name)


def _find(directory: Path, pattern: str) -> list[str]:
    """The files under ``directory`` whose names match ``pattern``, sorted; a directory that
    cannot be read is an error, not a silent gap."""
    if os.path.isabs(pattern):
        raise CikuangError(f"--glob takes a pattern relative to the directory, such as *.txt, not {pattern!r}")
    nested = "/" in pattern  # sub/*.txt: matched against the path below the directory, at any depth

    def refuse(e: OSError):
        raise CikuangError(f"cannot read directory: {e.strerror or e}", e.filename or str(directory))

    found = []
    for root, dirs, files in os.walk(directory, onerror=refuse):
        dirs.sort()
        for f in files:
            path = os.path.join(root, f)
            rel = os.path.relpath(path, directory) if nested else f
            if (fnmatch.fnmatchcase(rel, pattern) or nested and fnmatch.fnmatchcase(rel, "*/" + pattern)) \
                    and os.path.isfile(path):
                found.append(path)
    return sorted(found)


def _lines(stream, name: str, progress) -> Iterator[str]:
    try:
        for line in stream:
            if progress is not None:
                progress(len(line))
            yield line
    except UnicodeDecodeError as e:
        raise CikuangError(f"invalid {e.encoding} data ({e.reason}); use --errors replace", name) from None
    except UnicodeError as e:
        raise CikuangError(f"cannot decode: {e}", name) from None
    except _DECOMPRESS_ERRORS as e:
        raise CikuangError(f"cannot read: {e}", name) from None
    except Exception as e:
        if type(e).__module__.startswith("zstandard"):
            raise CikuangError(f"cannot read: {e}", name) from None
        raise
