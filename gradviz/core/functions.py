"""The whitelist of functions a program may call.

One table serves the evaluator, the editor's highlighter and the language
reference, so what the help lists is exactly what runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class FunctionSpec:
    """One callable of the program language."""

    name: str
    summary: str
    category: str
    impl: Callable
    in_torch: bool
    in_functional: bool
    method: bool
    constructor: bool = False


def _spec(name: str, category: str, summary: str, *, constructor: bool = False) -> FunctionSpec:
    # Prefer torch.X over F.X: some F aliases (F.tanh, F.sigmoid) warn on use.
    impl = getattr(torch, name, None) or getattr(F, name, None) or getattr(torch.Tensor, name)
    return FunctionSpec(
        name=name,
        summary=summary,
        category=category,
        impl=impl,
        in_torch=hasattr(torch, name),
        in_functional=hasattr(F, name),
        method=not constructor and hasattr(torch.Tensor, name),
        constructor=constructor,
    )


_TABLE = [
    ("elementwise", "abs", "absolute value |x|"),
    ("elementwise", "sqrt", "square root"),
    ("elementwise", "exp", "exponential eˣ"),
    ("elementwise", "log", "natural logarithm"),
    ("elementwise", "log1p", "log(1 + x), accurate near 0"),
    ("elementwise", "sin", "sine"),
    ("elementwise", "cos", "cosine"),
    ("elementwise", "tan", "tangent"),
    ("elementwise", "tanh", "hyperbolic tangent"),
    ("elementwise", "sigmoid", "logistic 1 / (1 + e⁻ˣ)"),
    ("elementwise", "relu", "max(x, 0)"),
    ("elementwise", "softplus", "log(1 + eˣ), a smooth relu"),
    ("elementwise", "gelu", "Gaussian error linear unit"),
    ("elementwise", "square", "x²"),
    ("elementwise", "pow", "xⁿ, pow(x, n)"),
    ("elementwise", "clamp", "limit to [min, max]: clamp(x, min=0, max=1)"),
    ("reduction", "sum", "sum of elements, optionally over dim"),
    ("reduction", "mean", "mean of elements, optionally over dim"),
    ("reduction", "prod", "product of elements, optionally over dim"),
    ("reduction", "max", "largest element; max(x, dim=0) gives (values, indices)"),
    ("reduction", "min", "smallest element; min(x, dim=0) gives (values, indices)"),
    ("reduction", "norm", "vector or matrix norm, norm(x, p=2)"),
    ("linear algebra", "matmul", "matrix product, same as @"),
    ("linear algebra", "mm", "product of two matrices"),
    ("linear algebra", "dot", "dot product of two vectors"),
    ("linear algebra", "outer", "outer product of two vectors"),
    ("shape", "transpose", "swap two dims: transpose(x, 0, 1); x.T for matrices"),
    ("shape", "reshape", "same elements, new shape: x.reshape(2, 3)"),
    ("shape", "view", "reshape without copying: x.view(2, 3)"),
    ("shape", "stack", "join tensors along a new dim: stack([a, b])"),
    ("shape", "cat", "join tensors along an existing dim: cat([a, b])"),
    ("activation and loss", "softmax", "exp(x) / sum(exp(x)) along dim"),
    ("activation and loss", "log_softmax", "log of softmax, numerically stable"),
    ("activation and loss", "mse_loss", "mean squared error: mse_loss(pred, target)"),
    ("activation and loss", "cross_entropy", "cross_entropy(logits, class_index)"),
]

_CONSTRUCTORS = [
    ("tensor", "a tensor from numbers or nested lists"),
    ("ones", "all ones: ones(2, 3)"),
    ("zeros", "all zeros: zeros(2, 3)"),
    ("full", "all one value: full((2, 3), 7.0)"),
    ("arange", "evenly spaced by step: arange(start, end, step)"),
    ("linspace", "n evenly spaced points: linspace(0, 1, 5)"),
    ("eye", "identity matrix: eye(3)"),
    ("randn", "standard normal samples (seeded per evaluation)"),
    ("rand", "uniform samples in [0, 1) (seeded per evaluation)"),
]

FUNCTIONS: dict[str, FunctionSpec] = {
    name: _spec(name, category, summary) for category, name, summary in _TABLE
}
FUNCTIONS.update(
    {
        name: _spec(name, "constructor", summary, constructor=True)
        for name, summary in _CONSTRUCTORS
    }
)

# Tensor attributes that are values rather than calls.
PROPERTIES: dict[str, str] = {
    "T": "transpose of a matrix",
    "shape": "the shape, a tuple of ints",
}

# Keyword arguments a call may pass. Anything else (out=, device=, dtype=,
# generator=, ...) is refused, so no call can write elsewhere or pick a device.
ALLOWED_KEYWORDS = frozenset(
    {
        "dim", "keepdim", "min", "max", "p", "exponent", "requires_grad", "reduction",
        "dim0", "dim1", "start", "end", "step", "steps", "approximate", "beta",
        "threshold", "correction", "label_smoothing", "input", "other", "target",
        "fill_value", "size", "n", "m",
    }
)

# Bare names that are values, not variables.
CONSTANTS = {"pi": 3.141592653589793, "e": 2.718281828459045}
NAMESPACES = ("torch", "F")


def language_reference() -> list[tuple[str, str, str]]:
    """(category, call form, summary) rows for the help page, from the live table."""
    rows = []
    for spec in FUNCTIONS.values():
        forms = [f"{spec.name}(…)"]
        if spec.in_torch:
            forms.append(f"torch.{spec.name}")
        if spec.in_functional:
            forms.append(f"F.{spec.name}")
        if spec.method:
            forms.append(f"x.{spec.name}()")
        rows.append((spec.category, ", ".join(forms), spec.summary))
    rows.extend(("property", f"x.{name}", text) for name, text in PROPERTIES.items())
    return rows
