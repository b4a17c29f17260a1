"""Opening a source as bytes: local files or URLs (through fsspec), decompressed by what they hold.

Compression is told by the first bytes of the file (gzip ``1f 8b``, bzip2 ``BZh``, xz
``fd 37 7a 58 5a 00``, zstd ``28 b5 2f fd``), so a gzip file named ``.txt`` is read as gzip; a file
whose first bytes are none of them is decompressed by its suffix (``.gz .bz2 .xz .zst``), which
makes a damaged compressed file an error rather than text, and is otherwise read as it is.

A path with a scheme other than ``file:`` (``s3://``, ``https://``, ``memory://``...) is opened by
fsspec, an optional dependency (``pip install fsspec``, with the file system's own package, such
as s3fs).
"""
from __future__ import annotations

import bz2
import fnmatch
import gzip
import io
import lzma
import zlib

from .errors import CikuangError
from .sources import has_magic, is_remote, local_path

_DECOMPRESS_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError)
_MAGIC_LENGTH = 10


def compression_of(head: bytes, name: str = "") -> str | None:
    """``"gzip"``, ``"bz2"``, ``"xz"``, ``"zstd"`` or None, from a file's first bytes, else its name."""
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[4:10] in (b"\x31\x41\x59\x26\x53\x59",
                                                                     b"\x17\x72\x45\x38\x50\x90"):
        return "bz2"
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz"
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    return {"gz": "gzip", "bz2": "bz2", "xz": "xz", "zst": "zstd", "zstd": "zstd"}.get(suffix)


def fsspec_module(url: str):
    try:
        import fsspec
    except ImportError:
        raise CikuangError("reading a URL with the local engine needs fsspec (pip install fsspec, and the "
                           "file system's package, such as s3fs); or use --engine spark", url) from None
    return fsspec


def _url_fs(url: str):
    fsspec = fsspec_module(url)
    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as e:  # a protocol without its package, or an unknown one
        raise CikuangError(f"cannot open: {e}", url) from None


def expand_url(url: str, pattern: str) -> list[str]:
    """The files a URL names: itself, the files under it that match ``pattern``, or a glob's matches."""
    fs, path = _url_fs(url)
    try:
        if has_magic(path):
            found = sorted(fs.glob(path))
        elif fs.isdir(path):
            found = sorted(p for p in fs.find(path) if fnmatch.fnmatchcase(p.rsplit("/", 1)[-1], pattern))
            if not found:
                raise CikuangError(f"directory has no files matching {pattern!r}", url)
        elif fs.exists(path):
            return [url]
        else:
            raise CikuangError("no such file or directory", url)
    except (OSError, ImportError) as e:
        raise CikuangError(f"cannot read: {e}", url) from None
    if not found:
        raise CikuangError("no file matches", url)
    return [fs.unstrip_protocol(p) for p in found]


def url_size(url: str) -> int | None:
    try:
        fs, path = _url_fs(url)
        return fs.size(path)
    except Exception:
        return None


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were read already (to tell its compression)."""

    def __init__(self, head: bytes, raw):
        self._head, self._raw = head, raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n], self._head = self._head[:n], self._head[n:]
            return n
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_raw(path: str):
    """The undecoded bytes of a local path or a URL."""
    if is_remote(path):
        fs, p = _url_fs(path)
        try:
            return fs.open(p, "rb")
        except FileNotFoundError:
            raise CikuangError("no such file or directory", path) from None
    return open(local_path(path), "rb")


def open_binary(path: str) -> io.BufferedIOBase:
    """The decompressed bytes of a local path or URL (see the module doc)."""
    raw = open_raw(path)
    try:
        head = raw.read(_MAGIC_LENGTH)
    except BaseException:
        raw.close()
        raise
    stream = io.BufferedReader(_Prefixed(head, raw), 1 << 20)
    kind = compression_of(head, path)
    if kind == "gzip":
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if kind == "bz2":
        return bz2.BZ2File(stream, "rb")
    if kind == "xz":
        return lzma.LZMAFile(stream, "rb")
    if kind == "zstd":
        return io.BufferedReader(_ZstdReader(stream), 1 << 20)
    return stream


def column_batches(path: str, input_format: str, column: str | None):
    """The strings of one column of a Parquet or ORC file, a batch (a list) at a time (needs pyarrow)."""
    from .sources import choose_column

    try:
        import pyarrow as pa
        if input_format == "parquet":
            import pyarrow.parquet as pq
        else:
            import pyarrow.orc as orc
    except ImportError:
        raise CikuangError(f"reading {input_format} with the local engine needs pyarrow (pip install pyarrow); "
                           "or use --engine spark", path) from None
    raw = open_raw(path)
    try:
        if input_format == "parquet":
            f = pq.ParquetFile(raw)
            schema = f.schema_arrow
        else:
            f = orc.ORCFile(raw)
            schema = f.schema
        strings = [fl.name for fl in schema if pa.types.is_string(fl.type) or pa.types.is_large_string(fl.type)]
        name = choose_column(strings, list(schema.names), column, f"the {input_format} file")
        if input_format == "parquet":
            for batch in f.iter_batches(batch_size=1 << 14, columns=[name]):
                yield batch.column(0).to_pylist()
        else:
            for i in range(f.nstripes):
                yield f.read_stripe(i, columns=[name]).column(0).to_pylist()
    except (pa.ArrowException, OSError) as e:
        raise CikuangError(f"cannot read {input_format}: {e}", path) from None
    finally:
        raw.close()


class _ZstdReader(io.RawIOBase):
    """A .zst file decompressed frame by frame, with an error at a truncated frame.

    (zstandard's ``stream_reader`` returns what it has when the input ends inside a frame, so a
    truncated file would be read as complete; ``decompressobj`` says whether its frame ended.)
    """

    def __init__(self, raw):
        try:
            import zstandard
        except ImportError:
            raise CikuangError("reading zstd needs zstandard: pip install zstandard") from None

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
