"""Leaf gradients of random programs vs float64 central finite differences (hypothesis).

Each random expression tree is rendered twice: as program text for
``gradviz.evaluate`` (in one of several equivalent call forms: ``sin(x)``,
``torch.sin(x)``, ``x.sin()``, ...) and as a Python callable on float64 torch
tensors written with different primitives where possible (``t * t`` for
``square``, ``1 / (1 + exp(-t))`` for ``sigmoid``). gradviz's float32 grads are
compared with central differences of the callable and with float64
``torch.autograd.grad`` of it. A non-scalar output is differentiated as the
sum of its elements (gradviz seeds backward with ones).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import gradviz

H = 1e-6  # central difference step (float64)
RTOL = 2e-3
ATOL = 2e-3  # times max(1, largest |reference gradient|)
MAX_DEPTH = 4
MAX_MAGNITUDE = 100.0  # keeps float32 round-off well inside the tolerances
NAMES = ("a", "b", "c")


@dataclass(frozen=True)
class Op:
    forms: tuple[str, ...]  # program text templates, {0} {1} are the operands
    fn: Callable[..., torch.Tensor] | tuple[Callable[..., torch.Tensor], ...]  # float64

    def reference(self, form: int) -> Callable[..., torch.Tensor]:
        return self.fn[form] if isinstance(self.fn, tuple) else self.fn


UNARY = {
    "sin": Op(("sin({0})", "torch.sin({0})", "({0}).sin()"), torch.sin),
    "cos": Op(("cos({0})", "torch.cos({0})", "({0}).cos()"), torch.cos),
    "tanh": Op(("tanh({0})", "torch.tanh({0})", "F.tanh({0})", "({0}).tanh()"),
               lambda t: (torch.exp(2 * t) - 1) / (torch.exp(2 * t) + 1)),
    "sigmoid": Op(("sigmoid({0})", "torch.sigmoid({0})", "F.sigmoid({0})", "({0}).sigmoid()"),
                  lambda t: 1 / (1 + torch.exp(-t))),
    "exp_tanh": Op(("exp(tanh({0}))", "torch.exp(({0}).tanh())", "(F.tanh({0})).exp()"),
                   lambda t: torch.exp(torch.tanh(t))),
    "square": Op(("square({0})", "({0}).square()", "({0}) ** 2", "pow({0}, 2)", "({0}).pow(2)"),
                 lambda t: t * t),
    "cube": Op(("({0}) ** 3", "pow({0}, 3)", "torch.pow({0}, 3)", "({0}).pow(3)"),
               lambda t: t * t * t),
    "pow_two_thirds": Op(("(1 + ({0}) ** 2) ** (2/3)", "pow(1 + square({0}), 2 / 3)"),
                         lambda t: torch.exp(torch.log(1 + t * t) * 2 / 3)),
    "affine": Op(("1.5 * ({0}) - 0.25", "-({0}) * 0.5 + 2"),
                 (lambda t: t * 1.5 - 0.25, lambda t: 2 - t / 2)),
    "sum": Op(("sum({0})", "torch.sum({0})", "({0}).sum()"), lambda t: t.sum()),
    "mean": Op(("mean({0})", "torch.mean({0})", "({0}).mean()"),
               lambda t: t.sum() / t.numel()),
}

BINARY = {
    "add": Op(("({0}) + ({1})",), lambda x, y: x + y),
    "sub": Op(("({0}) - ({1})",), lambda x, y: x - y),
    "mul": Op(("({0}) * ({1})",), lambda x, y: x * y),
    "div": Op(("({0}) / (1 + ({1}) ** 2)", "({0}) / (1 + square({1}))"),
              lambda x, y: x / (1 + y * y)),
}


@dataclass(frozen=True)
class Tree:
    op: str  # "leaf", a UNARY key or a BINARY key
    form: int = 0
    children: tuple[Tree, ...] = ()
    name: str = ""

    def text(self) -> str:
        if self.op == "leaf":
            return self.name
        table = UNARY if self.op in UNARY else BINARY
        return table[self.op].forms[self.form].format(*(c.text() for c in self.children))

    def compute(self, env: dict[str, torch.Tensor], seen: list[float] | None = None
                ) -> torch.Tensor:
        """The float64 reference value; appends each node's largest |value| to `seen`."""
        if self.op == "leaf":
            out = env[self.name]
        else:
            args = [c.compute(env, seen) for c in self.children]
            table = UNARY if self.op in UNARY else BINARY
            out = table[self.op].reference(self.form)(*args)
        if seen is not None:
            seen.append(out.detach().abs().max().item())
        return out

    def leaves(self) -> set[str]:
        if self.op == "leaf":
            return {self.name}
        return set().union(*(c.leaves() for c in self.children))


# One draw picks a node: (op, form), or None for a leaf (about one node in four).
INNER = [(op, form) for table in (UNARY, BINARY) for op in sorted(table)
         for form in range(len(table[op].forms))]
NODES = [None] * (len(INNER) // 3) + INNER


@st.composite
def trees(draw, names: tuple[str, ...], depth: int = 0) -> Tree:
    choice = None if depth >= MAX_DEPTH else draw(st.sampled_from(NODES if depth else INNER))
    if choice is None:
        return Tree("leaf", name=draw(st.sampled_from(names)))
    op, form = choice
    arity = 1 if op in UNARY else 2
    return Tree(op, form, tuple(draw(trees(names, depth + 1)) for _ in range(arity)))


# float32 values, so the program text and the float64 reference hold the same numbers
values32 = st.floats(-2.0, 2.0, width=32, allow_nan=False, allow_subnormal=False)


@st.composite
def programs(draw):
    n_leaves = draw(st.integers(2, 3))
    names = NAMES[:n_leaves]
    size = draw(st.integers(2, 3))  # every vector leaf has this length (they broadcast)
    values: dict[str, float | list[float]] = {}
    for name in names:
        if draw(st.booleans()):
            values[name] = draw(values32)
        else:
            values[name] = draw(st.lists(values32, min_size=size, max_size=size))
    tree = draw(trees(names))
    as_assignment = draw(st.booleans())
    return values, tree, as_assignment


def program_text(values: dict, tree: Tree, as_assignment: bool) -> str:
    lines = [f"{name} = {value!r}" for name, value in values.items()]
    lines.append(f"y = {tree.text()}" if as_assignment else tree.text())
    return "\n".join(lines)


def central_difference(f, env: dict[str, torch.Tensor], name: str) -> torch.Tensor:
    base = env[name]
    grad = torch.zeros_like(base)
    flat = grad.view(-1)
    for k in range(base.numel()):
        step = torch.zeros_like(base).view(-1)
        step[k] = H
        step = step.view(base.shape)
        plus = f({**env, name: base + step})
        minus = f({**env, name: base - step})
        flat[k] = (plus - minus) / (2 * H)
    return grad


def check_against_references(values: dict, tree: Tree, as_assignment: bool) -> bool:
    """Assert gradviz agrees with the references; False if the case is out of range."""
    env = {n: torch.tensor(v, dtype=torch.float64) for n, v in values.items()}
    seen: list[float] = []
    reference_out = tree.compute(env, seen)
    if max(seen) > MAX_MAGNITUDE:
        return False

    def f(e):
        return tree.compute(e).sum()  # backward seeded with ones == gradient of the sum

    live = {n: t.clone().requires_grad_(True) for n, t in env.items()}
    used = tree.leaves()
    autograd = dict(zip(live, torch.autograd.grad(f(live), list(live.values()),
                                                  allow_unused=True)))

    text = program_text(values, tree, as_assignment)
    ev = gradviz.evaluate(text)
    assert ev.output_name == ("y" if as_assignment else None)
    torch.testing.assert_close(ev.output.double(), reference_out, rtol=1e-4,
                               atol=1e-4 * max(1.0, reference_out.abs().max().item()))
    assert set(ev.leaves) == set(values)
    assert set(ev.grads) == set(values)
    for name in values:
        assert torch.equal(ev.leaves[name].double(), env[name]), name
        grad = ev.grads[name]
        if name not in used:
            assert grad is None, f"{name} is unused but got a gradient\n{text}"
            assert autograd[name] is None
            continue
        assert grad is not None, f"no gradient for {name}\n{text}"
        assert grad.dtype == torch.float32 and grad.shape == env[name].shape
        fd = central_difference(f, env, name)
        scale = max(1.0, fd.abs().max().item())
        message = f"d/d{name} of\n{text}"
        torch.testing.assert_close(grad.double(), fd, rtol=RTOL, atol=ATOL * scale,
                                   msg=lambda m, msg=message: f"{msg}\nvs finite differences\n{m}")
        torch.testing.assert_close(grad.double(), autograd[name], rtol=RTOL, atol=ATOL * scale,
                                   msg=lambda m, msg=message: f"{msg}\nvs float64 autograd\n{m}")
    return True


@settings(max_examples=200, deadline=None)
@given(programs())
def test_leaf_gradients_match_finite_differences(case):
    assume(check_against_references(*case))


@settings(max_examples=40, deadline=None)
@given(
    w=values32, h0=st.lists(values32, min_size=2, max_size=3), steps=st.integers(1, 5),
    body=st.sampled_from([
        ("h = tanh(h * w + i)", lambda h, w, i: torch.tanh(h * w + i)),
        ("h = sin(h) * w + h / (1 + w ** 2)", lambda h, w, i: torch.sin(h) * w + h / (1 + w * w)),
        ("h += sigmoid(h * w) * 0.5", lambda h, w, i: h + 1 / (1 + torch.exp(-h * w)) * 0.5),
    ]),
)
def test_loop_gradients_match_finite_differences(w, h0, steps, body):
    text_body, step = body
    text = f"w = {w!r}\nh = {h0!r}\nfor i in range({steps}):\n    {text_body}\ny = h.sum()"

    def f(env):
        h = env["h"]
        for i in range(steps):
            h = step(h, env["w"], i)
        return h.sum()

    env = {"w": torch.tensor(w, dtype=torch.float64), "h": torch.tensor(h0, dtype=torch.float64)}
    ev = gradviz.evaluate(text)
    torch.testing.assert_close(ev.output.double(), f(env), rtol=1e-4, atol=1e-4)
    for name in ("w", "h"):
        fd = central_difference(f, env, name)
        scale = max(1.0, fd.abs().max().item())
        torch.testing.assert_close(ev.grads[name].double(), fd, rtol=RTOL, atol=ATOL * scale)


def test_central_difference_helper_is_accurate():
    """Guards the reference itself on a function with a known derivative."""
    env = {"x": torch.tensor([0.3, -1.2], dtype=torch.float64)}
    fd = central_difference(lambda e: (torch.sin(e["x"]) * e["x"]).sum(), env, "x")
    x = env["x"]
    torch.testing.assert_close(fd, torch.cos(x) * x + torch.sin(x), rtol=1e-8, atol=1e-8)


def test_renderings_agree_on_a_fixed_tree():
    """Every call form of every op renders to a program that gradviz accepts and agrees on."""
    for table in (UNARY, BINARY):
        for op, spec in table.items():
            for form in range(len(spec.forms)):
                leaf_a, leaf_b = Tree("leaf", name="a"), Tree("leaf", name="b")
                children = (leaf_a,) if table is UNARY else (leaf_a, leaf_b)
                assert check_against_references({"a": [0.5, -1.25], "b": 0.75},
                                                Tree(op, form, children), True)
