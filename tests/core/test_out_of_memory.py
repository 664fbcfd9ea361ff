"""Out of memory, simulated where it can really happen: in a torch op or in the tracer.

Allocating tens of GB for real would take the test machine down with it, so the failing
allocation is monkeypatched in: Python's MemoryError, and the RuntimeError torch's CPU
allocator raises (its real text). Each must end in a ProgramError that says "out of memory",
and the next evaluation must be a normal one.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch
from sandbox_checks import assert_torch_state_unchanged, torch_state

import gradviz
import gradviz.core.evaluate as evaluate_module
from gradviz.core.functions import FUNCTIONS

TORCH_OOM = RuntimeError(
    "[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: can't allocate memory: "
    "you tried to allocate 40000000000 bytes. Error code 12 (Cannot allocate memory)"
)
PROGRAM = "x = linspace(0, 1, 5)\ny = sin(x).sum()"


def raising(exc: BaseException):
    def fail(*args, **kwargs):
        raise exc

    return fail


@pytest.fixture(params=[MemoryError(), TORCH_OOM], ids=["MemoryError", "torch-allocator"])
def failure(request) -> BaseException:
    return request.param


def simulate_in_op(monkeypatch, exc: BaseException) -> None:
    """sin() fails to allocate its result."""
    monkeypatch.setitem(FUNCTIONS, "sin", dataclasses.replace(FUNCTIONS["sin"], impl=raising(exc)))


def simulate_in_trace(monkeypatch, exc: BaseException) -> None:
    """The tracer fails to allocate while building the graph."""
    monkeypatch.setattr(evaluate_module, "trace", raising(exc))


@pytest.mark.parametrize("simulate", [simulate_in_op, simulate_in_trace], ids=["op", "trace"])
def test_out_of_memory_is_a_program_error_and_the_next_run_is_normal(
    monkeypatch, failure, simulate
):
    expected = gradviz.evaluate(PROGRAM)
    before = torch_state()
    with monkeypatch.context() as patch:
        simulate(patch, failure)
        with pytest.raises(gradviz.ProgramError, match="out of memory") as info:
            gradviz.evaluate(PROGRAM)
    if simulate is simulate_in_op:
        assert (info.value.line, info.value.col) == (2, 5)  # points at the sin(...) call
    assert_torch_state_unchanged(before)
    again = gradviz.evaluate(PROGRAM)
    torch.testing.assert_close(again.grads["x"], expected.grads["x"], rtol=0, atol=0)


def test_other_runtime_errors_keep_their_own_message(monkeypatch):
    simulate_in_op(monkeypatch, RuntimeError("some other torch failure"))
    with pytest.raises(gradviz.ProgramError, match="some other torch failure"):
        gradviz.evaluate(PROGRAM)
