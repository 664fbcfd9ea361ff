"""``GRADVIZ_STARTUP_PROBE=1``: report start-up times on stdout, then quit.

For ``tests/benchmarks/bench_startup.py``: the app prints ``first-paint <unix time>`` when its
first window (the start-up window) paints and ``graph-shown <unix time>`` when the first graph
is on screen, then exits. Unset (always, in normal use), nothing is installed.
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QEvent, QObject, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication, QWidget

ENV_VAR = "GRADVIZ_STARTUP_PROBE"


class _FirstPaint(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self._window and event.type() == QEvent.Type.Paint:
            self._window.removeEventFilter(self)
            print(f"first-paint {time.time():.6f}", flush=True)
        return False


def install(window: QWidget) -> None:
    """Report ``window``'s first paint, if asked to."""
    if os.environ.get(ENV_VAR) == "1":
        _FirstPaint(window)


def watch_graph(graph_shown: SignalInstance) -> None:
    """Report ``graph_shown``'s first emission and quit, if asked to."""
    if os.environ.get(ENV_VAR) != "1":
        return

    def shown(*_args: object) -> None:
        print(f"graph-shown {time.time():.6f}", flush=True)
        QTimer.singleShot(0, QApplication.quit)

    graph_shown.connect(shown)
