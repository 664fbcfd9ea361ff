"""Linear regression trained by hand-written SGD, the way the textbook writes it.

``train`` is a generator so that a caller (a GUI worker, a test, a notebook) decides
when the next epoch runs and can stop between epochs; nothing here knows about Qt.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx
import numpy as np
import torch

from gradviz.core.recording import record
from gradviz.core.trace import trace

__all__ = [
    "GRAPH_SAMPLES",
    "EpochResult",
    "Linear",
    "LossSurface",
    "least_squares",
    "make_data",
    "step",
    "step_graph",
    "train",
]

GRAPH_SAMPLES = 4
"""Samples used by ``step_graph``: few enough that every card on the graph stays narrow."""


def make_data(
    n_samples: int = 1500,
    noise: float = 0.2,
    bias: float = 2.0,
    coef: float | None = None,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, float]:
    """One-feature data like ``make_regression``: X ~ N(0, 1), y = coef·x + bias + noise.

    With ``coef=None`` the coefficient is drawn from [0.25, 0.75), the book's range
    (it got 0.48). Returns ``(X, y, coef)`` with X of shape (n, 1) and y of shape (n,).
    """
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n_samples, 1, generator=gen)
    if coef is None:
        coef = 0.25 + 0.5 * torch.rand((), generator=gen).item()
    y = coef * X[:, 0] + bias + noise * torch.randn(n_samples, generator=gen)
    return X, y, float(coef)


class Linear:
    """The book's model: ``x @ w + b`` with plain leaf tensors, no ``nn.Module``."""

    def __init__(self, n_in: int, n_out: int, generator: torch.Generator | None = None):
        self.w = torch.randn(n_in, n_out, generator=generator).requires_grad_(True)
        self.b = torch.randn(n_out, generator=generator).requires_grad_(True)
        self.params = [self.w, self.b]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w + self.b


def _sgd_step(
    X: torch.Tensor, y: torch.Tensor, model: Linear, lr: float
) -> tuple[float, list[float]]:
    """The five textbook lines; returns the loss and the gradients before they are zeroed."""
    y_pred = model.forward(X)
    loss = torch.square(y - y_pred.squeeze()).mean()
    loss.backward()
    with torch.no_grad():
        for param in model.params:
            param -= lr * param.grad
    grads = [param.grad.item() for param in model.params]
    for param in model.params:
        param.grad.zero_()
    return loss.item(), grads


def step(X: torch.Tensor, y: torch.Tensor, model: Linear, lr: float) -> float:
    """One SGD update of ``model`` on (X, y); returns the loss before the update."""
    return _sgd_step(X, y, model, lr)[0]


@dataclass(frozen=True)
class EpochResult:
    """What one epoch did: its mean loss, the parameters after it, the last gradients."""

    epoch: int
    loss: float
    w: float
    b: float
    grad_w: float
    grad_b: float

    @property
    def is_finite(self) -> bool:
        """False once the run has diverged (a too-large learning rate overflows to inf/NaN)."""
        return all(math.isfinite(v) for v in (self.loss, self.w, self.b))


def train(
    X: torch.Tensor,
    y: torch.Tensor,
    model: Linear,
    lr: float,
    epochs: int,
    batch_size: int | None = None,
    seed: int = 0,
) -> Iterator[EpochResult]:
    """Yield one ``EpochResult`` per epoch; the model is one-feature (w and b are scalars).

    Without ``batch_size`` an epoch is one full-batch step, as in the book. With it, an
    epoch is a pass over the data in shuffled mini-batches (true stochastic descent),
    the loss is the sample-weighted mean over the batches and the gradients are the
    last batch's. ``seed`` fixes the shuffling so runs repeat.
    """
    n = len(X)
    shuffle = torch.Generator().manual_seed(seed)
    for epoch in range(1, epochs + 1):
        if batch_size is None or batch_size >= n:
            loss, (grad_w, grad_b) = _sgd_step(X, y, model, lr)
        else:
            total = 0.0
            for idx in torch.randperm(n, generator=shuffle).split(batch_size):
                batch_loss, (grad_w, grad_b) = _sgd_step(X[idx], y[idx], model, lr)
                total += batch_loss * len(idx)
            loss = total / n
        yield EpochResult(epoch, loss, model.w.item(), model.b.item(), grad_w, grad_b)


def least_squares(X: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """The closed-form optimum (w*, b*) that SGD is heading for, by ``torch.linalg.lstsq``."""
    design = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1).double()
    solution = torch.linalg.lstsq(design, y.double().unsqueeze(1)).solution
    return solution[0, 0].item(), solution[1, 0].item()


@dataclass(frozen=True)
class LossSurface:
    """MSE(w, b) of one-feature data in closed form.

    The MSE is quadratic in (w, b), so five data moments give it exactly at any point:
    a whole grid costs no passes over the data.
    """

    xx: float
    x: float
    xy: float
    y: float
    yy: float

    @classmethod
    def from_data(cls, X: torch.Tensor, y: torch.Tensor) -> LossSurface:
        x, t = X[:, 0].double(), y.double()
        return cls(*(v.mean().item() for v in (x * x, x, x * t, t, t * t)))

    def __call__(self, w: np.ndarray | float, b: np.ndarray | float) -> np.ndarray | float:
        """MSE at (w, b); numpy arrays broadcast, e.g. ``surface(ws[:, None], bs[None, :])``."""
        return (
            w * w * self.xx
            + 2 * w * b * self.x
            + b * b
            - 2 * w * self.xy
            - 2 * b * self.y
            + self.yy
        )

    def grid(self, ws: np.ndarray, bs: np.ndarray) -> np.ndarray:
        """MSE on the grid ``ws × bs``; element [i, j] is at (ws[i], bs[j])."""
        return np.asarray(self(ws[:, None], bs[None, :]))

    def _half_hessian(self) -> np.ndarray:
        return np.array([[self.xx, self.x], [self.x, 1.0]])

    def max_stable_lr(self) -> float:
        """The learning rate above which full-batch steps overshoot more than they correct.

        A gradient step on a quadratic multiplies the error along each curvature axis by
        ``1 - 2·lr·λ``; it grows once that exceeds 1 in size, i.e. for lr > 1/λ_max.
        """
        return float(1.0 / np.linalg.eigvalsh(self._half_hessian()).max())

    def minimum(self) -> tuple[float, float]:
        """(w*, b*) from the normal equations: the least-squares fit, by other means."""
        w, b = np.linalg.solve(self._half_hessian(), [self.xy, self.y])
        return float(w), float(b)

    def contour(self, level: float, n_points: int = 181) -> tuple[np.ndarray, np.ndarray]:
        """The (w, b) points where MSE equals ``level``: an exact ellipse round the minimum.

        Empty when ``level`` is below the minimum MSE.
        """
        w0, b0 = self.minimum()
        excess = level - self(w0, b0)
        if excess <= 0:
            return np.empty(0), np.empty(0)
        curvature, axes = np.linalg.eigh(self._half_hessian())
        angle = np.linspace(0.0, 2 * np.pi, n_points)
        circle = np.stack([np.cos(angle), np.sin(angle)])
        offsets = axes @ (circle * np.sqrt(excess / curvature)[:, None])
        return w0 + offsets[0], b0 + offsets[1]


def step_graph(
    X: torch.Tensor, y: torch.Tensor, w: float, b: float, epoch: int | None = None
) -> nx.DiGraph:
    """The autograd graph of one step's loss ``mean((y - (X@w + b))²)`` at (w, b).

    It uses the first ``GRAPH_SAMPLES`` samples, so the values stay readable, and fresh
    leaves, so it never touches a model that a training thread may be updating. Its loss
    therefore differs from the epoch's MSE over all samples: ``G.graph["title"]`` says so.
    """
    n_total = len(X)
    X, y = X[:GRAPH_SAMPLES], y[:GRAPH_SAMPLES]
    w_leaf = torch.tensor([[w]], requires_grad=True)
    b_leaf = torch.tensor([b], requires_grad=True)
    with record() as recording:
        loss = torch.square(y - (X @ w_leaf + b_leaf).squeeze()).mean()
    names = {"w": w_leaf, "b": b_leaf, "X": X, "y": y, "loss": loss}
    graph = trace(loss, names=names, recording=recording)
    where = "Starting point" if epoch is None else f"Training step at epoch {epoch:,}"
    graph.graph["title"] = (
        f"{where}: loss on the first {len(X):,} of {n_total:,} samples at w={w:+.4g}, b={b:+.4g}"
    )
    return graph
