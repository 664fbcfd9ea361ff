"""The program editor: monospace text, line numbers, highlighting, Ctrl+Enter, error marks."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QFontInfo,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from gradviz.ui import palette
from gradviz.ui.highlighter import ProgramHighlighter

INDENT = "    "
MONOSPACE_FAMILIES = ["DejaVu Sans Mono", "Menlo", "Consolas", "Liberation Mono", "monospace"]


def monospace_font() -> QFont:
    """The system's fixed font, unless it is not really fixed-pitch (some Linux setups)."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if not QFontInfo(font).fixedPitch():
        font.setFamilies([*MONOSPACE_FAMILIES, font.family()])
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    return font


class _LineNumberGutter(QWidget):
    """Paints line numbers for its editor; the editor owns all the logic."""

    def __init__(self, editor: ProgramEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self._editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        self._editor.paint_gutter(self, event)


class ProgramEditor(QPlainTextEdit):
    """Where the user types a program.

    Marking an error only adds extra selections: the user's text is never modified, so an
    error can never cost them what they typed.
    """

    evaluate_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("programEditor")
        self.setAccessibleName("Program editor")
        self.setToolTip("Your torch program; Ctrl+Enter evaluates it (Help > Language reference)")
        self.setFont(monospace_font())
        # Wrapped rather than scrolled sideways: the examples' first-line comments are long.
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(INDENT))
        self.setPlaceholderText("a = 5\nb = 6\ny = a**3 - b**2 + 3\n\n(Ctrl+Enter evaluates)")
        self._highlighter = ProgramHighlighter(self.document())
        self._gutter = _LineNumberGutter(self)
        self._error: tuple[int, int | None] | None = None
        self.blockCountChanged.connect(self._update_gutter_width)
        self.updateRequest.connect(self._scroll_gutter)
        self._update_gutter_width()

    # -- errors ---------------------------------------------------------------------------

    @property
    def error_position(self) -> tuple[int, int | None] | None:
        """The (line, col) currently marked, 1-based, or None."""
        return self._error

    def mark_error(self, line: int, col: int | None = None) -> None:
        """Tint the line and underline the character at (line, col), both 1-based.

        Out-of-range positions (an error "at end of input") are clamped onto the text.
        """
        doc = self.document()
        block = doc.findBlockByNumber(min(max(line, 1), doc.blockCount()) - 1)
        self._error = (block.blockNumber() + 1, col)

        whole_line = QTextEdit.ExtraSelection()
        whole_line.format.setBackground(palette.ERROR_BACKGROUND)
        whole_line.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        whole_line.cursor = QTextCursor(block)

        spot = QTextEdit.ExtraSelection()
        spot.format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        spot.format.setUnderlineColor(palette.ERROR_TEXT)
        spot.format.setForeground(palette.ERROR_TEXT)
        cursor = QTextCursor(block)
        length = block.length() - 1  # without the paragraph separator
        if col is None or length == 0:
            cursor.movePosition(
                QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor
            )
        else:
            start = min(max(col, 1), length) - 1
            cursor.setPosition(block.position() + start)
            cursor.movePosition(
                QTextCursor.MoveOperation.EndOfWord, QTextCursor.MoveMode.KeepAnchor
            )
            if cursor.position() == block.position() + start:  # not on a word: one char
                cursor.movePosition(
                    QTextCursor.MoveOperation.NextCharacter, QTextCursor.MoveMode.KeepAnchor
                )
        spot.cursor = cursor

        self.setExtraSelections([whole_line, spot])
        self._gutter.update()

    def apply_theme(self) -> None:
        """Recolour syntax and the error mark after ``palette`` switched light/dark."""
        self._highlighter.set_dark(palette.is_dark())
        if self._error is not None:
            self.mark_error(*self._error)

    def clear_error(self) -> None:
        self._error = None
        self.setExtraSelections([])
        self._gutter.update()

    # -- keys -----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        key, mods = event.key(), event.modifiers()
        is_enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if is_enter and mods & Qt.KeyboardModifier.ControlModifier:
            event.accept()
            self.evaluate_requested.emit()
        elif is_enter and not mods & ~Qt.KeyboardModifier.KeypadModifier:
            self._newline_keeping_indent()
        elif key == Qt.Key.Key_Tab and not mods:
            self.textCursor().insertText(INDENT)
        elif key == Qt.Key.Key_Backtab:
            self._dedent_line()
        else:
            super().keyPressEvent(event)

    def _dedent_line(self) -> None:
        """Shift+Tab removes one indent level from the current line (focus stays here)."""
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock)
        text = cursor.block().text()
        spaces = len(text) - len(text.lstrip(" "))
        for _ in range(min(spaces, len(INDENT))):
            cursor.deleteChar()

    def _newline_keeping_indent(self) -> None:
        """Python-style: keep the line's indent, and indent one more level after a colon."""
        cursor = self.textCursor()
        line = cursor.block().text()[: cursor.positionInBlock()]
        indent = line[: len(line) - len(line.lstrip())]
        if line.rstrip().endswith(":"):
            indent += INDENT
        cursor.insertText("\n" + indent)
        self.ensureCursorVisible()

    # -- gutter ---------------------------------------------------------------------------

    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 14 + self.fontMetrics().horizontalAdvance("9") * max(2, digits)

    def _update_gutter_width(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        area = self.contentsRect()
        self._gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(), area.height()))

    def paint_gutter(self, gutter: QWidget, event: QPaintEvent) -> None:
        """Numbers for the visible blocks; the error line's number is drawn in red."""
        painter = QPainter(gutter)
        painter.fillRect(event.rect(), self.palette().window())
        height = self.fontMetrics().height()
        error_line = self._error[0] if self._error else None
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        while block.isValid() and top <= event.rect().bottom():
            bottom = top + round(self.blockBoundingRect(block).height())
            if block.isVisible() and bottom >= event.rect().top():
                number = block.blockNumber() + 1
                font = painter.font()
                font.setBold(number == error_line)
                painter.setFont(font)
                painter.setPen(
                    palette.ERROR_TEXT if number == error_line else palette.TEXT_DIM
                )
                painter.drawText(
                    0, top, gutter.width() - 6, height, Qt.AlignmentFlag.AlignRight, str(number)
                )
            block = block.next()
            top = bottom
        painter.end()
