"""The graph tab's Constants and Group-by-module toggles, and double-click to open a box."""

from __future__ import annotations

import torch
from PySide6.QtCore import Qt
from torch import nn

import gradviz
from gradviz.ui.graph_tab import GraphTab

TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"


def shown_ids(tab: GraphTab) -> set[str]:
    return {item.node_id for item in tab.graph_view.node_items()}


def double_click(qtbot, tab: GraphTab, node_id: str) -> None:
    """Double-click the card's centre with the mouse, as a user would."""
    view = tab.graph_view
    card = view.node_item(node_id)
    view.centerOn(card)
    centre = view.mapFromScene(card.sceneBoundingRect().center())
    with qtbot.waitSignal(view.node_activated, timeout=2000) as blocker:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert blocker.args == [node_id]


def mlp_graph(blocks: int = 3):
    torch.manual_seed(0)
    model = nn.Sequential(*[nn.Sequential(nn.Linear(3, 3), nn.ReLU()) for _ in range(blocks)])
    x = torch.randn(4, 3)
    with gradviz.record():
        loss = model(x).pow(2).mean()
    return model, x, loss


def test_the_constants_toggle_hides_and_restores_the_grey_cards(graph_tab, evaluate):
    G = evaluate(graph_tab, TEXTBOOK)
    constants = {n for n, d in G.nodes(data=True) if d["kind"] == "constant"}
    assert len(constants) == 3 and shown_ids(graph_tab) == set(G.nodes)
    bar = graph_tab.filter_bar
    assert not bar.group.isEnabled(), "a program has no modules to group by"
    bar.constants.setChecked(False)
    assert shown_ids(graph_tab) == set(G.nodes) - constants
    bar.constants.setChecked(True)
    assert shown_ids(graph_tab) == set(G.nodes)


def test_a_model_opens_as_one_box_per_block_and_double_clicks_open_and_close(qtbot, graph_tab):
    model, x, loss = mlp_graph()
    G = gradviz.trace(loss, names=dict(model.named_parameters()))
    graph_tab.show_graph(G, "mlp")
    bar = graph_tab.filter_bar
    assert bar.group.isEnabled() and bar.group.isChecked()
    boxes = {"group:0", "group:1", "group:2"}
    assert boxes <= shown_ids(graph_tab)
    h = x
    for k, block in enumerate(model):  # each box shows its block's output
        h = block(h).detach()
        torch.testing.assert_close(graph_tab.graph_view.graph.nodes[f"group:{k}"]["value"], h)
    assert ("ops", "3") in graph_tab.graph_view.node_item("group:1").displayed_rows()

    double_click(qtbot, graph_tab, "group:1")
    assert {"group:1.0", "group:1.1"} <= shown_ids(graph_tab)
    assert "group:1" not in shown_ids(graph_tab)
    opened = graph_tab.graph_view.selected_node()  # what was opened stays in view
    assert opened in {"group:1.0", "group:1.1"} and graph_tab.inspector.node_id == opened
    double_click(qtbot, graph_tab, "group:1.0")
    weight = next(n for n, d in G.nodes(data=True) if d["name"] == "1.0.weight")
    assert weight in shown_ids(graph_tab)
    double_click(qtbot, graph_tab, weight)  # a card inside closes the innermost open box
    assert "group:1.0" in shown_ids(graph_tab) and weight not in shown_ids(graph_tab)
    assert graph_tab.graph_view.selected_node() == "group:1.0"

    bar.group.setChecked(False)
    assert shown_ids(graph_tab) == set(G.nodes)


def test_show_with_named_parameters_labels_the_leaves(qtbot):
    model, _, loss = mlp_graph(2)
    window = gradviz.show(loss, names=dict(model.named_parameters()))
    qtbot.waitExposed(window)
    tab = window.graph_tab
    assert tab.filter_bar.group.isChecked()
    tab.filter_bar.group.setChecked(False)
    G = tab.graph_view.graph
    for name, param in model.named_parameters():
        (leaf,) = [d for d in G.nodes.values() if d["kind"] == "leaf" and d["name"] == name]
        assert leaf["label"] == name
        (ref,) = torch.autograd.grad(loss, param, retain_graph=True)
        torch.testing.assert_close(leaf["grad"], ref)
    window.close()


MIN_READABLE_PIXELS = 8.0
"""Card body text on screen below this many pixels tall reads as grey noise."""


def test_a_grouped_ten_block_mlp_opens_with_readable_cards(qtbot, graph_tab):
    """About a dozen boxes in one row: the view opens at a zoom whose card text can be
    read (from the output end), not at one that shows every box as a smudge."""
    graph_tab.resize(1024, 700)
    model, x, loss = mlp_graph(blocks=10)
    with qtbot.waitSignal(graph_tab.graph_shown):
        graph_tab.show_graph(gradviz.trace(loss, names=dict(model.named_parameters())))
    view = graph_tab.graph_view
    assert graph_tab.filter_bar.group.isChecked() and len(view.node_items()) <= 16
    body = next(iter(view.node_items()))._metrics.body  # noqa: SLF001 (the cards' font)
    pixels = body.pointSizeF() * view.logicalDpiY() / 72 * view.zoom()
    assert pixels >= MIN_READABLE_PIXELS
