"""Output files written atomically: a failed run never leaves a partial file or damages an old one.

:func:`atomic_output` writes to an anonymous file in the target's directory (``O_TMPFILE`` where the
file system has it, so a killed run leaves nothing behind) and gives it the target's name only when
the writing is complete. What the target is decides the rest:

* a regular file, or nothing: replaced at once when complete, with the mode of the file it replaces,
  or that of a new file under the umask (as ``open`` would make it);
* a symbolic link: the file it points to is replaced, and the link stays a link;
* a character device, a FIFO or a socket (``/dev/null``, a pipe): written directly, never replaced;
* a directory, a path in a directory that does not exist, an empty path: a one-line error.

A write that fails (a full disk, standard output closed or full) is a one-line error naming the
output, and leaves the target as it was.
"""
from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import stat
import sys
import tempfile

from .errors import CikuangError

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def check_output(path) -> str:
    """The path to write for ``path`` (a link's target), or a one-line error if it cannot be
    written; checked before the work, so a long run does not fail at its end."""
    path = os.fspath(path)
    if path == "":
        raise CikuangError("the output path is empty")
    if _URL.match(path):
        raise CikuangError("a URL is written only by the spark engine (--engine spark: any Hadoop file system; "
                           "in Python, Discoverer.save); give a local path", path)
    real = os.path.realpath(path)  # a symbolic link is written through
    if os.path.isdir(real):
        raise CikuangError("output is a directory", path)
    directory = os.path.dirname(real)
    if not os.path.isdir(directory):
        raise CikuangError("output directory does not exist", path)
    if _is_special(real):
        if not os.access(real, os.W_OK):
            raise CikuangError("output is not writable", path)
    elif not os.access(directory, os.W_OK | os.X_OK):
        raise CikuangError("output directory is not writable", path)
    return real


def _is_special(path: str) -> bool:
    """A character device, FIFO or socket: written in place, never renamed over."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISBLK(mode)


def _write_error(e: OSError, name: str) -> CikuangError:
    return CikuangError(f"cannot write: {e.strerror or e}", name)


@contextlib.contextmanager
def atomic_output(path):
    """A text file that appears at ``path`` only if the block completes; ``-``/None is stdout."""
    if path is None or str(path) == "-":
        with _stdout() as out:
            yield out
        return
    name = os.fspath(path)
    real = check_output(name)
    if _is_special(real):
        try:
            with open(real, "w", encoding="utf-8", newline="\n") as f:
                yield f
        except OSError as e:
            raise _write_error(e, name) from None
        return
    directory = os.path.dirname(real)
    fd, tmp = _anonymous(directory)
    try:
        with io.open(fd, "w", encoding="utf-8", newline="\n") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), _mode_for(real))
            _give_name(f.fileno(), tmp, real, directory)
    except OSError as e:
        _discard(tmp)
        raise _write_error(e, name) from None
    except BaseException:
        _discard(tmp)
        raise


def _anonymous(directory: str) -> tuple[int, str | None]:
    """A file descriptor open for writing in ``directory``: an unnamed file (``O_TMPFILE``) where
    it can be given a name once written, else a hidden named one (whose name is returned, to
    rename or remove)."""
    flag = getattr(os, "O_TMPFILE", 0)
    if flag:
        try:
            fd = os.open(directory, flag | os.O_WRONLY, 0o600)
        except OSError:
            fd = -1  # this file system has no O_TMPFILE
        if fd >= 0:
            if _can_name_unnamed(directory, flag):
                return fd, None
            os.close(fd)
    fd, tmp = tempfile.mkstemp(prefix=".cikuang-", suffix=".tmp", dir=directory)
    return fd, tmp


def _can_name_unnamed(directory: str, flag: int) -> bool:
    """Can an unnamed file be given a name in ``directory``? (Tried on an empty one: a file made
    with O_TMPFILE can be linked once only.)"""
    probe = os.path.join(directory, f".cikuang-{os.getpid()}-probe.tmp")
    fd = os.open(directory, flag | os.O_WRONLY, 0o600)
    try:
        _link(fd, probe)
        os.unlink(probe)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _link(fd: int, name: str) -> None:
    """Give the unnamed file ``fd`` the name ``name``: through /proc, else linkat(AT_EMPTY_PATH)."""
    try:
        os.link(f"/proc/self/fd/{fd}", name, follow_symlinks=True)
        return
    except OSError:
        pass
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd, at_empty_path = -100, 0x1000
    if libc.linkat(fd, b"", at_fdcwd, os.fsencode(name), at_empty_path) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), name)


def _give_name(fd: int, tmp: str | None, real: str, directory: str) -> None:
    """Put the finished file at ``real``: link the unnamed file under a temporary name (a link
    cannot replace an existing file), then rename that over the target."""
    if tmp is None:
        tmp = os.path.join(directory, f".cikuang-{os.getpid()}-{fd}.tmp")
        _link(fd, tmp)
    try:
        os.replace(tmp, real)
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: str | None) -> None:
    if tmp is not None:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _mode_for(real: str) -> int:
    """The mode the finished file gets: that of the file it replaces, else 0666 under the umask."""
    try:
        return stat.S_IMODE(os.stat(real).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def _stdout():
    out = sys.stdout
    if out is None:
        raise CikuangError("standard output is closed")
    try:
        yield out
        out.flush()
    except OSError as e:
        if e.errno == errno.EPIPE:
            raise  # the reader has what it wanted (`cikuang ... | head`): the command line ends quietly
        quiet_stdout()
        raise _write_error(e, "standard output") from None


def quiet_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush at exit cannot
    fail again after an error has been reported."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
