"""The word-list stage: which entries of the lexicon are words a person would add to a dictionary.

The lexicon the segmenter needs and the list people read are two things. The lexicon keeps every
string that helps cut the corpus the way the standards do, collocations (他说, 买了) and pieces of
long names (内塔 of 内塔尼亚胡) included; the word list keeps the entries that are words by their
own statistics. One pass over the corpus (the engine's ``count_pairs``) finds every *occurrence* of
every entry, as a substring wherever it stands, and the unit on each side of it. From those:

* ``occurrences``: how often the string occurs;
* left and right **entropy** of its neighbours, a clause edge counting as a new neighbour each time
  (an edge is as free a context as there is): a word is free on both sides;
* **continuation**: the largest share of its occurrences that one and the same unit follows (or
  precedes); a string always continued by the same unit is a piece of a longer one;
* **cohesion**, the PMI of its weakest split, from the exact n-gram counts (a word longer than the
  order: its weakest window), the same for every entry, those the refine stage added included.

An entry is in the word list when it passes every rule of :class:`~cikuang.listrules.ListRules`;
its ``status`` otherwise names the first rule it fails (the table is in :mod:`cikuang.listrules`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._hashtable import merged, new_table, table_from
from ._native import group_sums, numbered_pairs, pack_pair_groups, straddling_pairs
from .lexicon import WORD, Lexicon
from .basedict import other_script_spellings
from .listrules import (FUNCTION_TRAILS, HAN_NUMERALS, ListRules, composition_splits, compositions, doubled_leads,
                        function_joins, known_words, measure_and_word, predicate_compounds, statuses, surname_ends,
                        units_of, unlisted_forms)
from .ngrams import PAIR_WORD_SHIFT, NgramCounts, UnitIds, pair_fields, window_keys
from .scoring import cohesion, word_score
from .segmenter import Segmenter
from .textmodel import LATIN_BASE, UnitVocab, word_code_points, words_holding

#: The neighbour code of every run of digits (odd above 2^31: no unit or named Latin run has it).
NUMBER_NEIGHBOUR = 0x80000001
#: The word score counts cohesion up to the list's threshold plus this many nats (see scoring.word_score).
SCORE_CAP = 2.0


def _bmp_mask(chars) -> np.ndarray:
    """1 at the code point of each of ``chars`` (all in the BMP), for the compiled passes."""
    mask = np.zeros(0x10000, dtype=np.uint8)
    mask[[ord(c) for c in chars]] = 1
    return mask


_TRAIL_MASK = _bmp_mask(FUNCTION_TRAILS)
_NUMERAL_MASK = _bmp_mask(HAN_NUMERALS)
#: c·ln c comes from a table of NumPy's values up to this count (32 MB at most; larger counts, a
#: few in a large corpus, one by one).
CLOGC_TABLE = 1 << 22
#: The neighbour pairs are read this many at a time (8 MB an array of them) where NumPy makes
#: several arrays of a chunk at once (the grouping of keys too wide to pack).
PAIR_CHUNK = 1 << 20


@dataclass
class OccurrenceStats:
    """What the occurrence pass measures of each entry, in the lexicon's order."""

    occurrences: np.ndarray
    left_entropy: np.ndarray
    right_entropy: np.ndarray
    continuation: np.ndarray  # the larger of the two sides' shares

    @classmethod
    def of(cls, keys: np.ndarray, counts: np.ndarray, n_words: int) -> "OccurrenceStats":
        """The statistics of the (word, side, neighbour) pair counts: the items of the occurrence
        pass's table, in any order (:func:`~cikuang.ngrams.pair_fields`)."""
        return OccurrenceSums(n_words).add(keys, counts).stats()


class OccurrenceSums:
    """The sums the statistics are made of, for each (word, side) group: the total, Σ c·ln c of the
    neighbours, the largest neighbour count; added up part by part, a word's pairs all in one part.

    One sort of a part's pairs puts each group together and its counts in ascending order, so that
    every float sum is taken in an order fixed by the counts alone. The arrays are made once: a
    spilled pass has dozens of parts (hundreds with a small budget), and full-length arrays for
    each part were most of its page faults (7 million on bench-real x10 with --memory 256M)."""

    def __init__(self, n_words: int):
        self.n_words = n_words
        n_groups = 2 * n_words  # word * 2 + side
        self.total, self.clogc, self.most = (np.zeros(n_groups) for _ in range(3))
        self._clogc_table = np.zeros(0)  # c·ln c of every count up to its length, NumPy's own values

    def add(self, keys: np.ndarray, counts: np.ndarray) -> "OccurrenceSums":
        """Add the sums of these pairs (those of words no part added before)."""
        packed = _packed(keys, counts, self.n_words)
        if packed is not None:  # one compiled pass over the sorted pairs
            sorted_pairs, count_bits, largest = packed
            group_sums(sorted_pairs, count_bits, self.total, self.clogc, self.most,
                       self._table_for(largest), _clogc_beyond(sorted_pairs, count_bits, largest))
        else:  # (a group's sums are 0 until its part: adding them is exact)
            for mine, theirs in zip((self.total, self.clogc, self.most),
                                    _sums(*_grouped(keys, counts), 2 * self.n_words)):
                mine += theirs
        return self

    def _table_for(self, largest: int) -> np.ndarray:
        size = min(largest, CLOGC_TABLE) + 1
        if size > len(self._clogc_table):  # (grown in doubling steps: parts come in any order)
            size = min(max(size, 2 * len(self._clogc_table)), CLOGC_TABLE + 1)
            with np.errstate(divide="ignore", invalid="ignore"):  # (0·ln 0: no count is 0)
                values = np.arange(size, dtype=np.float64)
                self._clogc_table = values * np.log(values)
        return self._clogc_table

    def stats(self) -> OccurrenceStats:
        total, clogc, most, n_words = self.total, self.clogc, self.most, self.n_words
        with np.errstate(divide="ignore", invalid="ignore"):
            entropy = np.maximum(np.where(total > 0, np.log(total) - clogc / total, 0.0), 0.0)
            share = np.where(total > 0, most / total, 0.0)
        total, entropy, share = (a.reshape(n_words, 2) for a in (total, entropy, share))
        return OccurrenceStats(total[:, 0].astype(np.int64), entropy[:, 0], entropy[:, 1], share.max(axis=1))


def _packed(keys: np.ndarray, counts: np.ndarray, n_words: int):
    """The pairs as one sorted uint64 each (:func:`~cikuang._native.pack_pair_groups`: by group =
    word index * 2 + side, the neighbours before the clause edge, then by count), with the count
    bits and the largest count; None when they do not fit 64 bits."""
    largest = int(counts.max()) if len(counts) else 0
    count_bits = max(1, largest.bit_length())
    if count_bits + 1 + (2 * n_words).bit_length() > 64:
        return None
    # (a counting sort by group: most groups hold a few pairs; np.sort of them all took 3 times as long)
    return pack_pair_groups(keys, counts, count_bits, 2 * n_words), count_bits, largest


def _clogc_beyond(packed: np.ndarray, count_bits: int, largest: int) -> np.ndarray:
    """c·ln c of the neighbour counts of the sorted packed pairs beyond :data:`CLOGC_TABLE`, in
    their order (a few in a large corpus; none in most)."""
    if largest <= CLOGC_TABLE:
        return np.zeros(0)
    c = packed & np.uint64((1 << count_bits) - 1)
    inner = ((packed >> np.uint64(count_bits)) & np.uint64(1)) == 0
    big = c[inner & (c > np.uint64(CLOGC_TABLE))].astype(np.float64)
    return big * np.log(big)


def _grouped(keys: np.ndarray, counts: np.ndarray):
    """(group, edge, count) of each pair, sorted as :func:`_packed` sorts them, for keys too wide
    to pack (a count of 2^40 and more)."""
    group = np.empty(len(keys), dtype=np.int64)
    edge = np.empty(len(keys), dtype=bool)
    for at, word, side, neighbour, _ in pair_chunks(keys, counts):
        group[at : at + len(word)] = word * 2 + side
        edge[at : at + len(word)] = neighbour == 0
    by = np.lexsort((counts, edge, group))
    return group[by], edge[by], counts[by].astype(np.float64)


def _sums(group: np.ndarray, edge: np.ndarray, c: np.ndarray, n_groups: int):
    """What :meth:`OccurrenceSums.add` adds with the compiled pass, from :func:`_grouped`'s arrays."""
    total = np.bincount(group, weights=c, minlength=n_groups)
    inner = ~edge  # an edge counts as a new neighbour each time: it adds c log 1 = 0
    group, c = group[inner], c[inner]
    clogc = np.bincount(group, weights=c * np.log(c), minlength=n_groups)
    most = np.zeros(n_groups)
    if len(group):  # a group's counts ascend, so its last is its largest
        last = np.flatnonzero(np.append(group[1:] != group[:-1], True))
        most[group[last]] = c[last]
    return total, clogc, most


def block_occurrences(codes: np.ndarray, latin_runs: list[str], segmenter: Segmenter, target: np.ndarray):
    """The occurrence pass on one block of the discovery coding (for ``map_blocks``).

    Every run of digits is one and the same neighbour, a number: 3枚金牌, 12枚金牌 have one left
    neighbour, so that a string that numbers precede (枚金牌, 月下旬) is seen to continue one.
    """
    return add_occurrences(None, codes, latin_runs, segmenter, target)


def add_occurrences(acc, codes: np.ndarray, latin_runs: list[str], segmenter: Segmenter, target: np.ndarray):
    """:func:`block_occurrences` added into the (table, size) ``acc`` in place (None: a new table;
    ``map_blocks``'s ``into``)."""
    units = segmenter.block_units(codes, latin_runs, name_unknown=True)
    neighbours = units
    is_latin = codes >= LATIN_BASE
    if is_latin.any():
        digits = np.array([run.isdigit() for run in latin_runs], dtype=bool)
        number = np.zeros(len(codes), dtype=bool)
        number[is_latin] = digits[codes[is_latin] - LATIN_BASE]
        if number.any():
            neighbours = units.copy()
            neighbours[number] = NUMBER_NEIGHBOUR
    return segmenter.occurrences(units, target, neighbours, as_table=True, into=acc)


def summed_pairs(parts) -> tuple[np.ndarray, int]:
    """The sum of several (table, size) hash tables of pair counts, added into the largest: a
    worker's table grows by each block's few new pairs, where merging sorted arrays would sort
    the whole table again for every block."""
    parts = [p for p in parts if p[1]]
    return merged(parts) if parts else (new_table(16), 0)


@dataclass
class Counts:
    """The exact n-gram counts the stage scores cohesion with, and how to read words into them."""

    frequent: NgramCounts  # every n-gram counted at least min count times
    unit_ids: UnitIds
    vocab: UnitVocab
    n_units: int
    unit_totals: np.ndarray  # every unit's count, by unit code (encode's): units without an id too
    scorer: object = "pmi"

    def cohesion_of(self, words: list[str]) -> np.ndarray:
        """The cohesion of each word (NaN for a single unit or a word with a rare unit)."""
        order, bits = self.frequent.order, self.frequent.bits
        ids, starts = self.word_ids(words)
        lengths = np.diff(starts)
        ok = ids != 0
        complete = (np.add.reduceat(ok.astype(np.int64), starts[:-1]) == lengths) if len(ids) else np.zeros(len(words), bool)
        complete &= lengths >= 2
        out = np.full(len(words), np.nan)
        short = np.flatnonzero(complete & (lengths <= order))
        if len(short):  # one key each: its ids packed, bits per unit
            keys = np.zeros(len(short), dtype=np.uint64)
            for j in range(order):
                has = lengths[short] > j
                keys[has] = (keys[has] << np.uint64(bits)) | ids[starts[short][has] + j].astype(np.uint64)
            out[short] = self._cohesion(keys)
        long = np.flatnonzero(complete & (lengths > order))
        if len(long):  # every window of `order` units; a word's cohesion is its weakest window's
            windows = window_keys(ids, order, bits)  # of the whole concatenation; only those inside a word are used
            per_word = lengths[long] - order + 1
            first = np.repeat(starts[long], per_word)
            at = first + (np.arange(per_word.sum()) - np.repeat(np.cumsum(per_word) - per_word, per_word))
            coh = self._cohesion(windows[at])
            out[long] = np.minimum.reduceat(coh, np.cumsum(per_word) - per_word)
        return out

    def unit_counts(self, chars: list[str]) -> np.ndarray:
        """The exact count of each single-unit entry as a unit of the corpus (a unit without an id
        included: recipe.keyed_units)."""
        codes, _ = self.unit_codes(chars)
        inside = codes < len(self.unit_totals)
        return np.where(inside, self.unit_totals[np.where(inside, codes, 0)], 0).astype(np.int64)

    def word_ids(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The dense unit ids of every word, concatenated, and where each word starts (``starts[i]``
        to ``starts[i + 1]``); 0 for a unit below min count."""
        codes, starts = self.unit_codes(words)
        table = self.unit_ids.ids
        inside = codes < len(table)
        ids = np.zeros(len(codes), dtype=np.int64)
        ids[inside] = table[codes[inside]]
        return ids, starts

    def unit_codes(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The unit codes of every word, concatenated, and where each word starts (0 for a Latin run
        the vocabulary lacks). One vectorised pass for the words without an ASCII character (a Han
        character's code is its code point); the others unit by unit."""
        if not words:
            return np.zeros(0, np.int64), np.zeros(1, np.int64)
        cps, char_starts = word_code_points(words)
        cps = cps.astype(np.int64)
        has_ascii = words_holding(cps < 128, char_starts)
        if not has_ascii.any():
            codes, starts = cps, char_starts
        else:  # Latin runs are units of their own, named by the vocabulary; only those words unit by unit
            latin = {name: LATIN_BASE + i for i, name in enumerate(self.vocab.latin)}
            mixed = np.flatnonzero(has_ascii)
            parts = [[latin.get(u, 0) if len(u) > 1 or u.isascii() else ord(u) for u in units_of(words[i])]
                     for i in mixed]
            lengths = np.diff(char_starts)
            lengths[mixed] = [len(p) for p in parts]
            starts = np.concatenate(([0], np.cumsum(lengths)))
            in_mixed = np.repeat(has_ascii, lengths)  # per unit of the result
            codes = np.empty(int(starts[-1]), dtype=np.int64)
            codes[~in_mixed] = cps[~np.repeat(has_ascii, np.diff(char_starts))]
            codes[in_mixed] = [c for p in parts for c in p]
        return codes, starts.astype(np.int64)

    def _cohesion(self, keys: np.ndarray, scorer=None) -> np.ndarray:
        c = self.frequent.lookup(keys)  # (looked up once: cohesion is given the counts)
        found = c > 0
        out = np.full(len(keys), np.nan)
        if found.any():
            out[found] = cohesion(self.frequent, keys[found], self.n_units, scorer or self.scorer,
                                  key_counts=c[found])
        return out

    def bound_of(self, words: list[str]) -> np.ndarray:
        """The cohesion each word would have if no part of it ever occurred without the rest, which
        is the most a split can have when both parts occur only together: ``min_k ln(N /
        min(c(w[:k]), c(w[k:])))``, the weakest window's for a word longer than the order."""
        scorer, self.scorer = self.scorer, _bound
        try:
            return self.cohesion_of(words)
        finally:
            self.scorer = scorer


def _bound(count, left_count, right_count, n_units):
    return np.log(n_units) - np.log(np.minimum(left_count, right_count))


def describe(lexicon: Lexicon, counts: Counts, rules: ListRules, count_pairs, base_words=None,
             sort: str = "score", chains=frozenset()) -> Lexicon:
    """``lexicon`` with each entry's occurrences, cohesion, entropies, score and status
    (``count_pairs``: the engine's, for the occurrence pass); ``chains``:
    the entries that are chains the backtrack rule rejected (held to ``rules.chain_bound``)."""
    words = lexicon.words
    n = len(words)
    if n == 0:
        return lexicon
    # With no rule to apply (the kexue2019 preset: every entry is a word), only the statistics
    # themselves are measured: no base word joins the scan, no straddle or number is looked for.
    ruled = not rules.keep_everything
    pieces = _base_pieces(words, base_words) if base_words and ruled else {}
    known = known_words(words, base_words) if ruled else set()  # one look-up set, for the joins and phrases
    joined = function_joins(words, known) if ruled else {}
    doubles = doubled_leads(words, known) if ruled else {}
    # (the entries only the list holds have rules of their own: a chain its bound, a compound its PMI)
    segmented = lexicon.counts > 0
    splits = composition_splits(words, known, np.flatnonzero(segmented).tolist()) if ruled else {}
    # base words that hold entries, and those a function character joins or that are part of an entry
    extra = sorted(({b for bs in pieces.values() for b, _ in bs}
                    | {j for js in (*joined.values(), *doubles.values()) for j in js}
                    | {p for ss in splits.values() for ab in ss for p in ab if len(p) > 1 and not p.isascii()})
                   - set(words))
    scan = Lexicon(words + extra, np.ones(n + len(extra), np.int64))  # a trie of all of them
    segmenter = Segmenter(scan)
    target = np.zeros(segmenter.n_nodes_, dtype=np.int64)
    nodes = segmenter.word_node_
    # A single character is never a word (status char): the walk skips them, which halves the pass
    # (their occurrences are most of all occurrences); their occurrences are their exact unit counts.
    one_char = np.array([len(w) == 1 for w in scan.words], dtype=bool)
    usable = np.flatnonzero((nodes > 0) & ~one_char)
    target[nodes[usable]] = usable + 1
    pair_words, pair_keys = two_character_words(known)
    # The pairs come in parts, a word's all in one (one part unless the engine spilled them), and
    # each part is measured on its own: the statistics of a word are those of its pairs alone.
    no_pairs = np.zeros(0, np.uint64), np.zeros(0, np.int64)  # (what the parts are added to)
    straddles_of = Straddles(scan.words, pair_keys)
    straddle_parts = [straddles_of(*no_pairs)]
    after_number, sums = np.zeros(len(scan)), OccurrenceSums(len(scan))
    for keys, pair_counts in count_pairs(block_occurrences, summed_pairs, segmenter, target, into=add_occurrences,
                                         group_shift=PAIR_WORD_SHIFT):
        if ruled:
            straddle_parts.append(straddles_of(keys, pair_counts))
            numbered_counts(keys, pair_counts, after_number)
        sums.add(keys, pair_counts)
        del keys, pair_counts
    stats = sums.stats()
    del sums
    straddles = tuple(np.concatenate(columns) for columns in zip(*straddle_parts))
    del straddle_parts
    at = np.array([scan.index[w] for w in words], dtype=np.int64)  # scan's order -> the lexicon's
    occurrences, left, right = stats.occurrences[at], stats.left_entropy[at], stats.right_entropy[at]
    single = np.flatnonzero(one_char[at])
    occurrences[single] = counts.unit_counts([words[i] for i in single])
    left[single] = right[single] = np.nan
    coh = counts.cohesion_of(words)
    rules = rules.for_corpus(counts.n_units)
    # cohesion counts up to the list's threshold + SCORE_CAP; without a threshold (the preset), all of it
    cap = rules.min_cohesion + SCORE_CAP if math.isfinite(rules.min_cohesion) else math.inf
    score = word_score(coh, left, right, cap=cap)
    if not ruled:  # every entry is a word (the Lexicon's default status)
        return Lexicon(words, lexicon.counts, coh, left, right, score, occurrences=occurrences, sort=sort)
    inside = np.zeros(n)
    for i, bs in pieces.items():
        if occurrences[i]:
            inside[i] = min(1.0, sum(stats.occurrences[scan.index[b]] * times for b, times in bs) / occurrences[i])
    share = _joined_shares(joined, occurrences, stats, scan, rules)
    loose = np.zeros(n, dtype=bool)
    rows = [i for i, w in enumerate(words) if w in chains]
    if rows:  # a chain of parts that also occur apart is a phrase (领导干部), one of bound parts a word (澳大利亚)
        bound = counts.bound_of([words[i] for i in rows])
        loose[rows] = ~(coh[rows] >= rules.chain_bound * bound)
    continuation = stats.continuation[at]
    # Which two-character words are words: those of the base dictionary, and the entries that pass
    # every other rule (a first pass over the two-character entries alone).
    two = np.flatnonzero(np.array([len(w) == 2 for w in words], dtype=bool))
    first = statuses([words[i] for i in two], occurrences[two], coh[two], left[two], right[two], continuation[two],
                     inside[two], rules, loose[two], known, share[two])
    listed = {words[i] for i, st in zip(two.tolist(), first) if st == WORD}
    is_word = np.array([w in listed or (base_words is not None and w in base_words) for w in pair_words], bool)
    straddled = straddled_share(*straddles, is_word, stats.occurrences)[at]
    with np.errstate(divide="ignore", invalid="ignore"):
        numbered = np.where(stats.occurrences > 0, after_number / stats.occurrences, 0.0)[at]
    # the noun of a measure word is a word as the straddles' are: the base dictionary's or listed
    nouns = listed.union(base_words or ())
    longer = np.flatnonzero(np.fromiter(map(len, words), np.int64, n) >= 3).tolist()  # (the forms below need 3)
    measures = np.zeros(n, dtype=bool)
    measures[[i for i in longer if measure_and_word(words[i], nouns)]] = True
    numbered[~measures] = 0.0
    # phrases of the grammar that need the statistics or the base dictionary: compositions of free
    # parts (老将军), the verb forms the dictionary lacks (盯着, 找不到), its words before a verb (剧烈动荡)
    composed = compositions(splits, occurrences, nouns, *_part_statistics(splits, scan, stats, counts, lexicon), rules)
    composed |= unlisted_forms(words, known, base_words, joined) | predicate_compounds(words, base_words)
    # a doubled character before a word (局局长), when the word is one: 波夫 of 波波夫 is bound, no word
    doubled_share = _joined_shares({i: js for i, js in doubles.items() if js[0] in nouns}, occurrences, stats,
                                   scan, rules)
    spelled = other_script_spellings(words, base_words) if base_words else None
    # a word and a surname that the segmenter mostly cuts: the surname goes with the name after it
    surname_cut = np.zeros(n, dtype=bool)
    surname_cut[[i for i in longer if surname_ends(words[i], known)]] = True
    surname_cut &= lexicon.counts < rules.max_surname_tokens * occurrences
    status = statuses(words, occurrences, coh, left, right, continuation, inside, rules, loose, known, share,
                      straddled, numbered, composed, spelled, doubled_share, surname_cut)
    return Lexicon(words, lexicon.counts, coh, left, right, score, occurrences=occurrences, status=status, sort=sort)


def _joined_shares(joins: dict, occurrences, stats, scan, rules: ListRules) -> np.ndarray:
    """For each entry of ``joins`` (:func:`function_joins`, :func:`doubled_leads`), the least share of
    a joined word's occurrences it accounts for; NaN for the others. A joined word that is itself a
    piece (one unit continues it, as 尼亚 of 罗马尼亚) joins nothing."""
    share = np.full(len(occurrences), np.nan)
    for i, js in joins.items():
        shares = [occurrences[i] / max(1, stats.occurrences[k]) for k in (scan.index[j] for j in js)
                  if stats.continuation[k] < rules.max_continuation]
        share[i] = min(shares, default=np.nan)
    return share


def pair_chunks(keys: np.ndarray, counts: np.ndarray):
    """The occurrence pass's pairs :data:`PAIR_CHUNK` at a time, as (start, word, side, neighbour,
    counts) (:func:`~cikuang.ngrams.pair_fields`): a large corpus's table holds tens of millions,
    and the fields are 24 bytes a pair."""
    for at in range(0, len(keys), PAIR_CHUNK):
        yield (at, *pair_fields(keys[at : at + PAIR_CHUNK]), counts[at : at + PAIR_CHUNK])


def numbered_counts(keys: np.ndarray, counts: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Add to ``out`` (one per entry of the scan) how many of its occurrences a number precedes: a
    run of digits (:data:`NUMBER_NEIGHBOUR`) or a numeral character (:data:`HAN_NUMERALS`); from
    the occurrence pass's pair counts. Returns ``out``."""
    numbered_pairs(keys, counts, out, _NUMERAL_MASK, NUMBER_NEIGHBOUR)
    return out


def two_character_words(known) -> tuple[list[str], np.ndarray]:
    """The words of ``known`` that are two characters outside ASCII (Han), sorted by their key
    ``first code point << 32 | second``, and those keys."""
    words = [w for w in known if len(w) == 2 and w[0] > "\x7f" and w[1] > "\x7f"]
    keys = np.array([(ord(w[0]) << 32) | ord(w[1]) for w in words], dtype=np.uint64)
    by_key = np.argsort(keys)
    return [words[i] for i in by_key.tolist()], keys[by_key]


class Straddles:
    """The straddle test: which neighbour pairs (:func:`count_occurrences`' keys) have a neighbour
    that makes, with the entry's edge character, one of the two-character words ``pair_keys``
    (:func:`two_character_words`): 各 before 界人士 makes 各界. A particle or locative after a word
    is its context, not a straddle: 网上 in 官网上 says nothing.

    Made once for the entries ``scan_words`` (their edge characters, and the words' keys in a hash
    table) and called on each part of the pairs (:func:`_native.straddling_pairs`)."""

    def __init__(self, scan_words: list[str], pair_keys: np.ndarray):
        self.first, self.last = (
            np.frombuffer("".join(w[at] for w in scan_words).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            for at in (0, -1))
        self.words = table_from(pair_keys, np.arange(1, len(pair_keys) + 1))  # a pair's key -> its index + 1

    def __call__(self, keys: np.ndarray, counts: np.ndarray):
        """(entry index, side, index into ``pair_keys``, count) of the straddled pairs among these
        (a table's items, strided, as the engine gives them)."""
        return straddling_pairs(keys, counts, self.first, self.last, self.words, _TRAIL_MASK)


def straddled_share(word: np.ndarray, side: np.ndarray, pair: np.ndarray, count: np.ndarray,
                    is_word: np.ndarray, occurrences: np.ndarray) -> np.ndarray:
    """For each entry of the scan, the share of its occurrences that a word straddles, on the side
    where it does most (:class:`Straddles`' pairs; ``is_word`` says which two-character words count)."""
    n = len(occurrences)
    keep = is_word[pair] if len(pair) else np.zeros(0, bool)
    per_side = np.bincount(word[keep] * 2 + side[keep], weights=count[keep], minlength=2 * n).reshape(n, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(occurrences > 0, per_side.max(axis=1) / occurrences, 0.0)


def _part_statistics(splits: dict, scan: Lexicon, stats: OccurrenceStats, counts: Counts, lexicon: Lexicon):
    """The occurrences of every part of ``splits`` (a character's or a Latin run's unit count, a
    word's from the pass), and the free rate of every part: the share of its occurrences in which it is a token of
    its own, its count in the lexicon (tokens after segmentation) over its occurrences (0 for a part
    the lexicon lacks)."""
    parts = sorted({p for ss in splits.values() for ab in ss for p in ab})
    units = [p for p in parts if len(p) == 1 or p.isascii()]  # a character or a Latin run: one unit
    occurrences = dict(zip(units, counts.unit_counts(units).tolist()))
    occurrences.update((p, int(stats.occurrences[scan.index[p]])) for p in parts if p not in occurrences)
    index, token_counts = lexicon.index, lexicon.counts  # (counts is a copy: taken once)
    tokens = [int(token_counts[index[p]]) if p in index else 0 for p in parts]
    free = {p: t / occurrences[p] if occurrences[p] else 0.0 for p, t in zip(parts, tokens)}
    return occurrences, free


def _base_pieces(words: list[str], base_words) -> dict[int, list[tuple[str, int]]]:
    """For each entry (by index) that is a substring of base-dictionary words: those words, with how
    many times the entry occurs in each."""
    index = {w: i for i, w in enumerate(words) if len(w) >= 2}
    longest = max((len(w) for w in index), default=0)
    out: dict[int, list] = {}
    for b in base_words:
        if len(b) < 3:
            continue
        seen = {}
        for length in range(2, min(longest, len(b) - 1) + 1):
            for start in range(len(b) - length + 1):
                i = index.get(b[start : start + length])
                if i is not None:
                    seen[i] = seen.get(i, 0) + 1
        for i, times in seen.items():
            out.setdefault(i, []).append((b, times))
    return out
