"""The top-level handler: an unexpected exception is logged, shown, and the app keeps running."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
)

from gradviz.ui.crash_handler import (
    COPY_BUTTON_TEXT,
    DIALOG_TEXT,
    LOG_BACKUPS,
    LOG_MAX_BYTES,
    LOGGER_NAME,
    CrashHandler,
    build_error_dialog,
    configure_logging,
    unconfigure_logging,
)

DETAILS = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: nope\n'
PROCESS_TIMEOUT_S = 90.0

# Run by a subprocess: the real start-up (run_app), then a slot and a thread that raise.
BOOM = """
import sys, threading
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from gradviz.ui.app import run_app
from gradviz.ui.main_window import MainWindow

app = QApplication(sys.argv[:1])

def boom():
    raise RuntimeError("boom from a slot")

def thread_boom():
    raise LookupError("boom from a thread")

def check():
    dialogs = [w for w in app.topLevelWidgets()
               if w.objectName() == "errorDialog" and w.isVisible()]
    windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    if not dialogs or not windows:  # the main window comes after the start-up window
        QTimer.singleShot(50, check)
        return
    print(f"DIALOGS={len(dialogs)} WINDOWS={len(windows)}")
    app.exit(0)

QTimer.singleShot(0, boom)
QTimer.singleShot(0, lambda: threading.Thread(target=thread_boom).start())
QTimer.singleShot(0, check)
sys.exit(run_app(sys.argv[:1]))
"""


def _boom() -> None:
    raise ValueError("nope")


def _exc_info() -> tuple:
    try:
        _boom()
    except ValueError as exc:
        return type(exc), exc, exc.__traceback__
    raise AssertionError("unreachable")


@pytest.fixture
def log_file(tmp_path):
    path = configure_logging(tmp_path / "data")
    yield path
    unconfigure_logging()


@pytest.fixture
def handler(qtbot, log_file):
    crash = CrashHandler(log_file)
    yield crash
    crash.uninstall()
    if crash.dialog is not None:
        crash.dialog.close()
        crash.dialog.deleteLater()


def _visible_dialogs() -> list:
    widgets = QApplication.topLevelWidgets()
    return [w for w in widgets if w.objectName() == "errorDialog" and w.isVisible()]


# -- the dialog --------------------------------------------------------------------------------


def test_copy_details_puts_the_traceback_on_the_clipboard(qtbot):
    dialog = build_error_dialog("ValueError: nope", DETAILS, "/tmp/gradviz.log")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    QGuiApplication.clipboard().clear()

    copy = dialog.findChild(QPushButton, "copyDetails")
    assert copy.text() == COPY_BUTTON_TEXT
    copy.click()

    assert QGuiApplication.clipboard().text() == DETAILS
    assert dialog.isVisible()  # copying does not dismiss it
    assert dialog.findChild(QPlainTextEdit, "errorDetails").toPlainText() == DETAILS
    summary = dialog.findChild(QLabel, "errorSummary").text()
    assert DIALOG_TEXT in summary and "ValueError: nope" in summary
    assert "/tmp/gradviz.log" in summary


def test_close_button_closes_the_dialog(qtbot):
    dialog = build_error_dialog("x", DETAILS)
    qtbot.addWidget(dialog)
    dialog.show()
    box = dialog.findChild(QDialogButtonBox)
    with qtbot.waitSignal(dialog.rejected):
        box.button(QDialogButtonBox.StandardButton.Close).click()
    assert not dialog.isVisible()


def test_summary_is_escaped(qtbot):
    dialog = build_error_dialog("KeyError: '<b>'", DETAILS)
    qtbot.addWidget(dialog)
    assert "&lt;b&gt;" in dialog.findChild(QLabel, "errorSummary").text()


# -- the handler -------------------------------------------------------------------------------


def test_exception_is_logged_and_shown(qtbot, handler, log_file):
    handler.handle_exception(*_exc_info())
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
    logged = log_file.read_text(encoding="utf-8")
    assert "Unhandled exception" in logged
    assert "ValueError: nope" in logged and "in _boom" in logged
    assert "in _boom" in handler.dialog.findChild(QPlainTextEdit, "errorDetails").toPlainText()


def test_a_storm_of_errors_opens_one_dialog(qtbot, handler, log_file):
    for _ in range(5):
        handler.handle_exception(*_exc_info())
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
    QApplication.processEvents()
    assert len(_visible_dialogs()) == 1
    assert log_file.read_text(encoding="utf-8").count("Unhandled exception") == 5


def test_install_and_uninstall_restore_the_hooks(handler):
    before = (sys.excepthook, threading.excepthook)
    handler.install()
    assert sys.excepthook == handler.handle_exception
    handler.uninstall()
    assert (sys.excepthook, threading.excepthook) == before


def test_exception_in_a_slot_reaches_the_handler(qtbot, handler, log_file):
    """The real path: PySide reports an exception raised in a slot through sys.excepthook."""
    handler.install()  # replaces pytest-qt's own capture for the length of this test
    QTimer.singleShot(0, _boom)
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
    handler.uninstall()
    assert "ValueError: nope" in log_file.read_text(encoding="utf-8")


def test_exception_in_a_thread_is_shown_on_the_gui_thread(qtbot, handler, log_file):
    handler.install()
    worker = threading.Thread(target=_boom)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
    handler.uninstall()
    assert handler.dialog.thread() is QApplication.instance().thread()
    assert "ValueError: nope" in log_file.read_text(encoding="utf-8")


def test_keyboard_interrupt_is_not_a_bug_report(handler, capsys):
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as exc:
        handler.handle_exception(type(exc), exc, exc.__traceback__)
    QApplication.processEvents()
    assert handler.dialog is None
    assert "KeyboardInterrupt" in capsys.readouterr().err


# -- the log file ------------------------------------------------------------------------------


def test_log_rotates_at_a_bounded_size(log_file):
    files = [
        h for h in logging.getLogger(LOGGER_NAME).handlers if isinstance(h, RotatingFileHandler)
    ]
    assert len(files) == 1
    assert files[0].maxBytes == LOG_MAX_BYTES and files[0].backupCount == LOG_BACKUPS
    assert Path(files[0].baseFilename) == log_file


def test_configuring_twice_does_not_double_the_handlers(tmp_path, log_file):
    count = len(logging.getLogger(LOGGER_NAME).handlers)
    configure_logging(tmp_path / "data")
    assert len(logging.getLogger(LOGGER_NAME).handlers) == count


def test_unwritable_log_dir_still_starts(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    try:
        assert configure_logging(blocker / "data") is None
    finally:
        unconfigure_logging()
    assert "cannot write the log file" in capsys.readouterr().err


# -- the real start-up -------------------------------------------------------------------------


def test_app_survives_exceptions_and_logs_them(tmp_path, app_env):
    env = app_env
    script = tmp_path / "boom.py"
    script.write_text(BOOM, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr
    assert "DIALOGS=1 WINDOWS=1" in result.stdout
    logged = (tmp_path / "data" / "gradviz" / "gradviz" / "gradviz.log").read_text("utf-8")
    assert "RuntimeError: boom from a slot" in logged
