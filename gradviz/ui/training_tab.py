"""The training tab: watch textbook SGD fit a line, with the epochs on a worker thread.

The worker only emits results. This tab keeps the latest one and the history, and a
timer redraws from them, one plot per tick, at most ~60 ticks a second and less when
drawing is slow: the GUI's cost does not grow with the worker's speed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum, auto

import numpy as np
import torch
from PySide6.QtCore import Qt, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.regression import (
    EpochResult,
    Linear,
    LossSurface,
    least_squares,
    make_data,
    step_graph,
)
from gradviz.ui import palette
from gradviz.ui.landscape import LandscapePlot
from gradviz.ui.training_controls import PROGRESS_FORMAT, TrainingControls
from gradviz.ui.training_history import RunHistory
from gradviz.ui.training_plots import DataPlot, LossCurvePlot
from gradviz.ui.training_worker import RunConfig, RunSummary, TrainingWorker

REDRAW_MS = 16  # ~60 Hz at most, however fast the worker runs
GUI_SHARE = 0.05  # at full speed, redraws may take at most this share of the GUI thread
PACED_GUI_SHARE = 0.3
"""A paced worker sleeps between epochs, so the animation may take more of the GUI thread and
keep up with it even where painting is slow (software rendering, a remote display)."""
_MODEL_SEED_SALT = 0x5EED  # the model's start must not be drawn from the data's stream
STATUS_LINES = 3  # the status line's reserved height: the book's summary is three lines
READY_TEXT = "Ready: Start trains, Step runs one epoch at a time."
RUNNING_TEXT = "Training… Settings are locked during a run: Stop or Reset to change them."


class _State(Enum):
    IDLE = auto()  # a fresh model, nothing run yet
    RUNNING = auto()
    PAUSED = auto()
    DONE = auto()  # finished, stopped, diverged or failed


def summary_text(
    summary: RunSummary,
    coef: float,
    bias: float,
    final_mse: float | None,
    stable_lr: float | None = None,
) -> str:
    """The book's closing sentence: true vs learned coefficient and bias, then the MSE.

    For a diverged run: which epoch first gave inf/NaN, why, and which epoch's numbers
    the plots and the Live panel still show. ``stable_lr`` is the full-batch limit.
    """
    last = summary.last
    if summary.diverged_at is not None:
        limit = "" if stable_lr is None else f" (below {stable_lr:.3g} for a full batch)"
        shown = "the start" if last is None else f"epoch {last.epoch:,}, the last finite one"
        return (
            f"Diverged at epoch {summary.diverged_at:,}: its values overflowed to inf/NaN.\n"
            f"Each step overshoots the minimum: lower the learning rate{limit}.\n"
            f"The plots and Live numbers show {shown}."
        )
    if last is None:
        return "Stopped before the first epoch."
    if summary.stopped:
        ending = f"Stopped at epoch {last.epoch:,} of {summary.epochs:,}; MSE {final_mse:.4f}."
    else:
        ending = f"Final MSE {final_mse:.4f} after {last.epoch:,} epochs."
    return (
        f"True coefficient is {coef:.2f} and learned coefficient is {last.w:.2f}.\n"
        f"True bias is {bias:.2f} and learned bias is {last.b:.2f}.\n"
        f"{ending}"
    )


class TrainingTab(QWidget):
    """Controls, the three plots, and the worker thread that it owns.

    Embed it anywhere; call ``shutdown()`` before the application quits (its own
    ``closeEvent`` does so when it is a top-level window).
    """

    graph_requested = Signal(object)  # networkx.DiGraph of the current step's loss

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainingTab")
        # A click on an empty part of the tab takes the focus out of a spin box (which keeps
        # Space for itself), so Space reaches the play/pause action again.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.controls = TrainingControls()
        self.data_plot = DataPlot()
        self.loss_plot = LossCurvePlot()
        self.landscape = LandscapePlot()
        self._history = RunHistory()
        self._latest: EpochResult | None = None
        self._parts = (self._draw_fit, self._draw_curve, self._draw_path)
        self._stale: set[Callable[[], None]] = set()  # parts behind the latest result
        self._next_part = 0
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._state = _State.IDLE
        self._summary_is_error = False
        self._redraw_timer = QTimer(self, interval=REDRAW_MS)
        self._redraw_timer.timeout.connect(self._redraw)
        self._build_layout()
        self._connect_controls()
        self._load_data()

    # -- public -------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Ask the worker to stop and wait for its thread (never ``terminate()``)."""
        if self._worker is not None:
            self._worker.stop()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
        self._redraw_timer.stop()

    def apply_theme(self) -> None:
        """Recolour the plots and the status line after a theme switch."""
        for plot in (self.data_plot, self.loss_plot, self.landscape):
            plot.apply_theme()
        self._style_summary()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.shutdown()
        super().closeEvent(event)

    @Slot()
    def play_pause(self) -> None:
        """Space: start a run (a fresh one after the last ended), pause it, or resume it."""
        if self.is_running():
            self._toggle_pause()
        else:
            self._start()

    def is_running(self) -> bool:
        """True from Start (or Step) until the run finishes, stops, diverges or fails."""
        return self._state in (_State.RUNNING, _State.PAUSED)

    # -- building -----------------------------------------------------------------------

    def _build_layout(self) -> None:
        side = QScrollArea(widgetResizable=True, frameShape=QScrollArea.Shape.NoFrame)
        side.setWidget(self.controls)
        side.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side.setFixedWidth(self.controls.sizeHint().width() + 20)
        top = QSplitter(Qt.Orientation.Horizontal, objectName="trainingTopPlots")
        top.addWidget(self.data_plot.widget)
        top.addWidget(self.landscape.widget)
        plots = QSplitter(Qt.Orientation.Vertical, objectName="trainingPlots")
        plots.addWidget(top)
        plots.addWidget(self.loss_plot.widget)
        plots.setSizes([600, 400])
        right = QVBoxLayout()
        right.addWidget(self._build_status())
        right.addWidget(plots, 1)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 4, 4)
        row.addWidget(side)
        row.addLayout(right, 1)

    def _build_status(self) -> QLabel:
        """The run's state and outcome, above the plots: always in view, never moving them.

        Its height is reserved for the longest message, so showing one shifts nothing.
        """
        self.status = QLabel(objectName="trainSummary", wordWrap=True)
        self.status.setAccessibleName("Training status")
        self.status.setFrameShape(QFrame.Shape.StyledPanel)
        self.status.setContentsMargins(6, 2, 6, 2)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lines = self.status.fontMetrics().lineSpacing() * STATUS_LINES
        self.status.setFixedHeight(lines + 2 * self.status.frameWidth() + 8)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        return self.status

    def _connect_controls(self) -> None:
        c = self.controls
        for box in (c.samples, c.noise, c.coef, c.bias, c.seed):
            box.valueChanged.connect(self._load_data)
        c.start.clicked.connect(self._start)
        c.pause.clicked.connect(self._toggle_pause)
        c.step.clicked.connect(self._step)
        c.stop.clicked.connect(self._stop)
        c.reset.clicked.connect(self._reset)
        c.speed.currentIndexChanged.connect(self._apply_pace)
        c.show_graph.clicked.connect(self._request_graph)

    # -- data and model -----------------------------------------------------------------

    def _load_data(self) -> None:
        """New data from the settings; everything derived from it is computed once here."""
        s = self.controls.data_settings()
        self._X, self._y, self._coef = make_data(s.n_samples, s.noise, s.bias, s.coef, s.seed)
        self._bias = s.bias
        self._surface = LossSurface.from_data(self._X, self._y)
        self._optimum = least_squares(self._X, self._y)
        self.data_plot.set_data(self._X, self._y, self._coef, self._bias)
        self._reset()
        self.landscape.set_surface(self._surface, self._optimum, self._start_point)

    def _reset(self) -> None:
        """Forget any run and put a fresh model at the seed's starting point."""
        self._forget_run()
        seed = self.controls.seed.value() ^ _MODEL_SEED_SALT
        self._model = Linear(1, 1, generator=torch.Generator().manual_seed(seed))
        self._start_point = (self._model.w.item(), self._model.b.item())
        self._history.clear()
        self._latest = None
        self._stale.clear()
        self.data_plot.set_fit(*self._start_point)
        self.loss_plot.set_planned_epochs(self.controls.epochs.value())
        self.loss_plot.set_curve(np.empty(0), np.empty(0))
        self.landscape.clear_path(self._start_point)
        c = self.controls
        c.progress.setRange(0, c.epochs.value())
        c.progress.setValue(0)
        c.progress.setFormat(PROGRESS_FORMAT)
        c.live.show_start(*self._start_point, self._optimum)
        self._show_summary(READY_TEXT)
        self._set_state(_State.IDLE)

    # -- run control --------------------------------------------------------------------

    def _start(self) -> None:
        if self.is_running():
            return
        if self._state is not _State.IDLE:
            self._reset()
        self._launch(paused=False)

    def _step(self) -> None:
        if self._state is _State.RUNNING:
            return
        if self._state is not _State.PAUSED:
            if self._state is not _State.IDLE:
                self._reset()
            self._launch(paused=True)
        self._worker.step_once()

    def _toggle_pause(self) -> None:
        if self._state is _State.RUNNING:
            self._worker.pause()
            self._set_state(_State.PAUSED)
        elif self._state is _State.PAUSED:
            self._worker.resume()
            self._show_summary(RUNNING_TEXT)
            self._set_state(_State.RUNNING)

    def _stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
        self.controls.stop.setEnabled(False)

    def _apply_pace(self) -> None:
        if self._worker is not None:
            self._worker.set_pace(self.controls.pace())

    def _launch(self, paused: bool) -> None:
        c = self.controls
        config = RunConfig(
            self._X, self._y, self._model, c.learning_rate.value(), c.epochs.value(), c.batch()
        )
        c.progress.setRange(0, config.epochs)
        self.loss_plot.set_planned_epochs(config.epochs)
        thread = QThread()
        worker = TrainingWorker(config, pace=c.pace(), paused=paused)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.epochs_done.connect(self._on_epochs)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.paused_at.connect(self._on_paused)
        # Direct: the worker's own thread ends its event loop, even if the GUI is busy.
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        worker.failed.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread, self._worker = thread, worker
        self._set_state(_State.PAUSED if paused else _State.RUNNING)
        self._show_summary(RUNNING_TEXT)
        self._redraw_timer.start()
        thread.start()

    def _forget_run(self) -> None:
        """Stop and join the current run; its queued signals are then ignored."""
        self.shutdown()
        self._thread = self._worker = None

    def _set_state(self, state: _State) -> None:
        self._state = state
        c = self.controls
        active = self.is_running()
        c.start.setEnabled(not active)
        c.pause.setEnabled(active)
        c.pause.setText("Resume" if state is _State.PAUSED else "Pause")
        c.step.setEnabled(state is not _State.RUNNING)
        c.stop.setEnabled(active)
        c.lock_settings(active)

    # -- worker signals -----------------------------------------------------------------

    # Real Qt slots (@Slot), not plain methods: PySide 6.8+ can crash delivering a
    # cross-thread signal to an undecorated method (PYSIDE-3124).

    def _from_current_worker(self) -> bool:
        """Signals still queued from a run that Reset already forgot must not draw."""
        return self._worker is not None and self.sender() is self._worker

    @Slot(object)
    def _on_epochs(self, results: tuple[EpochResult, ...]) -> None:
        if self._from_current_worker():
            self._history.extend(results)
            self._latest = results[-1]
            self._stale.update(self._parts)

    @Slot(object)
    def _on_finished(self, summary: RunSummary) -> None:
        if not self._from_current_worker():
            return
        self._redraw_all()
        self._redraw_timer.stop()
        last = summary.last
        mse = None if last is None else float(self._surface(last.w, last.b))
        diverged = summary.diverged_at is not None
        stable_lr = self._surface.max_stable_lr() if diverged else None
        self._show_summary(
            summary_text(summary, self._coef, self._bias, mse, stable_lr), error=diverged
        )
        if diverged:
            self._show_divergence(summary)
        self._set_state(_State.DONE)

    def _show_divergence(self, summary: RunSummary) -> None:
        """Progress and Live numbers tell the same story as the message: k diverged, k-1 shown."""
        c = self.controls
        c.progress.setValue(summary.diverged_at)
        c.progress.setFormat("diverged at epoch %v of %m")
        if summary.last is not None:
            c.live.show_result(summary.last, last_finite=True)
        self.loss_plot.log_scale.setChecked(True)  # the blow-up is only readable in log

    @Slot(int)
    def _on_paused(self, epoch: int) -> None:
        if self._from_current_worker() and self._state is _State.PAUSED:
            self._redraw_all()  # a paused run must show the epoch it stopped at
            self._show_summary(
                f"Paused after epoch {epoch:,}: Step runs one more, Resume goes on.\n"
                "Settings stay locked until Stop or Reset."
            )

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self._from_current_worker():
            self._redraw_all()
            self._redraw_timer.stop()
            self._show_summary(f"Training failed: {message}", error=True)
            self._set_state(_State.DONE)

    # -- drawing ------------------------------------------------------------------------

    def _redraw(self) -> None:
        """Draw the next stale part: one plot per tick keeps every event-loop stall short."""
        for _ in self._parts:
            part = self._parts[self._next_part]
            self._next_part = (self._next_part + 1) % len(self._parts)
            if part in self._stale:
                started = time.perf_counter()
                self._stale.discard(part)
                part()
                self._pace_redraws(time.perf_counter() - started)
                return

    def _redraw_all(self) -> None:
        for part in self._parts:
            if part in self._stale:
                self._stale.discard(part)
                part()

    def _draw_fit(self) -> None:
        result = self._latest
        self.data_plot.set_fit(result.w, result.b)
        self.controls.live.show_result(result)
        self.controls.progress.setValue(result.epoch)

    def _draw_curve(self) -> None:
        columns = self._history.decimated()
        self.loss_plot.set_curve(columns["epoch"], columns["loss"])

    def _draw_path(self) -> None:
        columns = self._history.decimated()
        self.landscape.set_path(
            np.r_[self._start_point[0], columns["w"]], np.r_[self._start_point[1], columns["b"]]
        )

    def _pace_redraws(self, redraw_seconds: float) -> None:
        """Space ticks so drawing stays under GUI_SHARE of the GUI thread's time.

        A tick costs its redraw plus the painting since the previous tick. Drawing holds
        the GIL for most of that time, so a fast worker would otherwise lose much of its
        speed to the animation.
        """
        painted = sum(
            plot.widget.take_paint_seconds()
            for plot in (self.data_plot, self.loss_plot, self.landscape)
        )
        share = GUI_SHARE if self.controls.pace() is None else PACED_GUI_SHARE
        interval = (redraw_seconds + painted) * (1 - share) / share
        self._redraw_timer.setInterval(max(REDRAW_MS, round(1000 * interval)))

    def _show_summary(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self._summary_is_error = error
        self._style_summary()

    def _style_summary(self) -> None:
        self.status.setStyleSheet(
            f"color: {palette.ERROR_TEXT.name()}; font-weight: bold;"
            if self._summary_is_error
            else ""
        )

    def _request_graph(self) -> None:
        """The graph's title says it is the loss on a few samples, not the Live MSE."""
        latest = self._latest
        if latest is None:
            graph = step_graph(self._X, self._y, *self._start_point)
        else:
            graph = step_graph(self._X, self._y, latest.w, latest.b, epoch=latest.epoch)
        self.graph_requested.emit(graph)


def main() -> int:
    """Run the tab on its own: ``python -m gradviz.ui.training_tab``."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    tab = TrainingTab()
    tab.resize(1280, 800)
    tab.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
