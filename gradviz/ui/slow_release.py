"""Work spread over event-loop turns, a time slice each: dropping a big graph's leftovers.

Replacing a 100k-node graph let go of its prepared scene in one go: some two million
objects (card texts, sizes, routes, layout, index dicts) freed inside one call, 0.3 s with
the window frozen; removing 100k items from a scene at once takes most of a second too.
Done a slice at a time, the same work leaves the window painting in between.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from PySide6.QtCore import QObject, QTimer

SLICE_SECONDS = 0.02
START_DELAY_MS = 200
"""The first slice waits this long: work handed over when a new graph is shown must not
share an event-loop turn with that graph's first paint (tens of ms for a big one)."""
_ENTRIES_AT_ONCE = 4096


class InSlices(QObject):
    """Calls ``_chunk`` until it returns True, for about ``slice_seconds`` an event-loop
    turn (at least one chunk a turn), then ``_finish``, then deletes itself."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._step)
        self._timer.start(START_DELAY_MS)

    def slice_seconds(self) -> float:
        return SLICE_SECONDS

    def _chunk(self) -> bool:
        raise NotImplementedError

    def _finish(self) -> None:
        """Called once, after the last chunk."""

    def _step(self) -> None:
        self._timer.setInterval(0)
        deadline = time.perf_counter() + self.slice_seconds()
        while not self._chunk():
            if time.perf_counter() > deadline:
                return
        self._timer.stop()
        self._finish()
        self.deleteLater()


class SlowRelease(InSlices):
    """Empties ``containers`` (dicts and lists) in place. Only containers nothing on screen
    reads any more may be handed over."""

    def __init__(self, containers: Iterable[dict | list], parent: QObject) -> None:
        super().__init__(parent)
        self._containers = [c for c in containers if c]

    def done(self) -> bool:
        return not self._containers

    def _chunk(self) -> bool:
        containers = self._containers
        if containers:
            container = containers[-1]
            if isinstance(container, dict):
                for _ in range(min(_ENTRIES_AT_ONCE, len(container))):
                    container.popitem()
            else:
                del container[-_ENTRIES_AT_ONCE:]
            if not container:
                containers.pop()
        return not containers
