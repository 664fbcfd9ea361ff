"""The order selector shows derivative_graph(leaf, k) with dᵏy/dxᵏ, against repeated autograd."""

from __future__ import annotations

import os

import pytest
import torch

from gradviz.core.formatting import format_tensor
from gradviz.ui.derivative_controls import derivative_symbol

TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"
SHOTS = os.environ.get("GRADVIZ_SHOTS", "/tmp/beyond-ui")


def _repeated_grads(leaf: str, orders: int) -> list[torch.Tensor]:
    """d y / d leaf, d² y / d leaf², …, by torch.autograd.grad with create_graph."""
    a = torch.tensor(5.0, requires_grad=True)
    b = torch.tensor(6.0, requires_grad=True)
    g = a**3 - b**2 + 3
    x = {"a": a, "b": b}[leaf]
    out = []
    for _ in range(orders):
        if g.requires_grad:
            (g,) = torch.autograd.grad(g, x, create_graph=True)
        else:  # a constant: every further derivative is 0
            g = torch.zeros_like(x)
        out.append(g.detach())
    return out


def _choose(qtbot, tab, leaf, order):
    with qtbot.waitSignal(tab.graph_shown, timeout=10_000) as blocker:
        tab.derivatives.select(leaf, order)
    return blocker.args[0]


@pytest.mark.parametrize("leaf", ["a", "b"])
def test_each_order_shows_the_graph_of_that_derivative_with_its_value(
    qtbot, graph_tab, evaluate, leaf
):
    evaluate(graph_tab, TEXTBOOK)
    assert graph_tab.derivatives.isEnabled()
    reference = _repeated_grads(leaf, 4)
    for order in (2, 3):
        graph = _choose(qtbot, graph_tab, leaf, order)
        (out,) = graph.graph["outputs"]
        torch.testing.assert_close(graph.nodes[out]["value"], reference[order - 1])
        title = graph_tab.title_label.text()
        value = format_tensor(reference[order - 1])
        assert f"{derivative_symbol('y', leaf, order)}</b> = {value}" in title
        # the next order is the leaf's gradient in the graph that computes this one
        next_symbol = derivative_symbol("y", leaf, order + 1)
        if any(a["name"] == leaf for a in graph.nodes.values()):
            assert f"{next_symbol} = {format_tensor(reference[order])}" in title
        else:  # a constant derivative: its graph does not reach the leaf any more
            assert torch.all(reference[order] == 0)
        assert graph_tab.graph_view.graph is graph


def test_order_one_brings_back_the_programs_graph(qtbot, graph_tab, evaluate):
    program_graph = evaluate(graph_tab, TEXTBOOK)
    _choose(qtbot, graph_tab, "a", 2)
    assert _choose(qtbot, graph_tab, "a", 1) is program_graph
    assert "output <b>y</b>" in graph_tab.title_label.text()


def test_a_new_evaluation_resets_the_order(qtbot, graph_tab, evaluate):
    evaluate(graph_tab, TEXTBOOK)
    _choose(qtbot, graph_tab, "b", 3)
    evaluate(graph_tab, "x = 2\ny = x**4")
    assert graph_tab.derivatives.order() == 1
    assert [graph_tab.derivatives.leaf_box.itemText(i) for i in range(1)] == ["x"]


def test_vector_programs_disable_the_selector(graph_tab, evaluate):
    evaluate(graph_tab, "x = [1., 2.]\ny = x * 3")
    assert not graph_tab.derivatives.isEnabled()
    evaluate(graph_tab, "x = [1., 2.]\nw = 2.0\ny = sum(x * w)")
    assert graph_tab.derivatives.isEnabled() and graph_tab.derivatives.leaf() == "w"


def test_screenshot_second_derivative(qtbot, graph_tab, evaluate):
    graph_tab.resize(1024, 700)
    evaluate(graph_tab, TEXTBOOK)
    _choose(qtbot, graph_tab, "a", 2)
    os.makedirs(SHOTS, exist_ok=True)
    assert graph_tab.grab().save(os.path.join(SHOTS, "order_2.png"))


def test_a_derivative_title_fits_at_1024_without_moving_the_graph(qtbot, graph_tab, evaluate):
    """The title has a row of its own: a long one neither wraps into three squeezed lines
    nor pushes the graph down when the order changes."""
    graph_tab.resize(1024, 700)
    evaluate(graph_tab, TEXTBOOK)
    top = graph_tab.graph_view.geometry().top()
    _choose(qtbot, graph_tab, "a", 2)
    qtbot.waitUntil(lambda: graph_tab.title_label.text().startswith("<b>d²y/da²"))
    label = graph_tab.title_label
    assert label.heightForWidth(label.width()) < 2 * label.fontMetrics().lineSpacing()
    assert graph_tab.graph_view.geometry().top() == top
