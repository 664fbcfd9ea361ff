"""``SlowRelease`` frees what it is given a slice at a time, never all in one call."""

from __future__ import annotations

import weakref

from PySide6.QtCore import QObject, QTimer

from gradviz.ui import slow_release
from gradviz.ui.slow_release import SlowRelease


class _Value:
    """Something a container holds, whose release can be watched with a weakref."""


def test_containers_are_emptied_over_several_event_loop_turns(qtbot, monkeypatch):
    monkeypatch.setattr(slow_release, "SLICE_SECONDS", 0.0)  # one chunk a turn
    parent = QObject()
    values = [_Value() for _ in range(3 * slow_release._ENTRIES_AT_ONCE)]
    watched = weakref.ref(values[0])
    by_id = {i: value for i, value in enumerate(values)}
    listed = list(values)
    del values
    turns = []
    ticker = QTimer(interval=0)
    ticker.timeout.connect(lambda: turns.append(len(by_id) + len(listed)))
    ticker.start()
    release = SlowRelease([by_id, listed], parent)
    assert by_id and listed, "nothing is freed in the call itself"
    qtbot.waitUntil(release.done)
    ticker.stop()
    assert by_id == {} and listed == [] and watched() is None
    assert len(set(turns)) >= 3, "the window turned between slices"
