"""The program language as a user meets it (DESIGN.md §3, issue 2).

Numbers are checked against independent references: plain torch code on fresh
tensors (autograd) or hand-derived values, never against gradviz itself.
"""

from __future__ import annotations

import math
import re
import warnings

import pytest
import torch

import gradviz
from gradviz import ProgramError


def run(text: str, **kwargs) -> gradviz.Evaluation:
    return gradviz.evaluate(text, **kwargs)


def refuse(text: str) -> ProgramError:
    with pytest.raises(ProgramError) as info:
        gradviz.evaluate(text)
    return info.value


def close(actual, expected, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    expected = torch.as_tensor(expected, dtype=torch.float32)
    torch.testing.assert_close(actual.float(), expected, rtol=rtol, atol=atol)


def names_of(graph, kind: str | None = None) -> list[str | None]:
    return [d["name"] for _, d in graph.nodes(data=True) if kind is None or d["kind"] == kind]


def reference_grads(fn, **values) -> tuple[torch.Tensor, dict[str, torch.Tensor | None]]:
    """Output and d sum(output) / d leaf, by plain torch autograd on fresh float32 leaves."""
    leaves = {k: torch.tensor(v, dtype=torch.float32, requires_grad=True)
              for k, v in values.items()}
    out = fn(**leaves)
    grads = torch.autograd.grad(out, list(leaves.values()), torch.ones_like(out),
                                allow_unused=True)
    return out.detach(), dict(zip(leaves, grads))


# -- leaves and constants -------------------------------------------------------------


def test_an_assigned_number_is_a_float32_leaf_that_requires_grad():
    ev = run("a = 5")
    assert list(ev.leaves) == ["a"]
    leaf = ev.leaves["a"]
    assert leaf.dtype == torch.float32 and leaf.shape == ()
    assert leaf.item() == 5.0
    # It requires grad: the program's output (a itself) has d a / d a = 1.
    close(ev.grads["a"], 1.0)
    (node,) = [d for _, d in ev.graph.nodes(data=True) if d["kind"] == "leaf"]
    assert node["op"] == "AccumulateGrad" and node["name"] == "a"
    assert node["dtype"] == "torch.float32"


@pytest.mark.parametrize(
    "text, shape",
    [("n = 3", ()), ("x = [1, 2]", (2,)), ("W = [[1, 2], [3, 4]]", (2, 2)),
     ("W = randn(3, 2)", (3, 2)), ("b = ones(3) * 2", (3,)), ("t = tensor([1, 2, 3])", (3,))],
)
def test_values_that_depend_on_no_tensor_are_float32_leaves(text, shape):
    ev = run(text)
    (name,) = ev.leaves
    assert ev.leaves[name].dtype == torch.float32
    assert tuple(ev.leaves[name].shape) == shape
    close(ev.grads[name], torch.ones(shape))  # the output is the leaf itself


@pytest.mark.parametrize(
    "constant",
    ["tensor(3., requires_grad=False)", "full((), 3., requires_grad=False)",
     "ones((), requires_grad=False) + 2", "randn((), requires_grad=False) * 0 + 3"],
)
def test_requires_grad_false_makes_a_constant(constant):
    ev = run(f"c = {constant}\na = 2\ny = a * c")
    assert set(ev.leaves) == {"a"}
    assert "c" not in ev.grads
    close(ev.grads["a"], 3.0)
    close(ev.variables["c"], 3.0)
    assert "c" not in names_of(ev.graph, "leaf")


@pytest.mark.parametrize("value", ["tensor(3.)", "full((), 3.)", "ones(()) + 2"])
def test_without_requires_grad_false_the_same_value_is_a_leaf(value):
    ev = run(f"c = {value}\na = 2\ny = a * c")
    assert set(ev.leaves) == {"a", "c"}
    close(ev.grads["c"], 2.0)
    assert "c" in names_of(ev.graph, "leaf")


def test_constructor_constants_stay_constant_through_a_program():
    ev = run("W = randn(2, 3, requires_grad=False)\nx = [1., 2., 3.]\ny = (W @ x).sum()")
    assert set(ev.leaves) == {"x"}
    close(ev.grads["x"], ev.variables["W"].sum(0))


def test_numbers_inside_expressions_stay_numbers():
    ev = run("a = 5\ny = a**3 + 2 * a - 1")
    assert set(ev.leaves) == {"a"}
    assert names_of(ev.graph, "leaf") == ["a"]  # no leaf for 3, 2 or 1
    close(ev.output, 5**3 + 2 * 5 - 1)
    close(ev.grads["a"], 3 * 5**2 + 2)


def test_shape_and_dim_arguments_are_not_leaves():
    ev = run("x = ones(2, 3)\ny = x.sum(dim=1)\nz = y.reshape(1, 2)")
    assert set(ev.leaves) == {"x"}
    assert names_of(ev.graph, "leaf") == ["x"]
    assert tuple(ev.output.shape) == (1, 2)


def test_a_value_computed_from_a_leaf_is_not_a_leaf():
    ev = run("a = 2\nb = a * 3\nc = b + a")
    assert set(ev.leaves) == {"a"}
    close(ev.output, 8.0)
    close(ev.grads["a"], 4.0)


def test_unused_leaf_has_grad_none():
    ev = run("a = 1\nb = 2\ny = a * 3")
    close(ev.grads["a"], 3.0)
    assert ev.grads["b"] is None


# -- rebinding ------------------------------------------------------------------------


def test_rebinding_keeps_the_leaf_name_and_labels_the_new_node():
    ev = run("a = 2\na = a * 3\ny = a + 1")
    assert set(ev.leaves) == {"a"}
    close(ev.leaves["a"], 2.0)
    close(ev.grads["a"], 3.0)
    close(ev.variables["a"], 6.0)  # the name now holds the new value
    close(ev.output, 7.0)
    nodes = {d["name"]: d for _, d in ev.graph.nodes(data=True) if d["kind"] != "output"}
    assert nodes["a"]["kind"] == "leaf"
    assert nodes["a (2)"]["kind"] == "op" and nodes["a (2)"]["op"] == "MulBackward0"
    close(nodes["a (2)"]["value"], 6.0)
    assert nodes["y"]["op"] == "AddBackward0"


def test_each_rebinding_gets_the_next_number():
    ev = run("a = 2\na = a * 3\na = a + 1\na = a ** 2")
    assert ev.output_name == "a"
    close(ev.output, 49.0)
    close(ev.grads["a"], 2 * 7 * 3)
    ops = {d["name"]: d["op"] for _, d in ev.graph.nodes(data=True) if d["kind"] == "op"}
    assert ops == {"a (2)": "MulBackward0", "a (3)": "AddBackward0", "a (4)": "PowBackward0"}
    assert names_of(ev.graph, "leaf") == ["a"]


def test_rebound_name_stays_visible_when_the_program_ends_with_that_name():
    ev = run("a = 2\na = a * 3\na")
    close(ev.output, 6.0)
    assert "a (2)" in names_of(ev.graph, "op")


@pytest.mark.parametrize(
    "text, value, grad",
    [("x = 2\nx += 1", 3.0, 1.0), ("x = 2\nx -= 5", -3.0, 1.0), ("x = 2\nx *= 4", 8.0, 4.0),
     ("x = 3\nx **= 2", 9.0, 6.0), ("x = 3\nx /= 2", 1.5, 0.5),
     ("x = 2\nx += 1\nx *= x", 9.0, 6.0)],
)
def test_augmented_assignment_rebinds_without_touching_the_leaf(text, value, grad):
    ev = run(text)
    assert ev.output_name == "x"
    close(ev.output, value)
    close(ev.leaves["x"], float(text.split("\n")[0].split("=")[1]))
    close(ev.grads["x"], grad)
    assert "x (2)" in names_of(ev.graph, "op")
    assert names_of(ev.graph, "leaf") == ["x"]


# -- programs without leaves, constants ---------------------------------------------


def test_a_program_without_leaves_just_shows_its_value():
    ev = run("2 + 3")
    close(ev.output, 5.0)
    assert ev.output_name is None
    assert ev.leaves == {} and ev.grads == {} and ev.variables == {}
    assert names_of(ev.graph, "leaf") == []
    (out,) = [d for _, d in ev.graph.nodes(data=True) if d["kind"] == "output"]
    close(out["value"], 5.0)


@pytest.mark.parametrize(
    "text, expected",
    [("pi", math.pi), ("e", math.e), ("2 * pi", 2 * math.pi), ("torch.pi", math.pi),
     ("torch.e", math.e), ("pi ** 2 / e", math.pi**2 / math.e)],
)
def test_pi_and_e(text, expected):
    ev = run(text)
    assert ev.leaves == {}
    close(ev.output, expected)


def test_pi_and_e_are_numbers_in_expressions():
    ev = run("a = 2\ny = a * pi + e")
    assert set(ev.leaves) == {"a"}
    close(ev.output, 2 * math.pi + math.e)
    close(ev.grads["a"], math.pi)


@pytest.mark.parametrize("name", ["pi", "e", "sin", "torch", "F", "range"])
def test_built_in_names_cannot_be_rebound(name):
    err = refuse(f"{name} = 3")
    assert name in err.message and (err.line, err.col) == (1, 1)


# -- call forms -------------------------------------------------------------------------

X = [0.5, -1.0, 2.0]
W = [[1.0, -2.0, 0.5], [0.25, 3.0, -1.5]]
V = [1.0, -0.5, 2.0]
T = [0.0, 1.0, 1.0]
WEIGHT = [1.0, -2.0, 3.0]  # weights the output so that no gradient is trivially zero

CALL_FORMS = [
    ("sin", ["sin(x)", "torch.sin(x)", "x.sin()"], lambda x: torch.sin(x)),
    ("exp", ["exp(x)", "torch.exp(x)", "x.exp()"], lambda x: torch.exp(x)),
    ("tanh", ["tanh(x)", "torch.tanh(x)", "F.tanh(x)", "x.tanh()"], lambda x: torch.tanh(x)),
    ("sigmoid", ["sigmoid(x)", "torch.sigmoid(x)", "F.sigmoid(x)", "x.sigmoid()"],
     lambda x: 1 / (1 + torch.exp(-x))),
    ("relu", ["relu(x)", "torch.relu(x)", "F.relu(x)", "torch.nn.functional.relu(x)",
              "x.relu()"], lambda x: x * (x > 0)),
    ("softplus", ["softplus(x)", "F.softplus(x)"], lambda x: torch.log1p(torch.exp(x))),
    ("square", ["square(x)", "torch.square(x)", "x.square()", "x ** 2"], lambda x: x * x),
    ("pow", ["pow(x, 3)", "torch.pow(x, 3)", "x.pow(3)", "x ** 3"], lambda x: x * x * x),
    ("clamp", ["clamp(x, min=-0.5, max=0.5)", "torch.clamp(x, min=-0.5, max=0.5)",
               "x.clamp(min=-0.5, max=0.5)"], lambda x: torch.clamp(x, -0.5, 0.5)),
    ("abs", ["abs(x)", "torch.abs(x)", "x.abs()"], lambda x: torch.where(x < 0, -x, x)),
    ("softmax", ["softmax(x, dim=0)", "torch.softmax(x, 0)", "F.softmax(x, dim=0)",
                 "x.softmax(dim=0)"], lambda x: torch.exp(x) / torch.exp(x).sum()),
    ("log_softmax", ["log_softmax(x, dim=0)", "F.log_softmax(x, dim=0)",
                     "x.log_softmax(dim=0)"], lambda x: x - torch.log(torch.exp(x).sum())),
    ("mean", ["mean(x)", "torch.mean(x)", "x.mean()"], lambda x: x.sum() / 3),
    ("norm", ["norm(x)", "torch.norm(x)", "x.norm()"], lambda x: torch.sqrt((x * x).sum())),
]


@pytest.mark.parametrize("name, forms, reference", CALL_FORMS, ids=[c[0] for c in CALL_FORMS])
def test_call_forms_agree_with_each_other_and_with_torch(name, forms, reference):
    expected, grads = reference_grads(
        lambda x: reference(x) * torch.tensor(WEIGHT), x=X)
    for form in forms:
        ev = run(f"x = {X}\ny = ({form}) * {WEIGHT}")
        close(ev.output, expected)
        close(ev.grads["x"], grads["x"])


TWO_LEAF_FORMS = [
    ("matmul", ["matmul(W, v)", "torch.matmul(W, v)", "W.matmul(v)", "W @ v",
                "mm(W, v.reshape(3, 1)).reshape(2)"],
     lambda W, v: (W * v).sum(1)),
    ("sum_dim", ["sum(W, dim=0)", "torch.sum(W, 0)", "W.sum(dim=0)", "W.sum(0)"],
     lambda W, v: W[0] + W[1]),
    ("transpose", ["transpose(W, 0, 1)", "torch.transpose(W, 0, 1)", "W.transpose(0, 1)",
                   "W.T"],
     lambda W, v: torch.stack([W[:, 0], W[:, 1], W[:, 2]])),
    ("dot", ["dot(v, v)", "torch.dot(v, v)", "v.dot(v)", "v @ v"], lambda W, v: (v * v).sum()),
    ("mse_loss", ["mse_loss(v, t)", "F.mse_loss(v, t)"],
     lambda W, v: ((v - torch.tensor(T)) ** 2).sum() / 3),
    ("stack", ["stack([v, v * 2])", "torch.stack([v, v * 2])"],
     lambda W, v: torch.cat([v, v * 2]).reshape(2, 3)),
    ("cat", ["cat([v, W[0]])", "torch.cat([v, W[0]])"],
     lambda W, v: torch.stack([v[0], v[1], v[2], W[0, 0], W[0, 1], W[0, 2]])),
]


@pytest.mark.parametrize("name, forms, reference", TWO_LEAF_FORMS,
                         ids=[c[0] for c in TWO_LEAF_FORMS])
def test_two_leaf_call_forms_agree_with_torch(name, forms, reference):
    expected, grads = reference_grads(reference, W=W, v=V)
    weight = torch.arange(1.0, expected.numel() + 1).reshape(expected.shape)
    _, weighted = reference_grads(lambda W, v: reference(W, v) * weight, W=W, v=V)
    for form in forms:
        ev = run(f"W = {W}\nv = {V}\nt = tensor({T}, requires_grad=False)\ny = {form}\n"
                 f"z = y * {weight.tolist()}")
        close(ev.variables["y"], expected)
        for leaf in ("W", "v"):
            if weighted[leaf] is None:
                assert ev.grads[leaf] is None, form
            else:
                close(ev.grads[leaf], weighted[leaf])


def test_dot_T_transposes_a_matrix():
    ev = run("W = [[1., 2., 3.], [4., 5., 6.]]\nW.T")
    close(ev.output, [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]])
    ev = run("W = [[1., 2., 3.], [4., 5., 6.]]\ny = W.T @ [1., 10.]")
    close(ev.output, [41.0, 52.0, 63.0])
    close(ev.grads["W"], [[1.0, 1.0, 1.0], [10.0, 10.0, 10.0]])


# -- indexing and slicing -----------------------------------------------------------

XI = [10.0, 20.0, 30.0, 40.0]
WI = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


@pytest.mark.parametrize(
    "expr, reference",
    [("x[1]", lambda x, W: x[1]), ("x[-1]", lambda x, W: x[3]),
     ("x[1:3]", lambda x, W: torch.stack([x[1], x[2]])),
     ("x[::2]", lambda x, W: torch.stack([x[0], x[2]])),
     ("x[:2]", lambda x, W: torch.stack([x[0], x[1]])),
     ("x[-2:]", lambda x, W: torch.stack([x[2], x[3]])),
     ("W[1, 2]", lambda x, W: W[1][2]), ("W[-1][0]", lambda x, W: W[1][0]),
     ("W[1]", lambda x, W: torch.stack([W[1][0], W[1][1], W[1][2]])),
     ("W[:, 1]", lambda x, W: torch.stack([W[0][1], W[1][1]])),
     ("W[0, 1:]", lambda x, W: torch.stack([W[0][1], W[0][2]])),
     ("x[W.shape[0]]", lambda x, W: x[2])],
)
def test_indexing_and_slicing(expr, reference):
    expected, grads = reference_grads(reference, x=XI, W=WI)
    ev = run(f"x = {XI}\nW = {WI}\ny = {expr}")
    close(ev.output, expected)
    for leaf in ("x", "W"):
        if grads[leaf] is None:
            assert ev.grads[leaf] is None
        else:
            close(ev.grads[leaf], grads[leaf])


def test_index_out_of_range_is_a_program_error_at_its_line():
    err = refuse("x = [1., 2.]\ny = x[5]")
    assert err.line == 2


# -- loops ------------------------------------------------------------------------------


def test_for_loop_repeats_the_body():
    ev = run("x = 1.5\nfor i in range(5):\n    x = x * 2")
    close(ev.output, 1.5 * 32)
    close(ev.grads["x"], 32.0)
    assert ev.output_name == "x"
    ops = sorted(n for n in names_of(ev.graph, "op"))
    assert ops == sorted(f"x ({k})" for k in range(2, 7))


def test_loop_variable_takes_the_range_values():
    ev = run("s = 0\nfor i in range(1, 10, 3):\n    s = s + i")
    close(ev.output, 1 + 4 + 7)
    close(ev.variables["i"], 7.0)
    close(ev.grads["s"], 1.0)


def test_loop_bound_from_a_variable_and_nested_loops():
    ev = run("n = 3\ny = 1\nfor i in range(n):\n    for j in range(4):\n        y = y * 1.5")
    close(ev.output, 1.5**12, rtol=1e-5)
    close(ev.grads["y"], 1.5**12, rtol=1e-5)


def test_loop_recurrence_matches_torch():
    text = "w = 0.7\nh = [0.1, -0.2]\nfor i in range(4):\n    h = tanh(h * w + i)\ny = h.sum()"

    def reference(w, h):
        for i in range(4):
            h = torch.tanh(h * w + i)
        return h.sum()

    expected, grads = reference_grads(reference, w=0.7, h=[0.1, -0.2])
    ev = run(text)
    close(ev.output, expected)
    close(ev.grads["w"], grads["w"])
    close(ev.grads["h"], grads["h"])


# -- tuple unpacking ------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, reference",
    [("max(x, dim=0)", lambda x: torch.max(x, 0)), ("x.max(dim=1)", lambda x: x.max(1)),
     ("torch.min(x, 0)", lambda x: torch.min(x, 0)), ("min(x, dim=1)", lambda x: x.min(1))],
)
def test_tuple_unpacking_of_max_and_min(call, reference):
    x = [[1.0, 5.0, -2.0], [4.0, 2.0, 0.5]]
    ev = run(f"x = {x}\nv, i = {call}\ny = v * v")
    ref_v, ref_i = reference(torch.tensor(x))
    close(ev.variables["v"], ref_v)
    assert torch.equal(ev.variables["i"], ref_i)
    _, grads = reference_grads(lambda x: reference(x)[0] ** 2, x=x)
    close(ev.grads["x"], grads["x"])


def test_unpacking_numbers_makes_two_leaves():
    ev = run("a, b = [2., 3.]\ny = a * b")
    assert set(ev.leaves) == {"a", "b"}
    close(ev.grads["a"], 3.0)
    close(ev.grads["b"], 2.0)


def test_unpacking_the_wrong_count_is_a_program_error():
    err = refuse("x = [1., 2., 3.]\na, b = x")
    assert err.line == 2


# -- random numbers -------------------------------------------------------------------

RANDOM = "W = randn(3, 4)\nb = rand(4)\ny = W @ b"


def test_randn_is_reproducible_and_ignores_global_rng_state():
    torch.manual_seed(1)
    first = run(RANDOM)
    state = torch.get_rng_state()
    second = run(RANDOM)
    assert torch.equal(torch.get_rng_state(), state), "evaluate() consumed the global RNG"
    torch.manual_seed(12345)
    torch.randn(100)  # move the global generator along
    third = run(RANDOM)
    for ev in (second, third):
        for name in ("W", "b", "y"):
            assert torch.equal(ev.variables[name], first.variables[name])


def test_the_seed_argument_changes_the_draw():
    a = run(RANDOM, seed=0).variables["W"]
    b = run(RANDOM, seed=1).variables["W"]
    assert not torch.equal(a, b)
    assert torch.equal(run(RANDOM, seed=1).variables["W"], b)


def test_successive_random_calls_differ_and_look_random():
    ev = run("a = randn(3)\nb = randn(3)\nx = randn(20000)\nu = rand(20000)")
    assert not torch.equal(ev.variables["a"], ev.variables["b"])
    x, u = ev.variables["x"], ev.variables["u"]
    assert abs(x.mean().item()) < 0.05 and abs(x.std().item() - 1) < 0.05
    assert u.min().item() >= 0 and u.max().item() < 1 and abs(u.mean().item() - 0.5) < 0.02


# -- output -----------------------------------------------------------------------------


def test_non_scalar_output_is_seeded_with_ones():
    ev = run("x = [1., -2., 3.]\ny = x * x")
    (out,) = [d for _, d in ev.graph.nodes(data=True) if d["kind"] == "output"]
    assert torch.equal(out["grad"], torch.ones(3))
    assert ev.graph.graph["grad_outputs"] == "ones"
    close(ev.grads["x"], [2.0, -4.0, 6.0])


def test_matrix_output_is_seeded_with_ones():
    ev = run("W = [[1., 2.], [3., 4.], [5., 6.]]\nv = [1., -1.]\nW @ v * 3")
    (out,) = [d for _, d in ev.graph.nodes(data=True) if d["kind"] == "output"]
    assert torch.equal(out["grad"], torch.ones(3))
    close(ev.grads["W"], [[3.0, -3.0]] * 3)
    close(ev.grads["v"], [27.0, 36.0])


@pytest.mark.parametrize(
    "text, value, name, grad_a",
    [("a = 2\nb = a * 3\na + 1", 3.0, None, 1.0),
     ("a = 2\na + 100\nb = a * 3", 6.0, "b", 3.0),
     ("a = 2; b = a * 5", 10.0, "b", 5.0),
     ("# comment\na = 2  # leaf\nb = a ** 2\n# trailing comment\n", 4.0, "b", 4.0),
     ("a = 2\nfor i in range(3):\n    c = a * i\n", 4.0, "c", 2.0),
     ("a = 2\nfor i in range(3):\n    a * i\n", 4.0, None, 2.0)],
)
def test_the_output_is_the_last_statement(text, value, name, grad_a):
    ev = run(text)
    close(ev.output, value)
    assert ev.output_name == name
    close(ev.grads["a"], grad_a)


def test_exposed_tensors_are_detached():
    ev = run("W = randn(2, 3)\nx = [1., 2., 3.]\nh = W @ x\ny = h.sum()")
    tensors = [ev.output, *ev.variables.values(), *ev.leaves.values(), *ev.grads.values()]
    for t in tensors:
        assert not t.requires_grad and t.grad_fn is None
        t.numpy()  # raises for a tensor that requires grad


def test_bound_numbers_and_loop_variables_show_up_in_variables():
    ev = run("a = 2\nfor i in range(3):\n    a = a + i")
    assert set(ev.variables) == {"a", "i"}
    close(ev.variables["a"], 5.0)
    close(ev.variables["i"], 2.0)


# -- a list holding tensors ----------------------------------------------------------


@pytest.mark.parametrize(
    "expr, grad_a, grad_b",
    [("sum([a, b])", 1.0, 1.0), ("([a, b] * 2).sum()", 2.0, 2.0),
     ("[a, b] @ [1., 3.]", 1.0, 3.0), ("mean([a, b])", 0.5, 0.5)],
)
def test_a_list_of_tensors_keeps_its_gradient_or_is_refused(expr, grad_a, grad_b):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as outside pytest: a warning is not an error
        try:
            ev = run(f"a = 2\nb = 3\ny = {expr}")
        except ProgramError:
            return  # refusing is fine
    assert ev.grads["a"] is not None and ev.grads["b"] is not None
    close(ev.grads["a"], grad_a)
    close(ev.grads["b"], grad_b)


# -- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, char",
    [("a = 1\nb = a +* 2", 2, "*"), ("ä = 1\nb = ä +* 2", 2, "*"),
     ("a = 1\nb = (a +\n", 2, "("), ("a = 1\nb = a ) + 1", 2, ")"),
     ("a = 1\nb = 2\nc = a b", 3, "b"), ("a = 1\nb = [1, 2\nc = 3", 2, "[")],
)
def test_syntax_error_points_at_the_offending_character(text, line, char):
    err = refuse(text)
    assert err.message.startswith("syntax error")
    assert err.line == line
    assert text.splitlines()[line - 1][err.col - 1] == char


@pytest.mark.parametrize(
    "text, line",
    [("a = 1\nb = a +", 2), ("a = 1\n  b = 2", 2), ("a = 1\nb = 'abc", 2), ("a = 1\nb = 1e", 2),
     ("a = 1\nfor i in range(3):\nb = 2\nc = 3", 3), ("a = 1\nb = $\nc = 3", 2),
     ("a = 1\nb = 2\nc = (3 +\n\n", 3)],
)
def test_syntax_error_positions_are_on_the_line(text, line):
    err = refuse(text)
    assert err.line == line
    assert 1 <= err.col <= len(text.splitlines()[line - 1]) + 1


def test_syntax_error_column_is_one_based_for_huge_literals():
    err = refuse("a = 1\nb = 1" + "0" * 5000)
    assert err.line == 2 and err.col is not None and err.col >= 1


@pytest.mark.parametrize(
    "text, line, col, suggestion",
    [("a = 1\ny = sinn(a)", 2, 5, "'sin'"), ("y = tanhh(1.)", 1, 5, "'tanh'"),
     ("alpha = 1\ny = 2 * alpah", 2, 9, "'alpha'"), ("a = 1\ny = a.sinn()", 2, 5, "'.sin'"),
     ("a = 1\ny = a.sigmod()", 2, 5, "'.sigmoid'"), ("y = sofmax([1., 2.], dim=0)", 1, 5,
                                                     "'softmax'")],
)
def test_unknown_names_suggest_the_closest(text, line, col, suggestion):
    err = refuse(text)
    assert (err.line, err.col) == (line, col)
    assert suggestion in err.message


@pytest.mark.parametrize(
    "text, line, col, word",
    [("a = 1\nimport os", 2, 1, "import"),
     ("a = 1\nfrom os import path", 2, 1, "import"),
     ("a = 1\nf = lambda t: t", 2, 5, "lambda"),
     ("a = 1\ndef f(t):\n    return t", 2, 1, "def"),
     ("a = 1\nclass C:\n    pass", 2, 1, "class"),
     ("a = 1\ny = [a for a in range(3)]", 2, 5, "comprehension"),
     ("y = {i for i in range(3)}", 1, 5, "comprehension"),
     ("y = {i: 1 for i in range(3)}", 1, 5, "comprehension"),
     ("y = sum(i for i in range(3))", 1, 8, "comprehension"),
     ("a = 1\nwhile a:\n    a = a - 1", 2, 1, "while"),
     ("a = 1\nwith a:\n    y = 1", 2, 1, "with"),
     ("a = 1\ntry:\n    y = a\nexcept E:\n    y = 2", 2, 1, "try"),
     ("a = 1\nglobal a", 2, 1, "global"),
     ("a = 1\ny = a._version", 2, 5, "'_'"),
     ("a = 1\ny = a.__class__", 2, 5, "'_'"),
     ("a = 1\ny = _a", 2, 5, "'_'"),
     ("a = 1\ny = a if a else 2", 2, 5, "conditional"),
     ("a = 1\nx = [1., 2.]\nx[0] = a", 3, 1, "assign")],
)
def test_forbidden_constructs_are_refused_where_they_are(text, line, col, word):
    err = refuse(text)
    assert (err.line, err.col) == (line, col), str(err)
    assert word in err.message


@pytest.mark.parametrize(
    "text, line, col",
    [("x = [1., 2.]\ny = [1., 2., 3.]\nz = x + y", 3, 5),
     ("x = [1., 2.]\nW = ones(3, 3)\nfor i in range(2):\n    x = W @ x", 4, 9),
     ("W = randn(2, 3)\nz = W.reshape(4, 4)\nq = z + 1", 2, 5),
     ("x = [1., 2.]\ny = x * 2\nz = cat([x, y], dim=3)", 3, 5),
     ("x = ones(2, 3, 4)\ny = x.T", 2, 5)],
)
def test_torch_errors_are_reported_at_the_failing_statement(text, line, col):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        err = refuse(text)
    assert (err.line, err.col) == (line, col), str(err)
    assert err.message


@pytest.mark.parametrize(
    "text",
    ["a = 1\nb = a +* 2", "a = 1\ny = sinn(a)", "import os", "x = [1., 2.]\ny = x + [1., 2., 3.]",
     "y = ones(10**5, 10**5)", "y = 9**9**9**9", "a = 1\nb = a.__class__"],
)
def test_error_string_format(text):
    err = refuse(text)
    assert isinstance(err, ValueError)
    match = re.fullmatch(r"line (\d+), col (\d+): (.+)", str(err), flags=re.S)
    assert match, str(err)
    assert (int(match[1]), int(match[2]), match[3]) == (err.line, err.col, err.message)
    assert err.line >= 1 and err.col >= 1


@pytest.mark.parametrize(
    "text", ["a = 1\nb = 2\x00", "a = 1\nx = " + "[" * 100 + "1" + "]" * 100],
    ids=["nul", "deep-list"],
)
def test_errors_with_a_position_report_it(text):
    err = refuse(text)
    assert err.line == 2 and err.col is not None and err.col >= 1


def test_errors_without_a_position_are_just_the_message():
    err = refuse("   \n  ")
    assert err.line is None and str(err) == err.message

