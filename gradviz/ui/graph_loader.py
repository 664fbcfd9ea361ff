"""Prepares a large graph's scene (texts, sizes, layout, routes) on a worker thread.

Only ``prepare_scene`` runs on the worker, with its own ``CardMetrics``; results come back
as queued signals to the GUI thread. Like ``BackgroundEvaluator``, each request has an id:
``cancel()`` or a newer ``start()`` makes the older one stop at its next step, and whatever
it still reports is dropped, so the graph on screen stays as it was.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot
from PySide6.QtGui import QFont

from gradviz.core.deep_stack import DEEP_STACK_BYTES
from gradviz.core.gil import quick_handoff
from gradviz.core.trace import gc_paused
from gradviz.ui.node_item import CardMetrics
from gradviz.ui.scene_prep import Cancelled, PreparedScene, prepare_scene


class _Results(QObject):
    """Lives on the GUI thread; the worker emits through it, so delivery is queued there."""

    progress = Signal(int, float)  # request id, fraction done
    prepared = Signal(int, object)  # request id, PreparedScene
    failed = Signal(int, object)  # request id, exception


class GraphLoader(QObject):
    """Runs ``prepare_scene`` off the GUI thread; reports only the latest request."""

    progress = Signal(float)  # fraction of the preparation done
    prepared = Signal(object)  # PreparedScene
    failed = Signal(object)  # the exception

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._latest_id = 0  # read by the worker: a flag, not a queued message
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        # The graph's last reference may be dropped here: see deep_stack.
        self._pool.setStackSize(DEEP_STACK_BYTES)
        self._results = _Results(self)
        self._results.progress.connect(self._on_progress)
        self._results.prepared.connect(self._on_prepared)
        self._results.failed.connect(self._on_failed)

    def start(self, graph, font: QFont) -> None:
        """Prepare ``graph``'s scene, measuring text in ``font``; supersedes any request."""
        self._latest_id += 1
        request_id = self._latest_id
        font = QFont(font)
        self._pool.start(lambda: self._run(request_id, graph, font))

    def cancel(self) -> None:
        """Stop the request in flight at its next step; nothing more is reported for it."""
        self._latest_id += 1

    def wait(self) -> None:
        """Block until the worker is idle (shutdown and tests)."""
        self._pool.waitForDone()

    def _run(self, request_id: int, graph, font: QFont) -> None:
        """Worker side: touches nothing but ``prepare_scene`` and the results' signals."""
        if request_id != self._latest_id:
            return
        try:
            with gc_paused(), quick_handoff():
                prepared = prepare_scene(
                    graph,
                    CardMetrics(font),
                    progress=lambda f: self._results.progress.emit(request_id, f),
                    cancelled=lambda: request_id != self._latest_id,
                )
        except Cancelled:
            return
        except Exception as exc:  # every failure is reported, none may kill the worker
            self._results.failed.emit(request_id, exc)
        else:
            self._results.prepared.emit(request_id, prepared)

    @Slot(int, float)
    def _on_progress(self, request_id: int, fraction: float) -> None:
        if request_id == self._latest_id:
            self.progress.emit(fraction)

    @Slot(int, object)
    def _on_prepared(self, request_id: int, prepared: PreparedScene) -> None:
        if request_id == self._latest_id:
            self.prepared.emit(prepared)

    @Slot(int, object)
    def _on_failed(self, request_id: int, exc: Exception) -> None:
        if request_id == self._latest_id:
            self.failed.emit(exc)
