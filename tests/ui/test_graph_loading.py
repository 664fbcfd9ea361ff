"""Large graphs load without freezing the window, can be cancelled, and never half-replace
the graph on screen."""

from __future__ import annotations

import gc
import threading
import time

import networkx as nx
import pytest
import torch
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import gradviz
from gradviz.ui import graph_view as graph_view_module
from gradviz.ui import scene_prep
from gradviz.ui.card_blocks import MIN_CARDS
from gradviz.ui.graph_view import GraphView

LOAD_TIMEOUT_MS = 60_000


def chain_graph(steps: int) -> nx.DiGraph:
    """``h = sin(h) * 0.5`` repeated: two grad_fn nodes a step, one long path."""
    x = torch.randn(2, 3, requires_grad=True)
    with gradviz.record():
        h = x
        for _ in range(steps):
            h = torch.sin(h) * 0.5
        out = h.sum()
    return gradviz.trace(out, names={"x": x})


@pytest.fixture
def view(shown) -> GraphView:
    view = shown(GraphView(), 900, 600)
    yield view
    view.shutdown()


@pytest.fixture
def background(monkeypatch) -> None:
    """Every graph over 20 nodes takes the background path, so small graphs test it fast."""
    monkeypatch.setattr(graph_view_module, "BACKGROUND_NODES", 20)


@pytest.fixture
def small() -> nx.DiGraph:
    return gradviz.evaluate("a = 5\nb = 6\ny = a**3 - b**2 + 3").graph


def assert_shows(view: GraphView, graph: nx.DiGraph) -> None:
    assert view.graph is graph
    made = {item.node_id for item in view.node_items()}
    if graph.number_of_nodes() <= MIN_CARDS:
        assert made == set(graph.nodes)
    else:  # a big graph opens at overview: its cards are made as they come into view
        assert made < set(graph.nodes)
    assert set(view.scene().items()) >= set(view.node_items())


def test_small_graphs_load_at_once(view, small):
    view.load_graph(small)
    assert not view.is_loading()
    assert_shows(view, small)


def test_a_large_graph_loads_in_the_background_with_progress(qtbot, view, background, small):
    view.set_graph(small)
    big = chain_graph(300)
    progress: list[int] = []
    view.loading_progress.connect(progress.append)
    with qtbot.waitSignal(view.graph_loaded, timeout=LOAD_TIMEOUT_MS) as loaded:
        view.load_graph(big)
        assert view.is_loading()
        assert_shows(view, small)  # the old graph stays until the new one is complete
    assert loaded.args == [big]
    assert_shows(view, big)
    assert not view.is_loading()
    assert progress == sorted(progress) and progress[0] == 0 and progress[-1] == 100


def test_cancel_during_the_layout_keeps_the_previous_graph(
    qtbot, view, background, small, monkeypatch
):
    entered, release = threading.Event(), threading.Event()
    real_layout = scene_prep.layered_layout

    def slow_layout(*args, **kwargs):
        entered.set()
        release.wait(10)
        return real_layout(*args, **kwargs)

    monkeypatch.setattr(scene_prep, "layered_layout", slow_layout)
    view.set_graph(small)
    view.select_node(next(iter(small)))
    with qtbot.assertNotEmitted(view.graph_loaded):
        view.load_graph(chain_graph(300))
        qtbot.waitUntil(entered.is_set, timeout=LOAD_TIMEOUT_MS)
        view.cancel_loading()
        assert not view.is_loading()
        release.set()
        view.shutdown()  # waits for the worker, which stops at its next step
        QApplication.processEvents()
    assert_shows(view, small)
    assert view.selected_node() == next(iter(small))


def test_cancel_while_the_scene_is_built_keeps_the_previous_graph(
    qtbot, view, background, small, monkeypatch
):
    monkeypatch.setattr(graph_view_module, "SLICE_SECONDS", 0.0)  # one slice per event
    view.set_graph(small)
    with qtbot.waitSignal(
        view.loading_progress, check_params_cb=lambda p: p > 50, timeout=LOAD_TIMEOUT_MS
    ):
        view.load_graph(chain_graph(500))  # ~1,500 cards: made in slices (no blocks)
    with qtbot.assertNotEmitted(view.graph_loaded):
        view.cancel_loading()
        qtbot.waitUntil(lambda: not view._build_timer.isActive())
        QApplication.processEvents()
    assert_shows(view, small)


def test_a_newer_graph_wins_over_an_older_one(qtbot, view, background, small):
    older, newer = chain_graph(400), chain_graph(30)
    shown: list = []
    view.graph_loaded.connect(shown.append)
    with qtbot.waitSignal(view.graph_loaded, timeout=LOAD_TIMEOUT_MS):
        view.load_graph(older)
        view.load_graph(newer)
    view.shutdown()
    QApplication.processEvents()
    assert shown == [newer]
    assert_shows(view, newer)


def test_a_synchronous_set_graph_cancels_a_load(qtbot, view, background, small):
    view.load_graph(chain_graph(300))
    view.set_graph(small)
    assert not view.is_loading()
    view.shutdown()
    QApplication.processEvents()
    assert_shows(view, small)


def test_a_failed_preparation_is_reported_and_keeps_the_graph(
    qtbot, view, background, small, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("layout failed")

    view.set_graph(small)
    monkeypatch.setattr(scene_prep, "layered_layout", broken)
    with qtbot.waitSignal(view.load_failed, timeout=LOAD_TIMEOUT_MS) as failed:
        view.load_graph(chain_graph(100))
    assert "layout failed" in str(failed.args[0])
    assert not view.is_loading()
    assert_shows(view, small)


def test_the_event_loop_keeps_turning_while_a_10k_graph_loads(qtbot, view):
    big = chain_graph(5000)
    assert big.number_of_nodes() > graph_view_module.BACKGROUND_NODES
    # The synchronous path, in a view of its own (kept until the end, so dropping its scene
    # does not fall into the measurement): the reference for a freeze, at today's load.
    reference = GraphView()
    started = time.perf_counter()
    reference.set_graph(big)
    blocking = time.perf_counter() - started
    reference.grab()  # index and polish its scene now: Qt would do it in the measurement
    QApplication.processEvents()
    gc.collect()  # earlier tests' garbage would otherwise be collected in the middle
    stamps: list[float] = []
    ticker = QTimer(interval=0)
    ticker.timeout.connect(lambda: stamps.append(time.perf_counter()))
    with qtbot.waitSignal(view.graph_loaded, timeout=LOAD_TIMEOUT_MS):
        stamps.append(time.perf_counter())
        ticker.start()
        view.load_graph(big)
    ticker.stop()
    longest = max(b - a for a, b in zip(stamps, stamps[1:]))
    assert_shows(view, big)
    reference.set_graph(None)
    # Measured against the synchronous load, so a busy test machine slows both alike.
    assert longest < blocking / 3, f"longest stall {longest:.2f} s, set_graph {blocking:.2f} s"
