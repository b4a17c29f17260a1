"""The bundled demo corpus: 三国演义 (Romance of the Three Kingdoms, public domain), xz-compressed."""
from __future__ import annotations

from importlib import resources


def demo_path():
    """The path of the compressed demo corpus inside the package (read it with :class:`Corpus`)."""
    return str(resources.files("cikuang") / "data" / "sanguo.txt.xz")
