"""Numeric gradient checks: autograd against float64 central finite differences.

Autograd is only as right as each op's backward formula; finite differences
need nothing but the forward pass, so they catch a wrong backward.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch

MAX_CHECKED_ELEMENTS = 2_000


@dataclass(frozen=True)
class GradCheck:
    """How well one input's analytic gradient matches the numeric one."""

    ok: bool
    max_abs_err: float
    max_rel_err: float
    analytic: torch.Tensor | None
    numeric: torch.Tensor


def numeric_gradients(
    f: Callable[[dict[str, torch.Tensor]], torch.Tensor],
    inputs: Mapping[str, torch.Tensor],
    seed: torch.Tensor | None = None,
    eps: float = 1e-6,
) -> dict[str, torch.Tensor]:
    """d sum(seed * f) / d input by float64 central differences, one element at a time."""
    total = sum(t.numel() for t in inputs.values())
    if total > MAX_CHECKED_ELEMENTS:
        raise ValueError(
            f"too many input elements to check numerically ({total:,} > {MAX_CHECKED_ELEMENTS:,})"
        )
    base = {name: t.detach().to(torch.float64).clone() for name, t in inputs.items()}

    def scalar(values: dict[str, torch.Tensor]) -> float:
        with torch.no_grad():
            out = f(values).to(torch.float64)
        weights = torch.ones_like(out) if seed is None else seed.to(torch.float64)
        return float((out * weights).sum())

    grads = {}
    for name, value in base.items():
        grad = torch.zeros_like(value)
        flat, grad_flat = value.view(-1), grad.view(-1)
        for i in range(flat.numel()):
            original = flat[i].item()
            flat[i] = original + eps
            plus = scalar(base)
            flat[i] = original - eps
            minus = scalar(base)
            flat[i] = original
            grad_flat[i] = (plus - minus) / (2 * eps)
        grads[name] = grad
    return grads


def compare(
    analytic: torch.Tensor | None, numeric: torch.Tensor, rtol: float = 1e-3, atol: float = 1e-4
) -> GradCheck:
    """ok when |analytic - numeric| <= atol + rtol * |numeric| everywhere (None counts as 0)."""
    a = torch.zeros_like(numeric) if analytic is None else analytic.detach().to(torch.float64)
    err = (a - numeric).abs()
    rel = err / numeric.abs().clamp_min(1e-12)
    ok = bool(torch.all(err <= atol + rtol * numeric.abs())) and bool(torch.isfinite(a).all())
    max_abs = float(err.max()) if err.numel() else 0.0
    max_rel = float(rel.max()) if rel.numel() else 0.0
    return GradCheck(ok, max_abs, max_rel, analytic, numeric)


def check_function(
    fn: Callable[..., torch.Tensor], *inputs: torch.Tensor, rtol: float = 1e-6, atol: float = 1e-8
) -> list[GradCheck]:
    """Check fn's autograd gradients in float64 against finite differences, per input."""
    leaves = [x.detach().to(torch.float64).requires_grad_(True) for x in inputs]
    out = fn(*leaves)
    analytic = torch.autograd.grad(out, leaves, torch.ones_like(out), allow_unused=True)
    named = {str(i): x for i, x in enumerate(leaves)}
    numeric = numeric_gradients(lambda v: fn(*(v[str(i)] for i in range(len(leaves)))), named)
    return [compare(a, numeric[str(i)], rtol, atol) for i, a in enumerate(analytic)]
