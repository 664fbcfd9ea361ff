"""Layered (Sugiyama-style) layout of a DAG, for drawing autograd graphs without Graphviz.

Pure function of the graph: no Qt, only numpy, networkx and the standard library.
Four steps, each (near) linear, so 100k-node graphs lay out in about a second:

1. layering: every node as late as possible (inputs left, outputs in the last layer);
2. bend points (dummy nodes) split edges that span several layers, so they pass
   between the cards of the layers they cross;
3. ordering: a depth-first walk back from the outputs, then barycenter sweeps
   that keep only changes which remove crossings;
4. coordinates: x by layer (as wide as its widest card); y lines every chain of
   main inputs up, then pulls nodes towards their neighbours (side inputs such
   as parameters only weakly, so they give way), each layer solved as an
   isotonic regression so cards never overlap;
5. optionally, folding: a long, flat layout (a deep network is thousands of layers
   wide and a few cards tall) is cut into bands of consecutive layers stacked like
   lines of text, so the whole graph has a shape at overview zoom.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np

from gradviz.core._layering import (
    ProperGraph,
    count_inversions,
    depth_first_order,
    index_graph,
    insert_dummies,
    longest_path_lengths,
    reduce_crossings,
    simple_edges,
)
from gradviz.core.gil import GIL_CHUNK

Point = tuple[float, float]

# A bend point reserves a slot this tall, so the edge passes between cards.
_BEND_SLOT_HEIGHT = 6.0
# Red-black passes of the y-straightening; each is O(V + E) numpy work.
_STRAIGHTEN_PASSES = 8
# How hard segments pull (see _edge_pulls), relative to 1 between two cards: between
# two bend points, between a bend point and a card, and along a side input.
_PULL_LONG_EDGE = 8.0
_PULL_HALF_LONG = 0.5
_PULL_SIDE_INPUT = 1e-4
# Every node also pulls very weakly towards where it already is, which keeps
# nodes without any pull (isolated ones) where they are.
_INERTIA = 1e-9
# Rounds of pooling in the isotonic regression before evening out what is left.
_MAX_POOLING_ROUNDS = 64
# A folded layout keeps at least this many layers in a band, so graphs up to twice
# as deep are never folded (the textbook examples are a handful of layers).
_MIN_LAYERS_PER_BAND = 24
# How many layers a band's cut may move to where fewer edges wrap around.
_CUT_REACH = 8
# The space between two bands, in layer gaps: room for the edges that wrap around.
_BAND_GAP_IN_LAYER_GAPS = 2.0


@dataclass(frozen=True)
class Band:
    """Consecutive layers drawn as one row of a folded layout, and the box they fill."""

    first_layer: int
    last_layer: int
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Layout:
    """Where to draw a graph: card centres, bend points, layers and the overall size.

    Scene coordinates: x grows with the layer (inputs left, outputs right) and
    y grows downwards. `edge_points[(u, v)]` lists the interior bend points of
    an edge spanning more than one layer, from u to v, one per crossed layer;
    adjacent-layer edges have none. `width` and `height` bound every card and
    bend slot, with the top-left corner at (0, 0).

    A folded layout lists its `bands` from top to bottom; within a band x still
    grows with the layer, and an edge into the next band's first layer wraps
    around (the drawing routes it through the space between the bands). An
    unfolded layout has no bands.
    """

    positions: dict[Hashable, Point]
    edge_points: dict[tuple[Hashable, Hashable], list[Point]]
    layer_of: dict[Hashable, int]
    width: float
    height: float
    bands: tuple[Band, ...] = ()


def layered_layout(
    G: nx.DiGraph,
    sizes: Mapping[Hashable, tuple[float, float]] | None = None,
    *,
    default_size: tuple[float, float] = (150.0, 64.0),
    layer_gap: float = 70.0,
    node_gap: float = 18.0,
    sweeps: int = 4,
    fold_aspect: float | None = None,
) -> Layout:
    """Lay out a DAG whose edges point from producer to consumer.

    `sizes` maps nodes to card (width, height); others get `default_size`.
    `layer_gap` is the horizontal space between layers, `node_gap` the vertical
    space between cards (and bend slots) in a layer, and `sweeps` the number of
    crossing-reduction sweeps (0 keeps the depth-first order). With
    `fold_aspect` (width / height, e.g. the window's), a layout much wider than
    that is folded into bands so that its overall shape comes close to it;
    graphs under 2 * _MIN_LAYERS_PER_BAND layers deep are never folded.
    Raises ValueError if G has a cycle.
    """
    if not G.is_directed():
        raise ValueError("layered_layout needs a directed graph (nx.DiGraph)")
    if min(layer_gap, node_gap, sweeps) < 0:
        raise ValueError("layer_gap, node_gap and sweeps must not be negative")
    if fold_aspect is not None and not fold_aspect > 0:
        raise ValueError("fold_aspect must be positive")
    nodes, edges = index_graph(G)
    if not nodes:
        return Layout({}, {}, {}, 0.0, 0.0)
    card_width, card_height = _card_sizes(nodes, sizes or {}, default_size)
    # As late as possible: the output(s) in the last layer, each input right before
    # its first consumer, so parameters do not stretch edges back to the first layer.
    to_sink = longest_path_lengths(len(nodes), edges[:, ::-1])
    if to_sink is None:
        cycle = [u for u, _ in nx.find_cycle(G)]
        cycle = " -> ".join(repr(u) for u in [*cycle, cycle[0]])
        raise ValueError(f"layered_layout needs an acyclic graph, but G has a cycle: {cycle}")
    layer = to_sink.max() - to_sink
    graph = insert_dummies(len(nodes), edges, layer)
    position = reduce_crossings(graph, depth_first_order(graph), sweeps)

    n_bends = graph.n_nodes - graph.n_real
    width = np.concatenate((card_width, np.zeros(n_bends)))
    height = np.concatenate((card_height, np.full(n_bends, _BEND_SLOT_HEIGHT)))
    left, layer_width = _layer_columns(graph.layer, width, layer_gap)
    x = (left + layer_width / 2)[graph.layer]
    side_input, main_input = _input_roles(len(nodes), edges)
    pull = _edge_pulls(graph, _side_branches(len(nodes), edges, side_input))
    y = _straightened_y(graph, position, height, node_gap, pull, _chain_starts(graph, main_input))
    y -= (y - height / 2).min()
    bands: tuple[Band, ...] = ()
    if fold_aspect is not None:
        gap = _BAND_GAP_IN_LAYER_GAPS * layer_gap
        crossing = np.bincount(graph.layer[graph.segments[:, 0]], minlength=left.size)
        bands, shift_x, shift_y = _fold(
            graph.layer, left, layer_width, crossing, y, height, fold_aspect, gap
        )
        x += shift_x[graph.layer]
        y += shift_y[graph.layer]
    total_width = max((b.right for b in bands), default=float(left[-1] + layer_width[-1]))

    xs, ys = x.tolist(), y.tolist()
    real = len(nodes)
    return Layout(
        # Comprehensions, not dict(zip()): on a worker, that holds the GIL for 160k nodes.
        positions={
            node: xy for node, xy in zip(nodes, zip(xs[:real], ys[:real]), strict=True)
        },
        edge_points=_bend_points(nodes, edges, graph, xs, ys),
        layer_of={node: k for node, k in zip(nodes, layer.tolist(), strict=True)},
        width=total_width,
        height=float((y + height / 2).max()),
        bands=bands,
    )


def count_crossings(G: nx.DiGraph, layout: Layout) -> int:
    """Number of pairs of edge segments that cross between adjacent layers.

    Each edge is followed through its bend points, so a long edge counts as one
    segment per layer gap. Only the y order matters, so a layout whose y values
    were shuffled within layers (an "unordered" baseline) is counted correctly.
    """
    rows = []
    for u, v in simple_edges(G):
        ys = [layout.positions[u][1]]
        ys += [p[1] for p in layout.edge_points.get((u, v), ())]
        ys.append(layout.positions[v][1])
        first = layout.layer_of[u]
        if len(ys) != layout.layer_of[v] - first + 1:
            raise ValueError(f"edge {u!r} -> {v!r} needs one bend point per layer it crosses")
        rows.extend((first + i, ys[i], ys[i + 1]) for i in range(len(ys) - 1))
    if not rows:
        return 0
    gap, tail_y, head_y = np.array(rows).T
    order = np.lexsort((head_y, tail_y, gap))
    # Dense rank of (gap, head_y): segments of different gaps never compare.
    _, head_rank = np.unique(np.column_stack((gap, head_y))[order], axis=0, return_inverse=True)
    return count_inversions(head_rank.ravel())


def _card_sizes(
    nodes: list, sizes: Mapping[Hashable, tuple[float, float]], default: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    if sizes:
        wh = np.empty((len(nodes), 2))
        for i in range(0, len(nodes), GIL_CHUNK):
            wh[i : i + GIL_CHUNK] = [sizes.get(node, default) for node in nodes[i : i + GIL_CHUNK]]
    else:
        wh = np.tile(np.asarray(default, dtype=float), (len(nodes), 1))
    if wh.shape != (len(nodes), 2) or (wh < 0).any() or not np.isfinite(wh).all():
        raise ValueError("card sizes must be (width, height) pairs, finite and not negative")
    return wh[:, 0], wh[:, 1]


def _layer_columns(
    layer: np.ndarray, width: np.ndarray, layer_gap: float
) -> tuple[np.ndarray, np.ndarray]:
    """Left edge and width of every layer's column.

    A layer is as wide as its widest card, so narrow layers stay narrow."""
    layer_width = np.zeros(layer.max() + 1)
    np.maximum.at(layer_width, layer, width)
    left = np.concatenate(([0.0], np.cumsum(layer_width + layer_gap)[:-1]))
    return left, layer_width


def _fold(
    layer: np.ndarray,
    left: np.ndarray,
    layer_width: np.ndarray,
    crossing: np.ndarray,
    y: np.ndarray,
    height: np.ndarray,
    aspect: float,
    band_gap: float,
) -> tuple[tuple[Band, ...], np.ndarray, np.ndarray]:
    """The bands a flat layout folds into, and how far each layer moves in x and y.

    No bands (and no move) if it is not flat enough. k bands of a W × H layout
    make a box of about W/k × k(H + gap), whose aspect is `aspect` for
    k = sqrt(W / (aspect (H + gap))). Layers are cut near where the columns'
    running width crosses a multiple of W/k, so bands are about equally wide and
    each keeps its left-to-right order; each band is as tall as what it holds.
    `crossing[l]` counts the segments from layer l to l + 1: each cut goes,
    among the nearby gaps, where the fewest edges have to wrap around.
    """
    n_layers = layer_width.size
    total_width = float(left[-1] + layer_width[-1])
    total_height = float((y + height / 2).max())
    wanted = round(np.sqrt(total_width / (aspect * (total_height + band_gap))))
    count = min(wanted, n_layers // _MIN_LAYERS_PER_BAND)
    if count < 2:
        return (), np.zeros(n_layers), np.zeros(n_layers)
    centre = left + layer_width / 2
    band_of_layer = np.minimum((centre * count / total_width).astype(np.int64), count - 1)
    first_layers = _cheapest_cuts(np.flatnonzero(np.diff(band_of_layer, prepend=-1)), crossing)
    last_layers = np.append(first_layers[1:], n_layers) - 1
    band_of_layer = np.repeat(np.arange(first_layers.size), last_layers - first_layers + 1)
    band = band_of_layer[layer]
    top = np.full(first_layers.size, np.inf)
    np.minimum.at(top, band, y - height / 2)
    bottom = np.full(first_layers.size, -np.inf)
    np.maximum.at(bottom, band, y + height / 2)
    folded_top = np.concatenate(([0.0], np.cumsum(bottom - top + band_gap)[:-1]))
    right = left[last_layers] + layer_width[last_layers] - left[first_layers]
    bands = tuple(
        Band(int(first), int(last), 0.0, float(new_top), float(r), float(new_top + b - t))
        for first, last, new_top, r, t, b in zip(
            first_layers, last_layers, folded_top, right, top, bottom, strict=True
        )
    )
    shift_x = -left[first_layers][band_of_layer]
    shift_y = (folded_top - top)[band_of_layer]
    return bands, shift_x, shift_y


def _cheapest_cuts(first_layers: np.ndarray, crossing: np.ndarray) -> np.ndarray:
    """Each band start but the first moved by up to a quarter band (at most
    _CUT_REACH layers) to the layer after the gap fewest segments cross; the
    nearest such layer on ties."""
    band_layers = np.diff(first_layers, append=crossing.size)
    reach = min(_CUT_REACH, int(band_layers.min()) // 4)
    offsets = np.arange(-reach, reach + 1)
    candidates = first_layers[1:, None] + offsets
    cost = crossing[candidates - 1] * (2 * reach + 1) + np.abs(offsets)
    best = candidates[np.arange(candidates.shape[0]), cost.argmin(axis=1)]
    return np.concatenate((first_layers[:1], best))


def _straightened_y(
    graph: ProperGraph,
    position: np.ndarray,
    height: np.ndarray,
    node_gap: float,
    pull: np.ndarray,
    chain_start: np.ndarray,
) -> np.ndarray:
    """y of every node: lined up with the start of its chain, then pulled towards its neighbours.

    The passes minimise sum(pull * dy**2) over the segments, keeping each layer's
    order and spacing. Each pass moves the odd layers with the even ones held
    still, then the reverse; with its neighbours fixed, the best y for a layer
    is a weighted isotonic regression, solved for all moving layers at once.
    So the passes lower the sum step by step, and cards can never overlap.
    The passes only spread information a layer at a time, far too slowly to
    level a long chain; so every node first wants the y of its chain's start.
    """
    # Work on nodes sorted by (layer, position): each layer is then a contiguous run.
    in_order = np.lexsort((position, graph.layer))
    rank = np.empty_like(in_order)
    rank[in_order] = np.arange(in_order.size)
    layer = graph.layer[in_order]
    offset, y = _packed_offsets(layer, height[in_order], node_gap)

    tails, heads = rank[graph.segments[:, 0]], rank[graph.segments[:, 1]]
    halves = []
    for parity in (1, 0):
        # Every segment joins an odd and an even layer: exactly one end moves.
        head_moves = layer[heads] % 2 == parity
        mover = np.where(head_moves, heads, tails)
        other = np.where(head_moves, tails, heads)
        moving = np.flatnonzero(layer % 2 == parity)
        slot = np.searchsorted(moving, mover)
        weight = np.bincount(slot, weights=pull, minlength=moving.size) + _INERTIA
        halves.append((moving, slot, other, weight))
    total_pull = np.bincount(tails, pull, layer.size) + np.bincount(heads, pull, layer.size)
    target = y[rank[chain_start[in_order]]] - offset
    y = _isotonic_by_layer(target, total_pull + _INERTIA, layer) + offset
    for _ in range(_STRAIGHTEN_PASSES):
        for moving, slot, other, weight in halves:
            pulled = np.bincount(slot, weights=pull * y[other], minlength=moving.size)
            target = (pulled + _INERTIA * y[moving]) / weight - offset[moving]
            y[moving] = _isotonic_by_layer(target, weight, layer[moving]) + offset[moving]
    return y[rank]


def _packed_offsets(
    layer: np.ndarray, height: np.ndarray, node_gap: float
) -> tuple[np.ndarray, np.ndarray]:
    """For nodes sorted by (layer, position): each one's offset from the first centre
    of its layer when packed tight, and a packed start with every layer centred on 0."""
    opens_layer = np.concatenate(([True], layer[1:] != layer[:-1]))
    space_above = np.where(opens_layer, 0.0, (height + np.roll(height, 1)) / 2 + node_gap)
    offset = np.cumsum(space_above)
    first = np.flatnonzero(opens_layer)
    offset -= offset[first][layer]
    last = np.append(first[1:], layer.size) - 1
    top = -height[first] / 2
    bottom = offset[last] + height[last] / 2
    return offset, offset - ((top + bottom) / 2)[layer]


def _input_roles(n: int, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which in-edges carry the main data flow into each node.

    A node's main inputs are the ones on its longest path from the sources:
    the data flowing through a network, as opposed to a parameter, a constant
    or a skip connection. Among equally deep inputs, a pendant source (a leaf
    used once, like a weight) counts as a side input if another one is used
    more widely (like the data x). Returns, per edge, whether it is a side
    input; and per node, its first main in-edge (-1 for a source).
    """
    from_source = longest_path_lengths(n, edges)
    degree = np.bincount(edges.ravel(), minlength=n)
    rank = 2 * from_source + (degree > 1)
    tail_rank = rank[edges[:, 0]]
    deepest = np.zeros(n, dtype=np.int64)
    np.maximum.at(deepest, edges[:, 1], tail_rank)
    side_input = tail_rank < deepest[edges[:, 1]]
    candidates = np.flatnonzero(~side_input)
    heads, first = np.unique(edges[candidates, 1], return_index=True)
    main_input = np.full(n, -1, dtype=np.int64)
    main_input[heads] = candidates[first]
    return side_input, main_input


def _side_branches(n: int, edges: np.ndarray, side_input: np.ndarray) -> np.ndarray:
    """Side inputs, plus the edges of any single-consumer chain that only feeds one
    (a weight and its transpose, W -> T -> addmm), so the whole branch gives way.

    Found by pointer jumping along single out-edges, like the chain starts.
    """
    tails, heads = edges[:, 0], edges[:, 1]
    single = np.bincount(tails, minlength=n)[tails] == 1
    # next_node[v]: where v's only out-edge leads, if that edge is not a side input.
    next_node = np.arange(n)
    onward = single & ~side_input
    next_node[tails[onward]] = heads[onward]
    feeds_side = np.zeros(n, dtype=bool)
    feeds_side[tails[single & side_input]] = True
    while True:
        jumped = next_node[next_node]
        if np.array_equal(jumped, next_node):
            return side_input | feeds_side[next_node][heads]
        next_node = jumped


def _chain_starts(graph: ProperGraph, main_input: np.ndarray) -> np.ndarray:
    """The node each node reaches by walking back along main inputs (through bend
    points), found by pointer jumping: O(log depth) vectorised rounds, no recursion."""
    n = graph.n_nodes
    previous = np.arange(n)
    has_main = main_input >= 0
    # The last hop of input edge i is segment i, and a bend point has one in-segment.
    previous[: graph.n_real][has_main] = graph.segments[main_input[has_main], 0]
    into_bend = graph.segments[:, 1] >= graph.n_real
    previous[graph.segments[into_bend, 1]] = graph.segments[into_bend, 0]
    while True:
        jumped = previous[previous]
        if np.array_equal(jumped, previous):
            return previous
        previous = jumped


def _edge_pulls(graph: ProperGraph, side_branch: np.ndarray) -> np.ndarray:
    """How hard each segment pulls its two ends together.

    Long edges pull hardest between bend points, so they run straight (after
    Gansner et al. 1993). Side branches (a parameter, a constant, a skip
    connection) pull very weakly: a weak pull still lines a card up with its
    consumer when there is room, but in a layer where cards compete for a spot
    the weak ones give way, so the main path stays straight and the side
    inputs sit beside it.
    """
    tails, heads = graph.segments[:, 0], graph.segments[:, 1]
    is_bend = np.arange(graph.n_nodes) >= graph.n_real
    bends = is_bend[tails].astype(int) + is_bend[heads]
    pull = np.choose(bends, [1.0, _PULL_HALF_LONG, _PULL_LONG_EDGE])
    return np.where(side_branch[graph.segment_edge], _PULL_SIDE_INPUT * pull, pull)


def _isotonic_by_layer(target: np.ndarray, weight: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """Non-decreasing fit to `target` within each run of equal `layer`, least weighted squares.

    Pool-adjacent-violators, with every violating pair of every layer pooled in
    the same round; a round is O(blocks) numpy. Violations within float noise
    are not pooled (that can take one round per node of a layer), and neither
    is what a rare staircase leaves after the bound on rounds: both are evened
    out at the end, so the result is always feasible and nearly always optimal.
    """
    tolerance = 1e-9 * (1.0 + np.abs(target).max(initial=0.0))
    block_sum = weight * target
    block_weight = weight
    block_start = np.arange(target.size)
    for _ in range(_MAX_POOLING_ROUNDS):
        mean = block_sum / block_weight
        block_layer = layer[block_start]
        violates = (mean[:-1] > mean[1:] + tolerance) & (block_layer[:-1] == block_layer[1:])
        if not violates.any():
            break
        opens_block = np.concatenate(([True], ~violates))
        pooled_into = np.cumsum(opens_block) - 1
        block_sum = np.bincount(pooled_into, weights=block_sum)
        block_weight = np.bincount(pooled_into, weights=block_weight)
        block_start = block_start[opens_block]
    mean = _meet_halfway(block_sum / block_weight, layer[block_start])
    return np.repeat(mean, np.diff(block_start, append=target.size))


def _meet_halfway(values: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """Non-decreasing within each layer: halfway between the running maximum from
    the top and the running minimum from the bottom (both feasible, so is the mean).

    Layers come in ascending order, so offsetting each by more than the spread of
    the values turns the per-layer running extremes into global ones.
    """
    layer_rank = np.cumsum(np.concatenate(([0], layer[1:] != layer[:-1])))
    spread = values.max(initial=0.0) - values.min(initial=0.0)
    shift = layer_rank * (spread + 1.0)
    shifted = values + shift
    from_top = np.maximum.accumulate(shifted)
    from_bottom = np.minimum.accumulate(shifted[::-1])[::-1]
    return (from_top + from_bottom) / 2 - shift


def _bend_points(
    nodes: list, edges: np.ndarray, graph: ProperGraph, xs: list[float], ys: list[float]
) -> dict[tuple[Hashable, Hashable], list[Point]]:
    tails = edges[graph.long_edges, 0].tolist()
    heads = edges[graph.long_edges, 1].tolist()
    points = {}
    firsts, counts = graph.first_dummy.tolist(), graph.dummy_count.tolist()
    for u, v, first, count in zip(tails, heads, firsts, counts, strict=True):
        points[nodes[u], nodes[v]] = [(xs[d], ys[d]) for d in range(first, first + count)]
    return points
