"""Streaming corpora: the one input abstraction of every stage.

A :class:`Corpus` yields the text of its sources as :class:`Piece` s, each ending where a clause
ends (or marked as continued), so that pieces can be encoded independently and their unit streams
concatenated with the same result as encoding the whole text at once. No source is ever read
whole: files are decoded in blocks of a few MB, and a piece is cut at the last newline of a block.
In a line longer than :data:`MAX_CARRY` characters the cut falls after its last punctuation or
space or, in a clause that long, before a Han character, and the piece is marked
``ends_clause=False`` so that the clause goes on, unbroken, in the next piece
(see :func:`cikuang.textmodel.last_safe_cut`).

Sources are files (``.gz .bz2 .xz .zst`` decompressed on the fly), directories (searched
recursively with a glob, ``*.txt`` by default), ``"-"`` for standard input, or any iterable of
strings (one document each). ``jsonl_field`` reads JSON lines and takes one field of each.
"""
from __future__ import annotations

import bz2
import codecs
import fnmatch
import gzip
import io
import json
import lzma
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from .errors import CikuangError
from .textmodel import last_safe_cut

BLOCK_BYTES = 1 << 22
#: A line longer than this is split at its last punctuation or space (or before a Han character):
#: what a worker encodes at a time, and so its memory, stays bounded however long the lines.
MAX_CARRY = 1 << 21
_DECOMPRESS_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError)


class Piece(NamedTuple):
    """A piece of corpus text; ``ends_clause`` is False when its last clause goes on in the next."""

    text: str
    ends_clause: bool = True


def _open_binary(path: Path) -> io.BufferedIOBase:
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return gzip.open(path, "rb")
    if suffix == ".bz2":
        return bz2.open(path, "rb")
    if suffix == ".xz":
        return lzma.open(path, "rb")
    if suffix == ".zst":
        return io.BufferedReader(_ZstdReader(open(path, "rb")), 1 << 20)
    return open(path, "rb")


class _ZstdReader(io.RawIOBase):
    """A .zst file decompressed frame by frame, with an error at a truncated frame.

    (zstandard's ``stream_reader`` returns what it has when the input ends inside a frame, so a
    truncated file would be read as complete; ``decompressobj`` says whether its frame ended.)
    """

    def __init__(self, raw):
        import zstandard

        self._raw = raw
        self._new = zstandard.ZstdDecompressor().decompressobj
        self._frame = self._new()
        self._in_frame = False  # some of the current frame has been read
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = self._raw.read(1 << 20)
            if not chunk:
                if self._in_frame and not self._frame.eof:
                    raise EOFError("compressed file ended before the end-of-stream marker was reached")
                return 0
            out = []
            while chunk:
                out.append(self._frame.decompress(chunk))
                self._in_frame = True
                if not self._frame.eof:
                    break
                chunk = self._frame.unused_data  # the next frame starts here
                self._frame = self._new()
                self._in_frame = bool(chunk)
            self._pending = b"".join(out)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


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
    ):
        if errors not in ("strict", "replace"):
            raise CikuangError(f"errors must be 'strict' or 'replace', not {errors!r}")
        self.encoding = _normal_encoding(encoding)
        self.errors = errors
        self.glob = glob
        self.jsonl_field = jsonl_field
        self._texts = texts
        self.paths = self._expand([str(s) for s in sources]) if texts is None else []

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> "Corpus":
        """A corpus of in-memory documents (any iterable of ``str``, consumed once)."""
        return cls(texts=texts)

    @classmethod
    def from_inputs(cls, inputs, **kwargs) -> "Corpus":
        """Interpret the ``inputs`` of :func:`cikuang.discover`.

        A ``str`` or path-like is one path; an iterable of path-likes is several paths; any other
        iterable is a stream of texts. A :class:`Corpus` is returned as it is.
        """
        if isinstance(inputs, Corpus):
            return inputs
        if inputs is None:
            raise CikuangError("no input given")
        if isinstance(inputs, (str, os.PathLike)):
            return cls([inputs], **kwargs)
        if isinstance(inputs, (list, tuple)) and inputs and all(isinstance(x, os.PathLike) for x in inputs):
            return cls(inputs, **kwargs)
        return cls(texts=inputs, **kwargs)

    def _expand(self, sources: list[str]) -> list[str]:
        paths: list[str] = []
        for src in sources:
            if src == "-":
                paths.append(src)
                continue
            p = Path(src)
            if p.is_dir():
                found = _find(p, self.glob)
                if not found:
                    raise CikuangError(f"directory has no files matching {self.glob!r}", src)
                paths.extend(found)
            elif p.exists():
                paths.append(src)
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
        return sum(os.path.getsize(p) for p in self.paths)

    def pieces(self, progress=None) -> Iterator[Piece]:
        """Yield the corpus as :class:`Piece` s.

        ``progress``, if given, is called with the number of source bytes consumed since the last
        call.
        """
        if self._texts is not None:
            for text in self._texts:
                if not isinstance(text, str):
                    raise CikuangError(f"texts must be str, got {type(text).__name__}")
                yield Piece(text + "\n")
            return
        for path in self.paths:
            yield from self._file_pieces(path, progress)

    def _file_pieces(self, path: str, progress) -> Iterator[str]:
        name = "<stdin>" if path == "-" else path
        if path == "-" and sys.stdin is None:
            raise CikuangError("standard input is closed")
        try:
            raw = sys.stdin.buffer if path == "-" else _open_binary(Path(path))
        except OSError as e:
            raise CikuangError(e.strerror or str(e), name) from None
        try:
            if self.jsonl_field is not None:
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
        size = 0
        for lineno, line in enumerate(_lines(stream, name, progress), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise CikuangError(f"line {lineno}: invalid JSON ({e.msg})", name) from None
            if not isinstance(obj, dict) or field not in obj:
                raise CikuangError(f"line {lineno}: no field {field!r}", name)
            value = obj[field]
            if not isinstance(value, str):
                raise CikuangError(f"line {lineno}: field {field!r} is not a string", name)
            batch.append(value)
            size += len(value)
            if size > BLOCK_BYTES:
                yield Piece("\n".join(batch) + "\n")
                batch, size = [], 0
        if batch:
            yield Piece("\n".join(batch) + "\n")


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
