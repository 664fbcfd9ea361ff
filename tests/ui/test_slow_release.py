"""``SlowRelease`` frees what it is given a slice at a time, never all in one call."""

from __future__ import annotations

import weakref

from PySide6.QtCore import QObject, QTimer

from gradviz.ui import scene_build, slow_release
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


def test_a_big_scene_off_screen_is_emptied_in_slices_then_deleted(qtbot, monkeypatch):
    monkeypatch.setattr(scene_build, "DISPOSE_AT_ONCE_ITEMS", 5)
    monkeypatch.setattr(scene_build, "SLICE_SECONDS", 0.0)  # one chunk a turn
    parent = QObject()
    scene = scene_build.new_scene()
    for _ in range(3 * scene_build._CLOCK_EVERY):
        scene.addRect(0, 0, 1, 1)
    deleted = []
    scene.destroyed.connect(lambda *_: deleted.append(True))
    counts = []
    ticker = QTimer(interval=0)
    ticker.timeout.connect(lambda: deleted or counts.append(len(scene.items())))
    ticker.start()
    scene_build.dispose(scene, parent)
    assert len(scene.items()) == 3 * scene_build._CLOCK_EVERY, "nothing removed in the call"
    qtbot.waitUntil(lambda: bool(deleted))
    ticker.stop()
    assert len(set(counts)) >= 3, "the window turned between slices"
