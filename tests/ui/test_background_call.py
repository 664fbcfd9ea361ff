"""BackgroundCall: runs off the GUI thread, answers only the latest request."""

from __future__ import annotations

import threading

from gradviz.ui.background_call import BackgroundCall, single_thread_pool


def test_result_arrives_on_the_gui_thread_from_a_worker(qtbot, qapp):
    call = BackgroundCall(single_thread_pool(qapp))
    ran_on = []

    def work():
        ran_on.append(threading.current_thread())
        return 42

    with qtbot.waitSignal(call.finished, timeout=5000) as blocker:
        call.submit(work)
    assert blocker.args == [42]
    assert ran_on[0] is not threading.main_thread()
    assert not call.pending


def test_only_the_latest_request_is_answered_and_stale_ones_do_not_run(qtbot, qapp):
    pool = single_thread_pool(qapp)
    call = BackgroundCall(pool)
    started, gate = threading.Event(), threading.Event()
    ran = []
    answers = []
    call.finished.connect(answers.append)
    call.submit(lambda: (started.set(), gate.wait(5), ran.append("first"), "first")[-1])
    assert started.wait(5)
    call.submit(lambda: (ran.append("second"), "second")[-1])  # queued behind the first
    call.submit(lambda: (ran.append("third"), "third")[-1])
    gate.set()
    qtbot.waitUntil(lambda: answers == ["third"], timeout=5000)
    pool.waitForDone()
    assert ran == ["first", "third"]  # the first was already running; the second was stale


def test_failures_are_reported_and_cancel_drops_the_answer(qtbot, qapp):
    pool = single_thread_pool(qapp)
    call = BackgroundCall(pool)
    with qtbot.waitSignal(call.failed, timeout=5000) as blocker:
        call.submit(lambda: 1 / 0)
    assert isinstance(blocker.args[0], ZeroDivisionError)
    answers = []
    call.finished.connect(answers.append)
    call.submit(lambda: "late")
    call.cancel()
    pool.waitForDone()
    qapp.processEvents()
    assert answers == [] and not call.pending
