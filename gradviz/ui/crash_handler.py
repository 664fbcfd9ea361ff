"""Top-level exception handler: log the traceback, tell the user, keep running (issue 7).

PySide prints an exception raised in a slot or event handler and carries on, so without this
the user sees nothing and the traceback is lost with the terminal. Here it goes to a rotating
log file in the app's data directory and to a dialog whose "Copy details" makes a bug report
one paste.
"""

from __future__ import annotations

import html
import logging
import sys
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

LOGGER_NAME = "gradviz"
LOG_NAME = "gradviz.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3
"""1 MB × 3 old files: enough for a bug report, small enough to never matter on disk."""
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DIALOG_TITLE = "Something went wrong"
DIALOG_TEXT = "Something went wrong… the app keeps running."
COPY_BUTTON_TEXT = "Copy details"

_OUR_HANDLER = "_gradviz_handler"  # marks handlers configure_logging added, so it can redo them


def app_data_dir() -> Path:
    """The per-user data directory: log, autosave (set the app/org names first)."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


def configure_logging(log_dir: str | Path) -> Path | None:
    """Send gradviz's log to stderr and to a rotating ``gradviz.log`` in ``log_dir``.

    Returns the log file, or None if it cannot be created (the app still starts; stderr
    still gets the messages). Calling it again replaces the handlers it added before.
    """
    unconfigure_logging()
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.INFO)
    formatter = logging.Formatter(LOG_FORMAT)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(logging.WARNING)
    handlers: list[logging.Handler] = [stderr]
    path: Path | None = Path(log_dir) / LOG_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            RotatingFileHandler(
                path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
            )
        )
    except OSError as exc:
        path = None
        print(f"gradviz: cannot write the log file in {log_dir}: {exc}", file=sys.stderr)
    for handler in handlers:
        handler.setFormatter(formatter)
        setattr(handler, _OUR_HANDLER, True)
        logger.addHandler(handler)
    return path


def unconfigure_logging() -> None:
    """Remove and close what ``configure_logging`` added (app exit, tests)."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in [h for h in logger.handlers if getattr(h, _OUR_HANDLER, False)]:
        logger.removeHandler(handler)
        handler.close()


def format_details(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> str:
    return "".join(traceback.format_exception(exc_type, exc, tb))


def build_error_dialog(
    summary: str, details: str, log_path: str | Path | None = None, parent: QWidget | None = None
) -> QDialog:
    """The error dialog, separate so tests can find its buttons and click them.

    A plain QDialog rather than QMessageBox: "Copy details" must not close it.
    """
    dialog = QDialog(parent)
    dialog.setObjectName("errorDialog")
    dialog.setWindowTitle(DIALOG_TITLE)
    layout = QVBoxLayout(dialog)
    where = f"<br>The details are also in <code>{log_path}</code>." if log_path else ""
    message = QLabel(f"<b>{DIALOG_TEXT}</b><br>{html.escape(summary)}{where}")
    message.setObjectName("errorSummary")
    message.setWordWrap(True)
    message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    layout.addWidget(message)
    text = QPlainTextEdit(details)
    text.setObjectName("errorDetails")
    text.setReadOnly(True)
    text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    layout.addWidget(text)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    copy = buttons.addButton(COPY_BUTTON_TEXT, QDialogButtonBox.ButtonRole.ActionRole)
    copy.setObjectName("copyDetails")
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(details))
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    dialog.resize(640, 420)
    return dialog


class CrashHandler(QObject):
    """Installs ``sys.excepthook`` and ``threading.excepthook``; one dialog at a time.

    Reports cross to the GUI thread through a queued signal, so a worker thread's exception
    never touches a widget, and an exception inside a paint event does not open a dialog
    in the middle of painting.
    """

    _report = Signal(str, str)  # summary, details

    def __init__(self, log_path: str | Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.log_path = log_path
        self.dialog: QDialog | None = None
        self._previous: tuple | None = None
        self._report.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        if self._previous is None:
            self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.handle_exception
        threading.excepthook = self._handle_thread_exception

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def handle_exception(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        """Log it and queue the dialog; never raises (a failing hook would hide the bug)."""
        if issubclass(exc_type, KeyboardInterrupt):  # Ctrl+C in the terminal: not a bug
            sys.__excepthook__(exc_type, exc, tb)
            return
        try:
            details = format_details(exc_type, exc, tb)
            logging.getLogger(LOGGER_NAME).error("Unhandled exception\n%s", details.rstrip())
            self._report.emit(f"{exc_type.__name__}: {exc}", details)
        except Exception:  # noqa: BLE001 - last resort: at least the original goes to stderr
            sys.__excepthook__(exc_type, exc, tb)

    def _handle_thread_exception(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:  # what the default hook ignores too
            return
        self.handle_exception(args.exc_type, args.exc_value, args.exc_traceback)

    @Slot(str, str)
    def _show(self, summary: str, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            return  # already telling the user; a storm of errors is all in the log
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = build_error_dialog(
            summary, details, self.log_path, QApplication.activeWindow()
        )
        self.dialog.show()
