"""One curve per graph edge, producer → consumer, with an arrowhead at the consumer.

The view routes each edge level across every layer column it touches and lets it climb
only in the gaps between columns, which hold no cards, so no edge clips a card. Hovering
an edge shows the gradient flowing back along it (the tooltip is built on demand by the view).
"""

from __future__ import annotations

import html

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from gradviz.core.formatting import format_tensor, has_nonfinite
from gradviz.ui import palette
from gradviz.ui.node_item import Detail, detail_for

ARROW_LENGTH = 9.0
ARROW_HALF_WIDTH = 4.5
HOVER_WIDTH = 10.0
PEN_WIDTH = 1.4


Point = tuple[float, float]


def curve_through(points: list[Point]) -> QPainterPath:
    """A smooth left-to-right curve through ``points``, horizontal at every point.

    Two points at one height give a straight level run; between heights it is an S-curve
    that stays within the box of its two ends.
    """
    path = QPainterPath(QPointF(*points[0]))
    for (px, py), (qx, qy) in zip(points, points[1:], strict=False):
        dx = (qx - px) / 2
        path.cubicTo(QPointF(px + dx, py), QPointF(qx - dx, qy), QPointF(qx, qy))
    return path


class EdgeItem(QGraphicsItem):
    """An edge from the right side of the producer's card to the left side of the consumer's.

    ``points`` run from the start port through the route's corners to the arrow's tip. The
    curve is built on first paint: each segment stays inside the box of its end points,
    so the bounds are known without it, and edges never scrolled into view cost little.
    """

    def __init__(self, source: str, target: str, points: list[Point], nonfinite: bool) -> None:
        super().__init__()
        self.source = source
        self.target = target
        self._points = points
        xs, ys = [x for x, _ in points], [y for _, y in points]
        margin = HOVER_WIDTH + ARROW_HALF_WIDTH
        self._bounds = QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
        self._bounds.adjust(-margin, -margin, margin, margin)
        self._path: QPainterPath | None = None
        self._arrow: QPolygonF | None = None
        self._hover_shape: QPainterPath | None = None
        self.nonfinite = nonfinite
        self._highlighted = False
        self._hovered = False
        self._dimmed = False
        self.setAcceptHoverEvents(True)

    def _geometry(self) -> tuple[QPainterPath, QPolygonF]:
        if self._path is None or self._arrow is None:
            tip_x, tip_y = self._points[-1]
            base_x = tip_x - ARROW_LENGTH
            self._path = curve_through([*self._points[:-1], (base_x, tip_y)])
            self._arrow = QPolygonF(
                [
                    QPointF(tip_x, tip_y),
                    QPointF(base_x, tip_y - ARROW_HALF_WIDTH),
                    QPointF(base_x, tip_y + ARROW_HALF_WIDTH),
                ]
            )
        return self._path, self._arrow

    @property
    def path(self) -> QPainterPath:
        return QPainterPath(self._geometry()[0])

    def is_highlighted(self) -> bool:
        return self._highlighted

    def set_highlighted(self, on: bool) -> None:
        """Drawn in the selection colour: the edge touches the selected card."""
        if on != self._highlighted:
            self._highlighted = on
            self.update()

    def is_dimmed(self) -> bool:
        return self._dimmed

    def set_dimmed(self, on: bool) -> None:
        """Drawn faint: the backward stepper has not yet sent a gradient along this edge."""
        if on != self._dimmed:
            self._dimmed = on
            self.update()

    # -- QGraphicsItem ----------------------------------------------------------------

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._bounds

    def shape(self) -> QPainterPath:
        """A band around the curve, so the thin line is easy to hover."""
        if self._hover_shape is None:
            path, arrow = self._geometry()
            stroker = QPainterPathStroker()
            stroker.setWidth(HOVER_WIDTH)
            self._hover_shape = stroker.createStroke(path)
            self._hover_shape.addPolygon(arrow)
        return self._hover_shape

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802
        self._hovered = False
        self.update()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        color, width = palette.EDGE, PEN_WIDTH
        if self.nonfinite:
            color = palette.NONFINITE
        if self._dimmed:
            color = palette.EDGE_DIM
        if self._highlighted:
            color, width = palette.SELECTED, 2.4
        if self._hovered:
            color, width = palette.EDGE_HOVER, 2.6
        path, arrow = self._geometry()
        pen = QPen(color, width)
        pen.setCosmetic(True)  # a fixed pixel width keeps overview edges visible
        if self._dimmed and color == palette.EDGE_DIM:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        if detail_for(option.levelOfDetailFromTransform(painter.worldTransform())) > Detail.BLOCK:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawPolygon(arrow)


def edge_tooltip(source: dict, target: dict, data: dict) -> str:
    """Hover text for an edge: which gradient flows back along it, and from how many uses."""
    src = html.escape(str(source.get("label") or "?"))
    dst = html.escape(str(target.get("label") or "?"))
    grad = data.get("grad")
    text = format_tensor(grad, 16)
    if has_nonfinite(grad):
        text = f"<span style='color:{palette.NONFINITE.name()}'>{text}</span>"
    lines = [f"<b>{src} → {dst}</b>", f"gradient flowing back to {src}: {text}"]
    parts = data.get("contributions") or []
    if len(parts) > 1:
        terms = " + ".join(format_tensor(p, 4) for p in parts)
        lines.append(f"{len(parts)} uses: {terms}")
    return "<br>".join(lines)
