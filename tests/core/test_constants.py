"""Constant nodes: the op inputs that take no gradient, where their values were recorded."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gradviz
from gradviz.core.formatting import format_tensor
from gradviz.core.recording import Recording

TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"


def _constants(G):
    return {n: d for n, d in G.nodes(data=True) if d["kind"] == "constant"}


def test_textbook_numbers_become_constants_feeding_their_ops():
    ev = gradviz.evaluate(TEXTBOOK)
    G = ev.graph
    consts = _constants(G)
    fed = sorted((G.nodes[next(iter(G.succ[n]))]["label"], d["label"]) for n, d in consts.items())
    assert fed == [("add", "3"), ("pow", "2"), ("pow", "3")]
    for n, d in consts.items():
        (consumer,) = G.succ[n]
        assert d["grad"] is None and d["order"] is None and d["shape"] == ()
        if G.nodes[consumer]["op"] == "PowBackward0":  # autograd saved the same number
            assert d["value"].item() == G.nodes[consumer]["saved"]["exponent"]
    # The leaves' gradients are still autograd's own.
    a = torch.tensor(5.0, requires_grad=True)
    b = torch.tensor(6.0, requires_grad=True)
    ref = torch.autograd.grad(a**3 - b**2 + 3, (a, b))
    assert [ev.grads["a"].item(), ev.grads["b"].item()] == [r.item() for r in ref]


def test_named_data_is_one_constant_per_tensor_labelled_by_its_name():
    ev = gradviz.evaluate(
        "X = tensor([[1., 2.], [3., 4.]], requires_grad=False)\n"
        "W = randn(2, 1)\n"
        "y = ((X @ W)**2).mean() + (X @ W).sum()"
    )
    G = ev.graph
    named = [(n, d) for n, d in _constants(G).items() if d["name"] == "X"]
    assert len(named) == 1, "a tensor used twice is one node"
    node, attrs = named[0]
    assert attrs["label"] == "X"
    torch.testing.assert_close(attrs["value"], ev.variables["X"])
    assert sorted(G.nodes[v]["op"] for v in G.succ[node]) == ["MmBackward0", "MmBackward0"]


def test_record_shows_the_data_and_numbers_of_user_code():
    x = torch.tensor([1.0, -2.0, 3.0])
    w = torch.tensor([0.5, 0.5, 0.5], requires_grad=True)
    with gradviz.record():
        y = (w * x).sum() * 1.5
    G = gradviz.trace(y, names={"x": x, "w": w})
    consts = _constants(G)
    labels = sorted(d["label"] for d in consts.values())
    assert labels == ["1.5", "x"]
    data = next(d for d in consts.values() if d["label"] == "x")
    torch.testing.assert_close(data["value"], x)
    assert data["dtype"] == "torch.float32"


@pytest.mark.parametrize(
    "program",
    ["x = [1., 2., 3., 4., 5., 6.]\ny = x.reshape(2, 3).sum(dim=0).sum()",
     "x = [1., -2.]\ny = clamp(x, -1, 1).sum()",
     "x = [[1., 2.], [3., 4.]]\ny = softmax(x, dim=1)[0, 1]"],
)
def test_numbers_that_configure_an_op_are_not_constants(program):
    assert not _constants(gradviz.evaluate(program).graph)


def test_trace_without_a_recording_has_no_constants():
    a = torch.tensor(2.0, requires_grad=True)
    y = a * 3 + torch.ones(())
    assert not _constants(gradviz.trace(y, recording=Recording()))


def test_a_constant_changed_in_place_after_use_has_no_value():
    x = torch.tensor([1.0, 2.0])
    w = torch.tensor([1.0, 1.0], requires_grad=True)
    with gradviz.record():
        y = (w * x).sum()
    x.add_(1.0)
    G = gradviz.trace(y, names={"x": x})
    (attrs,) = _constants(G).values()
    assert attrs["value"] is None and "in place" in attrs["note"]


NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),  # 1e300 overflows float32 to inf
    st.sampled_from([0.51, -0.0, 3.0, 1e-7, 1 / 3, 123456.789, 2.0**60]),
    st.integers(-(2**40), 2**40),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(NUMBERS, min_size=1, max_size=12))
def test_each_number_is_the_tensor_and_label_it_is_on_its_own(numbers):
    """The numbers of a graph are made together; each must be just what ``torch.tensor``
    makes of it alone, labelled as ``format_tensor`` prints it (or 'constant' if long)."""
    x = torch.tensor(1.5, requires_grad=True)
    with gradviz.record():
        terms = [x * number for number in numbers]
        y = torch.stack(terms).sum()
    G = gradviz.trace(y, names={f"t{i}": term for i, term in enumerate(terms)})
    consts = _constants(G)
    assert len(consts) == len(numbers), "each use of a number is its own node"
    by_consumer = {G.nodes[next(iter(G.succ[n]))]["name"]: d for n, d in consts.items()}
    for i, number in enumerate(numbers):
        attrs = by_consumer[f"t{i}"]
        alone = torch.tensor(number)
        assert attrs["value"].dtype == alone.dtype and attrs["dtype"] == str(alone.dtype)
        assert attrs["value"].shape == ()
        got, want = attrs["value"].item(), alone.item()
        assert got == want or (math.isnan(got) and math.isnan(want))
        text = format_tensor(alone, 3)
        assert attrs["label"] == (text if len(text) <= 14 else "constant")
