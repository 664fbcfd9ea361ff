"""What one backward-stepper step costs the GUI thread, and the follow-up work off it.

    python tests/benchmarks/bench_stepper.py            # ~100, 1k, 10k nodes, 5 repeats
    python tests/benchmarks/bench_stepper.py --quick    # ~100 nodes, 1 repeat (CI)
    python tests/benchmarks/bench_stepper.py --kinds chain --repeat 3

Two programs unrolled n times: ``chain`` is ``y = tanh(y * 0.9 + 0.1)`` (a path), ``fan`` is
``y = sin(y) * x`` (``x`` feeds every ``mul``: long edges across the whole graph). Up to 200
edges are EdgeItems, more one EdgeBatch. The view is fitted, as a new big graph opens.
Columns, milliseconds, median of the runs:

- ``steps()``: ``BackwardSteps(graph)``, once per graph shown;
- ``step(k)``: the model of the middle step (node, edges carrying gradient, chain rule);
- ``view``: one step (k ↔ k+1 in turn): ``GraphView.set_step_state`` plus the repaint;
- ``check``: ``Evaluation.check_gradients()`` (worker thread in the app);
- ``d⁴/dx⁴ graph``: ``Evaluation.derivative_graph("x", 4)`` (worker thread in the app),
  up to 1k nodes (it grows much faster than the graph).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtWidgets import QApplication  # noqa: E402

import gradviz  # noqa: E402
from gradviz.core.backward_steps import BackwardSteps  # noqa: E402
from gradviz.ui.graph_view import GraphView  # noqa: E402


def _ms(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--kinds", nargs="+", default=["chain", "fan"], choices=["chain", "fan"])
    args = parser.parse_args()
    iterations = [50] if args.quick else [50, 500, 5000]
    programs = {
        "chain": "x = 0.5\ny = x\nfor i in range({n}):\n    y = tanh(y * 0.9 + 0.1)",
        "fan": "x = 0.5\ny = x\nfor i in range({n}):\n    y = sin(y) * x",
    }
    repeat = 1 if args.quick else args.repeat
    app = QApplication.instance() or QApplication([])
    view = GraphView()
    view.resize(1200, 800)
    view.show()
    print("| graph | nodes | edges | steps() | step(k) | view | check | d⁴/dx⁴ graph |")
    print("|---|---|---|---|---|---|---|---|", flush=True)
    for kind, n in ((kind, n) for kind in args.kinds for n in iterations):
        ev = gradviz.evaluate(programs[kind].format(n=n))
        G = ev.graph
        view.set_graph(G)
        app.processEvents()
        build, steps = _ms(lambda G=G: BackwardSteps(G), repeat)
        middle = len(steps) // 2
        one, step = _ms(lambda s=steps, k=middle: s.step(k), repeat)
        after = steps.step(middle + 1)
        view.set_step_state(step.node, step.done_edges)
        view.viewport().repaint()
        states = [after, step]

        def show(states=states):  # one step, forward and back in turn, with its repaint
            shown = states.pop(0)
            states.append(shown)
            view.set_step_state(shown.node, shown.done_edges, shown.waiting)
            view.viewport().repaint()

        paint, _ = _ms(show, max(repeat, 5))
        view.set_step_state(None, None)
        check, _ = _ms(ev.check_gradients, repeat)
        derivative = "—"
        if G.number_of_nodes() <= 1100:
            derivative = f"{_ms(lambda ev=ev: ev.derivative_graph('x', 4), repeat)[0]:.1f}"
        print(
            f"| {kind} | {G.number_of_nodes():,} | {G.number_of_edges():,} | {build:.1f} "
            f"| {one:.1f} | {paint:.1f} | {check:.1f} | {derivative} |",
            flush=True,
        )
    view.close()


if __name__ == "__main__":
    main()
