"""Export formats round-trip the graph with values and gradients; writes are atomic."""

from __future__ import annotations

import json
import os

import networkx as nx
import pytest

import gradviz
from gradviz.core import export
from gradviz.core.export import ExportError, export_graph

TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"


@pytest.fixture
def graph():
    return gradviz.evaluate(TEXTBOOK).graph


def _approx(value):
    """The exported form of a node's value or grad (constants have no grad)."""
    return None if value is None else pytest.approx(value.item())


def _by_label(nodes):
    return {attrs["label"]: attrs for _, attrs in nodes}


def test_json_round_trip(graph, tmp_path):
    export_graph(graph, tmp_path / "g.json")
    H = nx.node_link_graph(json.loads((tmp_path / "g.json").read_text()), edges="edges")
    assert set(H.nodes) == set(graph.nodes) and set(H.edges) == set(graph.edges)
    for node, attrs in graph.nodes(data=True):
        assert H.nodes[node]["value"] == _approx(attrs["value"])
        assert H.nodes[node]["grad"] == _approx(attrs["grad"])


def test_graphml_round_trip(graph, tmp_path):
    export_graph(graph, tmp_path / "g.graphml")
    H = nx.read_graphml(tmp_path / "g.graphml")
    assert set(H.nodes) == set(graph.nodes) and set(H.edges) == set(graph.edges)
    for node, attrs in graph.nodes(data=True):
        assert json.loads(H.nodes[node]["value"]) == _approx(attrs["value"])
        assert json.loads(H.nodes[node]["grad"]) == _approx(attrs["grad"])
        assert H.nodes[node]["kind"] == attrs["kind"]


def test_dot_names_every_node_with_its_numbers(graph, tmp_path):
    export_graph(graph, tmp_path / "g.dot")
    text = (tmp_path / "g.dot").read_text()
    assert text.startswith("digraph")
    for node, attrs in graph.nodes(data=True):
        assert f'"{node}" [label="{attrs["label"]}' in text
    for u, v in graph.edges:
        assert f'"{u}" -> "{v}";' in text
    assert "grad 75" in text and "grad -12" in text


def test_unknown_format_is_refused(graph, tmp_path):
    with pytest.raises(ValueError, match="unknown export format"):
        export_graph(graph, tmp_path / "g.xyz")


def test_unwritable_directory_is_reported(graph, tmp_path):
    with pytest.raises(ExportError, match="cannot write"):
        export_graph(graph, tmp_path / "missing" / "g.json")


def test_failure_mid_write_leaves_no_file(graph, tmp_path, monkeypatch):
    target = tmp_path / "g.json"
    target.write_text("previous")

    def disk_full(G, path):
        path.write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_write_json", disk_full)
    with pytest.raises(ExportError, match="No space left"):
        export_graph(graph, target)
    assert target.read_text() == "previous"
    assert os.listdir(tmp_path) == ["g.json"]


def test_huge_tensors_are_summarised():
    G = gradviz.evaluate("x = randn(200, 100)\ny = (x * x).sum()").graph
    leaf = next(a for _, a in G.nodes(data=True) if a["kind"] == "leaf")
    summary = export.plain(leaf["value"])
    assert summary["shape"] == [200, 100]
    assert summary["min"] <= summary["mean"] <= summary["max"]
