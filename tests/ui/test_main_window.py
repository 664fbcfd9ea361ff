"""The main window: opens on the evaluated textbook example; menus, files, geometry, tabs."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

import gradviz
from gradviz.examples import load_examples
from gradviz.ui import MainWindow
from gradviz.ui.graph_export import FORMATS


def menu_texts(window: MainWindow, title: str) -> list[str]:
    (menu,) = [a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == title]
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def menu_action(window: MainWindow, title: str, text: str):
    (menu,) = [a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == title]
    (action,) = [a for a in menu.actions() if a.text().replace("&", "") == text]
    return action


def test_window_opens_on_the_evaluated_textbook_example(main_window):
    tab = main_window.graph_tab
    graph = tab.graph_view.graph
    assert tab.program() == load_examples()[0].text
    ops = Counter(a["label"] for _, a in graph.nodes(data=True) if a["kind"] == "op")
    assert ops == Counter({"pow": 2, "sub": 1, "add": 1})
    leaves = {a["name"]: a for _, a in graph.nodes(data=True) if a["kind"] == "leaf"}
    assert set(leaves) == {"a", "b"}
    assert leaves["a"]["grad"].item() == 75
    assert leaves["b"]["grad"].item() == -12
    assert tab.error_label.text() == ""
    assert "gradviz" in main_window.windowTitle()


def test_window_starts_ready_to_type(qtbot, main_window):
    qtbot.waitUntil(main_window.graph_tab.editor.hasFocus)


def test_window_has_both_tabs_and_a_status_bar(main_window):
    assert main_window.findChild(QWidget, "graphTab") is main_window.graph_tab
    assert main_window.findChild(QWidget, "trainingTab") is main_window.training_tab
    assert main_window.tabs.currentWidget() is main_window.graph_tab
    for name in ("programEditor", "evaluateButton", "programError", "graphView", "nodeInspector"):
        assert main_window.findChild(QWidget, name) is not None, name
    assert main_window.statusBar().isVisible()


def test_menus(main_window):
    assert menu_texts(main_window, "File") == [
        "Open program…",
        "Save program",
        "Save program as…",
        "Export graph…",
        "Quit",
    ]
    assert menu_texts(main_window, "Examples") == [ex.title for ex in load_examples()]
    assert menu_texts(main_window, "View") == ["Graph tab", "Training tab", "Theme"]
    assert menu_texts(main_window, "Help") == [
        "Keyboard shortcuts", "Language reference", "About gradviz"
    ]


@pytest.mark.parametrize("example", load_examples(), ids=lambda ex: ex.filename)
def test_each_example_menu_entry_draws_its_graph(qtbot, main_window, example):
    tab = main_window.graph_tab
    main_window.tabs.setCurrentWidget(main_window.training_tab)
    with qtbot.waitSignal(tab.graph_shown, timeout=10_000) as blocker:
        menu_action(main_window, "Examples", example.title).trigger()
    assert tab.program() == example.text
    assert main_window.tabs.currentWidget() is tab
    assert (
        blocker.args[0].number_of_nodes() == gradviz.evaluate(example.text).graph.number_of_nodes()
    )
    assert tab.error_label.text() == ""


def test_default_size_and_remembered_geometry(qtbot, settings):
    first = MainWindow(settings=settings)
    qtbot.addWidget(first)
    screen = first.screen().availableGeometry()
    assert first.width() == min(1280, int(screen.width() * 0.9))
    assert first.height() == min(800, int(screen.height() * 0.9))
    first.resize(screen.width() // 2, screen.height() // 2)
    first.close()

    second = MainWindow(settings=QSettings(settings.fileName(), QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (screen.width() // 2, screen.height() // 2)


def test_open_and_save_program(qtbot, main_window, tmp_path, monkeypatch):
    source = tmp_path / "mine.py"
    source.write_text("p = 3\nq = p * p\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    with qtbot.waitSignal(main_window.graph_tab.graph_shown, timeout=10_000):
        menu_action(main_window, "File", "Open program…").trigger()
    assert main_window.graph_tab.program() == "p = 3\nq = p * p\n"
    assert "mine.py" in main_window.windowTitle()

    target = tmp_path / "saved.py"
    main_window.graph_tab.editor.appendPlainText("r = q + 1")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    menu_action(main_window, "File", "Save program as…").trigger()
    assert target.read_text(encoding="utf-8") == main_window.graph_tab.program()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_open_refuses_unreadable_files_with_a_message(main_window, tmp_path, monkeypatch):
    binary = tmp_path / "binary.py"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(binary), ""))
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    before = main_window.graph_tab.program()
    menu_action(main_window, "File", "Open program…").trigger()
    assert len(warnings) == 1 and "Could not open" in warnings[0]
    assert main_window.graph_tab.program() == before


@pytest.mark.parametrize("suffix", list(FORMATS))
def test_export_graph_writes_an_image(main_window, tmp_path, monkeypatch, suffix):
    target = tmp_path / f"graph{suffix}"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), FORMATS[suffix])
    )
    menu_action(main_window, "File", "Export graph…").trigger()
    assert target.exists()
    if suffix == ".png":
        image = QImage(str(target))
        assert image.width() > 200 and image.height() > 100
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 3)
            for y in range(0, image.height(), 3)
        }
        assert len(colours) > 10, "the exported image is blank"
    else:
        text = target.read_text(encoding="utf-8")
        assert "<svg" in text and ">pow<" in text  # cards as text, not as cached bitmaps
        assert "<image" not in text
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == suffix) == [target.name]


def test_export_adds_the_chosen_suffix_to_a_bare_name(main_window, tmp_path, monkeypatch):
    bare = tmp_path / "graph"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(bare), FORMATS[".svg"])
    )
    menu_action(main_window, "File", "Export graph…").trigger()
    assert (tmp_path / "graph.svg").exists()


def test_export_failure_is_reported_not_raised(main_window, tmp_path, monkeypatch):
    target = tmp_path / "missing-dir" / "graph.png"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), FORMATS[".png"])
    )
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    menu_action(main_window, "File", "Export graph…").trigger()
    assert len(warnings) == 1 and "Could not export" in warnings[0]
    assert not target.exists()


def test_help_dialogs(main_window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda *args: shown.append(args[2]))
    monkeypatch.setattr(QMessageBox, "information", lambda *args: shown.append(args[2]))
    menu_action(main_window, "Help", "About gradviz").trigger()
    menu_action(main_window, "Help", "Keyboard shortcuts").trigger()
    about, shortcuts = shown
    assert gradviz.__version__ in about
    assert "Ctrl+Enter" in shortcuts


def test_training_graph_is_shown_on_the_graph_tab(main_window):
    graph = gradviz.evaluate("w = 2.0\nloss = (w * 3 - 1) ** 2").graph
    main_window.tabs.setCurrentWidget(main_window.training_tab)
    main_window.training_tab.graph_requested.emit(graph)
    assert main_window.graph_tab.graph_view.graph is graph
    assert main_window.tabs.currentWidget() is main_window.graph_tab


def test_closing_shuts_down_both_tabs_and_saves_geometry(main_window, settings, monkeypatch):
    stopped = []
    monkeypatch.setattr(main_window.graph_tab, "shutdown", lambda: stopped.append("graph"))
    monkeypatch.setattr(main_window.training_tab, "shutdown", lambda: stopped.append("training"))
    main_window.close()
    assert sorted(stopped) == ["graph", "training"]
    assert settings.value("window/geometry") is not None


# -- unsaved edits ------------------------------------------------------------------------


@pytest.fixture
def answers(monkeypatch):
    """Record each 'unsaved program' question and answer it from a queue."""
    asked, queue = [], []

    def ask(window):
        asked.append(window.graph_tab.program())
        return queue.pop(0)

    monkeypatch.setattr(MainWindow, "ask_discard", ask)
    return asked, queue


def test_opening_an_example_asks_before_discarding_edits(main_window, answers, qtbot):
    asked, queue = answers
    editor = main_window.graph_tab.editor
    editor.selectAll()
    qtbot.keyClicks(editor, "q = 1")
    queue.append(QMessageBox.StandardButton.Cancel)
    main_window.open_example(main_window.examples[1])
    assert asked == ["q = 1"] and main_window.graph_tab.program() == "q = 1"
    queue.append(QMessageBox.StandardButton.Discard)
    main_window.open_example(main_window.examples[1])
    assert main_window.graph_tab.program() == main_window.examples[1].text
    main_window.open_example(main_window.examples[0])  # unmodified: no question
    assert len(asked) == 2


def test_closing_with_edits_can_be_cancelled(main_window, answers, qtbot):
    asked, queue = answers
    qtbot.keyClicks(main_window.graph_tab.editor, "# note")
    queue.append(QMessageBox.StandardButton.Cancel)
    main_window.close()
    assert main_window.isVisible() and len(asked) == 1
    queue.append(QMessageBox.StandardButton.Discard)
    main_window.close()
    assert not main_window.isVisible()


def test_save_adds_py_and_clears_the_modified_mark(main_window, tmp_path, monkeypatch, qtbot):
    qtbot.keyClicks(main_window.graph_tab.editor, "# note")
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "prog"), "")
    )
    assert main_window.save_program()
    assert (tmp_path / "prog.py").read_text() == main_window.graph_tab.program()
    assert not main_window.graph_tab.editor.document().isModified()



# -- help and navigation ------------------------------------------------------------------


def test_language_reference_lists_exactly_the_evaluators_functions(main_window, qtbot):
    from gradviz.core.functions import FUNCTIONS, PROPERTIES
    from gradviz.ui.language_reference import LanguageReferenceDialog

    dialog = LanguageReferenceDialog(main_window)
    qtbot.addWidget(dialog)
    table = dialog.table
    forms = [table.item(r, 1).text() for r in range(table.rowCount())]
    assert table.rowCount() == len(FUNCTIONS) + len(PROPERTIES)
    for name in FUNCTIONS:
        assert any(form.startswith(f"{name}(") for form in forms), name
    assert any("torch.sin" in f and "x.sin()" in f for f in forms)
    assert not any(form.startswith("open(") or "load" in form for form in forms)


def test_ctrl_1_and_ctrl_2_switch_tabs(main_window, qtbot):
    main_window.activateWindow()
    qtbot.keyClick(main_window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: main_window.tabs.currentWidget() is main_window.training_tab)
    qtbot.keyClick(main_window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: main_window.tabs.currentWidget() is main_window.graph_tab)
