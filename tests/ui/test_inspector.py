"""The inspector shows a node's properties, full value and grad, and its chain-rule step."""

from __future__ import annotations

import networkx as nx
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QScrollArea

import gradviz
from gradviz.ui.graph_view import GraphView
from gradviz.ui.inspector import EMPTY_TEXT, NodeInspector
from gradviz.ui.tensor_view import TensorView

TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"


def node_by_label(G: nx.DiGraph, label: str) -> str:
    (node,) = [n for n, attrs in G.nodes(data=True) if attrs["label"] == label]
    return node


def cells(view) -> list[list[str]]:
    model = view.table.model()
    return [
        [model.data(model.index(r, c)) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


@pytest.fixture
def inspector(shown) -> NodeInspector:
    return shown(NodeInspector(), 300, 700)


@pytest.fixture
def textbook() -> nx.DiGraph:
    return gradviz.evaluate(TEXTBOOK).graph


def test_starts_empty_with_a_hint(inspector):
    assert inspector.objectName() == "nodeInspector"
    assert inspector.node_id is None
    assert inspector.empty.isVisible() and inspector.empty.text() == EMPTY_TEXT
    assert not inspector.chain_rule.isVisible()


def test_textbook_leaf_a_matches_torch_autograd(inspector, textbook):
    a = torch.tensor(5.0, requires_grad=True)
    b = torch.tensor(6.0, requires_grad=True)
    (da,) = torch.autograd.grad(a**3 - b**2 + 3, a)
    inspector.show_node(textbook, node_by_label(textbook, "a"))
    assert inspector.value.text() == "5"
    assert inspector.grad.text() == f"{da.item():.0f}" == "75"
    assert "AccumulateGrad" in inspector.op.text()
    assert inspector.name.text() == "a"
    assert inspector.shape.text() == "scalar"
    assert inspector.dtype.text() == "float32"
    rule = inspector.chain_rule.text()
    assert "∂y/∂a" in rule
    assert "<b>pow</b>: upstream 1 × local 3·5² = 75" in rule


def test_textbook_b_and_the_pow_node(inspector, textbook):
    inspector.show_node(textbook, node_by_label(textbook, "b"))
    assert inspector.grad.text() == "-12"
    assert "upstream -1 × local 2·6 = -12" in inspector.chain_rule.text()
    pow_b = next(iter(textbook.succ[node_by_label(textbook, "b")]))
    inspector.show_node(textbook, pow_b)
    assert "PowBackward0 — d/dx xⁿ = n·xⁿ⁻¹" in inspector.op.text()
    assert inspector.value.text() == "36"
    assert "<i>exponent</i> = 2" in inspector.saved.text()
    assert "<i>self</i> = 6" in inspector.saved.text()
    assert "<b>sub</b>: upstream 1 × local -1 = -1" in inspector.chain_rule.text()


def test_the_output_is_the_seed(inspector, textbook):
    inspector.show_node(textbook, node_by_label(textbook, "y"))
    assert inspector.value.text() == "92"
    assert "∂y/∂y = 1: the seed" in inspector.chain_rule.text()


def test_vectors_and_matrices_are_tables(inspector):
    G = gradviz.evaluate("W = [[1, 2], [3, 4], [5, 6]]\nx = [1, -1]\ny = (W @ x).sum()").graph
    W = torch.tensor([[1.0, 2], [3, 4], [5, 6]], requires_grad=True)
    x = torch.tensor([1.0, -1], requires_grad=True)
    dW, dx = torch.autograd.grad((W @ x).sum(), (W, x))
    inspector.show_node(G, node_by_label(G, "W"))
    assert inspector.value.table.isVisible()
    assert cells(inspector.value) == [["1", "2"], ["3", "4"], ["5", "6"]]
    assert cells(inspector.grad) == [[f"{v:g}" for v in row] for row in dW.tolist()]
    inspector.show_node(G, node_by_label(G, "x"))
    assert cells(inspector.grad) == [[f"{v:g}"] for v in dx.tolist()]
    assert "mv" in inspector.chain_rule.text() and "contribution [9, 12]" in (
        inspector.chain_rule.text()
    )


def test_a_variable_used_twice_sums_its_contributions(inspector):
    G = gradviz.evaluate("x = 3\ny = x * x + sin(x)").graph
    inspector.show_node(G, node_by_label(G, "x"))
    rule = inspector.chain_rule.text()
    assert "<b>mul</b> (2 uses): upstream 1 × local 6 = 6" in rule
    x = torch.tensor(3.0, requires_grad=True)
    (dx,) = torch.autograd.grad(x * x + torch.sin(x), x)
    assert f"<b>{dx.item():.6g}</b>" in rule
    assert "Σ = 6 + " in rule


def test_tensors_beyond_two_dimensions_get_statistics(inspector):
    G = nx.DiGraph(outputs=["t"])
    value = torch.arange(24.0).reshape(2, 3, 4)
    G.add_node(
        "t",
        kind="leaf",
        op="AccumulateGrad",
        label="t",
        shape=(2, 3, 4),
        dtype="torch.float32",
        value=value,
        grad=None,
        saved={},
        order=None,
        note="unused by the output",
    )
    inspector.show_node(G, "t")
    assert not inspector.value.table.isVisible()
    assert inspector.value.text().startswith("shape 2×3×4 · min 0 · mean 11.5 · max 23")
    assert "unused by the output" in inspector.grad.text()
    assert inspector.chain_rule.text() == "No gradient reaches this node."


@pytest.fixture
def split_graph() -> nx.DiGraph:
    """A graph with a two-output node (split)."""
    x = torch.arange(4.0, requires_grad=True)
    with gradviz.record():
        first, second = x.split(2)
        y = first.sum() * 2 + second.sum()
    return gradviz.trace(y, names={"x": x})


def test_multi_output_nodes_show_each_output(inspector, split_graph):
    G = split_graph
    inspector.show_node(G, node_by_label(G, "split"))
    assert inspector.grad.text() == "2 outputs"
    assert "output 0: shape 2" in inspector.grad.findChildren(type(inspector.grad))[0].text()


def test_showing_another_node_replaces_the_per_output_views(inspector, split_graph):
    G = split_graph
    inspector.show_node(G, node_by_label(G, "split"))
    inspector.show_node(G, node_by_label(G, "x"))
    assert not [view for view in inspector.grad.findChildren(TensorView) if view.isVisible()]
    assert cells(inspector.grad) == [["2"], ["2"], ["1"], ["1"]]


def test_constants_take_no_gradient(inspector):
    G = nx.DiGraph(outputs=["y"])
    G.add_node("c", kind="constant", op=None, label="3", value=torch.tensor(3.0), grad=None)
    G.add_node("y", kind="output", op=None, label="y", value=torch.tensor(3.0), grad=None)
    G.add_edge("c", "y", grad=None, contributions=[], output_nr=0)
    inspector.show_node(G, "c")
    assert inspector.chain_rule.text() == "A constant: no gradient flows into it."
    assert inspector.value.text() == "3"


def test_nonfinite_cells_are_red(inspector):
    G = gradviz.evaluate("x = [0, 1]\ny = sqrt(x).sum()").graph
    inspector.show_node(G, node_by_label(G, "x"))
    model = inspector.grad.table.model()
    assert model.data(model.index(0, 0)) == "inf"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(model.index(1, 0), Qt.ItemDataRole.ForegroundRole) is None


def test_readable_at_300_pixels(inspector):
    G = gradviz.evaluate("W = [[1, 2, 3], [4, 5, 6]]\nx = [1, -1, 2]\ny = tanh(W @ x).sum()").graph
    scroll = inspector.findChild(QScrollArea)
    for node in G:
        inspector.show_node(G, node)
        needed = scroll.widget().minimumSizeHint().width()
        assert needed <= scroll.viewport().width() <= 300, G.nodes[node]["label"]


def test_clear_goes_back_to_the_hint(inspector, textbook):
    inspector.show_node(textbook, node_by_label(textbook, "a"))
    inspector.clear()
    assert inspector.node_id is None and inspector.empty.isVisible()


def test_clicking_a_card_fills_the_inspector(qtbot, textbook):
    view, inspector = GraphView(), NodeInspector()
    for widget in (view, inspector):
        qtbot.addWidget(widget)
    view.node_selected.connect(lambda node: inspector.show_node(view.graph, node))
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    view.set_graph(textbook)
    b = node_by_label(textbook, "b")
    pos = view.mapFromScene(view.node_item(b).sceneBoundingRect().center())
    with qtbot.waitSignal(view.node_selected, timeout=1000):
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert inspector.node_id == b
    assert (inspector.value.text(), inspector.grad.text()) == ("6", "-12")


def test_the_uses_inside_one_consumer_are_added_up_visibly(inspector):
    G = gradviz.evaluate("x = 3\ny = x * x + sin(x)").graph
    inspector.show_node(G, node_by_label(G, "x"))
    x = torch.tensor(3.0, requires_grad=True)
    (d_square,) = torch.autograd.grad(x * x, x)
    # product rule: each use of x contributes the other factor, x itself
    expected = f"the 2 uses add up: {x.item():g} + {x.item():g} = {d_square.item():g}"
    assert expected in inspector.chain_rule.text()
