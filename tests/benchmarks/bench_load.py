"""A big graph from tensor to first paint the way the app shows it, one fresh process a run.

    python tests/benchmarks/bench_load.py                      # 100k MLP and chain, 3 runs
    python tests/benchmarks/bench_load.py --quick              # ~3k nodes, 1 run (CI)
    python tests/benchmarks/bench_load.py --nodes 30000 --kinds mlp --runs 5

Each run builds the graph (``bench_graph``'s builders) in a new Python process, traces it,
and shows it with ``GraphView.load_graph`` in a 1200x800 view (worker preparation, scene
built in slices, swap, first paint), while a zero-interval timer records how long the event
loop went without turning. It then loads a second graph of the same kind over it, as
re-running a program does, and records the same. Reported, as medians over the runs:

- ``trace``, ``load``: seconds; ``total`` is trace + load (the issue's "trace through first
  paint"); ``stall``: the longest time the event loop did not turn during either load;
- ``GC > 20 ms``: cyclic-GC passes that long during the loads;
- ``peak MB``: the RSS high-water mark over the RSS after importing torch and Qt and
  opening the view, with one graph shown (``peak 2 MB``: while the second replaces it);
- ``full GC``: one ``gc.collect()`` after the loads, which CPython runs by itself at some
  later moment once enough objects have survived: the one pass that walks every object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def one_run(kind: str, nodes: int) -> dict:
    """The measurements of one run, in this (fresh) process."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import gc
    import time

    sys.path.insert(0, str(HERE))
    import bench_graph
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    import gradviz
    from gradviz.ui.graph_view import GraphView

    app = QApplication.instance() or QApplication([])
    view = GraphView()
    view.resize(*bench_graph.VIEW_SIZE)
    view.show()
    app.processEvents()
    build = bench_graph.builder(kind)
    baseline = bench_graph.rss_kb()
    result: dict = {}
    gc_passes: list[float] = []
    started: dict = {}

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started["t"] = time.perf_counter()
        elif "t" in started and time.perf_counter() - started["t"] > 0.02:
            gc_passes.append(time.perf_counter() - started["t"])

    def load(graph) -> tuple[float, float]:
        gaps, last = [], [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        ticker, loop = QTimer(interval=0), QEventLoop()
        ticker.timeout.connect(tick)
        view.graph_loaded.connect(loop.quit)
        gc.callbacks.append(on_gc)
        begin = last[0] = time.perf_counter()
        ticker.start()
        view.load_graph(graph)
        if view.is_loading():
            loop.exec()
        view.graph_loaded.disconnect(loop.quit)
        QTimer.singleShot(0, loop.quit)  # one more turn: the first paint
        view.viewport().update()
        loop.exec()
        seconds = time.perf_counter() - begin
        ticker.stop()
        gc.callbacks.remove(on_gc)
        return seconds, max(gaps, default=seconds)

    for second in (False, True):
        with gradviz.record():
            out = build(nodes)
        seconds, graph = bench_graph.timed(lambda out=out: gradviz.trace(out))
        del out
        load_s, stall = load(graph)
        del graph
        if not second:
            result.update(trace=seconds, load=load_s, stall=stall)
            result["peak"] = (bench_graph.rss_kb("VmHWM") - baseline) / 1024
            bench_graph.reset_peak()
        else:
            result["stall"] = max(result["stall"], stall)
            result["peak2"] = (bench_graph.rss_kb("VmHWM") - baseline) / 1024
    result["nodes"] = view.graph.number_of_nodes()
    result["gc_passes"] = len(gc_passes)
    result["full_gc"] = bench_graph.timed(gc.collect)[0]
    view.shutdown()
    return result


def run_in_child(kind: str, nodes: int) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, __file__, "--child", kind, str(nodes)]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="~3k nodes, 1 run (CI)")
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--kinds", nargs="+", default=["mlp", "chain"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(one_run(args.child[0], int(args.child[1]))))
        return 0
    nodes, runs = (3000, 1) if args.quick else (args.nodes, args.runs)
    print(f"load average {os.getloadavg()[0]:.2f}; {runs} run(s) each, medians\n")
    print("| graph | nodes | trace s | load s | total s | stall ms | GC > 20 ms | peak MB "
          "| peak 2 MB | full GC s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for kind in args.kinds:
        results = [run_in_child(kind, nodes) for _ in range(runs)]

        def mid(key: str, rows: list[dict] = results) -> float:
            return statistics.median(row[key] for row in rows)

        total = statistics.median(row["trace"] + row["load"] for row in results)
        print(
            f"| {kind} | {results[0]['nodes']:,} | {mid('trace'):.2f} | {mid('load'):.2f} "
            f"| {total:.2f} | {1000 * mid('stall'):.0f} | {mid('gc_passes'):.0f} "
            f"| {mid('peak'):,.0f} | {mid('peak2'):,.0f} | {mid('full_gc'):.2f} |"
        )
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
