"""A graph's cards by node id, each made the first time it is needed.

A small graph's cards are all made while its scene is built. A big graph (one drawn as
``CardBlocks`` at overview) opens with none: its cards are made as they come into view
zoomed in, or when something asks for one by id (a click, a search hit, the stepper).
Making all 100k cards of a large model up front took about 3 s and most of a GB, for cards
nobody could see at the overview zoom such a graph opens at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsScene

from gradviz.ui.node_item import CardMetrics, NodeItem
from gradviz.ui.scene_prep import PreparedScene

Setup = Callable[[NodeItem], None]
"""Brings a card made late up to the view's state (hidden, selected, colours, badges)."""


class CardPool(Mapping[str, NodeItem]):
    """Every card of ``prepared``'s graph, in ``layout.positions`` order; a card is made
    (and added to ``scene``) on first access."""

    def __init__(
        self, prepared: PreparedScene | None, metrics: CardMetrics, scene: QGraphicsScene
    ) -> None:
        """``prepared`` None: no graph, no cards."""
        self._prepared = prepared
        self._metrics = metrics
        self._scene = scene
        self.order: list[str] = prepared.card_order if prepared else []
        self._index: dict[str, int] = prepared.card_index if prepared else {}
        self._made: dict[str, NodeItem] = {}
        self._unmade = np.ones(len(self.order), dtype=bool)
        self.setup: Setup | None = None

    def __getitem__(self, node: str) -> NodeItem:
        item = self._made.get(node)
        return item if item is not None else self.make(node)

    def __contains__(self, node: object) -> bool:
        return node in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self.order)

    def __len__(self) -> int:
        return len(self.order)

    @property
    def kinds(self) -> list[str | None]:
        """Each card's kind, in ``order``."""
        return self._prepared.card_kinds if self._prepared else []

    def made(self) -> dict[str, NodeItem]:
        """The cards made so far (all of them for a small graph), by node id."""
        return self._made

    def make(self, node: str) -> NodeItem:
        """Make ``node``'s card and add it to the scene (KeyError for a node not in the graph)."""
        prep = self._prepared
        i = self._index[node]
        item = NodeItem(
            node,
            prep.graph.nodes[node],
            prep.texts[node],
            prep.sizes[node],
            self._metrics,
            prep.nonfinite.get(node),
        )
        item.setPos(*prep.layout.positions[node])
        if self.setup is not None:
            self.setup(item)
        self._scene.addItem(item)
        self._made[node] = item
        self._unmade[i] = False
        return item

    def containers(self) -> list[dict | list]:
        """The big dicts and lists of this pool and its prepared scene, for ``SlowRelease``
        once the pool is off screen (the graph itself is not among them: it may live on)."""
        prep = self._prepared
        if prep is None:
            return []
        layout, geometry = prep.layout, prep.edge_geometry
        parts = [self._index, self._made, self.order, prep.texts, prep.sizes, prep.nonfinite]
        parts += [prep.routes, prep.edge_nonfinite, prep.card_kinds]
        parts += [layout.positions, layout.edge_points, layout.layer_of]
        if geometry is not None:
            parts += [geometry.keys, geometry.index, geometry.points]
        return parts

    def card_rect(self, node: str) -> QRectF:
        """The card's rectangle in scene coordinates, made or not."""
        x, y, w, h = self._prepared.card_boxes[self._index[node]].tolist()
        return QRectF(x - w / 2, y - h / 2, w, h)

    def make_within(self, rect: QRectF) -> None:
        """Make every card that meets ``rect`` (scene coordinates) and is not made yet."""
        if not self._unmade.any():
            return
        x, y, w, h = self._prepared.card_boxes.T
        meets = (
            self._unmade
            & (x + w / 2 >= rect.left())
            & (x - w / 2 <= rect.right())
            & (y + h / 2 >= rect.top())
            & (y - h / 2 <= rect.bottom())
        )
        order = self.order
        for i in np.flatnonzero(meets).tolist():
            self.make(order[i])
