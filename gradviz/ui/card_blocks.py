"""Every card of a big graph as a block of its header colour, drawn by one item.

At overview zoom (below BOX_MIN_SCALE) a card is a few pixels wide and only its colour
shows. Painting 10k ``NodeItem``s one by one there took 0.3-0.6 s a frame, which a folded
layout makes the common case (the whole graph is in view); one fill per colour takes a
few milliseconds. The view hides the cards while the blocks are shown.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from gradviz.ui.node_item import NodeItem

MIN_CARDS = 2000
"""Graphs with more cards than this get blocks; smaller ones paint fast enough as cards."""


class CardBlocks(QGraphicsItem):
    """The cards ``items`` (boxes: centre x, centre y, width, height, in the same order) as
    filled rectangles; the colours are read from the cards when first painted after
    ``refresh_colors``."""

    def __init__(self, items: list[NodeItem], boxes: np.ndarray) -> None:
        super().__init__()
        self._items = items
        x, y, w, h = boxes.T
        self._left, self._right = x - w / 2, x + w / 2
        self._top, self._bottom = y - h / 2, y + h / 2
        self._bounds = QRectF()
        if items:
            self._bounds = QRectF(
                float(self._left.min()),
                float(self._top.min()),
                float(self._right.max() - self._left.min()),
                float(self._bottom.max() - self._top.min()),
            )
        self._blocks: list[tuple[QColor, list[QRectF]]] | None = None

    def refresh_colors(self) -> None:
        """The cards' colours changed: rebuild the blocks at the next paint."""
        self._blocks = None
        self.update()

    def card_at(self, x: float, y: float) -> NodeItem | None:
        """The card whose box holds the scene point (x, y), if any."""
        hit = np.flatnonzero(
            (self._left <= x) & (x <= self._right) & (self._top <= y) & (y <= self._bottom)
        )
        return self._items[int(hit[0])] if hit.size else None

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._bounds

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if self._blocks is None:
            self._blocks = self._colour_blocks()
        painter.setPen(Qt.PenStyle.NoPen)
        for color, rects in self._blocks:
            painter.setBrush(color)
            painter.drawRects(rects)

    def _colour_blocks(self) -> list[tuple[QColor, list[QRectF]]]:
        """The cards' rectangles, by colour. drawRects: one path of 10k rectangles took
        170 ms to fill antialiased, a list of rectangles 6 ms."""
        colors = [item.header_color for item in self._items]
        rgba = np.array([c.rgba() for c in colors], dtype=np.uint32)
        values, first, owner = np.unique(rgba, return_index=True, return_inverse=True)
        width, height = self._right - self._left, self._bottom - self._top
        blocks = []
        for k in range(values.size):
            mine = np.flatnonzero(owner.reshape(-1) == k)
            boxes = zip(
                self._left[mine].tolist(),
                self._top[mine].tolist(),
                width[mine].tolist(),
                height[mine].tolist(),
                strict=True,
            )
            blocks.append((colors[int(first[k])], [QRectF(*box) for box in boxes]))
        return blocks
