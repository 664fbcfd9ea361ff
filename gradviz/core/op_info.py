"""What each autograd node computes, its local derivative, and the chain rule at a node.

The inspector explains a gradient as "Σ over consumers: upstream × local = contribution".
This module supplies the words (a table keyed by grad_fn class name) and the numbers
(``chain_rule_terms``), so the Qt side only lays them out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx

from gradviz.core.formatting import format_number, is_scalar, scalar_of


@dataclass(frozen=True)
class OpInfo:
    """A grad_fn class in words: what it computes and its derivative."""

    label: str
    meaning: str
    derivative: str


# Keyed by the class names torch 2.13 actually produces (checked by the tests).
_TABLE: dict[str, OpInfo] = {
    "AccumulateGrad": OpInfo(
        "leaf",
        "a leaf tensor: gradients arriving here are added into .grad",
        "adds Σ incoming gradients into .grad",
    ),
    # arithmetic
    "AddBackward0": OpInfo("add", "x + α·y", "∂/∂x = 1, ∂/∂y = α"),
    "AddBackward1": OpInfo("add", "x + c, c a number", "d/dx (x + c) = 1"),
    "SubBackward0": OpInfo("sub", "x − α·y", "∂/∂x = 1, ∂/∂y = −α"),
    "SubBackward1": OpInfo("sub", "x − c, c a number", "d/dx (x − c) = 1"),
    "RsubBackward0": OpInfo("rsub", "y − α·x", "∂/∂x = −α, ∂/∂y = 1"),
    "RsubBackward1": OpInfo("rsub", "c − x, c a number", "d/dx (c − x) = −1"),
    "MulBackward0": OpInfo("mul", "x · y", "∂/∂x = y, ∂/∂y = x"),
    "MulBackward1": OpInfo("mul", "x · c, c a number", "d/dx (c·x) = c"),
    "DivBackward0": OpInfo("div", "x / y", "∂/∂x = 1/y, ∂/∂y = −x/y²"),
    "DivBackward1": OpInfo("div", "x / c, c a number", "d/dx (x/c) = 1/c"),
    "NegBackward0": OpInfo("neg", "−x", "d/dx (−x) = −1"),
    "PowBackward0": OpInfo("pow", "xⁿ, n a number", "d/dx xⁿ = n·xⁿ⁻¹"),
    "PowBackward1": OpInfo("pow", "xʸ, both tensors", "∂/∂x = y·xʸ⁻¹, ∂/∂y = xʸ·ln x"),
    "PowBackward2": OpInfo("pow", "cˣ, c a number", "d/dx cˣ = cˣ·ln c"),
    "ReciprocalBackward0": OpInfo("reciprocal", "1/x", "d/dx (1/x) = −1/x²"),
    "SqrtBackward0": OpInfo("sqrt", "√x", "d/dx √x = 1/(2√x)"),
    "RsqrtBackward0": OpInfo("rsqrt", "1/√x", "d/dx x^(−½) = −½·x^(−3/2)"),
    "AbsBackward0": OpInfo("abs", "|x|", "d/dx |x| = sign(x)"),
    "ExpBackward0": OpInfo("exp", "eˣ", "d/dx eˣ = eˣ"),
    "Exp2Backward0": OpInfo("exp2", "2ˣ", "d/dx 2ˣ = 2ˣ·ln 2"),
    "LogBackward0": OpInfo("log", "ln x", "d/dx ln x = 1/x"),
    "Log2Backward0": OpInfo("log2", "log₂ x", "d/dx log₂ x = 1/(x·ln 2)"),
    "Log10Backward0": OpInfo("log10", "log₁₀ x", "d/dx log₁₀ x = 1/(x·ln 10)"),
    "Log1PBackward0": OpInfo("log1p", "ln(1 + x)", "d/dx ln(1 + x) = 1/(1 + x)"),
    "ErfBackward0": OpInfo("erf", "erf x", "d/dx erf x = 2/√π·e^(−x²)"),
    # trigonometric and hyperbolic
    "SinBackward0": OpInfo("sin", "sin x", "d/dx sin x = cos x"),
    "CosBackward0": OpInfo("cos", "cos x", "d/dx cos x = −sin x"),
    "TanBackward0": OpInfo("tan", "tan x", "d/dx tan x = 1 + tan²x"),
    "AsinBackward0": OpInfo("asin", "arcsin x", "d/dx arcsin x = 1/√(1 − x²)"),
    "AcosBackward0": OpInfo("acos", "arccos x", "d/dx arccos x = −1/√(1 − x²)"),
    "AtanBackward0": OpInfo("atan", "arctan x", "d/dx arctan x = 1/(1 + x²)"),
    "Atan2Backward0": OpInfo("atan2", "atan2(y, x)", "∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²)"),
    "SinhBackward0": OpInfo("sinh", "sinh x", "d/dx sinh x = cosh x"),
    "CoshBackward0": OpInfo("cosh", "cosh x", "d/dx cosh x = sinh x"),
    "TanhBackward0": OpInfo("tanh", "tanh x", "d/dx tanh x = 1 − tanh²x"),
    # activations
    "SigmoidBackward0": OpInfo("sigmoid", "σ(x) = 1/(1 + e⁻ˣ)", "d/dx σ(x) = σ(x)·(1 − σ(x))"),
    "ReluBackward0": OpInfo("relu", "max(x, 0)", "d/dx relu(x) = 1 if x > 0 else 0"),
    "LeakyReluBackward0": OpInfo("leaky_relu", "x if x > 0 else s·x", "d/dx = 1 if x > 0 else s"),
    "EluBackward0": OpInfo("elu", "x if x > 0 else α(eˣ − 1)", "d/dx = 1 if x > 0 else α·eˣ"),
    "SoftplusBackward0": OpInfo("softplus", "ln(1 + e^(βx))/β", "d/dx softplus(x) = σ(βx)"),
    "GeluBackward0": OpInfo("gelu", "x·Φ(x)", "d/dx x·Φ(x) = Φ(x) + x·φ(x)"),
    "SiluBackward0": OpInfo("silu", "x·σ(x)", "d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x)))"),
    "HardtanhBackward0": OpInfo(
        "hardtanh", "x clipped to [min, max]", "d/dx = 1 inside [min, max], else 0"
    ),
    "HardsigmoidBackward0": OpInfo(
        "hardsigmoid", "clip(x/6 + ½, 0, 1)", "d/dx = 1/6 inside (−3, 3), else 0"
    ),
    "ClampBackward0": OpInfo(
        "clamp", "x clipped to tensor bounds", "d/dx = 1 inside [min, max], else 0"
    ),
    "ClampBackward1": OpInfo(
        "clamp", "x clipped to [min, max]", "d/dx = 1 inside [min, max], else 0"
    ),
    "ClampMinBackward0": OpInfo("clamp_min", "max(x, min)", "d/dx = 1 if x > min, else 0"),
    "ClampMaxBackward0": OpInfo("clamp_max", "min(x, max)", "d/dx = 1 if x < max, else 0"),
    "WhereBackward0": OpInfo(
        "where", "cond ? x : y", "the gradient goes to whichever input was chosen"
    ),
    "MaximumBackward0": OpInfo(
        "maximum", "elementwise max(x, y)", "the gradient goes to the larger input (split on ties)"
    ),
    "MinimumBackward0": OpInfo(
        "minimum", "elementwise min(x, y)", "the gradient goes to the smaller input (split on ties)"
    ),
    "FloorBackward0": OpInfo("floor", "⌊x⌋", "d/dx = 0 (almost everywhere)"),
    "RoundBackward0": OpInfo("round", "round(x)", "d/dx = 0 (almost everywhere)"),
    "SignBackward0": OpInfo("sign", "sign(x)", "d/dx = 0 (almost everywhere)"),
    "MaskedFillBackward0": OpInfo(
        "masked_fill", "x with masked entries replaced", "1 where kept, 0 where filled"
    ),
    # reductions
    "SumBackward0": OpInfo("sum", "Σ of all elements", "∂/∂xᵢ Σx = 1"),
    "SumBackward1": OpInfo("sum", "Σ along dimensions", "∂/∂xᵢ Σx = 1 (broadcast back)"),
    "MeanBackward0": OpInfo("mean", "mean of all elements", "∂/∂xᵢ mean(x) = 1/n"),
    "MeanBackward1": OpInfo("mean", "mean along dimensions", "∂/∂xᵢ mean(x) = 1/n"),
    "ProdBackward0": OpInfo("prod", "∏ of all elements", "∂/∂xᵢ ∏x = ∏ⱼ≠ᵢ xⱼ"),
    "ProdBackward1": OpInfo("prod", "∏ along a dimension", "∂/∂xᵢ ∏x = ∏ⱼ≠ᵢ xⱼ"),
    "MaxBackward0": OpInfo("max", "max along a dimension", "1 at the maximum, 0 elsewhere"),
    "MaxBackward1": OpInfo("max", "max of all elements", "1 at the maximum, 0 elsewhere"),
    "MinBackward0": OpInfo("min", "min along a dimension", "1 at the minimum, 0 elsewhere"),
    "MinBackward1": OpInfo("min", "min of all elements", "1 at the minimum, 0 elsewhere"),
    "AmaxBackward0": OpInfo("amax", "max along dimensions", "split evenly among the maxima"),
    "AminBackward0": OpInfo("amin", "min along dimensions", "split evenly among the minima"),
    "NormBackward0": OpInfo("norm", "‖x‖", "∂/∂x ‖x‖₂ = x/‖x‖₂"),
    "NormBackward1": OpInfo("norm", "‖x‖ along dimensions", "∂/∂x ‖x‖₂ = x/‖x‖₂"),
    "LinalgVectorNormBackward0": OpInfo("norm", "vector norm ‖x‖", "∂/∂x ‖x‖₂ = x/‖x‖₂"),
    "VarBackward0": OpInfo("var", "variance", "∂/∂xᵢ var(x) = 2(xᵢ − x̄)/(n − 1)"),
    "StdBackward0": OpInfo("std", "standard deviation", "∂/∂xᵢ std(x) = (xᵢ − x̄)/((n − 1)·std)"),
    "LogsumexpBackward0": OpInfo("logsumexp", "ln Σ eˣ", "∂/∂xᵢ = softmax(x)ᵢ"),
    "CumsumBackward0": OpInfo("cumsum", "running sum", "reverse running sum of the gradient"),
    # linear algebra
    "MmBackward0": OpInfo("mm", "matrix product A·B", "∂/∂A = G·Bᵀ, ∂/∂B = Aᵀ·G"),
    "MvBackward0": OpInfo("mv", "matrix–vector product A·v", "∂/∂A = g·vᵀ, ∂/∂v = Aᵀ·g"),
    "DotBackward0": OpInfo("dot", "x·y = Σ xᵢyᵢ", "∂/∂x = y, ∂/∂y = x"),
    "BmmBackward0": OpInfo("bmm", "batched matrix product", "∂/∂A = G·Bᵀ, ∂/∂B = Aᵀ·G per batch"),
    "AddmmBackward0": OpInfo(
        "addmm", "b + A·B (what Linear computes)", "∂/∂b = Σ G, ∂/∂A = G·Bᵀ, ∂/∂B = Aᵀ·G"
    ),
    "AddmvBackward0": OpInfo("addmv", "b + A·v", "∂/∂b = g, ∂/∂A = g·vᵀ, ∂/∂v = Aᵀ·g"),
    "ConvolutionBackward0": OpInfo(
        "conv", "convolution", "∂/∂input = transposed conv of G; ∂/∂weight = conv of input and G"
    ),
    # shape and indexing: the gradient is moved, never scaled
    "TBackward0": OpInfo("t", "transpose of a matrix", "the gradient is transposed back"),
    "TransposeBackward0": OpInfo("transpose", "swap two dims", "the gradient is transposed back"),
    "PermuteBackward0": OpInfo("permute", "reorder dims (x.T)", "the gradient is permuted back"),
    "ViewBackward0": OpInfo("view", "same data, new shape", "the gradient is reshaped back"),
    "UnsafeViewBackward0": OpInfo("reshape", "same data, new shape", "reshaped back"),
    "ReshapeAliasBackward0": OpInfo("reshape", "same data, new shape", "reshaped back"),
    "CloneBackward0": OpInfo("clone", "a copy", "d/dx = 1"),
    "ExpandBackward0": OpInfo(
        "expand", "broadcast to a larger shape", "summed over broadcast dims"
    ),
    "RepeatBackward0": OpInfo("repeat", "tile copies", "summed over the copies"),
    "SqueezeBackward0": OpInfo("squeeze", "drop size-1 dims", "the dims are put back"),
    "SqueezeBackward1": OpInfo("squeeze", "drop a size-1 dim", "the dim is put back"),
    "SqueezeBackward2": OpInfo("squeeze", "drop size-1 dims", "the dims are put back"),
    "SqueezeBackward4": OpInfo("squeeze", "drop size-1 dims", "the dims are put back"),
    "UnsqueezeBackward0": OpInfo("unsqueeze", "add a size-1 dim", "the dim is removed again"),
    "SelectBackward0": OpInfo("select", "x[i] along one dim", "scattered back into position i"),
    "SliceBackward0": OpInfo("slice", "x[a:b]", "scattered back into the slice, 0 elsewhere"),
    "IndexBackward0": OpInfo("index", "x[indices]", "accumulated back at the indices"),
    "GatherBackward0": OpInfo("gather", "pick entries by index", "scattered back at the indices"),
    "StackBackward0": OpInfo("stack", "stack along a new dim", "split back into the inputs"),
    "CatBackward0": OpInfo("cat", "join along a dim", "split back into the inputs"),
    "SplitBackward0": OpInfo("split", "cut into chunks", "the chunks' gradients are joined"),
    "UnbindBackward0": OpInfo("unbind", "split into slices", "the slices' gradients are stacked"),
    "SortBackward0": OpInfo("sort", "sorted values", "unsorted back to the original positions"),
    "TopkBackward0": OpInfo("topk", "k largest values", "scattered back to their positions"),
    # losses and normalisation
    "SoftmaxBackward0": OpInfo("softmax", "eˣⁱ/Σeˣ", "∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ)"),
    "LogSoftmaxBackward0": OpInfo("log_softmax", "xᵢ − ln Σeˣ", "∂/∂x = g − softmax(x)·Σg"),
    "MseLossBackward0": OpInfo("mse_loss", "mean((x − y)²)", "∂/∂x = 2(x − y)/n"),
    "NllLossBackward0": OpInfo(
        "nll_loss", "−mean of x at the targets", "∂/∂x = −1/n at each target, 0 elsewhere"
    ),
    "BinaryCrossEntropyBackward0": OpInfo(
        "bce", "−mean(y ln p + (1 − y) ln(1 − p))", "∂/∂p = (p − y)/(p(1 − p)·n)"
    ),
    "BinaryCrossEntropyWithLogitsBackward0": OpInfo(
        "bce_logits", "BCE on σ(x)", "∂/∂x = (σ(x) − y)/n"
    ),
    "NativeLayerNormBackward0": OpInfo(
        "layer_norm", "(x − mean)/std·γ + β", "through mean and variance of each row"
    ),
}


def _fallback(op: str) -> OpInfo:
    """Describe an op the table does not know, by its name."""
    base = re.sub(r"Backward\d*$", "", op)
    label = re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower() or op
    return OpInfo(label, f"the PyTorch op '{base or op}'", "local derivative computed by PyTorch")


def op_info(op: str | None) -> OpInfo:
    """The table entry for a grad_fn class name, or a description built from its name."""
    if op is None:
        return OpInfo("—", "no autograd function (not part of the graph)", "none")
    return _TABLE.get(op) or _fallback(op)


def describe_op(op: str | None) -> str:
    """One line for the inspector, e.g. ``PowBackward0 — d/dx xⁿ = n·xⁿ⁻¹``."""
    return f"{op or '—'} — {op_info(op).derivative}"


def known_ops() -> frozenset[str]:
    """The grad_fn class names with a hand-written entry."""
    return frozenset(_TABLE)


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _saved(saved: Mapping[str, object], name: str) -> object | None:
    """A saved attribute whether the tracer kept torch's ``_saved_`` prefix or not."""
    if name in saved:
        return saved[name]
    return saved.get(f"_saved_{name}")


def _num(x: float) -> str:
    text = format_number(x)
    return f"({text})" if x < 0 else text


def _power(base: float, exponent: float) -> str:
    if float(exponent).is_integer():
        e = int(exponent)
        if e == 1:
            return _num(base)
        return _num(base) + str(e).translate(_SUPERSCRIPT)
    return f"{_num(base)}^{format_number(exponent)}"


def local_formula(op: str | None, saved: Mapping[str, object]) -> str | None:
    """The local derivative of a one-input op written out with its numbers, e.g. ``3·5²``.

    Only for scalars and only for ops whose single input is unambiguous; binary ops
    (mul, sub, …) return None and the caller shows the number alone.
    """

    def scalar(name: str) -> float | None:
        v = _saved(saved, name)
        return scalar_of(v) if v is not None and is_scalar(v) else None

    x, r = scalar("self"), scalar("result")
    if op == "PowBackward0":
        n = scalar("exponent")
        if x is None or n is None:
            return None
        return f"{format_number(n)}·{_power(x, n - 1)}"
    unary_x = {
        "SinBackward0": lambda v: f"cos({format_number(v)})",
        "CosBackward0": lambda v: f"−sin({format_number(v)})",
        "LogBackward0": lambda v: f"1/{_num(v)}",
        "Log1PBackward0": lambda v: f"1/(1 + {format_number(v)})",
        "AtanBackward0": lambda v: f"1/(1 + {_power(v, 2)})",
    }
    unary_result = {
        "TanhBackward0": lambda v: f"1 − {_power(v, 2)}",
        "SigmoidBackward0": lambda v: f"{format_number(v)}·(1 − {format_number(v)})",
        "SqrtBackward0": lambda v: f"1/(2·{format_number(v)})",
        "ReluBackward0": lambda v: "1" if v > 0 else "0",
    }
    if op in unary_x and x is not None:
        return unary_x[op](x)
    if op in unary_result and r is not None:
        return unary_result[op](r)
    if op == "NegBackward0":
        return "−1"
    return None


@dataclass(frozen=True)
class ChainTerm:
    """One consumer's share of a node's gradient: upstream × local = contribution.

    ``local`` is a number only when upstream and contribution are both scalars
    (and upstream is non-zero); for tensors the inspector shows the contribution only.
    """

    consumer: str
    consumer_label: str
    upstream: object
    local: float | None
    local_formula: str | None
    contribution: object
    uses: int = 1
    output_nr: int = 0
    parts: tuple = ()
    """The contributions of each use, when the consumer used the node more than once."""


@dataclass(frozen=True)
class ChainRule:
    """How a node's gradient was assembled from the nodes that consumed it."""

    terms: list[ChainTerm] = field(default_factory=list)
    total: object = None
    is_seed: bool = False


def _edge_gradient(data: Mapping[str, object]) -> object:
    grad = data.get("grad")
    if grad is not None:
        return grad
    parts = [c for c in data.get("contributions") or [] if c is not None]
    if not parts:
        return None
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


def _ratio(contribution: object, upstream: object) -> float | None:
    if not (is_scalar(contribution) and is_scalar(upstream)):
        return None
    up = scalar_of(upstream)
    return scalar_of(contribution) / up if up != 0 else None


def chain_rule_terms(G: nx.DiGraph, node: str) -> ChainRule:
    """The chain rule at ``node``: one term per consumer edge, and the node's total grad.

    An output node has no consumers: its gradient is the seed of the backward pass.
    """
    attrs = G.nodes[node]
    total = attrs.get("grad")
    if attrs.get("kind") == "output" and G.out_degree(node) == 0:
        return ChainRule([], total, is_seed=True)
    terms = []
    for consumer, data in G.succ[node].items():
        c_attrs = G.nodes[consumer]
        upstream = c_attrs.get("grad")
        contribution = _edge_gradient(data)
        parts = tuple(c for c in data.get("contributions") or () if c is not None)
        terms.append(
            ChainTerm(
                consumer=consumer,
                consumer_label=c_attrs.get("label") or consumer,
                upstream=upstream,
                local=_ratio(contribution, upstream),
                local_formula=local_formula(c_attrs.get("op"), c_attrs.get("saved") or {}),
                contribution=contribution,
                uses=max(1, len(data.get("contributions") or [])),
                output_nr=int(data.get("output_nr") or 0),
                parts=parts if len(parts) > 1 else (),
            )
        )
    return ChainRule(terms, total)
