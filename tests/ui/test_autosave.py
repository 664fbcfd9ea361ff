"""Autosave: the editor's text survives a SIGKILL, and a bad autosave never stops start-up."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QPlainTextEdit

from gradviz.ui import autosave as autosave_module
from gradviz.ui.autosave import (
    MAX_AUTOSAVE_BYTES,
    PREVIOUS_NAME,
    RESTORED_MESSAGE,
    Autosave,
    read_autosave,
)
from gradviz.ui.main_window import MainWindow

SAVE_TIMEOUT_MS = 5_000
PROCESS_TIMEOUT_S = 90.0
KILLED_PROGRAM = "z = 7; y = z**2"

# Run by a second process: start the real app (run_app, as the command does) and print what
# it shows once the first evaluation is done. exit() skips closeEvent, so nothing is re-saved.
PROBE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from gradviz.ui.app import run_app
from gradviz.ui.main_window import MainWindow

app = QApplication(sys.argv[:1])

def report():
    window = next((w for w in app.topLevelWidgets() if isinstance(w, MainWindow)), None)
    if window is None or window.graph_tab.evaluating or (
        window.statusBar().currentMessage() == "Evaluating…"
    ):  # the main window comes after the start-up window
        QTimer.singleShot(50, report)
        return
    print("PROGRAM=" + repr(window.graph_tab.program()))
    print("STATUS=" + window.statusBar().currentMessage())
    app.exit(0)

QTimer.singleShot(0, report)
sys.exit(run_app(sys.argv[:1]))
"""


@pytest.fixture
def editor(qtbot) -> QPlainTextEdit:
    widget = QPlainTextEdit()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / "data" / "autosave.py"


# -- reading ---------------------------------------------------------------------------------


def test_missing_file_is_nothing_to_restore(path):
    assert read_autosave(path) is None


@pytest.mark.parametrize(
    "content, why",
    [
        (b"a = 5\n\xff\xfe y = a", "not UTF-8"),
        (b"a = 5\n" + b"\x00" * 4096, "NUL"),
        (b"#" * (MAX_AUTOSAVE_BYTES + 1), "too large"),
    ],
    ids=["not-utf8", "nul-bytes", "huge"],
)
def test_bad_autosave_is_ignored_with_a_warning(path, caplog, content, why):
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="gradviz"):
        assert read_autosave(path) is None
    assert str(path) in caplog.text
    assert why in caplog.text or "unreadable" in caplog.text


def test_unreadable_autosave_is_ignored_with_a_warning(path, caplog):
    path.mkdir(parents=True)  # reading a directory fails even as root, unlike chmod 000
    with caplog.at_level(logging.WARNING, logger="gradviz"):
        assert read_autosave(path) is None
    assert "unreadable" in caplog.text


# -- saving ----------------------------------------------------------------------------------


def test_edits_are_saved_once_after_a_pause(qtbot, editor, path, monkeypatch):
    writes = []
    real_write = autosave_module.write_text_atomically
    monkeypatch.setattr(
        autosave_module,
        "write_text_atomically",
        lambda target, text: (writes.append(text), real_write(target, text)),
    )
    saver = Autosave(path)
    saver.watch(editor)
    for text in ("a", "a = ", "a = 5"):
        editor.setPlainText(text)
    assert saver.pending and not path.exists()  # debounced, not written per keystroke
    qtbot.waitUntil(lambda: path.exists(), timeout=SAVE_TIMEOUT_MS)
    assert path.read_text(encoding="utf-8") == "a = 5"
    assert writes == ["a = 5"]


def test_unchanged_text_is_not_rewritten(editor, path):
    saver = Autosave(path)
    saver.watch(editor)
    editor.setPlainText("a = 5")
    assert saver.save_now()
    path.write_text("changed behind our back", encoding="utf-8")
    assert saver.save_now()  # nothing new from the editor: the file is left alone
    assert path.read_text(encoding="utf-8") == "changed behind our back"


def test_continuous_typing_still_saves(editor, path, monkeypatch):
    monkeypatch.setattr(autosave_module, "MAX_DELAY_MS", 0)
    saver = Autosave(path)
    saver.watch(editor)
    editor.setPlainText("a = 1")  # starts the clock
    editor.setPlainText("a = 12")  # past the (zero) maximum delay: written at once
    assert path.read_text(encoding="utf-8") == "a = 12"


def test_write_failure_is_reported_not_raised(qtbot, editor, tmp_path, caplog):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    saver = Autosave(blocker / "autosave.py")
    saver.watch(editor)
    editor.setPlainText("a = 5")
    with (
        caplog.at_level(logging.WARNING, logger="gradviz"),
        qtbot.waitSignal(saver.save_failed) as failed,
    ):
        assert saver.save_now() is False
    assert "Could not autosave" in failed.args[0]
    assert "could not autosave" in caplog.text


def test_previous_sessions_autosave_is_kept_when_first_overwritten(editor, path):
    path.parent.mkdir(parents=True)
    path.write_text("old work", encoding="utf-8")
    saver = Autosave(path)  # not restored: e.g. the app was started on another program
    saver.watch(editor)
    editor.setPlainText("new work")
    saver.save_now()
    assert path.read_text(encoding="utf-8") == "new work"
    assert path.with_name(PREVIOUS_NAME).read_text(encoding="utf-8") == "old work"


# -- in the window ---------------------------------------------------------------------------


def _window(qtbot, settings, path) -> MainWindow:
    window = MainWindow(settings=settings, autosave_path=path)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_tests_windows_do_not_autosave(main_window):
    assert main_window.autosave is None  # opt-in: the user's data dir is never touched


def test_window_restores_the_last_program(qtbot, settings, path):
    path.parent.mkdir(parents=True)
    path.write_text("q = 3\nr = q * q", encoding="utf-8")
    window = _window(qtbot, settings, path)
    assert window.restore_autosave()
    assert window.graph_tab.program() == "q = 3\nr = q * q"
    assert window.graph_tab.editor.document().isModified()  # in no file: asks before discard
    assert window.statusBar().currentMessage().startswith(RESTORED_MESSAGE)
    qtbot.waitUntil(lambda: not window.graph_tab.evaluating)
    # the evaluation's own status line does not wipe the notice out
    qtbot.waitUntil(lambda: "Evaluated" in window.statusBar().currentMessage())
    assert window.statusBar().currentMessage().startswith(RESTORED_MESSAGE)


def test_autosave_equal_to_the_example_is_not_announced(qtbot, settings, path):
    window = _window(qtbot, settings, path)
    path.parent.mkdir(parents=True)
    path.write_text(window.examples[0].text, encoding="utf-8")
    assert not window.restore_autosave()
    assert RESTORED_MESSAGE not in window.statusBar().currentMessage()


def test_corrupt_autosave_falls_back_to_the_example(qtbot, settings, path):
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe\x00garbage")
    window = _window(qtbot, settings, path)
    assert not window.restore_autosave()
    assert window.graph_tab.program() == window.examples[0].text


def test_closing_writes_a_pending_edit(qtbot, settings, path):
    window = _window(qtbot, settings, path)
    window.graph_tab.set_program("w = 2; y = w + 1")
    assert window.autosave.pending
    window.close()
    assert path.read_text(encoding="utf-8") == "w = 2; y = w + 1"


def test_garbage_settings_file_does_not_stop_the_window(qtbot, tmp_path, caplog):
    ini = tmp_path / "gradviz.conf"
    ini.write_bytes(b"[window]\ngeometry=hello\n\x00\xff\xfe [[[ = =\n" + os.urandom(2000))
    with caplog.at_level(logging.WARNING, logger="gradviz"):
        window = MainWindow(settings=QSettings(str(ini), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert "window/geometry" in caplog.text
    qtbot.waitUntil(lambda: not window.graph_tab.evaluating)


# -- the real command, killed ------------------------------------------------------------------


def _gradviz_command() -> list[str]:
    beside_python = Path(sys.executable).with_name("gradviz")
    if beside_python.exists():
        return [str(beside_python)]
    found = shutil.which("gradviz")
    return [found] if found else [sys.executable, "-m", "gradviz"]


def _probe(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    script = tmp_path / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
    )


def test_program_survives_sigkill(tmp_path, app_env):
    env = app_env
    saved = tmp_path / "data" / "gradviz" / "gradviz" / "autosave.py"
    app = subprocess.Popen(
        [*_gradviz_command(), "-e", KILLED_PROGRAM],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + PROCESS_TIMEOUT_S
        while not (saved.exists() and saved.read_text(encoding="utf-8") == KILLED_PROGRAM):
            assert app.poll() is None, f"gradviz exited early with {app.returncode}"
            assert time.monotonic() < deadline, "the autosave never appeared"
            time.sleep(0.1)  # another process: there is no Qt event to wait on
        os.kill(app.pid, signal.SIGKILL)
        assert app.wait(timeout=PROCESS_TIMEOUT_S) == -signal.SIGKILL
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()

    restarted = _probe(env, tmp_path)
    assert restarted.returncode == 0, restarted.stderr
    assert f"PROGRAM={KILLED_PROGRAM!r}" in restarted.stdout
    assert f"STATUS={RESTORED_MESSAGE}" in restarted.stdout


def test_corrupt_settings_and_autosave_do_not_stop_start_up(tmp_path, app_env):
    env = app_env
    conf = tmp_path / "config" / "gradviz" / "gradviz.conf"
    conf.parent.mkdir(parents=True)
    conf.write_bytes(b"[window]\ngeometry=hello\n\x00\xff\xfe [[[ = =\n" + os.urandom(2000))
    saved = tmp_path / "data" / "gradviz" / "gradviz" / "autosave.py"
    saved.parent.mkdir(parents=True)
    saved.write_bytes(b"a = 1\n\xff\xfe\xfd")
    started = _probe(env, tmp_path)
    assert started.returncode == 0, started.stderr
    assert "PROGRAM=" in started.stdout and "textbook example" in started.stdout
    assert RESTORED_MESSAGE not in started.stdout
    assert "window/geometry" in started.stderr
    assert "ignoring unreadable autosave" in started.stderr
