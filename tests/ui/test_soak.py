"""Soak (issue 7): 2,000 evaluate→draw cycles and 200 training start/stops stay flat.

The phases are tests/benchmarks/soak.py's, driven here through pytest-qt (so any Qt warning
fails the test, see conftest). Bounds, measured against what a leak would add:

- Python objects: a leak of a single object per cycle adds 1,800 after warm-up; the soak
  measures ~200 (caches that fill once, e.g. the cards' outline shapes per card size).
- RSS: ~5 MB of growth over 1,800 cycles here (allocator noise, those caches). Forgetting to
  disconnect one small closure per cycle already added 15 MB more; 15 MB is the bound.
- Scene items: after the soak, the view holds exactly what a fresh view makes of the graph.
- Threads: no more than after warm-up plus the evaluator's two pool workers.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

import gradviz
from gradviz.ui.graph_view import GraphView
from gradviz.ui.training_tab import TrainingTab

SOAK_PATH = Path(__file__).parents[1] / "benchmarks" / "soak.py"
GRAPH_CYCLES = 2000
GRAPH_WARMUP = 200
TRAINING_RUNS = 200
TRAINING_WARMUP = 20
MAX_GROWTH_MB = 15.0
MAX_NEW_OBJECTS = 1000
WAIT_MS = 10_000


def load_soak():
    """The benchmark script as a module (tests/ is not a package)."""
    spec = importlib.util.spec_from_file_location("gradviz_soak", SOAK_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


soak = load_soak()


@pytest.fixture
def wait(qtbot):
    return lambda signal: qtbot.waitSignal(signal, timeout=WAIT_MS)


@pytest.fixture
def training_tab(qtbot) -> TrainingTab:
    tab = TrainingTab()
    qtbot.addWidget(tab, before_close_func=lambda t: t.shutdown())
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def test_random_programs_all_evaluate():
    """Control: the soak's generator makes valid programs, so every cycle really draws."""
    rng = random.Random(1)
    for _ in range(50):
        ev = gradviz.evaluate(soak.random_program(rng))
        assert ev.output.numel() == 1


def test_two_thousand_evaluate_draw_cycles_stay_flat(graph_tab, wait, qtbot):
    phase = soak.soak_graph(graph_tab, GRAPH_CYCLES, GRAPH_WARMUP, seed=0, wait=wait)
    print("\n" + soak.table([phase]))
    assert phase.end.objects - phase.warm.objects < MAX_NEW_OBJECTS
    assert phase.growth_mb < MAX_GROWTH_MB
    assert phase.end.threads <= phase.warm.threads + 2
    fresh = GraphView()
    qtbot.addWidget(fresh)
    fresh.set_graph(graph_tab.graph_view.graph)
    assert phase.end.items == len(fresh.scene().items()) > 0


def test_two_hundred_training_starts_and_stops_stay_flat(training_tab, qtbot):
    def until(condition):
        qtbot.waitUntil(condition, timeout=WAIT_MS)

    phase = soak.soak_training(training_tab, TRAINING_RUNS, TRAINING_WARMUP, until)
    print("\n" + soak.table([phase]))
    assert phase.end.objects - phase.warm.objects < TRAINING_RUNS // 2
    assert phase.growth_mb < MAX_GROWTH_MB
    assert phase.end.threads <= phase.warm.threads
    assert not training_tab.is_running()
