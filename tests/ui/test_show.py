"""gradviz.show(): returns at once inside a running Qt app, blocks in a plain script."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import torch

import gradviz
from gradviz.ui import show as show_module


def test_show_inside_a_qt_app_returns_the_window(qtbot):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with gradviz.record():
        y = (x.sin() * x).sum()
    window = gradviz.show(y, names={"x": x})
    qtbot.waitExposed(window)
    G = window.graph_tab.graph_view.graph
    leaf = next(d for d in G.nodes.values() if d["kind"] == "leaf")
    ref = torch.autograd.grad(y, x)[0]
    assert leaf["name"] == "x"
    torch.testing.assert_close(leaf["grad"], ref)
    assert any(d["op"] == "SinBackward0" and d["value"] is not None for d in G.nodes.values())
    assert window in show_module._open_windows  # kept alive while the caller's loop runs
    window.close()
    qtbot.waitUntil(lambda: not show_module._open_windows)  # deleted on close, then let go


SCRIPT = textwrap.dedent(
    """
    import threading, time
    import torch, gradviz
    from PySide6.QtCore import QMetaObject, Qt
    from PySide6.QtWidgets import QApplication

    returned = threading.Event()

    def close_when_shown():
        # Posting to the GUI thread is thread-safe; repeat until show() has returned.
        while not returned.wait(0.5):
            app = QApplication.instance()
            if app is not None and any(w.isVisible() for w in app.topLevelWidgets()):
                QMetaObject.invokeMethod(app, "closeAllWindows",
                                         Qt.ConnectionType.QueuedConnection)

    threading.Thread(target=close_when_shown, daemon=True).start()
    a = torch.tensor(5.0, requires_grad=True)
    y = a ** 3
    window = gradviz.show(y, names={"a": a})
    returned.set()
    print("returned", window.isVisible())
    """
)


def test_show_from_a_plain_script_blocks_until_the_window_closes():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "returned False"


def test_the_shown_graph_stays_after_the_auto_evaluate_delay(qtbot):
    """The window's start-up re-highlight of its empty editor had queued an auto-evaluation
    that replaced the shown graph with "Nothing to evaluate" 0.8 s later."""
    a = torch.tensor(5.0, requires_grad=True)
    window = gradviz.show(a**3, names={"a": a})
    qtbot.waitExposed(window)
    tab = window.graph_tab
    timer = tab._auto_timer  # noqa: SLF001 (the pending evaluation is what went wrong)
    qtbot.waitUntil(lambda: not timer.isActive() and not tab.evaluating)
    assert tab.graph_view.graph is not None
    assert not tab.error_label.isVisible()
    window.close()
    qtbot.waitUntil(lambda: not show_module._open_windows)
