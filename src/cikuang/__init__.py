"""cikuang (词矿): unsupervised new-word discovery for Chinese.

>>> import cikuang
>>> lexicon = cikuang.discover("corpus.txt")          # doctest: +SKIP
>>> lexicon[:3]                                        # doctest: +SKIP
>>> lexicon.save("words.txt", format="jieba")          # doctest: +SKIP
>>> cikuang.Segmenter(lexicon).lcut("新词发现的效果")     # doctest: +SKIP
>>> cikuang.evaluate("gold.txt", "pred.txt").f1        # doctest: +SKIP
"""
from .corpus import Corpus
from .discovery import Discoverer, count, discover
from .errors import CikuangError
from .evaluation import Scores, evaluate
from .htmlreport import report
from .lexicon import Entry, Lexicon
from .ngrams import NgramCounts, NgramTable
from .segmenter import Segmenter, segment
from .savedcounts import SavedCounts, merge_counts
from .spec import DiscoverySpec

__all__ = ["discover", "count", "Discoverer", "DiscoverySpec", "Lexicon", "Entry", "Corpus", "NgramCounts",
           "NgramTable", "CikuangError", "evaluate", "Scores", "Segmenter", "segment", "merge_counts",
           "SavedCounts", "report"]
__version__ = "0.1.0"  # the one place the version is written: pyproject.toml reads it from here
