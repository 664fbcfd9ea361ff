"""Per-epoch numbers of one run, kept so that a redraw costs the points drawn, not the epochs run.

A million-epoch run must not make each frame slower: ``decimated`` returns strided
views of at most ``limit`` rows (always including the latest), so drawing stays O(limit).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gradviz.core.regression import EpochResult

_COLUMNS = ("epoch", "loss", "w", "b")


class RunHistory:
    """Growable columns epoch, loss, w, b: one row per ``EpochResult``."""

    def __init__(self) -> None:
        self._rows = np.empty((1024, len(_COLUMNS)))
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def clear(self) -> None:
        self._size = 0

    def extend(self, results: Sequence[EpochResult]) -> None:
        needed = self._size + len(results)
        if needed > len(self._rows):
            grown = np.empty((max(needed, 2 * len(self._rows)), len(_COLUMNS)))
            grown[: self._size] = self._rows[: self._size]
            self._rows = grown
        self._rows[self._size : needed] = [(r.epoch, r.loss, r.w, r.b) for r in results]
        self._size = needed

    def decimated(self, limit: int = 2000) -> dict[str, np.ndarray]:
        """Columns by name, thinned by a stride to at most ``limit`` + 1 rows."""
        stride = max(1, -(-self._size // limit))
        rows = self._rows[: self._size : stride]
        if self._size and (self._size - 1) % stride:
            rows = np.vstack([rows, self._rows[self._size - 1]])
        return {name: rows[:, i] for i, name in enumerate(_COLUMNS)}
