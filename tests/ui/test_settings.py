"""Settings persist between windows, and a bad settings file is ignored, not fatal (issue 7)."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QSettings

from gradviz.ui.main_window import MainWindow
from gradviz.ui.training_controls import BATCH_SIZES, SPEEDS


def open_window(qtbot, path) -> MainWindow:
    window = MainWindow(settings=QSettings(str(path), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: not window.graph_tab.evaluating)
    return window


@pytest.fixture
def ini(tmp_path):
    return tmp_path / "gradviz.ini"


def test_toggles_and_training_parameters_come_back_in_a_new_window(qtbot, ini):
    first = open_window(qtbot, ini)
    c = first.training_tab.controls
    defaults = (c.samples.value(), c.learning_rate.value(), c.batch_size.currentText())
    first.graph_tab.auto_evaluate.setChecked(False)
    first.graph_tab.color_by_grad.setChecked(True)
    c.samples.setValue(321)
    c.noise.setValue(0.75)
    c.coef.setValue(1.5)
    c.bias.setValue(-3.5)
    c.seed.setValue(42)
    c.learning_rate.setValue(0.025)
    c.epochs.setValue(77)
    c.batch_size.setCurrentIndex(3)
    c.speed.setCurrentIndex((c.speed.currentIndex() + 1) % len(SPEEDS))
    chosen = (c.batch_size.currentText(), c.speed.currentText())
    assert defaults != (321, 0.025, chosen[0])  # the test really changes something
    first.close()

    second = open_window(qtbot, ini)
    d = second.training_tab.controls
    assert not second.graph_tab.auto_evaluate.isChecked()
    assert second.graph_tab.color_by_grad.isChecked()
    assert second.graph_tab.graph_view.color_by_grad  # the view follows the restored toggle
    assert (d.samples.value(), d.noise.value(), d.coef.value(), d.bias.value()) == (
        321, 0.75, 1.5, -3.5)
    assert (d.seed.value(), d.learning_rate.value(), d.epochs.value()) == (42, 0.025, 77)
    assert (d.batch_size.currentText(), d.speed.currentText()) == chosen
    assert d.batch() == BATCH_SIZES[3][1]
    # The data was regenerated from the restored settings, not left at the defaults.
    assert len(second.training_tab.data_plot.scatter.getData()[0]) == 321


def test_a_change_is_written_at_once_not_only_on_a_clean_exit(qtbot, ini):
    window = open_window(qtbot, ini)
    window.training_tab.controls.epochs.setValue(555)
    window._settings.sync()  # what QSettings does by itself shortly after; no close needed
    assert QSettings(str(ini), QSettings.Format.IniFormat).value("training/epochs") in (555, "555")


BAD_VALUES = {
    "graph/auto_evaluate": "maybe",
    "graph/color_by_grad": "[[[",
    "training/epochs": "banana",
    "training/learning_rate": "1e9",  # outside the box's range: not silently clamped
    "training/samples": "-5",
    "training/noise": "nan",
    "training/batch_size": "999",
    "training/speed": "\x00\x01",
}


def test_unusable_values_are_skipped_with_a_warning_and_defaults_kept(qtbot, ini, tmp_path,
                                                                      caplog):
    fresh = open_window(qtbot, tmp_path / "defaults.ini")
    c = fresh.training_tab.controls
    defaults = [fresh.graph_tab.auto_evaluate.isChecked(), fresh.graph_tab.color_by_grad
                .isChecked(), c.epochs.value(), c.learning_rate.value(), c.samples.value(),
                c.noise.value(), c.batch_size.currentText(), c.speed.currentText()]
    bad = QSettings(str(ini), QSettings.Format.IniFormat)
    for key, value in BAD_VALUES.items():
        bad.setValue(key, value)
    bad.sync()
    del bad

    with caplog.at_level(logging.WARNING, logger="gradviz"):
        window = open_window(qtbot, ini)
    for key in BAD_VALUES:
        assert f"ignoring unusable setting {key}=" in caplog.text
    d = window.training_tab.controls
    assert [window.graph_tab.auto_evaluate.isChecked(), window.graph_tab.color_by_grad
            .isChecked(), d.epochs.value(), d.learning_rate.value(), d.samples.value(),
            d.noise.value(), d.batch_size.currentText(), d.speed.currentText()] == defaults
    assert window.graph_tab.graph_view.graph is not None  # the window works as usual


def test_a_settings_file_of_random_bytes_does_not_stop_the_window(qtbot, ini):
    ini.write_bytes(bytes(range(256)) * 8 + b"\n[training]\nepochs=\xff\xfe\n")
    window = open_window(qtbot, ini)
    assert window.training_tab.controls.epochs.value() == 30
    assert window.graph_tab.graph_view.graph is not None
