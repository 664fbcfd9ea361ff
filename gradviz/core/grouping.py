"""Collapse groups of nodes into single ``group`` nodes: a 10-layer MLP as 10 boxes.

``collapse`` is a pure function of a graph and a list of groups, so any grouping can use
it: by ``nn.Module`` (``module_groups``), or repeated structure in a big graph. Each
group node keeps ``members`` and each merged edge the original edges it stands for
(``merged``), which is what expanding a group back needs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

import networkx as nx

GROUP_PREFIX = "group:"


@dataclass(frozen=True)
class Group:
    """Nodes to show as one box; ``key`` names it (``"0"``), ``title`` labels it
    (``"0 (Linear)"``; the box also counts its ``ops``)."""

    key: str
    title: str
    members: frozenset[str]

    @property
    def node_id(self) -> str:
        return GROUP_PREFIX + self.key


def module_groups(graph: nx.DiGraph, expanded: Collection[str] = ()) -> list[Group]:
    """Group nodes by the outermost module path that is not in ``expanded``.

    With nothing expanded, ``Sequential``'s children (``"0"``, ``"1"``, …) are the boxes;
    expanding ``"3"`` shows its children (``"3.fc"``, ``"3.act"``) as boxes, and so on
    down to single ops. Nodes of the root model's own code (module ``""``) and nodes made
    outside any module stay ungrouped: one box for the whole model would hide it all.
    """
    classes = graph.graph.get("modules") or {}
    members: dict[str, set[str]] = {}
    for node, attrs in graph.nodes(data=True):
        module = attrs.get("module")
        if not module:
            continue
        path = _outermost_collapsed(module, expanded)
        if path is not None:
            members.setdefault(path, set()).add(node)
    return [
        Group(path, f"{path} ({classes.get(path, 'module')})", frozenset(nodes))
        for path, nodes in members.items()
    ]


def _outermost_collapsed(module: str, expanded: Collection[str]) -> str | None:
    parts = module.split(".")
    for depth in range(1, len(parts) + 1):
        path = ".".join(parts[:depth])
        if path not in expanded:
            return path
    return None


def collapse(graph: nx.DiGraph, groups: Iterable[Group]) -> nx.DiGraph:
    """A new graph with each group's members replaced by one node of kind ``group``.

    Edges between groups (or a group and a node) merge into one edge; edges inside a
    group disappear. A group node shows the value and gradient of its single exit node,
    when it has exactly one. Members missing from ``graph`` are ignored, so collapsing
    twice with the same groups changes nothing. Groups whose collapse would make a
    cycle (a module called twice with other work in between) stay expanded; their keys
    are in ``graph["not_collapsed"]``.
    """
    pending = [g for g in groups if any(m in graph for m in g.members)]
    refused: list[str] = []
    while True:
        collapsed = _contract(graph, pending)
        cyclic = _groups_in_cycles(collapsed)
        if not cyclic:
            break
        refused += [g.key for g in pending if g.node_id in cyclic]
        pending = [g for g in pending if g.node_id not in cyclic]
    collapsed.graph["not_collapsed"] = refused
    return collapsed


def _contract(graph: nx.DiGraph, groups: list[Group]) -> nx.DiGraph:
    rep: dict[str, str] = {}
    for group in groups:
        for member in group.members:
            if member in graph:
                rep[member] = group.node_id
    members: dict[str, list[str]] = {g.node_id: [] for g in groups}
    out = nx.DiGraph()
    out.graph.update(graph.graph)
    out.graph["outputs"] = [rep.get(o, o) for o in graph.graph.get("outputs", [])]
    for node, attrs in graph.nodes(data=True):
        if node in rep:
            members[rep[node]].append(node)  # in the graph's order
        else:
            out.add_node(node, **attrs)
    for group in groups:
        out.add_node(group.node_id, **_group_attrs(graph, group, members[group.node_id], rep))
    for u, v, data in graph.edges(data=True):
        a, b = rep.get(u, u), rep.get(v, v)
        if a == b:
            continue
        if out.has_edge(a, b):
            edge = out.edges[a, b]
            edge["merged"].append((u, v))
            uses = [*edge.get("uses", ()), *data.get("uses", ())]
            edge.update(grad=None, contributions=[], uses=uses)  # several grads: no one grad
        else:
            out.add_edge(a, b, **{**data, "merged": [(u, v)]})
    return out


def _group_attrs(graph: nx.DiGraph, group: Group, members: list[str], rep: dict) -> dict:
    exits = [m for m in members if any(rep.get(v) != group.node_id for v in graph.succ[m])]
    shown = graph.nodes[exits[0]] if len(exits) == 1 else {}
    ops = sum(1 for m in members if graph.nodes[m].get("kind") == "op")
    return dict(
        kind="group", op=None, label=group.title, ops=ops,
        name=None, shape=shown.get("shape"), dtype=shown.get("dtype"),
        value=shown.get("value"), grad=shown.get("grad"), saved={}, order=None, note=None,
        module=group.key, count=len(members), members=members,
    )


def _groups_in_cycles(graph: nx.DiGraph) -> set[str]:
    if nx.is_directed_acyclic_graph(graph):
        return set()
    return {
        node
        for component in nx.strongly_connected_components(graph)
        if len(component) > 1
        for node in component
        if graph.nodes[node].get("kind") == "group"
    }
