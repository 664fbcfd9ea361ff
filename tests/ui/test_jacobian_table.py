"""The Jacobian table against torch.autograd.functional.jacobian."""

from __future__ import annotations

import os

import torch

import gradviz
from gradviz.ui.jacobian_table import MAX_ROWS, element_labels

SHOTS = os.environ.get("GRADVIZ_SHOTS", "/tmp/beyond-ui")
PROGRAM = "W = [[1., 2.], [3., -4.], [0.5, 6.]]\nv = [1., -1.]\nc = 2.0\ny = tanh(W @ v) * c"


def _wait_for_table(qtbot, tab):
    qtbot.waitUntil(lambda: not tab.jacobian_table.table.isHidden(), timeout=10_000)


def test_cells_match_torch_functional_jacobian(qtbot, graph_tab, evaluate):
    evaluate(graph_tab, PROGRAM)
    _wait_for_table(qtbot, graph_tab)
    leaves = gradviz.evaluate(PROGRAM).leaves
    W, v, c = leaves["W"], leaves["v"], leaves["c"]
    reference = torch.autograd.functional.jacobian(lambda W, v, c: torch.tanh(W @ v) * c, (W, v, c))
    expected = torch.cat([r.reshape(3, -1) for r in reference], dim=1)
    table = graph_tab.jacobian_table
    assert (table.table.rowCount(), table.table.columnCount()) == (3, 6 + 2 + 1)
    headers = [table.table.horizontalHeaderItem(j).text() for j in range(9)]
    assert headers == ["∂" + h for h in element_labels("W", (3, 2)) + ["v[0]", "v[1]", "c"]]
    for i in range(3):
        assert table.table.verticalHeaderItem(i).text() == f"∂y[{i}]"
        for j in range(9):
            assert abs(table.cell_value(i, j) - expected[i, j].item()) < 1e-5, (i, j)


def test_big_outputs_get_a_message_not_a_table(qtbot, graph_tab, evaluate):
    evaluate(graph_tab, f"x = ones({MAX_ROWS + 1})\ny = x * 2")
    table = graph_tab.jacobian_table
    assert table.table.isHidden()
    assert f"{MAX_ROWS + 1} × {MAX_ROWS + 1}" in table.caption.text()


def test_clicking_a_node_brings_the_inspector_back(qtbot, graph_tab, evaluate):
    graph = evaluate(graph_tab, PROGRAM)
    _wait_for_table(qtbot, graph_tab)
    graph_tab.side_tabs.setCurrentWidget(graph_tab.jacobian_table)
    graph_tab.resize(1024, 700)
    os.makedirs(SHOTS, exist_ok=True)
    assert graph_tab.grab().save(os.path.join(SHOTS, "jacobian.png"))
    graph_tab.inspect_node(next(iter(graph.nodes)))
    assert graph_tab.side_tabs.currentWidget() is graph_tab.inspector
