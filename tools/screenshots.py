"""Render the README screenshots offscreen, so they are made by code rather than by hand.

    python tools/screenshots.py                     # docs/: both tabs, light and dark, 1280×800
    python tools/screenshots.py --out /tmp/shots --sizes 1024x700 1920x1080   # layout checks

The window has fresh settings (first-run hint already dismissed) and opens on the textbook
example. Files are named <tab>[_dark][_<W>x<H>].png; the size is left out at 1280×800.
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

from gradviz.ui.first_run import SEEN_KEY  # noqa: E402
from gradviz.ui.main_window import MainWindow  # noqa: E402
from gradviz.ui.theme import SETTINGS_KEY, Theme  # noqa: E402

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


def _size(text: str) -> QSize:
    width, height = (int(n) for n in text.lower().split("x"))
    return QSize(width, height)


def _shoot(out: Path, size: QSize, theme: Theme) -> None:
    """Both tabs of a fresh window at ``size`` in ``theme``."""
    suffix = ("_dark" if theme is Theme.DARK else "") + (
        "" if size == SIZE else f"_{size.width()}x{size.height()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        fresh = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        fresh.setValue(SETTINGS_KEY, theme.value)
        fresh.setValue(SEEN_KEY, True)
        window = MainWindow(settings=fresh)
        window.resize(size)
        window.show()
        _wait_for_first_graph(window)
        _inspect_first_leaf(window)
        _save(window, window.graph_tab, out / f"graph_tab{suffix}.png")
        window.tabs.setCurrentWidget(window.training_tab)
        _train_until_done(window)
        _save(window, window.training_tab, out / f"training_tab{suffix}.png")
        window.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "docs")
    parser.add_argument(
        "--sizes",
        type=_size,
        nargs="+",
        default=[SIZE],
        metavar="WxH",
        help="window sizes to render (default 1280x800)",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    for size in args.sizes:
        for theme in (Theme.LIGHT, Theme.DARK):
            _shoot(args.out, size, theme)
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
