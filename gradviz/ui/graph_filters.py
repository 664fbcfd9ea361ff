"""Which graph the view shows: the traced graph, without constants, grouped by module.

Qt-free on purpose: the toggles only choose arguments for pure functions of the graph,
so the same choices can be tested, exported or applied to a big graph by size.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import networkx as nx

from gradviz.core.grouping import GROUP_PREFIX, collapse, module_groups


@dataclass(frozen=True)
class GraphFilters:
    """The view's toggles, and which modules the user opened by double-clicking."""

    show_constants: bool = True
    group_by_module: bool = False
    expanded: frozenset[str] = field(default_factory=frozenset)


def has_constants(graph: nx.DiGraph | None) -> bool:
    return graph is not None and any(d.get("kind") == "constant" for d in graph.nodes.values())


def has_modules(graph: nx.DiGraph | None) -> bool:
    """True if some node was made inside a submodule, i.e. grouping would show boxes."""
    return graph is not None and any(d.get("module") for d in graph.nodes.values())


def shown_graph(graph: nx.DiGraph | None, filters: GraphFilters) -> nx.DiGraph | None:
    """``graph`` as the toggles say to show it (the same object when they change nothing)."""
    if graph is None:
        return None
    if not filters.show_constants and has_constants(graph):
        graph = _without_constants(graph)
    if filters.group_by_module and has_modules(graph):
        graph = collapse(graph, module_groups(graph, filters.expanded))
    return graph


def _without_constants(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy without the constant nodes (5x quicker than ``subgraph().copy()`` at 20k)."""
    gone = {n for n, kind in graph.nodes(data="kind") if kind == "constant"}
    kept = nx.DiGraph()
    kept.graph.update(graph.graph)
    kept.add_nodes_from((n, d) for n, d in graph.nodes(data=True) if n not in gone)
    kept.add_edges_from(
        (u, v, d) for u, v, d in graph.edges(data=True) if u not in gone and v not in gone
    )
    return kept


def toggle_module(shown: nx.DiGraph, node_id: str, filters: GraphFilters) -> GraphFilters | None:
    """What a double-click on ``node_id`` does: a group box opens; a node of an opened
    module closes the innermost opened module around it. None if it does nothing."""
    if not filters.group_by_module or node_id not in shown:
        return None
    module = shown.nodes[node_id].get("module")
    if node_id.startswith(GROUP_PREFIX):
        return replace(filters, expanded=filters.expanded | {module})
    opened = [p for p in filters.expanded if module and _contains(p, module)]
    if not opened:
        return None
    innermost = max(opened, key=len)
    # Closing a module also forgets what was opened inside it.
    kept = {p for p in filters.expanded if not _contains(innermost, p)}
    return replace(filters, expanded=frozenset(kept))


def node_of_module(shown: nx.DiGraph, path: str) -> str | None:
    """The card to show after opening or closing module ``path``: its box if it is closed,
    else the first card made inside it."""
    if GROUP_PREFIX + path in shown:
        return GROUP_PREFIX + path
    nodes = shown.nodes(data="module")
    inside = (n for n, module in nodes if module and _contains(path, module))
    return next(inside, None)


def _contains(outer: str, inner: str) -> bool:
    return inner == outer or inner.startswith(outer + ".")
