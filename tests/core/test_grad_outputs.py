"""evaluate(grad_outputs=...): the seed of a non-scalar output's backward pass."""

from __future__ import annotations

import pytest
import torch

import gradviz

MATRIX = "W = [[1., 2.], [3., -4.], [0.5, 6.]]\nv = [1., -1.]\nh = tanh(W @ v)\ny = h * v[0]"


def _reference(seed: torch.Tensor) -> dict[str, torch.Tensor]:
    W = torch.tensor([[1.0, 2.0], [3.0, -4.0], [0.5, 6.0]], requires_grad=True)
    v = torch.tensor([1.0, -1.0], requires_grad=True)
    y = torch.tanh(W @ v) * v[0]
    dW, dv = torch.autograd.grad(y, [W, v], grad_outputs=seed)
    return {"W": dW, "v": dv}


def test_given_seed_gives_the_vector_jacobian_product_of_torch():
    seed = [0.5, -2.0, 3.0]
    ev = gradviz.evaluate(MATRIX, grad_outputs=seed)
    expected = _reference(torch.tensor(seed))
    for name in ("W", "v"):
        torch.testing.assert_close(ev.grads[name], expected[name])
    (out,) = ev.graph.graph["outputs"]
    torch.testing.assert_close(ev.graph.nodes[out]["grad"], torch.tensor(seed))
    torch.testing.assert_close(ev.graph.nodes[out]["grad_outputs"], torch.tensor(seed))
    torch.testing.assert_close(ev.grad_outputs, torch.tensor(seed))


def test_default_seed_is_ones_and_the_output_node_says_so():
    ev = gradviz.evaluate(MATRIX)
    (out,) = ev.graph.graph["outputs"]
    assert ev.graph.nodes[out]["grad_outputs"] == "ones" and ev.grad_outputs is None
    expected = _reference(torch.ones(3))
    torch.testing.assert_close(ev.grads["v"], expected["v"])


def test_jacobian_does_not_depend_on_the_seed():
    seeded = gradviz.evaluate(MATRIX, grad_outputs=[1.0, 0.0, -1.0]).jacobian()
    W = torch.tensor([[1.0, 2.0], [3.0, -4.0], [0.5, 6.0]])
    v = torch.tensor([1.0, -1.0])
    ref_W, ref_v = torch.autograd.functional.jacobian(lambda W, v: torch.tanh(W @ v) * v[0], (W, v))
    torch.testing.assert_close(seeded["W"], ref_W)
    torch.testing.assert_close(seeded["v"], ref_v)


def test_gradient_check_uses_the_given_seed():
    ev = gradviz.evaluate(MATRIX, grad_outputs=[0.5, -2.0, 3.0])
    checks = ev.check_gradients()
    assert all(c.ok for c in checks.values())
    torch.testing.assert_close(
        checks["v"].numeric, _reference(torch.tensor([0.5, -2.0, 3.0]))["v"].double(),
        rtol=1e-4, atol=1e-4,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("seed", "words"),
    [([1.0, 2.0], "shape 2, but the output y has shape 3"), ("ones", "list of numbers"),
     ([[1.0], [2.0, 3.0]], "list of numbers")],
)  # fmt: skip
def test_a_seed_that_does_not_fit_is_a_clear_program_error(seed, words):
    with pytest.raises(gradviz.ProgramError, match=words.replace("(", r"\(")):
        gradviz.evaluate(MATRIX, grad_outputs=seed)
