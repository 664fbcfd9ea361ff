"""The graph tab: evaluate → redraw, click → inspect, errors keep graph and text, no freezes."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import torch
from PySide6.QtCore import QCoreApplication, Qt

import gradviz
from gradviz.ui import background_evaluator
from gradviz.ui.graph_tab import EMPTY_PROGRAM_HINT, GraphTab
from gradviz.ui.node_item import NodeItem

TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"
NEURON = "x = 0.5\nw = 2.0\nm = w * x\nt = tanh(m)\ny = t * 3"


def cards(tab: GraphTab) -> dict[str, NodeItem]:
    return {
        item.node_id: item for item in tab.graph_view.scene().items() if isinstance(item, NodeItem)
    }


def click_node(qtbot, tab: GraphTab, node_id: str) -> None:
    """Click the card's centre with the mouse, as a user would."""
    card = cards(tab)[node_id]
    tab.graph_view.centerOn(card)
    centre = tab.graph_view.mapFromScene(card.sceneBoundingRect().center())
    with qtbot.waitSignal(tab.graph_view.node_selected, timeout=2000) as blocker:
        qtbot.mouseClick(tab.graph_view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert blocker.args == [node_id]


def test_evaluate_redraws_with_a_card_for_every_node(graph_tab, evaluate):
    first = evaluate(graph_tab, TEXTBOOK)
    assert graph_tab.graph_view.graph is first
    assert set(cards(graph_tab)) == set(first.nodes)

    second = evaluate(graph_tab, "x = [1.0, 2.0, 3.0]\ny = sum(tanh(x) * x)")
    assert graph_tab.graph_view.graph is second
    assert set(cards(graph_tab)) == set(second.nodes)
    assert Counter(attrs["label"] for _, attrs in second.nodes(data=True))["tanh"] == 1
    assert "y" in graph_tab.title_label.text()
    assert graph_tab.error_label.text() == ""


def test_clicking_a_node_shows_its_value_and_grad_in_the_inspector(qtbot, graph_tab, evaluate):
    graph = evaluate(graph_tab, NEURON)

    # The same computation done by hand, with torch as the reference for every gradient.
    x = torch.tensor(0.5, requires_grad=True)
    w = torch.tensor(2.0, requires_grad=True)
    m = w * x
    t = torch.tanh(m)
    y = t * 3
    expected = dict(zip(["x", "w", "m", "t"], torch.autograd.grad(y, [x, w, m, t]), strict=True))

    for name, value in [("w", w), ("t", t), ("m", m)]:
        node_id = next(n for n, attrs in graph.nodes(data=True) if attrs["name"] == name)
        click_node(qtbot, graph_tab, node_id)
        assert graph_tab.inspector.node_id == node_id
        shown_value = float(graph_tab.inspector.value.text())
        shown_grad = float(graph_tab.inspector.grad.text())
        assert shown_value == pytest.approx(value.item(), rel=1e-5), name
        assert shown_grad == pytest.approx(expected[name].item(), rel=1e-5), name


def test_syntax_error_keeps_the_old_graph_and_the_text(graph_tab, evaluate):
    good = evaluate(graph_tab, TEXTBOOK)
    broken = "a = 5\nb = 6 +* 2\ny = a**3 - b**2 + 3"

    message = evaluate(graph_tab, broken, expect_error=True)

    assert message.startswith("line 2, col ")
    assert graph_tab.error_label.text() == message
    assert graph_tab.error_label.isVisible()
    assert graph_tab.graph_view.graph is good
    assert graph_tab.program() == broken
    assert graph_tab.editor.error_position[0] == 2

    evaluate(graph_tab, TEXTBOOK)
    assert graph_tab.error_label.text() == ""
    assert not graph_tab.error_label.isVisible()
    assert graph_tab.editor.error_position is None


@pytest.mark.parametrize(
    "program",
    [
        "x = [1.0, 2.0]\nW = [[1.0, 2.0, 3.0]]\ny = W @ x",  # shape mismatch at run time
        "y = open('/etc/passwd')",  # not on the whitelist
        "a = 2\ny = a ** 9 ** 9 ** 9",  # runaway power
    ],
)
def test_program_errors_are_shown_not_raised(graph_tab, evaluate, program):
    message = evaluate(graph_tab, program, expect_error=True)
    assert message.startswith("line ")
    assert graph_tab.program() == program


def test_unexpected_exceptions_are_shown_too(graph_tab, evaluate, monkeypatch):
    def broken_evaluate(text, **options):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(background_evaluator, "evaluate", broken_evaluate)
    message = evaluate(graph_tab, TEXTBOOK, expect_error=True)
    assert "RuntimeError" in message and "kaboom" in message
    assert graph_tab.error_label.text() == message


@pytest.mark.parametrize("program", ["", "   \n", "# only a comment\n"])
def test_empty_program_says_what_to_type(graph_tab, evaluate, program):
    evaluate(graph_tab, TEXTBOOK)
    graph_tab.set_program(program)
    graph_tab.evaluate_button.click()
    assert graph_tab.error_label.text() == EMPTY_PROGRAM_HINT
    assert graph_tab.error_label.isVisible()
    assert not graph_tab.evaluating
    assert graph_tab.graph_view.graph is None
    assert cards(graph_tab) == {}


def test_ctrl_enter_in_the_editor_evaluates(qtbot, graph_tab):
    graph_tab.set_program(TEXTBOOK)
    graph_tab.editor.setFocus()
    with qtbot.waitSignal(graph_tab.graph_shown, timeout=10_000):
        qtbot.keyClick(graph_tab.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert graph_tab.program() == TEXTBOOK


def test_typing_evaluates_after_a_pause(qtbot, graph_tab):
    graph_tab.auto_evaluate.setChecked(True)
    with qtbot.waitSignal(graph_tab.graph_shown, timeout=10_000) as blocker:
        qtbot.keyClicks(graph_tab.editor, "q = 3")
        qtbot.keyClick(graph_tab.editor, Qt.Key.Key_Return)
        qtbot.keyClicks(graph_tab.editor, "r = q * q")
    assert set(cards(graph_tab)) == set(blocker.args[0].nodes)


def test_evaluating_leaves_the_keyboard_focus_in_the_editor(qtbot, graph_tab):
    graph_tab.activateWindow()
    graph_tab.editor.setFocus()
    qtbot.waitUntil(graph_tab.editor.hasFocus)
    graph_tab.auto_evaluate.setChecked(True)
    with qtbot.waitSignal(graph_tab.graph_shown, timeout=10_000):
        qtbot.keyClicks(graph_tab.editor, "q = 3")
    assert graph_tab.editor.hasFocus()
    qtbot.keyClicks(graph_tab.editor, "1")
    assert graph_tab.program() == "q = 31"


class GatedEvaluate:
    """Stands in for gradviz.evaluate; programs containing 'slow' wait for a gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()

    def __call__(self, text: str, **options):
        if "slow" in text:
            self.started.set()
            assert self.gate.wait(timeout=30), "test never opened the gate"
        return gradviz.evaluate(text, **options)


@pytest.fixture
def gated(monkeypatch) -> GatedEvaluate:
    fake = GatedEvaluate()
    monkeypatch.setattr(background_evaluator, "evaluate", fake)
    yield fake
    fake.gate.set()  # never leave the worker thread stuck


def test_slow_evaluation_shows_busy_without_blocking_the_gui(qtbot, graph_tab, gated):
    graph_tab.set_program("slow = 2\ny = slow * 3")
    graph_tab.evaluate_button.click()
    qtbot.waitUntil(graph_tab.busy_bar.isVisible, timeout=5000)
    assert graph_tab.evaluating
    # The GUI thread is free: the editor still takes keys while the worker is busy.
    qtbot.keyClicks(graph_tab.editor, "# still typing")
    assert "# still typing" in graph_tab.program()

    with qtbot.waitSignal(graph_tab.graph_shown, timeout=10_000):
        gated.gate.set()
    qtbot.waitUntil(lambda: not graph_tab.busy_bar.isVisible(), timeout=5000)


def test_a_stale_result_never_replaces_a_newer_one(qtbot, graph_tab, gated, evaluate):
    graph_tab.set_program("slow = 2\ny = slow * 3")
    graph_tab.evaluate_button.click()
    assert gated.started.wait(timeout=10)

    fast = evaluate(graph_tab, TEXTBOOK)  # submitted while the slow one still runs
    assert graph_tab.graph_view.graph is fast

    shown = []
    graph_tab.graph_shown.connect(shown.append)
    gated.gate.set()
    # Stopping the thread waits for the slow evaluation; its result is then queued for the
    # GUI thread, and processing events delivers it: it must be dropped as stale.
    graph_tab.shutdown()
    QCoreApplication.processEvents()
    assert shown == []
    assert graph_tab.graph_view.graph is fast


def test_show_graph_from_elsewhere_replaces_the_view(graph_tab, evaluate):
    evaluate(graph_tab, TEXTBOOK)
    other = gradviz.evaluate("u = [1.0, -1.0]\nv = sum(relu(u))").graph
    graph_tab.show_graph(other, "from training")
    assert graph_tab.graph_view.graph is other
    assert set(cards(graph_tab)) == set(other.nodes)
    assert graph_tab.title_label.text() == "from training"


def test_colour_toggle_and_fit_button_reach_the_view(graph_tab, evaluate):
    evaluate(graph_tab, TEXTBOOK)
    fitted = graph_tab.graph_view.zoom()
    graph_tab.graph_view.zoom_by(3.0)
    assert graph_tab.graph_view.zoom() != pytest.approx(fitted)
    graph_tab.fit_button.click()
    assert graph_tab.graph_view.zoom() == pytest.approx(fitted)

    graph_tab.color_by_grad.setChecked(True)
    assert graph_tab.graph_view.color_by_grad() is True
