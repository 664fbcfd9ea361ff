"""The GC pause used around big traces and scene builds: nested, and leak-free."""

from __future__ import annotations

import gc
import weakref

from gradviz.core.trace import PROMOTE_BACKLOG, gc_paused


class _Node:
    """A container object that can sit in a reference cycle and be watched by a weakref."""


def _cycle() -> weakref.ref:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_the_gc_is_off_inside_nested_pauses_and_back_on_after():
    assert gc.isenabled()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_big_pause_leaves_no_young_backlog_and_its_cycles_are_still_collected():
    gc.collect()
    with gc_paused():
        garbage = _cycle()
        kept = [[i] for i in range(2 * PROMOTE_BACKLOG)]  # containers: tracked by the GC
    # Already old: the young passes that follow will not walk them all.
    assert any(obj is kept[-1] for obj in gc.get_objects(generation=2))
    assert garbage() is not None  # a cycle: only a GC pass can free it
    gc.collect()
    assert garbage() is None
    assert len(kept) == 2 * PROMOTE_BACKLOG
