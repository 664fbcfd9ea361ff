"""A big graph is prepared on a worker thread, which shares the GIL with the GUI thread.

Python code gives the GIL up every few milliseconds, but one C-level loop (``map``,
``dict(zip(...))``, ``np.fromiter``, ``np.array`` of a list) keeps it until it ends: over a
160k-node graph's cards, that froze the window for about 0.1 s. Such loops go a chunk at
a time instead.
"""

import sys

from gradviz.core.process_switch import ProcessSwitch

GIL_CHUNK = 16384
"""Items per C-level loop over a big graph's cards or edges."""

HANDOFF_SECONDS = 0.0005
"""The switch interval while a worker prepares a big graph (CPython's default: 5 ms)."""


class _QuickHandoff(ProcessSwitch):
    """While a worker runs Python, a GUI thread waiting for the GIL waits up to a whole
    switch interval at each of the hundreds of times a paint lets the GIL go (every numpy
    and Qt call): a 30 ms overview paint took 0.33 s during a 100k-node load, and 0.09 s
    with this shorter interval. The worker is slowed by a few per cent.

    Nests, and works across threads: the interval is restored when the last one ends.
    """

    def __init__(self) -> None:
        super().__init__()
        self._saved = sys.getswitchinterval()

    def _enter(self) -> None:
        self._saved = sys.getswitchinterval()
        sys.setswitchinterval(min(self._saved, HANDOFF_SECONDS))

    def _leave(self) -> None:
        sys.setswitchinterval(self._saved)


quick_handoff = _QuickHandoff()
