"""Record forward values while torch code runs.

A grad_fn node does not keep its output, so the tracer would know no forward
values. While a recording is active, a TorchFunctionMode sees every torch call
and keeps ``(out.grad_fn, out.output_nr) -> out.detach()``. It also keeps what
the graph cannot show by itself: the inputs of each op that take no gradient
(constants), and under ``record()`` the ``nn.Module`` that made each node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch.overrides import TorchFunctionMode

from gradviz.core.module_paths import ModuleTracker

ARITHMETIC = frozenset(
    f"{prefix}{name}{suffix}"
    for name in ("add", "sub", "mul", "truediv", "div", "floordiv", "mod", "pow", "remainder")
    for prefix, suffix in (("", ""), ("__", "__"), ("__r", "__"))
) | {"rsub", "true_divide", "multiply", "subtract", "divide"}
"""Ops whose Python-number arguments are operands (the 3 in ``x + 3`` or ``x ** 3``), unlike
the numbers that configure an op (``dim=0``, ``reshape(2, 3)``, ``clamp(0, 1)``)."""

ConstantInput = tuple[object, int]
"""A constant input as recorded: a tensor that takes no gradient or a Python number, with
the tensor's version at record time (0 for numbers)."""


class Recording:
    """Forward values keyed by (grad_fn, output_nr), with the version at record time.

    The version lets the tracer notice a value changed in place afterwards.
    ``constants[grad_fn]`` lists the op's inputs that take no gradient, and
    ``modules`` says which module made each node (filled only under ``record()``).
    """

    def __init__(self) -> None:
        self.values: dict[tuple[object, int], tuple[torch.Tensor, int]] = {}
        self.constants: dict[object, list[ConstantInput]] = {}
        self.modules: ModuleTracker | None = None

    def add(
        self, out: object, args: tuple = (), kwargs: dict | None = None,
        func: Callable | None = None,
    ) -> None:
        """Keep the value of every tensor in ``out``; ``args``/``kwargs``/``func`` are the
        call that made it, for its constant inputs."""
        items = out if isinstance(out, (tuple, list)) else (out,)
        grad_fn = None
        for item in items:
            if isinstance(item, torch.Tensor) and item.grad_fn is not None:
                value = item.detach()
                grad_fn = item.grad_fn
                self.values[(grad_fn, item.output_nr)] = (value, value._version)
        if grad_fn is None:
            return
        constants = _constant_inputs(args, kwargs, getattr(func, "__name__", None))
        if constants:
            self.constants.setdefault(grad_fn, []).extend(constants)
        if self.modules is not None:
            self.modules.claim(grad_fn)

    def value(self, grad_fn: object, output_nr: int) -> tuple[torch.Tensor | None, str | None]:
        """The recorded value, or None with the reason it is unknown."""
        entry = self.values.get((grad_fn, output_nr))
        if entry is None:
            return None, None
        value, version = entry
        if value._version != version:
            return None, "modified in place after it was computed"
        return value, None


def _constant_inputs(args: tuple, kwargs: dict | None, func_name: str | None) -> list:
    """Tensor inputs that take no gradient, and the number operands of arithmetic."""
    numbers = func_name in ARITHMETIC
    found: list[ConstantInput] = []
    for k, arg in enumerate((*args, *(kwargs or {}).values())):
        for item in arg if isinstance(arg, (list, tuple)) else (arg,):
            if isinstance(item, torch.Tensor):
                if not item.requires_grad:
                    found.append((item, item._version))
            elif numbers and k < len(args) and _is_number(item):  # not alpha=2
                found.append((item, 0))
    return found


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _RecordingMode(TorchFunctionMode):
    def __init__(self, recording: Recording):
        super().__init__()
        self.recording = recording

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        self.recording.add(out, args, kwargs, func)
        return out


_last: Recording | None = None


def last_recording() -> Recording | None:
    """The recording made by the most recent ``record()`` block, for ``trace()``."""
    return _last


@contextmanager
def recording_mode(recording: Recording) -> Iterator[Recording]:
    """Record into `recording` for the duration of the block (the mode never leaks)."""
    with _RecordingMode(recording):
        yield recording


@contextmanager
def record() -> Iterator[Recording]:
    """Capture forward values of your own torch code for ``gradviz.trace``/``show``.

    Also notes which ``nn.Module`` call made each node, through global module hooks
    that are removed when the block ends, error or not. The recording stays
    available to later ``trace`` calls until the next ``record()`` block replaces it.
    """
    global _last
    recording = Recording()
    _last = recording
    recording.modules = ModuleTracker()
    with recording.modules.hooked(), recording_mode(recording):
        yield recording
