"""Reading stuck threads: pool jobs, asleep loops, the sampling that decides when to look,
and a pool deadlock found in-process (reported once, in report mode). Every wait here has
a deadline and every deadlock made here is undone at the end."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import aiodeadlock
from aiodeadlock.detectors.threadknot import knot, settle
from aiodeadlock.instrument import executors
from aiodeadlock.instrument.threadknots import KnotReader, KnotWatch, asleep
from aiodeadlock.model.findings import WAIT_CYCLE
from aiodeadlock.model.threads import Stuck

DEADLINE = 10.0


def until(check: Callable[[], Any], what: str) -> Any:
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def reader(loops: list[Any] = ()) -> KnotReader:  # type: ignore[assignment]
    return KnotReader(sys._current_frames(), list(loops))


@pytest.fixture
def detector() -> Iterator[Any]:
    """Installed, with a watchdog too slow to act during a test (patches on)."""
    with aiodeadlock.detect(on_deadlock="report", watchdog=60.0) as det:
        yield det


def exhausted_pool(keep: list[Any] | None = None) -> tuple[Any, int]:
    """A one-worker pool whose worker waits for a job queued behind itself (that job is
    put in `keep` if given; `pool.shutdown(cancel_futures=True)` ends it all)."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool")

    def outer() -> Any:
        inner = pool.submit(int)
        if keep is not None:
            keep.append(inner)
        return inner.result()

    pool.submit(outer)
    (worker,) = until(lambda: list(pool._threads), "the worker")
    until(lambda: reader().wait(worker.ident), "the worker to block")
    return pool, worker.ident


def test_a_future_submitted_while_installed_knows_its_pool_and_job(detector: Any) -> None:
    def job() -> int:
        return 7

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        fut = pool.submit(job)
        assert fut.result(DEADLINE) == 7
    assert executors.pool_of(fut) is pool
    assert executors.job_of(fut) is job.__code__


def test_uninstall_restores_submit() -> None:
    original = concurrent.futures.ThreadPoolExecutor.submit
    with aiodeadlock.detect(watchdog=60.0):
        assert concurrent.futures.ThreadPoolExecutor.submit is not original
    assert concurrent.futures.ThreadPoolExecutor.submit is original


def test_a_worker_waiting_for_a_job_queued_behind_itself_is_stuck(detector: Any) -> None:
    pool, worker = exhausted_pool()
    try:
        r = reader()
        node = r.stuck(worker)
        assert node is not None and node.wait is not None
        assert node.wait.call == "Future.result()"
        assert node.needs == {worker} and node.anyone  # anyone may cancel a queued job
        assert node.jobs[0].running is None and node.jobs[0].workers == (worker,)
        assert knot({worker: node}, frozenset({worker})) == {worker}
        other = worker + 1  # another live thread, not stuck: it could cancel the job
        assert knot({worker: node}, frozenset({worker, other})) == frozenset()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def test_a_job_running_on_a_busy_worker_needs_that_worker(detector: Any) -> None:
    release = threading.Event()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(release.wait, DEADLINE)
        waiter = pool.submit(slow.result)
        threads = until(lambda: len(pool._threads) == 2 and list(pool._threads), "two workers")

        def both_blocked() -> KnotReader | None:
            r = reader()
            return r if all(r.wait(t.ident) for t in threads) else None

        r = until(both_blocked, "both workers to block")
        nodes = [r.stuck(t.ident) for t in threads]
        # the one in slow.result() needs the one running `slow`; that one has a timeout
        assert [n for n in nodes if n is None] and [n for n in nodes if n is not None]
        (node,) = [n for n in nodes if n is not None]
        runner = next(t.ident for t in threads if t.ident != node.thread)
        assert node.needs == {runner} and node.jobs[0].running == runner
        assert node.thread not in r.referrers(node)
        # a thread with the awaited future in a local list could complete or cancel it
        done = threading.Event()

        def keeper(box: list[Any] = [slow]) -> None:  # noqa: B006
            done.wait(DEADLINE)

        other = threading.Thread(target=keeper, daemon=True)
        other.start()
        try:
            until(lambda: reader().wait(other.ident or 0), "the keeper to wait")
            assert other.ident in reader().referrers(node)
        finally:
            done.set()
            other.join(DEADLINE)
        release.set()
        assert waiter.result(DEADLINE) is True


def _unblock(pool: Any, queued: list[Any]) -> None:
    """End a wait() on `queued` jobs of `pool` (cancel() alone does not wake wait(): only
    the worker that dequeues a cancelled job tells its waiters, and none is free)."""
    for fut in queued:
        fut.cancel()
    pool.shutdown(wait=False, cancel_futures=True)  # (out of the queue: no worker sees them)
    for fut in queued:
        fut.set_running_or_notify_cancel()
    pool.shutdown(wait=True)


def test_a_worker_in_wait_for_a_job_queued_behind_itself_is_stuck(detector: Any) -> None:
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool")
    queued: list[Any] = []

    def outer() -> Any:
        queued.append(pool.submit(int))
        return concurrent.futures.wait(queued)  # (this line is the one reported)

    pool.submit(outer)
    line = outer.__code__.co_firstlineno + 2
    try:
        (worker,) = until(lambda: list(pool._threads), "the worker")
        tid = worker.ident or 0
        until(lambda: reader().wait(tid), "the worker to block")
        node = reader().stuck(tid)
        assert node is not None and node.wait is not None
        assert node.wait.call == "concurrent.futures.wait()"
        assert node.wait.at is not None and node.wait.at.line == line
        assert node.needs == {tid} and node.anyone  # anyone may cancel a queued job
        assert node.jobs[0].running is None and node.jobs[0].workers == (tid,)
        assert knot({tid: node}, frozenset({tid})) == {tid}
    finally:
        _unblock(pool, queued)


def test_a_timed_wait_on_futures_is_not_stuck(detector: Any) -> None:
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool")
    queued: list[Any] = []

    def outer() -> Any:
        queued.append(pool.submit(int))
        return concurrent.futures.wait(queued, timeout=DEADLINE)

    pool.submit(outer)
    try:
        (worker,) = until(lambda: list(pool._threads), "the worker")
        wait = until(lambda: reader().wait(worker.ident or 0), "the worker to block")
        assert wait.call == "concurrent.futures.wait()" and wait.timeout == DEADLINE
        assert reader().stuck(worker.ident or 0) is None
    finally:
        _unblock(pool, queued)


def _waits_on_two(mode: str) -> Iterator[tuple[KnotReader, int, int]]:
    """A two-worker pool: one worker runs a slow job, the other waits (wait() with `mode`,
    or `as_completed`) for that job and for a plain future nobody sets; yields a reader,
    the waiting worker and the busy one."""
    release = threading.Event()
    plain: concurrent.futures.Future[int] = concurrent.futures.Future()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool")
    try:
        slow = pool.submit(release.wait, DEADLINE)

        def waiter() -> Any:
            if mode == "as_completed":
                return [f.result() for f in concurrent.futures.as_completed([slow, plain])]
            return concurrent.futures.wait([slow, plain], return_when=mode)

        pool.submit(waiter)
        threads = until(lambda: len(pool._threads) == 2 and list(pool._threads), "workers")

        def blocked() -> tuple[KnotReader, int, int] | None:
            r = reader()
            waits = {t.ident or 0: r.wait(t.ident or 0) for t in threads}
            if not all(waits.values()):
                return None
            (waiting,) = [t for t, w in waits.items() if w and "futures" in w.call]
            (busy,) = [t for t in waits if t != waiting]
            return r, waiting, busy

        yield until(blocked, "both workers to block")
    finally:
        release.set()
        plain.set_result(0)
        pool.shutdown(wait=True)


@pytest.mark.parametrize("mode", ["ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION"])
def test_wait_for_all_is_stuck_on_any_stuck_future_for_any_on_every_one(
    detector: Any, mode: str
) -> None:
    for r, waiting, busy in _waits_on_two(mode):
        node = r.stuck(waiting)
        assert node is not None and len(node.futures) == 2
        assert node.all_of == (mode == "ALL_COMPLETED")
        if not node.all_of:  # the union: the slow job's worker, and anyone for the other
            assert node.needs == {busy} and node.anyone
        # if the busy worker were stuck for good, needing the waiting one, and one more
        # thread lived, not stuck (it could set the plain future):
        peer = Stuck(busy, "pool_1", None, frozenset({waiting}))
        live = frozenset({waiting, busy, threading.get_ident()})
        members = knot({waiting: node, busy: peer}, live)
        if mode == "ALL_COMPLETED":  # the slow job alone holds it up for good
            assert members == {waiting, busy}
            settled = settle({waiting: node, busy: peer}, members, live)[waiting]
            assert settled.wait is not None and settled.needs == {busy}
            assert not settled.anyone and settled.jobs[0].running == busy
        else:  # the plain future could still be set: not stuck
            assert members == frozenset()
        # with the busy worker not stuck, neither is
        assert knot({waiting: node}, frozenset({waiting, busy})) == frozenset()


def test_as_completed_waits_for_any_and_names_the_for_line(detector: Any) -> None:
    for r, waiting, busy in _waits_on_two("as_completed"):
        node = r.stuck(waiting)
        assert node is not None and node.wait is not None and not node.all_of
        assert node.wait.call == "concurrent.futures.as_completed()"
        assert node.needs == {busy} and node.anyone and len(node.futures) == 2
        assert node.wait.at is not None and "as_completed(" in _source(node.wait.at)


def _source(at: Any) -> str:
    with open(at.file, encoding="utf-8") as f:
        return f.readlines()[at.line - 1]


def test_a_loop_asleep_with_nothing_of_its_own_needs_another_thread() -> None:
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    try:
        until(lambda: asleep(sys._current_frames().get(runner.ident or 0)), "the loop to sleep")
        node = reader([loop]).stuck(runner.ident or 0)
        assert node is not None and node.anyone and node.loop and node.wait is None
        loop.call_soon_threadsafe(loop.call_later, 60, lambda: None)  # a timer of its own

        def awake_with_timer() -> bool:
            frames = sys._current_frames()
            return asleep(frames.get(runner.ident or 0)) and len(loop._scheduled) == 1

        until(awake_with_timer, "the timer")
        assert reader([loop]).stuck(runner.ident or 0) is None
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join(DEADLINE)
        loop.close()


class _Top:
    """Stands for a thread's innermost frame (only its identity and f_lasti are read)."""

    f_lasti = 4


def test_the_watch_looks_after_the_threshold_and_not_again_while_nothing_moves() -> None:
    calls: list[frozenset[int]] = []
    watch = KnotWatch(lambda: 1.0, lambda r, steady: calls.append(steady))
    top = _Top()
    frames: Any = {7: top}
    watch.look(frames, [], 0.0)
    watch.look(frames, [], 0.9)
    assert calls == []
    watch.look(frames, [], 1.0)
    assert calls == [{7}]
    watch.look(frames, [], 2.0)
    assert calls == [{7}]  # nothing moved: no new look
    watch.again()
    watch.look(frames, [], 2.1)
    assert calls == [{7}, {7}]
    watch.look(frames, [], 11.0)
    assert len(calls) == 2
    watch.look(frames, [], 12.2)  # ten thresholds later: looked at again all the same
    assert len(calls) == 3
    watch.look({7: _Top()}, [], 13.0)  # it moved: steady again only after the threshold
    watch.look({7: _Top()}, [], 13.5)
    assert len(calls) == 3


@pytest.mark.skipif(
    "PYTEST_XDIST_WORKER" in os.environ,
    reason="an xdist worker runs threads of its own (execnet's), which never all wait: "
    "with a thread of the process that may act, no verdict is made (the scenarios test "
    "this shape in a process of its own)",
)
def test_a_pool_deadlock_is_found_in_process_and_reported_once() -> None:
    """This thread waits too (so every thread is stuck); a helper of ours, which does not
    count, ends it all once the finding is in, or after the deadline."""
    done = threading.Event()
    with aiodeadlock.detect(on_deadlock="report", watchdog=0.2) as det:
        pool, _ = exhausted_pool()

        def end_it() -> None:
            try:
                until(lambda: det.findings, "a finding")
                time.sleep(0.8)  # several more looks: the same knot is not reported again
            finally:
                pool.shutdown(wait=False, cancel_futures=True)
                done.set()

        helper = threading.Thread(target=end_it, daemon=True)
        det.ignore_wakers(threads=[helper])
        helper.start()
        done.wait()  # (the helper sets it within its deadline)
        helper.join(DEADLINE)
        pool.shutdown(wait=True)
        (finding,) = det.findings
        assert finding.kind is WAIT_CYCLE and finding.definite
        assert "thread pool_0 is blocked" in finding.message


def _lock_job(lock: Any, cancel: bool) -> Any:
    """A task takes `lock` through a pool thread while this thread holds it; cancelled
    (or not) while the pool thread waits; then the lock is handed over."""

    async def take() -> None:
        await asyncio.to_thread(lock.acquire)

    async def main() -> Any:
        lock.acquire()
        job = asyncio.create_task(take(), name="taker")
        await asyncio.sleep(0.1)  # its pool thread waits for the lock
        if cancel:
            job.cancel()
        await asyncio.sleep(0.05)
        lock.release()  # the pool thread takes it now
        await asyncio.gather(job, return_exceptions=True)
        await asyncio.sleep(0.1)
        return executors.orphan(lock)

    try:
        return asyncio.run(main())
    finally:
        if lock.locked():
            lock.release()


def test_a_lock_taken_by_a_job_for_a_cancelled_task_is_taken_for_nobody(detector: Any) -> None:
    found = _lock_job(threading.Lock(), cancel=True)
    assert found is not None and found.task == "taker"
    assert found.at is not None and found.at.function.endswith("take")


def test_a_lock_taken_by_a_job_for_its_task_is_not(detector: Any) -> None:
    assert _lock_job(threading.Lock(), cancel=False) is None


def test_an_internal_error_stops_only_this_watch_and_is_told_once() -> None:
    errors: list[BaseException] = []

    def decide(reader: Any, steady: frozenset[int]) -> None:
        raise TypeError("'Mock' object is not iterable")

    watch = KnotWatch(lambda: 1.0, decide, failed=errors.append)
    frames: Any = {7: _Top()}
    watch.look(frames, [], 0.0)
    watch.look(frames, [], 1.0)  # decides: fails
    watch.look(frames, [], 20.0)  # stopped: no second try, no second report
    assert [type(e) for e in errors] == [TypeError] and watch.broken


def test_a_join_on_a_thread_past_its_own_code_is_not_a_wait() -> None:
    # A thread leaves threading's table of started threads when its Python code is done;
    # its OS thread then ends on its own, and a join on it returns. Taking it out of the
    # table while it still waits stands in for that moment, which is too short to catch.
    release = threading.Event()
    target = threading.Thread(target=release.wait, args=(DEADLINE,), name="ending")
    target.start()
    joiner = threading.Thread(target=target.join, args=(DEADLINE,), name="joiner")
    joiner.start()
    active: dict[int | None, threading.Thread] = threading._active  # type: ignore[attr-defined]
    try:
        wait = until(lambda: reader().wait(joiner.ident), "the join to be read")
        assert wait.call == "Thread.join()"
        with threading._active_limbo_lock:  # type: ignore[attr-defined]
            del active[target.ident]
        try:
            assert target.is_alive()
            assert reader().wait(joiner.ident) is None
        finally:
            with threading._active_limbo_lock:  # type: ignore[attr-defined]
                active[target.ident] = target
    finally:
        release.set()
        joiner.join(DEADLINE)
    assert not joiner.is_alive()
