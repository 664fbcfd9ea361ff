"""The colour key drawn over the graph view's corner.

A child widget of the view rather than scene content: it stays put and unscaled while
the user pans and zooms, and it is never clipped by the scene.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QLinearGradient, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from gradviz.core.formatting import LogScale, format_number
from gradviz.ui import palette

PAD = 8.0
SWATCH = 12.0
ROW = 17.0
BAR_WIDTH = 120.0
BAR_HEIGHT = 10.0

_KIND_ROWS = [
    ("leaf", "leaf (input)"),
    ("op", "operation"),
    ("output", "output"),
    ("constant", "constant"),
    ("group", "module (double-click)"),
]


class GraphLegend(QWidget):
    """Explains the card colours: by kind, or by |grad| on a log scale."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphLegend")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._scale: LogScale | None = None
        self._show_nonfinite = False
        self._kind_rows = list(_KIND_ROWS)
        font = self.font()
        font.setPointSizeF(8.5)
        self.setFont(font)
        self.resize(self.sizeHint())

    @property
    def scale(self) -> LogScale | None:
        """The |grad| scale shown, or None while the legend explains kind colours."""
        return self._scale

    def show_kinds(self, nonfinite: bool, kinds: set[str] | None = None) -> None:
        """Kind colours for `kinds` (default all); ``nonfinite`` adds the NaN/inf entry.

        Only kinds the graph has are listed, so the key never explains a colour that
        is nowhere on screen.
        """
        self._scale, self._show_nonfinite = None, nonfinite
        self._kind_rows = [(k, t) for k, t in _KIND_ROWS if kinds is None or k in kinds]
        self._relayout()

    def show_grad_scale(self, scale: LogScale, nonfinite: bool) -> None:
        """The viridis bar from the graph's smallest to largest |grad|."""
        self._scale, self._show_nonfinite = scale, nonfinite
        self._relayout()

    def _rows(self) -> list[str]:
        if self._scale is None:
            rows = [text for _, text in self._kind_rows]
        else:
            rows = ["|grad| (log scale)", "", "", "no grad / zero"]  # bar and its ends
        if self._show_nonfinite:
            rows.append("NaN/inf grad")
        return rows

    def _relayout(self) -> None:
        self.resize(self.sizeHint())
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        fm = QFontMetricsF(self.font())
        widest = max((fm.horizontalAdvance(t) for t in self._rows()), default=0.0)
        if self._scale is not None:
            widest = max(widest, BAR_WIDTH + SWATCH)
        width = PAD * 2 + SWATCH + 6 + widest
        height = PAD * 2 + ROW * len(self._rows())
        return QSize(int(width) + 1, int(height))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(palette.CARD_BORDER, 1))
        p.setBrush(palette.PANEL)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        y = PAD
        if self._scale is None:
            for kind, text in self._kind_rows:
                self._swatch_row(p, y, palette.kind_color(kind), text)
                y += ROW
        else:
            y = self._paint_scale(p, y, self._scale)
        if self._show_nonfinite:
            self._swatch_row(p, y, palette.CARD_BODY, "NaN/inf grad", palette.NONFINITE)
        p.end()

    def _swatch_row(
        self, p: QPainter, y: float, fill: QColor, text: str, border: QColor | None = None
    ) -> None:
        box = QRectF(PAD, y + (ROW - SWATCH) / 2, SWATCH, SWATCH)
        p.setPen(QPen(border or palette.CARD_BORDER, 2.0 if border else 1.0))
        p.setBrush(fill)
        p.drawRoundedRect(box, 2, 2)
        p.setPen(palette.TEXT)
        p.drawText(
            QRectF(PAD + SWATCH + 6, y, self.width(), ROW),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            text,
        )

    def _paint_scale(self, p: QPainter, y: float, scale: LogScale) -> float:
        width = self.width() - 2 * PAD
        left, right = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
        middle = Qt.AlignmentFlag.AlignVCenter
        p.setPen(palette.TEXT)
        p.drawText(QRectF(PAD, y, width, ROW), left | middle, "|grad| (log scale)")
        y += ROW
        bar = QRectF(PAD, y + (ROW - BAR_HEIGHT) / 2, width, BAR_HEIGHT)
        gradient = QLinearGradient(QPointF(bar.left(), 0), QPointF(bar.right(), 0))
        for i in range(9):
            gradient.setColorAt(i / 8, palette.viridis(i / 8))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(gradient)
        p.drawRect(bar)
        y += ROW
        p.setPen(palette.TEXT_DIM)
        ends = QRectF(PAD, y, width, ROW)
        p.drawText(ends, left | middle, format_number(scale.low, 3))
        p.drawText(ends, right | middle, format_number(scale.high, 3))
        y += ROW
        self._swatch_row(p, y, palette.NO_GRAD, "no grad / zero")
        return y + ROW
