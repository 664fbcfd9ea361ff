"""The batched paths of scene preparation give exactly what the per-card reference gives.

``card_texts`` stacks tensors, ``format_numbers`` formats thousands of numbers at once,
``CardMetrics.sizes`` adds number lines up by character, edge flags reuse the cards', and
``EdgeGeometry`` cuts all routes into segments at once: each is compared with the simple
path (``card_text`` and ``has_nonfinite`` per node, ``QFontMetricsF.horizontalAdvance``
per string, a route's points pair by pair) on graphs with awkward values.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QFont

import gradviz
from gradviz.core import formatting, layout
from gradviz.core.formatting import has_nonfinite
from gradviz.ui import edge_batch, node_item, palette, scene_prep
from gradviz.ui.edge_batch import EdgeGeometry
from gradviz.ui.edge_item import ARROW_LENGTH
from gradviz.ui.node_item import (
    HEADER_H,
    KEY_GAP,
    MAX_WIDTH,
    MIN_WIDTH,
    PAD_BOTTOM,
    PAD_X,
    ROW_H,
    TEXT_SLACK,
    CardMetrics,
    card_text,
    card_texts,
)
from gradviz.ui.text_widths import NUMBER_CHARS, TextWidths

NAN, INF = math.nan, math.inf


@pytest.fixture(scope="module")
def metrics(qapp) -> CardMetrics:
    return CardMetrics(QFont())


def reference_size(metrics: CardMetrics, text) -> tuple[float, float]:
    """A card's size from Qt's own measure of every string, as cards were first sized."""
    header = metrics.title_fm.horizontalAdvance(text.title)
    if text.tag:
        header += KEY_GAP * 2 + metrics.tag_fm.horizontalAdvance(text.tag)
    body = max(metrics.body_fm.horizontalAdvance(value) for _, value in text.rows)
    width = max(header, metrics.key_width + KEY_GAP + body) + 2 * PAD_X + TEXT_SLACK
    width = min(MAX_WIDTH, max(MIN_WIDTH, math.ceil(width)))
    return float(width), HEADER_H + ROW_H * len(text.rows) + PAD_BOTTOM


def awkward_values() -> list:
    """Values and gradients of every form a card shows, batched or not."""
    torch.manual_seed(3)
    needs_grad = torch.randn(4, 8, requires_grad=True)
    return [
        torch.randn(4, 8),
        torch.randn(4, 8, dtype=torch.float64),
        torch.tensor([[NAN, 1.0, 2.0], [INF, -INF, 0.5]]),  # some non-finite
        torch.full((2, 5), NAN),  # nothing finite
        torch.full((3, 3), -0.0),
        torch.tensor([1e30, -1e-30, 3e-5, 7e4, 99.96, 0.3, -2.0, 1e-4]),
        torch.tensor([1e300, -1e-300, 5e-324, 1.5, 1e15, 2.0**60], dtype=torch.float64),
        torch.randn(2, 2, 2),  # 3-d: summarised although small
        torch.randn(8, 8),  # 64 elements: the largest batched
        torch.randn(9, 8),  # 72: summed by numpy, not batched
        torch.randn(4, 8).t(),  # not contiguous
        torch.randn(4, 8)._neg_view(),  # numpy() refuses these
        needs_grad,
        torch.nn.Parameter(torch.randn(3, 5)),
        torch.arange(12).reshape(3, 4),  # ints
        torch.ones(2, 5, dtype=torch.bool),
        torch.randn(10, dtype=torch.float16),
        torch.tensor(2.5),  # 0-d: the constants of a loop, batched
        torch.tensor(0.51),  # float32, printed in full
        torch.tensor(1 / 3, dtype=torch.float64),
        torch.tensor(-0.0),
        torch.tensor(3e7),  # whole
        torch.tensor(1.5e-7),  # exponent
        torch.tensor(NAN),
        torch.tensor(-INF),
        torch.tensor(4),  # int: not batched
        torch.tensor([-0.0, 1.0]),  # listed, not summarised
        torch.zeros(0, 3),  # empty
        torch.randn(3, 2, dtype=torch.complex64),
        (torch.randn(4, 8), torch.tensor([NAN] * 6)),  # a multi-output node
        7,
        -0.0,
        None,
    ]


def awkward_graph() -> nx.DiGraph:
    """Every value with every gradient, in op, leaf, constant, output and group cards."""
    graph = nx.DiGraph()
    values = awkward_values()
    long_name = "a_really_long_variable_name_" * 6
    for i, value in enumerate(values):
        for j, grad in enumerate(values):
            kind = ("op", "leaf", "constant", "output")[(i + j) % 4]
            graph.add_node(
                f"n{i}_{j}",
                kind=kind,
                label=long_name if j == 3 else f"Op{i}",
                name=long_name if j == 4 else (f"v{j}" if j % 3 == 0 else None),
                shape=tuple(getattr(value, "shape", ())) or None,
                value=value,
                grad=grad,
                grad_outputs="ones" if j % 2 else None,
            )
    graph.add_node("g", kind="group", label="Linear", ops=12, shape=(4, 8))
    nodes = list(graph)
    for a, b in zip(nodes, nodes[1:], strict=False):
        graph.add_edge(a, b, grad=graph.nodes[a]["grad"])  # the producer's own tensor
    graph.add_edge(nodes[0], nodes[5], grad=torch.tensor([INF, 1.0]))  # a tensor of its own
    graph.add_edge(nodes[1], nodes[9], grad=(torch.randn(4, 8), None))
    return graph


def traced_graph() -> nx.DiGraph:
    """A Linear+ReLU stack traced from torch: batched rows as the benchmarks have them."""
    torch.manual_seed(0)
    h = torch.randn(4, 8)
    with gradviz.record():
        for _ in range(6):
            h = torch.relu(torch.nn.Linear(8, 8)(h))
        loss = (h**2).mean()
    return gradviz.trace(loss)


@pytest.mark.parametrize("make", [awkward_graph, traced_graph])
def test_card_texts_are_each_cards_own_text(make):
    graph = make()
    texts, nonfinite = card_texts(graph)
    assert texts == {node: card_text(attrs) for node, attrs in graph.nodes(data=True)}
    assert nonfinite == {node: has_nonfinite(grad) for node, grad in graph.nodes(data="grad")}
    assert any(nonfinite.values()) == (make is awkward_graph)


def test_a_scene_prepared_a_few_items_at_a_time_is_the_same(metrics, monkeypatch):
    """C-level loops go a chunk at a time on a big graph (they hold the GIL till they end);
    with tiny chunks the prepared scene is exactly the one made in one go."""
    graph = traced_graph()
    whole = scene_prep.prepare_scene(graph, metrics)
    reference = EdgeGeometry(whole.routes, whole.edge_nonfinite)
    for module in (formatting, layout, edge_batch):
        monkeypatch.setattr(module, "GIL_CHUNK", 3)
    monkeypatch.setattr(scene_prep, "EDGE_ITEMS_MAX", -1)  # make the EdgeGeometry too
    chunked = scene_prep.prepare_scene(graph, metrics)
    assert chunked.texts == whole.texts and chunked.sizes == whole.sizes
    assert chunked.layout.positions == whole.layout.positions
    assert chunked.layout.layer_of == whole.layout.layer_of
    assert np.array_equal(chunked.card_boxes, whole.card_boxes)
    g = chunked.edge_geometry
    assert np.array_equal(g.ends, reference.ends) and np.array_equal(g.first, reference.first)


def test_tensors_stacked_a_few_at_a_time_give_the_same_texts(monkeypatch):
    """Big graphs stack their tensors in chunks (the GIL is held while a list is read)."""
    monkeypatch.setattr(node_item, "STACK_CHUNK", 3)
    graph = awkward_graph()
    texts, nonfinite = card_texts(graph)
    assert texts == {node: card_text(attrs) for node, attrs in graph.nodes(data=True)}
    assert nonfinite == {node: has_nonfinite(grad) for node, grad in graph.nodes(data="grad")}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from([(), (5,), (4, 8), (2, 2, 2), (8, 8), (1, 1, 1)]),
            st.sampled_from([torch.float32, torch.float64]),
            st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=64, max_size=64),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_random_tensors_get_each_cards_own_text(tensors):
    graph = nx.DiGraph()
    for i, (shape, dtype, numbers) in enumerate(tensors):
        value = torch.tensor(numbers[: math.prod(shape)], dtype=torch.float64).to(dtype)
        graph.add_node(i, kind="op", label="op", value=value.reshape(shape), grad=-value)
    texts, nonfinite = card_texts(graph)
    assert texts == {node: card_text(attrs) for node, attrs in graph.nodes(data=True)}
    assert nonfinite == {node: has_nonfinite(grad) for node, grad in graph.nodes(data="grad")}


@pytest.mark.parametrize("make", [awkward_graph, traced_graph])
def test_card_sizes_are_what_qt_measures(metrics, make):
    texts, _ = card_texts(make())
    sizes = CardMetrics(QFont()).sizes(texts.values())
    assert sizes == [reference_size(metrics, text) for text in texts.values()]
    assert max(width for width, _ in sizes) == MAX_WIDTH, "long names are clamped"


def test_size_of_one_card_is_its_size_among_many(metrics):
    texts, _ = card_texts(traced_graph())
    assert [metrics.size(text) for text in texts.values()] == metrics.sizes(texts.values())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=sorted(NUMBER_CHARS), max_size=60))
def test_number_lines_are_as_wide_as_qt_measures_them(metrics, text):
    for font_metrics in (metrics.body_fm, metrics.title_fm, metrics.tag_fm):
        widths = TextWidths(font_metrics)
        assert widths(text) == font_metrics.horizontalAdvance(text)
        assert widths.many([text, "fi"]).tolist() == [widths(text), widths("fi")]


def test_number_lines_of_a_traced_graph_are_as_wide_as_qt_measures_them(metrics):
    lines = {value for text in card_texts(traced_graph())[0].values() for _, value in text.rows}
    widths = TextWidths(metrics.body_fm)
    assert [widths(line) for line in lines] == [
        metrics.body_fm.horizontalAdvance(line) for line in lines
    ]


@pytest.mark.parametrize("make", [awkward_graph, traced_graph])
def test_prepared_scene_matches_the_per_card_reference(metrics, make):
    graph = make()
    prepared = scene_prep.prepare_scene(graph, metrics)
    assert prepared.texts == {node: card_text(attrs) for node, attrs in graph.nodes(data=True)}
    assert prepared.sizes == {n: reference_size(metrics, t) for n, t in prepared.texts.items()}
    assert list(prepared.routes) == list(graph.edges)
    assert prepared.edge_nonfinite == [has_nonfinite(grad) for *_, grad in graph.edges(data="grad")]
    positions = prepared.layout.positions
    assert prepared.card_kinds == [graph.nodes[n].get("kind") for n in positions]
    colors = [palette.kind_color(graph.nodes[n].get("kind")).rgba() for n in positions]
    assert prepared.kind_argb().tolist() == colors
    boxes = [[*positions[n], *prepared.sizes[n]] for n in positions]
    assert prepared.card_boxes.tolist() == boxes


def test_edge_geometry_is_every_segment_of_every_route(metrics):
    prepared = scene_prep.prepare_scene(traced_graph(), metrics)
    geometry = EdgeGeometry(prepared.routes, prepared.edge_nonfinite)
    segments, tips, first = [], [], [0]
    for i, points in enumerate(prepared.routes.values()):
        *line, (tip_x, tip_y) = points
        line.append((tip_x - ARROW_LENGTH, tip_y))  # the arrowhead covers the rest
        segments += [(i, *a, *b) for a, b in zip(line, line[1:], strict=False)]
        tips.append((tip_x, tip_y))
        first.append(len(segments))
    g = geometry
    assert list(zip(*(a.tolist() for a in (g.owner, g.x0, g.y0, g.x1, g.y1)))) == segments
    assert list(zip(g.tip_x.tolist(), g.tip_y.tolist())) == tips
    assert g.first.tolist() == first
    assert (g.left == np.minimum(g.x0, g.x1)).all() and (g.bottom == np.maximum(g.y0, g.y1)).all()
    assert g.nonfinite.tolist() == prepared.edge_nonfinite
