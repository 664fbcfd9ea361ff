"""Turns a ``PreparedScene`` into a new QGraphicsScene, all at once or a time slice at a time.

The scene is built beside the one on screen and only handed to the view when complete, so a
cancelled or superseded build leaves the previous graph untouched. For slices, the scene's
rect and BSP depth are fixed up front and each slice's items are indexed as they are added:
otherwise the whole index would be (re)built in one go at the first paint.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF
from PySide6.QtWidgets import QGraphicsScene

from gradviz.ui import palette
from gradviz.ui.card_blocks import MIN_CARDS, CardBlocks, Groups, add_to_groups, block_rects
from gradviz.ui.card_pool import CardPool
from gradviz.ui.edge_batch import EdgeBatch
from gradviz.ui.edge_item import EdgeItem
from gradviz.ui.node_item import CardMetrics
from gradviz.ui.scene_prep import PreparedScene
from gradviz.ui.slow_release import InSlices

SLICE_SECONDS = 0.025
"""GUI time per slice of building or disposing: well under the 100 ms that feels like a freeze."""
DISPOSE_AT_ONCE_ITEMS = 5000
_CLOCK_EVERY = 64
"""Items made or removed between looks at the clock."""
_BLOCKS_AT_ONCE = 8192
"""Blocks made between looks at the clock (about 15 ms)."""


class _NoActivation(QObject):
    """Swallows a scene's WindowActivate/WindowDeactivate: on each, QGraphicsScene sends an
    event to every top-level item (0.06 s at 20k items, in setScene and on every change of
    window focus). No graph item uses activation: they take no focus and are no panels."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        return event.type() in _ACTIVATION


_ACTIVATION = (QEvent.Type.WindowActivate, QEvent.Type.WindowDeactivate)


def new_scene(parent: QObject | None = None) -> QGraphicsScene:
    """An empty graph scene: BSP-indexed, deaf to window activation."""
    scene = QGraphicsScene(parent)
    scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
    scene.installEventFilter(_NoActivation(scene))
    return scene


class SceneBuild:
    """A scene under construction: edges first, then cards (or, for a big graph, the
    blocks that stand for them at overview), until ``done``."""

    def __init__(self, prepared: PreparedScene, metrics: CardMetrics) -> None:
        self.prepared = prepared
        self.scene = new_scene()
        self.nodes = CardPool(prepared, metrics, self.scene)
        self.edges: dict[tuple[str, str], EdgeItem] = {}
        self.batch: EdgeBatch | None = None
        self.blocks: CardBlocks | None = None
        """For graphs over MIN_CARDS cards: all cards as one item. Such a graph opens at
        overview zoom with no cards made; the view makes them as they come into view."""
        self.bounds = QRectF()
        self._total = len(self.nodes)
        self._lazy = self._total > MIN_CARDS
        self._pending = iter(() if self._lazy else self.nodes.order)
        self._block_rects: list[QRectF] = []  # made a slice at a time, like the cards
        self._groups: Groups = {}
        self._edges_done = False
        self.done = False

    @property
    def fraction(self) -> float:
        made = len(self._block_rects) if self._lazy else len(self.nodes.made())
        return made / max(self._total, 1)

    def run(self, seconds: float | None = None) -> bool:
        """Build for about ``seconds`` (None: to the end); True once the scene is complete."""
        deadline = None if seconds is None else time.perf_counter() + seconds
        if not self._edges_done:
            self._add_edges()
            if deadline is not None:
                return False
        if self._lazy:
            self._add_blocks(deadline)
        else:
            make = self.nodes.make
            for made, node in enumerate(self._pending, 1):
                make(node)
                if deadline and made % _CLOCK_EVERY == 0 and time.perf_counter() > deadline:
                    break
            if deadline is not None:
                self.scene.items(QRectF(0, 0, 1, 1))  # index this slice's items now, not later
        self.done = self.fraction >= 1.0
        if self.done and self._lazy:
            self.blocks = CardBlocks(
                self.prepared.card_boxes, self._block_rects, self._groups, self.prepared.kind_argb()
            )
            self.scene.addItem(self.blocks)
        return self.done

    def _add_blocks(self, deadline: float | None) -> None:
        boxes, rects, kinds = self.prepared.card_boxes, self._block_rects, self.nodes.kinds
        while len(rects) < self._total:
            start, end = len(rects), len(rects) + _BLOCKS_AT_ONCE
            new = block_rects(boxes[start:end])
            add_to_groups(self._groups, new, [palette.kind_color(k) for k in kinds[start:end]])
            rects += new
            if deadline and time.perf_counter() > deadline:
                break

    def _add_edges(self) -> None:
        prep, add = self.prepared, self.scene.addItem
        if prep.edge_geometry is not None:
            self.batch = EdgeBatch(prep.edge_geometry)
            self.batch.setZValue(-1.0)
            add(self.batch)
            edge_bounds = self.batch.boundingRect()
        else:
            edge_bounds = QRectF()
            for ((u, v), points), flag in zip(
                prep.routes.items(), prep.edge_nonfinite, strict=True
            ):
                item = EdgeItem(u, v, points, flag)
                item.setZValue(-1.0)
                add(item)
                self.edges[u, v] = item
                edge_bounds |= item.boundingRect()
        left, top, right, bottom = prep.cards_bounds
        self.bounds = QRectF(QPointF(left, top), QPointF(right, bottom)) | edge_bounds
        self.scene.setSceneRect(self.bounds)
        # A big graph's cards are made a view at a time, and its edge batch and blocks span
        # the scene: filed in every leaf of a tree sized for all its cards (2^18 leaves for
        # 160k), they took 50-75 ms of the first paint.
        cards = MIN_CARDS if self._lazy else self._total
        self.scene.setBspTreeDepth(_bsp_depth(cards + len(self.edges) + 1))
        self._edges_done = True


def _bsp_depth(items: int) -> int:
    """Qt's own choice for this many items: fixed now, so adding items never regrows it."""
    return max(math.ceil(math.log2(max(items, 2))), 5)


class SceneDisposal(InSlices):
    """Empties a scene that is no longer shown a time slice at a time, then deletes it.

    Dropping 100k items at once takes most of a second; spread out, the window keeps
    painting. The scene must already be off screen.
    """

    def __init__(self, scene: QGraphicsScene, parent: QObject) -> None:
        super().__init__(parent)
        self._scene = scene
        scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)  # no index upkeep
        self._items = scene.items()

    def slice_seconds(self) -> float:
        return SLICE_SECONDS

    def _chunk(self) -> bool:
        items, remove = self._items, self._scene.removeItem
        for item in items[-_CLOCK_EVERY:]:
            remove(item)
        del items[-_CLOCK_EVERY:]
        return not items

    def _finish(self) -> None:
        self._scene.deleteLater()


def dispose(scene: QGraphicsScene, parent: QObject) -> None:
    """Delete ``scene``: at once when small, else in slices (``SceneDisposal``)."""
    if len(scene.items()) <= DISPOSE_AT_ONCE_ITEMS:
        scene.clear()
        scene.deleteLater()
    else:
        SceneDisposal(scene, parent)
