"""Runs ``gradviz.evaluate`` on worker threads so a slow program never freezes painting.

Only torch work happens on a worker; results travel back as signals and every Qt item is
built on the GUI thread by whoever listens. Each request carries an id: a result whose id is
no longer the latest (the text was re-evaluated meanwhile) is dropped, and a queued request
that is already stale when a worker reaches it is skipped without running.

Two workers, not one: a running evaluation cannot be interrupted, so with a single worker
the user's corrected program would wait behind the slow one it replaces.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from gradviz import evaluate
from gradviz.core.deep_stack import DEEP_STACK_BYTES

BUSY_DELAY_MS = 100
"""Evaluations quicker than this never flash a busy indicator."""
WORKERS = 2


class _Results(QObject):
    """Lives on the GUI thread; workers emit through it, so delivery is queued there."""

    finished = Signal(int, object, float)  # request id, Evaluation, seconds
    failed = Signal(int, object)  # request id, exception


class BackgroundEvaluator(QObject):
    """Evaluates program text off the GUI thread; reports only the latest request.

    Call ``shutdown()`` before the owner goes away (the main window does it in closeEvent).
    """

    succeeded = Signal(object, float)  # Evaluation, seconds
    failed = Signal(object)  # the exception, usually a ProgramError
    busy_changed = Signal(bool)  # True once the latest request has run past BUSY_DELAY_MS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Read by workers, written here: a plain attribute rather than a queued "cancel"
        # message, which a busy worker could not receive anyway.
        self._latest_id = 0
        self._pending: int | None = None
        self._busy = False
        self._busy_timer = QTimer(self, singleShot=True, interval=BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(lambda: self._set_busy(True))
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(WORKERS)
        # A failed evaluation frees its deep autograd graph on the worker: see deep_stack.
        self._pool.setStackSize(DEEP_STACK_BYTES)
        self._results = _Results(self)
        self._results.finished.connect(self._on_finished)
        self._results.failed.connect(self._on_failed)

    @property
    def pending(self) -> bool:
        """True while the latest request has not been answered."""
        return self._pending is not None

    @property
    def busy(self) -> bool:
        return self._busy

    def submit(self, text: str, grad_outputs: object = None) -> int:
        """Queue ``text`` for evaluation, superseding any request still in flight.

        ``grad_outputs`` seeds a non-scalar output's backward (see ``gradviz.evaluate``)."""
        self._latest_id += 1
        request_id = self._pending = self._latest_id
        if not self._busy:
            self._busy_timer.start()
        self._pool.start(lambda: self._run(request_id, text, grad_outputs))
        return request_id

    def cancel(self) -> None:
        """Forget the request in flight: its result, when it comes, is dropped."""
        self._latest_id += 1
        self._finish_request()

    def shutdown(self) -> None:
        """Drop pending work and wait for running evaluations (they are bounded by limits)."""
        self.cancel()
        self._pool.waitForDone()

    def _run(self, request_id: int, text: str, grad_outputs: object) -> None:
        """Worker side: touches nothing but ``evaluate`` and the results' signals."""
        if request_id != self._latest_id:
            return
        start = time.perf_counter()
        try:
            evaluation = evaluate(text, grad_outputs=grad_outputs)
        except Exception as exc:  # every failure is reported, none may kill the worker
            self._results.failed.emit(request_id, exc)
        else:
            self._results.finished.emit(request_id, evaluation, time.perf_counter() - start)

    def _finish_request(self) -> None:
        self._pending = None
        self._busy_timer.stop()
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    @Slot(int, object, float)
    def _on_finished(self, request_id: int, evaluation: object, seconds: float) -> None:
        if request_id == self._pending:
            self._finish_request()
            self.succeeded.emit(evaluation, seconds)

    @Slot(int, object)
    def _on_failed(self, request_id: int, exc: object) -> None:
        if request_id == self._pending:
            self._finish_request()
            self.failed.emit(exc)
