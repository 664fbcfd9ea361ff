"""✓/✗ gradient-check badges on leaf cards, against Evaluation.check_gradients()."""

from __future__ import annotations

import dataclasses
import os

import pytest

import gradviz
from gradviz.core import functions
from gradviz.core.formatting import format_number
from gradviz.ui import graph_tab as graph_tab_module

SHOTS = os.environ.get("GRADVIZ_SHOTS", "/tmp/beyond-ui")
PROGRAM = "x = [0.5, -1.5, 2.0]\nw = 2.0\ny = sum(square(x) * w)"


def _leaf(graph, name):
    return next(n for n, a in graph.nodes(data=True) if a["kind"] == "leaf" and a["name"] == name)


def _wait_for_badges(qtbot, tab, graph, names):
    view = tab.graph_view
    qtbot.waitUntil(
        lambda: all(view.node_item(_leaf(graph, n)).check is not None for n in names),
        timeout=10_000,
    )


def test_badges_agree_with_check_gradients(qtbot, graph_tab, evaluate):
    graph = evaluate(graph_tab, PROGRAM)
    _wait_for_badges(qtbot, graph_tab, graph, ["x", "w"])
    reference = gradviz.evaluate(PROGRAM).check_gradients()
    for name in ("x", "w"):
        item = graph_tab.graph_view.node_item(_leaf(graph, name))
        assert item.check.ok is reference[name].ok is True
        assert item.check.max_abs_err == pytest.approx(reference[name].max_abs_err, abs=1e-9)
        tip = graph_tab.graph_view._tooltip_at(
            graph_tab.graph_view.mapFromScene(item.sceneBoundingRect().center())
        )
        assert "gradient check passed" in tip
        assert format_number(reference[name].max_abs_err, 3) in tip


def test_a_wrong_backward_gets_a_cross(qtbot, graph_tab, evaluate, monkeypatch, wrong_square):
    wrong = dataclasses.replace(functions.FUNCTIONS["square"], impl=wrong_square)
    monkeypatch.setitem(functions.FUNCTIONS, "square", wrong)
    messages = []
    graph_tab.status_message.connect(messages.append)
    graph = evaluate(graph_tab, PROGRAM)
    _wait_for_badges(qtbot, graph_tab, graph, ["x", "w"])
    reference = gradviz.evaluate(PROGRAM).check_gradients()
    assert not reference["x"].ok and reference["w"].ok  # w's gradient needs only the forward
    view = graph_tab.graph_view
    assert view.node_item(_leaf(graph, "x")).check.ok is False
    assert view.node_item(_leaf(graph, "w")).check.ok is True
    assert view.node_item(_leaf(graph, "x")).check.max_abs_err == pytest.approx(
        reference["x"].max_abs_err, rel=1e-6
    )
    qtbot.waitUntil(lambda: any("✗ for x" in m for m in messages))
    graph_tab.resize(1024, 700)
    view.fit()
    view.zoom_by(1.8)
    view.centerOn(view.node_item(_leaf(graph, "x")))
    os.makedirs(SHOTS, exist_ok=True)
    assert graph_tab.grab().save(os.path.join(SHOTS, "badges.png"))


def test_the_check_is_skipped_when_it_would_be_slow(qtbot, graph_tab, evaluate, monkeypatch):
    monkeypatch.setattr(graph_tab_module, "CHECK_BUDGET_SECONDS", 0.0)
    messages = []
    graph_tab.status_message.connect(messages.append)
    graph = evaluate(graph_tab, PROGRAM)
    assert any("gradient check skipped" in m for m in messages)
    assert not graph_tab._checker.pending
    assert graph_tab.graph_view.node_item(_leaf(graph, "x")).check is None
