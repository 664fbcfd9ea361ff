"""What "contained" means for a program, shared by the hostile corpus and the fuzz tests.

A program is contained when it ends (in time, stopped by a SIGALRM watchdog otherwise), when
it either evaluates or raises ProgramError, when the directory it ran in is unchanged (a
sentinel file included), and when torch's global state is as it was: RNG, grad mode, default
dtype, threads, and no TorchFunctionMode or dispatch mode left active.
"""

from __future__ import annotations

import gc
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from torch.overrides import _get_current_function_mode_stack
from torch.utils._python_dispatch import _get_current_dispatch_mode_stack

SENTINEL = b"gradviz sentinel \x00\xff do not touch\n"


class Overrun(BaseException):
    """Raised by the watchdog; a BaseException so the evaluator cannot swallow it."""


@contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    """Raise Overrun in the main thread if the block runs longer than ``seconds``."""

    def on_alarm(signum, frame):
        raise Overrun

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def torch_state() -> dict[str, object]:
    """Torch's process-wide state that no program may change (compare with torch_state_equal)."""
    return {
        "rng": torch.get_rng_state(),
        "grad_enabled": torch.is_grad_enabled(),
        "inference_mode": torch.is_inference_mode_enabled(),
        "anomaly": torch.is_anomaly_enabled(),
        "default_dtype": torch.get_default_dtype(),
        "threads": torch.get_num_threads(),
        "deterministic": torch.are_deterministic_algorithms_enabled(),
        "function_modes": len(_get_current_function_mode_stack()),
        "dispatch_modes": len(_get_current_dispatch_mode_stack()),
        "gc": gc.isenabled(),
    }


def assert_torch_state_unchanged(before: dict[str, object]) -> None:
    after = torch_state()
    assert torch.equal(after.pop("rng"), before["rng"]), "the global RNG moved"
    assert after == {k: v for k, v in before.items() if k != "rng"}


def listing(root: Path) -> dict[str, bytes | None]:
    """Every file under ``root`` with its bytes (None for directories)."""
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


def plant_sentinel(root: Path) -> dict[str, bytes | None]:
    """A sentinel file and a subdirectory in ``root``; returns the listing to compare with."""
    (root / "sentinel.txt").write_bytes(SENTINEL)
    (root / "sub").mkdir()
    return listing(root)
