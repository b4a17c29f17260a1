"""cikuang (词矿): unsupervised new-word discovery for Chinese.

>>> import cikuang
>>> lexicon = cikuang.discover("corpus.txt")          # doctest: +SKIP
>>> lexicon[:3]                                        # doctest: +SKIP
>>> lexicon.save("words.txt", format="jieba")          # doctest: +SKIP
>>> cikuang.Segmenter(lexicon).cut("新词发现的效果")     # doctest: +SKIP
>>> cikuang.evaluate("gold.txt", "pred.txt").f1        # doctest: +SKIP
"""
from .corpus import Corpus
from .counting import NgramCounts
from .discover import Discoverer, discover
from .errors import CikuangError
from .evaluate import Scores, evaluate
from .lexicon import Entry, Lexicon
from .ngrams import count
from .segment import Segmenter, segment

__all__ = ["discover", "count", "Discoverer", "Lexicon", "Entry", "Corpus", "NgramCounts", "CikuangError",
           "evaluate", "Scores", "Segmenter", "segment"]
__version__ = "0.1.0"
