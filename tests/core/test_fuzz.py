"""Fuzzing the sandbox: whatever text comes in, evaluate() returns or raises ProgramError.

Three generators, 2,100 programs in all (about 40 s here, most of it hypothesis building ASTs):

- ``python_programs``: random ASTs over the *whole* Python grammar (every statement and
  expression node, dunder attributes, dangerous builtins, strings, bytes, huge ints), turned
  into text with ``ast.unparse``; most must be refused, and the point is how.
- ``near_miss_programs``: programs built from the language's own vocabulary (the whitelist in
  gradviz.core.functions) with random shapes and arguments, so that many *evaluate* and the
  interpreter, the budget and the tracer are exercised, not only the parser.
- random text and random bytes decoded as text.

Each input runs under a SIGALRM watchdog (a per-input time bound) in a directory with a
sentinel file, and must leave torch's global state as it was (sandbox_checks). The process's
peak RSS (VmHWM, reset before each run) may exceed the RSS at the start of a run by at most
MEMORY_BOUND_MB. For programs that evaluate, the
gradients gradviz reports must equal torch.autograd.grad's on the same live graph.

(hypothesmith, which generates source from the grammar, was tried: ~13 programs/s here, so
2,000 would take minutes; our own AST strategy runs at hundreds per second.)
"""

from __future__ import annotations

import ast
import contextlib
import random
from collections import Counter
from collections.abc import Callable

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox_checks import (
    Overrun,
    assert_torch_state_unchanged,
    listing,
    plant_sentinel,
    torch_state,
    watchdog,
)

import gradviz
from gradviz.core.functions import ALLOWED_KEYWORDS, FUNCTIONS

WATCHDOG_SECONDS = 3.0
"""Per input. Generated programs are small, so the limits stop them well within this; a
program still running after it means some loop or allocation is not bounded up front."""
MEMORY_BOUND_MB = 400
"""Peak RSS over one fuzz run, above the RSS it started from. One evaluation may make 50M
float32 elements (200 MB, Limits.max_total_elements); twice that leaves room for autograd's
saved copies. Anything that escaped the limits (a 10**10-element tensor, a 9**9**9 int) would
blow far past it. Measured here: +124 MB (whole grammar, the first run in the process),
+30 MB (near misses), +2 MB (random text)."""

GRAMMAR_EXAMPLES = 700  # hypothesis builds these ASTs at ~25 ms each: the costly kind
NEAR_MISS_EXAMPLES = 900
TEXT_EXAMPLES = 500
assert GRAMMAR_EXAMPLES + NEAR_MISS_EXAMPLES + TEXT_EXAMPLES >= 2000  # the floor

FUZZ_SETTINGS = settings(
    deadline=None,  # the watchdog is the time bound; hypothesis' deadline is flaky under load
    database=None,  # nothing may be written into the sentinel directory
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)

# -- whole-grammar ASTs ------------------------------------------------------------------

SAFE_NAMES = ["a", "b", "x", "y", "i", "torch", "F", "pi", "e", "range", *FUNCTIONS]
HOSTILE_NAMES = ["eval", "exec", "open", "getattr", "vars", "globals", "__import__",
                 "__builtins__", "print", "type", "object", "_x", "__class__", "os"]
ATTRIBUTES = ["T", "shape", "sum", "sin", "reshape", "nn", "functional", "storage", "numpy",
              "data_ptr", "load", "save", "from_file", "hub", "ops", "classes", "grad", "grad_fn",
              "data", "format", "add_", "requires_grad_", "__class__", "__bases__",
              "__subclasses__", "__globals__", "__dict__", "__mro__", "_version"]
KEYWORDS = [*sorted(ALLOWED_KEYWORDS), "out", "device", "dtype", "generator", None]  # None: **

names = st.sampled_from(SAFE_NAMES + HOSTILE_NAMES)
constants = st.one_of(
    st.integers(-3, 5),
    st.integers(),
    st.sampled_from([10**18, 2**63, 2**100, -(2**70)]),
    st.floats(),
    st.complex_numbers(max_magnitude=10),
    st.text(max_size=8),
    st.binary(max_size=4),
    st.sampled_from([True, False, None, ...]),
)
binops = st.sampled_from([ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
                          ast.MatMult, ast.LShift, ast.RShift, ast.BitOr, ast.BitXor,
                          ast.BitAnd]).map(lambda op: op())
unaryops = st.sampled_from([ast.USub, ast.UAdd, ast.Not, ast.Invert]).map(lambda op: op())
cmpops = st.sampled_from([ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot,
                          ast.In, ast.NotIn]).map(lambda op: op())


def load(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def store(name: str) -> ast.Name:
    return ast.Name(name, ast.Store())


def arguments(params: list[str]) -> ast.arguments:
    return ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])


def comprehension(target: str, iterable: ast.expr, is_async: bool) -> ast.comprehension:
    return ast.comprehension(store(target), iterable, [], int(is_async))


def compound_expressions(sub: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
    """Every expression node type, over sub-expressions drawn from ``sub``."""
    few = st.lists(sub, max_size=3)
    comp = st.builds(comprehension, names, sub, st.booleans())
    return st.one_of(
        st.builds(ast.BinOp, sub, binops, sub),
        st.builds(ast.UnaryOp, unaryops, sub),
        st.builds(ast.BoolOp, st.sampled_from([ast.And(), ast.Or()]), st.lists(sub, min_size=2,
                                                                               max_size=3)),
        st.builds(lambda left, pairs: ast.Compare(left, [p[0] for p in pairs],
                                                  [p[1] for p in pairs]),
                  sub, st.lists(st.tuples(cmpops, sub), min_size=1, max_size=2)),
        st.builds(lambda f, args, kws: ast.Call(f, args, kws), sub,
                  st.lists(st.one_of(sub, st.builds(ast.Starred, sub, st.just(ast.Load()))),
                           max_size=3),
                  st.lists(st.builds(ast.keyword, st.sampled_from(KEYWORDS), sub), max_size=2)),
        st.builds(ast.Attribute, sub, st.sampled_from(ATTRIBUTES), st.just(ast.Load())),
        st.builds(ast.Subscript, sub, st.one_of(sub, st.builds(ast.Slice, sub, sub, sub)),
                  st.just(ast.Load())),
        st.builds(ast.List, few, st.just(ast.Load())),
        st.builds(ast.Tuple, few, st.just(ast.Load())),
        st.builds(ast.Set, st.lists(sub, min_size=1, max_size=3)),
        st.builds(lambda kv: ast.Dict([k for k, _ in kv], [v for _, v in kv]),
                  st.lists(st.tuples(st.one_of(st.none(), sub), sub), max_size=2)),
        st.builds(ast.IfExp, sub, sub, sub),
        st.builds(lambda p, body: ast.Lambda(arguments(p), body), st.lists(names, max_size=2,
                                                                          unique=True), sub),
        st.builds(ast.NamedExpr, names.map(store), sub),
        st.builds(ast.ListComp, sub, st.lists(comp, min_size=1, max_size=2)),
        st.builds(ast.SetComp, sub, st.lists(comp, min_size=1, max_size=1)),
        st.builds(ast.GeneratorExp, sub, st.lists(comp, min_size=1, max_size=1)),
        st.builds(ast.DictComp, sub, sub, st.lists(comp, min_size=1, max_size=1)),
        st.builds(ast.Await, sub),
        st.builds(ast.Yield, st.one_of(st.none(), sub)),
        st.builds(ast.YieldFrom, sub),
        st.builds(lambda v, spec: ast.JoinedStr([ast.Constant("s"), ast.FormattedValue(
            v, -1, None if spec is None else ast.JoinedStr([ast.FormattedValue(spec, -1, None)]))]),
            sub, st.one_of(st.none(), sub)),
    )


expressions = st.recursive(
    st.one_of(constants.map(ast.Constant), names.map(load)),
    compound_expressions,
    max_leaves=8,
)
targets = st.one_of(
    names.map(store),
    st.builds(lambda ns: ast.Tuple([store(n) for n in ns], ast.Store()),
              st.lists(names, min_size=1, max_size=3)),
    st.builds(ast.Attribute, expressions, st.sampled_from(ATTRIBUTES), st.just(ast.Store())),
    st.builds(ast.Subscript, expressions, expressions, st.just(ast.Store())),
    st.builds(ast.Starred, names.map(store), st.just(ast.Store())),
)


def simple_statements() -> st.SearchStrategy[ast.stmt]:
    return st.one_of(
        st.builds(lambda t, v: ast.Assign([t], v), targets, expressions),
        st.builds(ast.AugAssign, targets, binops, expressions),
        st.builds(lambda t, a, v: ast.AnnAssign(t, a, v, 1), names.map(store), expressions,
                  st.one_of(st.none(), expressions)),
        st.builds(ast.Expr, expressions),
        st.builds(ast.Return, st.one_of(st.none(), expressions)),
        st.builds(lambda ts: ast.Delete(ts), st.lists(names.map(store), min_size=1, max_size=2)),
        st.builds(ast.Raise, st.one_of(st.none(), expressions), st.none()),
        st.builds(ast.Assert, expressions, st.one_of(st.none(), expressions)),
        st.builds(lambda n: ast.Import([ast.alias(n)]), st.sampled_from(["os", "torch", "sys"])),
        st.builds(lambda n: ast.ImportFrom("os", [ast.alias(n)], 0),
                  st.sampled_from(["system", "remove", "*"])),
        st.builds(lambda ns: ast.Global(ns), st.lists(names, min_size=1, max_size=2)),
        st.builds(lambda ns: ast.Nonlocal(ns), st.lists(names, min_size=1, max_size=2)),
        st.sampled_from([ast.Pass(), ast.Break(), ast.Continue()]),
    )


def compound_statements(body: st.SearchStrategy[list[ast.stmt]]) -> st.SearchStrategy[ast.stmt]:
    """Every compound statement type, with bodies drawn from ``body``."""
    withitem = st.builds(ast.withitem, expressions, st.one_of(st.none(), names.map(store)))
    handler = st.builds(ast.ExceptHandler, st.one_of(st.none(), expressions),
                        st.one_of(st.none(), names), body)
    decorators = st.lists(expressions, max_size=2)
    pattern = st.one_of(
        st.builds(ast.MatchValue, expressions),
        st.builds(ast.MatchAs, st.none(), names),
        st.builds(lambda cls: ast.MatchClass(cls, [], [], []), names.map(load)),
    )
    case = st.builds(ast.match_case, pattern, st.one_of(st.none(), expressions), body)
    return st.one_of(
        st.builds(lambda t, it, b, o: ast.For(t, it, b, o), targets, expressions, body,
                  st.lists(simple_statements(), max_size=1)),
        st.builds(lambda t, it, b: ast.AsyncFor(t, it, b, []), targets, expressions, body),
        st.builds(lambda t, b: ast.While(t, b, []), expressions, body),
        st.builds(ast.If, expressions, body, st.lists(simple_statements(), max_size=1)),
        st.builds(lambda items, b: ast.With(items, b), st.lists(withitem, min_size=1, max_size=2),
                  body),
        st.builds(lambda items, b: ast.AsyncWith(items, b), st.lists(withitem, min_size=1,
                                                                     max_size=1), body),
        st.builds(lambda n, p, b, d: ast.FunctionDef(n, arguments(p), b, d, None),
                  names, st.lists(names, max_size=2, unique=True), body, decorators),
        st.builds(lambda n, p, b, d: ast.AsyncFunctionDef(n, arguments(p), b, d, None),
                  names, st.lists(names, max_size=1), body, decorators),
        st.builds(lambda n, bases, b, d: ast.ClassDef(n, bases, [], b, d), names,
                  st.lists(expressions, max_size=2), body, decorators),
        st.builds(lambda b, hs, f: ast.Try(b, hs, [], f), body, st.lists(handler, min_size=1,
                                                                        max_size=2),
                  st.lists(simple_statements(), max_size=1)),
        st.builds(lambda b, hs: ast.TryStar(b, hs, [], []), body, st.lists(handler, min_size=1,
                                                                          max_size=1)),
        st.builds(ast.Match, expressions, st.lists(case, min_size=1, max_size=2)),
    )


statement_lists = st.recursive(
    st.lists(simple_statements(), min_size=1, max_size=3),
    lambda body: st.lists(st.one_of(simple_statements(), compound_statements(body)),
                          min_size=1, max_size=3),
    max_leaves=4,
)
PRELUDES = ["", "a = 5\nb = 6\n", "x = ones(3)\nW = randn(2, 3)\n", "x = [1., 2.]\ni = 2\n"]


def unparse(tree: ast.Module) -> str | None:
    """Source text of ``tree``, or None for the rare tree ``ast.unparse`` itself rejects."""
    try:
        return ast.unparse(ast.fix_missing_locations(tree))
    except (ValueError, TypeError, AttributeError, IndexError, RecursionError):
        return None


python_programs = st.builds(
    lambda prelude, body: (lambda text: None if text is None else prelude + text)(
        unparse(ast.Module(body, []))),
    st.sampled_from(PRELUDES), statement_lists,
).filter(lambda text: text is not None)

# -- near misses from the language's own vocabulary ---------------------------------------

UNARY = ["abs", "sqrt", "exp", "log", "log1p", "sin", "cos", "tan", "tanh", "sigmoid", "relu",
         "softplus", "gelu", "square", "sum", "mean", "prod", "norm", "softmax", "log_softmax"]
BINARY = ["matmul", "mm", "dot", "outer", "mse_loss", "cross_entropy", "pow", "max", "min"]
VARIABLES = ["a", "b", "x", "W", "h"]


def vocabulary_expression(rng: random.Random, shape: list[int], bound: list[str],
                          depth: int = 0) -> str:
    """A random expression in the program language over tensors of ``shape`` (mostly)."""
    if rng.random() < 0.1:  # now and then another shape: a likely mismatch
        shape = [rng.randint(1, 4) for _ in range(rng.randint(1, 2))]
    dims = ", ".join(map(str, shape))
    flat = [round(rng.uniform(-2, 2), 2) for _ in range(shape[-1])]
    leaves = [
        lambda: f"{rng.choice(['ones', 'zeros', 'randn', 'rand'])}({dims})",
        lambda: f"tensor({[flat] * shape[0] if len(shape) == 2 else flat})",
        lambda: f"full(({dims},), {rng.randint(-2, 2)}.5)",
        lambda: rng.choice([f"arange({shape[0]}.)", f"linspace(0, 1, {shape[0]})",
                            f"eye({shape[0]})"]),
        lambda: rng.choice(bound or ["ones(1)"]),
        lambda: rng.choice(bound or ["ones(1)"]),
    ]
    if depth >= 3 or rng.random() < 0.3:
        return rng.choice(leaves)()

    def sub() -> str:
        return vocabulary_expression(rng, shape, bound, depth + 1)

    def number() -> str:
        return rng.choice([repr(round(rng.uniform(-4, 4), 2)), str(rng.randint(-3, 3)), "pi"])

    dim = rng.choice([-1, 0, 0, 1])
    forms = [
        lambda: f"({sub()} {rng.choice(['+', '-', '*', '/', '**', '@', '//', '%'])} {sub()})",
        lambda: f"({sub()} {rng.choice(['+', '-', '*', '/', '**'])} {number()})",
        lambda: f"({number()} {rng.choice(['+', '-', '*', '/'])} {sub()})",
        lambda: f"-{sub()}",
        lambda: f"{rng.choice(UNARY)}({sub()})",
        lambda: f"torch.{rng.choice(UNARY[:12])}({sub()})",
        lambda: f"F.{rng.choice(['relu', 'softplus', 'gelu'])}({sub()})",
        lambda: f"F.{rng.choice(['softmax', 'log_softmax'])}({sub()}, dim={dim})",
        lambda: f"({sub()}).{rng.choice(UNARY)}()",
        lambda: f"({sub()}).{rng.choice(['sum', 'mean'])}(dim={dim}, keepdim={rng.random() < .5})",
        lambda: f"{rng.choice(BINARY)}({sub()}, {sub()})",
        lambda: f"({sub()}){rng.choice(['.reshape(-1)', '.T', '[0]', '[:2]', '.shape[0]'])}",
        lambda: f"{rng.choice(['stack', 'cat'])}([{sub()}, {sub()}])",
        lambda: f"clamp({sub()}, min=-1, max=1)",
        lambda: f"transpose({sub()}, 0, 1)",
        lambda: f"mse_loss({sub()}, {sub()}, reduction='sum')",
        lambda: f"pow({sub()}, {rng.randint(-2, 3)})",
        lambda: f"({sub()}).view({dims})",
    ]
    return rng.choice(forms)()


def vocabulary_program(rng: random.Random) -> str:
    """A few assignments, maybe a loop or a +=, maybe a final scalar: a near miss or a hit."""
    lines: list[str] = []
    bound: list[str] = []
    shape = [rng.randint(1, 4) for _ in range(rng.randint(1, 2))]
    for _ in range(rng.randint(1, 5)):
        name = rng.choice(VARIABLES)
        value = vocabulary_expression(rng, shape, bound)
        if rng.random() < 0.15:
            lines += [f"for i in range({rng.randint(0, 4)}):", f"    {name} = {value}"]
        elif name in bound and rng.random() < 0.5:
            lines.append(f"{name} += {value}")
        else:
            lines.append(f"{name} = {value}")
        bound.append(name)
    if rng.random() < 0.5:
        lines.append(f"y = ({vocabulary_expression(rng, shape, bound)}).sum()")
    text = "\n".join(lines)
    if rng.random() < 0.1:  # a near miss: a name or keyword that is not in the language
        wrong = rng.choice(["sinn", "torch.sine", "x.grad", "F.linear", "out=x", "x._version"])
        text = text.replace(rng.choice(["sin", "sum", "dim=0", "x", "mean"]), wrong, 1)
    return text


# Hypothesis draws only the seed: building the text from draws was ~100 ms per program.
near_miss_programs = st.integers(0, 2**32 - 1).map(lambda seed: vocabulary_program(
    random.Random(seed)))


# -- random characters and bytes ----------------------------------------------------------

random_text = st.one_of(
    st.text(max_size=80),
    st.text(alphabet="abxy01()[]+-*/@.,:=\n _'\"#", max_size=60),
    st.binary(max_size=80).map(lambda b: b.decode("utf-8", errors="replace")),
    st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
)

# -- the harness --------------------------------------------------------------------------


def gradients_agree_with_autograd(ev: gradviz.evaluate) -> None:
    """The reported d output / d leaf equals torch.autograd.grad on the same live graph."""
    out = ev._live_output
    names = list(ev._live_leaves)
    if not names or not out.requires_grad:
        return
    try:
        reference = torch.autograd.grad(out, [ev._live_leaves[n] for n in names],
                                        grad_outputs=torch.ones_like(out), retain_graph=True,
                                        allow_unused=True)
    except RuntimeError as exc:  # e.g. floor_divide has no derivative: gradviz must say so
        assert ev.graph.graph.get("backward_error"), exc
        return
    for name, expected in zip(names, reference):
        got = ev.grads[name]
        if expected is None:
            assert got is None or not torch.any(got != 0), name
        else:
            assert got is not None, name
            torch.testing.assert_close(got, expected, equal_nan=True, msg=name)


class Harness:
    """Runs inputs one at a time, contained, and keeps score."""

    def __init__(self, root) -> None:
        self.root = root
        self.files = plant_sentinel(root)
        self.outcomes: Counter[str] = Counter()
        self.kinds: set[str] = set()  # AST node types seen in the inputs that parse

    def note_kinds(self, text: str) -> None:
        with contextlib.suppress(SyntaxError, ValueError):
            self.kinds.update(type(node).__name__ for node in ast.walk(ast.parse(text)))

    def check(self, text: str) -> None:
        self.note_kinds(text)
        before = torch_state()
        try:
            with watchdog(WATCHDOG_SECONDS):
                ev = gradviz.evaluate(text)
        except gradviz.ProgramError as exc:
            assert exc.message, repr(text)
            self.outcomes["refused"] += 1
        except Overrun:
            pytest.fail(f"still running after {WATCHDOG_SECONDS} s: {text!r}")
        except BaseException as exc:  # noqa: BLE001 - anything else is the bug we look for
            pytest.fail(f"{type(exc).__name__} instead of ProgramError for {text!r}: {exc!r}")
        else:
            gradients_agree_with_autograd(ev)
            self.outcomes["evaluated"] += 1
        assert_torch_state_unchanged(before)
        assert listing(self.root) == self.files, f"side effect on disk from {text!r}"


def status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak) of this process, from /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak_rss() -> float:
    """Start measuring the peak afresh; returns the RSS it starts from.

    Where the peak cannot be reset, earlier tests' peak stands and the bound is looser.
    """
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
    return status_mb("VmRSS")


def fuzz(strategy: st.SearchStrategy[str], examples: int, tmp_path, monkeypatch) -> Harness:
    """Run ``examples`` inputs drawn from ``strategy`` through the harness, in tmp_path."""
    monkeypatch.chdir(tmp_path)
    harness = Harness(tmp_path)
    gradviz.evaluate("a = 5\ny = (a * randn(3)).sum()")  # torch's one-off costs come first
    run: Callable[[], None] = settings(FUZZ_SETTINGS, max_examples=examples)(
        given(strategy)(harness.check))
    rss_before = reset_peak_rss()
    run()
    assert sum(harness.outcomes.values()) >= examples
    assert status_mb("VmHWM") - rss_before < MEMORY_BOUND_MB
    return harness


GRAMMAR_KINDS = {
    "FunctionDef", "AsyncFunctionDef", "ClassDef", "Return", "Delete", "Assign", "AugAssign",
    "AnnAssign", "For", "AsyncFor", "While", "If", "With", "AsyncWith", "Match", "Raise", "Try",
    "TryStar", "Assert", "Import", "ImportFrom", "Global", "Nonlocal", "Expr", "Pass", "BoolOp",
    "NamedExpr", "BinOp", "UnaryOp", "Lambda", "IfExp", "Dict", "Set", "ListComp", "SetComp",
    "DictComp", "GeneratorExp", "Await", "Yield", "YieldFrom", "Compare", "Call", "JoinedStr",
    "Constant", "Attribute", "Subscript", "Starred", "Name", "List", "Tuple", "Slice",
}


def test_programs_from_the_whole_python_grammar(tmp_path, monkeypatch):
    harness = fuzz(python_programs, GRAMMAR_EXAMPLES, tmp_path, monkeypatch)
    assert harness.outcomes["refused"] > harness.outcomes["evaluated"]
    # Control: the inputs really spanned the grammar (a narrow generator proves little).
    assert harness.kinds >= GRAMMAR_KINDS, sorted(GRAMMAR_KINDS - harness.kinds)


def test_near_miss_programs_from_the_language_vocabulary(tmp_path, monkeypatch):
    harness = fuzz(near_miss_programs, NEAR_MISS_EXAMPLES, tmp_path, monkeypatch)
    # The generator is useful only if a good share get past the checks and really run
    # (about a third do: the rest are shape mismatches and misspellings, refused).
    assert harness.outcomes["evaluated"] >= NEAR_MISS_EXAMPLES * 0.25, harness.outcomes


def test_random_text_and_bytes(tmp_path, monkeypatch):
    fuzz(random_text, TEXT_EXAMPLES, tmp_path, monkeypatch)
