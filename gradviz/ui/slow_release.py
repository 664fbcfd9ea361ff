"""Drops a big graph's bookkeeping a slice at a time once a new graph is on screen.

Replacing a 100k-node graph let go of its prepared scene in one go: some two million
objects (card texts, sizes, routes, layout, index dicts) freed inside one call, 0.3 s with
the window frozen. Emptying those containers a slice at a time frees the same objects
while the window keeps painting. Only containers nothing on screen reads any more may be
handed over: each is emptied in place.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from PySide6.QtCore import QObject, QTimer

SLICE_SECONDS = 0.02
_ENTRIES_AT_ONCE = 4096


class SlowRelease(QObject):
    """Empties ``containers`` (dicts and lists) in slices, then deletes itself."""

    def __init__(self, containers: Iterable[dict | list], parent: QObject) -> None:
        super().__init__(parent)
        self._containers = [c for c in containers if c]
        self._timer = QTimer(self, interval=0)
        self._timer.timeout.connect(self._step)
        self._timer.start()

    def _step(self) -> None:
        deadline = time.perf_counter() + SLICE_SECONDS
        containers = self._containers
        while containers:  # at least one chunk a turn
            container = containers[-1]
            if isinstance(container, dict):
                for _ in range(min(_ENTRIES_AT_ONCE, len(container))):
                    container.popitem()
            else:
                del container[-_ENTRIES_AT_ONCE:]
            if not container:
                containers.pop()
            if time.perf_counter() > deadline:
                break
        if not containers:
            self._timer.stop()
            self.deleteLater()

    def done(self) -> bool:
        return not self._containers
