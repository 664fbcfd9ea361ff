"""Play / Step / Back controls that replay a graph's backward pass one node at a time.

The bar owns the steps (``core.backward_steps``) and a position; whoever shows the graph
listens to ``step_changed`` and draws it. Play advances on a QTimer, never by sleeping.
"""

from __future__ import annotations

import html

import networkx as nx
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from gradviz.core.backward_steps import BackwardStep, BackwardSteps
from gradviz.ui import palette

PLAY_INTERVAL_MS = 900
OFF = -1
"""The position before the first step: the graph is drawn as usual."""
IDLE_TEXT = "Replay the backward pass"


class StepperBar(QWidget):
    """Back · Play · Step and a line saying which node runs; ``set_graph`` resets it.

    ``step_changed`` carries the ``BackwardStep`` now shown, or None when back before the
    first step (nothing outlined, nothing dimmed).
    """

    step_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepperBar")
        self._steps: BackwardSteps | None = None
        self._position = OFF
        self.back_button = QPushButton("◀ Back")
        self.back_button.setToolTip("One step back in the backward pass (Left)")
        self.play_button = QPushButton("▶ Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Replay the backward pass in the engine's order")
        self.step_button = QPushButton("Step ▶")
        self.step_button.setToolTip("Run the next node's backward (Right)")
        self.status = QLabel(IDLE_TEXT)
        self.status.setObjectName("stepperStatus")
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setWordWrap(True)  # wraps rather than widening the graph pane
        self._timer = QTimer(self, interval=PLAY_INTERVAL_MS)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for button in (self.back_button, self.play_button, self.step_button):
            layout.addWidget(button)
        layout.addWidget(self.status, stretch=1)

        self.back_button.clicked.connect(self.step_back)
        self.step_button.clicked.connect(self.step_forward)
        self.play_button.toggled.connect(self._set_playing)
        self._timer.timeout.connect(self._tick)
        self.set_graph(None)

    # -- public ---------------------------------------------------------------------------

    def set_graph(self, graph: nx.DiGraph | None) -> None:
        """Steps of ``graph`` (None: nothing to step), back before the first one."""
        self.play_button.setChecked(False)
        self._steps = BackwardSteps(graph) if graph is not None else None
        self._position = OFF
        self._update()

    def bind_keys(self, widget: QWidget) -> None:
        """Right / Left step while ``widget`` (the graph view) has the focus."""
        for key, slot in ((Qt.Key.Key_Right, self.step_forward), (Qt.Key.Key_Left, self.step_back)):
            shortcut = QShortcut(QKeySequence(key), widget)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)

    def count(self) -> int:
        return len(self._steps) if self._steps is not None else 0

    def position(self) -> int:
        """The step shown, 0-based; ``OFF`` (−1) before the first."""
        return self._position

    def current_step(self) -> BackwardStep | None:
        return self._steps.step(self._position) if self._position != OFF else None

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def go_to(self, position: int) -> None:
        """Show step ``position`` (clamped to OFF .. count − 1)."""
        position = max(OFF, min(position, self.count() - 1))
        if position == self._position:
            return
        self._position = position
        self._update()
        step = self._steps.step(position) if position != OFF else None
        self.step_changed.emit(step)

    @Slot()
    def step_forward(self) -> None:
        self.go_to(self._position + 1)

    @Slot()
    def step_back(self) -> None:
        self.play_button.setChecked(False)
        self.go_to(self._position - 1)

    # -- internals ------------------------------------------------------------------------

    @Slot(bool)
    def _set_playing(self, on: bool) -> None:
        if on and self.count():
            if self._position >= self.count() - 1:
                self.go_to(OFF)  # replay from the start
            self._timer.start()
            self._tick()  # may reach the end and uncheck the button again
        else:
            self._timer.stop()
        self.play_button.setText("❚❚ Pause" if self.play_button.isChecked() else "▶ Play")

    @Slot()
    def _tick(self) -> None:
        self.step_forward()
        if self._position >= self.count() - 1:
            self.play_button.setChecked(False)

    def _update(self) -> None:
        n, k = self.count(), self._position
        self.back_button.setEnabled(k > OFF)
        self.step_button.setEnabled(k < n - 1)
        self.play_button.setEnabled(n > 0)
        if k == OFF:
            self.status.setText(IDLE_TEXT if n else "No backward pass to replay")
            return
        node = self._steps.nodes[k]
        label = html.escape(str(self._steps.graph.nodes[node].get("label") or node))
        # The node's name on a chip of the outline's colour: it keys the outline, and pink
        # text on the light window was too faint to read (2.7:1).
        chip = palette.STEP_CURRENT
        ink = palette.text_on(chip).name()
        end = " · done, all gradients are in" if k == n - 1 else ""
        self.status.setText(
            f"step {k + 1}/{n}: <b style='background:{chip.name()}; color:{ink}'>&nbsp;{label}"
            f"&nbsp;</b> runs backward{end}"
        )
