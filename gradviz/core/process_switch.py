"""A process-wide setting (the GC, the GIL's switch interval) changed for as long as any of
several overlapping holders, on any threads, needs it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ProcessSwitch:
    """``with switch():`` calls ``_enter`` when the first holder begins and ``_leave`` when
    the last one ends; holders nest and may run on several threads at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0

    def _enter(self) -> None:
        raise NotImplementedError

    def _leave(self) -> None:
        raise NotImplementedError

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._enter()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    self._leave()
