"""Fixtures for widget tests: isolated settings, windows that clean up, Qt warnings as failures."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QSettings, QtMsgType
from PySide6.QtWidgets import QMessageBox

from gradviz.ui.graph_tab import GraphTab
from gradviz.ui.main_window import MainWindow

EVALUATION_TIMEOUT_MS = 10_000

# Messages the offscreen platform prints about itself, not about our code.
QT_PLATFORM_NOISE = ("This plugin does not support",)
FAILING_QT_MESSAGES = (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)


@pytest.fixture
def shown(qtbot):
    """shown(widget, width, height): the widget on screen at that size, cleaned up after."""

    def show(widget, width: int, height: int):
        qtbot.addWidget(widget)
        widget.resize(width, height)
        widget.show()
        qtbot.waitExposed(widget)
        return widget

    return show


@pytest.fixture
def app_env(tmp_path) -> dict[str, str]:
    """Environment for a gradviz subprocess: offscreen, with QStandardPaths and QSettings
    pointed into tmp_path."""
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    return env


@pytest.fixture(autouse=True)
def discard_unsaved_edits(monkeypatch):
    """A modal 'unsaved program' question would block a test: answer Discard unless a test
    overrides MainWindow.ask_discard itself."""
    monkeypatch.setattr(
        MainWindow, "ask_discard", lambda self: QMessageBox.StandardButton.Discard
    )


@pytest.fixture(autouse=True)
def fail_on_qt_warnings(qtlog):
    """A Qt warning usually means a real bug (a bad connection, a misused API): fail on it."""
    yield
    problems = [
        record.message
        for record in qtlog.records
        if record.type in FAILING_QT_MESSAGES
        and not any(noise in record.message for noise in QT_PLATFORM_NOISE)
    ]
    assert not problems, "Qt warnings:\n" + "\n".join(problems)


@pytest.fixture(autouse=True)
def isolated_user_settings(tmp_path, qapp):
    """Keep every QSettings() a test creates out of the user's real configuration."""
    qapp.setOrganizationName("gradviz-tests")
    qapp.setApplicationName("gradviz-tests")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path))


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "gradviz.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def main_window(qtbot, settings) -> MainWindow:
    """The window as a user first sees it: shown, with the textbook example drawn."""
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.graph_tab.graph_view.graph is not None)
    qtbot.waitUntil(lambda: not window.graph_tab.evaluating)
    return window


@pytest.fixture
def graph_tab(qtbot) -> GraphTab:
    """A graph tab on its own, sized like the one in the window."""
    tab = GraphTab()
    tab.auto_evaluate.setChecked(False)  # tests say when to evaluate
    qtbot.addWidget(tab, before_close_func=lambda t: t.shutdown())
    tab.resize(1280, 760)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


@pytest.fixture
def evaluate(qtbot):
    """Type ``text`` into a graph tab, click Evaluate and wait for the graph or the error."""

    def run(tab: GraphTab, text: str, *, expect_error: bool = False):
        signal = tab.evaluation_failed if expect_error else tab.graph_shown
        with qtbot.waitSignal(signal, timeout=EVALUATION_TIMEOUT_MS) as blocker:
            tab.set_program(text)
            tab.evaluate_button.click()
        return blocker.args[0]

    return run
