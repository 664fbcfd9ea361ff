"""Out of memory during an evaluation, seen from the graph tab (issue 7, simulated).

The failing allocation is monkeypatched into the tracer and into a torch op (see
tests/core/test_out_of_memory.py for why); the tab must say so in plain words, keep the
last graph and the user's text, and draw the next program normally.
"""

from __future__ import annotations

import dataclasses

import pytest

import gradviz.core.evaluate as evaluate_module
from gradviz.core.functions import FUNCTIONS
from gradviz.core.limits import OUT_OF_MEMORY

GOOD = "a = 5\nb = 6\ny = a**3 - b**2 + 3"
NEXT = "x = linspace(0, 1, 5)\ny = sin(x).sum()"
TORCH_OOM = RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate "
                         "40000000000 bytes. Error code 12 (Cannot allocate memory)")


def fail_with(exc):
    def fail(*args, **kwargs):
        raise exc

    return fail


@pytest.mark.parametrize("where", ["trace", "op"])
@pytest.mark.parametrize("exc", [MemoryError(), TORCH_OOM], ids=["MemoryError", "torch"])
def test_out_of_memory_is_shown_and_the_last_graph_and_text_are_kept(
    graph_tab, evaluate, monkeypatch, where, exc
):
    good = evaluate(graph_tab, GOOD)
    with monkeypatch.context() as patch:
        if where == "trace":
            patch.setattr(evaluate_module, "trace", fail_with(exc))
        else:
            patch.setitem(FUNCTIONS, "sin", dataclasses.replace(FUNCTIONS["sin"],
                                                                impl=fail_with(exc)))
        message = evaluate(graph_tab, NEXT, expect_error=True)
    assert OUT_OF_MEMORY in message
    assert "Internal error" not in message
    assert graph_tab.error_label.isVisible() and graph_tab.error_label.text() == message
    assert graph_tab.graph_view.graph is good
    assert graph_tab.program() == NEXT

    drawn = evaluate(graph_tab, NEXT)
    assert drawn is graph_tab.graph_view.graph and drawn is not good
    assert not graph_tab.error_label.isVisible()
