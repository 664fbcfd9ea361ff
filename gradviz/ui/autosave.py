"""Autosave: the editor's text survives a crash, a kill or a closed window (issue 7).

The text is written, debounced, to ``autosave.py`` in the app's data directory and read back
on the next launch. A bad file (unreadable, not UTF-8, huge, binary) is ignored with a logged
warning: losing an autosave is bad, refusing to start because of one is worse.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QElapsedTimer,
    QObject,
    QStandardPaths,
    QTimer,
    Signal,
    SignalInstance,
    Slot,
)
from PySide6.QtWidgets import QPlainTextEdit

from gradviz.core.atomic_file import write_text_atomically

log = logging.getLogger(__name__)

AUTOSAVE_NAME = "autosave.py"
PREVIOUS_NAME = "autosave.previous.py"
"""The last session's autosave, kept once this session first overwrites it (e.g. after
``gradviz prog.py``), so starting with another program never silently loses it."""
DEBOUNCE_MS = 1000
"""Save this long after the last edit: typing is not interrupted by disk writes."""
MAX_DELAY_MS = 10_000
"""...but never wait longer than this while someone types without a pause."""
MAX_AUTOSAVE_BYTES = 1_000_000
"""Same bound as opening a program: a bigger file is not something we wrote."""
RESTORED_MESSAGE = "Restored your last program"


def default_autosave_path() -> Path:
    """``autosave.py`` in the per-user data directory (set the app/org names first)."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location) / AUTOSAVE_NAME


def read_autosave(path: str | Path) -> str | None:
    """The saved text, or None if there is none or it cannot be trusted (logged, never raised)."""
    path = Path(path)
    try:
        if not path.exists():
            return None
        size = path.stat().st_size
        if size > MAX_AUTOSAVE_BYTES:
            log.warning("ignoring autosave %s: %d bytes is too large", path, size)
            return None
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("ignoring unreadable autosave %s: %s", path, exc)
        return None
    if "\x00" in text:  # a torn write on some filesystems leaves NUL blocks, never real code
        log.warning("ignoring corrupt autosave %s: it contains NUL bytes", path)
        return None
    return text


class Autosave(QObject):
    """Watches an editor and writes its text to ``path`` shortly after each edit."""

    save_failed = Signal(str)  # a message for the status bar; the app carries on

    def __init__(self, path: str | Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self._editor: QPlainTextEdit | None = None
        self._last_saved: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.save_now)
        self._pending_since = QElapsedTimer()
        self._kept_previous = False

    def load(self) -> str | None:
        """The text to restore, if a trustworthy non-blank autosave exists."""
        text = read_autosave(self.path)
        if text is None or not text.strip():
            return None
        self._last_saved = text
        return text

    def watch(self, editor: QPlainTextEdit) -> None:
        """Save ``editor``'s text after each change, debounced."""
        self._editor = editor
        editor.textChanged.connect(self._schedule)

    @property
    def pending(self) -> bool:
        """True while an edit is waiting to be written."""
        return self._timer.isActive()

    @Slot()
    def _schedule(self) -> None:
        if not self._pending_since.isValid():
            self._pending_since.start()
        if self._pending_since.elapsed() >= MAX_DELAY_MS:
            self.save_now()
        else:
            self._timer.start()  # restarting is the debounce

    @Slot()
    def save_now(self) -> bool:
        """Write the editor's text now if it changed; False (and a signal) if writing failed."""
        self._timer.stop()
        self._pending_since.invalidate()
        if self._editor is None:
            return True
        text = self._editor.toPlainText()
        if text == self._last_saved:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._keep_previous(text)
            write_text_atomically(self.path, text)
        except OSError as exc:
            log.warning("could not autosave to %s: %s", self.path, exc)
            self.save_failed.emit(f"Could not autosave the program: {exc}")
            return False
        self._last_saved = text
        return True

    def _keep_previous(self, text: str) -> None:
        if self._kept_previous:
            return
        self._kept_previous = True
        if self.path.exists() and read_autosave(self.path) not in (None, text, self._last_saved):
            os.replace(self.path, self.path.with_name(PREVIOUS_NAME))

    def flush(self) -> None:
        """Write a pending edit at once (the window is closing)."""
        if self.pending:
            self.save_now()


def announce_restore(status_message: SignalInstance, show: Callable[[str], None]) -> None:
    """Say the program was restored, again after the evaluation's own status line (which
    would otherwise replace the notice within milliseconds)."""
    show(RESTORED_MESSAGE)

    def once(message: str) -> None:
        if message.startswith("Evaluating"):
            return
        status_message.disconnect(once)
        show(f"{RESTORED_MESSAGE} · {message}")

    status_message.connect(once)
