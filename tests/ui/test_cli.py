"""The command line exports headless: no DISPLAY, no QT_QPA_PLATFORM, no window."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from PySide6.QtGui import QImage

TEXTBOOK = "a = 5; b = 6; y = a**3 - b**2 + 3"


def _gradviz(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    exe = shutil.which("gradviz")
    command = [exe] if exe else [sys.executable, "-m", "gradviz"]
    return subprocess.run(
        [*command, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=180
    )


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """One headless run per format, shared by the checks below."""
    folder = tmp_path_factory.mktemp("exports")
    results = {}
    for ext in ("svg", "png", "graphml", "json", "dot"):
        out = folder / f"graph.{ext}"
        results[ext] = (_gradviz("-e", TEXTBOOK, "--export", str(out)), out)
    return results


@pytest.mark.parametrize("ext", ["svg", "png", "graphml", "json", "dot"])
def test_export_runs_without_a_display(exports, ext):
    proc, out = exports[ext]
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and out.stat().st_size > 0
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "temp file left"


def test_svg_is_xml_with_the_gradients(exports):
    _, out = exports["svg"]
    root = ET.parse(out).getroot()
    text = " ".join(t.strip() for t in root.itertext() if t.strip())
    assert "75" in text.split() and "-12" in text.split()


def test_png_is_an_image_of_the_graph(exports):
    _, out = exports["png"]
    image = QImage(str(out))
    assert not image.isNull() and image.width() > 300 and image.height() > 100


def test_text_formats_carry_values_and_grads(exports):
    G = nx.node_link_graph(json.loads(exports["json"][1].read_text()), edges="edges")
    leaves = {d["label"]: d for _, d in G.nodes(data=True) if d["kind"] == "leaf"}
    assert (leaves["a"]["value"], leaves["a"]["grad"]) == (5.0, 75.0)
    assert (leaves["b"]["value"], leaves["b"]["grad"]) == (6.0, -12.0)
    H = nx.read_graphml(exports["graphml"][1])
    assert set(H.nodes) == set(G.nodes)
    dot = exports["dot"][1].read_text()
    assert all(f'"{node}"' in dot for node in G.nodes)


def test_bad_program_exits_nonzero_with_line_and_column(tmp_path):
    proc = _gradviz("-e", "a = 5\ny = foo + a", "--export", str(tmp_path / "g.json"))
    assert proc.returncode != 0
    assert proc.stderr.strip() == "2:5: unknown name 'foo'"
    assert not list(tmp_path.iterdir())


def test_program_file_and_version(tmp_path):
    program = tmp_path / "prog.py"
    program.write_text("x = [1., 2.]\ny = (x * x).sum()\n")
    proc = _gradviz(str(program), "--export", str(tmp_path / "g.dot"))
    assert proc.returncode == 0, proc.stderr
    assert "grad 1" in (tmp_path / "g.dot").read_text()
    version = _gradviz("--version")
    assert version.returncode == 0 and version.stdout.startswith("gradviz ")


def test_unwritable_export_path_is_reported(tmp_path):
    proc = _gradviz("-e", TEXTBOOK, "--export", str(tmp_path / "missing" / "g.svg"))
    assert proc.returncode != 0 and "cannot write" in proc.stderr
