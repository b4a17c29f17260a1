"""Mined words on top of a base dictionary (jieba's, or any ``word count [tag]`` file).

A mined lexicon's counts are counts in *this* corpus cut into words; a base dictionary's counts
are on the scale of whatever corpus it was built from (jieba's dictionary totals 60 M). To use the
two together, each mined word's probability is estimated from the corpus and put on the base's
scale:

    count_on_base(w) = round(CORPUS_WEIGHT × count(w) / corpus_tokens × base_total), at least 1

where ``corpus_tokens`` is the total count of the mined lexicon's segmentation entries (the tokens
of the corpus cut into its words) and ``base_total`` the total of the base dictionary. A word in
both keeps one entry, with the mined value: in this corpus, this corpus's estimate is the better one.

``CORPUS_WEIGHT`` is the weight of the corpus's own evidence against the base's. With 1 (the
mined words at their plain corpus probability), the base's many long entries and its frequent
single characters win too often. Measured on PKU 1998 and MSR training (transductive, F of the
merged segmenter; docs/benchmarks.md): weight 1: 0.859 / 0.851, 3: 0.869 / 0.858, 10: 0.872 /
0.859, 30: 0.872 / 0.859, 100: 0.870 / 0.859, so 10, the start of the flat part. jieba with the
exported words through ``load_userdict`` peaks at the same weight.

Which mined entries join the base (:data:`MERGED_STATUSES`): the word list, its case variants
(usb接口 beside USB接口) and the numbers (1998年, 16个; a base dictionary lacks them). The entries kept for the mined lexicon's own
segmentation (fragments, weak and rare collocations) would override the base's better-judged
words: adding them costs 2 F points on both corpora.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from .errors import CikuangError
from .lexicon import WORD, Lexicon, jieba_dictionary_path

CORPUS_WEIGHT = 10.0
#: The statuses of the mined entries that join a base dictionary.
MERGED_STATUSES = (WORD, "number", "variant")


def other_script_spellings(words: list[str], base_words) -> np.ndarray:
    """Which entries are a base-dictionary word in the other script: their Traditional-to-Simplified
    or Simplified-to-Traditional conversion (OpenCC's ``t2s``, ``s2t``) is a word of ``base_words``
    and they are not. A review corpus holds 謝謝, 問題, 服務員 (24 of its 314 listed words against
    jieba): no new words, although a segmenter of that text needs them (they stay in the lexicon)."""
    import opencc  # (loads in 10 ms; only --new-only needs it)

    out = np.zeros(len(words), dtype=bool)
    han = [i for i, w in enumerate(words) if not w.isascii() and w not in base_words]
    if not han:
        return out
    text = "\n".join(words[i] for i in han)  # one conversion each way: a word a line
    for config in ("t2s", "s2t"):
        convert = opencc.OpenCC(config + ".json").convert
        converted = convert(text).split("\n")
        if len(converted) != len(han):  # (never seen: a conversion that moved a line end)
            converted = [convert(words[i]) for i in han]
        for i, c in zip(han, converted):
            if c != words[i] and c in base_words:
                out[i] = True
    return out


def load_base_lexicon(base) -> Lexicon:
    """A base dictionary with its counts: a path (jieba format, or a cikuang lexicon), ``"jieba"``
    for jieba's own dictionary, a :class:`Lexicon`, or a mapping of word to count."""
    if isinstance(base, Lexicon):
        return base
    if isinstance(base, Mapping):
        return Lexicon(list(base.keys()), list(base.values()))
    if isinstance(base, (str, os.PathLike)):
        return Lexicon.load(jieba_dictionary_path() if str(base) == "jieba" else base)
    raise CikuangError(f"a base dictionary with counts must be a path, 'jieba', a Lexicon or a mapping of "
                       f"word to count, not {type(base).__name__}")


def corpus_tokens(lexicon: Lexicon) -> int:
    """The tokens of the corpus cut into the words of ``lexicon``: the total of its counts."""
    counts = lexicon.counts
    return int(counts[counts > 0].sum())


def on_base_scale(lexicon: Lexicon, base: Lexicon, *, tokens: int | None = None,
                  weight: float = CORPUS_WEIGHT) -> Lexicon:
    """``lexicon`` with every count put on ``base``'s scale (the module's rule; statistics kept).
    ``tokens``: the corpus's tokens, by default the total of ``lexicon``'s counts (pass the whole
    lexicon's when ``lexicon`` is a part of it). A word-list entry with no segmentation count (a
    compound) is scaled from its occurrences."""
    if weight <= 0:
        raise CikuangError(f"the corpus weight must be positive, not {weight!r}")
    tokens = corpus_tokens(lexicon) if tokens is None else tokens
    counts = lexicon.counts
    occurrences = lexicon.column("occurrences")
    counts = np.where(counts > 0, counts, np.maximum(occurrences, 1)).astype(np.float64)
    base_total = max(corpus_tokens(base), 1)
    scaled = np.maximum(1, np.rint(weight * counts / max(tokens, 1) * base_total)).astype(np.int64)
    return Lexicon(lexicon.words, scaled, *lexicon.to_columns(), occurrences=occurrences,
                   status=lexicon.column("status"), sort=lexicon.sort)


def merged(lexicon: Lexicon, base: Lexicon, *, weight: float = CORPUS_WEIGHT) -> dict[str, int]:
    """The counts of one model of ``base`` and the words of ``lexicon`` (its entries of
    :data:`MERGED_STATUSES` with a count), those on ``base``'s scale; a word in both keeps the
    mined count. Base words first, in ``base``'s order, then the mined words new to it."""
    status = lexicon.column("status")
    joining = np.isin(status, MERGED_STATUSES) & (lexicon.counts > 0)
    mined = on_base_scale(lexicon.take(joining), base, tokens=corpus_tokens(lexicon), weight=weight)
    counts = dict(zip(base.words, base.counts.tolist()))
    counts.update(zip(mined.words, mined.counts.tolist()))
    return counts
