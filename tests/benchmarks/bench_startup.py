"""How long gradviz takes from launch to a painted window, against a bare ``import torch``.

    python tests/benchmarks/bench_startup.py            # 7 launches of each, medians
    python tests/benchmarks/bench_startup.py --repeat 3
    python tests/benchmarks/bench_startup.py --tree /tmp/old   # another checkout (before/after)

Each launch is a fresh process, from just before it is spawned:

- ``python -c pass`` and ``python -c "import torch"``: the interpreter alone, and the
  floor any torch application pays;
- ``gradviz`` (``python -m gradviz``, offscreen, a throwaway HOME) with
  ``GRADVIZ_STARTUP_PROBE=1``: the app prints when its main window first paints and when
  the textbook example's graph is on screen, then quits (see gradviz/ui/startup_probe.py).

Launches alternate between the commands, so a burst of load on this shared machine hits
them alike; the load average is printed at start and end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 120


def launch(argv: list[str], env: dict[str, str], cwd: Path) -> dict[str, float]:
    """Seconds from spawning to exit (``exit``) and to each probe line the process prints."""
    started = time.time()
    done = subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S, check=True
    )
    times = {"exit": time.time() - started}
    for line in done.stdout.splitlines():
        name, _, stamp = line.partition(" ")
        if name in ("first-paint", "graph-shown"):
            times[name] = float(stamp) - started
    return times


def app_env(home: str, tree: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=home,
        XDG_DATA_HOME=os.path.join(home, "data"),
        XDG_CONFIG_HOME=os.path.join(home, "config"),
        GRADVIZ_STARTUP_PROBE="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(tree), os.environ.get("PYTHONPATH")])),
    )
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="launches of each (default 7)")
    parser.add_argument(
        "--tree",
        type=Path,
        default=REPO,
        help="the gradviz source tree to launch (default: this one)",
    )
    args = parser.parse_args(argv)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    python = sys.executable
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as home:
        env = app_env(home, args.tree)
        commands = {
            "python -c pass": [python, "-c", "pass"],
            'python -c "import torch"': [python, "-c", "import torch"],
            "gradviz": [python, "-m", "gradviz"],
        }
        for _ in range(args.repeat):
            for name, command in commands.items():
                for key, seconds in launch(command, env, args.tree).items():
                    label = name if key == "exit" else f"{name}: {key.replace('-', ' ')}"
                    samples.setdefault(label, []).append(seconds)
    torch_s = statistics.median(samples['python -c "import torch"'])
    print(f"# gradviz start-up, medians of {args.repeat} launches; load average {load} at start")
    print(f"Python {sys.version.split()[0]}, offscreen, gradviz tree {args.tree}\n")
    print("| launch | median s | min s | over import torch |")
    print("|---|---|---|---|")
    for label, values in samples.items():
        med = statistics.median(values)
        print(f"| {label} | {med:.2f} | {min(values):.2f} | {med - torch_s:+.2f} |")
    end = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average at end {end}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
