"""How long a View → Theme switch freezes the window: palette, style, and a full repaint.

    python tests/benchmarks/bench_theme.py              # graphs of ~7 and ~1,000 nodes
    python tests/benchmarks/bench_theme.py --depth 20 --repeat 3

A switch runs on the GUI thread (Qt palettes and styles cannot change elsewhere), so its
time is a freeze the user sees; it should stay near the ~100 ms a click may take.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import gradviz  # noqa: E402
from gradviz.ui.main_window import MainWindow  # noqa: E402
from gradviz.ui.theme import Theme  # noqa: E402

TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"


def chain(depth: int) -> str:
    """Three grad_fn nodes per step (sin, mul, add)."""
    loop = f"for i in range({depth}):\n    h = sin(h) * 0.5 + 1.0\n"
    return f"x = [1., 2., 3.]\nh = x\n{loop}y = h.sum()"


def time_switches(window: MainWindow, repeat: int) -> list[float]:
    app = QApplication.instance()
    seconds = []
    for theme in [Theme.DARK, Theme.LIGHT] * repeat:
        started = time.perf_counter()
        window.theme.set_theme(theme)
        app.processEvents()
        window.repaint()  # the switch is only done once the window shows it
        seconds.append(time.perf_counter() - started)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=330, help="steps of the large chain")
    parser.add_argument("--repeat", type=int, default=5, help="dark+light pairs per graph")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, open_example=False)
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        print(f"load average {os.getloadavg()[0]:.2f}")
        print("| graph nodes | switches | median ms | max ms |")
        print("|---|---|---|---|")
        for program in (TEXTBOOK, chain(args.depth)):
            graph = gradviz.evaluate(program).graph
            window.graph_tab.show_graph(graph)
            app.processEvents()
            window.repaint()
            seconds = time_switches(window, args.repeat)
            print(
                f"| {graph.number_of_nodes():,} | {len(seconds)} "
                f"| {statistics.median(seconds) * 1000:.0f} | {max(seconds) * 1000:.0f} |"
            )
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
