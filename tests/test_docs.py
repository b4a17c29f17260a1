"""The examples in the package's docstrings hold."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["cikuang", "cikuang.corpus", "cikuang.discovery", "cikuang.ngrams", "cikuang.lexicon",
           "cikuang.textmodel", "cikuang.scoring", "cikuang.evaluation", "cikuang.segmenter", "cikuang.spec",
           "cikuang.recipe", "cikuang.candidates", "cikuang.refine"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, verbose=False, report=True)
    assert result.failed == 0
