"""How much the live GUI costs the training worker, and how smooth the GUI stays.

    python tests/benchmarks/bench_training.py [--epochs 3000] [--runs 7]

Prints epochs per second for headless ``train()`` and for the worker driving the training
tab at full speed (median of the runs), the worst gap a 1 ms QTimer saw in the GUI event
loop during separate runs of the same kind, and how often the plots were repainted. One
GUI run before the measured ones warms up fonts and caches; its worst stall is printed on
its own line.
Targets: the GUI costs the worker < 20 % of its throughput, and no stall exceeds 50 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import torch  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gradviz.core.regression import Linear, make_data, train  # noqa: E402
from gradviz.ui.training_controls import SPEEDS  # noqa: E402
from gradviz.ui.training_tab import TrainingTab  # noqa: E402

FASTEST = next(i for i, (_, pace) in enumerate(SPEEDS) if pace is None)


def headless_rate(epochs: int) -> float:
    X, y, _ = make_data()
    model = Linear(1, 1, generator=torch.Generator().manual_seed(0))
    started = time.perf_counter()
    for _ in train(X, y, model, lr=0.1, epochs=epochs):
        pass
    return epochs / (time.perf_counter() - started)


class PaintCounter(QObject):
    """Counts paint events of one widget: the frames the user actually sees."""

    def __init__(self, widget) -> None:
        super().__init__()
        self.count = 0
        widget.viewport().installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def gui_run(tab: TrainingTab, epochs: int, tick_ms: int) -> tuple[float, list[float]]:
    """One full-speed run in the tab; returns epochs/s and the event loop's gaps (s).

    The gaps come from a QTimer of ``tick_ms``. A 1 ms timer measures stalls well but
    costs the worker GIL hand-overs itself, so throughput runs use a coarse one.
    """
    tab.controls.epochs.setValue(epochs)
    gaps: list[float] = []
    loop = QEventLoop()

    def tick() -> None:
        nonlocal last
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
        if not tab.is_running():
            loop.quit()

    probe = QTimer(interval=tick_ms)
    probe.timeout.connect(tick)
    started = time.perf_counter()
    tab.controls.start.click()
    last = time.perf_counter()
    probe.start()
    loop.exec()
    elapsed = time.perf_counter() - started
    probe.stop()
    assert tab.controls.progress.value() == epochs, "the run did not complete"
    return epochs / elapsed, gaps


class GcPauses:
    """The longest garbage collection, in any thread: it holds the GIL, so it stalls the GUI."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._started = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.worst = max(self.worst, time.perf_counter() - self._started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    tab = TrainingTab()
    tab.resize(1200, 800)
    tab.show()
    tab.controls.speed.setCurrentIndex(FASTEST)
    app.processEvents()

    headless_rate(200)  # warm up torch's kernels and allocator
    _, warmup_gaps = gui_run(tab, args.epochs, tick_ms=1)
    frames = PaintCounter(tab.loss_plot.widget)
    gc_pauses = GcPauses()
    headless, gui, gaps, seconds = [], [], [], 0.0
    for _ in range(args.runs):  # interleaved, so machine load hits all alike
        headless.append(headless_rate(args.epochs))
        rate, _ = gui_run(tab, args.epochs, tick_ms=20)
        gui.append(rate)
        seconds += args.epochs / rate
        gaps.extend(gui_run(tab, args.epochs, tick_ms=1)[1])
    tab.shutdown()

    head, with_gui = statistics.median(headless), statistics.median(gui)
    # Paired ratios: each GUI run against the headless run just before it, so a change
    # in machine load between the two kinds of run cancels out better than in medians.
    cost = 1 - statistics.median(g / h for g, h in zip(gui, headless, strict=True))
    worst = max(gaps) * 1000
    repaints = frames.count / (seconds + sum(gaps))
    p99 = statistics.quantiles(gaps, n=100)[98] * 1000
    rows = [
        ("headless train(), epochs/s (median)", f"{head:,.0f}", ""),
        ("worker + animating tab, epochs/s (median)", f"{with_gui:,.0f}", ""),
        ("throughput the GUI costs (median paired ratio)", f"{cost:.1%}", "< 20%"),
        ("worst GUI event-loop stall (1 ms timer)", f"{worst:.1f} ms", "< 50 ms"),
        ("99th percentile gap (1 ms timer)", f"{p99:.1f} ms", ""),
        ("worst garbage-collection pause (any thread)", f"{gc_pauses.worst * 1000:.1f} ms", ""),
        ("worst stall in the first (warm-up) GUI run", f"{max(warmup_gaps) * 1000:.1f} ms", ""),
        ("MSE plot repaints per second (fast run)", f"{repaints:.1f}", "<= 60"),
    ]
    print(
        f"{args.runs} runs of {args.epochs:,} full-batch epochs, 1,500 samples, "
        f"torch threads {torch.get_num_threads()}, cores {os.cpu_count()}"
    )
    print(f"{'measure':<48}{'value':>12}  target")
    for name, value, target in rows:
        print(f"{name:<48}{value:>12}  {target}")


if __name__ == "__main__":
    main()
