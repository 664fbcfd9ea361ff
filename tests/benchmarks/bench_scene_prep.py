"""How long ``prepare_scene`` takes for large graphs, step by step (medians of runs).

    python tests/benchmarks/bench_scene_prep.py                     # mlp at 100k nodes, 3 runs
    python tests/benchmarks/bench_scene_prep.py --kinds mlp chain --sizes 10000 100000
    python tests/benchmarks/bench_scene_prep.py --quick             # ~300 nodes, 1 run (CI)

``prepare_scene`` is what a worker thread does between "trace done" and building the
scene: card texts, card sizes, layout, edge routes, and the rest (edge flags, the
``EdgeBatch`` arrays, card boxes). Its progress calls mark the steps, so the same script
times any version of it. Each run measures fresh ``CardMetrics``, as a new view does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from bench_graph import KINDS, builder, load_average  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import gradviz  # noqa: E402
from gradviz.core.trace import gc_paused  # noqa: E402
from gradviz.ui.graph_view import GraphView  # noqa: E402
from gradviz.ui.node_item import CardMetrics  # noqa: E402
from gradviz.ui.scene_prep import prepare_scene  # noqa: E402

STEPS = ("texts", "sizes", "layout", "routes", "rest")


def time_steps(graph, font) -> list[float]:
    """Seconds spent in each of STEPS, the total, and the CPU time of one ``prepare_scene``.

    The CPU time shows how much of the total was waiting for a core on a loaded machine.
    """
    marks = []
    with gc_paused():  # as the app's loader runs it
        start, cpu = time.perf_counter(), time.process_time()
        prepare_scene(graph, CardMetrics(font), lambda _: marks.append(time.perf_counter()))
        total, cpu = time.perf_counter() - start, time.process_time() - cpu
    return [b - a for a, b in zip(marks, marks[1:], strict=False)] + [total, cpu]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=["mlp"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="300 nodes of each kind, 1 run")
    args = parser.parse_args(argv)
    if args.quick:
        args.kinds, args.sizes, args.repeat = list(KINDS), [300], 1
    QApplication.instance() or QApplication([])
    font = GraphView().font()
    print(f"load average before: {load_average()}")
    print("| graph | nodes | " + " | ".join(STEPS) + " | prepare_scene | CPU |")
    print("|---" * (len(STEPS) + 4) + "|")
    for kind in args.kinds:
        for size in args.sizes:
            with gradviz.record():
                out = builder(kind)(size)
            graph = gradviz.trace(out)
            runs = [time_steps(graph, font) for _ in range(args.repeat)]
            medians = [statistics.median(column) for column in zip(*runs, strict=True)]
            cells = " | ".join(f"{seconds:.2f}" for seconds in medians)
            print(f"| {kind} | {graph.number_of_nodes()} | {cells} |", flush=True)
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
