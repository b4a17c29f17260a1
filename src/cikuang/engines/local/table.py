"""``count``'s table when it is too large to sort in memory: sorted in sections on disk.

The file ``count`` writes is ordered by length, then count (descending), then text. Holding every
n-gram with its text to sort them costs about a hundred bytes an n-gram, far more than the count
tables' budget for a large corpus. So the entries are written to anonymous files in *sections*:
contiguous stretches of that order, cut by (length, count, first character of the text), each small
enough to sort in memory. Texts that begin with a smaller character sort first, so the sections,
each sorted on its own and written one after the other, give exactly the order of one global sort.
"""
from __future__ import annotations


import numpy as np

from ...ngrams import NgramCounts, NgramTable, UnitIds, key_lengths, layout_for, shift_right
from ...output import atomic_output
from ...textmodel import LATIN_BASE, UnitVocab
from . import records

#: Bytes an entry takes while its section is sorted and written (key, count, text, sort indices,
#: the lines joined): measured 175 B on random text, so a section is also sorted in a second or two.
SORT_BYTES = 256
_COUNT_CAP = (1 << 37) - 1
_SORTING = "sort the counts on disk"


class SectionedNgramTable:
    """Every n-gram of 1..order units with its count, in sorted sections on disk (see the module doc).

    Built by :func:`sectioned` from the disjoint (keys, counts) parts of a count; saves the same file
    as :meth:`cikuang.ngrams.NgramTable.save`.
    """

    def __init__(self, sections: list, n_entries: int, order: int, bits: int, unit_ids: UnitIds,
                 vocab: UnitVocab, n_units: int):
        self._sections = sections  # anonymous files of the layout's entry records, in output order
        self._n = n_entries
        self.order, self.bits = order, bits
        self.unit_ids, self.vocab, self.n_units = unit_ids, vocab, n_units

    def __len__(self) -> int:
        return self._n

    def chunks(self):
        """(texts, counts) of each section, sorted as the file is."""
        for f in self._sections:
            f.seek(0)
            rec = records.read(f, layout_for(self.order, self.bits).entry)
            table = NgramTable(NgramCounts(rec["key"].copy(), rec["count"].copy(), self.order, self.bits),
                               self.unit_ids, self.vocab, self.n_units)
            texts = table.strings()
            order = np.lexsort((texts, -table.counts.counts, table.counts.lengths()))
            yield texts[order], table.counts.counts[order]

    def to_dict(self) -> dict[str, int]:
        out = {}
        for texts, counts in self.chunks():
            out.update(zip(texts.tolist(), counts.tolist()))
        return out

    def save(self, path=None) -> None:
        with atomic_output(path) as f:
            f.write("ngram\tcount\n")
            for texts, counts in self.chunks():
                step = 1 << 16  # rows joined at a time: a Python str each (~100 B) while joined
                for i in range(0, len(texts), step):
                    rows = np.strings.add(np.strings.add(texts[i : i + step], "\t"), counts[i : i + step].astype(str))
                    f.write("\n".join(rows.tolist()) + "\n")

    def close(self) -> None:
        for f in self._sections:
            f.close()
        self._sections = []


def sectioned(parts, order: int, bits: int, unit_ids: UnitIds, vocab: UnitVocab, n_units: int,
              memory: int, tmp_dir: str | None) -> SectionedNgramTable:
    """Sort the (keys, counts) ``parts`` of a count into sections of at most ``memory`` bytes to sort."""
    first_char = _first_chars(unit_ids, vocab)
    stored, n = [], 0
    sort_keys, sizes = np.zeros(0, np.uint64), np.zeros(0, np.int64)
    for keys, counts in parts:  # 1. keep each part on disk, and count entries by sort key
        if not len(keys):
            continue
        stored.append(_store(keys, counts, order, bits, tmp_dir))
        k, c = np.unique(_sort_keys(keys, counts, order, bits, first_char), return_counts=True)
        # folded into the histogram part by part: every part has much the same sort keys, so
        # keeping each part's histogram until the end would cost parts times as much
        sort_keys, inverse = np.unique(np.concatenate([sort_keys, k]), return_inverse=True)
        sizes = np.bincount(inverse, weights=np.concatenate([sizes, c]), minlength=len(sort_keys)).astype(np.int64)
        n += len(keys)
    if not stored:
        return SectionedNgramTable([], 0, order, bits, unit_ids, vocab, n_units)
    # 2. sections: runs of sort keys of at most `per_section` entries (a single sort key may exceed it)
    per_section = max(1 << 16, memory // SORT_BYTES)
    starts, size = [], per_section
    for k, m in zip(sort_keys.tolist(), sizes.tolist()):
        if size + m > per_section:
            starts.append(k)
            size = 0
        size += m
    starts = np.array(starts, dtype=np.uint64)
    sections = [None] * len(starts)
    for f in stored:  # 3. deal every entry to its section
        f.seek(0)
        rec = records.read(f, layout_for(order, bits).entry)
        f.close()
        section = np.searchsorted(starts, _sort_keys(rec["key"], rec["count"], order, bits, first_char), "right") - 1
        by = np.argsort(section, kind="stable")
        bounds = np.searchsorted(section[by], np.arange(len(starts) + 1))
        for s in range(len(starts)):
            sel = by[bounds[s] : bounds[s + 1]]
            if len(sel):
                if sections[s] is None:
                    sections[s] = records.anonymous(tmp_dir, _SORTING)
                records.append(sections[s], rec[sel], tmp_dir, _SORTING)
    return SectionedNgramTable([f for f in sections if f is not None], n, order, bits, unit_ids, vocab, n_units)


def _first_chars(unit_ids: UnitIds, vocab: UnitVocab) -> np.ndarray:
    """The code point of the first character of each unit's text, by id."""
    codes = unit_ids.codes.astype(np.int64)
    out = codes.copy()
    latin = np.flatnonzero(codes >= LATIN_BASE)
    out[latin] = [ord(vocab.latin[c - LATIN_BASE][0]) for c in codes[latin].tolist()]
    return out.astype(np.uint64)


def _sort_keys(keys, counts, order: int, bits: int, first_char: np.ndarray) -> np.ndarray:
    """One number a key whose order is the file's (length, count descending, first character)."""
    lengths = key_lengths(keys, order, bits)
    first = shift_right(keys, (lengths - 1) * bits).astype(np.int64)
    inverted = np.uint64(_COUNT_CAP) - np.minimum(counts, _COUNT_CAP).astype(np.uint64)
    return (lengths.astype(np.uint64) << np.uint64(58)) | (inverted << np.uint64(21)) | first_char[first]


def _store(keys, counts, order: int, bits: int, tmp_dir):
    rec = np.empty(len(keys), dtype=layout_for(order, bits).entry)
    rec["key"], rec["count"] = keys, counts
    f = records.anonymous(tmp_dir, _SORTING)
    records.append(f, rec, tmp_dir, _SORTING)
    return f
