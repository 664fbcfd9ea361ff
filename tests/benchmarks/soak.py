"""Soak: thousands of evaluate→draw cycles and hundreds of training runs in one window.

    python tests/benchmarks/soak.py [--cycles 2000] [--runs 200] [--warmup 200] [--seed 0]

Prints a table per phase: cycles, seconds, RSS after warm-up and at the end and the growth
between them, the scene's QGraphicsItem count, OS threads and gc-tracked objects. A leak
(scene items, connections, threads, tensors held by old graphs) shows as growth that keeps
rising with the cycle count; a flat line is the goal. tests/ui/test_soak.py runs the same
phases with pytest-qt and asserts the bounds.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer, SignalInstance  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gradviz.ui.graph_tab import GraphTab  # noqa: E402
from gradviz.ui.training_tab import TrainingTab  # noqa: E402

Wait = Callable[[SignalInstance], AbstractContextManager]
WAIT_MS = 20_000
ELEMENTWISE = ["sin", "cos", "tanh", "sigmoid", "relu", "softplus", "square", "abs", "exp"]


REFERENCE_PROGRAM = "a = 5\nb = 6\ny = a**3 - b**2 + 3"


def random_program(rng: random.Random) -> str:
    """A small valid program: leaves of one shape, a few element-wise ops, a scalar output.

    Every op here accepts any finite input, so each program evaluates and is drawn.
    """
    shape = ", ".join(str(rng.randint(1, 3)) for _ in range(rng.randint(1, 2)))
    lines = [f"a = randn({shape})", f"b = {round(rng.uniform(-2, 2), 2)}"]
    expr = "a"
    for _ in range(rng.randint(1, 5)):
        if rng.random() < 0.5:
            expr = f"{rng.choice(ELEMENTWISE)}({expr})"
        else:
            expr = f"({expr} {rng.choice('+-*')} {rng.choice(['a', 'b', '0.5'])})"
    lines.append(f"y = ({expr}).sum()")
    return "\n".join(lines)


def rss_mb() -> float:
    """Resident memory now (not the peak), from /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


@dataclass
class Snapshot:
    rss_mb: float
    threads: int
    objects: int
    items: int


def snapshot(tab: GraphTab | None = None) -> Snapshot:
    """Memory and counts after a full collection, so only what is really held counts."""
    if tab is not None:
        tab.wait_for_follow_ups()
    QApplication.processEvents()  # their results arrive as queued signals
    gc.collect()
    items = len(tab.graph_view.scene().items()) if tab is not None else 0
    return Snapshot(rss_mb(), os_threads(), len(gc.get_objects()), items)


def graph_cycles(tab: GraphTab, programs: list[str], wait: Wait) -> None:
    """Evaluate and draw each program in turn, as Ctrl+Enter does, waiting for the graph."""
    for text in programs:
        tab.set_program(text)
        with wait(tab.graph_shown):
            tab.evaluate_text()


def training_cycles(tab: TrainingTab, runs: int, until: Callable[[Callable[[], bool]], None]):
    """Start a run and stop it at once, ``runs`` times; each run's thread must be joined."""
    for _ in range(runs):
        tab.controls.start.click()
        tab.controls.stop.click()
        until(lambda: not tab.is_running())


@dataclass
class Phase:
    name: str
    cycles: int
    seconds: float
    start: Snapshot
    warm: Snapshot
    end: Snapshot

    @property
    def growth_mb(self) -> float:
        return self.end.rss_mb - self.warm.rss_mb


def soak_graph(tab: GraphTab, cycles: int, warmup: int, seed: int, wait: Wait) -> Phase:
    rng = random.Random(seed)
    programs = [random_program(rng) for _ in range(cycles)]
    start = snapshot(tab)
    began = time.perf_counter()
    # Both counts are taken with the same program on screen: the last random graph's own
    # tensors and items must not pass for growth (or hide it).
    graph_cycles(tab, programs[:warmup] + [REFERENCE_PROGRAM], wait)
    warm = snapshot(tab)
    graph_cycles(tab, programs[warmup:] + [REFERENCE_PROGRAM], wait)
    seconds = time.perf_counter() - began
    return Phase("evaluate→draw", cycles, seconds, start, warm, snapshot(tab))


def soak_training(tab: TrainingTab, runs: int, warmup: int, until) -> Phase:
    start = snapshot()
    began = time.perf_counter()
    training_cycles(tab, warmup, until)
    warm = snapshot()
    training_cycles(tab, runs - warmup, until)
    seconds = time.perf_counter() - began
    return Phase("training start/stop", runs, seconds, start, warm, snapshot())


def table(phases: list[Phase]) -> str:
    head = ("| phase | cycles | s | ms/cycle | RSS start MB | RSS warm MB | RSS end MB | growth MB "
            "| items warm→end | threads warm→end | gc objects warm→end |")
    rows = [head, "|---" * 11 + "|"]
    for p in phases:
        rows.append(
            f"| {p.name} | {p.cycles:,} | {p.seconds:.1f} | {1000 * p.seconds / p.cycles:.1f} "
            f"| {p.start.rss_mb:.0f} | {p.warm.rss_mb:.0f} | {p.end.rss_mb:.0f} "
            f"| {p.growth_mb:+.1f} | {p.warm.items}→{p.end.items} "
            f"| {p.warm.threads}→{p.end.threads} | {p.warm.objects:,}→{p.end.objects:,} |"
        )
    return "\n".join(rows)


# -- waiting without pytest-qt -----------------------------------------------------------

@contextmanager
def wait_signal(signal: SignalInstance) -> Iterator[None]:
    """Run the event loop until ``signal`` fires (a plain-script qtbot.waitSignal)."""
    loop = QEventLoop()
    fired = []

    def on_signal(*args) -> None:
        fired.append(True)
        loop.quit()

    signal.connect(on_signal)
    timer = QTimer(singleShot=True, interval=WAIT_MS)
    timer.timeout.connect(loop.quit)
    try:
        yield
        if not fired:
            timer.start()
            loop.exec()
    finally:
        timer.stop()
        signal.disconnect(on_signal)  # a connection left behind would be the soak's own leak
    if not fired:
        raise TimeoutError(f"no signal within {WAIT_MS} ms")


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {WAIT_MS} ms")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=200, help="graph cycles before 'warm'")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    graph_tab = GraphTab()
    graph_tab.auto_evaluate.setChecked(False)
    graph_tab.resize(1280, 760)
    graph_tab.show()
    training_tab = TrainingTab()
    training_tab.resize(1280, 760)
    training_tab.show()
    app.processEvents()
    phases = [
        soak_graph(graph_tab, args.cycles, args.warmup, args.seed, wait_signal),
        soak_training(training_tab, args.runs, max(1, args.runs // 10), wait_until),
    ]
    graph_tab.shutdown()
    training_tab.shutdown()
    print(f"gradviz soak, load average {os.getloadavg()[0]:.2f} (1 min), 2 phases\n")
    print(table(phases))


if __name__ == "__main__":
    main()
