"""A tensor shown in full: one number, a table for ≤ 2-D, summary statistics beyond.

The table reads cells from the array on demand (a model, not a QTableWidget), so a big
matrix costs nothing until it is scrolled into view.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableView, QVBoxLayout, QWidget

from gradviz.core.formatting import (
    MISSING,
    format_number,
    format_shape,
    format_tensor,
    is_scalar,
    summarize,
)
from gradviz.ui import palette

VISIBLE_ROWS = 8
COLUMN_WIDTH = 64

_Index = QModelIndex | QPersistentModelIndex


class TensorTableModel(QAbstractTableModel):
    """Cells of a 0-, 1- or 2-D array; a vector is shown as one column, index per row."""

    def __init__(self, array: np.ndarray, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._array = array.reshape(-1, 1) if array.ndim < 2 else array

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self._array.shape[0]

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self._array.shape[1]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        value = float(self._array[index.row(), index.column()])
        if role == Qt.ItemDataRole.DisplayRole:
            return format_number(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return repr(value)
        if role == Qt.ItemDataRole.ForegroundRole and not math.isfinite(value):
            return palette.NONFINITE
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(  # noqa: N802 (Qt override)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section)
        return None


class TensorView(QWidget):
    """Shows one value or gradient: a scalar, a tensor, a tuple of them, or nothing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableView()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setDefaultSectionSize(COLUMN_WIDTH)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.hide()
        self._parts: list[TensorView] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.summary)
        self._layout.addWidget(self.table)

    def text(self) -> str:
        """The summary line(s), for tests and copy-paste."""
        return self.summary.text()

    def set_value(self, value: object, note: str | None = None) -> None:
        font = self.font()
        if is_scalar(value):  # one number: the thing the user came for, so make it big
            font.setPointSizeF(font.pointSizeF() * 1.4)
        self.summary.setFont(font)
        for part in self._parts:
            self._layout.removeWidget(part)
            part.hide()
            part.deleteLater()
        self._parts = []
        self.table.hide()
        self.table.setModel(None)
        if isinstance(value, tuple):
            self._show_parts(value)
        elif isinstance(value, torch.Tensor):
            self._show_tensor(value.detach())
        elif value is None:
            self.summary.setText(MISSING + (f"  ({note})" if note else ""))
        else:
            self.summary.setText(format_tensor(value))

    def _show_parts(self, values: tuple) -> None:
        self.summary.setText(f"{len(values)} outputs")
        for k, value in enumerate(values):
            part = TensorView(self)
            part.set_value(value)
            part.summary.setText(f"output {k}: {part.summary.text()}")
            self._layout.addWidget(part)
            self._parts.append(part)

    def _show_tensor(self, t: torch.Tensor) -> None:
        if t.ndim == 0:
            self.summary.setText(format_tensor(t))
            return
        if t.is_complex() or t.numel() == 0:
            self.summary.setText(format_tensor(t))
            return
        s = summarize(t)
        std = t.detach().to(torch.float64).std().item() if s.numel > 1 and not s.nonfinite else None
        stats = (
            f"shape {format_shape(t.shape)} · min {format_number(s.min)}"
            f" · mean {format_number(s.mean)} · max {format_number(s.max)}"
        )
        if std is not None:
            stats += f" · std {format_number(std)}"
        if s.nonfinite:
            stats += f" · {s.nonfinite} NaN/inf"
        self.summary.setText(stats)
        if t.ndim <= 2:
            self.table.setModel(TensorTableModel(t.to(torch.float64).numpy(), self.table))
            self.table.resizeColumnsToContents()  # Qt samples at most ~1000 rows: cheap
            rows = min(self.table.model().rowCount(), VISIBLE_ROWS)
            header = self.table.horizontalHeader().sizeHint().height()
            row = self.table.verticalHeader().defaultSectionSize()
            self.table.setFixedHeight(header + rows * row + 2 * self.table.frameWidth() + 2)
            self.table.show()
