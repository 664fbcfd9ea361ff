"""The grad_outputs field: shown for vector outputs, seeds the backward, errors keep the graph."""

from __future__ import annotations

import torch

VECTOR = "x = [1., -2., 3.]\nw = 2.0\ny = x * x * w"


def _output(graph):
    (out,) = graph.graph["outputs"]
    return graph.nodes[out]


def _reference(seed):
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    w = torch.tensor(2.0, requires_grad=True)
    return torch.autograd.grad(x * x * w, [x, w], grad_outputs=torch.tensor(seed))


def test_field_appears_for_vector_outputs_and_the_card_says_ones(graph_tab, evaluate):
    evaluate(graph_tab, "a = 5\ny = a**2")
    assert graph_tab._seed_row.isHidden()
    graph = evaluate(graph_tab, VECTOR)
    assert not graph_tab._seed_row.isHidden()
    out = _output(graph)["grad_outputs"]
    assert out == "ones"
    (node,) = graph.graph["outputs"]
    assert ("grad", "ones") in graph_tab.graph_view.node_item(node).displayed_rows()


def test_a_typed_seed_gives_torchs_vector_jacobian_product(qtbot, graph_tab, evaluate):
    evaluate(graph_tab, VECTOR)
    seed = [0.5, 0.0, -1.0]
    graph_tab.grad_outputs_edit.setText("[0.5, 0, -1]")
    with qtbot.waitSignal(graph_tab.graph_shown, timeout=10_000) as blocker:
        qtbot.keyClick(graph_tab.grad_outputs_edit, "\r")
    graph = blocker.args[0]
    dx, dw = _reference(seed)
    leaf = {a["name"]: a for a in graph.nodes.values() if a["kind"] == "leaf"}
    torch.testing.assert_close(leaf["x"]["grad"], dx)
    torch.testing.assert_close(leaf["w"]["grad"], dw)
    (node,) = graph.graph["outputs"]
    assert ("grad", "[0.5, 0, -1]") in graph_tab.graph_view.node_item(node).displayed_rows()


def test_bad_seeds_show_an_error_and_keep_the_graph(qtbot, graph_tab, evaluate):
    good = evaluate(graph_tab, VECTOR)
    for text, words in (("[1, 2]", "shape 2, but the output y has shape 3"),
                        ("os.system('x')", "only numbers and lists")):  # fmt: skip
        graph_tab.grad_outputs_edit.setText(text)
        with qtbot.waitSignal(graph_tab.evaluation_failed, timeout=10_000) as blocker:
            graph_tab.evaluate_button.click()
        assert words in blocker.args[0]
        assert graph_tab.error_label.isVisible()
        assert graph_tab.graph_view.graph is good
        assert graph_tab.program() == VECTOR
