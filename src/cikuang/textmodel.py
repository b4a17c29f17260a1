"""The text model: which characters are units, where clauses end; the one place that says so.

This is the *normalize* and *pre-tokenize* stage of the pipeline, shared by discovery and
segmentation. One table, built once from :mod:`unicodedata`, says for every BMP code point what it becomes
under NFKC and whether that depends on its neighbours (``_bmp_tables``), and what the result is
(``_unit_class_table``: Han, ASCII letter or digit, other); two codings are read from it:

* the **discovery coding** (:func:`encode_units`): a corpus becomes a stream of unit codes
  (``uint32``) in which ``0`` ends a clause; every later stage of discovery sees only that;
* the **segmentation coding** (:class:`SegmentCoder`): each character of a text gets a code of its
  own, so that a segmentation can write back the input's own characters: a unit code where a unit
  starts, or one of :data:`MARK`, :data:`CONTINUE`, :data:`SPACE`, :data:`NEWLINE` (all below any
  unit code, and all ending a clause as ``0`` does in the discovery coding).

What a unit is, in both:

* text is NFKC-normalised first (full-width ``Ａ１，`` become ``A1,``);
* every Han character (all CJK Unified Ideograph blocks and the compatibility ideographs) is one
  unit, its code being its code point;
* every maximal run of ASCII letters and digits is ONE unit (``iPhone7``, ``K``, ``2019``), its code
  being ``LATIN_BASE + id`` with ``id`` from a :class:`UnitVocab`;
* everything else (punctuation, spaces, symbols, emoji, control characters, other scripts) ends
  a clause. Runs of such characters produce a single ``0``.

NFKC over a whole corpus costs more than everything else together when done by
:func:`unicodedata.normalize`, so the common case is a table lookup per code point, built once
from :mod:`unicodedata` itself; the few characters whose normalisation depends on their
neighbours (combining marks) or expands into several units (``㍻`` to ``平成``) send only the
lines that contain them through :func:`unicodedata.normalize`. The result is identical.
"""
from __future__ import annotations

import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ._native import encode_fast, needing_context

#: Codes at or above this value are Latin/digit runs; below it, Han code points.
LATIN_BASE = 0x110000
#: The clause boundary in a unit stream.
BOUNDARY = 0

# Han blocks: CJK Unified Ideographs and extensions A..I, compatibility ideographs (they
# normalise to unified ones, except the dozen that NFKC keeps), and 〇. Nothing else in the package
# lists Han code points: the compiled pass gets ASTRAL_HAN, the Spark engine HAN_END.
HAN_RANGES = (
    (0x3007, 0x3007),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2EBEF),
    (0x2EBF0, 0x2EE5F),
    (0x2F800, 0x2FA1F),
    (0x30000, 0x323AF),
)

#: The compatibility ideographs of the supplementary planes: NFKC maps them to unified ones.
_ASTRAL_COMPATIBILITY = (0x2F800, 0x2FA1F)
#: Han blocks beyond the BMP that NFKC leaves alone, as (first, last) pairs, for the compiled pass.
ASTRAL_HAN = np.array([b for r in HAN_RANGES if r[0] >= 0x10000 and r != _ASTRAL_COMPATIBILITY for b in r],
                      dtype=np.uint32)
#: One past the largest Han code point.
HAN_END = max(hi for _, hi in HAN_RANGES) + 1

# What the lookup table says about a code point after NFKC.
_KEEP = 0  # maps to one code point, which the table holds
_SLOW = 1  # normalisation depends on context or yields units: use unicodedata on the line


def is_han_cp(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in HAN_RANGES)


def _is_unit_char(ch: str) -> bool:
    return is_han_cp(ord(ch)) or (ch.isascii() and ch.isalnum())


def _depends_on_neighbours(cp: int) -> bool:
    """Whether what NFKC makes of the code point depends on the characters beside it: combining
    marks (they compose with what precedes them) and conjoining jamo."""
    ch = chr(cp)
    return bool(unicodedata.combining(ch)) or unicodedata.category(ch).startswith("M") or 0x1160 <= cp <= 0x11FF


def _classify(cp: int) -> tuple[int, int]:
    """(kind, mapped code point) of one code point under NFKC."""
    if 0xD800 <= cp <= 0xDFFF:
        return _KEEP, 0x20
    ch = chr(cp)
    if _depends_on_neighbours(cp):
        return _SLOW, 0
    norm = unicodedata.normalize("NFKC", ch)
    if len(norm) == 1:
        return _KEEP, ord(norm)
    if not any(_is_unit_char(c) for c in norm):
        return _KEEP, 0x20  # expands to punctuation only: any non-unit stands for it
    return _SLOW, 0


@lru_cache(maxsize=1)
def _bmp_tables() -> tuple[np.ndarray, np.ndarray]:
    kinds = np.zeros(0x10000, dtype=np.uint8)
    mapped = np.zeros(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        kinds[cp], mapped[cp] = _classify(cp)
    return kinds, mapped


@lru_cache(maxsize=1)
def _unit_class_table() -> np.ndarray:
    """1 for Han, 2 for ASCII letter/digit, 0 otherwise; indexed by code point (BMP)."""
    cls = np.zeros(0x10000, dtype=np.uint8)
    for lo, hi in HAN_RANGES:
        if lo < 0x10000:
            cls[lo : min(hi, 0xFFFF) + 1] = 1
    for c in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz":
        cls[c] = 2
    return cls


def prepare_tables() -> None:
    """Build the lookup tables now (about 0.05 s), e.g. before threads that will share them."""
    _bmp_tables()
    _unit_class_table()
    _images()


def _astral_han_mask(cps: np.ndarray) -> np.ndarray:
    mask = np.zeros(cps.shape, dtype=bool)
    for lo, hi in HAN_RANGES:
        if hi >= 0x10000:
            mask |= (cps >= lo) & (cps <= hi)
    return mask


def word_code_points(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The code points of ``words``, concatenated (``uint32``: one encoding for all of them), and
    where each word starts (``starts[i]`` to ``starts[i + 1]``)."""
    cps = np.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    starts = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, words), np.int64, len(words)), out=starts[1:])
    return cps, starts


def words_holding(where: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Which words hold a code point where ``where`` (one flag a code point of
    :func:`word_code_points`) is true, by their ``starts``."""
    out = np.zeros(len(starts) - 1, dtype=bool)
    out[np.searchsorted(starts, np.flatnonzero(where), side="right") - 1] = True
    return out


def normalized_codepoints(text: str) -> np.ndarray:
    """NFKC-normalised code points of ``text`` as ``uint32`` (exactly ``unicodedata``'s NFKC)."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    kinds, mapped = _bmp_tables()
    bmp = cps < 0x10000
    out = np.empty_like(cps)
    idx = cps[bmp]
    out[bmp] = mapped[idx]
    slow = np.zeros(cps.shape, dtype=bool)
    slow[bmp] = kinds[idx] == _SLOW
    if not bmp.all():
        astral = np.flatnonzero(~bmp)
        for i in astral:  # rare outside emoji; each distinct code point is classified once
            kind, m = _classify_astral(int(cps[i]))
            out[i] = m
            slow[i] = kind == _SLOW
    if slow.any():
        return _normalize_slow_lines(text, cps, out, slow)
    return out


@lru_cache(maxsize=65536)
def _classify_astral(cp: int) -> tuple[int, int]:
    return _classify(cp)


def _normalize_slow_lines(text: str, cps: np.ndarray, fast: np.ndarray, slow: np.ndarray) -> np.ndarray:
    """Re-normalise with unicodedata only the lines that hold context-dependent characters."""
    newlines = np.flatnonzero(cps == 0x0A)
    line_of = np.searchsorted(newlines, np.flatnonzero(slow))
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(cps)]))
    pieces = []
    pos = 0
    for line in np.unique(line_of):
        s, e = int(starts[line]), int(ends[line])
        pieces.append(fast[pos:s])
        norm = unicodedata.normalize("NFKC", text[s:e])
        pieces.append(np.frombuffer(norm.encode("utf-32-le", "surrogatepass"), dtype=np.uint32))
        pos = e
    pieces.append(fast[pos:])
    return np.concatenate(pieces)


def last_safe_cut(text: str, window: int = 65536) -> tuple[int, bool]:
    """Where to cut a long ``text`` so that its pieces encode like the whole: ``(position, ends_clause)``.

    Looks at the last ``window`` characters only. Best is just after the last character that is a
    clause boundary after NFKC (``ends_clause=True``); failing that, just before the last Han
    character (``ends_clause=False``: the clause goes on in the next piece, and a Han character
    never composes with what precedes it nor joins a Latin run); failing that (a run of letters
    and digits that long), the end of the text.
    """
    start = max(0, len(text) - window)
    cps = np.frombuffer(text[start:].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if len(cps) == 0:
        return len(text), True
    kinds, mapped = _bmp_tables()
    bmp = cps < 0x10000
    safe_boundary = np.zeros(len(cps), dtype=bool)
    m = mapped[cps[bmp]]
    safe_boundary[bmp] = (kinds[cps[bmp]] == _KEEP) & (_unit_class_table()[np.minimum(m, 0xFFFF)] == 0) & (m < 0x10000)
    boundaries = np.flatnonzero(safe_boundary)
    if len(boundaries):
        return start + int(boundaries[-1]) + 1, True
    han = np.flatnonzero(_unit_class_table()[np.minimum(cps, 0xFFFF)] == 1)
    han = han[han > 0]
    if len(han):
        return start + int(han[-1]), False
    return len(text), True


@dataclass
class UnitVocab:
    """Names of the Latin/digit units seen so far (their codes are ``LATIN_BASE + index``)."""

    latin: list[str] = field(default_factory=list)
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def add_all(self, tokens: list[str]) -> np.ndarray:
        """Codes of ``tokens``, adding the new ones."""
        index = self._index
        found = list(map(index.get, tokens))  # one dictionary look-up per Latin run
        if None in found:
            for i, code in enumerate(found):
                if code is None:
                    tok = tokens[i]
                    code = index.get(tok)
                    if code is None:
                        code = index[tok] = len(self.latin)
                        self.latin.append(tok)
                    found[i] = code
        return np.array(found, dtype=np.uint32) + np.uint32(LATIN_BASE)

    def unit_text(self, code: int) -> str:
        return self.latin[code - LATIN_BASE] if code >= LATIN_BASE else chr(code)

    def __len__(self) -> int:
        return len(self.latin)


def encode_units(text: str, vocab: UnitVocab, ends_clause: bool = True) -> np.ndarray:
    """Unit codes of ``text``: Han code points, Latin-run codes, and ``0`` at clause ends.

    Consecutive boundaries collapse into one ``0``; a leading boundary is dropped and, when
    ``ends_clause``, the result ends with ``0`` (if not empty), so encoded pieces can be
    concatenated. ``ends_clause=False`` is for a piece cut inside a clause (next to a Han
    character): its last clause goes on in the next piece.

    Lines whose normalisation needs no context (nearly all) go through one compiled pass; the
    others through :func:`_encode_general`. Lines end clauses, so the pieces concatenate.
    """
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if len(cps) == 0:
        return np.zeros(0, dtype=np.uint32)
    kinds, mapped = _bmp_tables()
    classes = _unit_class_table()
    astral_ok = _astral_boundaries(cps)

    def fast(a: int, b: int, ends: bool) -> np.ndarray:
        codes, latin_at, latin_text = encode_fast(cps[a:b], kinds, mapped, classes, astral_ok, ASTRAL_HAN, ends)
        if len(latin_at):
            codes[latin_at] = vocab.add_all(latin_text.tobytes().decode("ascii").split())
        return codes

    slow = needing_context(cps, kinds, astral_ok, ASTRAL_HAN)
    if len(slow):  # ℃ and the like become their images first: most lines then need no unicodedata
        expanded = _with_images(cps, slow)
        if expanded is not None:  # (an image may hold a combining mark: the positions are found anew)
            cps = expanded
            slow = needing_context(cps, kinds, astral_ok, ASTRAL_HAN)
    if len(slow) == 0:
        return fast(0, len(cps), ends_clause)
    # Lines holding such characters go the general way, the runs of lines between them the fast one.
    newlines = np.flatnonzero(cps == 0x0A)
    parts = []
    pos = 0
    for line in np.unique(np.searchsorted(newlines, slow)).tolist():
        start = int(newlines[line - 1]) + 1 if line > 0 else 0
        end = int(newlines[line]) + 1 if line < len(newlines) else len(cps)
        if start > pos:
            parts.append(fast(pos, start, True))
        line_text = cps[start:end].tobytes().decode("utf-32-le", "surrogatepass")  # (the images in it)
        parts.append(_encode_general(line_text, vocab, ends_clause if end == len(cps) else True))
        pos = end
    if pos < len(cps):
        parts.append(fast(pos, len(cps), ends_clause))
    return np.concatenate(parts)


@lru_cache(maxsize=1)
def _images() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(length, start, flat): the NFKC image of each BMP code point that NFKC turns into several
    characters that hold a unit (℃ → °C, Ⅱ → II, ⑵ → (2), ㍻ → 平成), as ``flat[start:start + length]``;
    length 0 for every other code point (combining marks and conjoining jamo among them: what they
    become depends on their neighbours). All the images are in the BMP."""
    kinds, _ = _bmp_tables()
    length = np.zeros(0x10000, dtype=np.int64)
    start = np.zeros(0x10000, dtype=np.int64)
    flat: list[int] = []
    for cp in np.flatnonzero(kinds == _SLOW).tolist():  # (no surrogate is slow: _classify)
        if _depends_on_neighbours(cp):
            continue
        image = [ord(c) for c in unicodedata.normalize("NFKC", chr(cp))]
        if len(image) > 1 and max(image) < 0x10000:
            length[cp], start[cp] = len(image), len(flat)
            flat.extend(image)
    return length, start, np.array(flat, dtype=np.uint32)


def _with_images(cps: np.ndarray, slow: np.ndarray) -> np.ndarray | None:
    """``cps`` with each code point at ``slow`` that has an image (:func:`_images`) replaced by its
    image; None if none has. Exact: a string is compatibility-equivalent to itself with any of its
    characters replaced by that character's NFKC, so both have one NFKC (the replaced text's
    combining marks, if any, still send their lines the general way). On PKU-based text, ℃ sent
    one line in 50 to :func:`_encode_general`, and encoding took 2.5 times as long."""
    length, start, flat = _images()
    at = slow[cps[slow] < 0x10000]
    at = at[length[cps[at]] > 0]
    if not len(at):
        return None
    first, n = start[cps[at]], length[cps[at]]
    out = cps.copy()
    out[at] = flat[first]  # each image's first character in its character's place, the rest after it
    rest = n - 1
    offset = np.arange(int(rest.sum())) - np.repeat(np.cumsum(rest) - rest, rest)  # 0, 1, ... within an image
    return np.insert(out, np.repeat(at + 1, rest), flat[np.repeat(first + 1, rest) + offset])


def _astral_boundaries(cps: np.ndarray) -> np.ndarray:
    """Sorted code points beyond the BMP in ``cps`` that are plain boundaries (emoji and the like)."""
    astral = np.unique(cps[cps >= 0x10000]) if cps.max() >= 0x10000 else np.zeros(0, np.uint32)
    ok = [cp for cp in astral[~_astral_han_mask(astral)].tolist()
          if _classify_astral(cp)[0] == _KEEP and not _is_unit_char(chr(_classify_astral(cp)[1]))]
    return np.array(ok, dtype=np.uint32)


def _encode_general(text: str, vocab: UnitVocab, ends_clause: bool) -> np.ndarray:
    """:func:`encode_units` for any text, by array operations after full NFKC."""
    cps = normalized_codepoints(text)
    if len(cps) == 0:
        return np.zeros(0, dtype=np.uint32)
    cls = np.zeros(len(cps), dtype=np.uint8)
    bmp = cps < 0x10000
    cls[bmp] = _unit_class_table()[cps[bmp]]
    if not bmp.all():
        cls[~bmp] = np.where(_astral_han_mask(cps[~bmp]), 1, 0)
    latin = cls == 2
    prev_latin = np.empty_like(latin)
    prev_latin[0] = False
    prev_latin[1:] = latin[:-1]
    run_start = latin & ~prev_latin
    codes = cps.copy()
    if run_start.any():
        # All runs in order, split by C code: non-run characters become spaces.
        ascii_view = np.where(latin, cps, 0x20).astype(np.uint8).tobytes()
        codes[run_start] = vocab.add_all(ascii_view.decode("ascii").split())
    boundary = cls == 0
    codes[boundary] = BOUNDARY
    prev_boundary = np.empty_like(boundary)
    prev_boundary[0] = True
    prev_boundary[1:] = boundary[:-1]
    keep = (cls == 1) | run_start | (boundary & ~prev_boundary)
    out = codes[keep]
    if ends_clause and len(out) and out[-1] != BOUNDARY:
        out = np.append(out, np.uint32(BOUNDARY))
    return out


def decode_units(codes, vocab: UnitVocab) -> str:
    """Text of a sequence of unit codes without boundaries (for display and output)."""
    return "".join(vocab.unit_text(int(c)) for c in codes)


def decode_rows(rows, vocab: UnitVocab) -> list[str]:
    """The text of each sequence of unit codes: the rows of a 2-D array whose 0s are padding, or a
    list of 1-D arrays. One UTF-32 decode for all of them (a code below LATIN_BASE is a code
    point); only the sequences that hold a Latin run are joined unit by unit."""
    if isinstance(rows, np.ndarray):
        present = rows != 0
        lengths, flat = present.sum(axis=1), rows[present]
    else:
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        flat = np.concatenate(rows) if len(rows) else np.zeros(0, np.uint32)
    n = len(lengths)
    row_of = np.repeat(np.arange(n), lengths)
    buf = np.full(len(flat) + n, ord("\n"), dtype=np.uint32)  # each sequence, then a line end
    latin = flat >= LATIN_BASE
    buf[np.arange(len(flat)) + row_of] = np.where(latin, 0, flat)
    texts = buf.tobytes().decode("utf-32-le", "surrogatepass").split("\n")[:n]
    if latin.any():
        bounds = np.concatenate(([0], np.cumsum(lengths)))
        for i in np.unique(row_of[latin]):
            texts[i] = decode_units(flat[bounds[i]:bounds[i + 1]], vocab)
    return texts


# -- the segmentation coding ------------------------------------------------------------------

# What a character is to the segmenter: these four values, or (larger) a unit code.
MARK, CONTINUE, SPACE, NEWLINE = 0, 1, 2, 3
#: The code of a Latin run that is not in the lexicon (never a trie edge).
UNKNOWN_LATIN = 0xFFFFFFFF

# Character classes of the table below, before unit codes are assigned.
_C_MARK, _C_CONTINUE, _C_SPACE, _C_NEWLINE, _C_HAN, _C_LATIN = 0, 1, 2, 3, 4, 5


@lru_cache(maxsize=1)
def _segment_classes() -> tuple[np.ndarray, np.ndarray]:
    """(class, NFKC code point) of every BMP code point in the segmentation coding, from the
    discovery tables: a character is decided by its own NFKC image, since the output writes it back."""
    kinds, mapped = _bmp_tables()
    mapped = mapped.copy()
    unit_class = _unit_class_table()
    cls = np.full(0x10000, _C_MARK, dtype=np.uint8)
    keep = kinds == _KEEP
    small = keep & (mapped < 0x10000)
    cls[small & (unit_class[np.minimum(mapped, 0xFFFF)] == 1)] = _C_HAN
    cls[small & (unit_class[np.minimum(mapped, 0xFFFF)] == 2)] = _C_LATIN
    big = keep & (mapped >= 0x10000)
    cls[big & _astral_han_mask(mapped)] = _C_HAN
    # Characters whose NFKC depends on context or expands: decided one by one (a few thousand).
    for cp in np.flatnonzero(~keep).tolist():
        ch = chr(cp)
        if unicodedata.category(ch).startswith("M"):
            cls[cp] = _C_CONTINUE
        else:
            norm = unicodedata.normalize("NFKC", ch)
            if len(norm) == 1 and unit_class[min(ord(norm), 0xFFFF)] == 1:
                cls[cp], mapped[cp] = _C_HAN, ord(norm)
            elif norm.isascii() and norm.isalnum():  # ﬁ, ①: letters or digits, several of them
                cls[cp], mapped[cp] = _C_LATIN, 0
    for cp in range(0x10000):
        if chr(cp).isspace():
            cls[cp] = _C_SPACE
    cls[0x0A] = _C_NEWLINE
    return cls, mapped


class SegmentCoder:
    """The segmentation coding of texts (see the module doc), with a vocabulary of Latin runs."""

    def __init__(self):
        self.latin: dict[str, int] = {}

    def units(self, cps: np.ndarray, add_latin: bool = False) -> np.ndarray:
        classes, mapped = _segment_classes()
        bmp = cps < 0x10000
        if bmp.all():
            cls = classes[cps]
            code = mapped[cps]
        else:
            cls = np.full(len(cps), _C_MARK, dtype=np.uint8)
            code = np.zeros(len(cps), dtype=np.uint32)
            cls[bmp] = classes[cps[bmp]]
            code[bmp] = mapped[cps[bmp]]
            astral = np.flatnonzero(~bmp)
            han = _astral_han_mask(cps[astral])
            cls[astral[han]] = _C_HAN
            code[astral[han]] = [_classify_astral(int(cp))[1] for cp in cps[astral[han]]]
        units = np.where(cls == _C_HAN, code, cls).astype(np.uint32)  # classes 0-3 are their own values
        latin = cls == _C_LATIN
        if latin.any():
            latin |= _number_marks(code, latin)
            run_start = latin.copy()
            run_start[1:] &= ~latin[:-1]
            units[latin] = CONTINUE
            if (code[latin] == 0).any():
                runs = _runs_with_expansions(cps, code, latin, run_start)
            else:
                runs = np.where(latin, code, 0x20).astype(np.uint8).tobytes().decode("ascii").split()
            units[run_start] = self._latin_codes(runs, add_latin)
        return units

    def _latin_codes(self, runs: list[str], add: bool) -> list[int]:
        vocab = self.latin
        if add:
            for run in runs:
                if run not in vocab:
                    vocab[run] = LATIN_BASE + len(vocab)
        return [vocab.get(run, UNKNOWN_LATIN) for run in runs]

    def recode(self, codes: np.ndarray, latin_runs: list[str], name_unknown: bool = False) -> np.ndarray:
        """A block in the discovery coding (Latin run ``i`` of ``latin_runs`` is ``LATIN_BASE + i``,
        0 ends a clause) in this coder's codes: Han codes are the same in both, a Latin run gets
        this coder's code for it, and 0 still ends a clause. A run this coder lacks gets
        :data:`UNKNOWN_LATIN`, or, with ``name_unknown``, a code of its own made from its text
        (:func:`unknown_latin_code`: the same in every block and engine, and never a trie edge), for
        counting it as a neighbour."""
        is_latin = codes >= LATIN_BASE
        if not is_latin.any():
            return codes
        units = codes.copy()
        used = np.unique(codes[is_latin] - LATIN_BASE)
        runs = [latin_runs[i] for i in used.tolist()]
        known = self._latin_codes(runs, False)
        if name_unknown:
            known = [unknown_latin_code(r) if c == UNKNOWN_LATIN else c for r, c in zip(runs, known)]
        table = np.full(len(latin_runs), UNKNOWN_LATIN, dtype=np.uint32)
        table[used] = known
        units[is_latin] = table[codes[is_latin] - LATIN_BASE]
        return units


def unknown_latin_code(run: str) -> int:
    """A code for a Latin run that a segmenter lacks: 2^31 and above (no segmenter gives such codes
    to its words), from a CRC of the text; two runs share one only by a CRC collision."""
    return 0x80000000 | (zlib.crc32(run.encode("ascii")) & 0x7FFFFFFE)


def _runs_with_expansions(cps, code, latin, run_start) -> list[str]:
    """The text of each Latin run when some of its characters expand under NFKC (``ﬁ``, ``①``)."""
    at = np.flatnonzero(latin)
    parts = [chr(c) if c else unicodedata.normalize("NFKC", chr(cp))
             for c, cp in zip(code[at].tolist(), cps[at].tolist())]
    starts = run_start[at].tolist()
    return "".join(" " + p if s else p for p, s in zip(parts, starts)).split()


def _number_marks(code: np.ndarray, latin: np.ndarray) -> np.ndarray:
    """The marks that belong to a number: ``.`` or ``/`` between digits, ``%`` after one.

    ``3.5%``, ``１／３`` and ``２０％`` are one token in every segmentation standard, as a run of
    letters and digits is; without this rule each mark would be a token of its own.
    """
    digit = latin & (code >= 0x30) & (code <= 0x39)
    marks = np.zeros(len(code), dtype=bool)
    if len(code) >= 3:
        joiner = (code[1:-1] == 0x2E) | (code[1:-1] == 0x2F)
        marks[1:-1] = joiner & digit[:-2] & digit[2:]
    marks[1:] |= (code[1:] == 0x25) & digit[:-1]
    return marks
