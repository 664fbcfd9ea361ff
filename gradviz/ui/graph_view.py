"""The graph view: an autograd graph as cards and curves you can zoom, pan and click.

``set_graph`` measures every card, asks the Qt-free layered layout where to put them, and
only then replaces the scene, so a failure leaves the previous graph on screen. Tooltips
are built when asked for, not per item up front, to keep large graphs quick to load.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from enum import Enum

import networkx as nx
import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import (
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QToolTip,
    QWidget,
)

from gradviz.core.formatting import LogScale, grad_magnitude
from gradviz.core.gradcheck import GradCheck
from gradviz.core.layout import Layout, layered_layout
from gradviz.ui import palette
from gradviz.ui.check_badge import check_tooltip
from gradviz.ui.edge_batch import BatchedEdge, EdgeBatch
from gradviz.ui.edge_item import ARROW_LENGTH, EdgeItem, Point, edge_tooltip
from gradviz.ui.legend import GraphLegend
from gradviz.ui.node_item import (
    CardMetrics,
    CardText,
    Detail,
    NodeItem,
    card_texts,
    detail_for,
    node_tooltip,
    nonfinite_flags,
)

EMPTY_MESSAGE = "Type a program and press Ctrl+Enter"
MIN_SCALE = 0.01
MAX_SCALE = 4.0
FIT_MAX_SCALE = 1.25
"""Fitting a tiny graph stops here: huge cards look broken, not helpful."""
FIT_MARGIN = 16
READABLE_SCALE = 0.5
"""Fitting a newly loaded small graph stops here, so its cards open with their text; the user
pans to the rest. Above TEXT_MIN_SCALE, where text is drawn but too small to read."""
READABLE_MAX_CARDS = 80
"""Graphs with more cards open as an overview: their shape matters more than any one card."""
SELECT_MARGIN = 40
"""Room ``select_node`` leaves around a card it scrolls to, so it is not flush with the edge."""
WHEEL_STEP = 1.0015
"""Zoom factor per unit of wheel angle: one 120-unit notch zooms by about 20%."""
KEY_ZOOM = 1.25
LEGEND_INSET = 8
PORT_STEP = 8.0
EDGE_ITEMS_MAX = 200
"""Up to this many edges, each is its own ``EdgeItem``; more are drawn by one ``EdgeBatch``,
which builds in a fraction of the time and repaints only the parts of edges in view."""


class FitMode(Enum):
    """What the view keeps fitting when the viewport resizes."""

    OFF = 0
    """The user zoomed or panned: leave the view where they put it."""
    ALL = 1
    """Everything (F or the Fit button), however small the cards get."""
    READABLE = 2
    """A new graph: everything, unless a small graph's text would become unreadable."""


def _spread(count: int, height: float) -> list[float]:
    """Vertical offsets for ``count`` edge ends on a card side, centred and evenly spaced."""
    if count <= 1:
        return [0.0] * count
    step = min(PORT_STEP, (height - 16.0) / (count - 1))
    return [(i - (count - 1) / 2) * step for i in range(count)]


class GraphView(QGraphicsView):
    """Shows one traced graph (``graph``); emits ``node_selected(node_id)`` on a click.

    Wheel zooms around the cursor, dragging pans, ``F`` fits. ``select_node`` selects
    without emitting, so a controller can mirror a selection made elsewhere.
    """

    node_selected = Signal(str)
    node_activated = Signal(str)  # a double-click on a card
    selection_cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphView")
        self.graph: nx.DiGraph | None = None
        self.graph_layout: Layout | None = None
        self._scene = QGraphicsScene(self)
        self._scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.setScene(self._scene)
        self._metrics = CardMetrics(self.font())
        self._nodes: dict[str, NodeItem] = {}
        self._edges: dict[tuple[str, str], EdgeItem] = {}
        self._batch: EdgeBatch | None = None
        self._bounds = QRectF()
        self._selected: str | None = None
        self._step_current: str | None = None
        self._color_by_grad = False
        self._grad_scale: LogScale | None = None
        self._fit_mode = FitMode.READABLE
        self._press_pos: QPoint | None = None
        self._legend = GraphLegend(self)
        self._legend.hide()

        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing)
        self.setBackgroundBrush(palette.BACKGROUND)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(200, 150)
        self.viewport().setMouseTracking(True)  # hover on batched edges

    # -- showing a graph ------------------------------------------------------------------

    def set_graph(self, graph: nx.DiGraph | None) -> None:
        """Lay out and draw ``graph`` (None or empty shows the empty-state hint), then fit."""
        if graph is None or graph.number_of_nodes() == 0:
            self._replace_scene(graph, None, {}, {})
            return
        with _gc_paused():
            texts, nonfinite = card_texts(graph)
            size = self._metrics.size
            sizes = {node: size(text) for node, text in texts.items()}
            layout = layered_layout(graph, sizes)
            self._replace_scene(graph, layout, texts, sizes, nonfinite)

    def _replace_scene(
        self,
        graph: nx.DiGraph | None,
        layout: Layout | None,
        texts: dict[str, CardText],
        sizes: dict[str, tuple[float, float]],
        nonfinite: dict[str, bool] | None = None,
    ) -> None:
        self._scene.clear()
        self._nodes.clear()
        self._edges.clear()
        self._batch = None
        self._selected = None
        self._step_current = None
        self._grad_scale = None
        self.graph, self.graph_layout = graph, layout
        if layout is None:
            self._bounds = QRectF()
            self._legend.hide()
            self.setSceneRect(QRectF())
            self.viewport().update()
            return
        nonfinite = nonfinite or {}
        positions, metrics, add = layout.positions, self._metrics, self._scene.addItem
        nodes = self._nodes
        for node, attrs in graph.nodes(data=True):
            item = NodeItem(node, attrs, texts[node], sizes[node], metrics, nonfinite.get(node))
            item.setPos(*positions[node])
            add(item)
            nodes[node] = item
        routes = self._edge_routes(graph, layout, sizes)
        edges = graph.edges
        bad = nonfinite_flags([edges[key].get("grad") for key in routes])
        if len(routes) > EDGE_ITEMS_MAX:
            self._batch = EdgeBatch(routes, bad)
            self._batch.setZValue(-1.0)
            add(self._batch)
            edge_bounds = self._batch.boundingRect()
        else:
            edge_bounds = QRectF()
            for ((u, v), points), flag in zip(routes.items(), bad, strict=True):
                item = EdgeItem(u, v, points, flag)
                item.setZValue(-1.0)
                add(item)
                self._edges[u, v] = item
                edge_bounds |= item.boundingRect()
        self._bounds = _cards_bounds(positions, sizes) | edge_bounds
        self._scene.setSceneRect(self._bounds)
        if self._color_by_grad:
            self._apply_colors()
        self._update_legend()
        self._fit_mode = FitMode.READABLE
        self._refit()

    def _edge_routes(
        self, graph: nx.DiGraph, layout: Layout, sizes: dict
    ) -> dict[tuple[str, str], list[Point]]:
        """Start port, level runs across columns, and arrow tip of every edge.

        A layer's column is as wide as its widest card, and only the gaps between columns
        are free of cards everywhere; so an edge runs level across every column it touches
        (its producer's, one per bend point, its consumer's) and climbs only in the gaps.
        Edge ends are spread along a card's side in the order of where they come from, so
        several edges into one card arrive side by side instead of on one point.
        """
        pos, bends, layer_of = layout.positions, layout.edge_points, layout.layer_of
        half_column: dict[int, float] = {}
        for node, layer in layer_of.items():
            half_column[layer] = max(half_column.get(layer, 0.0), sizes[node][0] / 2)
        start_dy: dict[tuple[str, str], float] = {}
        end_dy: dict[tuple[str, str], float] = {}
        for node in graph.nodes:
            height = sizes[node][1]
            succ, pred = graph.succ[node], graph.pred[node]
            if len(succ) > 1:
                outs = sorted(succ, key=lambda v, n=node: _next_y(bends.get((n, v)), pos[v]))
                for v, dy in zip(outs, _spread(len(outs), height), strict=True):
                    start_dy[node, v] = dy
            if len(pred) > 1:
                ins = sorted(pred, key=lambda u, n=node: _prev_y(bends.get((u, n)), pos[u]))
                for u, dy in zip(ins, _spread(len(ins), height), strict=True):
                    end_dy[u, node] = dy
        routes = {}
        for u, targets in graph.adjacency():  # the order of graph.edges
            ux, uy = pos[u]
            right = ux + sizes[u][0] / 2
            first_layer = layer_of[u] + 1
            column_right = ux + half_column[first_layer - 1]
            for v in targets:
                key = (u, v)
                vx, vy = pos[v]
                start_y = uy + start_dy.get(key, 0.0)
                tip = (vx - sizes[v][0] / 2, vy + end_dy.get(key, 0.0))
                points = [(right, start_y)]
                if column_right > right:
                    points.append((column_right, start_y))
                bend = bends.get(key)
                if bend:
                    for layer, (bx, by) in enumerate(bend, first_layer):
                        half = half_column[layer]
                        points += [(bx - half, by), (bx + half, by)]
                column_left = vx - half_column[layer_of[v]]
                if column_left < tip[0] - ARROW_LENGTH:  # else the arrow itself reaches the gap
                    points.append((column_left, tip[1]))
                points.append(tip)
                routes[key] = points
        return routes

    # -- queries (also used by tests) -----------------------------------------------------

    def node_item(self, node_id: str) -> NodeItem:
        return self._nodes[node_id]

    def edge_item(self, source: str, target: str) -> EdgeItem | BatchedEdge:
        """The edge's item, or for a large graph its handle in the batch (same queries)."""
        if self._batch is not None:
            return BatchedEdge(self._batch, self._batch.index[source, target])
        return self._edges[source, target]

    def node_items(self) -> list[NodeItem]:
        return list(self._nodes.values())

    def selected_node(self) -> str | None:
        return self._selected

    def zoom(self) -> float:
        """The current scale: 1.0 means one scene unit per pixel."""
        return self.transform().m11()

    def detail_level(self) -> Detail:
        """How much of each card is drawn at the current zoom."""
        return detail_for(self.zoom())

    def color_by_grad(self) -> bool:
        return self._color_by_grad

    # -- selection and colouring ----------------------------------------------------------

    def select_node(self, node_id: str | None) -> None:
        """Select a card (None clears) and scroll it into view; does not emit a signal.

        A card already in full view does not scroll: the view must not jump under the user.
        """
        self._set_selection(node_id)
        if node_id is None:
            return
        item = self._nodes[node_id]
        shown = self.mapToScene(self.viewport().rect()).boundingRect()
        if not shown.contains(item.sceneBoundingRect()):
            self._fit_mode = FitMode.OFF  # a resize must not scroll the card away again
            self.ensureVisible(item, SELECT_MARGIN, SELECT_MARGIN)

    def _set_selection(self, node_id: str | None) -> None:
        if node_id is not None and node_id not in self._nodes:
            raise KeyError(node_id)
        for selected in (self._selected, node_id):
            if selected is None:
                continue
            on = selected == node_id
            self._nodes[selected].set_selected(on)
            for edge in self._incident_edges(selected):
                edge.set_highlighted(on)
        self._selected = node_id

    def _incident_edges(self, node_id: str) -> list[EdgeItem | BatchedEdge]:
        g = self.graph
        return [self.edge_item(u, node_id) for u in g.pred[node_id]] + [
            self.edge_item(node_id, v) for v in g.succ[node_id]
        ]

    def apply_theme(self) -> None:
        """Repaint in ``palette``'s current colours (View → Theme); items read them at paint."""
        self.setBackgroundBrush(palette.BACKGROUND)
        if self.graph is not None and self._nodes:
            self._apply_colors()
        for item in self.scene().items():
            item.update()  # drops each item's device-coordinate cache
        self._legend.update()

    def set_step_state(
        self,
        current: str | None,
        done_edges: Collection[tuple[str, str]] | None,
        waiting: Collection[str] = (),
    ) -> None:
        """Backward stepper: outline ``current``, dim every edge not in ``done_edges`` and the
        grad of every ``waiting`` node (its gradient is not complete yet).

        ``None`` for both ends stepping: nothing outlined or dimmed. Only item state changes,
        the scene is not rebuilt, so a step costs a repaint whatever the graph's size.
        """
        if current is not None and current not in self._nodes:
            raise KeyError(current)
        if self._step_current is not None:
            self._nodes[self._step_current].set_step_current(False)
        self._step_current = current
        if current is not None:
            self._nodes[current].set_step_current(True)
        for node, item in self._nodes.items():
            item.set_grad_waiting(node in waiting)
        if self._batch is not None:
            keys = self._batch.keys
            dim = [False] * len(keys) if done_edges is None else [k not in done_edges for k in keys]
            self._batch.set_dimmed_edges(np.array(dim, dtype=bool))
        else:
            for key, item in self._edges.items():
                item.set_dimmed(done_edges is not None and key not in done_edges)

    def set_gradient_checks(self, checks: Mapping[str, GradCheck] | None) -> None:
        """A ✓/✗ badge on each leaf card named in ``checks`` (by node id); None removes all."""
        checks = checks or {}
        for node, item in self._nodes.items():
            item.set_check(checks.get(node))

    def step_current(self) -> str | None:
        """The node the backward stepper outlines, if any."""
        return self._step_current

    def set_color_by_grad(self, on: bool) -> None:
        """Colour cards by |grad| on a log scale (viridis) instead of by kind."""
        self._color_by_grad = bool(on)
        if self.graph is not None and self._nodes:
            self._apply_colors()
            self._update_legend()

    def _apply_colors(self) -> None:
        if not self._color_by_grad:
            for item in self._nodes.values():
                item.set_header_color(palette.kind_color(item.kind))
            return
        magnitudes = {n: grad_magnitude(a.get("grad")) for n, a in self.graph.nodes(data=True)}
        self._grad_scale = LogScale.fit(magnitudes.values())
        for node, item in self._nodes.items():
            m = magnitudes[node]
            color = palette.NO_GRAD if not m else palette.viridis(self._grad_scale(m))
            item.set_header_color(color)

    def _update_legend(self) -> None:
        nonfinite = any(item.nonfinite for item in self._nodes.values())
        if self._color_by_grad and self._grad_scale is not None:
            self._legend.show_grad_scale(self._grad_scale, nonfinite)
        else:
            kinds = {attrs.get("kind") for attrs in self.graph.nodes.values()}
            self._legend.show_kinds(nonfinite, kinds)
        self._legend.show()
        self._place_legend()

    def _place_legend(self) -> None:
        corner = self.viewport().geometry().bottomLeft()
        self._legend.move(
            corner.x() + LEGEND_INSET, corner.y() - self._legend.height() - LEGEND_INSET + 1
        )

    # -- navigation -----------------------------------------------------------------------

    def fit(self) -> None:
        """Show the whole graph (F, the Fit button) and keep it fitted as the view resizes."""
        self._fit_mode = FitMode.ALL
        self._refit()

    def _refit(self) -> None:
        """Fit as ``_fit_mode`` says: clear of the legend, at most at FIT_MAX_SCALE.

        A new small graph that would fit only below READABLE_SCALE is shown at that scale
        instead, from its output end, which is where backpropagation starts.
        """
        if self._bounds.isEmpty() or self._fit_mode is FitMode.OFF:
            return
        view = self.viewport().rect()
        reserved = self._legend.height() + LEGEND_INSET if self._legend.isVisible() else 0
        width = max(view.width() - 2 * FIT_MARGIN, 1)
        height = max(view.height() - 2 * FIT_MARGIN - reserved, 1)
        scale = min(width / self._bounds.width(), height / self._bounds.height(), FIT_MAX_SCALE)
        shown = self._bounds
        readable = self._fit_mode is FitMode.READABLE and len(self._nodes) <= READABLE_MAX_CARDS
        if readable and scale < READABLE_SCALE:
            scale = READABLE_SCALE
            shown = self._output_end(width / scale, height / scale)
        self._set_scale(max(scale, MIN_SCALE))
        self.centerOn(shown.center())
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + reserved // 2)

    def _output_end(self, width: float, height: float) -> QRectF:
        """The part of the graph, at most ``width`` × ``height``, that ends at its right edge
        and is centred (as far as the graph allows) on the cards of the last layer."""
        bounds, layout = self._bounds, self.graph_layout
        width, height = min(width, bounds.width()), min(height, bounds.height())
        last = max(layout.layer_of.values())
        rects = [
            self._nodes[node].sceneBoundingRect()
            for node, layer in layout.layer_of.items()
            if layer == last
        ]
        middle = (min(r.top() for r in rects) + max(r.bottom() for r in rects)) / 2
        top = min(max(middle - height / 2, bounds.top()), bounds.bottom() - height)
        return QRectF(bounds.right() - width, top, width, height)

    def zoom_by(self, factor: float, anchor: QPoint | None = None) -> None:
        """Zoom keeping the scene point under ``anchor`` (viewport coords) where it is."""
        anchor = anchor if anchor is not None else self.viewport().rect().center()
        before = self.mapToScene(anchor)
        self._set_scale(self.zoom() * factor)
        moved = self.mapFromScene(before) - anchor
        hbar, vbar = self.horizontalScrollBar(), self.verticalScrollBar()
        hbar.setValue(hbar.value() + moved.x())
        vbar.setValue(vbar.value() + moved.y())

    def _set_scale(self, scale: float) -> None:
        scale = min(MAX_SCALE, max(MIN_SCALE, scale))
        self.setTransform(QTransform.fromScale(scale, scale))
        self._update_scroll_area()

    def _update_scroll_area(self) -> None:
        """Let the graph be panned until its edge reaches the far side of the viewport."""
        if self._bounds.isEmpty():
            return
        s = self.zoom()
        mx, my = self.viewport().width() / s, self.viewport().height() / s
        self.setSceneRect(self._bounds.adjusted(-mx, -my, mx, my))

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        delta = event.angleDelta().y() or event.angleDelta().x()
        if not delta or self._bounds.isEmpty():
            event.ignore()
            return
        self._fit_mode = FitMode.OFF
        self.zoom_by(WHEEL_STEP**delta, event.position().toPoint())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        key = event.key()
        if key == Qt.Key.Key_F:
            self.fit()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self._fit_mode = FitMode.OFF
            self.zoom_by(KEY_ZOOM)
        elif key == Qt.Key.Key_Minus:
            self._fit_mode = FitMode.OFF
            self.zoom_by(1 / KEY_ZOOM)
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_pos = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        press = self._press_pos
        if press is not None and _dragged(press, event.position().toPoint()):
            self._fit_mode = FitMode.OFF
        super().mouseMoveEvent(event)
        if self._batch is not None:
            edge = None
            if event.buttons() == Qt.MouseButton.NoButton:
                item = self._item_at(event.position().toPoint())
                edge = item if isinstance(item, BatchedEdge) else None
            self._batch.set_hovered(
                None if edge is None else self._batch.index[edge.source, edge.target]
            )

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if self._batch is not None:
            self._batch.set_hovered(None)
        super().leaveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        super().mouseReleaseEvent(event)
        press, self._press_pos = self._press_pos, None
        if event.button() != Qt.MouseButton.LeftButton or press is None:
            return
        event.accept()  # a left click or a pan: either way the view handled it
        pos = event.position().toPoint()
        if _dragged(press, pos):
            return
        item = self._item_at(pos)
        if isinstance(item, NodeItem):
            self._set_selection(item.node_id)
            self.node_selected.emit(item.node_id)
        elif item is None and self._selected is not None:
            self._set_selection(None)
            self.selection_cleared.emit()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        item = self._item_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and isinstance(item, NodeItem):
            event.accept()
            self.node_activated.emit(item.node_id)
            return
        super().mouseDoubleClickEvent(event)

    def _item_at(self, pos: QPoint) -> QGraphicsItem | BatchedEdge | None:
        """The card under ``pos`` if any (cards sit above edges), else the edge."""
        items = self.items(pos)
        card = next((i for i in items if isinstance(i, NodeItem)), None)
        if card is not None or self._batch is None:
            return card if card is not None else (items[0] if items else None)
        at = self.mapToScene(pos)
        index = self._batch.edge_at(at.x(), at.y())
        return None if index is None else BatchedEdge(self._batch, index)

    # -- painting and events --------------------------------------------------------------

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self._tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def _tooltip_at(self, pos: QPoint) -> str:
        item, g = self._item_at(pos), self.graph
        if isinstance(item, NodeItem):
            check = "" if item.check is None else "<br>" + check_tooltip(item.check)
            return node_tooltip(g.nodes[item.node_id]) + check
        if isinstance(item, (EdgeItem, BatchedEdge)):
            u, v = item.source, item.target
            return edge_tooltip(g.nodes[u], g.nodes[v], g.edges[u, v])
        return ""

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        if self._nodes:
            return
        painter.save()
        painter.resetTransform()
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        painter.setFont(font)
        painter.setPen(palette.TEXT_DIM)
        painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, EMPTY_MESSAGE)
        painter.restore()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._update_scroll_area()
        self._place_legend()
        self._refit()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while building: it only creates objects, and each
    collection walks the whole graph's tensors and dicts (15-25% of set_graph at 10k)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _cards_bounds(positions: dict, sizes: dict) -> QRectF:
    """The box around every card (NodeItem bounds keep 2 units for the selection outline)."""
    data = np.array([(*positions[n], *sizes[n]) for n in positions], dtype=np.float64)
    x, y, half_w, half_h = data[:, 0], data[:, 1], data[:, 2] / 2 + 2, data[:, 3] / 2 + 2
    left, top = float((x - half_w).min()), float((y - half_h).min())
    return QRectF(left, top, float((x + half_w).max()) - left, float((y + half_h).max()) - top)


def _dragged(press: QPoint, release: QPoint) -> bool:
    """True if the mouse moved far enough between press and release to be a pan, not a click."""
    return (release - press).manhattanLength() > QApplication.startDragDistance()


def _next_y(bends: list[Point] | None, target: Point) -> float:
    return bends[0][1] if bends else target[1]


def _prev_y(bends: list[Point] | None, source: Point) -> float:
    return bends[-1][1] if bends else source[1]
