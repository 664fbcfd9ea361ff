"""How long gradviz takes from a traced autograd graph to pixels, at 1k to 100k nodes.

    python tests/benchmarks/bench_graph.py               # 1k, 10k, 100k nodes (several minutes)
    python tests/benchmarks/bench_graph.py --quick       # ~300 nodes, 1 repeat (CI)
    python tests/benchmarks/bench_graph.py --sizes 3000 10000 --repeat 3 --kinds mlp wide

Four graphs built with plain torch code (chain of elementwise ops, wide fan-in, Linear+ReLU
MLP with an MSE loss, residual MLP), each at about the requested number of grad_fn nodes.
For each graph it times, as the median of ``--repeat`` runs:

1. ``gradviz.trace`` with values and grads (the graph is built inside ``gradviz.record()``);
2. ``layered_layout`` alone, with the card sizes the view measures;
3. ``GraphView.set_graph`` (measures cards, lays out again, builds the scene items and fits);
   the ``items`` column is the part of it spent replacing the scene, when that can be seen;
4. the first full paint: ``grab()`` of a 1200x800 view right after ``set_graph``;
5. ``GraphView.load_graph``, the app's path (large graphs are prepared on a worker and
   their scene built in slices), from call to first paint (``load``), with ``stall``: the
   longest the event loop went without turning meanwhile (a freeze, as the user feels it);
6. a full-viewport repaint after panning 50 px, at the fitted (overview) zoom and at 100%.

``total`` is trace + set_graph + first paint, the time from a tensor to a drawn window.
``peak MB`` is the process's RSS high-water mark while handling the graph, over the RSS
after importing torch and Qt and warming up. Graphs above ``--max-scene-nodes`` skip steps
3-6 (printed as "skipped"). When ``torchviz`` and Graphviz's ``dot`` happen to be installed,
``make_dot`` plus an SVG render is timed on the same graphs, with its ratio to ``total``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import torch  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import gradviz  # noqa: E402
import gradviz.core.trace  # noqa: E402, F401  (raises the soft stack limit: deep chains free safely)
from gradviz.core.layout import layered_layout  # noqa: E402
from gradviz.ui.graph_view import GraphView  # noqa: E402

VIEW_SIZE = (1200, 800)
PAN_PX = 50
WIDTH = 8  # features of the MLPs: small tensors, so the graph and not the maths is measured
BATCH = 4
KINDS = ("chain", "wide", "mlp", "residual")
TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"
SKIPPED = "skipped"


# -- graphs ------------------------------------------------------------------------------


def build_chain(nodes: int) -> torch.Tensor:
    """x -> sin -> exp -> pow -> mul -> add -> sin ... -> sum: 5 grad_fn nodes a step."""
    x = torch.randn(BATCH, WIDTH, requires_grad=True)
    h = x
    for _ in range(max(1, (nodes - 2) // 5)):
        h = (h.sin().exp().pow(2) * 0.5) + 1.0
    return h.sum()


def build_wide(nodes: int) -> torch.Tensor:
    """sum(stack([sin(x * c_i) for i])): one node with a fan-in of nodes/2 terms."""
    x = torch.randn(BATCH, WIDTH, requires_grad=True)
    terms = [torch.sin(x * (0.5 + i / 100)) for i in range(max(1, (nodes - 3) // 2))]
    return torch.stack(terms).sum()


def build_mlp(nodes: int, cache: dict) -> torch.Tensor:
    """A stack of Linear+ReLU and an MSE loss: addmm, t, weight, bias and relu per layer."""
    layers = _linears(cache, max(1, (nodes - 4) // 5))
    h = torch.randn(BATCH, WIDTH)
    for layer in layers:
        h = torch.relu(layer(h))
    return torch.nn.functional.mse_loss(h, torch.zeros(BATCH, WIDTH))


def build_residual(nodes: int, cache: dict) -> torch.Tensor:
    """h = h + relu(Linear(h)) blocks and an MSE loss: six grad_fn nodes a block."""
    layers = _linears(cache, max(1, (nodes - 4) // 6))
    h = torch.randn(BATCH, WIDTH, requires_grad=True)
    for layer in layers:
        h = h + torch.relu(layer(h))
    return torch.nn.functional.mse_loss(h, torch.zeros(BATCH, WIDTH))


def _linears(cache: dict, count: int) -> list[torch.nn.Linear]:
    """The same modules for every repeat of a size: only the autograd graph is rebuilt."""
    if count not in cache:
        torch.manual_seed(0)
        cache[count] = [torch.nn.Linear(WIDTH, WIDTH) for _ in range(count)]
    return cache[count]


def builder(kind: str) -> Callable[[int], torch.Tensor]:
    cache: dict = {}
    return {
        "chain": build_chain,
        "wide": build_wide,
        "mlp": lambda n: build_mlp(n, cache),
        "residual": lambda n: build_residual(n, cache),
    }[kind]


# -- measuring ---------------------------------------------------------------------------


def rss_kb(field_name: str = "VmRSS") -> int | None:
    """Resident set size (or VmHWM, its high-water mark) of this process, in kB (Linux)."""
    try:
        with open("/proc/self/status") as status:
            match = re.search(rf"^{field_name}:\s+(\d+)", status.read(), re.MULTILINE)
    except OSError:
        match = None
    if match:
        return int(match.group(1))
    if field_name == "VmHWM":
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return None


def reset_peak() -> bool:
    """Reset the RSS high-water mark (Linux >= 4.0); False when it cannot be reset."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def median(samples: list[float]) -> float | None:
    return statistics.median(samples) if samples else None


@dataclass
class Row:
    kind: str
    target: int
    nodes: int = 0
    edges: int = 0
    times: dict[str, float | None | str] = field(default_factory=dict)
    peak_mb: float | None = None
    torchviz: float | str | None = None

    def total(self) -> float | None | str:
        parts = [self.times.get(k) for k in ("trace", "set_graph", "paint")]
        if any(p == SKIPPED for p in parts):
            return SKIPPED
        if any(p is None for p in parts):
            return None
        return sum(parts)  # type: ignore[arg-type]


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.view = GraphView()
        self.view.resize(*VIEW_SIZE)
        self.view.show()
        QApplication.processEvents()
        self.baseline_kb = 0
        self.peak_resets = False
        self.torchviz = _torchviz() if not args.no_torchviz else None

    # One small graph through every step, so fonts, caches and lazy imports are not
    # charged to the first measured graph.
    def warm_up(self) -> None:
        for kind in KINDS:
            with gradviz.record():
                out = builder(kind)(60)
            graph = gradviz.trace(out)
            layered_layout(graph, card_sizes(self.view, graph))
            self.view.set_graph(graph)
            self.view.grab()
            self.view.viewport().repaint()
        self.view.set_graph(None)
        del out, graph
        gc.collect()
        QApplication.processEvents()
        self.baseline_kb = rss_kb() or 0

    def run(self, kind: str, target: int) -> Row:
        args = self.args
        repeat = args.repeat if args.repeat else (3 if target >= 50_000 else 5)
        row = Row(kind, target)
        build = builder(kind)
        gc.collect()
        self.peak_resets = reset_peak()

        trace_s, graph, last_out = [], None, None
        for _ in range(repeat):
            graph = last_out = None  # free the previous graph and its autograd graph first
            with gradviz.record():
                out = build(target)
            seconds, graph = timed(lambda out=out: gradviz.trace(out))
            trace_s.append(seconds)
            last_out = out
            del out
        row.times["trace"] = median(trace_s)
        row.nodes, row.edges = graph.number_of_nodes(), graph.number_of_edges()

        sizes = card_sizes(self.view, graph)
        row.times["layout"] = median(
            [timed(lambda: layered_layout(graph, sizes))[0] for _ in range(repeat)]
        )

        if row.nodes > args.max_scene_nodes:
            for key in ("set_graph", "items", "paint", "load", "stall", "pan_fit", "pan_100"):
                row.times[key] = SKIPPED
        else:
            self.measure_view(graph, row, repeat)

        peak = rss_kb("VmHWM")
        row.peak_mb = (peak - self.baseline_kb) / 1024 if peak and self.baseline_kb else None

        if self.torchviz is not None:
            row.torchviz = self.measure_torchviz(last_out, row.nodes, repeat)
        self.view.set_graph(None)
        graph = last_out = None
        gc.collect()
        QApplication.processEvents()
        return row

    def measure_view(self, graph, row: Row, repeat: int) -> None:
        view = self.view
        items_s: list[float] = []  # every _replace_scene call that builds a graph
        replace = getattr(view, "_replace_scene", None)
        if replace is not None:  # time the scene building inside set_graph, when it exists

            def timed_replace(*a, **kw):
                seconds, result = timed(lambda: replace(*a, **kw))
                if a and a[0] is not None:
                    items_s.append(seconds)
                return result

            view._replace_scene = timed_replace
        set_graph_s, paint_s = [], []
        try:
            for _ in range(repeat):
                view.set_graph(None)  # clearing the previous scene is not part of the build
                gc.collect()
                QApplication.processEvents()
                seconds, _ = timed(lambda: view.set_graph(graph))
                set_graph_s.append(seconds)
                paint_s.append(timed(view.grab)[0])
        finally:
            if replace is not None:
                del view._replace_scene
        row.times["set_graph"] = median(set_graph_s)
        row.times["items"] = median(items_s)
        row.times["paint"] = median(paint_s)

        if hasattr(view, "load_graph"):
            loads = [self.measure_load(graph) for _ in range(min(repeat, 3))]
            row.times["load"] = median([seconds for seconds, _ in loads])
            row.times["stall"] = median([stall for _, stall in loads])

        pans = max(repeat, 5)
        fit = getattr(view, "fit", None)
        if fit is not None:  # overview: the whole graph (small graphs may open zoomed in)
            fit()
        row.times["pan_fit"] = median(self.pan_repaints(pans))
        view.zoom_by(1.0 / view.zoom())  # 100%, on the middle of the graph
        view.centerOn(view.scene().itemsBoundingRect().center())
        row.times["pan_100"] = median(self.pan_repaints(pans))

    def measure_load(self, graph) -> tuple[float, float]:
        """``load_graph`` (the app's path) over the previous graph, to the first paint:
        (seconds, the longest time the event loop did not turn meanwhile)."""
        view, gaps = self.view, []
        last = time.perf_counter()

        def tick() -> None:
            nonlocal last
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

        ticker, loop = QTimer(interval=0), QEventLoop()
        ticker.timeout.connect(tick)
        view.graph_loaded.connect(loop.quit)
        gc.collect()
        started = last = time.perf_counter()
        ticker.start()
        view.load_graph(graph)
        if view.is_loading():
            loop.exec()
        view.graph_loaded.disconnect(loop.quit)
        QTimer.singleShot(0, loop.quit)  # one more turn: the first paint, as the app does it
        view.viewport().update()
        loop.exec()
        seconds = time.perf_counter() - started
        ticker.stop()
        return seconds, max(gaps, default=seconds)

    def textbook(self, runs: int = 15) -> float:
        """Median seconds from the textbook program's text to its drawn graph, as the graph
        tab does it (evaluate, load_graph, paint); the evaluation thread is not included."""

        def draw() -> None:
            self.view.load_graph(gradviz.evaluate(TEXTBOOK).graph)
            self.view.grab()

        draw()
        seconds = median([timed(draw)[0] for _ in range(runs)])
        self.view.set_graph(None)
        return seconds

    def pan_repaints(self, count: int) -> list[float]:
        """Scroll by PAN_PX (alternately right and back), then time a full-viewport repaint."""
        bar, viewport, seconds = self.view.horizontalScrollBar(), self.view.viewport(), []
        QApplication.processEvents()
        for i in range(count):
            bar.setValue(bar.value() + (PAN_PX if i % 2 == 0 else -PAN_PX))
            seconds.append(timed(viewport.repaint)[0])
        QApplication.processEvents()
        return seconds

    def measure_torchviz(self, out: torch.Tensor, nodes: int, repeat: int) -> float | str:
        if nodes > self.args.max_torchviz_nodes:
            return SKIPPED
        make_dot, dot = self.torchviz
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 10 * nodes + 1000))  # make_dot recurses per node
        samples = []
        try:
            for _ in range(repeat if nodes < 5000 else 1):  # dot takes a minute at 10k
                started = time.perf_counter()
                source = make_dot(out).source
                subprocess.run(
                    [dot, "-Tsvg"],
                    input=source.encode(),
                    capture_output=True,
                    check=True,
                    timeout=self.args.torchviz_timeout,
                )
                samples.append(time.perf_counter() - started)
        except subprocess.TimeoutExpired:
            return f">{self.args.torchviz_timeout:g} s"
        except (RecursionError, subprocess.CalledProcessError, OSError) as error:
            return type(error).__name__
        finally:
            sys.setrecursionlimit(limit)
        return statistics.median(samples)


def card_sizes(view: GraphView, graph) -> dict | None:
    """The card sizes set_graph measures, or None (the layout's defaults) if that changed."""
    try:
        from gradviz.ui.node_item import CardMetrics, card_text

        metrics = CardMetrics(view.font())
        return {n: metrics.size(card_text(a)) for n, a in graph.nodes(data=True)}
    except Exception:  # the view's internals may move; the layout's defaults still work
        return None


def _torchviz():
    """(make_dot, path to dot) when both are installed, else None: never a dependency."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    try:
        from torchviz import make_dot
    except ImportError:
        return None
    return make_dot, dot


# -- report ------------------------------------------------------------------------------

COLUMNS = [
    ("trace", "trace"),
    ("layout", "layout"),
    ("set_graph", "set_graph"),
    ("items", "(items)"),
    ("paint", "1st paint"),
    ("load", "load"),
    ("stall", "stall"),
    ("pan_fit", "pan fit"),
    ("pan_100", "pan 100%"),
]


def ms(value: float | str | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return f"{value * 1000:,.{digits}f}"


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def print_header(args: argparse.Namespace, bench: Bench, load: str) -> None:
    now = datetime.now(timezone.utc)
    print(f"# gradviz graph benchmark, {now:%Y-%m-%d %H:%M} UTC, gradviz {_revision()}")
    print(
        f"machine: {platform.machine()}, nproc {os.cpu_count()}, load average at start {load}; "
        f"Python {platform.python_version()}, torch {torch.__version__}, "
        f"PySide6 {_pyside_version()}, torch threads {torch.get_num_threads()}"
    )
    repeat = f"{args.repeat} run(s)" if args.repeat else "5 runs (3 at >= 50k nodes)"
    baseline = f"{bench.baseline_kb / 1024:.0f} MB" if bench.baseline_kb else "unknown"
    print(
        f"view {VIEW_SIZE[0]}x{VIEW_SIZE[1]} offscreen; medians of {repeat}; "
        f"scene skipped above {args.max_scene_nodes:,} nodes; RSS baseline {baseline}"
    )
    if bench.torchviz is None:
        print("torchviz + dot: not installed (optional), no comparison column")
    print(flush=True)


def _revision() -> str:
    """The gradviz commit measured, with '+dirty' when gradviz/ has uncommitted changes."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(gradviz.__file__)))
    try:
        head = subprocess.run(
            ["git", "-C", repo, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", repo, "status", "--porcelain", "--", "gradviz"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _pyside_version() -> str:
    import PySide6

    return PySide6.__version__


def table(rows: list[Row], torchviz: bool) -> str:
    head = ["graph", "nodes", "edges", *(name for _, name in COLUMNS), "total", "peak MB"]
    if torchviz:
        head += ["torchviz+dot", "ratio"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row.kind, f"{row.nodes:,}", f"{row.edges:,}"]
        for key, _ in COLUMNS:
            value = row.times.get(key)
            cells.append(ms(value, 1 if key.startswith("pan") else 0))
        total = row.total()
        cells.append(ms(total))
        cells.append("—" if row.peak_mb is None else f"{row.peak_mb:,.0f}")
        if torchviz:
            cells.append(ms(row.torchviz))
            ok = isinstance(row.torchviz, float) and isinstance(total, float) and total > 0
            cells.append(f"{row.torchviz / total:.1f}x" if ok else "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="~300-node graphs, 1 repeat (CI)")
    parser.add_argument(
        "--sizes", type=int, nargs="+", help="grad_fn nodes per graph (default 1000 10000 100000)"
    )
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument(
        "--repeat", type=int, help="runs per step, median reported (default 5; 3 at >= 50k)"
    )
    parser.add_argument(
        "--max-scene-nodes",
        type=int,
        default=20_000,
        help="skip set_graph and painting for larger graphs (default 20000)",
    )
    parser.add_argument(
        "--max-torchviz-nodes",
        type=int,
        default=20_000,
        help="largest graph given to torchviz + dot, when installed (default 20000)",
    )
    parser.add_argument(
        "--torchviz-timeout", type=float, default=300.0, help="seconds per dot run (default 300)"
    )
    parser.add_argument("--no-torchviz", action="store_true", help="skip torchviz even if present")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = args.sizes or [300]
        args.repeat = args.repeat or 1
    args.sizes = args.sizes or [1_000, 10_000, 100_000]
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started, load = time.perf_counter(), load_average()
    app = QApplication.instance() or QApplication([])
    bench = Bench(args)
    bench.warm_up()
    print_header(args, bench, load)
    rows = []
    for target in sorted(args.sizes):
        for kind in args.kinds:
            print(f"... {kind} ~{target:,} nodes", file=sys.stderr, flush=True)
            rows.append(bench.run(kind, target))
    print("times in ms (median); total = trace + set_graph + 1st paint; set_graph includes")
    print("measuring the cards, its own layout and (items) building the scene items\n")
    print(table(rows, bench.torchviz is not None))
    print(f"\ntextbook example, text -> drawn: {ms(bench.textbook(), 1)} ms (median of 15)")
    if not bench.peak_resets:
        print("\npeak MB: RSS high-water mark could not be reset; it is cumulative over the run")
    wall = time.perf_counter() - started
    print(f"\nload average at end {load_average()}; wall time {wall:.0f} s")
    with contextlib.suppress(Exception):
        bench.view.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
