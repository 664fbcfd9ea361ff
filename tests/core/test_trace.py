"""The tracer against independent references: torch.autograd.grad and plain walks."""

from __future__ import annotations

from collections import Counter

import pytest
import torch

import gradviz
from gradviz.core.trace import FREED, trace

TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"


def _ops(G):
    return {n: d for n, d in G.nodes(data=True) if d["kind"] == "op"}


def test_textbook_values_and_grads():
    ev = gradviz.evaluate(TEXTBOOK)
    a, b = 5.0, 6.0
    assert ev.output.item() == a**3 - b**2 + 3
    assert ev.output_name == "y"
    assert ev.grads["a"].item() == 3 * a**2
    assert ev.grads["b"].item() == -2 * b
    G = ev.graph
    ops = sorted((d["label"], d["value"].item()) for d in _ops(G).values())
    assert ops == sorted([("pow", a**3), ("pow", b**2), ("sub", a**3 - b**2),
                          ("add", a**3 - b**2 + 3)])
    leaves = {d["name"]: d for d in G.nodes.values() if d["kind"] == "leaf"}
    assert leaves["a"]["value"].item() == a and leaves["a"]["grad"].item() == 3 * a**2
    assert leaves["b"]["value"].item() == b and leaves["b"]["grad"].item() == -2 * b
    (out,) = G.graph["outputs"]
    assert G.nodes[out]["value"].item() == ev.output.item()
    assert G.nodes[out]["grad"].item() == 1.0
    assert G.nodes[out]["label"] == "y"
    assert all(isinstance(n, str) for n in G.nodes)


def _build(kind: str, size: int, seed: int = 0):
    """Plain torch graphs of roughly `size` grad_fn nodes; returns (output, named intermediates)."""
    g = torch.Generator().manual_seed(seed)
    named = {}
    if kind == "chain":
        x = torch.randn(4, generator=g, requires_grad=True)
        named["x"] = x
        h = x
        for i in range(size // 3):
            h = torch.sin(h) * 1.01 + 0.1
            named[f"h{i}"] = h
        return h.sum(), named
    if kind == "wide":
        xs = [torch.randn(3, generator=g, requires_grad=True) for _ in range(size // 3)]
        named.update({f"x{i}": x for i, x in enumerate(xs)})
        terms = [torch.tanh(x) * (i + 1) for i, x in enumerate(xs)]
        return torch.stack(terms).sum(), named
    width = 6
    layers = max(size // (5 if kind == "mlp" else 6), 1)
    x = torch.randn(5, width, generator=g)
    t = torch.randn(5, width, generator=g)
    h = x
    for i in range(layers):
        W = (torch.randn(width, width, generator=g) * 0.4).requires_grad_(True)
        b = torch.zeros(width, requires_grad=True)
        named[f"W{i}"], named[f"b{i}"] = W, b
        z = torch.relu(h @ W + b)
        h = h + z if kind == "residual" else z
        named[f"h{i}"] = h
    return ((h - t) ** 2).mean(), named


@pytest.mark.parametrize("kind", ["chain", "wide", "mlp", "residual"])
def test_every_node_grad_matches_autograd(kind):
    with gradviz.record():
        y, named = _build(kind, 300)
    G = trace(y, names=named)
    by_name = {d["name"]: d for d in G.nodes.values() if d["name"] is not None}
    tensors = [t for t in named.values()]
    refs = torch.autograd.grad(y, tensors, retain_graph=True, allow_unused=True)
    checked = 0
    for (name, tensor), ref in zip(named.items(), refs):
        if name not in by_name or ref is None:
            continue
        node = by_name[name]
        torch.testing.assert_close(node["grad"], ref, msg=f"{kind}: d y / d {name}")
        if tensor.grad_fn is not None:
            torch.testing.assert_close(node["value"], tensor.detach())
        checked += 1
    assert checked >= len(named) * 0.9


def test_intermediate_grads_match_retain_grad():
    x = torch.tensor([0.3, -1.2, 2.0], requires_grad=True)
    with gradviz.record():
        u = x * x
        v = torch.exp(-u)
        w = v * torch.sin(x)
        y = w.sum() + u.mean()
    G = trace(y, names={"x": x, "u": u, "v": v, "w": w})
    for t in (u, v, w):
        t.retain_grad()
    y.backward(retain_graph=True)
    by_name = {d["name"]: d for d in G.nodes.values() if d["name"]}
    for name, t in {"u": u, "v": v, "w": w, "x": x}.items():
        torch.testing.assert_close(by_name[name]["grad"], t.grad)


@pytest.mark.parametrize("kind", ["chain", "wide", "mlp", "residual"])
def test_graph_ops_match_plain_walk(kind):
    y, _ = _build(kind, 1000)
    G = trace(y)
    seen, stack, plain = set(), [y.grad_fn], Counter()
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        plain[type(fn).__name__] += 1
        stack.extend(f for f, _ in fn.next_functions)
    traced = Counter(d["op"] for d in G.nodes.values() if d["kind"] in ("op", "leaf"))
    assert traced == plain
    assert sum(plain.values()) >= 900


def test_order_is_engine_order_for_ops_and_leaves():
    ev = gradviz.evaluate(TEXTBOOK)
    G = ev.graph
    orders = [d["order"] for d in G.nodes.values() if d["kind"] in ("op", "leaf")]
    assert sorted(orders) == list(range(len(orders)))
    for u, v in G.edges:
        if G.nodes[u]["kind"] == "constant":  # no gradient flows into a constant
            assert G.nodes[u]["order"] is None
        elif G.nodes[v]["kind"] != "output":
            assert G.nodes[u]["order"] > G.nodes[v]["order"], "a producer runs after its consumer"
    (out,) = G.graph["outputs"]
    assert G.nodes[out]["order"] is None


def test_trace_has_no_side_effects_and_repeats():
    a = torch.tensor(2.0, requires_grad=True)
    a.grad = torch.tensor(7.0)
    y = (a * a).sin()
    first = trace(y, names={"a": a})
    second = trace(y, names={"a": a})
    assert a.grad.item() == 7.0
    assert not a._backward_hooks
    assert y.grad_fn._forward_hooks if hasattr(y.grad_fn, "_forward_hooks") else True
    leaf = lambda G: next(d for d in G.nodes.values() if d["kind"] == "leaf")  # noqa: E731
    ref = torch.autograd.grad(y, a, retain_graph=True)[0]
    assert leaf(first)["grad"].item() == pytest.approx(ref.item())
    assert leaf(second)["grad"].item() == pytest.approx(ref.item())


def test_shared_use_sums_contributions():
    x = torch.tensor(3.0, requires_grad=True)
    y = x * x
    G = trace(y, names={"x": x})
    ((u, v, data),) = [(u, v, d) for u, v, d in G.edges(data=True) if G.nodes[u]["kind"] == "leaf"]
    assert len(data["uses"]) == 2 and len(data["contributions"]) == 2
    assert data["grad"].item() == pytest.approx(2 * 3.0)
    assert G.nodes[u]["grad"].item() == pytest.approx(6.0)


def test_hundred_thousand_deep_chain_traces():
    x = torch.tensor(0.5, requires_grad=True)
    h = x
    for _ in range(100_000):
        h = h * 1.0
    G = trace(h)
    assert G.number_of_nodes() == 100_002
    leaf = next(d for d in G.nodes.values() if d["kind"] == "leaf")
    assert leaf["grad"].item() == pytest.approx(1.0)
    del G, h  # freeing the touched chain must not overflow the C stack


def test_freed_graph_degrades_gracefully():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()  # frees the saved tensors
    G = trace(y)
    assert G.graph["backward_error"]
    saved = [v for d in G.nodes.values() for v in d["saved"].values()]
    assert FREED in saved
    missing = [d for d in G.nodes.values() if d["kind"] in ("op", "leaf") and d["grad"] is None]
    assert missing and all(d["note"] for d in missing)


class _Broken(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("backward not supported here")


def test_unsupported_backward_does_not_fail_the_graph():
    x = torch.tensor(1.5, requires_grad=True)
    y = torch.sin(_Broken.apply(x))
    G = trace(y, names={"x": x})
    sin = next(d for d in G.nodes.values() if d["op"] == "SinBackward0")
    assert sin["grad"].item() == 1.0
    assert sin["note"] is None, "a node whose backward ran is not marked as stopped"
    leaf = next(d for d in G.nodes.values() if d["kind"] == "leaf")
    assert leaf["grad"] is None and "backward not supported" in leaf["note"]


def test_multi_output_nodes_have_tuples():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with gradviz.record():
        a, b, c = x.unbind()
        y = a * 2 + b * 3
    G = trace(y)
    unbind = next(d for d in G.nodes.values() if d["op"] == "UnbindBackward0")
    assert isinstance(unbind["value"], tuple) and len(unbind["value"]) == 3
    assert [v.item() for v in unbind["value"]] == [1.0, 2.0, 3.0]
    assert [None if g is None else g.item() for g in unbind["grad"]][:2] == [2.0, 3.0]


def test_views_and_in_place_ops_match_autograd():
    x = torch.tensor([1.0, -2.0, 3.0, 0.5], requires_grad=True)
    with gradviz.record():
        h = x * 1.0
        v = h[1:3]
        v.mul_(3.0)  # in place through a view
        h.add_(1.0)
        y = (h * h).sum()
    G = trace(y, names={"x": x})
    leaf = next(d for d in G.nodes.values() if d["kind"] == "leaf")
    ref = torch.autograd.grad(y, x, retain_graph=True)[0]
    torch.testing.assert_close(leaf["grad"], ref)
    mul = next(d for d in G.nodes.values() if d["op"] == "MulBackward0" and d["order"] is not None
               and d["note"])
    assert "in place" in mul["note"] and mul["value"] is None


def test_output_that_does_not_require_grad():
    G = trace(torch.tensor(4.0))
    assert list(G.nodes) == ["out0"]
    assert G.nodes["out0"]["value"].item() == 4.0
