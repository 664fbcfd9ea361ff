"""The graph view: an autograd graph as cards and curves you can zoom, pan and click.

``set_graph`` prepares the scene (card texts and sizes, the Qt-free layered layout, edge
routes: ``scene_prep``), builds it beside the one on screen (``scene_build``) and only then
swaps it in, so a failure leaves the previous graph on screen. ``load_graph`` does the same
without freezing the window: large graphs are prepared on a worker (``graph_loader``) and
built in time slices, with progress and cancel. Tooltips are built when asked for, not per
item up front. Search matches are outlined in ``drawForeground``; a ``Minimap`` overlays
large graphs.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from enum import Enum
from pathlib import Path

import networkx as nx
import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsView,
    QToolTip,
    QWidget,
)

from gradviz.core.formatting import LogScale, grad_magnitude
from gradviz.core.gradcheck import GradCheck
from gradviz.core.layout import Layout
from gradviz.core.trace import gc_paused
from gradviz.ui import palette
from gradviz.ui.card_blocks import CardBlocks
from gradviz.ui.card_pool import CardPool
from gradviz.ui.check_badge import check_tooltip
from gradviz.ui.edge_batch import BatchedEdge, EdgeBatch
from gradviz.ui.edge_item import EdgeItem, edge_tooltip
from gradviz.ui.graph_export import export_scene
from gradviz.ui.graph_loader import GraphLoader
from gradviz.ui.legend import GraphLegend
from gradviz.ui.minimap import Minimap
from gradviz.ui.node_item import (
    BOX_MIN_SCALE,
    TEXT_MIN_SCALE,
    CardMetrics,
    Detail,
    NodeItem,
    detail_for,
    node_tooltip,
)
from gradviz.ui.scene_build import SLICE_SECONDS, SceneBuild, dispose, new_scene
from gradviz.ui.scene_prep import PreparedScene, prepare_scene
from gradviz.ui.slow_release import SlowRelease

EMPTY_MESSAGE = "Type a program and press Ctrl+Enter"
EDGES_AFTER_MS = 40
"""How long after a big graph's blocks are first shown its edges are (see _stagger_edges)."""
MIN_SCALE = 0.01
MAX_SCALE = 4.0
FIT_MAX_SCALE = 1.25
"""Fitting a tiny graph stops here: huge cards look broken, not helpful."""
FIT_MARGIN = 16
READABLE_SCALE = 0.75
"""Fitting a newly loaded small graph stops here, so its cards open with their text; the user
pans to the rest. Well above TEXT_MIN_SCALE, where text is drawn but too small to read: at
0.5 a grouped 10-block MLP opened with 6 px text."""
READABLE_MAX_CARDS = 80
"""Graphs with more cards open as an overview: their shape matters more than any one card."""
SELECT_MARGIN = 40
"""Room ``select_node`` leaves around a card it scrolls to, so it is not flush with the edge."""
WHEEL_STEP = 1.0015
"""Zoom factor per unit of wheel angle: one 120-unit notch zooms by about 20%."""
KEY_ZOOM = 1.25
LEGEND_INSET = 8
CENTER_ON_SCALE = 1.0
"""``center_on`` zooms in to this from an overview, so the card found can be read."""
MATCH_COLOR = QColor(216, 27, 96)
"""Search matches: magenta, unlike every card colour (kinds, viridis) and the selection."""
MATCH_MIN_PX = 14.0
MINIMAP_MIN_CARDS = 300
"""Smaller graphs fit readably enough on their own; bigger ones get a minimap."""
MINIMAP_INSET = 8
BACKGROUND_NODES = 2000
"""``load_graph`` prepares bigger graphs on a worker and builds their scene in slices."""
PREPARE_SHARE = 0.5
"""The part of the progress bar for the worker's preparation; the scene build has the rest."""


class FitMode(Enum):
    """What the view keeps fitting when the viewport resizes."""

    OFF = 0
    """The user zoomed or panned: leave the view where they put it."""
    ALL = 1
    """Everything (F or the Fit button), however small the cards get."""
    READABLE = 2
    """A new graph: everything, unless a small graph's text would become unreadable."""


class GraphView(QGraphicsView):
    """Shows one traced graph (``graph``); emits ``node_selected(node_id)`` on a click.

    Wheel zooms around the cursor, dragging pans, ``F`` fits. ``select_node`` selects
    without emitting, so a controller can mirror a selection made elsewhere.
    """

    node_selected = Signal(str)
    node_activated = Signal(str)  # a double-click on a card
    selection_cleared = Signal()
    graph_loaded = Signal(object)  # the nx.DiGraph now on screen, or None
    loading_changed = Signal(bool)  # True while load_graph works on a large graph
    loading_progress = Signal(int)  # percent of that work done
    load_failed = Signal(object)  # the exception; the previous graph stays

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphView")
        self.graph: nx.DiGraph | None = None
        self.graph_layout: Layout | None = None
        self._scene = new_scene(self)
        self.setScene(self._scene)
        self._metrics = CardMetrics(self.font())
        self._nodes = CardPool(None, self._metrics, self._scene)
        self._edges: dict[tuple[str, str], EdgeItem] = {}
        self._batch: EdgeBatch | None = None
        self._blocks: CardBlocks | None = None
        self._blocks_shown = False
        # State a card made later must show (see _setup_card):
        self._waiting: Collection[str] = ()
        self._checks: Mapping[str, GradCheck] = {}
        self._colors: dict[str, QColor] | None = None  # by |grad|; None: by kind
        self._minimap_wanted = False  # a graph big enough for one; shown when useful
        self._bounds = QRectF()
        self._selected: str | None = None
        self._step_current: str | None = None
        self._color_by_grad = False
        self._grad_scale: LogScale | None = None
        self._fit_mode = FitMode.READABLE
        self._press_pos: QPoint | None = None
        self._legend = GraphLegend(self)
        self._legend.hide()
        self._matches: list[str] = []
        self._current_match: str | None = None
        self._kinds: set[str | None] = set()
        self._any_nonfinite = False
        self._minimap = Minimap(self._shown_rect, self.pan_to, self)
        self._loading = False
        self._loader = GraphLoader(self)
        self._loader.progress.connect(self._on_prepare_progress)
        self._loader.prepared.connect(self._on_prepared)
        self._loader.failed.connect(self._on_prepare_failed)
        self._build: SceneBuild | None = None
        self._build_timer = QTimer(self, interval=0)
        self._build_timer.timeout.connect(self._build_slice)

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
        """Lay out and draw ``graph`` (None or empty shows the empty-state hint), then fit.

        Synchronous, whatever the size: ``load_graph`` is the one that keeps the window
        responsive. Cancels a load in flight.
        """
        self._abandon_load()
        if graph is None or graph.number_of_nodes() == 0:
            self._replace_scene(None, graph)
            return
        with gc_paused():
            prepared = prepare_scene(graph, self._metrics)
            self._replace_scene(SceneBuild(prepared, self._metrics))

    def load_graph(self, graph: nx.DiGraph | None) -> None:
        """Show ``graph`` without freezing the window: a graph over BACKGROUND_NODES cards is
        prepared on a worker and its scene built in time slices, reporting progress.

        The previous graph stays on screen (and usable) until the new one is complete;
        ``cancel_loading`` or a newer graph abandons it. ``graph_loaded`` says when it is shown.
        """
        if graph is None or graph.number_of_nodes() <= BACKGROUND_NODES:
            self.set_graph(graph)
            return
        self._abandon_load()
        self._loading = True
        self._loader.start(graph, self.font())
        self.loading_progress.emit(0)
        self.loading_changed.emit(True)

    def is_loading(self) -> bool:
        return self._loading

    def cancel_loading(self) -> None:
        """Stop loading the graph in flight (if any); the graph on screen stays."""
        self._abandon_load()

    def shutdown(self) -> None:
        """Stop loading and wait for the worker (it stops at its next step)."""
        self._abandon_load()
        self._loader.wait()

    def _abandon_load(self) -> None:
        self._loader.cancel()
        self._build_timer.stop()
        if self._build is not None:  # a half-built scene of 100k items is slow to drop too
            dispose(self._build.scene, self)
            self._build = None
        if self._loading:
            self._loading = False
            self.loading_changed.emit(False)

    @Slot(float)
    def _on_prepare_progress(self, fraction: float) -> None:
        self.loading_progress.emit(round(PREPARE_SHARE * 100 * fraction))

    @Slot(object)
    def _on_prepared(self, prepared: PreparedScene) -> None:
        self._build = SceneBuild(prepared, self._metrics)
        self._build_timer.start()

    @Slot(object)
    def _on_prepare_failed(self, exc: Exception) -> None:
        self._abandon_load()
        self.load_failed.emit(exc)

    @Slot()
    def _build_slice(self) -> None:
        build = self._build
        if build is None:
            return
        if build.done:  # in a turn of its own: the swap is followed by the first paint
            self._build_timer.stop()
            self._build = None
            self._loading = False
            self._replace_scene(build)
            self._stagger_edges()
            self.loading_changed.emit(False)
            return
        try:
            with gc_paused():
                build.run(SLICE_SECONDS)
        except Exception as exc:  # a drawing bug must not leave a half-built graph behind
            self._abandon_load()
            self.load_failed.emit(exc)
            return
        share = PREPARE_SHARE + (1 - PREPARE_SHARE) * build.fraction
        self.loading_progress.emit(round(100 * share))

    def _stagger_edges(self) -> None:
        """A big graph's edges are first drawn a moment after its blocks: drawn in the same
        turn as the swap, the three took 0.1 s of the GUI thread together at 160k cards."""
        batch = self._batch
        if batch is None or self._blocks is None:
            return
        batch.hide()
        QTimer.singleShot(EDGES_AFTER_MS, self, lambda: batch is self._batch and batch.show())

    def _replace_scene(self, build: SceneBuild | None, graph: nx.DiGraph | None = None) -> None:
        """Show a complete built scene (None: the empty state) and drop the previous one."""
        if build is not None:
            build.run()  # completes a build that was not run in slices
        old = self._scene
        self._scene = build.scene if build is not None else new_scene(self)
        if build is not None:
            self._scene.setParent(self)
        self.setScene(self._scene)
        dispose(old, self)
        if self._blocks is not None:  # a big graph's leftovers: freed in slices
            blocks = self._blocks.containers() if self._blocks is not None else []
            SlowRelease(self._nodes.containers() + blocks, self)
        self._nodes = build.nodes if build else CardPool(None, self._metrics, self._scene)
        self._nodes.setup = self._setup_card
        self._edges = build.edges if build is not None else {}
        self._batch = build.batch if build is not None else None
        self._blocks = build.blocks if build is not None else None
        self._blocks_shown = self._blocks is not None
        self._selected = None
        self._step_current = None
        self._waiting, self._checks, self._colors = (), {}, None
        self._grad_scale = None
        self._matches, self._current_match = [], None
        if build is None:
            self.graph, self.graph_layout = graph, None
            self._bounds = QRectF()
            self._legend.hide()
            self._minimap_wanted = False
            self._minimap.hide()
            self.setSceneRect(QRectF())
            self.viewport().update()
            self.graph_loaded.emit(graph)
            return
        self.graph, self.graph_layout = build.prepared.graph, build.prepared.layout
        self._bounds = build.bounds
        # For the legend, from the prepared lists: a loop over 100k items costs ~0.25 s.
        self._kinds = set(build.prepared.card_kinds)
        self._any_nonfinite = any(build.prepared.nonfinite.values())
        self._update_minimap(build.prepared)
        if self._color_by_grad:
            self._apply_colors()
        self._update_legend()
        self._fit_mode = FitMode.READABLE
        self._refit()
        self.graph_loaded.emit(self.graph)

    def export_image(self, path: str | os.PathLike[str]) -> Path:
        """Write the whole graph, every card in full, as PNG or SVG (see ``export_scene``).

        A big graph's cards are made first and its overview blocks hidden meanwhile: the
        image shows the graph, not what happens to be on screen.
        """
        for node in self._nodes:
            self._nodes[node]  # made if not yet
        blocks = self._blocks_shown
        self._show_blocks(False)
        try:
            return export_scene(self._scene, path)
        finally:
            self._show_blocks(blocks)

    # -- queries (also used by tests) -----------------------------------------------------

    def node_item(self, node_id: str) -> NodeItem:
        """The node's card, made now if it was not yet (see ``CardPool``)."""
        return self._nodes[node_id]

    def edge_item(self, source: str, target: str) -> EdgeItem | BatchedEdge:
        """The edge's item, or for a large graph its handle in the batch (same queries)."""
        if self._batch is not None:
            return BatchedEdge(self._batch, self._batch.index[source, target])
        return self._edges[source, target]

    def card_rect(self, node_id: str) -> QRectF:
        """The node's card in scene coordinates, whether or not the card is made yet."""
        return self._nodes.card_rect(node_id)

    def node_items(self) -> list[NodeItem]:
        """The cards made so far: all of a small graph's, those seen of a big one's."""
        return list(self._nodes.made().values())

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
            item = self._nodes.made().get(selected)
            if item is not None:
                item.set_selected(on)
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
        made = self._nodes.made()
        for node in (self._step_current, current):
            if node in made:
                made[node].set_step_current(node == current)
        self._step_current = current
        self._waiting = waiting
        for node, item in made.items():
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
        self._checks = checks = checks or {}
        for node, item in self._nodes.made().items():
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
        made = self._nodes.made()
        if not self._color_by_grad:
            self._colors = None
            for item in made.values():
                item.set_header_color(palette.kind_color(item.kind))
            if self._blocks is not None:
                self._blocks.set_colors([palette.kind_color(k) for k in self._nodes.kinds])
            return
        magnitudes = {n: grad_magnitude(a.get("grad")) for n, a in self.graph.nodes(data=True)}
        self._grad_scale = scale = LogScale.fit(magnitudes.values())
        self._colors = {
            n: palette.NO_GRAD if not m else palette.viridis(scale(m))
            for n, m in magnitudes.items()
        }
        for node, item in made.items():
            item.set_header_color(self._colors[node])
        if self._blocks is not None:
            self._blocks.set_colors([self._colors[n] for n in self._nodes.order])

    def _setup_card(self, item: NodeItem) -> None:
        """Give a card made after the scene was shown the state the others have."""
        node = item.node_id
        item.setVisible(not self._blocks_shown)
        item.set_selected(node == self._selected)
        item.set_step_current(node == self._step_current)
        item.set_grad_waiting(node in self._waiting)
        item.set_check(self._checks.get(node))
        if self._colors is not None:
            item.set_header_color(self._colors[node])

    def _update_legend(self) -> None:
        nonfinite = self._any_nonfinite
        if self._color_by_grad and self._grad_scale is not None:
            self._legend.show_grad_scale(self._grad_scale, nonfinite)
        else:
            self._legend.show_kinds(nonfinite, self._kinds)
        self._legend.show()
        self._place_legend()

    def _place_legend(self) -> None:
        corner = self.viewport().geometry().bottomLeft()
        self._legend.move(
            corner.x() + LEGEND_INSET, corner.y() - self._legend.height() - LEGEND_INSET + 1
        )

    def _update_minimap(self, prepared: PreparedScene) -> None:
        self._minimap_wanted = len(prepared.card_kinds) >= MINIMAP_MIN_CARDS
        if self._minimap_wanted:
            self._minimap.set_cards(prepared.card_boxes, prepared.kind_argb(), self._bounds)
            self._place_minimap()
        self._sync_minimap()

    def _sync_minimap(self) -> None:
        """The minimap shows only while part of the graph is out of view: at overview it
        would repeat the view, and it would cover the graph's top-right corner."""
        wanted = self._minimap_wanted and not self._shown_rect().contains(self._bounds)
        if wanted != self._minimap.isVisible():
            self._minimap.setVisible(wanted)

    def _place_minimap(self) -> None:
        corner = self.viewport().geometry().topRight()
        x = corner.x() - self._minimap.width() - MINIMAP_INSET
        self._minimap.move(x, corner.y() + MINIMAP_INSET)

    def minimap(self) -> Minimap:
        return self._minimap

    def _shown_rect(self) -> QRectF:
        """The part of the scene in the viewport."""
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def pan_to(self, point: QPointF) -> None:
        """Centre the view on a scene point, keeping the zoom (the minimap's clicks)."""
        self._fit_mode = FitMode.OFF
        self.centerOn(point)

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 (Qt override)
        super().scrollContentsBy(dx, dy)
        self._make_shown_cards()
        self._sync_minimap()
        if self._minimap.isVisible():
            self._minimap.update()

    # -- search highlights ----------------------------------------------------------------

    def set_search_matches(self, nodes: list[str], current: str | None) -> None:
        """Outline ``nodes`` (search matches) and, more strongly, ``current``; [] clears."""
        self._matches = [node for node in nodes if node in self._nodes]
        self._current_match = current if current in self._nodes else None
        self.viewport().update()

    def search_matches(self) -> list[str]:
        return list(self._matches)

    def center_on(self, node_id: str) -> None:
        """Centre the view on a card, zooming in to where its text is drawn if need be."""
        card = self._nodes.card_rect(node_id)
        self._fit_mode = FitMode.OFF
        if self.zoom() < TEXT_MIN_SCALE:
            self._set_scale(CENTER_ON_SCALE)
        self.centerOn(card.center())

    def _draw_matches(self, painter: QPainter, rect: QRectF) -> None:
        """Outlines at least MATCH_MIN_PX across, so matches stand out at overview zoom."""
        if not self._matches:
            return
        painter.save()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        least = MATCH_MIN_PX / self.zoom()
        for node in self._matches:
            box = self._nodes.card_rect(node).adjusted(-5, -5, 5, 5)
            if box.width() < least or box.height() < least:
                grow_x, grow_y = max(least - box.width(), 0) / 2, max(least - box.height(), 0) / 2
                box.adjust(-grow_x, -grow_y, grow_x, grow_y)
            if not box.intersects(rect):
                continue
            current = node == self._current_match
            pen = QPen(palette.SELECTED if current else MATCH_COLOR, 4.0 if current else 2.5)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawRoundedRect(box, 6, 6)
        painter.restore()

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
            self._nodes.card_rect(node) for node, layer in layout.layer_of.items() if layer == last
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
        self._show_blocks(scale < BOX_MIN_SCALE)
        self._make_shown_cards()
        if self._batch is not None:
            size = self.viewport().size()
            self._batch.cache_for(scale, size.width() * size.height())
        self._update_scroll_area()
        self._sync_minimap()
        self._minimap.update()

    def _show_blocks(self, on: bool) -> None:
        """Below BOX_MIN_SCALE a big graph's cards are drawn as one item of blocks."""
        if self._blocks is None or on == self._blocks_shown:
            return
        self._blocks_shown = on
        self._blocks.setVisible(on)
        for item in self._nodes.made().values():
            item.setVisible(not on)

    def _make_shown_cards(self) -> None:
        """Make the cards in view that a big graph has not made yet (none at overview)."""
        if not self._blocks_shown:
            self._nodes.make_within(self._shown_rect())

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
        if card is None and self._blocks_shown and self._blocks is not None:
            at = self.mapToScene(pos)
            index = self._blocks.card_at(at.x(), at.y())
            card = None if index is None else self._nodes[self._nodes.order[index]]
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
            self._draw_matches(painter, rect)
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
        self._make_shown_cards()
        self._update_scroll_area()
        self._place_legend()
        self._place_minimap()
        self._refit()


def _dragged(press: QPoint, release: QPoint) -> bool:
    """True if the mouse moved far enough between press and release to be a pan, not a click."""
    return (release - press).manhattanLength() > QApplication.startDragDistance()
