"""The discovery recipe, written once: each step of the method, over any engine.

    encode → unit ids → count each length (Apriori) and keep → cut and count fragments
           → candidates → lexicon → refine → word list (occurrences, entropies, statuses)

:func:`discover_words` reads as those steps. It takes a :class:`~cikuang.spec.DiscoverySpec` (what
to find) and an :class:`~cikuang.engines.base.Engine` (the corpus, and where the passes over it
run); it does everything that is not a pass over the corpus itself, so that the local and the
Spark engine cannot drift apart. :func:`count_ngrams` is the ``count`` command's shorter recipe.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .candidates import KeptNgrams, candidates, chain_words, output_lexicon, with_list_candidates, word_filter
from .engines.base import Apriori, Engine, KeptSet, UnitTotals
from .errors import no_frequent_unit, nothing_kept, nothing_to_mine
from .basedict import corpus_tokens
from .lexicon import Lexicon, load_base_words
from .listrules import ListRules
from .ngrams import NgramCounts, UnitIds, bits_for, fits, key_lengths, pair_map
from .refine import refine
from .scoring import LevelScorer, resolve_scorer
from .spec import DiscoverySpec
from .wordlist import Counts, describe


@dataclass
class Discovery:
    """What a discovery learned: the lexicon and the settings the corpus resolved."""

    lexicon: Lexicon
    n_units: int  # N: unit tokens in the corpus
    min_count: int
    min_pmi: tuple[float, ...]
    order: int
    n_kept: int  # kept n-grams
    n_tokens: int  # tokens of the corpus cut into the lexicon's words, before --new-only drops any
    rules: ListRules  # the word list's rules, their automatic thresholds filled for this corpus


def discover_words(engine: Engine, spec: DiscoverySpec, base_words: set[str] | None = None) -> Discovery:
    """Mine the words of ``engine``'s corpus as ``spec`` says; ``base_words`` are dropped from the
    output (``--new-only``)."""
    units = encode(engine)
    min_count = spec.min_count_for(units.n_units)
    order = spec.order
    unit_ids, lone = keyed_units(engine, units, min_count, order)
    bits = bits_for(len(unit_ids), order)  # (keyed_units has made them fit)
    engine.use_ids(unit_ids, order, bits)

    kept, frequent = keep_ngrams(engine, units, unit_ids, spec, min_count, bits)
    kept_set = KeptSet.of(kept.keys, key_lengths(kept.keys, order, bits), order, bits)

    listing = spec.neighbours and spec.word_list
    frags = engine.count_fragments(kept_set, min_count, with_dropped=listing)
    cand = candidates(frags, kept, unit_ids, units.vocab, order, bits, lone, units.counts[lone])
    lexicon = output_lexicon(cand, word_filter(cand.words, cand.single_latin, spec.keep_numbers, None))

    if spec.refine:
        lexicon = refine(lexicon, min_count, spec.keep_numbers, engine.map_blocks, spec.compounds)
    chains = frozenset()
    if listing:  # the chains the backtrack rule rejected: long words, for the list only (澳大利亚)
        chains = frozenset(chain_words(frags, unit_ids, units.vocab)) - set(lexicon.index)
        lexicon = with_list_candidates(lexicon, sorted(chains))
    rules = list_rules(spec, min_count).for_corpus(units.n_units)
    if spec.neighbours:  # the word list: occurrences, entropies, cohesion, statuses
        lexicon = describe(lexicon, Counts(frequent, unit_ids, units.vocab, units.n_units, units.counts, spec.scorer),
                           rules, engine.count_pairs, base_words, spec.sort, chains)
    n_tokens = corpus_tokens(lexicon)
    if base_words:  # --new-only, after the stages that use the whole lexicon
        lexicon = lexicon.take(np.array([w not in base_words for w in lexicon.words], dtype=bool))
    return Discovery(lexicon, units.n_units, min_count, spec.min_pmi, order, len(kept.keys), n_tokens, rules)


def list_rules(spec: DiscoverySpec, min_count: int) -> ListRules:
    """The word list's rules from the spec (a rule off with ``word_list=False``: every entry is a word)."""
    if not spec.word_list:
        return ListRules(min_cohesion=-math.inf, min_entropy=-math.inf, min_occurrences=0, max_continuation=math.inf,
                         min_length=0, keep_everything=True)
    stop = frozenset(load_base_words(spec.stopwords)) if spec.stopwords is not None else frozenset()
    return ListRules(min_cohesion=spec.min_cohesion, min_entropy=spec.min_entropy,
                     min_occurrences=max(min_count, 5), min_length=spec.min_length, han_only=spec.han_only,
                     stopwords=stop)


def encode(engine: Engine) -> UnitTotals:
    """Read the corpus once; an error if it holds no unit at all."""
    units = engine.encode()
    if units.n_units == 0:
        raise nothing_to_mine(engine.name)
    return units


def frequent_units(units: UnitTotals, min_count: int, name: str) -> UnitIds:
    """Dense ids of the units counted at least ``min_count`` times (rarer ones can be in no word
    of two or more units: they act as clause boundaries for n-grams)."""
    unit_ids = UnitIds.by_frequency(units.counts, min_count)
    if len(unit_ids) == 0:
        raise no_frequent_unit(min_count, name)
    return unit_ids


def keyed_units(engine: Engine, units: UnitTotals, min_count: int, order: int) -> tuple[UnitIds, np.ndarray]:
    """The units that n-grams are keyed by, and the codes of the frequent units left out ("lone").

    The units counted at least ``min_count`` times get dense ids, ``bits`` each in a key of up to
    ``order`` units. When there are more than 64-bit keys hold (65,535 at order 4: a web crawl's
    Latin tokens), only the units of a frequent pair get ids, from one pass that counts the pairs
    (a key of two units holds any number of units). A unit in no pair counted ``min_count`` times
    is in no frequent n-gram of two or more units (an n-gram is never more frequent than its
    pairs), so the cut falls on both sides of each of its occurrences: it is a candidate of one
    unit whose count is its own, and otherwise a clause boundary, as a rare unit is. The words are
    those wider keys would give. An error if the units of frequent pairs do not fit either.
    """
    unit_ids = frequent_units(units, min_count, engine.name)
    if fits(len(unit_ids), order):
        return unit_ids, np.zeros(0, dtype=np.int64)
    pair_bits = bits_for(len(unit_ids), 2, engine.name, units.counts)
    engine.use_ids(unit_ids, 2, pair_bits)
    pairs = engine.count_level(2, min_count, None, unscored).keys
    in_pairs = np.unique(np.concatenate((pairs >> np.uint64(pair_bits), pairs & np.uint64((1 << pair_bits) - 1))))
    paired = np.zeros(len(units.counts), dtype=bool)
    paired[unit_ids.codes[in_pairs.astype(np.int64)]] = True
    keyed = UnitIds.by_frequency(np.where(paired, units.counts, 0), min_count)
    # the --min-count it suggests is one at which the frequent units fit without this
    bits_for(len(keyed), order, engine.name, units.counts, units="units of frequent pairs")
    lone = unit_ids.codes[1:][~paired[unit_ids.codes[1:]]].astype(np.int64)
    return keyed, np.sort(lone)


def unscored(keys: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """No score (the pairs :func:`keyed_units` counts are only looked at)."""
    return np.zeros(len(keys))


def keep_ngrams(engine: Engine, units: UnitTotals, unit_ids: UnitIds, spec: DiscoverySpec, min_count: int,
                bits: int) -> tuple[KeptNgrams, NgramCounts]:
    """Count each length in turn and keep the n-grams whose cohesion passes its length's threshold.

    Apriori: a window of L units is counted only when its two parts of L − 1 units reached
    ``min_count``, since an n-gram is never more frequent than its parts; the counts are exact for
    every n-gram that can matter. Each level is scored where the engine holds its counts, against
    the counts of every shorter frequent n-gram. Returns the kept n-grams, and the counts of every
    n-gram that reached ``min_count`` (the word list scores its entries with them).
    """
    scorer = resolve_scorer(spec.scorer)
    n = units.n_units
    ids = np.arange(1, len(unit_ids) + 1, dtype=np.uint64)  # unigrams: encode counted them
    shorter = NgramCounts(ids, units.counts[unit_ids.codes[1:]].astype(np.int64), spec.order, bits)
    kept_keys, kept_cohesion = [], []
    apriori = None
    for length in range(2, spec.order + 1):
        level = engine.count_level(length, min_count, apriori, LevelScorer(scorer, n, shorter))
        if len(level.keys) == 0:
            break
        keep = level.scores >= spec.min_pmi[length - 1]
        kept_keys.append(level.keys[keep])
        kept_cohesion.append(level.scores[keep])
        shorter = shorter.extended(level.keys, level.counts)
        apriori = Apriori(level.keys, apriori.pairs if apriori is not None else pair_map(level.keys, bits))
    if not kept_keys or sum(len(k) for k in kept_keys) == 0:
        raise nothing_kept(min_count, spec.min_pmi, engine.name)
    return KeptNgrams(np.concatenate(kept_keys), np.concatenate(kept_cohesion)), shorter


def count_ngrams(engine: Engine, order: int):
    """Every n-gram of 1..``order`` units with its exact count, as the engine's table (in wide
    keys of two words when ``order`` units do not fit one: count has no floor, so every unit of the
    corpus has an id)."""
    units = encode(engine)
    unit_ids = UnitIds.by_frequency(units.counts)
    engine.use_ids(unit_ids, order, bits_for(len(unit_ids), order, engine.name, words=2))
    return engine.count_all(order)
