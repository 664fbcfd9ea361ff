"""The first-run hint: explains both tabs once, blocks nothing, and stays away once dismissed."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel

from gradviz.ui.main_window import MainWindow


def reopened(qtbot, settings: QSettings) -> MainWindow:
    window = MainWindow(
        settings=QSettings(settings.fileName(), QSettings.Format.IniFormat), open_example=False
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_first_run_shows_a_hint_about_both_tabs(main_window):
    hint = main_window.first_run_hint
    assert hint.isVisible()
    words = hint.findChild(QLabel, "firstRunText").text()
    for name in ("Graph", "Training", "Ctrl+Enter", "Space"):
        assert name in words, name
    # It sits above the tabs and leaves the window usable: the graph is still drawn.
    assert hint.geometry().bottom() <= main_window.tabs.geometry().top()
    assert main_window.graph_tab.graph_view.graph is not None


def test_dismissed_hint_stays_dismissed(main_window, qtbot, settings):
    main_window.first_run_hint.close_button.click()
    assert not main_window.first_run_hint.isVisible()
    main_window.close()
    assert not reopened(qtbot, settings).first_run_hint.isVisible()


def test_hint_comes_back_until_it_is_dismissed(main_window, qtbot, settings):
    main_window.close()
    assert reopened(qtbot, settings).first_run_hint.isVisible()
