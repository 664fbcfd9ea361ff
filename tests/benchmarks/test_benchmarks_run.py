"""The benchmark scripts still run (in their small modes), so they cannot rot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def _run(script: str, *args: str) -> str:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_graph_benchmark_quick_prints_a_table():
    out = _run("bench_graph.py", "--quick")
    for kind in ("chain", "wide", "mlp", "residual"):
        assert f"| {kind}" in out


def test_trace_benchmark_quick_prints_a_table():
    out = _run("bench_trace.py", "--quick")
    for kind in ("chain", "wide", "mlp", "residual"):
        assert f"| {kind} |" in out


def test_training_benchmark_small_run():
    out = _run("bench_training.py", "--epochs", "200", "--runs", "1")
    assert "epochs/s" in out


def test_theme_benchmark_small_run():
    out = _run("bench_theme.py", "--depth", "5", "--repeat", "1")
    assert "| graph nodes |" in out

def test_soak_small_run_prints_both_phases():
    out = _run("soak.py", "--cycles", "60", "--warmup", "20", "--runs", "10")
    assert "| evaluate→draw | 60 |" in out
    assert "| training start/stop | 10 |" in out

def test_grouping_benchmark_quick_prints_both_tables():
    out = _run("bench_grouping.py", "--quick")
    assert "| MLP, 20 blocks |" in out and "| 20 blocks |" in out

def test_stepper_benchmark_quick_prints_a_table():
    out = _run("bench_stepper.py", "--quick")
    assert "| chain" in out and "| fan" in out

def test_scene_prep_benchmark_quick_prints_a_table():
    out = _run("bench_scene_prep.py", "--quick")
    assert "| mlp |" in out and "| prepare_scene |" in out


def test_load_benchmark_quick_prints_a_table():
    out = _run("bench_load.py", "--quick")
    for kind in ("mlp", "chain"):
        assert f"| {kind} |" in out
