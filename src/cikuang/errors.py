"""The one exception type users need to catch."""
from __future__ import annotations


class CikuangError(Exception):
    """Bad input or parameters. ``str(err)`` is one line naming the file (if any) and the cause."""

    def __init__(self, cause: str, source: str | None = None):
        self.cause = cause
        self.source = source
        super().__init__(f"{source}: {cause}" if source else cause)
