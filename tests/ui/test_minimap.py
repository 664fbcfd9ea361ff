"""The minimap: shown for large graphs, and a click on it moves the view there."""

from __future__ import annotations

import networkx as nx
import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

import gradviz
from gradviz.ui import palette
from gradviz.ui.graph_view import MINIMAP_MIN_CARDS, GraphView


def branching_graph(blocks: int) -> nx.DiGraph:
    """``h = h + relu(h @ W_i)`` blocks: six or so nodes each, in two rows, one output."""
    torch.manual_seed(0)
    h = torch.randn(2, 3, requires_grad=True)
    with gradviz.record():
        for _ in range(blocks):
            h = h + torch.relu(h @ torch.randn(3, 3, requires_grad=True))
        out = h.sum()
    return gradviz.trace(out)


@pytest.fixture
def view(shown) -> GraphView:
    return shown(GraphView(), 900, 600)


def colour_pixels(widget, colour) -> list[QPoint]:
    image = widget.grab().toImage()
    return [
        QPoint(x, y)
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).rgb() == colour.rgb()
    ]


def test_only_large_graphs_get_a_minimap(view):
    view.set_graph(branching_graph(5))
    assert not view.minimap().isVisible()
    G = branching_graph(80)
    assert G.number_of_nodes() >= MINIMAP_MIN_CARDS
    view.set_graph(G)
    # At overview it would only repeat the view (and cover the graph's corner).
    assert not view.minimap().isVisible()
    view.zoom_by(4.0)
    assert view.minimap().isVisible()
    view.fit()
    assert not view.minimap().isVisible()
    view.zoom_by(4.0)
    view.set_graph(None)
    assert not view.minimap().isVisible()


def test_clicking_the_minimap_centres_the_view_there(view):
    G = branching_graph(80)
    view.set_graph(G)
    view.zoom_by(1 / view.zoom())  # 100%: only a small part of the graph is on screen
    minimap = view.minimap()
    (output,) = [n for n, a in G.nodes(data=True) if a["kind"] == "output"]
    card = view.node_item(output).sceneBoundingRect().center()
    assert not view.mapToScene(view.viewport().rect()).boundingRect().contains(card)
    pixels = colour_pixels(minimap, palette.kind_color("output"))
    assert pixels, "the output card is drawn on the map in its kind colour"
    QTest.mouseClick(minimap, Qt.MouseButton.LeftButton, pos=pixels[0])
    centre = view.mapToScene(view.viewport().rect().center())
    bounds = view.scene().sceneRect()  # the whole graph, which the map shows
    per_pixel = max(
        bounds.width() / (minimap.width() - 8), bounds.height() / (minimap.height() - 8)
    )
    width, height = view.node_item(output).size
    assert abs(centre.x() - card.x()) <= width / 2 + 2 * per_pixel
    assert abs(centre.y() - card.y()) <= height / 2 + 2 * per_pixel
    assert view.mapToScene(view.viewport().rect()).boundingRect().contains(card)


def test_the_minimap_follows_the_dark_theme(view):
    """A white map on the dark canvas glared; its backdrop and frame are read at paint time."""
    view.set_graph(branching_graph(80))
    view.zoom_by(1 / view.zoom())  # a small frame, away from the map's corner
    minimap = view.minimap()
    light = minimap.grab().toImage().pixelColor(QPoint(2, 2))
    palette.use_dark(True)
    try:
        dark = minimap.grab().toImage().pixelColor(QPoint(2, 2))
        assert colour_pixels(minimap, palette.DARK["SELECTED"]), "the frame is drawn in yellow"
    finally:
        palette.use_dark(False)
    assert dark.lightness() < 80 < light.lightness()
