"""Application start-up: one QApplication, one main window, the event loop."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from gradviz import __version__
from gradviz.ui.main_window import MainWindow


def run_app(argv: list[str] | None = None, program: tuple[str, str] | None = None) -> int:
    """Show the main window on the textbook example and run until it closes.

    ``argv`` is what Qt sees (program name first), so Qt's own options such as
    ``-platform`` keep working.
    """
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("gradviz")
    app.setOrganizationName("gradviz")
    app.setApplicationVersion(__version__)
    window = MainWindow()
    if program is not None:
        window.load_program(*program)
    window.show()
    return app.exec()
