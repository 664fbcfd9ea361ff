"""Render the README screenshots offscreen, so they are made by code rather than by hand.

    python tools/screenshots.py            # writes docs/graph_tab.png and docs/training_tab.png
    python tools/screenshots.py --out /tmp

The window is 1280×800 with fresh settings, opened on the textbook example like a first run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QSize, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QComboBox, QPushButton, QWidget  # noqa: E402

from gradviz.ui.main_window import MainWindow  # noqa: E402

SIZE = QSize(1280, 800)
TIMEOUT_MS = 30_000
SETTLE_MS = 300
"""Time for deferred layout work (fit-on-load, plot ranges) to run before grabbing."""


def _run_events(milliseconds: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def _wait_for_first_graph(window: MainWindow) -> None:
    tab = window.graph_tab
    if tab.graph_view.graph is None or tab.evaluating:
        loop = QEventLoop()
        tab.graph_shown.connect(loop.quit)
        tab.evaluation_failed.connect(loop.quit)
        QTimer.singleShot(TIMEOUT_MS, loop.quit)
        loop.exec()
    if tab.error_label.text():
        raise SystemExit(f"the example did not evaluate: {tab.error_label.text()}")


def _train_until_done(window: MainWindow) -> None:
    """A finished run shows the fitted line and a falling MSE curve, not empty plots."""
    tab = window.training_tab
    speed = tab.findChild(QComboBox, "trainSpeed")
    speed.setCurrentIndex(speed.count() - 1)  # the fastest pace
    tab.findChild(QPushButton, "trainStartButton").click()
    timer = QTimer(interval=50)
    loop = QEventLoop()
    timer.timeout.connect(lambda: tab.is_running() or loop.quit())
    QTimer.singleShot(TIMEOUT_MS, loop.quit)
    timer.start()
    loop.exec()
    timer.stop()


def _inspect_first_leaf(window: MainWindow) -> None:
    """Fill the inspector, so the picture shows the chain rule for ``a``."""
    graph = window.graph_tab.graph_view.graph
    leaf = next(node for node, attrs in graph.nodes(data=True) if attrs["kind"] == "leaf")
    window.graph_tab.inspect_node(leaf)
    window.graph_tab.graph_view.fit()  # selecting scrolls the card into view; undo that


def _save(window: MainWindow, page: QWidget, path: Path) -> None:
    window.tabs.setCurrentWidget(page)
    _run_events(SETTLE_MS)
    if not window.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "docs")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        fresh = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=fresh)
        window.resize(SIZE)
        window.show()
        _wait_for_first_graph(window)
        _inspect_first_leaf(window)
        _save(window, window.graph_tab, args.out / "graph_tab.png")
        window.tabs.setCurrentWidget(window.training_tab)
        _train_until_done(window)
        _save(window, window.training_tab, args.out / "training_tab.png")
        window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
