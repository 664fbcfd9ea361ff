"""While a worker prepares a big graph, the GIL changes hands often enough for the GUI."""

from __future__ import annotations

import sys
import threading

from gradviz.core.gil import HANDOFF_SECONDS, quick_handoff


def test_the_switch_interval_is_short_while_any_worker_runs_and_restored_after():
    before = sys.getswitchinterval()
    inside = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with quick_handoff():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(5)
    with quick_handoff():  # a second one, ending first
        assert sys.getswitchinterval() == HANDOFF_SECONDS
    assert sys.getswitchinterval() == HANDOFF_SECONDS, "the worker still runs"
    release.set()
    thread.join(5)
    assert sys.getswitchinterval() == before
