"""The bundled demo corpus: 三国演义 (Romance of the Three Kingdoms, public domain), xz-compressed."""
from __future__ import annotations

import lzma
from importlib import resources


def demo_path():
    """The path of the compressed demo corpus inside the package (read it with :class:`Corpus`)."""
    return str(resources.files("cikuang") / "data" / "sanguo.txt.xz")


def demo_texts():
    """The demo corpus as a list of paragraphs (1.8 MB of text)."""
    with lzma.open(demo_path(), "rt", encoding="utf-8") as f:
        return f.read().splitlines()
