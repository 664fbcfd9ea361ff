import os

import pytest
import torch

# Tests never need a display; the real-window test starts its own Xvfb.
os.environ["QT_QPA_PLATFORM"] = "offscreen"


class _WrongSquare(torch.autograd.Function):
    """x² with a deliberately wrong backward (3x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x


@pytest.fixture
def wrong_square():
    """x² whose backward is wrong: what a numeric gradient check must catch."""
    return _WrongSquare.apply
