"""Application start-up: one QApplication, one main window, the event loop.

The main window needs torch, which takes seconds to import; a plain start-up window is
painted first and the main window (and torch) is imported after it.
"""

from __future__ import annotations

import logging
import sys
from importlib.resources import files

from PySide6.QtCore import QSettings
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from gradviz import __version__
from gradviz.ui import startup_probe
from gradviz.ui.autosave import AUTOSAVE_NAME
from gradviz.ui.crash_handler import (
    CrashHandler,
    app_data_dir,
    configure_logging,
    unconfigure_logging,
)
from gradviz.ui.startup_window import StartupWindow

log = logging.getLogger(__name__)


def run_app(argv: list[str] | None = None, program: tuple[str, str] | None = None) -> int:
    """Show the main window on the textbook example and run until it closes.

    ``argv`` is what Qt sees (program name first), so Qt's own options such as
    ``-platform`` keep working.
    """
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("gradviz")
    app.setOrganizationName("gradviz")
    app.setApplicationVersion(__version__)
    # The icon for every window, and the .desktop name so Wayland docks and task bars
    # match windows to the installed launcher.
    app.setWindowIcon(app_icon())
    app.setDesktopFileName("gradviz")

    # Log to the data dir, catch what nothing else catches, autosave the editor.
    data_dir = app_data_dir()
    log_path = configure_logging(data_dir)
    crash_handler = CrashHandler(log_path, app)
    crash_handler.install()
    settings = QSettings()
    if settings.status() != QSettings.Status.NoError:
        log.warning(
            "settings file %s is unreadable (%s); using defaults where needed",
            settings.fileName(),
            settings.status().name,
        )

    startup = StartupWindow(settings)
    startup_probe.install(startup)
    startup.show_painted()
    from gradviz.ui.main_window import MainWindow  # torch: the slow import

    window = MainWindow(settings=settings, autosave_path=data_dir / AUTOSAVE_NAME)
    if program is not None:
        window.load_program(*program)
    else:
        window.restore_autosave()
    startup_probe.watch_graph(window.graph_tab.graph_shown)
    window.show()
    startup.close()
    try:
        return app.exec()
    finally:
        crash_handler.uninstall()
        unconfigure_logging()


def app_icon() -> QIcon:
    """The packaged SVG icon; Qt's SVG icon engine draws it crisp at every size and DPI."""
    return QIcon(str(files("gradviz.resources") / "gradviz.svg"))
