"""Help → Language reference: every whitelisted function, from the evaluator's own table.

Generated from `gradviz.core.functions`, so the help cannot drift from what runs.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.functions import language_reference

INTRO = (
    "Programs are Python syntax: assignments, <code>x += …</code>, expressions and "
    "<code>for i in range(n):</code>. Numbers and lists bound to a name become leaves that "
    "require grad; <code>pi</code> and <code>e</code> are numbers. These are the functions "
    "you can call:"
)


class LanguageReferenceDialog(QDialog):
    """A read-only table: category, the call forms, and one line on what each does."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("languageReference")
        self.setWindowTitle("gradviz language reference")
        rows = sorted(language_reference())
        self.table = QTableWidget(len(rows), 3)
        self.table.setObjectName("languageTable")
        self.table.setHorizontalHeaderLabels(["Kind", "Call it as", "What it does"])
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, stretch=1)
        layout.addWidget(buttons)
        self.resize(900, 600)
