"""Progress bars on stderr (tqdm), or nothing at all."""
from __future__ import annotations


class _NullBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class Progress:
    """Makes one bar per pass when enabled; ``enabled=None`` shows bars only on a terminal."""

    def __init__(self, enabled: bool | None = False):
        self.enabled = enabled

    def bar(self, label: str, total: int | None = None, unit: str = "it"):
        if self.enabled is False:
            return _NullBar()
        from tqdm import tqdm

        return tqdm(total=total, desc=f"cikuang: {label}", unit=unit, unit_scale=True, leave=False,
                    disable=None if self.enabled is None else False, dynamic_ncols=True, mininterval=0.5)

