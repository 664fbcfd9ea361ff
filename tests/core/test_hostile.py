"""Hostile programs: each ends in ProgramError within a second, with no side effect.

Every program runs in a fresh temporary working directory holding a sentinel
file; afterwards the directory must hold exactly what it held before, and the
global torch state must be untouched, with no TorchFunctionMode left active
(see sandbox_checks.py, shared with the fuzz tests). A watchdog (SIGALRM) stops a program
that overruns, so a regression fails fast instead of hanging the suite.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sandbox_checks import (
    SENTINEL,
    Overrun,
    assert_torch_state_unchanged,
    listing,
    plant_sentinel,
    torch_state,
    watchdog,
)

import gradviz

TIME_LIMIT = 1.0  # seconds, from the acceptance criteria
WATCHDOG = 1.5  # seconds before an overrunning program is interrupted
ATTEMPTS = 3  # runs allowed to come in under TIME_LIMIT


DEEP_PARENS = "y = " + "(" * 1000 + "1" + ")" * 1000
DEEP_MINUS = "y = " + "-" * 5000 + "1"
LONG_PLUS = "x = 1\ny = " + " + ".join(["x"] * 5000)
LONG_PLUS_NUMBERS = "y = " + "+".join(["1"] * 5000)
LONG_DOT_T = "x = ones(2, 2)\ny = x" + ".T" * 5000
LONG_INDEX = "x = ones(3)\ny = x" + "[0]" * 5000
DEEP_LIST = "x = " + "[" * 100 + "1" + "]" * 100
DEEP_CALLS = "x = 1\ny = " + "sin(" * 150 + "x" + ")" * 150
MANY_TARGETS = "x = " + "a = " * 10_000 + "1"
MANY_STATEMENTS = "x = 1\n" + "x = x + 1\n" * 3_000  # 30k characters, 24k AST nodes
LONG_PROGRAM = "x = 1\n" + "x = x + 1\n" * 20_000  # 200k characters
LONG_COMMENT = "x = 1\n# " + "a" * 200_000

HOSTILE = [
    # -- dunder walks ----------------------------------------------------------------
    ("dunder-subclasses", "().__class__.__bases__[0].__subclasses__()"),
    ("dunder-dict", "x = [1.]\ny = x.__dict__"),
    ("dunder-class", "a = 1; a.__class__"),
    ("dunder-mro", "a = 1\ny = a.__class__.__mro__[-1].__subclasses__()"),
    ("dunder-globals", "y = sin.__globals__"),
    ("dunder-torch-dict", "y = torch.__dict__"),
    ("dunder-F-builtins", "y = F.__builtins__"),
    ("dunder-builtins-name", "y = __builtins__"),
    ("dunder-T-class", "x = ones(2, 2)\ny = x.T.__class__"),
    ("private-attr", "x = ones(2)\ny = x._version"),
    ("fullwidth-dunder", "x = ones(2)\ny = x.\uff3f\uff3fclass\uff3f\uff3f"),  # NFKC: __class__
    ("fullwidth-eval", "y = \uff45\uff56\uff41\uff4c('1')"),  # NFKC-normalised to eval
    # -- builtins ----------------------------------------------------------------------
    ("getattr", "getattr(ones(2), 'grad')"),
    ("getattr-no-strings", "x = ones(2)\ny = getattr(x, x)"),
    ("vars", "vars()"),
    ("globals", "globals()"),
    ("locals", "locals()"),
    ("__import__", "__import__('os').system('touch pwned')"),
    ("open-write", "open('sentinel.txt', 'w')"),
    ("open-tensor", "x = ones(2)\ny = open(x)"),
    ("eval", "eval('1 + 1')"),
    ("eval-tensor", "x = ones(2)\ny = eval(x)"),
    ("exec", "exec('import os')"),
    ("compile", "compile('1', 'f', 'exec')"),
    ("print", "x = ones(2)\nprint(x)"),
    ("type", "x = ones(2)\ny = type(x)"),
    ("breakpoint", "breakpoint()"),
    ("input", "y = input()"),
    # -- torch escapes -----------------------------------------------------------------
    ("torch.load", "torch.load('sentinel.txt')"),
    ("torch.load-tensor", "x = ones(2)\ny = torch.load(x)"),
    ("torch.save", "x = ones(2)\ntorch.save(x, 'pwned.pt')"),
    ("torch.save-tensor", "x = ones(2)\ntorch.save(x, x)"),
    ("torch.from_file", "torch.from_file('sentinel.txt', size=4)"),
    ("torch.from_file-tensor", "x = ones(2)\ny = torch.from_file(x)"),
    ("torch.hub.load", "torch.hub.load('pytorch/vision', 'resnet18')"),
    ("torch.ops", "y = torch.ops.aten.sin"),
    ("torch.classes", "y = torch.classes"),
    ("torch.utils", "y = torch.utils.data"),
    ("torch.nn.Module", "m = torch.nn.Module()"),
    ("torch.nn.Linear", "m = torch.nn.Linear(2, 2)"),
    ("torch.manual_seed", "torch.manual_seed(1)"),
    ("torch.set_grad_enabled", "torch.set_grad_enabled(0)"),
    ("torch.set_num_threads", "torch.set_num_threads(1)"),
    ("torch.autograd.grad", "x = ones(2)\ny = torch.autograd.grad(x, x)"),
    ("F.torch", "y = F.torch.load"),
    ("torch.hub", "y = torch.hub"),
    ("torch.ops.aten.add", "x = ones(2)\ny = torch.ops.aten.add(x, x)"),
    ("torch.classes.load_library", "torch.classes.load_library('sentinel.txt')"),
    ("torch.jit.load", "torch.jit.load('sentinel.txt')"),
    ("torch.Tensor.storage", "y = torch.Tensor.storage"),
    ("torch.set_default_dtype", "torch.set_default_dtype(torch.float64)"),
    ("torch.overrides", "y = torch.overrides"),
    ("torch.storage", "y = torch.storage.UntypedStorage.from_file('sentinel.txt')"),
    # -- tensor methods ---------------------------------------------------------------
    ("storage", "x = ones(2)\ny = x.storage()"),
    ("numpy", "x = ones(2)\ny = x.numpy()"),
    ("data_ptr", "x = ones(2)\ny = x.data_ptr()"),
    ("untyped_storage", "x = ones(2)\ny = x.untyped_storage()"),
    ("grad-attr", "x = ones(2)\ny = x.grad"),
    ("requires_grad_", "x = ones(2)\nx.requires_grad_(False)"),
    ("tolist", "x = ones(2)\ny = x.tolist()"),
    ("backward", "x = ones(2)\ny = x.sum()\ny.backward()"),
    ("register_hook", "x = ones(2)\nh = x.register_hook(sin)"),
    ("grad_fn", "x = ones(2)\ny = x.grad_fn.next_functions"),
    ("in-place add_", "x = ones(2)\nx.add_(1)"),
    ("data", "x = ones(2)\ny = x.data"),
    ("new_ones", "x = ones(2)\ny = x.new_ones(10**5, 10**5)"),
    ("expand", "x = ones(2)\ny = x.expand(10**5, 10**5)"),
    ("repeat", "x = ones(2)\ny = x.repeat(10**4, 10**4)"),
    ("resize_", "x = ones(2)\nx.resize_(10**9)"),
    ("cross_entropy-number-logits", "y = cross_entropy(3, 2)"),  # found by test_fuzz
    # -- keyword tricks -----------------------------------------------------------------
    ("out=", "x = ones(3)\ny = ones(3, out=x)"),
    ("device=", "y = ones(3, device='cuda')"),
    ("dtype=", "x = ones(3)\ny = ones(3, dtype=x)"),
    ("generator=", "x = ones(3)\ny = randn(3, generator=x)"),
    ("**kwargs", "x = ones(3)\ny = sin(x, **x)"),
    ("**dict", "y = ones(**{'size': 3})"),
    ("long-keyword-text", "x = ones(3)\ny = mse_loss(x, x, reduction='" + "a" * 1000 + "')"),
    # -- string tricks ----------------------------------------------------------------
    ("string-repeat", "'a' * 10**9"),
    ("f-string", "x = ones(2)\ny = f'{x}'"),
    ("percent-format", "x = ones(2)\ny = '%s' % x"),
    ("bytes", "y = b'bytes'"),
    ("str-format", "x = ones(2)\ny = '{0.__class__}'.format(x)"),
    ("str-format-no-dunder", "x = ones(2)\ny = '{}'.format(x)"),
    ("format-builtin", "x = ones(2)\ny = format(x, '')"),
    ("string-concat", "y = 'ev' + 'al'"),
    ("string-join", "y = ''.join(['o', 's'])"),
    ("string-keyword-arith", "x = ones(3)\ny = mse_loss(x, x, reduction='s' * 10**9)"),
    ("bytes-percent", "y = b'%s' % b'x'"),
    ("format-spec-width", "y = f'{1:{10**9}}'"),
    ("complex-literal", "y = 1j"),
    ("ellipsis", "x = ones(2)\ny = x[...]"),
    # -- other syntax -------------------------------------------------------------------
    ("decorator-def", "@torch.no_grad\ndef f():\n    pass"),
    ("decorator-class", "@sin\nclass C:\n    pass"),
    ("walrus", "y = (x := ones(3))"),
    ("match", "x = 1\nmatch x:\n    case 1:\n        y = 2"),
    ("async-def", "async def f():\n    await g()"),
    ("await", "y = await ones(2)"),
    ("async-with", "async with a:\n    y = 1"),
    ("async-for", "async for i in range(3):\n    y = 1"),
    ("async-comprehension", "x = ones(2)\ny = [i async for i in x]"),
    ("lambda-default", "f = lambda x=open('sentinel.txt', 'w'): x"),
    ("walrus-in-call", "y = sin((x := ones(2)))"),
    ("match-class-pattern", "x = ones(2)\nmatch x:\n    case torch.Tensor():\n        y = 1"),
    ("conditional-import", "y = 1 if __import__('os') else 2"),
    ("try-star", "try:\n    y = 1\nexcept* Exception:\n    y = 2"),
    ("global", "global x\nx = 1"),
    ("with-open", "with open('sentinel.txt', 'w') as f:\n    f.write('x')"),
    ("class-metaclass", "class C(metaclass=type):\n    pass"),
    ("starred-list", "x = ones(2)\ny = [*x]"),
    ("starred-call", "x = ones(2)\ny = sin(*x)"),
    ("starred-target", "x = [1., 2.]\nv, *rest = x"),
    ("del", "x = 1\ndel x"),
    ("assert", "assert 0"),
    ("raise", "raise SystemExit"),
    ("if", "x = 1\nif x:\n    y = 2"),
    ("dict", "y = {'a': 1}"),
    ("yield", "yield 1"),
    ("attribute-assign", "x = 1\nx.y = 2"),
    ("item-assign", "x = ones(3)\nx[0] = 5"),
    # -- huge allocations ---------------------------------------------------------------
    ("ones-1e10", "ones(10**5, 10**5)"),
    ("zeros-tuple-1e10", "zeros((100000, 100000))"),
    ("arange-1e12", "arange(0, 1e12)"),
    ("linspace-1e9", "linspace(0, 1, 10**9)"),
    ("eye-1e5", "eye(100000)"),
    ("full-1e10", "full((100000, 100000), 1.0)"),
    ("rand-size-kw", "rand(size=(10**5, 10**5))"),
    ("ones-2**124", "ones(2**62, 2**62)"),
    ("ones-negative", "ones(-1)"),
    ("reshape-huge", "x = ones(3)\ny = x.reshape(10**9, 10**9)"),
    ("view-2**62", "x = ones(4)\ny = x.view(2**62, 2**62)"),
    ("arange-tiny-step", "y = arange(0, 1, 1e-12)"),
    ("broadcast-add", "randn(5000, 1) + randn(1, 5000)"),
    ("broadcast-method", "x = randn(5000, 1)\ny = x.pow(randn(1, 5000))"),
    ("broadcast-loss", "x = randn(5000, 1)\ny = mse_loss(x, randn(1, 5000))"),
    ("outer", "outer(randn(5000), randn(5000))"),
    ("cat-big", "x = ones(4 * 10**6)\ny = cat([x, x, x])"),
    ("stack-big", "x = ones(4 * 10**6)\ny = stack([x, x, x])"),
    ("squaring-loop", "x = ones(3)\nfor i in range(30):\n    x = outer(x, x).reshape(-1)"),
    ("total-data-loop", "x = ones(2000, 2000)\nfor i in range(10000):\n    x = x + 1"),
    pytest.param("arange-end-keyword", "y = arange(0, end=2 * 10**7)"),
    pytest.param("arange-step-keyword", "y = arange(0, 10**6, step=0.05)"),
    # -- runaway loops ------------------------------------------------------------------
    ("nested-range-10000", "for i in range(10000):\n    for j in range(10000):\n        y = 1"),
    ("range-1e12", "for i in range(10**12):\n    y = 1"),
    ("range-tensor-bound", "n = 10**12\nfor i in range(n):\n    y = 1"),
    ("range-step-1e18", "for i in range(0, 10**18, 1):\n    y = 1"),
    ("nested-for-25", "".join("    " * d + f"for i{d} in range(2):\n" for d in range(25))
     + "    " * 25 + "y = 1"),
    ("triple-loop", "for i in range(100):\n    for j in range(100):\n        for k in range(100):"
                    "\n            y = 1"),
    pytest.param("op-count-loop", "y = 0\nfor i in range(1000):\n    for j in range(100):\n"
                 "        y = y + 1"),
    pytest.param("reduction-loop", "x = randn(10**7)\nfor i in range(1000):\n    y = x.sum()"),
    # -- runaway powers -----------------------------------------------------------------
    ("power-tower", "9**9**9**9"),
    ("power-2**10**10", "2**10**10"),
    ("power-tower-2", "y = 2 ** 2 ** 2 ** 2 ** 2 ** 2"),
    ("power-times-tensor", "x = ones(2)\ny = x * 7 ** 10**18"),
    ("float-power", "y = 10.0 ** 400"),
    ("negative-root", "y = (-8) ** 0.5"),
    ("shift-bomb", "y = 1 << 10**9"),
    ("huge-literal", "y = 1" + "0" * 5000),
    ("division-by-zero", "y = 1 / 0"),
    # -- deep nesting and size ----------------------------------------------------------
    ("parens-1000", DEEP_PARENS),
    ("minus-5000", DEEP_MINUS),
    ("plus-chain-5000", LONG_PLUS),
    ("plus-chain-numbers", LONG_PLUS_NUMBERS),
    ("dot-T-chain", LONG_DOT_T),
    ("index-chain", LONG_INDEX),
    ("nested-lists", DEEP_LIST),
    ("nested-calls", DEEP_CALLS),
    ("many-targets", MANY_TARGETS),
    ("many-statements", MANY_STATEMENTS),
    ("200k-program", LONG_PROGRAM),
    ("200k-comment", LONG_COMMENT),
    # -- bad characters -------------------------------------------------------------
    ("nul-byte", "a = 1\x00"),
    ("nul-before-import", "a = 1\n\x00import os"),
    ("lone-surrogate", "y = 1\n\ud800"),
    # -- matmul work bombs --------------------------------------------------------------
    ("matmul-3000", "randn(3000, 3000) @ randn(3000, 3000)"),
    ("mm-2000", "mm(randn(2000, 2000), randn(2000, 2000))"),
    ("matmul-rect", "matmul(randn(1000, 3000), randn(3000, 1000))"),
    ("matmul-square-self", "x = randn(3162, 3162)\ny = x @ x"),
    ("matmul-T", "x = randn(3000, 3000)\ny = x.T @ x"),
    pytest.param("matmul-loop", "A = randn(200, 50000)\nB = randn(50000, 200)\n"
                 "for i in range(1000):\n    y = A @ B"),
]


def _split(case) -> tuple[str, str, tuple]:
    """(id, text, marks) of a HOSTILE entry: a plain pair or a pytest.param."""
    if hasattr(case, "marks"):
        ident, text = case.values
        return ident, text, tuple(case.marks)
    ident, text = case
    return ident, text, ()


def _params():
    for case in HOSTILE:
        ident, text, marks = _split(case)
        yield pytest.param(text, id=ident, marks=marks)


@pytest.fixture(scope="module", autouse=True)
def warm_up() -> None:
    """Pay torch's one-off start-up costs before anything is timed."""
    gradviz.evaluate("a = 5\nb = randn(3)\ny = (a * b @ ones(3, 3)).sum()")


def test_there_are_at_least_thirty_hostile_programs():
    assert len(HOSTILE) >= 30
    idents, texts, _ = zip(*map(_split, HOSTILE))
    assert len(set(texts)) == len(texts)
    assert len(set(idents)) == len(idents)


def refuse_timed(text: str) -> tuple[gradviz.ProgramError, float]:
    """Evaluate `text` under the watchdog: its ProgramError and the wall time it took."""
    start = time.perf_counter()
    try:
        with watchdog(WATCHDOG):
            gradviz.evaluate(text)
    except gradviz.ProgramError as exc:
        return exc, time.perf_counter() - start
    except Overrun:
        pytest.fail(f"still running after {WATCHDOG} s")
    except BaseException as exc:  # noqa: BLE001 - anything but ProgramError is a failure
        pytest.fail(f"raised {type(exc).__name__} instead of ProgramError: {exc!r}")
    pytest.fail("the program ran; expected a ProgramError")


@pytest.mark.parametrize("text", list(_params()))
def test_hostile_program_is_refused_quickly_without_side_effects(text, tmp_path, monkeypatch):
    files_before = plant_sentinel(tmp_path)
    monkeypatch.chdir(tmp_path)
    state_before = torch_state()

    # The best of a few runs: a loaded machine can stall one run, but a program
    # that really takes a second takes it every time.
    timings = []
    for _ in range(ATTEMPTS):
        error, elapsed = refuse_timed(text)
        timings.append(elapsed)
        assert isinstance(error.message, str) and error.message
        assert str(error).endswith(error.message)
        assert Path.cwd() == tmp_path
        assert listing(tmp_path) == files_before
        assert (tmp_path / "sentinel.txt").read_bytes() == SENTINEL
        assert_torch_state_unchanged(state_before)
        if elapsed < TIME_LIMIT:
            break
    assert min(timings) < TIME_LIMIT, f"took {', '.join(f'{t:.2f}' for t in timings)} s"


@pytest.mark.parametrize("value", [b"a = 1", None, 42, ["a = 1"]])
def test_non_text_is_refused(value):
    with pytest.raises(gradviz.ProgramError):
        gradviz.evaluate(value)


def test_watchdog_interrupts_a_runaway_python_loop():
    """The guard this suite relies on really stops a loop (so overruns fail fast)."""
    start = time.perf_counter()
    with pytest.raises(Overrun), watchdog(0.2):
        while True:
            pass
    assert time.perf_counter() - start < 1.0


def test_a_legitimate_program_still_runs_in_the_sandbox(tmp_path, monkeypatch):
    """Control: the harness does not turn every program into an error."""
    monkeypatch.chdir(tmp_path)
    ev = gradviz.evaluate("a = 5\nb = 6\ny = a**3 - b**2 + 3")
    assert ev.output.item() == 92
    assert list(tmp_path.iterdir()) == []
