"""Keyboard: Space plays/pauses training (only there), Ctrl+S saves, the help lists every key."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from gradviz.ui.main_window import MainWindow

SLOWEST = 0  # "1 epoch/s": a run that lasts while the test presses keys


def press(qtbot, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press as the user makes it: to whatever has the keyboard focus."""
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


@pytest.fixture
def training(main_window: MainWindow, qtbot):
    """The training tab, shown with Ctrl+2, on a long, slow run's settings."""
    main_window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    tab = main_window.training_tab
    tab.controls.speed.setCurrentIndex(SLOWEST)
    tab.controls.epochs.setValue(1000)
    press(qtbot, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: main_window.tabs.currentWidget() is tab)
    yield tab
    tab.shutdown()


def test_space_starts_pauses_and_resumes_training(training, qtbot):
    assert not training.is_running()
    press(qtbot, Qt.Key.Key_Space)
    assert training.is_running()
    assert training.controls.pause.text() == "Pause"
    press(qtbot, Qt.Key.Key_Space)
    assert training.controls.pause.text() == "Resume"  # paused, not stopped
    assert training.is_running()
    press(qtbot, Qt.Key.Key_Space)
    assert training.controls.pause.text() == "Pause"


def test_space_in_the_editor_types_a_space(main_window, qtbot):
    editor = main_window.graph_tab.editor
    qtbot.waitUntil(editor.hasFocus)
    before = editor.toPlainText()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    press(qtbot, Qt.Key.Key_Space)
    assert editor.toPlainText() == before + " "
    assert not main_window.training_tab.is_running()


def test_space_in_a_training_spin_box_does_not_start_a_run(training, qtbot):
    training.controls.seed.setFocus()
    qtbot.waitUntil(training.controls.seed.hasFocus)
    press(qtbot, Qt.Key.Key_Space)
    assert not training.is_running()


def test_ctrl_s_saves_an_opened_program_in_place(main_window, qtbot, tmp_path, monkeypatch):
    source = tmp_path / "mine.py"
    source.write_text("p = 3\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    with qtbot.waitSignal(main_window.graph_tab.graph_shown, timeout=10_000):
        main_window.open_program()

    def no_dialog(*args, **kwargs):
        raise AssertionError("Ctrl+S on an opened file must not ask where to save")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", no_dialog)
    main_window.activateWindow()
    main_window.graph_tab.editor.setFocus()
    qtbot.waitUntil(main_window.graph_tab.editor.hasFocus)
    qtbot.keyClicks(main_window.graph_tab.editor, "q = p")
    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert source.read_text(encoding="utf-8") == main_window.graph_tab.program()
    assert not main_window.graph_tab.editor.document().isModified()


def test_ctrl_s_on_an_example_asks_for_a_file(main_window, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "example.py"
    asked = []
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: asked.append(1) or (str(target), "")
    )
    assert main_window.save()
    assert asked == [1] and target.read_text(encoding="utf-8") == main_window.graph_tab.program()


def test_help_lists_every_shortcut_of_the_window(main_window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: shown.append(args[2]))
    main_window.show_shortcuts()
    (text,) = shown
    actions = main_window.findChildren(QAction)
    keys = {
        a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        for a in actions
        if not a.shortcut().isEmpty()
    }
    # The list, by name, plus whatever any action in the window declares.
    required = {"Ctrl+Return", "Ctrl+F", "F", "Ctrl+S", "Ctrl+O", "Ctrl+E", "Ctrl+1", "Ctrl+2"}
    for key in sorted(keys | required | {"Space"}):
        shown_key = "Ctrl+Enter" if key == "Ctrl+Return" else key
        assert f"<b>{shown_key}</b>" in text, shown_key


def test_a_new_action_appears_in_the_help_by_itself(main_window):
    menu = main_window.menuBar().actions()[0].menu()
    extra = menu.addAction("Frobnicate")
    extra.setShortcut(QKeySequence("Ctrl+Shift+F"))
    assert ("Ctrl+Shift+F", "Frobnicate") in main_window.shortcuts()


def test_help_lists_each_key_once_with_the_stepper_keys(main_window):
    keys = [keys for keys, _ in main_window.shortcuts()]
    assert len(keys) == len(set(keys)), "a key listed twice reads as two different meanings"
    assert "Right / Left" in keys
