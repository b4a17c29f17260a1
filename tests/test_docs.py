"""The examples in the package's docstrings hold."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["cikuang", "cikuang.corpus", "cikuang.discover", "cikuang.ngrams", "cikuang.lexicon",
           "cikuang.textmodel", "cikuang.counting", "cikuang.scoring", "cikuang.evaluate", "cikuang.segment"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, verbose=False, report=True)
    assert result.failed == 0
