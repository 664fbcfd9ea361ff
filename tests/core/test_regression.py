"""The textbook SGD regression: book numbers, convergence, and the closed-form references."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gradviz.core.regression import (
    GRAPH_SAMPLES,
    Linear,
    LossSurface,
    least_squares,
    make_data,
    step,
    step_graph,
    train,
)


def seeded_model(seed: int = 0) -> Linear:
    return Linear(1, 1, generator=torch.Generator().manual_seed(seed))


def lstsq_reference(X: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    design = torch.cat([X, torch.ones(len(X), 1)], dim=1).double()
    solution = torch.linalg.lstsq(design, y.double().unsqueeze(1)).solution[:, 0]
    return solution[0].item(), solution[1].item()


def test_make_data_shapes_and_book_setting():
    X, y, coef = make_data()
    assert X.shape == (1500, 1) and y.shape == (1500,)
    assert 0.25 <= coef < 0.75
    assert abs(X.mean().item()) < 0.1 and abs(X.std().item() - 1) < 0.1
    residual = y - (coef * X[:, 0] + 2.0)
    assert residual.std().item() <= 0.3


def test_make_data_is_reproducible_and_honours_coef():
    assert torch.equal(make_data(seed=3)[1], make_data(seed=3)[1])
    X, y, coef = make_data(n_samples=50, noise=0.0, bias=-1.0, coef=3.0)
    assert coef == 3.0
    torch.testing.assert_close(y, 3.0 * X[:, 0] - 1.0)


@pytest.mark.parametrize("seed", [0, 1, 2, 7])
def test_book_run_lands_on_true_values(seed):
    X, y, coef = make_data(seed=seed)
    *_, last = train(X, y, seeded_model(seed), lr=0.1, epochs=30)
    assert last.epoch == 30
    assert abs(last.w - coef) < 0.02
    assert abs(last.b - 2.0) < 0.02


def test_full_batch_loss_never_increases():
    X, y, _ = make_data()
    losses = [r.loss for r in train(X, y, seeded_model(), lr=0.1, epochs=100)]
    assert all(later <= earlier + 1e-7 for earlier, later in zip(losses, losses[1:], strict=False))
    assert losses[-1] < losses[0]


def test_long_run_matches_lstsq():
    X, y, _ = make_data()
    *_, last = train(X, y, seeded_model(), lr=0.1, epochs=300)
    w_ref, b_ref = lstsq_reference(X, y)
    assert last.w == pytest.approx(w_ref, abs=1e-3)
    assert last.b == pytest.approx(b_ref, abs=1e-3)
    assert least_squares(X, y) == pytest.approx((w_ref, b_ref), abs=1e-9)


def test_grads_are_zero_after_each_step():
    X, y, _ = make_data(n_samples=100)
    model = seeded_model()
    for _ in range(3):
        step(X, y, model, lr=0.1)
        assert all(torch.count_nonzero(p.grad) == 0 for p in model.params)


def test_step_returns_loss_before_update_and_moves_downhill():
    X, y, _ = make_data(n_samples=200)
    model = seeded_model()
    before = torch.square(y - model.forward(X).squeeze()).mean().item()
    assert step(X, y, model, lr=0.1) == pytest.approx(before)
    after = torch.square(y - model.forward(X).squeeze()).mean().item()
    assert after < before


def test_reported_grads_are_autograds():
    X, y, _ = make_data(n_samples=200)
    model = seeded_model()
    w, b = model.w.detach().clone().requires_grad_(), model.b.detach().clone().requires_grad_()
    loss = torch.square(y - (X @ w + b).squeeze()).mean()
    grad_w, grad_b = torch.autograd.grad(loss, (w, b))
    result = next(train(X, y, model, lr=0.1, epochs=1))
    assert result.grad_w == pytest.approx(grad_w.item(), rel=1e-5)
    assert result.grad_b == pytest.approx(grad_b.item(), rel=1e-5)


def test_mini_batch_sgd_converges():
    X, y, coef = make_data()
    results = list(train(X, y, seeded_model(), lr=0.05, epochs=20, batch_size=32))
    assert results[-1].loss < results[0].loss
    w_ref, b_ref = lstsq_reference(X, y)
    assert abs(results[-1].w - w_ref) < 0.02
    assert abs(results[-1].b - b_ref) < 0.02


def test_mini_batch_runs_repeat_with_the_same_seed():
    X, y, _ = make_data(n_samples=300)
    first = list(train(X, y, seeded_model(), lr=0.05, epochs=3, batch_size=16, seed=5))
    again = list(train(X, y, seeded_model(), lr=0.05, epochs=3, batch_size=16, seed=5))
    assert first == again


def test_large_learning_rate_diverges_to_non_finite():
    X, y, _ = make_data()
    results = list(train(X, y, seeded_model(), lr=10.0, epochs=200))
    assert results[0].is_finite
    assert not results[-1].is_finite


def test_landscape_grid_matches_direct_mse():
    X, y, _ = make_data(n_samples=400, seed=4)
    surface = LossSurface.from_data(X, y)
    ws, bs = np.linspace(-2, 3, 41), np.linspace(-1, 5, 37)
    grid = surface.grid(ws, bs)
    assert grid.shape == (41, 37)
    x, t = X[:, 0].double(), y.double()
    for i, j in [(0, 0), (40, 36), (20, 18), (7, 30), (33, 2)]:
        direct = torch.square(t - (ws[i] * x + bs[j])).mean().item()
        assert grid[i, j] == pytest.approx(direct, rel=1e-9)


def test_landscape_minimum_is_least_squares():
    X, y, _ = make_data()
    surface = LossSurface.from_data(X, y)
    w_opt, b_opt = least_squares(X, y)
    best = surface(w_opt, b_opt)
    for dw, db in [(1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3)]:
        assert surface(w_opt + dw, b_opt + db) > best


def test_landscape_contours_are_exact_level_sets():
    X, y, _ = make_data()
    surface = LossSurface.from_data(X, y)
    assert surface.minimum() == pytest.approx(least_squares(X, y), abs=1e-9)
    for level in (0.05, 0.5, 5.0):
        ws, bs = surface.contour(level)
        assert len(ws) > 100
        np.testing.assert_allclose(surface(ws, bs), level, rtol=1e-9)
    below = surface(*surface.minimum()) / 2
    assert len(surface.contour(below)[0]) == 0


def test_step_graph_is_the_loss_at_the_given_point():
    X, y, _ = make_data()
    graph = step_graph(X, y, w=0.3, b=1.5)
    outputs = [n for n, kind in graph.nodes(data="kind") if kind == "output"]
    assert len(outputs) == 1
    value = graph.nodes[outputs[0]]["value"]
    x, t = X[:GRAPH_SAMPLES, 0], y[:GRAPH_SAMPLES]
    expected = torch.square(t - (0.3 * x + 1.5)).mean()
    torch.testing.assert_close(value, expected)


def test_step_graph_title_says_how_few_samples_it_uses():
    X, y, _ = make_data()
    title = step_graph(X, y, w=0.3, b=1.5, epoch=12).graph["title"]
    assert title.startswith(f"Training step at epoch 12: loss on the first {GRAPH_SAMPLES} of ")
    assert "1,500 samples at w=+0.3, b=+1.5" in title
    assert step_graph(X, y, w=0.3, b=1.5).graph["title"].startswith("Starting point: ")


@pytest.mark.parametrize("factor, diverges", [(0.95, False), (1.05, True)])
def test_max_stable_lr_separates_convergence_from_divergence(factor, diverges):
    X, y, _ = make_data()
    lr = factor * LossSurface.from_data(X, y).max_stable_lr()
    losses = [r.loss for r in train(X, y, seeded_model(), lr, epochs=400)]
    grew = not np.isfinite(losses[-1]) or losses[-1] > 1e3 * losses[0]
    assert grew == diverges
