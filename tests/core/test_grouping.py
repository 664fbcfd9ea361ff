"""collapse(): groups become single nodes, with no edge between groups lost."""

from __future__ import annotations

import networkx as nx
import torch
from torch import nn

import gradviz
from gradviz.core.grouping import Group, collapse, module_groups


def _mlp_graph(layers: int = 10):
    torch.manual_seed(0)
    model = nn.Sequential(*[nn.Sequential(nn.Linear(4, 4), nn.ReLU()) for _ in range(layers)])
    x = torch.randn(8, 4)
    with gradviz.record():
        loss = nn.functional.mse_loss(model(x), torch.zeros(8, 4))
    return model, x, gradviz.trace(loss, names=dict(model.named_parameters()))


def _cross_edges(G, groups):
    rep = {m: g.node_id for g in groups for m in g.members}
    return {(u, v) for u, v in G.edges if rep.get(u, u) != rep.get(v, v)}, rep


def test_a_hand_built_graph_collapses_with_merged_edges():
    G = nx.DiGraph([("x", "a"), ("x", "b"), ("a", "c"), ("b", "c"), ("c", "y"), ("k", "c")])
    for node in G:
        G.nodes[node].update(kind="op", label=node)
    C = collapse(G, [Group("ab", "ab", frozenset({"a", "b"}))])
    assert set(C.nodes) == {"x", "group:ab", "c", "y", "k"}
    assert C.edges["x", "group:ab"]["merged"] == [("x", "a"), ("x", "b")]
    assert sorted(C.edges["group:ab", "c"]["merged"]) == [("a", "c"), ("b", "c")]
    assert C.number_of_edges() == 4
    assert C.nodes["group:ab"]["count"] == 2 and C.nodes["group:ab"]["value"] is None


def test_a_ten_layer_mlp_reads_as_ten_boxes_and_no_edge_is_lost():
    model, x, G = _mlp_graph()
    groups = module_groups(G)
    C = collapse(G, groups)
    boxes = [d for d in C.nodes.values() if d["kind"] == "group"]
    assert sorted(d["module"] for d in boxes) == sorted(str(k) for k in range(10))
    grouped = sum(len(g.members) for g in groups)
    assert C.number_of_nodes() == G.number_of_nodes() - grouped + len(groups)
    cross, rep = _cross_edges(G, groups)
    merged = {e for _, _, d in C.edges(data=True) for e in d["merged"]}
    assert merged == cross, "every edge between groups is inside exactly one merged edge"
    assert {(rep.get(u, u), rep.get(v, v)) for u, v in cross} == set(C.edges)
    assert nx.is_directed_acyclic_graph(C)
    # Each box shows its block's output, as running the blocks one by one computes it.
    h = x
    for k, block in enumerate(model):
        h = block(h).detach()
        torch.testing.assert_close(C.nodes[f"group:{k}"]["value"], h)
    box = C.nodes["group:0"]
    assert (box["label"], box["ops"], box["count"]) == ("0 (Sequential)", 3, 5)  # t addmm relu


def test_collapse_is_idempotent():
    _, _, G = _mlp_graph(3)
    groups = module_groups(G)
    once = collapse(G, groups)
    twice = collapse(once, groups)
    assert set(twice.nodes) == set(once.nodes) and set(twice.edges) == set(once.edges)


def test_expanding_a_module_shows_its_children_then_its_ops():
    _, _, G = _mlp_graph(3)
    keys = {g.key for g in module_groups(G, expanded={"1"})}
    assert keys == {"0", "1.0", "1.1", "2"}
    keys = {g.key for g in module_groups(G, expanded={"1", "1.0"})}
    assert keys == {"0", "1.1", "2"}
    C = collapse(G, module_groups(G, expanded={"1", "1.0"}))
    shown = {d["label"] for d in C.nodes.values() if d.get("module") == "1.0"}
    assert shown == {"1.0.weight", "1.0.bias", "t", "addmm"}


class _Shared(nn.Module):
    """One Linear called twice with the root's own tanh in between."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(torch.tanh(self.lin(x)))


def test_a_group_that_would_make_a_cycle_stays_expanded():
    model = _Shared()
    with gradviz.record():
        y = model(torch.randn(1, 2)).sum()
    G = gradviz.trace(y)
    C = collapse(G, module_groups(G))
    assert C.graph["not_collapsed"] == ["lin"]
    assert nx.is_directed_acyclic_graph(C) and set(C.nodes) == set(G.nodes)
