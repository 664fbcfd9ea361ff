"""Record forward values while torch code runs.

A grad_fn node does not keep its output, so the tracer would know no forward
values. While a recording is active, a TorchFunctionMode sees every torch call
and keeps ``(out.grad_fn, out.output_nr) -> out.detach()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch.overrides import TorchFunctionMode


class Recording:
    """Forward values keyed by (grad_fn, output_nr), with the version at record time.

    The version lets the tracer notice a value changed in place afterwards.
    """

    def __init__(self) -> None:
        self.values: dict[tuple[object, int], tuple[torch.Tensor, int]] = {}

    def add(self, out: object) -> None:
        items = out if isinstance(out, (tuple, list)) else (out,)
        for item in items:
            if isinstance(item, torch.Tensor) and item.grad_fn is not None:
                value = item.detach()
                self.values[(item.grad_fn, item.output_nr)] = (value, value._version)

    def value(self, grad_fn: object, output_nr: int) -> tuple[torch.Tensor | None, str | None]:
        """The recorded value, or None with the reason it is unknown."""
        entry = self.values.get((grad_fn, output_nr))
        if entry is None:
            return None, None
        value, version = entry
        if value._version != version:
            return None, "modified in place after it was computed"
        return value, None


class _RecordingMode(TorchFunctionMode):
    def __init__(self, recording: Recording):
        super().__init__()
        self.recording = recording

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        self.recording.add(out)
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

    The recording stays available to later ``trace`` calls until the next
    ``record()`` block replaces it.
    """
    global _last
    recording = Recording()
    _last = recording
    with recording_mode(recording):
        yield recording
