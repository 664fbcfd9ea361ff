"""A small overview of a large graph in a corner of the view: every card as a coloured dot
or block, and a frame around the part on screen. Click or drag on it to move the view.

The cards are rasterised once per graph, when the map is first painted, into an image with
numpy (``block_image``: 15 ms for 160k cards), so a repaint is one image blit and one
rectangle.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QMargins, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from gradviz.ui import palette
from gradviz.ui.block_raster import block_image

MAX_SIZE = QSize(220, 140)
MIN_SIDE = 24
"""A long thin graph (a deep chain) still gets a map tall enough to see and click."""
MIN_FRAME = 5.0
"""The frame of a view much smaller than the graph is still drawn this many pixels wide."""
PADDING = 4


class Minimap(QWidget):
    """The overview; ``visible_rect`` says which scene rect the view shows, and
    ``pan_to(scene_point)`` is called when the user clicks or drags on the map."""

    def __init__(
        self,
        visible_rect: Callable[[], QRectF],
        pan_to: Callable[[QPointF], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("minimap")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        self._visible_rect = visible_rect
        self._pan_to = pan_to
        self._image = QImage()
        self._cards: tuple[np.ndarray, np.ndarray, tuple[int, int]] | None = None
        self._bounds = QRectF()
        self._scale = 1.0
        self._origin = QPointF(PADDING, PADDING)
        self.hide()

    def set_cards(self, boxes: np.ndarray, colors: np.ndarray, bounds: QRectF) -> None:
        """Draw cards (rows of centre x, centre y, width, height) in their ``colors`` (ARGB)
        inside scene ``bounds``."""
        self._bounds = QRectF(bounds)
        inner = MAX_SIZE.shrunkBy(QMargins(PADDING, PADDING, PADDING, PADDING))
        self._scale = min(inner.width() / bounds.width(), inner.height() / bounds.height())
        width = max(int(np.ceil(bounds.width() * self._scale)), 1)
        height = max(int(np.ceil(bounds.height() * self._scale)), 1)
        # Drawn when first painted: a big graph opens at overview, where the map is hidden,
        # and its 15 ms then stay out of the turn that shows the graph.
        self._cards = (boxes, colors, (width, height))
        self._image = QImage()
        self.setFixedSize(max(width, MIN_SIDE) + 2 * PADDING, max(height, MIN_SIDE) + 2 * PADDING)
        # The image is centred in the widget when a side was widened to MIN_SIDE.
        self._origin = QPointF((self.width() - width) / 2, (self.height() - height) / 2)
        self.update()

    def map_to_scene(self, point: QPointF) -> QPointF:
        """The scene point under a point of this widget."""
        return QPointF(
            self._bounds.left() + (point.x() - self._origin.x()) / self._scale,
            self._bounds.top() + (point.y() - self._origin.y()) / self._scale,
        )

    def map_from_scene(self, point: QPointF) -> QPointF:
        return QPointF(
            self._origin.x() + (point.x() - self._bounds.left()) * self._scale,
            self._origin.y() + (point.y() - self._bounds.top()) * self._scale,
        )

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), palette.PANEL)  # read at paint time: follows the theme
        painter.setPen(palette.CARD_BORDER)
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        if self._image.isNull() and self._cards is not None:
            boxes, colors, size = self._cards
            origin = (self._bounds.left(), self._bounds.top())
            self._image = block_image(boxes, colors, origin, (self._scale, self._scale), size)
        painter.drawImage(self._origin, self._image)
        shown = self._visible_rect()
        frame = QRectF(
            self.map_from_scene(shown.topLeft()), self.map_from_scene(shown.bottomRight())
        )
        grow_x = max(MIN_FRAME - frame.width(), 0) / 2
        grow_y = max(MIN_FRAME - frame.height(), 0) / 2
        frame.adjust(-grow_x, -grow_y, grow_x, grow_y)
        frame = frame.intersected(QRectF(self.rect()).adjusted(1, 1, -2, -2))
        painter.setPen(QPen(palette.SELECTED, 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(frame)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self._pan_to(self.map_to_scene(event.position()))
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        event.accept()  # the press moved the view; the release must not reach the view

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._pan_to(self.map_to_scene(event.position()))
            event.accept()
