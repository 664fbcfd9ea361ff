"""The training tab and its worker, driven through their own widgets and signals."""

from __future__ import annotations

import math
import time

import networkx as nx
import numpy as np
import pytest
import torch
from PySide6.QtCore import QCoreApplication, QObject, QThread, Slot
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QWidget,
)

from gradviz.core.regression import GRAPH_SAMPLES, EpochResult, Linear, make_data
from gradviz.ui.landscape import PATH_BOX
from gradviz.ui.training_controls import SPEEDS
from gradviz.ui.training_history import RunHistory
from gradviz.ui.training_tab import TrainingTab, summary_text
from gradviz.ui.training_worker import RunConfig, RunSummary, TrainingWorker

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    # The offscreen platform says this on every show(); it is not ours to fix.
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]

FASTEST = next(i for i, (_, pace) in enumerate(SPEEDS) if pace is None)
TIMEOUT = 10_000  # ms; generous for a loaded CI machine, never reached when all is well


@pytest.fixture
def tab(qtbot):
    tab = TrainingTab()
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.findChild(QComboBox, "trainSpeed").setCurrentIndex(FASTEST)
    yield tab
    tab.shutdown()


def child(tab, kind, name):
    widget = tab.findChild(kind, name)
    assert widget is not None, f"no {kind.__name__} named {name!r}"
    return widget


def configure(tab, lr=0.1, epochs=30):
    child(tab, QDoubleSpinBox, "learningRate").setValue(lr)
    child(tab, QSpinBox, "epochs").setValue(epochs)


def click(tab, name):
    button = child(tab, QPushButton, name)
    assert button.isEnabled(), f"{name} is disabled"
    button.click()


def points(item) -> int:
    """How many points a plot item holds (pyqtgraph gives None for none)."""
    x = item.getData()[0]
    return 0 if x is None else len(x)


def summary(tab) -> str:
    return child(tab, QLabel, "trainSummary").text()


def wait_for_run_end(qtbot, tab):
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=TIMEOUT)


def test_object_names_and_defaults(tab):
    assert tab.objectName() == "trainingTab"
    assert child(tab, QDoubleSpinBox, "learningRate").value() == pytest.approx(0.1)
    assert child(tab, QSpinBox, "epochs").value() == 30
    for name in (
        "trainStartButton",
        "trainPauseButton",
        "trainStepButton",
        "trainStopButton",
        "trainResetButton",
        "showGraphButton",
    ):
        child(tab, QPushButton, name)
    child(tab, QProgressBar, "trainProgress")
    child(tab, QLabel, "trainSummary")
    child(tab, QCheckBox, "mseLogScale")
    assert len(tab.data_plot.scatter.getData()[0]) == 1500


def test_book_run_fills_progress_summary_and_plots(qtbot, tab):
    configure(tab, lr=0.1, epochs=30)
    click(tab, "trainStartButton")
    wait_for_run_end(qtbot, tab)

    progress = child(tab, QProgressBar, "trainProgress")
    assert progress.value() == progress.maximum() == 30
    text = summary(tab)
    _, _, true_coef = make_data(seed=0)  # the default draws the coefficient from seed 0
    assert f"True coefficient is {true_coef:.2f} and learned coefficient is" in text
    assert "True bias is 2.00 and learned bias is" in text
    assert "Final MSE" in text and "after 30 epochs" in text

    epochs, losses = tab.loss_plot.curve.getData()
    assert list(epochs) == list(range(1, 31))
    assert np.all(np.diff(losses) <= 1e-7)
    line_x, line_y = tab.data_plot.fit_line.getData()
    assert len(line_x) == 2
    learned = tab.controls.live.values
    w, b = float(learned["w"].text()), float(learned["b"].text())
    assert abs(w - true_coef) < 0.02 and abs(b - 2.0) < 0.02
    np.testing.assert_allclose(line_y, w * line_x + b, atol=1e-4)
    path_w, _ = tab.landscape.path.getData()
    assert len(path_w) == 31  # the starting point and one point per epoch


def test_start_after_finish_resets_and_runs_again(qtbot, tab):
    configure(tab, epochs=30)
    click(tab, "trainStartButton")
    wait_for_run_end(qtbot, tab)
    first = summary(tab)
    click(tab, "trainStartButton")
    assert tab.is_running()
    wait_for_run_end(qtbot, tab)
    assert points(tab.loss_plot.curve) == 30
    assert summary(tab) == first


def test_pause_step_resume_and_stop(qtbot, tab):
    configure(tab, epochs=1_000_000)
    click(tab, "trainStartButton")
    qtbot.waitUntil(lambda: tab._latest is not None and tab._latest.epoch >= 3, timeout=TIMEOUT)

    # The worker's signals are waited for through what the tab shows: a waitSignal on a
    # cross-thread signal would run its callback in the worker thread.
    click(tab, "trainPauseButton")
    assert child(tab, QPushButton, "trainPauseButton").text() == "Resume"
    qtbot.waitUntil(lambda: "Paused after epoch" in summary(tab), timeout=TIMEOUT)
    held = int(summary(tab).split("epoch ")[1].split(":")[0].replace(",", ""))
    assert tab._latest.epoch == held  # everything before the pause has arrived, no more
    # ...and it is on screen at once, not at the next paced redraw.
    assert child(tab, QProgressBar, "trainProgress").value() == held

    click(tab, "trainStepButton")
    qtbot.waitUntil(lambda: f"Paused after epoch {held + 1:,}" in summary(tab), timeout=TIMEOUT)
    assert tab._latest.epoch == held + 1

    click(tab, "trainPauseButton")  # resume
    qtbot.waitUntil(lambda: tab._latest.epoch > held + 10, timeout=TIMEOUT)
    click(tab, "trainStopButton")
    wait_for_run_end(qtbot, tab)
    assert "Stopped at epoch" in summary(tab)
    progress = child(tab, QProgressBar, "trainProgress")
    assert 0 < progress.value() < progress.maximum()


def test_step_from_idle_runs_one_epoch_then_waits(qtbot, tab):
    click(tab, "trainStepButton")
    qtbot.waitUntil(lambda: tab._latest is not None, timeout=TIMEOUT)
    assert tab._latest.epoch == 1
    assert tab.is_running()
    assert child(tab, QPushButton, "trainPauseButton").text() == "Resume"
    assert not child(tab, QPushButton, "trainStartButton").isEnabled()


def diverge(qtbot, tab):
    """Run lr = 10 to its divergence; returns (epoch that gave inf/NaN, last finite epoch)."""
    configure(tab, lr=10.0, epochs=30)
    click(tab, "trainStartButton")
    wait_for_run_end(qtbot, tab)
    text = summary(tab)
    assert text.startswith("Diverged at epoch "), text
    diverged = int(text.split("epoch ")[1].split(":")[0].replace(",", ""))
    return diverged, diverged - 1


def test_divergence_message_progress_and_live_numbers_agree(qtbot, tab):
    diverged, last = diverge(qtbot, tab)
    text = summary(tab)
    assert "overshoots the minimum" in text and "lower the learning rate" in text
    assert f"show epoch {last}, the last finite one" in text
    progress = child(tab, QProgressBar, "trainProgress")
    assert progress.value() == diverged < progress.maximum()
    assert progress.text() == f"diverged at epoch {diverged} of 30"
    live = tab.controls.live.values
    assert live["epoch"].text() == f"{last}  (last finite)"
    assert float(live["loss"].text()) == pytest.approx(tab._latest.loss, rel=1e-5)
    assert tab._latest.epoch == last
    assert child(tab, QPushButton, "trainStartButton").isEnabled()


def test_divergence_keeps_every_plot_readable(qtbot, tab):
    diverge(qtbot, tab)
    assert child(tab, QCheckBox, "mseLogScale").isChecked()
    # The MSE view holds every finite loss, up to ~1e34, not just the first few.
    losses = tab._history.decimated()["loss"]
    low, high = tab.loss_plot.widget.viewRange()[1]
    assert low <= np.log10(losses.min()) and np.log10(losses.max()) <= high
    assert np.all(np.isfinite(tab.loss_plot.curve.getData()[1]))
    # A line with w ~ 1e18 would be a meaningless vertical stroke: hidden, with a note.
    assert points(tab.data_plot.fit_line) == 0
    note = tab.data_plot.off_scale_note
    assert note.isVisible() and "off the scale" in note.toPlainText()


def test_fitted_line_returns_once_it_is_on_the_scale_again(tab):
    tab.data_plot.set_fit(1e18, -3e18)
    assert points(tab.data_plot.fit_line) == 0
    tab.data_plot.set_fit(0.5, 2.0)
    assert points(tab.data_plot.fit_line) == 2
    assert not tab.data_plot.off_scale_note.isVisible()


def test_diverged_path_stays_near_the_view_and_reset_clears_it(qtbot, tab, monkeypatch):
    """Segments ~1e19 long overflow Qt's repaint regions and linger as ghost lines."""
    handed = []
    path = tab.landscape.path
    real_set_data = path.setData

    def spy(x, y, *args, **kwargs):
        handed.append((np.asarray(x, float), np.asarray(y, float)))
        return real_set_data(x, y, *args, **kwargs)

    monkeypatch.setattr(path, "setData", spy)
    diverge(qtbot, tab)
    assert handed and abs(tab._latest.w) > 1e15
    (w_view, b_view) = tab.landscape.widget.viewRange()
    reach = PATH_BOX * max(w_view[1] - w_view[0], b_view[1] - b_view[0])
    for xs, ys in handed:
        assert np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))
        assert np.all(np.abs(xs) < reach) and np.all(np.abs(ys) < reach)
    assert path.boundingRect().width() < reach

    click(tab, "trainResetButton")
    assert points(path) == 0
    assert points(tab.landscape.current) == 1  # the marker waits at the new start
    assert tab.loss_plot.widget.viewRange()[1][1] < 5  # not still scaled for ~1e34
    click(tab, "trainStartButton")
    wait_for_run_end(qtbot, tab)  # lr 10 again: the new run's path is cut the same way
    assert all(np.all(np.abs(xs) < reach) for xs, _ in handed)


def log_axis_labels(plot_widget):
    """The tick labels the MSE axis draws now, with their rectangles."""
    axis = plot_widget.getAxis("left")
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in texts if text]


def test_log_axis_labels_only_decades_and_never_overlap(shown, qtbot, tab):
    shown(tab, 1024, 630)
    plot = tab.loss_plot
    plot.set_planned_epochs(30)
    plot.set_curve(np.array([1.0, 2.0, 3.0]), np.array([15.3, 10.2, 6.8]))  # an early run
    click_log = child(tab, QCheckBox, "mseLogScale")
    click_log.setChecked(True)
    for y_range in [(-0.5, 1.5), (-0.2, 1.3), (-3.5, 35.5)]:
        plot.widget.setRange(yRange=y_range, padding=0)
        QCoreApplication.processEvents()
        labels = log_axis_labels(plot.widget)
        assert 2 <= len(labels) <= 7, labels
        for i, (rect, text) in enumerate(labels):
            assert text in ("0.1", "1", "10", "100") or text.startswith("1e"), labels
            assert not any(rect.intersects(other) for other, _ in labels[i + 1 :]), labels


def test_settings_are_locked_during_a_run(qtbot, tab):
    configure(tab, epochs=1_000_000)
    click(tab, "trainStartButton")
    for kind, name in [
        (QDoubleSpinBox, "learningRate"),
        (QSpinBox, "epochs"),
        (QSpinBox, "samples"),
        (QDoubleSpinBox, "noise"),
    ]:
        assert not child(tab, kind, name).isEnabled()
    assert "Settings are locked during a run" in summary(tab)
    assert child(tab, QComboBox, "trainSpeed").isEnabled()  # applied live instead
    click(tab, "trainStopButton")
    wait_for_run_end(qtbot, tab)
    assert child(tab, QDoubleSpinBox, "learningRate").isEnabled()
    assert "locked" not in summary(tab)


def side_panel(tab) -> QScrollArea:
    (area,) = [a for a in tab.findChildren(QScrollArea) if a.widget() is tab.controls]
    return area


def test_side_panel_fits_1024x700_and_does_not_move_when_a_run_starts(shown, qtbot, tab):
    shown(tab, 1024, 630)  # a 1024×700 window less its menu, tab and status bars
    QCoreApplication.processEvents()  # the posted layout requests
    area = side_panel(tab)
    watched: list[QWidget] = [
        tab.controls.learning_rate,
        tab.controls.samples,
        tab.controls.progress,
        tab.controls.show_graph,
        tab.loss_plot.widget,
        tab.data_plot.widget,
    ]
    before = [w.geometry() for w in watched]
    assert not area.verticalScrollBar().isVisible()
    show_graph = tab.controls.show_graph
    assert show_graph.mapTo(area, show_graph.rect().bottomLeft()).y() <= area.viewport().height()

    configure(tab, epochs=1_000_000)
    click(tab, "trainStartButton")
    qtbot.waitUntil(lambda: len(tab._history) > 3, timeout=TIMEOUT)
    QCoreApplication.processEvents()
    assert [w.geometry() for w in watched] == before
    assert not area.verticalScrollBar().isVisible()
    click(tab, "trainStopButton")
    wait_for_run_end(qtbot, tab)


def test_run_outcome_is_shown_outside_the_scrolling_panel(shown, qtbot, tab):
    shown(tab, 1024, 630)
    status = child(tab, QLabel, "trainSummary")
    assert not side_panel(tab).isAncestorOf(status)
    assert status.mapTo(tab, status.rect().topLeft()).y() < 40  # at the top, above the plots
    diverge(qtbot, tab)
    assert status.isVisible()
    lines = status.text().count("\n") + 1
    assert status.height() >= lines * status.fontMetrics().lineSpacing()


def test_speed_changes_apply_during_a_run(qtbot, tab):
    speed = child(tab, QComboBox, "trainSpeed")
    speed.setCurrentText("1 epoch/s")
    configure(tab, epochs=1_000_000)
    click(tab, "trainStartButton")
    qtbot.waitUntil(lambda: tab._latest is not None, timeout=TIMEOUT)
    speed.setCurrentIndex(FASTEST)  # at 1 epoch/s, 50 epochs would take 50 s
    qtbot.waitUntil(lambda: tab._latest.epoch > 50, timeout=TIMEOUT)
    click(tab, "trainStopButton")
    wait_for_run_end(qtbot, tab)


def test_data_settings_regenerate_the_data(qtbot, tab):
    child(tab, QDoubleSpinBox, "trueCoef").setValue(1.5)
    child(tab, QSpinBox, "samples").setValue(200)
    x, y = tab.data_plot.true_line.getData()
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(1.5)
    assert len(tab.data_plot.scatter.getData()[0]) == 200
    click(tab, "trainStartButton")
    wait_for_run_end(qtbot, tab)
    assert "True coefficient is 1.50" in summary(tab)


def test_reset_mid_run_ignores_results_still_queued(qtbot, tab):
    configure(tab, epochs=1_000_000)
    click(tab, "trainStartButton")
    qtbot.waitUntil(lambda: points(tab.loss_plot.curve) > 5, timeout=TIMEOUT)
    click(tab, "trainResetButton")
    QCoreApplication.processEvents()
    assert not tab.is_running()
    assert tab._latest is None
    assert points(tab.loss_plot.curve) == 0
    assert child(tab, QProgressBar, "trainProgress").value() == 0
    assert points(tab.landscape.path) == 0


def test_mini_batch_run_completes(qtbot, tab):
    configure(tab, lr=0.05, epochs=5)
    child(tab, QComboBox, "batchSize").setCurrentText("32")
    click(tab, "trainStartButton")
    wait_for_run_end(qtbot, tab)
    assert child(tab, QProgressBar, "trainProgress").value() == 5
    assert "Final MSE" in summary(tab)


def test_show_graph_emits_the_current_steps_loss_graph(qtbot, tab):
    click(tab, "trainStartButton")
    wait_for_run_end(qtbot, tab)
    with qtbot.waitSignal(tab.graph_requested, timeout=TIMEOUT) as emitted:
        click(tab, "showGraphButton")
    graph = emitted.args[0]
    assert isinstance(graph, nx.DiGraph)
    by_name = {data["name"]: data for _, data in graph.nodes(data=True) if data["kind"] == "leaf"}
    assert by_name["w"]["value"].item() == pytest.approx(tab._latest.w)
    assert by_name["b"]["value"].item() == pytest.approx(tab._latest.b)
    assert by_name["w"]["grad"] is not None
    title = graph.graph["title"]
    assert title.startswith("Training step at epoch 30: loss on the first ")
    assert f"first {GRAPH_SAMPLES} of 1,500 samples" in title
    tooltip = child(tab, QPushButton, "showGraphButton").toolTip()
    assert f"first {GRAPH_SAMPLES} samples" in tooltip and "Live MSE" in tooltip


def test_closing_mid_run_joins_the_thread_within_a_second(qtbot, tab):
    tab.show()
    configure(tab, epochs=1_000_000)
    click(tab, "trainStartButton")
    qtbot.waitUntil(lambda: len(tab._history) > 10, timeout=TIMEOUT)
    thread: QThread = tab._thread
    started = time.perf_counter()
    tab.close()
    assert time.perf_counter() - started < 1.0
    assert thread.isFinished()


def test_log_scale_toggle(tab):
    child(tab, QCheckBox, "mseLogScale").setChecked(True)
    assert tab.loss_plot.widget.getPlotItem().ctrl.logYCheck.isChecked()


def test_history_decimation_is_bounded_and_keeps_the_latest_epoch():
    history = RunHistory()
    history.extend([EpochResult(e, 1 / e, 0.0, 0.0, 0.0, 0.0) for e in range(1, 30)])
    assert list(history.decimated()["epoch"]) == list(range(1, 30))
    history.extend([EpochResult(e, 1 / e, 0.0, 0.0, 0.0, 0.0) for e in range(30, 10_002)])
    epochs = history.decimated(limit=1000)["epoch"]
    assert len(epochs) <= 1001
    assert epochs[0] == 1 and epochs[-1] == 10_001
    assert np.all(np.diff(epochs) > 0)


def test_summary_text_reads_like_the_book():
    last = EpochResult(30, 0.04, 0.4712, 2.0012, 0.0, 0.0)
    text = summary_text(RunSummary(30, last), coef=0.48, bias=2.0, final_mse=0.0401)
    assert text.splitlines() == [
        "True coefficient is 0.48 and learned coefficient is 0.47.",
        "True bias is 2.00 and learned bias is 2.00.",
        "Final MSE 0.0401 after 30 epochs.",
    ]
    last = EpochResult(16, 3e34, -1.3e18, -3.1e18, 1e17, 3e17)
    diverged = summary_text(RunSummary(30, last, diverged_at=17), 0.48, 2.0, None, 0.93)
    assert diverged.splitlines() == [
        "Diverged at epoch 17: its values overflowed to inf/NaN.",
        "Each step overshoots the minimum: lower the learning rate (below 0.93 for a full batch).",
        "The plots and Live numbers show epoch 16, the last finite one.",
    ]
    at_once = summary_text(RunSummary(30, None, diverged_at=1), 0.48, 2.0, None)
    assert at_once.splitlines()[-1] == "The plots and Live numbers show the start."


# -- the worker on its own ------------------------------------------------------------------


class Collector(QObject):
    """Receives the worker's signals in the GUI thread, as the tab does."""

    def __init__(self):
        super().__init__()
        self.results, self.outcome = [], {}

    @Slot(object)
    def on_epochs(self, batch):
        assert batch, "the worker never sends an empty batch"
        self.results.extend(batch)

    @Slot(object)
    def on_finished(self, summary):
        self.outcome["summary"] = summary

    @Slot(str)
    def on_failed(self, message):
        self.outcome["failed"] = message


def run_worker(qtbot, config, pace=None):
    thread = QThread()
    worker = TrainingWorker(config, pace=pace)
    worker.moveToThread(thread)
    collector = Collector()
    thread.started.connect(worker.run)
    worker.epochs_done.connect(collector.on_epochs)
    worker.finished.connect(collector.on_finished)
    worker.failed.connect(collector.on_failed)
    worker.finished.connect(thread.quit)
    worker.failed.connect(thread.quit)
    thread.start()
    qtbot.waitUntil(lambda: bool(collector.outcome), timeout=TIMEOUT)
    thread.wait()
    return collector.results, collector.outcome


def book_config(epochs=30, lr=0.1):
    X, y, _ = make_data()
    return RunConfig(X, y, Linear(1, 1, generator=torch.Generator().manual_seed(0)), lr, epochs)


def test_worker_emits_every_epoch_then_a_summary(qtbot):
    results, outcome = run_worker(qtbot, book_config())
    assert [r.epoch for r in results] == list(range(1, 31))
    assert outcome["summary"] == RunSummary(30, results[-1])


def test_worker_keeps_its_pace(qtbot):
    started = time.perf_counter()
    results, _ = run_worker(qtbot, book_config(epochs=11), pace=100.0)
    elapsed = time.perf_counter() - started
    assert len(results) == 11
    assert 0.095 <= elapsed < 2.0  # ten gaps of 10 ms


def test_worker_reports_divergence_without_emitting_non_finite_results(qtbot):
    results, outcome = run_worker(qtbot, book_config(epochs=500, lr=10.0))
    summary = outcome["summary"]
    assert summary.diverged_at == len(results) + 1
    assert all(math.isfinite(r.loss) for r in results)


def test_worker_sends_exceptions_through_failed(qtbot):
    X, y, _ = make_data(n_samples=10)
    config = RunConfig(X, y[:5], Linear(1, 1), lr=0.1, epochs=3)
    results, outcome = run_worker(qtbot, config)
    assert results == []
    assert outcome["failed"].startswith("RuntimeError")
