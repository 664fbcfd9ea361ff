"""Keyboard walk of the graph tab: Tab follows the reading order of the controls."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from gradviz.ui.main_window import MainWindow


def focused_among(candidates: list[QWidget]) -> QWidget | None:
    """The candidate that has, or contains, the keyboard focus (a spin box focuses its
    inner line edit)."""
    widget = QApplication.focusWidget()
    while widget is not None and widget not in candidates:
        widget = widget.parentWidget()
    return widget


def test_tab_walks_the_graph_tab_in_reading_order(main_window: MainWindow, qtbot):
    tab = main_window.graph_tab
    main_window.activateWindow()
    tab.stepper.step_forward()  # so Back is enabled and takes part
    expected = [
        tab.evaluate_button,
        tab.editor,  # Tab indents inside the editor, so the walk restarts after it
    ]
    after_editor = [
        tab.fit_button,
        tab.filter_bar.constants,
        tab.color_by_grad,  # "Group by module" is disabled for a program
        tab.derivatives.order_box,
        tab.derivatives.leaf_box,
        tab.stepper.back_button,
        tab.stepper.play_button,
        tab.stepper.step_button,
        tab.graph_view,  # the find bar is closed
        tab.side_tabs,
    ]
    candidates = [tab.auto_evaluate, *expected, *after_editor]
    walks = [(tab.auto_evaluate, expected), (tab.grad_outputs_edit, after_editor)]
    tab._seed_row.show()  # noqa: SLF001 (as for a vector output, so the field takes focus)
    for start, steps in walks:
        start.setFocus()
        qtbot.waitUntil(start.hasFocus)
        seen = []
        for _ in steps:
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            seen.append(focused_among(candidates + [tab.grad_outputs_edit]))
        assert seen == steps


def test_space_on_the_graph_does_not_start_training(main_window: MainWindow, qtbot):
    view = main_window.graph_tab.graph_view
    main_window.activateWindow()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert not main_window.training_tab.is_running()
