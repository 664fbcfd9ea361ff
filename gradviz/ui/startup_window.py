"""The window shown while the main window's imports load (torch alone takes seconds).

It needs nothing but Qt, sits where the main window will appear, and says what it waits
for; ``run_app`` closes it once the main window is shown in its place.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QByteArray, QEvent, QSettings, QSize, Qt
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

SIZE = QSize(1280, 800)
PAINT_WAIT_S = 0.5
"""Longest ``show_painted`` waits for the window system to show the window."""


class StartupWindow(QWidget):
    """A plain window with one line of text, titled 'Starting gradviz'."""

    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.setObjectName("startupWindow")
        # Not "gradviz…": scripts (and tests) find the main window by that title.
        self.setWindowTitle("Starting gradviz")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._painted = False
        label = QLabel("Starting gradviz: loading PyTorch…")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("color: #6b6b6b; font-size: 14pt;")
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        available = self.screen().availableGeometry().size()
        self.resize(SIZE.boundedTo(available * 0.9))
        geometry = settings.value("window/geometry")
        if isinstance(geometry, (QByteArray, bytes)):
            self.restoreGeometry(geometry)

    def show_painted(self) -> None:
        """Show and let the event loop run until the window has painted (or PAINT_WAIT_S)."""
        self.show()
        deadline = time.monotonic() + PAINT_WAIT_S
        while not self._painted and time.monotonic() < deadline:
            QApplication.processEvents()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self._painted = True
        return super().event(event)
