"""A big graph is prepared on a worker thread, which shares the GIL with the GUI thread.

Python code gives the GIL up every few milliseconds, but one C-level loop (``map``,
``dict(zip(...))``, ``np.fromiter``, ``np.array`` of a list) keeps it until it ends: over a
160k-node graph's cards, that froze the window for about 0.1 s. Such loops go a chunk at
a time instead.
"""

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

GIL_CHUNK = 16384
"""Items per C-level loop over a big graph's cards or edges."""

HANDOFF_SECONDS = 0.0005
"""The switch interval while a worker prepares a big graph (CPython's default: 5 ms)."""


class _QuickHandoff:
    """While a worker runs Python, a GUI thread waiting for the GIL waits up to a whole
    switch interval at each of the hundreds of times a paint lets the GIL go (every numpy
    and Qt call): a 30 ms overview paint took 0.33 s during a 100k-node load, and 0.09 s
    with this shorter interval. The worker is slowed by a few per cent.

    Nests, and works across threads: the interval is restored when the last one ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._saved = sys.getswitchinterval()

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self._saved, HANDOFF_SECONDS))
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    sys.setswitchinterval(self._saved)


quick_handoff = _QuickHandoff()
