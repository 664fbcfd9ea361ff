"""The layered layout: geometry invariants, crossings, scale, determinism. No Qt."""

from __future__ import annotations

import random
import statistics
import time

import networkx as nx
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.core.layout import Layout, count_crossings, layered_layout

DEFAULT = (150.0, 64.0)
EPS = 1e-6


# ---------------------------------------------------------------- graph builders


def autograd_graph(output: torch.Tensor) -> nx.DiGraph:
    """grad_fn nodes of `output`, walked iteratively; edges point producer -> consumer."""
    names: dict[object, str] = {}

    def name(fn) -> str:
        return names.setdefault(fn, f"{type(fn).__name__}#{len(names)}")

    G = nx.DiGraph()
    G.add_node(name(output.grad_fn))
    stack = [output.grad_fn]
    while stack:
        fn = stack.pop()
        for producer, _ in fn.next_functions:
            if producer is None:
                continue
            seen = producer in names
            G.add_edge(name(producer), name(fn))
            if not seen:
                stack.append(producer)
    return G


def residual_mlp_graph(depth: int, width: int = 4) -> nx.DiGraph:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, width, generator=gen, requires_grad=True)
    target = torch.randn(3, width, generator=gen)
    h = x
    for _ in range(depth):
        w = torch.randn(width, width, generator=gen, requires_grad=True)
        b = torch.randn(width, generator=gen, requires_grad=True)
        h = h + torch.relu(h @ w + b)
    return autograd_graph(((h - target) ** 2).mean())


def linear_relu_mlp_graph(depth: int, width: int = 4) -> nx.DiGraph:
    """nn.Linear-style layers: each weight reaches addmm through its transpose."""
    gen = torch.Generator().manual_seed(0)
    h = torch.randn(3, width, generator=gen, requires_grad=True)
    for _ in range(depth):
        w = torch.randn(width, width, generator=gen, requires_grad=True)
        b = torch.randn(width, generator=gen, requires_grad=True)
        h = torch.relu(torch.nn.functional.linear(h, w, b))
    return autograd_graph(h.pow(2).mean())


def shuffled_within_layers(G: nx.DiGraph, layout: Layout, seed: int) -> Layout:
    """The same layout with the y values of cards and bend points permuted in each layer:
    an unordered baseline for count_crossings."""
    slots: dict[int, list[tuple[object, float]]] = {}
    for node, (_, y) in layout.positions.items():
        slots.setdefault(layout.layer_of[node], []).append((node, y))
    for (u, v), points in layout.edge_points.items():
        for i, (_, y) in enumerate(points):
            slots.setdefault(layout.layer_of[u] + 1 + i, []).append(((u, v, i), y))
    rng = random.Random(seed)
    new_y = {}
    for entries in slots.values():
        ys = [y for _, y in entries]
        rng.shuffle(ys)
        new_y.update((key, y) for (key, _), y in zip(entries, ys, strict=True))
    return Layout(
        positions={n: (x, new_y[n]) for n, (x, _) in layout.positions.items()},
        edge_points={
            (u, v): [(x, new_y[u, v, i]) for i, (x, _) in enumerate(points)]
            for (u, v), points in layout.edge_points.items()
        },
        layer_of=layout.layer_of,
        width=layout.width,
        height=layout.height,
    )


@st.composite
def dags(draw, max_nodes: int = 24):
    """A random DAG with random card sizes and a random node insertion order."""
    n = draw(st.integers(1, max_nodes))
    pairs = [(i, j) for j in range(n) for i in range(max(0, j - 6), j)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    order = draw(st.permutations(range(n)))
    G = nx.DiGraph()
    G.add_nodes_from(f"n{i}" for i in order)
    G.add_edges_from((f"n{i}", f"n{j}") for i, j in chosen)
    size = st.tuples(st.floats(1, 320), st.floats(1, 200))
    sizes = {f"n{i}": draw(size) for i in range(n)}
    return G, sizes


# ---------------------------------------------------------------- invariant checks


def card_box(layout: Layout, sizes, node) -> tuple[float, float, float, float]:
    x, y = layout.positions[node]
    w, h = sizes.get(node, DEFAULT)
    return x - w / 2, y - h / 2, x + w / 2, y + h / 2


def assert_edges_left_to_right(G: nx.DiGraph, layout: Layout, sizes) -> None:
    for u, v in G.edges():
        points = layout.edge_points.get((u, v), [])
        assert len(points) == layout.layer_of[v] - layout.layer_of[u] - 1
        xs = [card_box(layout, sizes, u)[2], *(x for x, _ in points), card_box(layout, sizes, v)[0]]
        assert all(a < b for a, b in zip(xs, xs[1:])), (u, v, xs)


def band_of_layer(layout: Layout) -> dict[int, int]:
    """Each layer's band (0 for every layer of an unfolded layout)."""
    return {
        layer: i
        for i, band in enumerate(layout.bands)
        for layer in range(band.first_layer, band.last_layer + 1)
    }


def assert_no_overlaps(layout: Layout, sizes, node_gap: float = 18.0) -> None:
    """Cards and bend points never overlap: layers are disjoint columns (within a band;
    bands are disjoint rows, checked by assert_inside_bands), and inside a column
    consecutive cards keep node_gap (bend points keep at least half of it)."""
    columns: dict[int, list] = {}
    for node in layout.positions:
        left, top, right, bottom = card_box(layout, sizes, node)
        columns.setdefault(layout.layer_of[node], []).append((top, bottom, left, right, node))
    for (u, _), points in layout.edge_points.items():
        for i, (x, y) in enumerate(points):
            columns.setdefault(layout.layer_of[u] + 1 + i, []).append((y, y, x, x, "bend"))
    band = band_of_layer(layout)
    extents = []
    for layer, items in sorted(columns.items()):
        items.sort()
        for above, below in zip(items, items[1:]):
            needed = node_gap if "bend" not in (above[4], below[4]) else node_gap / 2
            assert below[0] - above[1] >= needed - EPS, (layer, above, below)
        extents.append((band.get(layer, 0), min(i[2] for i in items), max(i[3] for i in items)))
    assert all(a[2] < b[1] for a, b in zip(extents, extents[1:]) if a[0] == b[0]), extents


def assert_inside_box(layout: Layout, sizes) -> None:
    boxes = [card_box(layout, sizes, n) for n in layout.positions]
    assert min(b[0] for b in boxes) == pytest.approx(0.0, abs=EPS)
    assert max(b[2] for b in boxes) == pytest.approx(layout.width)
    assert min(b[1] for b in boxes) >= -EPS
    assert max(b[3] for b in boxes) <= layout.height + EPS


def brute_force_crossings(G: nx.DiGraph, layout: Layout) -> int:
    segments = []
    for u, v in G.edges():
        ys = [layout.positions[u][1], *(y for _, y in layout.edge_points.get((u, v), []))]
        ys.append(layout.positions[v][1])
        first = layout.layer_of[u]
        segments += [(first + i, ys[i], ys[i + 1]) for i in range(len(ys) - 1)]
    return sum(
        1
        for i, (g1, a1, b1) in enumerate(segments)
        for g2, a2, b2 in segments[i + 1 :]
        if g1 == g2 and (a1 - a2) * (b1 - b2) < 0
    )


# ---------------------------------------------------------------- small cases


def test_empty_graph_gives_an_empty_layout():
    assert layered_layout(nx.DiGraph()) == Layout({}, {}, {}, 0.0, 0.0)


def test_single_node_sits_in_the_top_left_corner():
    G = nx.DiGraph()
    G.add_node("a")
    layout = layered_layout(G)
    assert layout.positions == {"a": (75.0, 32.0)}
    assert layout.layer_of == {"a": 0}
    assert (layout.width, layout.height) == (150.0, 64.0)
    assert layout.edge_points == {}


def test_textbook_graph_reads_left_to_right_with_a_straight_main_path():
    G = nx.DiGraph()
    G.add_edges_from([("a", "pow_a"), ("pow_a", "sub"), ("b", "pow_b"), ("pow_b", "sub")])
    G.add_edges_from([("sub", "add"), ("three", "add"), ("add", "y")])
    layout = layered_layout(G)
    assert layout.layer_of == dict(a=0, b=0, pow_a=1, pow_b=1, sub=2, three=2, add=3, y=4)
    y = {node: p[1] for node, p in layout.positions.items()}
    # Arguments keep their order top to bottom; the leaves line up with their ops.
    assert y["a"] < y["b"] and y["pow_a"] < y["pow_b"]
    assert y["a"] == pytest.approx(y["pow_a"], abs=0.5)
    # A node with two equally deep inputs sits between them.
    assert y["sub"] == pytest.approx((y["pow_a"] + y["pow_b"]) / 2, abs=1.0)
    # The constant gives way; sub -> add -> y is (almost) a straight line.
    assert y["sub"] < y["three"]
    assert y["add"] == pytest.approx(y["sub"], abs=0.5)
    assert y["y"] == pytest.approx(y["add"], abs=0.5)
    assert count_crossings(G, layout) == 0


def test_long_edges_bend_at_the_centre_of_every_layer_they_cross():
    G = nx.DiGraph([("x", "a"), ("a", "b"), ("b", "c"), ("x", "c")])
    layout = layered_layout(G)
    points = layout.edge_points[("x", "c")]
    assert [x for x, _ in points] == [layout.positions["a"][0], layout.positions["b"][0]]
    assert ("x", "a") not in layout.edge_points or layout.edge_points["x", "a"] == []
    assert_no_overlaps(layout, {})


def test_outputs_are_in_the_last_layer_and_inputs_sit_next_to_their_consumer():
    G = nx.DiGraph([("x", "f"), ("f", "g"), ("g", "h"), ("h", "loss"), ("w", "h"), ("g", "aux")])
    layout = layered_layout(G)
    last = max(layout.layer_of.values())
    assert layout.layer_of["loss"] == layout.layer_of["aux"] == last
    assert layout.layer_of["x"] == 0
    # A parameter used late does not drag a long edge back to the first layer.
    assert layout.layer_of["w"] == layout.layer_of["h"] - 1


def test_a_layer_is_as_wide_as_its_widest_card():
    G = nx.DiGraph([("a", "c"), ("b", "c"), ("c", "d")])
    sizes = {"a": (400.0, 30.0), "b": (100.0, 30.0)}
    layout = layered_layout(G, sizes, layer_gap=50.0)
    assert layout.positions["a"][0] == layout.positions["b"][0] == 200.0
    assert layout.positions["c"][0] == 400.0 + 50.0 + 75.0
    assert layout.width == 400.0 + 50.0 + 150.0 + 50.0 + 150.0


def test_disconnected_components_and_several_sinks_do_not_overlap():
    G = nx.disjoint_union_all(
        [nx.path_graph(5, create_using=nx.DiGraph), nx.balanced_tree(2, 3, create_using=nx.DiGraph)]
    )
    G.add_nodes_from(["lonely", "alone"])
    layout = layered_layout(G)
    assert set(layout.positions) == set(G)
    assert_edges_left_to_right(G, layout, {})
    assert_no_overlaps(layout, {})
    assert_inside_box(layout, {})


def test_chains_come_out_straight_even_with_mixed_card_sizes():
    G = nx.path_graph(40, create_using=nx.DiGraph)
    sizes = {i: (60.0 + 7 * (i % 5), 30.0 + 11 * (i % 3)) for i in G}
    layout = layered_layout(G, sizes)
    ys = {round(y, 6) for _, y in layout.positions.values()}
    assert len(ys) == 1
    assert layout.height == max(h for _, h in sizes.values())


@pytest.mark.parametrize("cyclic", [[("a", "b"), ("b", "c"), ("c", "a")], [("a", "a")]])
def test_a_cycle_is_refused_with_a_clear_message(cyclic):
    with pytest.raises(ValueError, match="acyclic.*cycle"):
        layered_layout(nx.DiGraph(cyclic))


def test_an_undirected_graph_is_refused():
    with pytest.raises(ValueError, match="directed"):
        layered_layout(nx.path_graph(3))


def test_bad_sizes_and_gaps_are_refused():
    G = nx.DiGraph([("a", "b")])
    with pytest.raises(ValueError, match="sizes"):
        layered_layout(G, {"a": (-1.0, 10.0)})
    with pytest.raises(ValueError, match="negative"):
        layered_layout(G, node_gap=-1.0)


# ---------------------------------------------------------------- properties on random DAGs


@settings(max_examples=150, deadline=None)
@given(dags())
def test_random_dags_flow_left_to_right_without_overlaps(case):
    G, sizes = case
    layout = layered_layout(G, sizes)
    assert set(layout.positions) == set(G)
    assert_edges_left_to_right(G, layout, sizes)
    assert_no_overlaps(layout, sizes)
    assert_inside_box(layout, sizes)
    for u, v in G.edges():
        assert layout.layer_of[u] < layout.layer_of[v]


@settings(max_examples=150, deadline=None)
@given(dags(), st.integers(0, 2**32 - 1))
def test_count_crossings_matches_brute_force_on_any_order(case, seed):
    G, sizes = case
    layout = shuffled_within_layers(G, layered_layout(G, sizes), seed)
    assert count_crossings(G, layout) == brute_force_crossings(G, layout)


@settings(max_examples=100, deadline=None)
@given(dags(max_nodes=40))
def test_sweeps_never_add_crossings(case):
    G, _ = case
    unswept = count_crossings(G, layered_layout(G, sweeps=0))
    assert count_crossings(G, layered_layout(G, sweeps=4)) <= unswept


def test_sweeps_improve_on_the_depth_first_order_of_random_dags():
    unswept = swept = 0
    for seed in range(3):
        rng = random.Random(seed)
        G = nx.DiGraph()
        G.add_nodes_from(range(500))
        G.add_edges_from((u, v) for v in G for u in range(max(0, v - 15), v) if rng.random() < 0.08)
        unswept += count_crossings(G, layered_layout(G, sweeps=0))
        swept += count_crossings(G, layered_layout(G, sweeps=4))
    # Measured: 2018 crossings from the depth-first order alone, 1723 after the sweeps.
    # Barycenter sweeps that keep every new order end near 8000, far worse than none.
    assert swept <= 0.9 * unswept


def test_sweeps_remove_crossings_the_first_order_left():
    # Two inputs feed two ops each in a twisted way, so argument order alone crosses.
    G = nx.DiGraph()
    G.add_edges_from([("p", "f"), ("q", "g"), ("f", "out"), ("g", "out")])
    G.add_edges_from([("s", "g"), ("t", "f"), ("s", "h"), ("t", "h"), ("h", "out")])
    unswept = count_crossings(G, layered_layout(G, sweeps=0))
    swept = count_crossings(G, layered_layout(G, sweeps=4))
    assert swept < unswept


def test_count_crossings_of_a_complete_bipartite_graph():
    G = nx.DiGraph((f"a{i}", f"b{j}") for i in range(3) for j in range(3))
    # Two layers of three: every order has C(3,2) * C(3,2) crossings.
    assert count_crossings(G, layered_layout(G)) == 9


def test_deterministic():
    G = residual_mlp_graph(5)
    first, second = layered_layout(G), layered_layout(G)
    assert first == second
    assert layered_layout(G.copy()) == first


# ---------------------------------------------------------------- the residual MLP


def test_residual_mlp_crossings_drop_to_almost_none():
    G = residual_mlp_graph(30)
    layout = layered_layout(G)
    unordered = [count_crossings(G, shuffled_within_layers(G, layout, seed)) for seed in range(5)]
    crossings = count_crossings(G, layout)
    # Measured: 49-69 crossings with each layer in random order, 0 laid out.
    assert min(unordered) >= 40
    assert crossings <= 2
    assert crossings <= 0.05 * min(unordered)
    assert_edges_left_to_right(G, layout, {})
    assert_no_overlaps(layout, {})


def test_residual_mlp_main_path_is_one_straight_line():
    G = residual_mlp_graph(30)
    layout = layered_layout(G)
    main_path = [v for v in G if not v.startswith("AccumulateGrad")]
    ys = [layout.positions[v][1] for v in main_path]
    # Measured: within 0.02 px; parameters and skip connections line up beside it.
    assert max(ys) - min(ys) < 1.0


def test_sweeps_untangle_a_residual_mlp_whose_edges_came_in_scrambled_order():
    G = residual_mlp_graph(30)
    unswept, swept = [], []
    for seed in range(5):
        edges = list(G.edges())
        random.Random(seed).shuffle(edges)
        scrambled = nx.DiGraph(edges)
        unswept.append(count_crossings(scrambled, layered_layout(scrambled, sweeps=0)))
        swept.append(count_crossings(scrambled, layered_layout(scrambled)))
    # Measured: 7-9 crossings from the depth-first order alone, 0 after the sweeps.
    assert sum(unswept) >= 20
    assert max(swept) <= 1


def test_mlp_main_path_stays_level_past_weight_transposes():
    G = linear_relu_mlp_graph(20)
    layout = layered_layout(G)
    main_path = [v for v in G if not v.startswith(("AccumulateGrad", "TBackward"))]
    ys = [layout.positions[v][1] for v in main_path]
    # Measured: level to 0.01 px, and each W -> T pair right next to its addmm.
    assert max(ys) - min(ys) < 1.0
    next_slot = DEFAULT[1] + 18.0
    for v in G:
        if v.startswith("TBackward"):
            (consumer,) = G.succ[v]
            assert abs(layout.positions[v][1] - layout.positions[consumer][1]) <= next_slot + EPS


def test_long_edges_run_straight_between_their_ends():
    G = residual_mlp_graph(30)
    layout = layered_layout(G)
    assert len(layout.edge_points) == 30
    for points in layout.edge_points.values():
        ys = [y for _, y in points]
        assert max(ys) - min(ys) < 1.0


def test_long_edges_stay_fairly_straight_even_in_random_dags():
    spreads = []
    for seed in range(3):
        rng = random.Random(seed)
        G = nx.DiGraph()
        G.add_nodes_from(range(300))
        G.add_edges_from((u, v) for v in G for u in range(max(0, v - 15), v) if rng.random() < 0.05)
        for points in layered_layout(G).edge_points.values():
            spreads.append(max(y for _, y in points) - min(y for _, y in points))
    # Measured: median spread of a long edge's bend points 52 px; with long edges
    # pulling no harder than others 123 px.
    assert statistics.median(spreads) < 80


# ---------------------------------------------------------------- scale


def synthetic_residual_mlp(blocks: int) -> nx.DiGraph:
    """The shape of a traced residual MLP (6 nodes a block) without running torch."""
    G = nx.DiGraph()
    h = "x"
    for i in range(blocks):
        mm, add_b, relu, out = f"mm{i}", f"addb{i}", f"relu{i}", f"h{i}"
        G.add_edges_from([(h, mm), (f"W{i}", mm), (mm, add_b), (f"b{i}", add_b)])
        G.add_edges_from([(add_b, relu), (h, out), (relu, out)])
        h = out
    G.add_edge(h, "loss")
    return G


def test_a_10k_node_graph_lays_out_quickly_and_cleanly():
    G = synthetic_residual_mlp(1700)
    assert G.number_of_nodes() > 10_000
    start = time.perf_counter()
    layout = layered_layout(G)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0  # measured ~0.1 s; this only catches a blow-up
    assert_edges_left_to_right(G, layout, {})
    assert_no_overlaps(layout, {})
    assert count_crossings(G, layout) == 0


def test_a_100k_deep_chain_lays_out_without_recursion():
    G = nx.path_graph(100_000, create_using=nx.DiGraph)
    layout = layered_layout(G)
    assert layout.layer_of[99_999] == 99_999
    assert layout.positions[99_999][0] > layout.positions[0][0]
    assert {y for _, y in layout.positions.values()} == {32.0}


# ---------------------------------------------------------------- folding long layouts


def assert_inside_bands(layout: Layout, sizes) -> None:
    """Bands are consecutive runs of layers, stacked top to bottom without overlapping,
    and every card and bend point lies inside its band's box."""
    bands = layout.bands
    assert bands[0].first_layer == 0
    assert bands[-1].last_layer == max(layout.layer_of.values())
    for above, below in zip(bands, bands[1:]):
        assert below.first_layer == above.last_layer + 1
        assert above.bottom < below.top
    band = band_of_layer(layout)
    boxes = [(layout.layer_of[n], card_box(layout, sizes, n)) for n in layout.positions]
    for (u, _), points in layout.edge_points.items():
        boxes += [(layout.layer_of[u] + 1 + i, (x, y, x, y)) for i, (x, y) in enumerate(points)]
    for layer, (left, top, right, bottom) in boxes:
        b = bands[band[layer]]
        assert b.left - EPS <= left and right <= b.right + EPS, (layer, b)
        assert b.top - EPS <= top and bottom <= b.bottom + EPS, (layer, b)


def test_a_deep_graph_folds_into_bands_close_to_the_asked_aspect():
    G = synthetic_residual_mlp(1700)
    flat = layered_layout(G)
    layout = layered_layout(G, fold_aspect=1.5)
    # Unfolded: 3,400 layers, ~570 times wider than tall; folded, within 2x of the aspect.
    assert flat.width / flat.height > 100
    assert len(layout.bands) >= 10
    assert 0.75 < layout.width / layout.height < 3.0
    assert set(layout.positions) == set(G)
    assert layout.layer_of == flat.layer_of
    assert_no_overlaps(layout, {})
    assert_inside_bands(layout, {})
    assert_inside_box(layout, {})
    # Only whole rows move: the order in every layer, and so every crossing, is kept.
    assert count_crossings(G, layout) == count_crossings(G, flat) == 0


def test_a_folded_layout_reads_left_to_right_in_every_band_and_ends_bottom_right():
    G = nx.path_graph(500, create_using=nx.DiGraph)
    layout = layered_layout(G, fold_aspect=1.5)
    band = band_of_layer(layout)
    assert len(layout.bands) >= 2
    for u, v in G.edges():
        (ux, uy), (vx, vy) = layout.positions[u], layout.positions[v]
        if band[u] == band[v]:
            assert ux < vx and uy == pytest.approx(vy)
        else:  # the next band's first card: one row down, back at the left
            assert band[v] == band[u] + 1 and vx < ux and vy > uy
    last = layout.bands[-1]
    output_x, output_y = layout.positions[499]
    assert output_x + DEFAULT[0] / 2 == pytest.approx(last.right)
    assert last.top <= output_y <= last.bottom


def test_band_cuts_go_where_the_fewest_edges_wrap():
    G = synthetic_residual_mlp(300)
    flat = layered_layout(G)
    layout = layered_layout(G, fold_aspect=1.5)
    wrapping = [
        sum(1 for u, v in G.edges() if flat.layer_of[u] < b.first_layer <= flat.layer_of[v])
        for b in layout.bands[1:]
    ]
    # Each block's gaps are crossed by 2 to 4 edges (with the skip connection); a cut
    # where only the block's two inputs cross leaves 2.
    assert wrapping and max(wrapping) == 2


def test_small_and_square_graphs_are_not_folded():
    textbook = nx.DiGraph([("a", "pow_a"), ("pow_a", "sub"), ("b", "pow_b"), ("pow_b", "sub")])
    textbook.add_edges_from([("sub", "add"), ("three", "add"), ("add", "y")])
    # 40 layers: wide, but under two bands' worth of layers.
    chain = nx.path_graph(40, create_using=nx.DiGraph)
    square = nx.DiGraph((i, 1000 + j) for i in range(100) for j in range(3))
    for G in (textbook, chain, square):
        assert layered_layout(G, fold_aspect=1.5) == layered_layout(G)
    assert layered_layout(chain).bands == ()


def test_a_bad_fold_aspect_is_refused():
    with pytest.raises(ValueError, match="fold_aspect"):
        layered_layout(nx.path_graph(3, create_using=nx.DiGraph), fold_aspect=0.0)
