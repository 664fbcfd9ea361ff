"""Add prepared nodes and edges to a networkx.DiGraph without copying each attribute dict.

``add_nodes_from`` copies every attribute dict and, given ``(node, dict)`` pairs, first
tries each pair as a node and catches the TypeError; ``add_edges_from`` copies every edge
dict too. At 100k nodes that was over a second of ``trace``. Here the dicts go straight
into the adjacency layout networkx documents for DiGraph (``_node``, ``_succ``,
``_pred``), so the graph equals what those calls make, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx


def add_new(
    graph: nx.DiGraph,
    nodes: Iterable[tuple[str, dict]],
    edges: Iterable[tuple[str, str, dict]],
) -> None:
    """Add nodes not yet in ``graph``, then edges between its nodes, storing the dicts given.

    The caller's bookkeeping guarantees the nodes are new and the edges' ends present:
    checking would cost what is saved. An edge given twice keeps the last dict, whose
    values ``add_edges_from`` would also keep.
    """
    node_attrs, succ, pred = graph._node, graph._succ, graph._pred
    for node, attrs in nodes:
        node_attrs[node] = attrs
        succ[node] = {}
        pred[node] = {}
    for u, v, attrs in edges:
        succ[u][v] = attrs
        pred[v][u] = attrs
    cache = getattr(graph, "__networkx_cache__", None)
    if cache:  # results networkx cached for the graph as it was (networkx >= 3.3)
        cache.clear()
