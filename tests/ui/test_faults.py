"""Faults end in a clear message and lose nothing (issue 7): a full disk and an unwritable
path on Save and Export, and a training run whose worker raises part-way.

A full disk is simulated where the kernel reports it for buffered writes: ``fsync`` fails
with ENOSPC (the atomic writer fsyncs before it renames, see gradviz.core.atomic_file).
"""

from __future__ import annotations

import errno
import os

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

import gradviz.ui.training_worker as training_worker
from gradviz.core.regression import train
from gradviz.ui.graph_export import FORMATS
from gradviz.ui.main_window import MainWindow
from gradviz.ui.training_controls import SPEEDS
from gradviz.ui.training_tab import TrainingTab

OLD_TEXT = "a = 1\ny = a + 1\n"
TIMEOUT = 10_000


def disk_full(*args):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    return shown


def choose(monkeypatch, path, kind: str = "") -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), kind))


def test_save_on_a_full_disk_says_so_and_keeps_both_the_file_and_the_edits(
    main_window: MainWindow, qtbot, tmp_path, monkeypatch, warnings
):
    target = tmp_path / "prog.py"
    target.write_text(OLD_TEXT, encoding="utf-8")
    main_window.graph_tab.set_program("")
    qtbot.keyClicks(main_window.graph_tab.editor, "a = 2; y = a * 3")  # typed: unsaved edits
    choose(monkeypatch, target)
    monkeypatch.setattr(os, "fsync", disk_full)
    assert main_window.save_program() is False
    assert len(warnings) == 1 and "Could not save" in warnings[0]
    assert os.strerror(errno.ENOSPC) in warnings[0]
    assert target.read_text(encoding="utf-8") == OLD_TEXT  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prog.py"]  # no temp file left
    assert main_window.graph_tab.program() == "a = 2; y = a * 3"
    assert main_window.graph_tab.editor.document().isModified()  # still counts as unsaved


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_export_on_a_full_disk_says_so(main_window, tmp_path, monkeypatch, warnings, suffix):
    target = tmp_path / f"graph{suffix}"
    choose(monkeypatch, target, FORMATS[suffix])
    monkeypatch.setattr(os, "fsync", disk_full)
    main_window.export_graph()
    assert len(warnings) == 1 and "Could not export" in warnings[0]
    assert os.strerror(errno.ENOSPC) in warnings[0]
    assert list(tmp_path.iterdir()) == []


def test_export_under_a_file_instead_of_a_directory_says_so(main_window, tmp_path,
                                                             monkeypatch, warnings):
    (tmp_path / "not-a-dir").write_text("x")
    choose(monkeypatch, tmp_path / "not-a-dir" / "graph.png", FORMATS[".png"])
    main_window.export_graph()  # root ignores permission bits, so this is the unwritable path
    assert len(warnings) == 1 and "Could not export" in warnings[0]


def failing_train(after: int):
    """regression.train that raises once ``after`` epochs are done, as a torch bug would."""

    def train_then_fail(*args, **kwargs):
        for result in train(*args, **kwargs):
            if result.epoch > after:
                raise RuntimeError("simulated failure in the worker")
            yield result

    return train_then_fail


def test_a_worker_raising_mid_run_ends_the_run_with_its_message(qtbot, monkeypatch):
    tab = TrainingTab()
    qtbot.addWidget(tab, before_close_func=lambda t: t.shutdown())
    c = tab.controls
    c.speed.setCurrentIndex(next(i for i, (_, pace) in enumerate(SPEEDS) if pace is None))
    monkeypatch.setattr(training_worker, "train", failing_train(after=5))
    c.start.click()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=TIMEOUT)
    assert tab.status.text() == "Training failed: RuntimeError: simulated failure in the worker"
    assert c.progress.value() == 5  # the epochs before the failure are kept and shown
    thread = tab._thread
    qtbot.waitUntil(thread.isFinished, timeout=TIMEOUT)  # the thread ended, nothing hangs
    assert c.start.isEnabled() and not c.stop.isEnabled()

    monkeypatch.setattr(training_worker, "train", train)
    c.start.click()  # and the next run is a normal one
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=TIMEOUT)
    assert c.progress.value() == c.epochs.value()
    assert "Final MSE" in tab.status.text()
