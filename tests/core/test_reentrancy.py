"""Evaluations do not leak into each other or into the caller (issue 7, re-entrancy).

The seeded RNG belongs to one evaluation; an error part-way leaves no TorchFunctionMode or
hook behind and the next evaluation is exactly a fresh one; the caller's grad mode and
default dtype are used by nobody and changed by nobody; two threads evaluating at once (as
the GUI's two background workers do) get the results each would get alone.
"""

from __future__ import annotations

import threading

import pytest
import torch
from sandbox_checks import assert_torch_state_unchanged, torch_state

import gradviz
from gradviz.core.deep_stack import DEEP_STACK_BYTES

RANDOM_PROGRAM = "W = randn(3, 2)\nx = rand(2)\ny = (W @ x).tanh().sum()"
FAILING_MIDWAY = "W = randn(3, 2)\nh = sin(W)\nz = h @ ones(5)"  # the third line fails
FAILING_IN_BACKWARD = "a = tensor([1.5, -2.0])\ny = (a // a).sum()"  # no derivative


def assert_same_evaluation(ev: gradviz.core.evaluate.Evaluation, reference) -> None:
    assert ev.output_name == reference.output_name
    torch.testing.assert_close(ev.output, reference.output, rtol=0, atol=0)
    assert ev.variables.keys() == reference.variables.keys()
    for name, value in reference.variables.items():
        torch.testing.assert_close(ev.variables[name], value, rtol=0, atol=0)
    for name, grad in reference.grads.items():
        if grad is None:
            assert ev.grads[name] is None
        else:
            torch.testing.assert_close(ev.grads[name], grad, rtol=0, atol=0)
    assert sorted(ev.graph.nodes) == sorted(reference.graph.nodes)


def test_same_seed_gives_the_same_random_values_and_leaves_the_global_rng_alone():
    torch.manual_seed(1234)
    expected_next = torch.rand(4)
    torch.manual_seed(1234)
    first = gradviz.evaluate(RANDOM_PROGRAM)
    second = gradviz.evaluate(RANDOM_PROGRAM)
    other_seed = gradviz.evaluate(RANDOM_PROGRAM, seed=1)
    # The global generator was not consumed: it draws what it would have drawn anyway.
    torch.testing.assert_close(torch.rand(4), expected_next, rtol=0, atol=0)
    assert_same_evaluation(second, first)
    assert not torch.equal(other_seed.variables["W"], first.variables["W"])
    # ...and the program's randn is torch's own generator seeded with 0, not some other draw.
    reference = torch.randn(3, 2, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(first.variables["W"], reference, rtol=0, atol=0)


@pytest.mark.parametrize("failing", [FAILING_MIDWAY, FAILING_IN_BACKWARD, "x = ones(2)\ny = x.no"])
def test_an_error_part_way_leaves_nothing_behind(failing):
    fresh = gradviz.evaluate(RANDOM_PROGRAM)
    before = torch_state()
    try:
        ev = gradviz.evaluate(failing)
    except gradviz.ProgramError:
        pass
    else:  # floor_divide evaluates, but its backward stops: the graph says why
        assert ev.graph.graph["backward_error"]
    assert_torch_state_unchanged(before)  # includes: no TorchFunctionMode left active
    assert_same_evaluation(gradviz.evaluate(RANDOM_PROGRAM), fresh)


def test_an_error_inside_a_record_block_leaves_no_mode_active():
    before = torch_state()
    with pytest.raises(ZeroDivisionError), gradviz.record():
        torch.ones(2).sin()
        raise ZeroDivisionError
    assert_torch_state_unchanged(before)


def test_the_callers_grad_mode_and_default_dtype_are_neither_used_nor_changed():
    reference = gradviz.evaluate(RANDOM_PROGRAM)
    previous = torch.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)
        with torch.no_grad():
            ev = gradviz.evaluate(RANDOM_PROGRAM)
            assert not torch.is_grad_enabled()
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(previous)
    assert ev.output.dtype == torch.float32
    assert_same_evaluation(ev, reference)


def test_two_threads_evaluating_at_once_get_what_each_would_get_alone():
    programs = [RANDOM_PROGRAM, "a = 5\nb = 6\ny = a**3 - b**2 + 3",
                "x = linspace(-1, 1, 7)\ny = softmax(x * 3, dim=0).max()", FAILING_MIDWAY]

    def outcome(text):
        try:
            return gradviz.evaluate(text)
        except gradviz.ProgramError as exc:
            return str(exc)

    alone = [outcome(text) for text in programs]
    results: dict[tuple[int, int, int], object] = {}
    errors: list[BaseException] = []
    gate = threading.Barrier(2)

    def worker(k: int) -> None:
        try:
            gate.wait()
            for round_ in range(10):
                for i, text in enumerate(programs[k:] + programs[:k]):
                    results[k, round_, (i + k) % len(programs)] = outcome(text)
        except BaseException as exc:  # noqa: BLE001 - reported below, on the test's thread
            errors.append(exc)

    previous = threading.stack_size(DEEP_STACK_BYTES)  # as the GUI's worker pool does
    try:
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    finally:
        threading.stack_size(previous)
    before = torch_state()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(results) == 2 * 10 * len(programs)
    for (_, _, i), got in results.items():
        if isinstance(alone[i], str):
            assert got == alone[i]
        else:
            assert_same_evaluation(got, alone[i])
    assert_torch_state_unchanged(before)


def test_a_spurious_ast_recursion_error_is_retried(monkeypatch):
    """CPython 3.11 shares the AST constructor's recursion counter between threads
    (gh-106905): a parse racing another one can raise SystemError once. The app saw it as an
    'Internal error' while the gradient check re-ran the previous program."""
    import ast

    real_parse, calls = ast.parse, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise SystemError("AST constructor recursion depth mismatch (before=15, after=11)")
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", flaky)
    ev = gradviz.evaluate("a = 5\ny = a**2")
    assert len(calls) == 2
    assert ev.grads["a"].item() == pytest.approx(10.0)
