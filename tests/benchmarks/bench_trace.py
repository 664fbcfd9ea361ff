"""How long ``gradviz.trace`` alone takes on bench_graph's graphs, optionally against another tree.

    python tests/benchmarks/bench_trace.py                        # 10k and 100k nodes, 3 runs
    python tests/benchmarks/bench_trace.py --quick                # ~300 nodes, 1 run (CI)
    python tests/benchmarks/bench_trace.py --compare /tmp/before  # a checkout of another commit

Each run is a fresh process (``--child``) that imports gradviz from the tree it is
given, builds the graph inside ``gradviz.record()`` (not timed) and times one ``trace``
(wall and CPU seconds); the table gives the medians of ``--repeat`` runs. With
``--compare`` the two trees take turns run by run (ABBA), so both see about the same
machine load: on this shared machine the same trace varies by ±30 % over minutes. The
load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE.parent.parent
CASES = (("mlp", 10_000), ("chain", 10_000), ("residual", 10_000), ("wide", 10_000),
         ("mlp", 100_000), ("chain", 100_000))


def child(tree: str, kind: str, nodes: int, repeat: int) -> None:
    """``repeat`` measured traces, printed as JSON (runs in its own process)."""
    sys.path[:0] = [tree, str(HERE)]
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import bench_graph  # noqa: PLC0415  (after sys.path names the tree)

    import gradviz  # noqa: PLC0415

    assert Path(gradviz.__file__).is_relative_to(tree), f"{gradviz.__file__} is not from {tree}"
    build, runs = bench_graph.builder(kind), []
    for _ in range(repeat):
        with gradviz.record():
            out = build(nodes)
        wall, cpu = time.perf_counter(), time.process_time()
        graph = gradviz.trace(out)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        runs.append({"wall": wall, "cpu": cpu, "nodes": graph.number_of_nodes()})
        del graph, out
    print(json.dumps(runs))


def _run(tree: Path, kind: str, nodes: int, repeat: int) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(tree), kind, str(nodes), str(repeat)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~300-node graphs, one run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", type=Path, help="another checkout, timed in turn")
    parser.add_argument("--kinds", nargs="+", help="only these graphs (mlp chain residual wide)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), int(args.child[3]))
        return
    cases = [(kind, 300) for kind, _ in CASES[:4]] if args.quick else list(CASES)
    cases = [(k, n) for k, n in cases if not args.kinds or k in args.kinds]
    repeat = 1 if args.quick else args.repeat
    trees = [TREE] + ([args.compare.resolve()] if args.compare else [])
    print(f"load average at start {_load()}; trees: {', '.join(map(str, trees))}")
    header = "| graph | nodes | " + " | ".join(
        f"{'this' if k == 0 else 'compared'} wall s | cpu s" for k in range(len(trees))
    ) + " |"
    print(header)
    print("|---" * (2 + 2 * len(trees)) + "|")
    for kind, nodes in cases:
        runs: list[list[dict]] = [[] for _ in trees]
        for round_ in range(repeat):  # one trace per process; the trees alternate, ABBA...
            for k in (range(len(trees)) if round_ % 2 == 0 else reversed(range(len(trees)))):
                runs[k] += _run(trees[k], kind, nodes, 1)
        cells = [
            f"{statistics.median(r['wall'] for r in tree_runs):.2f} | "
            f"{statistics.median(r['cpu'] for r in tree_runs):.2f}"
            for tree_runs in runs
        ]
        print(f"| {kind} | {runs[0][0]['nodes']:,} | " + " | ".join(cells) + " |", flush=True)
    print(f"load average at end {_load()}; medians of {repeat} runs")


if __name__ == "__main__":
    main()
