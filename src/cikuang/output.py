"""Output files written atomically: a failed run never leaves a partial file or damages an old one."""
from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile

from .errors import CikuangError


@contextlib.contextmanager
def atomic_output(path):
    """A text file that appears at ``path`` only if the block completes; ``-``/None is stdout."""
    if path is None or str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CikuangError("output directory does not exist", path)
    fd, tmp = tempfile.mkstemp(prefix=".cikuang-", suffix=".tmp", dir=directory)
    try:
        with io.open(fd, "w", encoding="utf-8", newline="\n") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
