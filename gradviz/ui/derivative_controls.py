"""Order selector: which higher derivative dᵏy/dxᵏ the graph tab shows, and of which leaf.

Order 1 is the program's own graph; order k > 1 is the autograd graph that computes the
k-th derivative (``Evaluation.derivative_graph``). Only scalar outputs and scalar leaves
have such derivatives, so the controls are disabled otherwise.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

MAX_ORDER = 4
_SUPERSCRIPTS = {1: "", 2: "²", 3: "³", 4: "⁴", 5: "⁵"}


def derivative_symbol(output: str, leaf: str, order: int) -> str:
    """``d²y/da²`` for order 2; ``dy/da`` for order 1."""
    power = _SUPERSCRIPTS.get(order, f"^{order}")
    return f"d{power}{output}/d{leaf}{power}"


class DerivativeControls(QWidget):
    """``Order [k] w.r.t. [leaf]``; ``changed(leaf, order)`` on every user choice."""

    changed = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("derivativeControls")
        self.order_box = QSpinBox()
        self.order_box.setObjectName("derivativeOrder")
        self.order_box.setRange(1, MAX_ORDER)
        self.order_box.setToolTip(
            "Order 1 shows the program's graph; order k > 1 the graph that computes the k-th"
            " derivative of the output, with its value in the title"
        )
        self.leaf_box = QComboBox()
        self.leaf_box.setObjectName("derivativeLeaf")
        self.leaf_box.setToolTip("The scalar leaf to differentiate by")
        self.leaf_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Order"))
        layout.addWidget(self.order_box)
        layout.addWidget(QLabel("w.r.t."))
        layout.addWidget(self.leaf_box)
        self.order_box.valueChanged.connect(self._emit)
        self.leaf_box.currentTextChanged.connect(self._emit)
        self.set_leaves([])

    def set_leaves(self, names: list[str]) -> None:
        """Offer these scalar leaves, back at order 1, without emitting ``changed``."""
        blockers = (self.order_box.blockSignals(True), self.leaf_box.blockSignals(True))
        try:
            previous = self.leaf_box.currentText()
            self.leaf_box.clear()
            self.leaf_box.addItems(names)
            if previous in names:
                self.leaf_box.setCurrentText(previous)
            self.order_box.setValue(1)
        finally:
            self.order_box.blockSignals(blockers[0])
            self.leaf_box.blockSignals(blockers[1])
        self.setEnabled(bool(names))
        if not names:
            self.setToolTip("Higher derivatives need a scalar output and a scalar leaf")
        else:
            self.setToolTip("")

    def leaf(self) -> str:
        return self.leaf_box.currentText()

    def order(self) -> int:
        return self.order_box.value()

    def select(self, leaf: str, order: int) -> None:
        """Choose as a user would (emits ``changed`` once)."""
        self.leaf_box.blockSignals(True)
        self.leaf_box.setCurrentText(leaf)
        self.leaf_box.blockSignals(False)
        if self.order_box.value() == order:
            self._emit()
        else:
            self.order_box.setValue(order)

    @Slot()
    def _emit(self) -> None:
        if self.leaf():
            self.changed.emit(self.leaf(), self.order())
