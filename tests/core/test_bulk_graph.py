"""add_new builds the same graph, in the same order, as networkx's own bulk calls."""

from __future__ import annotations

import networkx as nx

from gradviz.core.bulk_graph import add_new


def _same(ours: nx.DiGraph, ref: nx.DiGraph) -> None:
    assert nx.utils.graphs_equal(ours, ref)
    assert list(ours.nodes(data=True)) == list(ref.nodes(data=True))
    assert list(ours.edges(data=True)) == list(ref.edges(data=True))
    assert [list(ours.pred[n]) for n in ours] == [list(ref.pred[n]) for n in ref]


def test_add_new_equals_add_nodes_and_edges_from():
    nodes = [(f"n{k}", {"kind": "op", "k": k}) for k in range(6)]
    edges = [("n3", "n0", {"w": 1}), ("n1", "n0", {"w": 2}), ("n5", "n3", {}), ("n1", "n4", {})]
    ours, ref = nx.DiGraph(), nx.DiGraph()
    add_new(ours, nodes, edges)
    ref.add_nodes_from(nodes)
    ref.add_edges_from(edges)
    _same(ours, ref)
    # More nodes and edges into the same graphs, an edge given twice among them.
    more_nodes = [("c0", {"kind": "constant"}), ("c1", {"kind": "constant"})]
    more_edges = [("c0", "n2", {"w": 3}), ("c1", "n0", {}), ("c0", "n2", {"w": 4})]
    add_new(ours, more_nodes, more_edges)
    ref.add_nodes_from(more_nodes)
    ref.add_edges_from(more_edges)
    _same(ours, ref)
    assert ours.edges["c0", "n2"] == {"w": 4}
    # What later networkx calls do on it behaves as on any DiGraph.
    ours.add_edge("n2", "n0")
    assert list(nx.topological_sort(ours))[-1] == "n0"


def test_add_new_keeps_the_dicts_it_is_given():
    attrs, edge = {"kind": "leaf"}, {"grad": None}
    G = nx.DiGraph()
    add_new(G, [("a", attrs), ("b", {})], [("a", "b", edge)])
    assert G.nodes["a"] is attrs and G.edges["a", "b"] is edge and G.pred["b"]["a"] is edge
