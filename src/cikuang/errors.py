"""The one exception type users need to catch, and the errors more than one stage raises."""
from __future__ import annotations


class CikuangError(Exception):
    """Bad input or parameters. ``str(err)`` is one line naming the file (if any) and the cause."""

    def __init__(self, cause: str, source: str | None = None):
        self.cause = cause
        self.source = source
        super().__init__(f"{source}: {cause}" if source else cause)


def nothing_to_mine(what: str) -> CikuangError:
    """The error for a corpus without a single unit."""
    return CikuangError("no text to mine: no Han character, letter or digit found", what)


def no_frequent_unit(min_count: int, what: str) -> CikuangError:
    """The error when every unit is rarer than ``min_count`` (so none gets an id)."""
    return CikuangError(f"no unit occurs {min_count} times; lower --min-count", what)


def nothing_kept(min_count: int, min_pmi, what: str) -> CikuangError:
    """The error for an empty kept set: a lexicon of single characters would be no result at all."""
    return CikuangError(
        f"no n-gram passes the thresholds (min count {min_count}, min PMI "
        f"{','.join(f'{x:g}' for x in min_pmi)}); the corpus may be too small or the thresholds too high", what)


def needs_package(what: str, extra: str, package: str | None = None) -> CikuangError:
    """The error when an optional dependency is missing."""
    return CikuangError(f"{what} needs {package or extra}: pip install \"cikuang[{extra}]\"")
