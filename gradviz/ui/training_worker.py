"""Runs ``regression.train`` on a QThread; a shell that only checks flags and emits signals.

The control methods (``stop``, ``pause``, ``resume``, ``step_once``, ``set_pace``) are
called directly from the GUI thread and only set flags under a lock: a queued slot
would never run while ``run`` keeps this thread busy.

Results go out in batches, at most about 60 a second. With one signal per epoch the
GUI thread's work grows with the worker's speed (every delivery takes the GIL): at a few
thousand epochs a second the queue grew faster than the GUI drained it, the plots lagged
seconds behind, and both threads fought over the GIL.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import torch
from PySide6.QtCore import QObject, Signal, Slot

from gradviz.core.regression import EpochResult, Linear, train

FLUSH_SECONDS = 1 / 60  # the longest a result waits before it is sent


@dataclass(frozen=True)
class RunConfig:
    """Everything one run needs; the model is the worker's alone while it runs."""

    X: torch.Tensor
    y: torch.Tensor
    model: Linear
    lr: float
    epochs: int
    batch_size: int | None = None


@dataclass(frozen=True)
class RunSummary:
    """How a run ended: its last finite result and why it stopped."""

    epochs: int  # planned
    last: EpochResult | None
    stopped: bool = False
    diverged_at: int | None = None


class TrainingWorker(QObject):
    """Move to a QThread and connect ``QThread.started`` to ``run``."""

    epochs_done = Signal(object)  # tuple[EpochResult, ...], oldest first, never empty
    finished = Signal(object)  # RunSummary, after the last epochs_done
    failed = Signal(str)
    paused_at = Signal(int)  # the last epoch done, each time the worker starts waiting

    def __init__(self, config: RunConfig, pace: float | None = None, paused: bool = False):
        """``pace`` is epochs per second (None: as fast as possible)."""
        super().__init__()
        self._config = config
        self._lock = threading.Condition()
        self._stop = False
        self._paused = paused
        self._steps = 0
        self._pace = pace
        self._due = 0.0
        self._pending: list[EpochResult] = []
        self._flush_due = 0.0

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            self._lock.notify_all()

    def pause(self) -> None:
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            self._due = time.monotonic()
            self._lock.notify_all()

    def step_once(self) -> None:
        """Let exactly one epoch through while paused (ignored while running)."""
        with self._lock:
            if self._paused:
                self._steps += 1
                self._lock.notify_all()

    def set_pace(self, pace: float | None) -> None:
        with self._lock:
            self._pace = pace
            self._due = time.monotonic()
            self._lock.notify_all()

    @Slot()
    def run(self) -> None:
        try:
            summary = self._run()
        except Exception as exc:  # anything from torch must reach the GUI, not kill the thread
            self._flush()
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self._flush()
            self.finished.emit(summary)

    def _run(self) -> RunSummary:
        c = self._config
        results = train(c.X, c.y, c.model, c.lr, c.epochs, c.batch_size)
        last = None
        while self._wait_for_turn(0 if last is None else last.epoch):
            result = next(results, None)
            if result is None:
                return RunSummary(c.epochs, last)
            if not result.is_finite:
                return RunSummary(c.epochs, last, diverged_at=result.epoch)
            self._pending.append(result)
            last = result
            if time.monotonic() >= self._flush_due:
                self._flush()
        return RunSummary(c.epochs, last, stopped=True)

    def _flush(self) -> None:
        """Send the epochs not yet sent; also before every wait, so nothing lags behind."""
        if self._pending:
            self.epochs_done.emit(tuple(self._pending))
            self._pending.clear()
        self._flush_due = time.monotonic() + FLUSH_SECONDS

    def _wait_for_turn(self, epoch: int) -> bool:
        """Block until the next epoch may run (pause, step, pace); False once stopped."""
        announced = False
        with self._lock:
            while not self._stop:
                if self._paused:
                    if self._steps:
                        self._steps -= 1
                        return True
                    if not announced:
                        self._flush()
                        self.paused_at.emit(epoch)  # queued: the GUI learns it is really idle
                        announced = True
                    self._lock.wait()
                    continue
                now = time.monotonic()
                if self._pace and now < self._due:
                    self._flush()
                    self._lock.wait(self._due - now)
                    continue
                if self._pace:
                    self._due = now + 1 / self._pace
                return True
            return False
