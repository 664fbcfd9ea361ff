"""Everything a graph's scene needs that is not a QGraphicsItem: card texts, sizes, layout,
edge routes.

Kept apart from the view so a large graph can be prepared on a worker thread while the
window keeps painting the previous one: nothing here touches a widget or the scene.
Measuring text off the GUI thread is fine (QFont and QFontMetricsF are reentrant, and font
rendering outside the GUI thread is supported since Qt 5), as long as each thread measures
with its own ``CardMetrics``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain

import networkx as nx
import numpy as np

from gradviz.core.layout import Layout, layered_layout
from gradviz.ui import palette
from gradviz.ui.edge_batch import EdgeGeometry
from gradviz.ui.edge_item import ARROW_LENGTH, Point
from gradviz.ui.node_item import CardMetrics, CardText, card_texts, nonfinite_flags

PORT_STEP = 8.0
FOLD_ASPECT = 1.5
"""The width / height a long, flat graph's layout is folded towards: about a window's."""
WRAP_MARGIN = 24.0
"""How far past a band's end an edge wrapping into the next band turns down."""
EDGE_ITEMS_MAX = 200
"""Up to this many edges, each is its own ``EdgeItem``; more are drawn by one ``EdgeBatch``,
which builds in a fraction of the time and repaints only the parts of edges in view."""

Progress = Callable[[float], None]
"""Called with the fraction done (0..1) between steps."""


class Cancelled(Exception):
    """The preparation was asked to stop; nothing it made is used."""


@dataclass
class PreparedScene:
    graph: nx.DiGraph
    layout: Layout
    texts: dict[str, CardText]
    sizes: dict[str, tuple[float, float]]
    nonfinite: dict[str, bool]
    routes: dict[tuple[str, str], list[Point]]
    edge_nonfinite: list[bool]
    edge_geometry: EdgeGeometry | None
    """The ``EdgeBatch`` arrays, for graphs with more than EDGE_ITEMS_MAX edges."""
    card_boxes: np.ndarray
    """Centre x, centre y, width, height of every card, in ``layout.positions`` order."""
    card_kinds: list[str | None]
    """Each card's kind, in the same order: for the minimap's colours."""
    card_order: list[str]
    """The nodes in ``layout.positions`` order."""
    card_index: dict[str, int]
    """Each node's place in ``card_order``: made on the worker, as it took the GUI thread
    0.1 s for 160k cards."""
    kind_names: list[str | None]
    kind_codes: np.ndarray
    """Each card's kind as an index into ``kind_names``: colours for 160k cards in one
    lookup (``kind_argb``), where a loop over ``card_kinds`` took 10-30 ms."""

    def kind_argb(self) -> np.ndarray:
        """Each card's kind colour, in the current theme, as ARGB."""
        lut = [palette.kind_color(kind).rgba() for kind in self.kind_names]
        return np.array(lut, dtype=np.uint32)[self.kind_codes]

    @property
    def cards_bounds(self) -> tuple[float, float, float, float]:
        """Left, top, right, bottom of all cards (with 2 units for the selection outline)."""
        x, y, w, h = self.card_boxes.T
        half_w, half_h = w / 2 + 2, h / 2 + 2
        return (
            float((x - half_w).min()),
            float((y - half_h).min()),
            float((x + half_w).max()),
            float((y + half_h).max()),
        )


def prepare_scene(
    graph: nx.DiGraph,
    metrics: CardMetrics,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> PreparedScene:
    """Card texts, sizes, layout and edge routes of a non-empty ``graph``.

    ``cancelled`` is polled between steps; when it returns True, ``Cancelled`` is raised.
    """

    def step(fraction: float) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled
        if progress is not None:
            progress(fraction)

    step(0.0)
    texts, nonfinite = card_texts(graph)
    step(0.3)
    sizes = {node: size for node, size in zip(texts, metrics.sizes(texts.values()), strict=True)}
    step(0.45)
    layout = layered_layout(graph, sizes, fold_aspect=FOLD_ASPECT)
    step(0.75)
    routes = edge_routes(graph, layout, sizes)
    step(0.9)
    bad = _edge_nonfinite(graph, nonfinite)
    geometry = EdgeGeometry(routes, bad) if len(routes) > EDGE_ITEMS_MAX else None
    positions = layout.positions
    boxes = np.fromiter(
        chain.from_iterable((*xy, *sizes[n]) for n, xy in positions.items()),
        dtype=np.float64,
        count=4 * len(positions),
    )
    kind_of = dict(graph.nodes(data="kind"))
    order = list(positions)
    index = {node: i for i, node in enumerate(order)}
    kinds = [kind_of[n] for n in order]
    names = list(dict.fromkeys(kinds))
    code_of = {kind: code for code, kind in enumerate(names)}
    codes = np.fromiter(map(code_of.__getitem__, kinds), dtype=np.int64, count=len(kinds))
    step(1.0)
    return PreparedScene(
        graph, layout, texts, sizes, nonfinite, routes, bad, geometry, boxes.reshape(-1, 4),
        kinds, order, index, names, codes,
    )  # fmt: skip


def edge_routes(
    graph: nx.DiGraph, layout: Layout, sizes: dict
) -> dict[tuple[str, str], list[Point]]:
    """Start port, level runs across columns, and arrow tip of every edge.

    A layer's column is as wide as its widest card, and only the gaps between columns
    are free of cards everywhere; so an edge runs level across every column it touches
    (its producer's, one per bend point, its consumer's) and climbs only in the gaps.
    Edge ends are spread along a card's side in the order of where they come from, so
    several edges into one card arrive side by side instead of on one point. In a folded
    layout, an edge from a band's last layer to the next band's first runs past the band's
    end, back along the space between the bands, and into the next band from its left.
    """
    pos, bends, layer_of = layout.positions, layout.edge_points, layout.layer_of
    wraps = _wraps(layout)
    half_column: dict[int, float] = {}
    for node, layer in layer_of.items():
        half_column[layer] = max(half_column.get(layer, 0.0), sizes[node][0] / 2)
    start_dy: dict[tuple[str, str], float] = {}
    end_dy: dict[tuple[str, str], float] = {}
    predecessors = nx.reverse_view(graph).adjacency()  # plain dicts, no view made per node
    for (node, succ), (_, pred) in zip(graph.adjacency(), predecessors, strict=True):
        height = sizes[node][1]
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
                    points += wraps.get(layer, ())
                    half = half_column[layer]
                    points += [(bx - half, by), (bx + half, by)]
            points += wraps.get(layer_of[v], ())
            column_left = vx - half_column[layer_of[v]]
            if column_left < tip[0] - ARROW_LENGTH:  # else the arrow itself reaches the gap
                points.append((column_left, tip[1]))
            points.append(tip)
            routes[key] = points
    return routes


def _edge_nonfinite(graph: nx.DiGraph, node_nonfinite: dict[str, bool]) -> list[bool]:
    """Whether each edge's gradient (in ``graph.edges`` order) holds NaN or inf.

    An edge mostly carries the very tensor that is its producer's gradient, already
    checked for the card: that answer is reused, and only the other gradients are checked.
    """
    known = {
        id(attrs["grad"]): node_nonfinite[node]
        for node, attrs in graph.nodes(data=True)
        if attrs.get("grad") is not None
    }  # every node's gradient is alive, so no two of them share an id
    grads = [attrs.get("grad") for _, targets in graph.adjacency() for attrs in targets.values()]
    flags = [False if grad is None else known.get(id(grad)) for grad in grads]
    unknown = [i for i, flag in enumerate(flags) if flag is None]
    checked = nonfinite_flags([grads[i] for i in unknown])
    for i, flag in zip(unknown, checked, strict=True):
        flags[i] = flag
    return flags


def _wraps(layout: Layout) -> dict[int, list[Point]]:
    """For the first layer of every band but the first: the corners of an edge that wraps
    into it, past the end of the band above and back along the space between the two."""
    wraps = {}
    for above, band in zip(layout.bands, layout.bands[1:], strict=False):
        middle = (above.bottom + band.top) / 2
        wraps[band.first_layer] = [
            (above.right + WRAP_MARGIN, middle),
            (band.left - WRAP_MARGIN, middle),
        ]
    return wraps


def _spread(count: int, height: float) -> list[float]:
    """Vertical offsets for ``count`` edge ends on a card side, centred and evenly spaced."""
    if count <= 1:
        return [0.0] * count
    step = min(PORT_STEP, (height - 16.0) / (count - 1))
    return [(i - (count - 1) / 2) * step for i in range(count)]


def _next_y(bends: list[Point] | None, target: Point) -> float:
    return bends[0][1] if bends else target[1]


def _prev_y(bends: list[Point] | None, source: Point) -> float:
    return bends[-1][1] if bends else source[1]
