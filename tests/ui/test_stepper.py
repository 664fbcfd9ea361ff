"""The backward stepper on the graph tab: order, dimmed edges, chain-rule numbers, Play, keys."""

from __future__ import annotations

import os

import torch
from PySide6.QtCore import Qt

from gradviz.core.formatting import format_tensor
from gradviz.ui import palette
from gradviz.ui.scene_prep import EDGE_ITEMS_MAX

TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"
SQUARE = "x = 3\nsq = x * x\ny = sq + sin(x)"
SHOTS = os.environ.get("GRADVIZ_SHOTS", "/tmp/beyond-ui")


def _expected_order(graph) -> list[str]:
    ranked = [(a["order"], n) for n, a in graph.nodes(data=True) if a["kind"] in ("op", "leaf")]
    return [n for _, n in sorted(ranked)]


def test_step_visits_every_node_once_and_dims_edges_without_gradient(graph_tab, evaluate):
    graph = evaluate(graph_tab, TEXTBOOK)
    view, stepper = graph_tab.graph_view, graph_tab.stepper
    assert stepper.count() == len(_expected_order(graph))
    visited = []
    ran: set[str] = set()
    while stepper.step_button.isEnabled():
        stepper.step_button.click()
        current = view.step_current()
        visited.append(current)
        ran.add(current)
        assert view.node_item(current).is_step_current()
        for node in graph.nodes:  # a grad is complete once every consumer has run
            consumers = [c for c in graph.succ[node] if graph.nodes[c]["kind"] != "output"]
            no_grad = graph.nodes[node]["kind"] == "constant"  # nothing to wait for
            waiting = not no_grad and any(c not in ran for c in consumers)
            assert view.node_item(node).is_grad_waiting() is waiting, node
        assert graph_tab.inspector.node_id == current
        for u, v in graph.edges:
            carries = v in ran or graph.nodes[v]["kind"] == "output"
            assert view.edge_item(u, v).is_dimmed() is not carries, (u, v)
    assert visited == _expected_order(graph)
    assert "done" in stepper.status.text()

    while stepper.back_button.isEnabled():
        stepper.back_button.click()
    assert view.step_current() is None
    assert not any(view.edge_item(u, v).is_dimmed() for u, v in graph.edges)
    assert not any(view.node_item(n).is_grad_waiting() for n in graph.nodes)


def test_inspector_shows_each_steps_chain_rule_with_torchs_numbers(graph_tab, evaluate):
    graph = evaluate(graph_tab, SQUARE)
    x = torch.tensor(3.0, requires_grad=True)
    sq = x * x
    y = sq + torch.sin(x)
    dy_dsq, dy_dx = torch.autograd.grad(y, [sq, x])
    (d_square,) = torch.autograd.grad(x * x, x)
    by_name = {a["name"]: n for n, a in graph.nodes(data=True) if a["name"]}
    stepper = graph_tab.stepper
    seen = {}
    while stepper.step_button.isEnabled():
        stepper.step_forward()
        seen[graph_tab.graph_view.step_current()] = graph_tab.inspector.chain_rule.text()
    x_rule = seen[by_name["x"]]
    assert f"<b>{format_tensor(dy_dx)}</b>" in x_rule
    # the accumulation inside x·x: one contribution per use, each the other factor
    assert f"the 2 uses add up: 3 + 3 = {format_tensor(d_square * dy_dsq)}" in x_rule
    assert f"<b>{format_tensor(dy_dsq)}</b>" in seen[by_name["sq"]]


def test_play_runs_to_the_end_on_a_timer(qtbot, graph_tab, evaluate):
    graph = evaluate(graph_tab, TEXTBOOK)
    stepper = graph_tab.stepper
    stepper._timer.setInterval(5)
    positions = []
    stepper.step_changed.connect(lambda step: positions.append(step.index))
    stepper.play_button.click()
    assert stepper.is_playing()
    qtbot.waitUntil(lambda: not stepper.is_playing(), timeout=5000)
    assert positions == list(range(len(_expected_order(graph))))
    assert stepper.play_button.text() == "▶ Play"


def test_arrow_keys_step_while_the_view_has_focus(qtbot, graph_tab, evaluate):
    graph = evaluate(graph_tab, TEXTBOOK)
    order = _expected_order(graph)
    view = graph_tab.graph_view
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.step_current() == order[1]
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.step_current() == order[0]


def test_a_new_graph_resets_the_stepper(graph_tab, evaluate):
    evaluate(graph_tab, TEXTBOOK)
    graph_tab.stepper.step_forward()
    graph = evaluate(graph_tab, SQUARE)
    assert graph_tab.stepper.position() == -1
    assert graph_tab.graph_view.step_current() is None
    assert not any(graph_tab.graph_view.edge_item(u, v).is_dimmed() for u, v in graph.edges)


def test_batched_edges_are_dimmed_too(graph_tab, evaluate):
    program = "x = 0.5\ny = x\nfor i in range(80):\n    y = y * x + x"
    graph = evaluate(graph_tab, program)
    assert graph.number_of_edges() > EDGE_ITEMS_MAX
    view = graph_tab.graph_view
    for _ in range(5):
        graph_tab.stepper.step_forward()
    done = graph_tab.stepper.current_step().done_edges
    dimmed = {(u, v) for u, v in graph.edges if view.edge_item(u, v).is_dimmed()}
    assert dimmed == set(graph.edges) - done and len(done) > 5


def test_screenshot_mid_way(graph_tab, evaluate):
    graph_tab.resize(1024, 700)
    evaluate(graph_tab, SQUARE)
    for _ in range(2):
        graph_tab.stepper.step_forward()
    os.makedirs(SHOTS, exist_ok=True)
    assert graph_tab.grab().save(os.path.join(SHOTS, "stepper_mid_way.png"))


def test_the_running_node_is_named_on_a_chip_of_the_outline_colour(graph_tab, evaluate):
    """Pink text on the light window read at 2.7:1; a solid chip keys the outline and
    carries black or white ink, whichever reads."""
    evaluate(graph_tab, SQUARE)
    graph_tab.stepper.step_forward()
    image = graph_tab.stepper.status.grab().toImage()
    chip = palette.STEP_CURRENT.rgb()
    hits = [
        (x, y)
        for y in range(image.height())
        for x in range(image.width())
        if image.pixel(x, y) == chip
    ]
    xs, ys = [x for x, _ in hits], [y for _, y in hits]
    box = (max(xs) - min(xs) + 1) * (max(ys) - min(ys) + 1)
    assert len(hits) >= 0.5 * box, "a filled chip, not coloured letters"


def test_the_status_stays_one_line_at_1024(graph_tab, evaluate):
    """A wrapped status line grows the row and pushes the graph down mid-replay."""
    graph_tab.resize(1024, 700)
    evaluate(graph_tab, SQUARE)
    stepper = graph_tab.stepper
    status = stepper.status
    while stepper.step_button.isEnabled():
        stepper.step_forward()
        assert status.heightForWidth(status.width()) < 2 * status.fontMetrics().lineSpacing()
    assert "done" in status.text()
