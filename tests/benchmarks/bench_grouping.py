"""What constants, module tracking and module grouping cost, at 1k to 50k nodes.

    python tests/benchmarks/bench_grouping.py             # full sizes, 5 repeats
    python tests/benchmarks/bench_grouping.py --quick     # small sizes, 1 repeat (CI)

Only the public API is timed for the first table, so the same script run against an older
tree (PYTHONPATH=that/tree) gives the "before" numbers:

* ``evaluate``: a program whose loop writes a number in every step
  (``x = x * 1.001 + 0.001``): two number constants per iteration;
* ``forward``: an MLP (``nn.Sequential`` of Linear+ReLU blocks) run inside ``record()``;
* ``trace``: ``gradviz.trace`` of that MLP's loss with its parameter names.

The second table (this tree only) times ``collapse(G, module_groups(G))`` and hiding the
constants (``shown_graph``) on the traced MLP. Every figure is the median of the repeats.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

import gradviz


def _median(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _mlp(blocks: int) -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    model = nn.Sequential(*[nn.Sequential(nn.Linear(8, 8), nn.ReLU()) for _ in range(blocks)])
    return model, torch.randn(4, 8)


def _record_forward(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    with gradviz.record():
        return model(x).pow(2).mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    args = parser.parse_args()
    repeat = 1 if args.quick else 5
    loops = [100] if args.quick else [500, 5000]
    blocks = [20] if args.quick else [200, 2000, 10000]

    print(f"torch {torch.__version__}, gradviz from {gradviz.__file__}, median of {repeat}")
    print("| case | graph nodes | evaluate / forward s | trace s |")
    print("|---|---|---|---|")
    for n in loops:
        text = f"x = 1.0\nfor i in range({n}):\n    x = x * 1.001 + 0.001"
        seconds, ev = _median(lambda text=text: gradviz.evaluate(text), repeat)
        print(f"| loop, {n} steps | {ev.graph.number_of_nodes()} | {seconds:.3f} | (in evaluate) |")
    graphs = []
    for b in blocks:
        model, x = _mlp(b)
        forward, loss = _median(lambda m=model, x=x: _record_forward(m, x), repeat)
        names = dict(model.named_parameters())
        seconds, G = _median(lambda loss=loss, names=names: gradviz.trace(loss, names=names),
                             repeat)
        graphs.append((b, G))
        print(f"| MLP, {b} blocks | {G.number_of_nodes()} | {forward:.3f} | {seconds:.3f} |")

    try:
        from gradviz.core.grouping import collapse, module_groups
        from gradviz.ui.graph_filters import GraphFilters, shown_graph
    except ImportError:
        return  # an older tree: no grouping to time
    print()
    print("| MLP | nodes | collapse(module_groups) s | boxes | hide constants s |")
    print("|---|---|---|---|---|")
    for b, G in graphs:
        seconds, C = _median(lambda G=G: collapse(G, module_groups(G)), repeat)
        hide, _ = _median(lambda G=G: shown_graph(G, GraphFilters(show_constants=False)), repeat)
        boxes = sum(1 for d in C.nodes.values() if d["kind"] == "group")
        print(f"| {b} blocks | {G.number_of_nodes()} | {seconds:.3f} | {boxes} | {hide:.3f} |")


if __name__ == "__main__":
    main()
