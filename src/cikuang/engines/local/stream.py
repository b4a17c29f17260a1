"""The encode stage: a corpus becomes a unit stream, in memory when it fits, else on disk.

The corpus is read once. Its pieces are normalised and pre-tokenised (:mod:`cikuang.textmodel`),
by worker threads when ``workers > 1`` (the compiled pass releases the GIL), and the unit codes
(``uint32``) are kept, together with the count of every unit: in one array while they fit in
``STREAM_SHARE`` of the memory budget (a pass then reads its blocks as views of it, with no read
and no copy), else appended to a file in a temporary directory. Every later pass (n-gram counting,
cutting, neighbours) reads the stream in blocks instead of decoding and normalising the text again,
and a block always ends with a clause boundary, so no window or fragment straddles two blocks.
"""
from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np

from ...corpus import Corpus
from ...textmodel import LATIN_BASE, UnitVocab, encode_units, prepare_tables
from . import records

#: Characters of text handed to a worker at a time.
BATCH_CHARS = 1 << 20
#: What a batch in flight may hold while it is encoded (its text, code points and codes: a batch is
#: at most BATCH_CHARS plus a piece, and a piece at most corpus.MAX_CARRY plus a block; 70 MB
#: measured on a batch of 2.6M characters of a long line).
BATCH_MEMORY = 64 << 20
#: The share of the memory budget the batches in flight may take (at least one is in flight).
BATCH_SHARE = 0.5
#: The share of the memory budget the unit stream may take in memory (4 bytes a code); a larger
#: one goes to a file. On bench-real (27 MB, 9M codes), writing the file and reading every pass's
#: blocks back took 0.16 s of the fit's 2.4 s.
STREAM_SHARE = 0.125
#: Codes reserved for a corpus of unknown size (stdin, texts) at most: the array is only
#: reserved, and a page costs memory when it is written.
UNKNOWN_SIZE_CODES = 1 << 26


def _encode_batch(batch: tuple[str, bool]) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """Codes of one batch (Latin runs numbered in a vocabulary of its own), its Latin runs, and
    the counts of its Han units (by code point) and of its Latin runs (by local number)."""
    text, ends_clause = batch
    vocab = UnitVocab()
    codes = encode_units(text, vocab, ends_clause=ends_clause)
    is_latin = codes >= LATIN_BASE
    han_counts = np.bincount(codes[~is_latin])
    latin_counts = np.bincount(codes[is_latin] - LATIN_BASE, minlength=len(vocab))
    return codes, vocab.latin, han_counts, latin_counts


def _batches(corpus: Corpus, progress) -> Iterator[tuple[str, bool]]:
    """(text, ends_clause) batches of about BATCH_CHARS characters."""
    buf: list[str] = []
    size = 0
    for piece in corpus.pieces(progress):
        buf.append(piece.text)
        size += len(piece.text)
        if size >= BATCH_CHARS:
            yield "".join(buf), piece.ends_clause
            buf, size = [], 0
    if buf:
        yield "".join(buf), True


def _read_at(fd: int, start: int, count: int) -> np.ndarray:
    """``count`` codes from code ``start`` of the file ``fd`` (fewer at its end); no shared file
    position, so threads may read at once."""
    out = np.empty(max(0, count), dtype=np.uint32)  # read straight into it: one copy, from the page cache
    got, view = 0, memoryview(out).cast("B")
    while got < len(view):  # (a read may return less than asked before the end)
        n = os.preadv(fd, [view[got:]], start * 4 + got)
        if n == 0:
            break
        got += n
    return out if got == len(view) else out[: got // 4].copy()


class _CodeBuffer:
    """The codes of the stream while they fit in ``capacity`` codes (an array reserved once:
    its pages take memory as they are written), then in ``file``, which is made at the first
    code that does not fit."""

    def __init__(self, capacity: int, tmp_dir: str | None):
        self.tmp_dir = tmp_dir
        self.codes = np.empty(max(0, capacity), dtype=np.uint32)
        self.n = 0
        self.file = None

    def append(self, codes: np.ndarray) -> None:
        if self.file is None and self.n + len(codes) <= len(self.codes):
            self.codes[self.n: self.n + len(codes)] = codes
        else:
            if self.file is None:
                self.file = records.anonymous(self.tmp_dir, "write the unit stream")
                records.append(self.file, self.codes[: self.n], self.tmp_dir, "write the unit stream")  # what was held
                self.codes = None
            records.append(self.file, codes, self.tmp_dir, "write the unit stream")
        self.n += len(codes)

    def finish(self) -> tuple:
        """(file, codes): the file flushed, or the codes, read-only, if they stayed in memory (the
        reserve beyond them given back)."""
        if self.file is not None:
            self.file.flush()
            return self.file, None
        self.codes.resize(self.n, refcheck=False)  # (realloc: the pages past n were never touched)
        self.codes.flags.writeable = False  # the passes read views of it: none may write into it
        return None, self.codes

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


@dataclass
class UnitStream:
    """A corpus encoded as unit codes (``uint32``, ``0`` between clauses): in the array ``codes``
    when it fits the budget, else in an anonymous temporary ``file``. The file has no name
    (``tempfile.TemporaryFile``: ``O_TMPFILE`` on Linux), so the system frees it when the process
    ends, however it ends (even by ``kill -9``)."""

    file: object  # None when the codes are in memory
    vocab: UnitVocab
    unit_counts: np.ndarray  # indexed by code; entry 0 counts nothing
    n_codes: int  # length of the stream in codes, boundaries included
    _kept_ids: tuple | None = None  # (unit_ids, block_codes, [(offset, ids)]): see keep_ids
    codes: np.ndarray | None = None  # the whole stream, read-only, when it is held in memory

    @property
    def n_units(self) -> int:
        """N: the number of unit tokens in the corpus."""
        return int(self.unit_counts.sum())

    @classmethod
    def encode(
        cls,
        corpus: Corpus,
        tmp_dir: str | None = None,
        *,
        workers: int = 1,
        progress: Callable[[int], None] | None = None,
        memory: int = 2 << 30,
    ) -> "UnitStream":
        """Encode ``corpus`` into a temporary file in ``tmp_dir`` (``progress`` is called with bytes read)."""
        vocab = UnitVocab()
        han_counts = np.zeros(LATIN_BASE, dtype=np.int64)
        latin_counts = np.zeros(1024, dtype=np.int64)
        # A code is a character or a run of them, so no more codes than bytes as a rule; a corpus
        # that has more (or of unknown size, more than the reserve) goes on in the file.
        size = corpus.size_bytes()
        capacity = min(int(memory * STREAM_SHARE) // 4, UNKNOWN_SIZE_CODES if size is None else size + 1)
        if size is not None and size // 2 > capacity:
            capacity = 0  # (Chinese text has a code for 3 bytes or fewer: this one goes to the file)
        out = _CodeBuffer(capacity, tmp_dir)
        try:
            for codes, latin, han, latin_local in _encoded(corpus, workers, progress, max(1, min(2 * workers, int(memory * BATCH_SHARE) // BATCH_MEMORY))):
                if len(codes) == 0:
                    continue
                han_counts[: len(han)] += han
                if latin:
                    remap = vocab.add_all(latin)
                    is_latin = codes >= LATIN_BASE
                    codes[is_latin] = remap[codes[is_latin] - LATIN_BASE]
                    if len(vocab) > len(latin_counts):
                        latin_counts = np.concatenate((latin_counts, np.zeros(len(vocab) + len(latin_counts), np.int64)))
                    latin_counts[remap - LATIN_BASE] += latin_local  # a batch's runs are distinct
                out.append(codes)
            file, held = out.finish()
        except BaseException:
            out.close()
            raise
        han_counts[0] = 0
        return cls(file, vocab, np.concatenate((han_counts, latin_counts[: len(vocab)])), out.n, codes=held)

    def _read(self, start: int, count: int) -> np.ndarray:
        """``count`` codes from code ``start`` (fewer at the end): a read-only view of the codes
        held in memory, or a read of the file (threads may read at once)."""
        if self.codes is not None:
            return self.codes[start: start + max(0, count)]
        return _read_at(self.file.fileno(), start, count)

    def blocks(self, block_codes: int = 1 << 22) -> Iterator[tuple[int, np.ndarray]]:
        """(offset, codes) blocks that each end with a boundary and together cover the stream."""
        offset = 0
        size = block_codes
        while offset < self.n_codes:
            block = self._read(offset, size)
            ends = np.flatnonzero(block == 0)
            if len(ends) == 0:  # a clause longer than the block: read more of it
                size *= 2
                continue
            block = block[: ends[-1] + 1]
            yield offset, block
            offset += len(block)
            size = block_codes

    def keep_ids(self, unit_ids, max_bytes: int, block_codes: int = 1 << 21) -> bool:
        """Map the stream to dense ids once and keep the blocks in memory, if they fit in ``max_bytes``.

        Every later pass then reads them from memory instead of reading and mapping the file again.
        """
        self._kept_ids = None  # (ids of other units, if kept before: freed first)
        if self.n_codes * 4 > max_bytes:
            return False
        blocks = [(offset, unit_ids.map(codes)) for offset, codes in self.blocks(block_codes)]
        self._kept_ids = (unit_ids, block_codes, blocks)
        return True

    def id_blocks(self, unit_ids, block_codes: int = 1 << 22) -> Iterator[tuple]:
        """(offset, ids) blocks of dense ids (``ids = unit_ids.map(codes)``), from memory when kept."""
        for job in self.piece_jobs(unit_ids, block_codes, block_codes):
            yield job()

    def piece_jobs(self, unit_ids, block_codes: int, piece: int, codes_only: bool = False) -> Iterator[Callable]:
        """The blocks of :meth:`id_blocks` in pieces of at most ``piece`` units (see :func:`pieces`),
        each as a function that gives its item. Threads take the functions in turn, under a lock,
        and each calls its own outside it: the codes are read from the file in turn (each block
        ends where the last one's boundary was), but mapped to ids, which is most of the work (on
        270 MB, 0.5-0.6 s of one core), at once. With ``codes_only`` the items are (offset, codes),
        not mapped: the passes that segment the text (refine's, the word list's) read no ids."""
        if codes_only:
            for block in self.blocks(block_codes):
                for item in pieces(block, piece):  # (cut after a boundary: a code 0)
                    yield lambda item=item: item
            return
        kept = self._kept_ids
        if kept is not None and kept[0] is unit_ids:  # blocks no larger than asked: a pass sizes them to its memory
            for block in kept[2]:
                for item in pieces(block, min(piece, block_codes)):
                    yield lambda item=item: item
            return
        for offset, codes in self.blocks(block_codes):
            for at, part in pieces((offset, codes), piece):  # (cut after a boundary: a code 0)
                yield partial(_mapped, unit_ids, at, part)

    def read(self, start: int, length: int) -> np.ndarray:
        return self._read(start, length)

    def close(self) -> None:
        self.codes = None
        if self.file is not None:
            self.file.close()


def _mapped(unit_ids, at: int, codes: np.ndarray) -> tuple:
    return at, unit_ids.map(codes)


def pieces(item: tuple, size: int):
    """A block ``(offset, ids[, codes])`` in pieces of at most ``size`` units, each cut after a
    clause end (a 0 of the codes, or of the ids when there are no codes: a fragment never holds an
    id 0), with its own offset; a clause longer than ``size`` is a piece of its own."""
    offset, ids, *rest = item
    n = len(ids)
    if n <= size:
        yield item
        return
    ends = np.flatnonzero((rest[0] if rest else ids) == 0) + 1  # a piece may end after each of these
    start = 0
    while start < n:
        if n - start <= size:
            cut = n
        else:
            i = int(np.searchsorted(ends, start + size, side="right")) - 1
            cut = int(ends[i]) if i >= 0 and ends[i] > start else int(ends[np.searchsorted(ends, start, side="right")])
        yield (offset + start, ids[start:cut], *(r[start:cut] for r in rest))
        start = cut


def _encoded(corpus: Corpus, workers: int, progress, in_flight: int) -> Iterator[tuple[np.ndarray, list[str]]]:
    batches = _batches(corpus, progress)
    if workers <= 1:
        yield from map(_encode_batch, batches)
        return
    prepare_tables()  # before the threads, which share them
    with ThreadPoolExecutor(workers) as pool:
        # Threads, not processes: the compiled pass releases the GIL, and nothing is copied.
        # Submitted by hand, not with map: map drains the generator at once, so a large corpus
        # would pile up in memory. At most `in_flight` batches (2 a thread, fewer if the memory
        # budget is small) are in flight, and results come back in corpus order.
        pending: deque = deque()
        for batch in batches:
            pending.append(pool.submit(_encode_batch, batch))
            if len(pending) >= in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
