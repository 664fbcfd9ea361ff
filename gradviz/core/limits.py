"""Resource limits for running a program, checked before work is done.

A limit that trips raises ProgramError; nothing may hang, exhaust memory or
crash the process, whatever the user types.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from gradviz.core.program import ProgramError


@dataclass(frozen=True)
class Limits:
    max_elements: int = 10_000_000  # per tensor
    max_total_elements: int = 50_000_000  # all tensors an evaluation makes (~200 MB)
    max_ops: int = 100_000
    max_steps: int = 500_000  # statements executed, loops included
    max_loop: int = 10_000  # iterations of one for loop
    max_iterations: int = 100_000  # runs of the innermost body, nested loops multiplied
    max_matmul_work: int = 250_000_000  # multiply-adds in one product
    max_total_matmul_work: int = 1_000_000_000  # multiply-adds in all products
    max_work: int = 200_000_000  # elements read by all ops (a sum reads its whole input)
    time_limit: float = 10.0  # seconds of wall time, a backstop behind the budgets above


INT_BITS = 63
OUT_OF_MEMORY = "out of memory: the program needs more memory than this computer has free"


def is_out_of_memory(exc: BaseException) -> bool:
    """MemoryError, or torch's allocator failing ("can't allocate memory", "out of memory")."""
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and (
        "out of memory" in text or "can't allocate memory" in text
    )


class Budget:
    """Counts what one evaluation has spent against its Limits."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.ops = 0
        self.steps = 0
        self.elements = 0
        self.work = 0
        self.matmul_work = 0
        self.deadline = time.monotonic() + limits.time_limit

    def step(self) -> None:
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise ProgramError(f"the program runs too long (over {self.limits.max_steps:,} steps)")
        self._check_time()

    def op(self) -> None:
        self.ops += 1
        if self.ops > self.limits.max_ops:
            raise ProgramError(f"too many operations (limit {self.limits.max_ops:,})")
        self._check_time()

    def _check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise ProgramError(f"the program took longer than {self.limits.time_limit:g} s")

    def check_numel(self, numel: int, what: str = "the result") -> None:
        if numel > self.limits.max_elements:
            raise ProgramError(
                f"{what} would have {numel:,} elements (limit {self.limits.max_elements:,})"
            )

    def spend(self, numel: int) -> None:
        self.elements += numel
        if self.elements > self.limits.max_total_elements:
            raise ProgramError(
                f"the program makes too much data (over {self.limits.max_total_elements:,} "
                "elements in all)"
            )

    def read(self, numel: int) -> None:
        self.work += numel
        if self.work > self.limits.max_work:
            raise ProgramError(
                f"the program does too much work (over {self.limits.max_work:,} elements read)"
            )

    def project_loop(self, iterations: int, ops_per_iteration: int) -> None:
        """Refuse a loop up front when it is bound to break max_ops, instead of running it."""
        projected = self.ops + iterations * ops_per_iteration
        if projected > self.limits.max_ops:
            raise ProgramError(
                f"this loop would do at least {projected:,} operations "
                f"(limit {self.limits.max_ops:,})"
            )

    def check_matmul(self, a: torch.Tensor, b: torch.Tensor) -> None:
        work = a.numel() * (b.shape[-1] if b.dim() >= 2 else 1)
        if work > self.limits.max_matmul_work:
            raise ProgramError(f"that product is too much work ({work:,} multiply-adds)")
        self.matmul_work += work
        if self.matmul_work > self.limits.max_total_matmul_work:
            raise ProgramError(
                f"the products are too much work in all (over "
                f"{self.limits.max_total_matmul_work:,} multiply-adds)"
            )


def guarded_number_op(
    op: str, fn: Callable[[float, float], float], left: float, right: float
) -> float:
    """fn(left, right) on Python numbers, unable to run away (9**9**9**9) or go complex.

    `op` is the operator's symbol, for messages and the power check.
    """
    ints = isinstance(left, int) and isinstance(right, int)
    huge = ints and op == "**" and right > 0 and abs(left) > 1
    if huge and right * math.log2(abs(left)) > INT_BITS:
        left = float(left)  # float pow overflows cleanly instead of building a huge int
    try:
        result = fn(left, right)
    except ZeroDivisionError:
        raise ProgramError("division by zero") from None
    except OverflowError:
        raise ProgramError("that number is too large") from None
    except TypeError:
        raise ProgramError(f"the {op} operator does not apply to numbers") from None
    if isinstance(result, complex):
        raise ProgramError("that gives a complex number, which is not supported")
    if isinstance(result, int) and result.bit_length() > INT_BITS:
        result = float(result)
    return result
