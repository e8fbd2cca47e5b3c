"""Interpreter exit waiting forever for a thread: decided only when nothing can act."""

from __future__ import annotations

from aiodeadlock.detectors.exithang import exit_hang
from aiodeadlock.model.findings import STALL, Resource
from aiodeadlock.model.location import Location
from aiodeadlock.model.threads import Actor, ThreadWait

AT = Location("app.py", 15, "worker")


def _wait(tid: int, timeout: float | None = None) -> ThreadWait:
    waiter = Actor(f"H{tid:x}", f"thread w{tid}", (AT,), AT, False)
    return ThreadWait(tid, waiter, "Queue.get()", Resource("R1", "queue.Queue"), AT, timeout, None)


def test_every_thread_waiting_forever_with_nothing_left_is_a_stall() -> None:
    finding = exit_hang(["w1"], {1: _wait(1), 2: _wait(2)}, [], stuck_for=1.5, grace=1.0)
    assert finding is not None and finding.kind is STALL and finding.definite
    assert finding.location == AT
    assert {t.actor for t in finding.tasks} == {"thread"}
    assert "interpreter exit waits for thread(s) 'w1'" in finding.message


def test_anything_that_might_still_act_means_no_verdict() -> None:
    waits = {1: _wait(1)}
    assert exit_hang(["w1"], waits, [], stuck_for=0.5, grace=1.0) is None  # too soon
    assert exit_hang(["w1"], waits, ["SIGALRM: on_alarm"], 1.5, 1.0) is None  # a handler
    assert exit_hang(["w1"], {1: _wait(1), 2: None}, [], 1.5, 1.0) is None  # a busy thread
    assert exit_hang(["w1"], {1: _wait(1, timeout=5.0)}, [], 1.5, 1.0) is None  # it ends
    assert exit_hang([], waits, [], 1.5, 1.0) is None  # exit joins nobody
