"""gradviz.show(): open the viewer on tensors built by the user's own code."""

from __future__ import annotations

import networkx as nx
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QSplitter

from gradviz.core.trace import NamesArg, trace

SIDE_WIDTH = 240
"""The editor and inspector column of a show() window: narrow, the graph is the point."""

# Windows opened while the caller runs the event loop (IPython's %gui qt): without a
# reference they would be garbage-collected and vanish at once.
_open_windows: list = []


def show(*tensors: torch.Tensor, names: NamesArg = None) -> object:
    """Trace `tensors` and show their graph in a gradviz window.

    From a plain script this blocks until the window is closed. When a QApplication
    already exists (IPython with a Qt event loop, or inside another Qt app) it returns
    the window at once. Forward values appear where a ``gradviz.record()`` block
    captured them.
    """
    graph = trace(*tensors, names=names)
    app = QApplication.instance()
    owns_loop = app is None
    if owns_loop:
        app = QApplication([])
        app.setApplicationName("gradviz")
        app.setOrganizationName("gradviz")
    window = _window_for(graph)
    window.show()
    if owns_loop:
        app.exec()
        return window
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _open_windows.append(window)
    window.destroyed.connect(lambda *_: _open_windows.remove(window))
    return window


def _window_for(graph: nx.DiGraph):
    from gradviz.ui.main_window import MainWindow

    window = MainWindow(open_example=False)
    window.setWindowTitle("gradviz — gradviz.show()")
    window.graph_tab.show_graph(graph, "<b>gradviz.show()</b>")
    splitter = window.graph_tab.findChild(QSplitter, "graphTabSplitter")
    splitter.setSizes([SIDE_WIDTH, max(splitter.width(), window.width()) - SIDE_WIDTH])
    return window
