"""The graph view: cards for every node, clicks, fit, zoom, colours and level of detail."""

from __future__ import annotations

import networkx as nx
import pytest
import torch
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QHelpEvent, QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolTip

import gradviz
from gradviz.ui import graph_view as graph_view_module
from gradviz.ui import palette
from gradviz.ui.graph_view import GraphView
from gradviz.ui.legend import GraphLegend
from gradviz.ui.node_item import BOX_MIN_SCALE, TEXT_MIN_SCALE, Detail

TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"


def node_by_label(G: nx.DiGraph, label: str) -> str:
    (node,) = [n for n, attrs in G.nodes(data=True) if attrs["label"] == label]
    return node


def mlp_graph(layers: int = 8, width: int = 6) -> nx.DiGraph:
    """A Linear+ReLU stack with an MSE loss, traced from plain torch code."""
    torch.manual_seed(1)
    h = torch.randn(3, width)
    names = {}
    with gradviz.record():
        for i in range(layers):
            linear = torch.nn.Linear(width, width)
            names[f"W{i}"], names[f"b{i}"] = linear.weight, linear.bias
            h = linear(h)
            if i < layers - 1:
                h = torch.relu(h)
        loss = ((h - 1) ** 2).mean()
    return gradviz.trace(loss, names={**names, "loss": loss})


@pytest.fixture
def view(shown) -> GraphView:
    return shown(GraphView(), 1000, 600)


@pytest.fixture
def textbook() -> nx.DiGraph:
    return gradviz.evaluate(TEXTBOOK).graph


def viewport_pos(view: GraphView, node: str) -> QPoint:
    return view.mapFromScene(view.node_item(node).sceneBoundingRect().center())


def visible_in_viewport(view: GraphView, node: str) -> bool:
    rect = view.mapFromScene(view.node_item(node).sceneBoundingRect()).boundingRect()
    return view.viewport().rect().contains(rect)


def test_empty_view_says_what_to_do(view):
    assert view.objectName() == "graphView"
    assert view.graph is None
    assert view.scene().items() == []
    blank = view.grab().toImage()
    view.set_graph(nx.DiGraph())
    assert view.scene().items() == []
    text_pixels = sum(
        blank.pixelColor(x, blank.height() // 2).lightness() < 160 for x in range(blank.width())
    )
    assert text_pixels > 20, "the empty-state message is not drawn"


def test_a_card_for_every_node_and_a_curve_for_every_edge(view, textbook):
    view.set_graph(textbook)
    assert view.graph is textbook
    assert {item.node_id for item in view.node_items()} == set(textbook.nodes)
    for u, v in textbook.edges:
        assert view.edge_item(u, v).path.length() > 0


def test_cards_show_the_values_and_gradients_torch_computes(view, textbook):
    a = torch.tensor(5.0, requires_grad=True)
    b = torch.tensor(6.0, requires_grad=True)
    y = a**3 - b**2 + 3
    da, db = torch.autograd.grad(y, (a, b))
    view.set_graph(textbook)
    rows_a = dict(view.node_item(node_by_label(textbook, "a")).displayed_rows())
    rows_b = dict(view.node_item(node_by_label(textbook, "b")).displayed_rows())
    rows_y = dict(view.node_item(node_by_label(textbook, "y")).displayed_rows())
    assert (rows_a["value"], rows_a["grad"]) == ("5", f"{da.item():.0f}") == ("5", "75")
    assert (rows_b["value"], rows_b["grad"]) == ("6", f"{db.item():.0f}") == ("6", "-12")
    assert rows_y["value"] == f"{y.item():.0f}" == "92"
    assert "shape" not in rows_a, "scalars need no shape line"


def test_clicking_a_card_emits_its_id_and_selects_it(qtbot, view, textbook):
    view.set_graph(textbook)
    a = node_by_label(textbook, "a")
    with qtbot.waitSignal(view.node_selected, timeout=1000) as blocker:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=viewport_pos(view, a))
    assert blocker.args == [a]
    assert view.selected_node() == a
    assert view.node_item(a).is_selected()
    pow_a = next(iter(textbook.succ[a]))
    assert view.edge_item(a, pow_a).is_highlighted()


def test_clicking_the_background_clears_the_selection(qtbot, view, textbook):
    view.set_graph(textbook)
    view.select_node(node_by_label(textbook, "b"))
    with qtbot.waitSignal(view.selection_cleared, timeout=1000):
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    assert view.selected_node() is None
    assert not any(item.is_selected() for item in view.node_items())


def test_dragging_pans_instead_of_selecting(qtbot, view, textbook):
    view.set_graph(textbook)
    view.zoom_by(2.0)
    a = node_by_label(textbook, "a")
    start = viewport_pos(view, a)
    before = view.mapToScene(start)
    with qtbot.assertNotEmitted(view.node_selected):
        QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
        for step in range(1, 6):
            QTest.mouseMove(view.viewport(), start + QPoint(20 * step, 10 * step))
        QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(100, 50))
    assert view.mapToScene(start) != before


def test_select_node_does_not_emit(qtbot, view, textbook):
    view.set_graph(textbook)
    with qtbot.assertNotEmitted(view.node_selected):
        view.select_node(node_by_label(textbook, "y"))
    assert view.selected_node() == node_by_label(textbook, "y")
    with pytest.raises(KeyError):
        view.select_node("no such node")


def test_fit_on_load_and_after_navigation_shows_every_card(view):
    G = mlp_graph()
    view.set_graph(G)
    assert all(visible_in_viewport(view, n) for n in G)
    view.zoom_by(6.0, QPoint(10, 10))
    assert not all(visible_in_viewport(view, n) for n in G)
    view.fit()
    assert all(visible_in_viewport(view, n) for n in G)


def test_f_key_fits(qtbot, view, textbook):
    view.set_graph(textbook)
    view.zoom_by(3.0)
    QTest.keyClick(view, Qt.Key.Key_F)
    assert all(visible_in_viewport(view, n) for n in textbook)


def test_a_tiny_graph_is_not_blown_up(view):
    G = nx.DiGraph(outputs=["x"])
    G.add_node("x", kind="leaf", op="AccumulateGrad", label="x", value=torch.tensor(1.0))
    view.set_graph(G)
    assert view.zoom() <= graph_view_module.FIT_MAX_SCALE


def test_wheel_zooms_around_the_cursor(view, textbook):
    view.set_graph(textbook)
    cursor = viewport_pos(view, node_by_label(textbook, "b")) + QPoint(7, 3)
    under_cursor = view.mapToScene(cursor)
    zoom = view.zoom()
    event = QWheelEvent(
        QPointF(cursor),
        QPointF(view.viewport().mapToGlobal(cursor)),
        QPoint(),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    view.wheelEvent(event)
    assert view.zoom() > zoom * 1.3
    after = view.mapToScene(cursor)
    assert abs(after.x() - under_cursor.x()) < 2 and abs(after.y() - under_cursor.y()) < 2


def test_colour_by_grad_toggles_and_the_legend_follows(view):
    G = mlp_graph()
    view.set_graph(G)
    item = view.node_item(node_by_label(G, "W0"))
    assert item.header_color == palette.kind_color("leaf")
    view.set_color_by_grad(True)
    assert view.color_by_grad()
    colors = {i.header_color.name() for i in view.node_items()}
    assert not colors & {palette.kind_color(k).name() for k in ("leaf", "op", "output")}
    assert len(colors) > 5, "magnitudes spanning decades should get different colours"
    loss = view.node_item(node_by_label(G, "loss"))
    assert loss.header_color.name() == palette.viridis(1.0).name(), "the seed's |grad| is 1"
    legend = view.findChild(GraphLegend, "graphLegend")
    assert legend.isVisible() and legend.scale is not None
    view.set_color_by_grad(False)
    assert item.header_color == palette.kind_color("leaf")
    assert legend.scale is None


def test_colour_by_grad_survives_a_new_graph(view, textbook):
    view.set_color_by_grad(True)
    view.set_graph(textbook)
    a = view.node_item(node_by_label(textbook, "a"))
    assert a.header_color.name() == palette.viridis(1.0).name(), "75 is the largest |grad|"
    legend = view.findChild(GraphLegend, "graphLegend")
    assert (legend.scale.low, legend.scale.high) == (1.0, 75.0)


def test_nonfinite_gradients_are_flagged(view):
    G = gradviz.evaluate("x = 0\ny = sqrt(x)").graph
    view.set_graph(G)
    flagged = [n for n in G if view.node_item(n).nonfinite]
    assert node_by_label(G, "x") in flagged
    assert "inf" in dict(view.node_item(node_by_label(G, "x")).displayed_rows())["grad"]


def _card_ink(view: GraphView, node: str) -> int:
    """Pixels in the lower half of a card that differ from its fill: text, when drawn."""
    image: QImage = view.grab().toImage()
    rect = view.mapFromScene(view.node_item(node).sceneBoundingRect()).boundingRect()
    body = rect.adjusted(4, rect.height() // 2, -4, -4)
    pixels = [
        image.pixelColor(x, y)
        for x in range(body.left(), body.right())
        for y in range(body.top(), body.bottom())
    ]
    names = [c.name() for c in pixels]
    fill = QColor(max(set(names), key=names.count))
    return sum(not _close(c, fill) for c in pixels)


def test_level_of_detail_hides_text_below_the_threshold(view, textbook):
    view.set_graph(textbook)
    a = node_by_label(textbook, "a")
    view.zoom_by(TEXT_MIN_SCALE * 1.2 / view.zoom())
    view.centerOn(view.node_item(a))
    assert view.detail_level() is Detail.FULL
    assert _card_ink(view, a) > 5
    view.zoom_by(TEXT_MIN_SCALE * 0.9 / view.zoom())
    view.centerOn(view.node_item(a))
    assert view.detail_level() is Detail.BOX
    assert _card_ink(view, a) == 0
    view.zoom_by(BOX_MIN_SCALE * 0.5 / view.zoom())
    assert view.detail_level() is Detail.BLOCK


def test_edges_leave_and_enter_cards_at_their_sides_and_miss_other_cards(view):
    G = mlp_graph()
    view.set_graph(G)
    cards = {n: view.node_item(n).sceneBoundingRect() for n in G}
    for u, v in G.edges:
        path = view.edge_item(u, v).path
        start, end = path.pointAtPercent(0), path.pointAtPercent(1)
        assert abs(start.x() - cards[u].right()) < 3
        assert cards[v].left() - 12 < end.x() < cards[v].left()
        for t in range(1, 50):
            p = path.pointAtPercent(t / 50)
            hit = [n for n, r in cards.items() if n not in (u, v) and r.contains(p)]
            assert not hit, f"edge {u}->{v} crosses card {hit}"


def test_cards_do_not_overlap(view):
    G = mlp_graph()
    view.set_graph(G)
    rects = sorted((view.node_item(n).sceneBoundingRect() for n in G), key=lambda r: r.left())
    for i, r in enumerate(rects):
        for s in rects[i + 1 :]:
            if s.left() >= r.right():
                break
            assert not r.intersects(s)


def test_hovering_an_edge_shows_its_gradient(view, textbook):
    view.set_graph(textbook)
    a, b = node_by_label(textbook, "a"), node_by_label(textbook, "b")
    pow_a = next(iter(textbook.succ[a]))
    pos = view.mapFromScene(view.edge_item(a, pow_a).path.pointAtPercent(0.5))
    QToolTip.hideText()
    view.viewportEvent(QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos)))
    assert "flowing back to a: 75" in QToolTip.text()
    pos = viewport_pos(view, b)
    view.viewportEvent(QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos)))
    assert "grad: -12" in QToolTip.text()
    QToolTip.hideText()


def test_a_failing_layout_keeps_the_previous_graph(view, textbook, monkeypatch):
    view.set_graph(textbook)

    def broken(*args, **kwargs):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(graph_view_module, "layered_layout", broken)
    with pytest.raises(RuntimeError):
        view.set_graph(mlp_graph())
    assert view.graph is textbook
    assert len(view.node_items()) == textbook.number_of_nodes()


def test_multi_output_nodes_and_missing_values_draw(view):
    x = torch.arange(6.0, requires_grad=True)
    parts = x.split(2)
    y = parts[0].sum() * parts[2].sum()
    G = gradviz.trace(y, names={"x": x})
    view.set_graph(G)
    split = node_by_label(G, "split")
    assert dict(view.node_item(split).displayed_rows())["grad"].startswith("(")
    assert not view.grab().isNull()


def test_selected_card_is_outlined_in_the_selection_colour(view, textbook):
    view.set_graph(textbook)
    a = node_by_label(textbook, "a")
    view.select_node(a)
    image = view.grab().toImage()
    rect = view.mapFromScene(view.node_item(a).sceneBoundingRect()).boundingRect()
    left_border = [image.pixelColor(rect.left() + dx, rect.center().y()) for dx in range(4)]
    assert any(_close(c, palette.SELECTED) for c in left_border)


def _close(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 60
