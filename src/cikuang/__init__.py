"""cikuang (词矿): unsupervised new-word discovery for Chinese.

>>> import cikuang
>>> lexicon = cikuang.discover("corpus.txt")          # doctest: +SKIP
>>> lexicon[:3]                                        # doctest: +SKIP
>>> lexicon.save("words.txt", format="jieba")          # doctest: +SKIP
>>> cikuang.Segmenter(lexicon).lcut("新词发现的效果")     # doctest: +SKIP
>>> cikuang.evaluate("gold.txt", "pred.txt").f1        # doctest: +SKIP
"""
from __future__ import annotations

import importlib

from ._version import __version__  # (written once, there)

TYPE_CHECKING = False  # (typing.TYPE_CHECKING without importing typing: type checkers read it as True)

#: The public names and the module of each. They are imported when first used (PEP 562), so that
#: ``import cikuang`` and the command's start cost no NumPy, and a Ctrl-C while the command starts
#: can be caught where it starts (``cikuang.__main__``).
_API = {
    "discover": "discovery", "count": "discovery", "Discoverer": "discovery", "DiscoverySpec": "spec",
    "Lexicon": "lexicon", "Entry": "lexicon", "Corpus": "corpus", "NgramCounts": "ngrams", "NgramTable": "ngrams",
    "CikuangError": "errors", "evaluate": "evaluation", "Scores": "evaluation", "Segmenter": "segmenter",
    "segment": "segmenter", "merge_counts": "savedcounts", "SavedCounts": "savedcounts", "report": "htmlreport",
}
__all__ = list(_API)

if TYPE_CHECKING:  # for type checkers and IDEs, which do not run __getattr__
    from .corpus import Corpus
    from .discovery import Discoverer, count, discover
    from .errors import CikuangError
    from .evaluation import Scores, evaluate
    from .htmlreport import report
    from .lexicon import Entry, Lexicon
    from .ngrams import NgramCounts, NgramTable
    from .savedcounts import SavedCounts, merge_counts
    from .segmenter import Segmenter, segment
    from .spec import DiscoverySpec


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'cikuang' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # once: later look-ups do not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))

