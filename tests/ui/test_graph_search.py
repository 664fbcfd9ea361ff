"""Ctrl+F on the graph tab: find nodes by label, name or op, step through them, centred."""

from __future__ import annotations

import networkx as nx
import pytest
import torch
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

import gradviz
from gradviz.core.layout import layered_layout
from gradviz.ui.graph_search import matching_nodes
from gradviz.ui.graph_view import MATCH_COLOR
from gradviz.ui.node_item import TEXT_MIN_SCALE

LAYERS = 12


def mlp_graph(layers: int = LAYERS) -> nx.DiGraph:
    """Linear+ReLU layers (the last without ReLU), weights named W0.. and an MSE loss."""
    torch.manual_seed(0)
    h = torch.randn(3, 4)
    names = {}
    with gradviz.record():
        for i in range(layers):
            linear = torch.nn.Linear(4, 4)
            names[f"W{i}"] = linear.weight
            h = linear(h)
            if i < layers - 1:
                h = torch.relu(h)
        loss = ((h - 1) ** 2).mean()
    return gradviz.trace(loss, names=names)


def test_matches_by_op_ignoring_case_in_drawing_order():
    G = mlp_graph()
    layout = layered_layout(G)
    relus = matching_nodes(G, "ReLU", layout)
    assert len(relus) == LAYERS - 1  # one per hidden layer, by construction
    assert all(G.nodes[n]["op"].startswith("Relu") for n in relus)
    xs = [layout.positions[n][0] for n in relus]
    assert xs == sorted(xs), "left to right: from the inputs to the output"
    assert len(matching_nodes(G, "addmm")) == LAYERS  # nn.Linear on a matrix is addmm


def test_matches_by_variable_name_and_label():
    G = mlp_graph()
    (w7,) = matching_nodes(G, "w7")
    assert G.nodes[w7]["name"] == "W7"
    assert G.nodes[w7]["kind"] == "leaf"
    assert matching_nodes(G, "  ") == []
    assert matching_nodes(G, "no such node") == []
    assert matching_nodes(None, "relu") == []


@pytest.fixture
def big_tab(graph_tab, qtbot):
    G = mlp_graph()
    with qtbot.waitSignal(graph_tab.graph_shown):
        graph_tab.show_graph(G)
    graph_tab.graph_view.fit()
    return graph_tab


def view_centre(view) -> QPointF:
    return view.mapToScene(view.viewport().rect().center())


def assert_centred_on(view, node: str) -> None:
    card = view.node_item(node).sceneBoundingRect().center()
    centre = view_centre(view)
    tolerance = 2 / view.zoom()  # a pixel or two of rounding
    assert abs(centre.x() - card.x()) <= tolerance and abs(centre.y() - card.y()) <= tolerance


def test_ctrl_f_finds_a_node_and_centres_it_readable(qtbot, big_tab):
    view, search = big_tab.graph_view, big_tab.search
    assert view.zoom() < TEXT_MIN_SCALE, "the graph opens as an overview"
    big_tab.graph_view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert search.isVisible() and search.field.hasFocus()
    QTest.keyClicks(search.field, "w7")
    (found,) = search.matches()
    assert view.graph.nodes[found]["name"] == "W7"
    assert search.count_label.text() == "1 of 1"
    assert view.zoom() >= TEXT_MIN_SCALE, "zoomed in far enough to read the card"
    assert_centred_on(view, found)


def test_enter_and_shift_enter_step_through_the_matches(qtbot, big_tab):
    view, search = big_tab.graph_view, big_tab.search
    search.open()
    QTest.keyClicks(search.field, "relu")
    matches = search.matches()
    assert search.count_label.text() == f"1 of {len(matches)}"
    assert view.search_matches() == matches
    QTest.keyClick(search.field, Qt.Key.Key_Return)
    assert search.current() == matches[1]
    assert search.count_label.text() == f"2 of {len(matches)}"
    assert_centred_on(view, matches[1])
    QTest.keyClick(search.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(search.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert search.current() == matches[-1], "wraps around"
    assert_centred_on(view, matches[-1])


def has_colour(image, colour: QColor) -> bool:
    target = colour.rgb()
    return any(
        image.pixel(x, y) == target
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
    )


def test_matches_are_outlined_until_escape_closes_the_bar(qtbot, big_tab):
    view, search = big_tab.graph_view, big_tab.search
    search.open()
    QTest.keyClicks(search.field, "relu")
    view.fit()  # every match on screen, at overview zoom
    assert has_colour(view.viewport().grab().toImage(), MATCH_COLOR)
    QTest.keyClick(search.field, Qt.Key.Key_Escape)
    assert not search.isVisible()
    assert view.search_matches() == []
    assert not has_colour(view.viewport().grab().toImage(), MATCH_COLOR)


def test_no_match_says_so(big_tab):
    search = big_tab.search
    search.open()
    QTest.keyClicks(search.field, "conv2d")
    assert search.matches() == [] and search.count_label.text() == "no match"
    assert not search.next_button.isEnabled()


def test_a_new_graph_searches_again(qtbot, big_tab):
    search = big_tab.search
    search.open()
    QTest.keyClicks(search.field, "relu")
    smaller = mlp_graph(4)
    with qtbot.waitSignal(big_tab.graph_shown):
        big_tab.show_graph(smaller)
    assert len(search.matches()) == 3
    assert all(node in smaller for node in search.matches())


def test_escape_on_the_graph_closes_the_bar_too(qtbot, big_tab):
    """After clicking into the graph the field has lost the focus; Esc still closes."""
    view, search = big_tab.graph_view, big_tab.search
    search.open()
    QTest.keyClicks(search.field, "relu")
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert not search.isVisible()
    assert view.search_matches() == []
