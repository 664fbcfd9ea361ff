"""Turn tensors and numbers into the short strings shown on cards and in the inspector.

A card has room for one line per value, so scalars are printed in full (``75``, ``-12``,
``0.25``), small tensors as a compact list and large ones as shape plus min/mean/max.
The same module computes the gradient magnitudes that colour the cards, because both
must agree on what counts as "no gradient" and "not finite".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from gradviz.core.gil import GIL_CHUNK

MISSING = "—"
"""Shown wherever a value or gradient is unknown (None)."""

SCALAR_DIGITS = 6
ELEMENT_DIGITS = 4


def format_number(x: float | int | bool, digits: int = SCALAR_DIGITS) -> str:
    """Print a number the way a person would write it: ``75`` rather than ``7.5000e+01``."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"  # also folds -0.0, which only confuses a reader
    if x.is_integer() and abs(x) < 10**15:
        return str(int(x))
    text = f"{x:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text


def format_numbers(values: np.ndarray, digits: int = SCALAR_DIGITS) -> list[str]:
    """``format_number`` of each float in ``values``, for the thousands of numbers on cards.

    Most are finite fractions printed without an exponent, which is one ``g`` format each;
    zeros are "0"; the rest (NaN, inf, whole numbers, and those near where ``g`` switches
    to an exponent) go through ``format_number`` itself.
    """
    floats = values.tolist()
    form = f"{{:.{digits}g}}".format
    texts: list[str] = []
    for start in range(0, len(floats), GIL_CHUNK):  # a C loop holds the GIL till it ends
        texts += map(form, floats[start : start + GIL_CHUNK])
    magnitude = np.abs(values)
    with np.errstate(invalid="ignore"):  # NaN is neither, and is left to format_number
        no_exponent = (magnitude >= 1.1e-4) & (magnitude < 0.9 * 10**digits)
        plain = no_exponent & (values != np.floor(values))
    zero = values == 0  # common (ReLU), and "0" for -0.0 too
    for i in np.flatnonzero(zero).tolist():
        texts[i] = "0"
    for i in np.flatnonzero(~(plain | zero)).tolist():
        texts[i] = format_number(floats[i], digits)
    return texts


def format_shape(shape: Iterable[int] | None) -> str:
    """``(3, 4)`` → ``3×4``; a 0-d shape is a ``scalar``."""
    if shape is None:
        return MISSING
    dims = tuple(shape)
    if not dims:
        return "scalar"
    return "×".join(str(d) for d in dims)


def is_scalar(value: object) -> bool:
    """True for Python numbers and one-element tensors: the cases printed as one number."""
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, torch.Tensor) and value.numel() == 1


def scalar_of(value: object) -> float:
    """The number inside a Python scalar or a one-element tensor."""
    if isinstance(value, torch.Tensor):
        return float(value.detach().reshape(()).item())
    return float(value)  # type: ignore[arg-type]


class Summary(NamedTuple):
    """Statistics that describe a tensor too large to print."""

    numel: int
    min: float
    mean: float
    max: float
    nonfinite: int


_SMALL = 64
"""Up to this many elements, plain Python beats numpy and torch (their per-call overhead)."""


def _flat(t: torch.Tensor) -> np.ndarray:
    """The elements as a flat numpy array (no copy for the usual dtypes)."""
    t = t.detach()
    try:
        return t.numpy().reshape(-1)
    except (TypeError, RuntimeError):  # bfloat16, or a tensor with a lazy negation bit
        return t.to(torch.float64).resolve_neg().numpy().reshape(-1)


def _finite_elements(t: torch.Tensor) -> tuple[list | np.ndarray, int]:
    """The finite elements of a real tensor, and how many others (NaN, inf) there were.

    Cards need statistics for thousands of small tensors, so speed matters here: a
    Python list for small tensors, a numpy array for large ones.
    """
    if t.numel() <= _SMALL:
        values = (t if t.ndim == 1 else t.reshape(-1)).tolist()
        if all(map(math.isfinite, values)):
            return values, 0
        finite = [v for v in values if math.isfinite(v)]
        return finite, len(values) - len(finite)
    data = _flat(t)
    mask = np.isfinite(data)
    if mask.all():
        return data, 0
    return data[mask], int(mask.size - np.count_nonzero(mask))


def _min_sum_max(values: list | np.ndarray) -> tuple[float, float, float]:
    if isinstance(values, list):
        return float(min(values)), float(sum(values)), float(max(values))
    return float(values.min()), float(values.sum(dtype=np.float64)), float(values.max())


def summarize(t: torch.Tensor) -> Summary:
    """Min/mean/max over the finite elements, and how many elements are NaN or inf."""
    values, nonfinite = _finite_elements(t)
    if len(values) == 0:
        nan = float("nan")
        return Summary(t.numel(), nan, nan, nan, nonfinite)
    low, total, high = _min_sum_max(values)
    return Summary(t.numel(), low, total / len(values), high, nonfinite)


def format_summary(
    t: torch.Tensor, digits: int = ELEMENT_DIGITS, *, with_shape: bool = True
) -> str:
    """``3×4 min -1 · mean 0.25 · max 2`` — one line for a tensor too big to list."""
    s = summarize(t)
    text = (
        f"min {format_number(s.min, digits)}"
        f" · mean {format_number(s.mean, digits)}"
        f" · max {format_number(s.max, digits)}"
    )
    if with_shape:
        text = f"{format_shape(t.shape)} {text}"
    if s.nonfinite:
        text += f" · {s.nonfinite} non-finite"
    return text


def _nested(values: list | float, digits: int) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v, digits) for v in values) + "]"
    return format_number(values, digits)


def is_listed(t: torch.Tensor, max_elems: int) -> bool:
    """True if ``format_tensor`` prints ``t`` element by element rather than summarising it."""
    return t.ndim == 0 or (t.numel() <= max_elems and t.ndim <= 2)


def format_tensor(
    value: object, max_elems: int = 6, digits: int = ELEMENT_DIGITS, *, with_shape: bool = True
) -> str:
    """One line for a value, a gradient or a saved attribute, whatever form it takes.

    Tensors with at most ``max_elems`` elements (and at most 2 dimensions) are listed with
    ``digits`` significant digits; bigger ones are summarised, prefixed by their shape
    unless ``with_shape`` is False (a card shows the shape on its own line).
    Scalars are always printed in full. Tuples are the values of multi-output nodes.
    """
    if value is None:
        return MISSING
    if isinstance(value, (tuple, list)):
        parts = [format_tensor(v, max_elems, digits, with_shape=with_shape) for v in value]
        if isinstance(value, tuple) and len(parts) == 1:
            return f"({parts[0]},)"
        open_, close = ("(", ")") if isinstance(value, tuple) else ("[", "]")
        return open_ + ", ".join(parts) + close
    if isinstance(value, torch.Tensor):
        t = value
        if t.is_complex():
            return f"{format_shape(t.shape)} {str(t.dtype).removeprefix('torch.')}"
        if t.ndim == 0:
            return format_number(t.item())
        if is_listed(t, max_elems):
            return _nested(t.tolist(), digits)
        if t.numel() == 0:
            return f"{format_shape(t.shape)} (empty)"
        return format_summary(t, digits, with_shape=with_shape)
    if isinstance(value, (int, float, bool)):
        return format_number(value)
    return str(value)


def has_nonfinite(value: object) -> bool:
    """True if a tensor (or any tensor in a tuple) holds NaN or inf."""
    if isinstance(value, (tuple, list)):
        return any(has_nonfinite(v) for v in value)
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            return not bool(torch.isfinite(value.detach()).all())
        if not value.is_floating_point():
            return False
        return _finite_elements(value)[1] > 0
    if isinstance(value, float):
        return not math.isfinite(value)
    return False


def grad_magnitude(grad: object) -> float | None:
    """Largest finite |element| of a gradient, the number the colour-by-gradient mode shows.

    The max rather than the mean, so that one exploding element is not averaged away.
    None when there is no gradient; NaN/inf elements are reported by ``has_nonfinite``.
    """
    if grad is None:
        return None
    if isinstance(grad, (tuple, list)):
        mags = [m for m in (grad_magnitude(g) for g in grad) if m is not None]
        return max(mags) if mags else None
    if isinstance(grad, (int, float)):
        return abs(float(grad)) if math.isfinite(grad) else None
    if not isinstance(grad, torch.Tensor) or grad.numel() == 0:
        return None
    if grad.is_complex():
        grad = grad.abs()
    values, _ = _finite_elements(grad)
    if len(values) == 0:
        return None
    low, _, high = _min_sum_max(values)
    return max(-low, high)


@dataclass(frozen=True)
class LogScale:
    """Maps gradient magnitudes onto [0, 1] on a log10 scale fitted to one graph.

    Zero gradients sit at 0 (they carry no signal); the range spans the graph's smallest
    and largest non-zero magnitudes, so colours are comparable within a graph.
    """

    low: float = 1.0
    high: float = 1.0

    @classmethod
    def fit(cls, magnitudes: Iterable[float | None]) -> LogScale:
        positive = [m for m in magnitudes if m is not None and m > 0 and math.isfinite(m)]
        if not positive:
            return cls()
        return cls(min(positive), max(positive))

    def __call__(self, magnitude: float | None) -> float:
        if magnitude is None or magnitude <= 0:
            return 0.0
        lo, hi = math.log10(self.low), math.log10(self.high)
        if hi - lo < 1e-12:
            return 1.0
        return min(1.0, max(0.0, (math.log10(magnitude) - lo) / (hi - lo)))
