"""The backward stepper's model against torch: order, growing edges, chain-rule numbers."""

from __future__ import annotations

import pytest
import torch

import gradviz
from gradviz.core.backward_steps import BackwardSteps


def _square_plus_sin():
    x = torch.tensor(3.0, requires_grad=True)
    with gradviz.record():
        sq = x * x
        y = sq + torch.sin(x)
    return y, {"x": x, "sq": sq}


def _textbook():
    a = torch.tensor(5.0, requires_grad=True)
    b = torch.tensor(6.0, requires_grad=True)
    with gradviz.record():
        a3 = a**3
        b2 = b**2
        d = a3 - b2
        y = d + 3
    return y, {"a": a, "b": b, "a3": a3, "b2": b2, "d": d}


def _matrix():
    gen = torch.Generator().manual_seed(3)
    W = torch.randn(3, 2, generator=gen).requires_grad_()
    x = torch.tensor([0.5, -1.5], requires_grad=True)
    with gradviz.record():
        m = W @ x
        h = torch.tanh(m)
        y = (h * h).sum()
    return y, {"W": W, "x": x, "m": m, "h": h}


PROGRAMS = [_square_plus_sin, _textbook, _matrix]


def _named_nodes(G):
    return {attrs["name"]: node for node, attrs in G.nodes(data=True) if attrs["name"]}


@pytest.mark.parametrize("program", PROGRAMS)
def test_every_op_and_leaf_is_visited_once_in_engine_order(program):
    y, names = program()
    G = gradviz.trace(y, names=names)
    steps = BackwardSteps(G)
    visited = [steps.step(k).node for k in range(len(steps))]
    expected = [n for n, a in G.nodes(data=True) if a["kind"] in ("op", "leaf")]
    assert sorted(visited) == sorted(expected) and len(set(visited)) == len(visited)
    assert [G.nodes[n]["order"] for n in visited] == list(range(len(visited)))
    with pytest.raises(IndexError):
        steps.step(len(steps))


@pytest.mark.parametrize("program", PROGRAMS)
def test_a_node_runs_only_after_all_its_consumers_sent_their_gradient(program):
    y, names = program()
    G = gradviz.trace(y, names=names)
    steps = BackwardSteps(G)
    previous = steps.seed_edges
    for k in range(len(steps)):
        step = steps.step(k)
        assert {(step.node, c) for c in G.succ[step.node]} <= previous
        assert previous < step.done_edges or not G.pred[step.node]
        assert step.done_edges - previous == {(p, step.node) for p in G.pred[step.node]}
        incomplete = {
            u for u, v in G.edges
            if (u, v) not in step.done_edges and G.nodes[u]["kind"] != "constant"
        }  # fmt: skip
        assert step.waiting == incomplete  # a constant takes no gradient: nothing to wait for
        previous = step.done_edges
    assert previous == set(G.edges)


@pytest.mark.parametrize("program", PROGRAMS)
def test_chain_rule_numbers_match_torch_autograd_grad(program):
    y, names = program()
    G = gradviz.trace(y, names=names)
    node_of = _named_nodes(G)
    reference = dict(
        zip(names, torch.autograd.grad(y, list(names.values()), retain_graph=True), strict=True)
    )
    tensor_of = {node_of[n]: t for n, t in names.items()}
    steps = BackwardSteps(G)
    checked = 0
    for k in range(len(steps)):
        step = steps.step(k)
        if step.node not in tensor_of:
            continue
        name = G.nodes[step.node]["name"]
        total = sum(term.contribution for term in step.rule.terms)
        torch.testing.assert_close(total, reference[name])
        torch.testing.assert_close(step.rule.total, reference[name])
        for term in step.rule.terms:
            if term.consumer in tensor_of:  # upstream = d y / d consumer, by torch
                consumer = G.nodes[term.consumer]["name"]
                torch.testing.assert_close(term.upstream, reference[consumer])
        checked += 1
    assert checked == len(names)


def test_a_node_used_twice_by_one_op_shows_both_contributions():
    y, names = _square_plus_sin()
    G = gradviz.trace(y, names=names)
    steps = BackwardSteps(G)
    x_node = _named_nodes(G)["x"]
    step = steps.step(steps.nodes.index(x_node))
    (mul,) = [t for t in step.rule.terms if t.consumer_label == "mul"]
    # d(x·x)/dx by the product rule: x from each use, and torch agrees on the sum.
    x = names["x"]
    (d_square,) = torch.autograd.grad(x * x, x)
    assert [p.item() for p in mul.parts] == [x.item(), x.item()]
    assert sum(mul.parts).item() == pytest.approx(d_square.item())
    assert mul.uses == 2


def test_local_derivative_is_shown_for_scalar_steps():
    y, names = _textbook()
    G = gradviz.trace(y, names=names)
    steps = BackwardSteps(G)
    a_node = _named_nodes(G)["a"]
    (term,) = steps.step(steps.nodes.index(a_node)).rule.terms
    a = names["a"]
    (local,) = torch.autograd.grad(a**3, a)
    assert term.local == pytest.approx(local.item())
    assert term.local_formula == "3·5²"


def test_a_failed_backward_leaves_unreached_nodes_out():
    ev = gradviz.evaluate("a = 5\ny = a * 2")
    G = ev.graph.copy()
    unreached = next(n for n, d in G.nodes(data=True) if d["kind"] == "leaf")
    G.nodes[unreached]["order"] = None
    steps = BackwardSteps(G)
    assert unreached not in steps.nodes and len(steps) == 1
