"""The Jacobian of a small output as a table: one row per output element, one column per
leaf element, the columns grouped leaf by leaf (``Evaluation.jacobian()``)."""

from __future__ import annotations

import itertools

import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.formatting import format_number

MAX_ROWS = 64
MAX_COLUMNS = 64
CELL_DIGITS = 4
EMPTY_TEXT = "Evaluate a program to see the Jacobian of its output."


def fits(output_elements: int, leaf_elements: int) -> bool:
    """Whether a table of this size is still readable (and cheap: one backward per row)."""
    return 0 < output_elements <= MAX_ROWS and 0 < leaf_elements <= MAX_COLUMNS


def element_labels(name: str, shape: tuple[int, ...]) -> list[str]:
    """``y`` for a scalar; ``x[0]``, ``x[1]`` … in row-major order; ``W[0,1]`` for matrices."""
    if not shape:
        return [name]
    return [f"{name}[{','.join(map(str, i))}]" for i in itertools.product(*map(range, shape))]


class JacobianTable(QWidget):
    """A caption and the table; ``set_jacobian`` fills it, ``show_message`` explains why not."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jacobianTable")
        self.caption = QLabel(EMPTY_TEXT)
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, stretch=1)
        self.table.hide()

    def show_message(self, text: str) -> None:
        """No table: say why (too big, not computed yet, failed)."""
        self.caption.setText(text)
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.table.hide()

    def set_jacobian(
        self, jacobian: dict[str, torch.Tensor], output_name: str, output_shape: tuple[int, ...]
    ) -> None:
        """Rows: d output[i]; columns: each leaf's elements, leaf after leaf."""
        rows = element_labels(output_name, tuple(output_shape))
        n_out = len(rows)
        columns: list[str] = []
        blocks: list[torch.Tensor] = []
        for leaf, block in jacobian.items():
            leaf_shape = tuple(block.shape[len(output_shape):])
            columns += element_labels(leaf, leaf_shape)
            blocks.append(block.reshape(n_out, -1))
        matrix = torch.cat(blocks, dim=1) if blocks else torch.zeros(n_out, 0)
        table = self.table
        table.clear()
        table.setRowCount(n_out)
        table.setColumnCount(len(columns))
        table.setVerticalHeaderLabels([f"∂{r}" for r in rows])
        table.setHorizontalHeaderLabels([f"∂{c}" for c in columns])
        for (i, j), value in zip(
            itertools.product(range(n_out), range(len(columns))), matrix.reshape(-1).tolist(),
            strict=True,
        ):  # fmt: skip
            item = QTableWidgetItem(format_number(value, CELL_DIGITS))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(f"∂{rows[i]} / ∂{columns[j]} = {format_number(value)}")
            table.setItem(i, j, item)
        self.caption.setText(
            f"Jacobian of <b>{output_name}</b>: row i holds ∂{output_name}[i] with respect to"
            f" every leaf element ({n_out} × {len(columns)})."
        )
        table.show()

    def cell_value(self, row: int, column: int) -> float:
        """The full-precision number behind a cell (its tooltip), for tests and copying."""
        return float(self.table.item(row, column).toolTip().rsplit("=", 1)[1])
