"""Splitters between editor, inspector, graph and plots keep their sizes between runs."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QSplitter

from gradviz.ui.main_window import MainWindow

NAMES = ("graphTabSplitter", "graphTabSide", "trainingPlots", "trainingTopPlots")


def splitter_sizes(window: MainWindow) -> dict[str, list[int]]:
    return {name: window.findChild(QSplitter, name).sizes() for name in NAMES}


def test_splitter_sizes_survive_a_restart(main_window, qtbot, settings):
    main_window.resize(1280, 800)
    main_window.tabs.setCurrentWidget(main_window.training_tab)  # lay out both tabs
    qtbot.waitUntil(lambda: main_window.training_tab.isVisible())
    for name in NAMES:
        splitter = main_window.findChild(QSplitter, name)
        first, second = splitter.sizes()
        splitter.setSizes([first + second // 3, second - second // 3])  # drag the handle
    moved = splitter_sizes(main_window)
    main_window.close()

    again = MainWindow(
        settings=QSettings(settings.fileName(), QSettings.Format.IniFormat), open_example=False
    )
    qtbot.addWidget(again)
    again.resize(1280, 800)
    again.show()
    again.tabs.setCurrentWidget(again.training_tab)
    qtbot.waitExposed(again)
    qtbot.waitUntil(lambda: splitter_sizes(again) == moved)


def test_a_corrupt_splitter_setting_is_ignored(qtbot, settings):
    settings.setValue("splitters/graphTabSplitter", "not a state")
    window = MainWindow(settings=settings, open_example=False)
    qtbot.addWidget(window)
    assert all(size > 0 for size in window.findChild(QSplitter, "graphTabSplitter").sizes())
