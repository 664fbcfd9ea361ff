"""Every card of a big graph as a block of its header colour, drawn by one item.

At overview zoom (below BOX_MIN_SCALE) a card is a few pixels wide and only its colour
shows. Painting 10k ``NodeItem``s one by one there took 0.3-0.6 s a frame, which a folded
layout makes the common case (the whole graph is in view); one ``drawRects`` per colour
takes a few milliseconds. Where every card is at most RASTER_MAX_PIXELS across (a 100k-node
graph fitted to the window), the blocks are rasterised with numpy into one image instead.
The view hides the cards while the blocks are shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from gradviz.ui.block_raster import block_image

MIN_CARDS = 2000
"""Graphs with more cards than this get blocks; smaller ones paint fast enough as cards."""
RASTER_MAX_PIXELS = 4.0
"""Blocks up to this many pixels across are rasterised (a few numpy passes per colour;
``drawRects`` of 160k tiny blocks took 55-80 ms); bigger ones are filled by Qt."""


def block_rects(boxes: np.ndarray) -> list[QRectF]:
    """Rectangles of cards given as rows of centre x, centre y, width, height."""
    x, y, w, h = boxes.reshape(-1, 4).T
    return list(map(QRectF, (x - w / 2).tolist(), (y - h / 2).tolist(), w.tolist(), h.tolist()))


Groups = dict[int, tuple[QColor, list[QRectF]]]
"""Rectangles by colour (keyed by its ``rgba()``): one ``drawRects`` each."""


def add_to_groups(groups: Groups, rects: Sequence[QRectF], colors: Sequence[QColor]) -> None:
    """File each rectangle under its colour; a slice at a time, for a big graph."""
    for rect, color in zip(rects, colors, strict=True):
        key = color.rgba()
        group = groups.get(key)
        if group is None:
            group = groups[key] = (QColor(color), [])
        group[1].append(rect)


class CardBlocks(QGraphicsItem):
    """Cards as filled rectangles: ``boxes`` (rows of centre x, centre y, width, height),
    the same as ``rects`` (see ``block_rects``), filed by colour in ``groups``; ``argb``
    holds each card's colour too, for the rasterised blocks."""

    def __init__(
        self, boxes: np.ndarray, rects: list[QRectF], groups: Groups, argb: np.ndarray
    ) -> None:
        super().__init__()
        self._boxes = boxes.reshape(-1, 4)
        self._argb = np.asarray(argb, dtype=np.uint32)
        x, y, w, h = self._boxes.T
        self._largest = float(max(w.max(), h.max())) if len(w) else 0.0
        self._left, self._right = x - w / 2, x + w / 2
        self._top, self._bottom = y - h / 2, y + h / 2
        self._bounds = QRectF()
        if rects:
            left, top = float(self._left.min()), float(self._top.min())
            right, bottom = float(self._right.max()), float(self._bottom.max())
            self._bounds = QRectF(left, top, right - left, bottom - top)
        self._rects = rects
        self._groups = list(groups.values())
        # Shown only at overview, where the whole graph fits the view: a pan blits the
        # cache instead of filling 100k rectangles again (0.1 s).
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def containers(self) -> list[list]:
        """The big lists behind the blocks, for ``SlowRelease`` once they are off screen."""
        return [self._rects, *(rects for _, rects in self._groups)]

    def set_colors(self, colors: Sequence[QColor]) -> None:
        """New colours, one per card (colour by gradient, a theme change)."""
        groups: Groups = {}
        add_to_groups(groups, self._rects, colors)
        self._groups = list(groups.values())
        self._argb = np.fromiter((color.rgba() for color in colors), np.uint32, len(colors))
        self.update()

    def card_at(self, x: float, y: float) -> int | None:
        """Index of the card whose box holds the scene point (x, y), if any."""
        hit = np.flatnonzero(
            (self._left <= x) & (x <= self._right) & (self._top <= y) & (y <= self._bottom)
        )
        return int(hit[0]) if hit.size else None

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._bounds

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        transform = painter.worldTransform()
        if transform.type().value <= QTransform.TransformationType.TxScale.value and (
            self._largest * max(transform.m11(), transform.m22()) <= RASTER_MAX_PIXELS
        ):
            self._paint_image(painter, option.exposedRect, transform)
            return
        painter.setPen(Qt.PenStyle.NoPen)
        for color, rects in self._groups:
            painter.setBrush(color)
            painter.drawRects(rects)

    def _paint_image(self, painter: QPainter, exposed: QRectF, transform: QTransform) -> None:
        """The blocks in ``exposed``, rasterised at the painter's scale onto device pixels."""
        shown = self._bounds if exposed.isEmpty() else exposed & self._bounds
        device = transform.mapRect(shown).toAlignedRect()
        if device.isEmpty():
            return
        scale_x, scale_y = transform.m11(), transform.m22()
        origin = (
            (device.left() - transform.dx()) / scale_x,
            (device.top() - transform.dy()) / scale_y,
        )
        image = block_image(
            self._boxes, self._argb, origin, (scale_x, scale_y), (device.width(), device.height())
        )
        painter.save()
        painter.resetTransform()
        painter.drawImage(device.topLeft(), image)
        painter.restore()
