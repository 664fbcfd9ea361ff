"""A one-time banner that says what the two tabs are for.

A banner rather than a dialog: it blocks nothing (not the user, not a test), and it
stays until dismissed, so a user who looks away first still gets to read it.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

SEEN_KEY = "firstRun/hintDismissed"
HINT_TEXT = (
    "<b>Welcome to gradviz.</b> The <b>Graph</b> tab (Ctrl+1) draws the autograd graph of the"
    " program on the left, with every node's value and gradient: edit it and press"
    " Ctrl+Enter, or pick one from the Examples menu. The <b>Training</b> tab (Ctrl+2) fits a"
    " line by SGD: press Space there to start or pause. F1 lists every shortcut."
)


class FirstRunBanner(QFrame):
    """Shown until the user dismisses it once; ``settings`` remembers that."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunHint")
        self.setAccessibleName("First-run hint")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._settings = settings
        text = QLabel(HINT_TEXT, wordWrap=True)
        text.setObjectName("firstRunText")
        self.close_button = QPushButton("Got it", objectName="firstRunDismiss")
        self.close_button.setToolTip("Hide this hint for good (F1 lists the shortcuts)")
        self.close_button.clicked.connect(self.dismiss)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(text, 1)
        row.addWidget(self.close_button)
        if self.seen(settings):
            self.hide()

    @staticmethod
    def seen(settings: QSettings) -> bool:
        return settings.value(SEEN_KEY, False, type=bool)

    def dismiss(self) -> None:
        self._settings.setValue(SEEN_KEY, True)
        self.hide()
