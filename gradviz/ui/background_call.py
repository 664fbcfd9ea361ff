"""Run follow-up torch work (gradient checks, Jacobians, derivative graphs) off the GUI thread.

Each ``BackgroundCall`` answers only its latest request: a newer graph makes older work
stale, and a stale request still queued is skipped without running. Calls that touch the
same live autograd graph must not run at once, so they can share one single-thread pool.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from gradviz.core.deep_stack import DEEP_STACK_BYTES


def single_thread_pool(parent: QObject) -> QThreadPool:
    """A pool that runs one job at a time, with the deep stack autograd graphs may need."""
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(1)
    pool.setStackSize(DEEP_STACK_BYTES)
    return pool


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits through it, so delivery is queued there."""

    finished = Signal(int, object)
    failed = Signal(int, object)


class BackgroundCall(QObject):
    """``submit(fn)`` runs ``fn()`` on ``pool``; ``finished(result)`` or ``failed(exc)``
    follows on the GUI thread, for the latest request only. ``fn`` must not touch widgets."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, pool: QThreadPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        # Read by the worker, written here: a plain attribute, since a busy worker could
        # not receive a queued "cancel" anyway.
        self._latest = 0
        self._pending = False
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished)
        self._relay.failed.connect(self._on_failed)

    @property
    def pending(self) -> bool:
        """True while the latest request has not been answered."""
        return self._pending

    def submit(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` off the GUI thread, superseding any request still in flight."""
        self._latest += 1
        request, self._pending = self._latest, True
        self._pool.start(lambda: self._run(request, fn))

    def cancel(self) -> None:
        """Forget the request in flight: its result, when it comes, is dropped."""
        self._latest += 1
        self._pending = False

    def _run(self, request: int, fn: Callable[[], object]) -> None:
        if request != self._latest:
            return
        try:
            result = fn()
        except Exception as exc:  # every failure is reported, none may kill the worker
            self._relay.failed.emit(request, exc)
        else:
            self._relay.finished.emit(request, result)

    @Slot(int, object)
    def _on_finished(self, request: int, result: object) -> None:
        if request == self._latest and self._pending:
            self._pending = False
            self.finished.emit(result)

    @Slot(int, object)
    def _on_failed(self, request: int, exc: object) -> None:
        if request == self._latest and self._pending:
            self._pending = False
            self.failed.emit(exc)
