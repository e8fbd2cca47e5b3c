"""The loop-blocked and long-wait decisions, on hand-built facts."""

from __future__ import annotations

from aiodeadlock.detectors.loopblocked import Actor, ThreadWait, long_wait, loop_blocked
from aiodeadlock.model.findings import LONG_WAIT, LOOP_BLOCKED, Resource
from aiodeadlock.model.location import Location

LOOP = 1
WORKER = 2
OTHER = 3


def at(line: int) -> Location:
    return Location("app.py", line, "f")


MAIN = Actor("T1", "main", (at(20), at(12)), at(12))
HOLDER = Actor("T2", "refresh", (at(8),), at(8))
POOL = Actor("H2", "thread pool-0", (at(30),), at(30), is_task=False)
FUTURE = Resource("R1", "concurrent.futures.Future")
LOCK = Resource("R2", "threading.Lock", "cache_lock", at(3))


def future_wait(timeout: float | None = None, nxt: int | None = LOOP) -> ThreadWait:
    return ThreadWait(
        LOOP, MAIN, "Future.result()", FUTURE, at(12), timeout, nxt, why="only the loop"
    )


def test_waiting_for_work_of_its_own_loop_is_loop_blocked() -> None:
    waits = {LOOP: future_wait()}
    finding = loop_blocked(LOOP, waits.get, blocked_for=1.2, threshold=1.0)
    assert finding is not None
    assert finding.kind is LOOP_BLOCKED and finding.definite
    assert finding.location == at(12)
    assert "Task 'main' blocks the event loop's thread at app.py:12" in finding.message
    assert [e.wait_at for e in finding.edges] == [at(12)]
    assert finding.tasks[0].state == "blocked" and finding.tasks[0].stack == MAIN.stack


def test_not_before_the_threshold() -> None:
    waits = {LOOP: future_wait()}
    assert loop_blocked(LOOP, waits.get, blocked_for=0.9, threshold=1.0) is None


def test_a_wait_with_a_timeout_is_certain_to_fail_but_no_hang() -> None:
    waits = {LOOP: future_wait(timeout=5.0)}
    finding = loop_blocked(LOOP, waits.get, 1.0, 1.0)
    assert finding is not None and finding.potential and not finding.definite
    assert "times out (timeout=5s)" in finding.notes[0]


def test_busy_thread_is_not_blocked() -> None:
    assert loop_blocked(LOOP, {}.get, 10.0, 1.0) is None


def test_nobody_known_to_resolve_it_is_not_proof() -> None:
    waits = {LOOP: future_wait(nxt=None)}
    assert loop_blocked(LOOP, waits.get, 10.0, 1.0) is None


def test_lock_held_by_a_suspended_task_names_holder_and_site() -> None:
    wait = ThreadWait(
        LOOP, MAIN, "Lock.acquire()", LOCK, at(20), None, LOOP, HOLDER, at(7), "held by"
    )
    finding = loop_blocked(LOOP, {LOOP: wait}.get, 1.0, 1.0)
    assert finding is not None
    (edge,) = finding.edges
    assert (edge.waiter, edge.holder, edge.since) == ("T1", "T2", at(7))
    holder = finding.task("T2")
    assert holder is not None and holder.holds[0].since == at(7)
    assert holder.state == "waiting" and holder.waits_at == at(8)
    assert {7, 8, 12, 20} <= set(finding.lines())


def test_chain_through_a_worker_thread_back_to_the_loop() -> None:
    join = ThreadWait(
        LOOP,
        MAIN,
        "Thread.join()",
        Resource("R3", "Thread", "pool-0"),
        at(20),
        None,
        WORKER,
        POOL,
        why="must finish",
    )
    worker = ThreadWait(
        WORKER, POOL, "Future.result()", FUTURE, at(30), None, LOOP, why="only the loop"
    )
    finding = loop_blocked(LOOP, {LOOP: join, WORKER: worker}.get, 1.5, 1.0)
    assert finding is not None
    assert [e.waiter for e in finding.edges] == ["T1", "H2"]
    assert "thread pool-0 is blocked at app.py:30" in finding.message
    assert [r.key for r in finding.resources] == ["R3", "R1"]


def test_chain_to_a_thread_that_is_not_blocked_is_no_deadlock() -> None:
    join = ThreadWait(
        LOOP, MAIN, "Thread.join()", Resource("R3", "Thread"), at(20), None, WORKER, POOL
    )
    assert loop_blocked(LOOP, {LOOP: join}.get, 5.0, 1.0) is None


def test_a_cycle_elsewhere_is_left_to_its_own_loop() -> None:
    waits = {
        LOOP: ThreadWait(LOOP, MAIN, "Thread.join()", LOCK, at(1), None, WORKER),
        WORKER: ThreadWait(WORKER, POOL, "Lock.acquire()", LOCK, at(2), None, OTHER),
        OTHER: ThreadWait(OTHER, POOL, "Lock.acquire()", LOCK, at(3), None, WORKER),
    }
    assert loop_blocked(LOOP, waits.get, 5.0, 1.0) is None


def test_long_wait_is_potential_and_names_the_wait() -> None:
    event = Resource("R9", "Event", "ready", at(2))
    task = Actor("T5", "consumer", (at(10), at(11)), at(11))
    assert long_wait(task, event, 1.9, 2.0) is None
    finding = long_wait(task, event, 2.5, 2.0)
    assert finding is not None
    assert finding.kind is LONG_WAIT and not finding.definite
    assert (
        finding.message == "Task 'consumer' has waited at app.py:11 for Event 'ready' "
        "(created at app.py:2) for 2.5s"
    )
    assert finding.tasks[0].waits_for == "R9" and finding.tasks[0].stack == task.stack


def test_long_wait_names_holders() -> None:
    lock = Resource("R4", "Lock", "db")
    task = Actor("T5", "consumer", (), at(11))
    finding = long_wait(task, lock, 3.0, 2.0, (Actor("T6", "writer", (), at(4)),))
    assert finding is not None
    assert finding.message.endswith("held by task 'writer'")
    (edge,) = finding.edges
    assert (edge.holder, edge.since) == ("T6", at(4))
