"""Arrays on the local engine's anonymous temporary files: the unit stream, spill partitions and
``count``'s sort sections.

They are written with ``file.write`` and read with ``readinto``, not with ``ndarray.tofile`` and
``np.fromfile``: those take the file through a C ``FILE*``, and a Ctrl-C that lands while they do
so (in the flush) comes out as ``TypeError: expected str, bytes or os.PathLike object`` (NumPy then
tries the file as a path): a traceback instead of the clean "interrupted" (bench/faults.py,
sigint-count-x10, SIGINT while spill partitions are split again).
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

from ...errors import CikuangError


def anonymous(tmp_dir: str | None, doing: str):
    """A new temporary file without a name in ``tmp_dir`` (the system frees it however the process
    ends); a full or missing directory is a :class:`CikuangError` that says what was ``doing``."""
    try:
        return tempfile.TemporaryFile(dir=tmp_dir)
    except OSError as e:
        raise disk_error(e, tmp_dir, doing) from None


def append(f, array: np.ndarray, tmp_dir: str | None, doing: str) -> None:
    """Write ``array``'s bytes at the end of what ``f`` holds."""
    try:
        f.write(np.ascontiguousarray(array).view(np.uint8))
    except OSError as e:
        raise disk_error(e, tmp_dir, doing) from None


def read(f, dtype, count: int = -1) -> np.ndarray:
    """Up to ``count`` records of ``dtype`` from ``f``'s position (all that is left: -1)."""
    dtype = np.dtype(dtype)
    if count < 0:
        count = (os.fstat(f.fileno()).st_size - f.tell()) // dtype.itemsize
    out = np.empty(max(0, count), dtype=dtype)
    view, got = out.view(np.uint8), 0
    while got < len(view):
        n = f.readinto(view[got:])
        if not n:
            break
        got += n
    return out[: got // dtype.itemsize]


def disk_error(e: OSError, tmp_dir: str | None, doing: str) -> CikuangError:
    return CikuangError(f"cannot {doing}: {e.strerror or e}", tmp_dir or tempfile.gettempdir())
