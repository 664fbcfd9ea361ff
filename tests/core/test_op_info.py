"""The op table matches torch's real class names; the chain rule reproduces the gradients."""

import networkx as nx
import pytest
import torch
import torch.nn.functional as F

from gradviz.core.op_info import (
    chain_rule_terms,
    describe_op,
    known_ops,
    local_formula,
    op_info,
)


def _t(x):
    return torch.tensor(float(x))


TEXTBOOK_NODES = [  # id, kind, op, label, value, grad, saved
    ("a", "leaf", "AccumulateGrad", "a", 5, 75, {}),
    ("b", "leaf", "AccumulateGrad", "b", 6, -12, {}),
    ("pa", "op", "PowBackward0", "pow", 125, 1, {"self": _t(5), "exponent": 3}),
    ("pb", "op", "PowBackward0", "pow", 36, -1, {"_saved_self": _t(6), "_saved_exponent": 2}),
    ("sub", "op", "SubBackward0", "sub", 89, 1, {"alpha": 1}),
    ("add", "op", "AddBackward0", "add", 92, 1, {"alpha": 1}),
    ("y", "output", None, "y", 92, 1, {}),
]
TEXTBOOK_EDGES = [  # producer, consumer, gradient along the edge
    ("a", "pa", 75), ("b", "pb", -12), ("pa", "sub", 1), ("pb", "sub", -1),
    ("sub", "add", 1), ("add", "y", 1),
]  # fmt: skip


def textbook_graph() -> nx.DiGraph:
    """``a = 5; b = 6; y = a**3 - b**2 + 3`` in the trace schema, built by hand."""
    G = nx.DiGraph(outputs=["y"])
    for node, kind, op, label, value, grad, saved in TEXTBOOK_NODES:
        G.add_node(
            node,
            kind=kind,
            op=op,
            label=label,
            name=label if kind != "op" else None,
            shape=(),
            dtype="torch.float32",
            value=_t(value),
            grad=_t(grad),
            saved=saved,
            order=None,
            note=None,
        )
    for u, v, g in TEXTBOOK_EDGES:
        G.add_edge(u, v, grad=_t(g), contributions=[_t(g)], output_nr=0)
    return G


def test_textbook_leaf_a_is_upstream_one_times_local_three_five_squared():
    rule = chain_rule_terms(textbook_graph(), "a")
    (term,) = rule.terms
    assert term.consumer_label == "pow"
    assert float(term.upstream) == 1
    assert term.local == 75
    assert term.local_formula == "3·5²"
    assert float(term.contribution) == 75
    assert float(rule.total) == 75
    assert not rule.is_seed


def test_textbook_leaf_b_reads_saved_attributes_with_torch_prefix():
    (term,) = chain_rule_terms(textbook_graph(), "b").terms
    assert (float(term.upstream), term.local, term.local_formula) == (-1, 12, "2·6")


def test_output_node_is_the_seed():
    rule = chain_rule_terms(textbook_graph(), "y")
    assert rule.is_seed and rule.terms == [] and float(rule.total) == 1


def test_zero_upstream_gives_no_local_factor():
    G = textbook_graph()
    G.nodes["pa"]["grad"] = _t(0)
    G.edges["a", "pa"]["grad"] = _t(0)
    (term,) = chain_rule_terms(G, "a").terms
    assert term.local is None


def test_tensor_gradients_show_the_contribution_only():
    G = nx.DiGraph(outputs=["s"])
    x, g = torch.tensor([1.0, 2.0]), torch.ones(2)
    G.add_node("x", kind="leaf", op="AccumulateGrad", label="x", grad=g, value=x, saved={})
    G.add_node("s", kind="output", op="SumBackward0", label="s", grad=_t(1), value=_t(3), saved={})
    G.add_edge("x", "s", grad=None, contributions=[g], output_nr=0)
    (term,) = chain_rule_terms(G, "x").terms
    assert term.local is None
    assert torch.equal(term.contribution, g)


def test_two_uses_of_one_tensor_sum_into_one_term():
    G = textbook_graph()
    G.edges["a", "pa"].update(grad=None, contributions=[_t(30), _t(45)])
    (term,) = chain_rule_terms(G, "a").terms
    assert (term.uses, float(term.contribution), term.local) == (2, 75, 75)


@pytest.mark.parametrize(
    ("op", "saved", "formula"),
    [
        ("PowBackward0", {"self": _t(-2), "exponent": 2}, "2·(-2)"),
        ("PowBackward0", {"self": _t(4), "exponent": 0.5}, "0.5·4^-0.5"),
        ("SinBackward0", {"self": _t(0)}, "cos(0)"),
        ("TanhBackward0", {"result": _t(0.5)}, "1 − 0.5²"),
        ("SigmoidBackward0", {"result": _t(0.25)}, "0.25·(1 − 0.25)"),
        ("ReluBackward0", {"result": _t(0)}, "0"),
        ("NegBackward0", {}, "−1"),
        ("MulBackward0", {"self": _t(2), "other": _t(3)}, None),
        ("SinBackward0", {"self": torch.ones(2)}, None),
    ],
)
def test_local_formula(op, saved, formula):
    assert local_formula(op, saved) == formula


def test_describe_op_matches_the_issue_text():
    assert describe_op("PowBackward0") == "PowBackward0 — d/dx xⁿ = n·xⁿ⁻¹"


def test_unknown_ops_get_a_description_from_their_name():
    info = op_info("FancyThingBackward3")
    assert info.label == "fancy_thing"
    assert "FancyThing" in info.meaning
    assert op_info(None).label == "—"


def _grad_fn_names(t: torch.Tensor) -> set[str]:
    seen, stack = set(), [t.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or type(fn).__name__ in seen:
            continue
        seen.add(type(fn).__name__)
        stack.extend(f for f, _ in fn.next_functions)
    return seen


def test_table_names_the_classes_torch_really_produces():
    x = torch.randn(3, requires_grad=True)
    m = torch.randn(3, 3, requires_grad=True)
    target = torch.tensor([0, 1, 2])
    exprs = [
        x**2,
        x**x,
        2**x,
        x + 1,
        x - 1,
        1 - x,
        x * x,
        x / 2,
        -x,
        x.sin(),
        x.cos(),
        x.tan(),
        x.tanh(),
        x.exp(),
        x.log(),
        x.log1p(),
        x.sqrt(),
        x.abs(),
        x.sigmoid(),
        x.relu(),
        F.softplus(x),
        F.gelu(x),
        x.clamp(0, 1),
        x.sum(),
        m.sum(0),
        x.mean(),
        m.mean(0),
        x.prod(),
        m.prod(0),
        x.max(),
        m.max(0)[0],
        x.min(),
        m.min(0)[0],
        x.norm(),
        m @ m,
        m @ x,
        x @ x,
        m.t(),
        m.T,
        m.transpose(0, 1),
        m.view(9),
        m.t().reshape(9),
        m[0],
        m[0:2],
        torch.stack([x, x]),
        torch.cat([x, x]),
        x.softmax(0),
        x.log_softmax(0),
        F.mse_loss(x, torch.zeros(3)),
        F.cross_entropy(m, target),
        F.linear(m, m, x),
        x.unsqueeze(0).squeeze(0),
        x[0].expand(3),
        x[[0, 1]],
    ]
    produced = set().union(*(_grad_fn_names(e) for e in exprs))
    assert produced <= known_ops(), produced - known_ops()
