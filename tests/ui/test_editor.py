"""The program editor: keys, error marks (which never touch the text), highlighting, gutter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo, QTextCharFormat

from gradviz.core.functions import FUNCTIONS
from gradviz.ui.editor import ProgramEditor

TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"


@pytest.fixture
def editor(shown) -> ProgramEditor:
    return shown(ProgramEditor(), 400, 300)


def test_editor_is_named_and_monospaced(editor):
    assert editor.objectName() == "programEditor"
    assert QFontInfo(editor.font()).fixedPitch()


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter])
def test_ctrl_enter_requests_evaluation_without_editing(qtbot, editor, key):
    editor.setPlainText(TEXTBOOK)
    with qtbot.waitSignal(editor.evaluate_requested, timeout=1000):
        qtbot.keyClick(editor, key, Qt.KeyboardModifier.ControlModifier)
    assert editor.toPlainText() == TEXTBOOK


def test_enter_keeps_indent_and_indents_after_a_colon(qtbot, editor):
    qtbot.keyClicks(editor, "for i in range(3):")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.keyClicks(editor, "h = h * 2")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.keyClicks(editor, "g = h")
    assert editor.toPlainText() == "for i in range(3):\n    h = h * 2\n    g = h"


def test_mark_error_underlines_the_spot_and_keeps_the_text(editor):
    editor.setPlainText(TEXTBOOK)
    editor.mark_error(2, 5)
    assert editor.toPlainText() == TEXTBOOK
    assert editor.error_position == (2, 5)
    line, spot = editor.extraSelections()
    assert line.cursor.block().blockNumber() == 1
    assert spot.cursor.selectedText() == "6"
    assert spot.format.underlineStyle() != spot.format.UnderlineStyle.NoUnderline

    editor.clear_error()
    assert editor.extraSelections() == []
    assert editor.error_position is None
    assert editor.toPlainText() == TEXTBOOK


def test_mark_error_selects_the_whole_word(editor):
    editor.setPlainText("x = 1\ny = sinn(x)")
    editor.mark_error(2, 5)
    assert editor.extraSelections()[1].cursor.selectedText() == "sinn"


@pytest.mark.parametrize(("line", "col"), [(99, 1), (3, 999), (0, 0), (2, None)])
def test_mark_error_clamps_positions_outside_the_text(editor, line, col):
    editor.setPlainText(TEXTBOOK)
    editor.mark_error(line, col)
    assert editor.toPlainText() == TEXTBOOK
    assert editor.extraSelections()[1].cursor.hasSelection()


def _format_at(editor: ProgramEditor, line: int, column: int):
    block = editor.document().findBlockByNumber(line)
    for fmt_range in block.layout().formats():
        if fmt_range.start <= column < fmt_range.start + fmt_range.length:
            return QTextCharFormat(fmt_range.format)  # the range's own copy dies with it
    return None


def test_highlighting_tells_numbers_functions_names_and_comments_apart(editor):
    editor.setPlainText("y = tanh(x) * 2.5  # squash")
    function = _format_at(editor, 0, 4)
    name = _format_at(editor, 0, 9)
    number = _format_at(editor, 0, 14)
    comment = _format_at(editor, 0, 20)
    colours = {fmt.foreground().color().name() for fmt in (function, name, number, comment)}
    assert len(colours) == 4
    assert comment.fontItalic()


def test_highlighter_knows_every_whitelisted_function(editor):
    kinds = {editor._highlighter.token_kind(name) for name in FUNCTIONS}
    assert kinds == {"function"}
    assert editor._highlighter.token_kind("my_variable") == "name"


def test_gutter_grows_with_the_number_of_lines(editor):
    narrow = editor.gutter_width()
    editor.setPlainText("\n".join(f"x{i} = {i}" for i in range(1200)))
    assert editor.gutter_width() > narrow
    assert editor.viewportMargins().left() == editor.gutter_width()


def test_shift_tab_dedents_and_keeps_focus(editor, qtbot):
    editor.setPlainText("for i in range(3):\n        y = i")
    cursor = editor.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    editor.setTextCursor(cursor)
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus)
    qtbot.keyClick(editor, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert editor.toPlainText() == "for i in range(3):\n    y = i"
    assert editor.hasFocus()
