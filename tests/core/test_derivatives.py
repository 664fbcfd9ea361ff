"""Higher-order derivatives, Jacobians and gradient checks against references."""

from __future__ import annotations

import pytest
import torch

import gradviz
from gradviz.core.gradcheck import check_function

TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"


@pytest.mark.parametrize(
    ("name", "order", "closed_form"),
    [("a", 1, 3 * 5**2), ("a", 2, 6 * 5), ("a", 3, 6), ("a", 4, 0), ("b", 1, -12), ("b", 2, -2)],
)
def test_derivative_matches_closed_form(name, order, closed_form):
    assert gradviz.evaluate(TEXTBOOK).derivative(name, order).item() == pytest.approx(closed_form)


def test_derivative_matches_repeated_autograd_grad():
    ev = gradviz.evaluate("x = 0.7\ny = sin(x) * exp(x) + x**4")
    x = torch.tensor(0.7, requires_grad=True)
    g = torch.sin(x) * torch.exp(x) + x**4
    for order in range(1, 5):
        (g,) = torch.autograd.grad(g, x, create_graph=True)
        assert ev.derivative("x", order).item() == pytest.approx(g.item(), rel=1e-5)


def test_derivative_graph_is_a_traced_graph_of_the_gradient():
    ev = gradviz.evaluate(TEXTBOOK)
    G = ev.derivative_graph("a", 1)
    (out,) = G.graph["outputs"]
    assert G.nodes[out]["value"].item() == pytest.approx(75.0)
    leaf = next(d for d in G.nodes.values() if d["kind"] == "leaf")
    assert leaf["name"] == "a" and leaf["grad"].item() == pytest.approx(30.0)


def test_derivative_needs_scalars():
    ev = gradviz.evaluate("x = [1., 2.]\ny = x * 2")
    with pytest.raises(ValueError):
        ev.derivative("x")


def test_jacobian_matches_functional_jacobian_with_slicing():
    text = "W = randn(3, 4)\nx = [1., -2., 0.5, 3.]\nh = tanh(W @ x)\ny = h[1:] * x[:2]"
    ev = gradviz.evaluate(text)
    W, x = ev.leaves["W"], ev.leaves["x"]

    def f(W, x):
        return torch.tanh(W @ x)[1:] * x[:2]

    ref_W, ref_x = torch.autograd.functional.jacobian(f, (W, x))
    J = ev.jacobian()
    assert J["W"].shape == (2, 3, 4) and J["x"].shape == (2, 4)
    torch.testing.assert_close(J["W"], ref_W)
    torch.testing.assert_close(J["x"], ref_x)


def test_check_gradients_passes_on_correct_programs():
    ev = gradviz.evaluate("W = randn(2, 3)\nx = [0.5, -1., 2.]\ny = sigmoid(W @ x).sum()")
    results = ev.check_gradients()
    assert set(results) == {"W", "x"}
    assert all(r.ok for r in results.values())
    assert max(r.max_abs_err for r in results.values()) < 1e-4


def test_check_catches_a_wrong_backward(wrong_square):
    x = torch.tensor([0.5, -1.5, 2.0])
    (bad,) = check_function(wrong_square, x)
    assert not bad.ok and bad.max_abs_err > 0.4
    (good,) = check_function(lambda t: t * t, x)
    assert good.ok and good.max_abs_err < 1e-6
