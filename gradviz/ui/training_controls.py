"""The training tab's side panel: settings, run buttons, progress and live numbers.

Widgets only; the tab decides what they do. The object names are what tests and the
main window look them up by. The panel must fit a 1024×700 window without scrolling,
and nothing in it appears or disappears during a run: the run's outcome and the
"settings are locked" note go to the tab's status line above the plots instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.regression import GRAPH_SAMPLES, EpochResult

SPEEDS: list[tuple[str, float | None]] = [
    ("1 epoch/s", 1.0),
    ("3 epochs/s", 3.0),
    ("10 epochs/s", 10.0),
    ("30 epochs/s", 30.0),
    ("100 epochs/s", 100.0),
    ("as fast as possible", None),
]
DEFAULT_SPEED = 2  # the book's 30 epochs over about 3 s
# A combo, not a free spin box: batches of 8+ keep one epoch (and so the wait for Stop)
# under half a second even on the largest data set.
BATCH_SIZES: list[tuple[str, int | None]] = [("full batch", None)] + [
    (str(n), n) for n in (256, 128, 64, 32, 16, 8)
]
PROGRESS_FORMAT = "%v / %m epochs"
RANDOM_COEF = -10.0  # the coefficient box's minimum doubles as "draw one from the seed"


@dataclass(frozen=True)
class DataSettings:
    n_samples: int
    noise: float
    coef: float | None
    bias: float
    seed: int


def _spin(name: str, low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox(objectName=name)
    box.setRange(low, high)
    box.setValue(value)
    box.setGroupSeparatorShown(True)
    return box


def _dspin(
    name: str, low: float, high: float, value: float, decimals: int, step: float
) -> QDoubleSpinBox:
    box = QDoubleSpinBox(objectName=name)
    box.setDecimals(decimals)  # before the range and value, which it rounds
    box.setRange(low, high)
    box.setValue(value)
    box.setSingleStep(step)
    return box


class TrainingControls(QWidget):
    """Settings on top, the run buttons and progress below, then the live numbers."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.samples = _spin("samples", 10, 10_000, 1500)
        self.noise = _dspin("noise", 0.0, 5.0, 0.2, 2, 0.05)
        self.coef = _dspin("trueCoef", RANDOM_COEF, 10.0, RANDOM_COEF, 2, 0.1)
        self.coef.setSpecialValueText("random (from seed)")
        self.bias = _dspin("bias", -10.0, 10.0, 2.0, 2, 0.5)
        self.seed = _spin("seed", 0, 999_999, 0)
        self.data_box = QGroupBox("Data")
        data_form = _form(self.data_box)
        data_form.addRow("Samples", self.samples)
        data_form.addRow("Noise (std)", self.noise)
        data_form.addRow("True coefficient", self.coef)
        data_form.addRow("Bias", self.bias)
        data_form.addRow("Seed", self.seed)

        self.learning_rate = _dspin("learningRate", 0.0001, 100.0, 0.1, 4, 0.01)
        self.epochs = _spin("epochs", 1, 1_000_000, 30)
        self.batch_size = QComboBox(objectName="batchSize")
        for label, size in BATCH_SIZES:
            self.batch_size.addItem(label, size)
        self.training_box = QGroupBox("Training")
        training_form = _form(self.training_box)
        training_form.addRow("Learning rate", self.learning_rate)
        training_form.addRow("Epochs", self.epochs)
        training_form.addRow("Batch size", self.batch_size)
        self.speed = QComboBox(objectName="trainSpeed")
        for label, pace in SPEEDS:
            self.speed.addItem(label, pace)
        self.speed.setCurrentIndex(DEFAULT_SPEED)
        self.speed.setToolTip("Epochs per second; changes apply at once, even during a run.")

        self.start = QPushButton("Start", objectName="trainStartButton")
        self.pause = QPushButton("Pause", objectName="trainPauseButton")
        self.step = QPushButton("Step", objectName="trainStepButton")
        self.stop = QPushButton("Stop", objectName="trainStopButton")
        self.reset = QPushButton("Reset", objectName="trainResetButton")
        for widget, tip in (
            (self.samples, "How many (x, y) points to draw from the line plus noise."),
            (self.noise, "Standard deviation of the Gaussian noise added to y."),
            (self.coef, "Slope of the true line; at the minimum, one drawn from the seed."),
            (self.bias, "Intercept of the true line."),
            (self.seed, "Random seed for the data and the model's starting w and b."),
            (self.learning_rate, "SGD step size: w -= lr * dL/dw. Too large and it diverges."),
            (self.epochs, "How many passes over the data a run makes."),
            (self.batch_size, "Samples per SGD step: the whole data set, or mini-batches."),
            (self.start, "Train from the starting point (Space on this tab)."),
            (self.pause, "Pause or resume the run (Space on this tab)."),
            (self.step, "Run one epoch, then pause."),
            (self.stop, "End the run here; the plots keep its last epoch."),
            (self.reset, "Stop, and put the model back at its starting point."),
        ):
            widget.setToolTip(tip)
        buttons = QGridLayout()
        for i, button in enumerate((self.start, self.pause, self.step, self.stop, self.reset)):
            buttons.addWidget(button, i // 3, i % 3)

        self.progress = QProgressBar(objectName="trainProgress", format=PROGRESS_FORMAT)
        self.live = LiveNumbers()
        self.show_graph = QPushButton("Show this step's graph", objectName="showGraphButton")
        self.show_graph.setToolTip(
            "Open the autograd graph of this step's loss mean((y - (X@w + b))²) at the "
            "current w and b in the Graph tab. To keep it readable it uses only the first "
            f"{GRAPH_SAMPLES} samples, so its loss differs from the Live MSE over all of them."
        )

        self.setAccessibleName("Training settings and run controls")
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.setSpacing(6)
        column.addWidget(self.data_box)
        column.addWidget(self.training_box)
        speed_form = _form()
        speed_form.addRow("Speed", self.speed)
        column.addLayout(speed_form)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.live)
        column.addWidget(self.show_graph)
        column.addStretch(1)

    def data_settings(self) -> DataSettings:
        coef = self.coef.value()
        return DataSettings(
            n_samples=self.samples.value(),
            noise=self.noise.value(),
            coef=None if coef == RANDOM_COEF else coef,
            bias=self.bias.value(),
            seed=self.seed.value(),
        )

    def pace(self) -> float | None:
        return self.speed.currentData()

    def batch(self) -> int | None:
        return self.batch_size.currentData()

    def lock_settings(self, locked: bool) -> None:
        """Data and training settings cannot change under a running worker."""
        self.data_box.setEnabled(not locked)
        self.training_box.setEnabled(not locked)


class LiveNumbers(QGroupBox):
    """w, b and the gradients autograd just computed, plus where SGD is heading."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Live", parent)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        form = _form(self)
        form.setVerticalSpacing(1)
        self.values: dict[str, QLabel] = {}
        for key, text in [
            ("epoch", "epoch"),
            ("loss", "MSE"),
            ("w", "w"),
            ("b", "b"),
            ("grad_w", "dL/dw"),
            ("grad_b", "dL/db"),
            ("target", "least squares"),
        ]:
            label = QLabel(objectName=f"live_{key}")
            label.setFont(mono)
            form.addRow(text, label)
            self.values[key] = label

    def show_start(self, w: float, b: float, optimum: tuple[float, float]) -> None:
        for key in ("epoch", "loss", "grad_w", "grad_b"):
            self.values[key].setText("—")
        self.values["w"].setText(_param(w))
        self.values["b"].setText(_param(b))
        self.values["target"].setText(f"w* {optimum[0]:+.4f}  b* {optimum[1]:+.4f}")

    def show_result(self, result: EpochResult, last_finite: bool = False) -> None:
        """``last_finite``: the run diverged after this epoch, so say these are its last numbers."""
        suffix = "  (last finite)" if last_finite else ""
        self.values["epoch"].setText(f"{result.epoch:,}{suffix}")
        self.values["loss"].setText(f"{result.loss:.6g}")
        self.values["w"].setText(_param(result.w))
        self.values["b"].setText(_param(result.b))
        self.values["grad_w"].setText(f"{result.grad_w:+.3e}")
        self.values["grad_b"].setText(f"{result.grad_b:+.3e}")


def _form(parent: QWidget | None = None) -> QFormLayout:
    """A compact form: the panel has to fit a 1024×700 window."""
    form = QFormLayout(parent)
    form.setVerticalSpacing(3)
    if parent is not None:
        form.setContentsMargins(6, 4, 6, 4)
    return form


def _param(value: float) -> str:
    """Fixed decimals while training behaves; exponent form once a run blows up."""
    return f"{value:+.5f}" if abs(value) < 1e4 else f"{value:+.4e}"
