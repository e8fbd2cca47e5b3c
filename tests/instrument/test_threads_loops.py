"""Several threads, each with its own event loop, under one install(); loops made and closed
over and over. No finding where there is no deadlock, no confusion between loops, a real
deadlock reported with exactly its own loop's tasks. Nothing can hang: every join and
every await has a deadline."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest

import aiodeadlock
from aiodeadlock import api
from aiodeadlock.api import Detector
from aiodeadlock.model.findings import Finding

DEADLINE = 20.0  # seconds for any one thread; far more than any of them needs


def _potential() -> list[Finding]:
    """The potential findings of the run so far (finish() adds them to the report)."""
    report = api.finish()
    assert report is not None
    return list(report.potential)


@pytest.fixture
def session() -> Iterator[Detector]:
    """Detection on (raise mode, nothing written), off again after the test."""
    was = api.installed()
    with aiodeadlock.detect(on_deadlock="raise", grace=0.1) as s:
        yield s
    assert api.installed() == was


def in_threads(targets: list[Callable[[], Any]]) -> list[Any]:
    """Run each target in its own thread at once; return their results (or re-raise)."""
    results: list[Any] = [None] * len(targets)
    errors: list[BaseException] = []
    start = threading.Barrier(len(targets))

    def body(i: int) -> None:
        try:
            start.wait(DEADLINE)
            results[i] = targets[i]()
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=body, args=(i,), name=f"loop-{i}", daemon=True)
        for i in range(len(targets))
    ]
    for t in threads:
        t.start()
    end = time.monotonic() + DEADLINE
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    if stuck:
        pytest.fail(f"threads {stuck} did not finish within {DEADLINE}s (a hang)")
    if errors:
        raise errors[0]
    return results


def asyncio_run(main: Callable[[], Coroutine[Any, Any, Any]]) -> Callable[[], Any]:
    return lambda: asyncio.run(asyncio.wait_for(main(), DEADLINE))


# -- a busy, correct workload: every primitive, contended, in one lock order -----------


async def workload(tag: int) -> int:
    """Tasks contending for locks (always a before b), a semaphore, a condition, a queue,
    an event, a barrier on 3.11+. Returns a checksum that only a correct run produces."""
    a, b = asyncio.Lock(), asyncio.Lock()
    sem = asyncio.Semaphore(2)
    cond = asyncio.Condition()
    queue: asyncio.Queue[int] = asyncio.Queue(maxsize=2)
    done = asyncio.Event()
    total = 0
    ready = 0

    async def locker(i: int) -> None:
        nonlocal total
        async with a:
            await asyncio.sleep(0)
            async with b:
                total += i
        async with sem:
            await asyncio.sleep(0)

    async def producer() -> None:
        for i in range(10):
            await queue.put(i)
        await queue.put(-1)

    async def consumer() -> None:
        nonlocal total
        while (item := await queue.get()) >= 0:
            total += item
        done.set()

    async def notifier() -> None:
        nonlocal ready
        await done.wait()
        async with cond:
            ready = 1
            cond.notify_all()

    async def cond_waiter() -> None:
        async with cond:
            await cond.wait_for(lambda: ready == 1)

    tasks = [asyncio.create_task(locker(i), name=f"locker-{tag}-{i}") for i in range(5)]
    tasks += [asyncio.create_task(c()) for c in (producer, consumer, notifier, cond_waiter)]
    tasks += [asyncio.create_task(cond_waiter()) for _ in range(2)]
    if hasattr(asyncio, "Barrier"):
        barrier = asyncio.Barrier(3)

        async def party() -> None:
            await barrier.wait()

        tasks += [asyncio.create_task(party()) for _ in range(3)]
    await asyncio.wait_for(asyncio.gather(*tasks), DEADLINE)
    return total  # 0+1+2+3+4 from the lockers, 0..9 through the queue: 55


def test_same_lock_patterns_in_four_threads_find_nothing(session: Detector) -> None:
    def many() -> list[int]:
        return [asyncio.run(workload(i)) for i in range(25)]

    results = in_threads([many] * 4)
    assert results == [[55] * 25] * 4
    assert _potential() == []
    assert session.findings == []


# -- a real deadlock in one thread's loop ------------------------------------------------


async def deadlock_between_two_tasks() -> list[str]:
    """Two tasks taking two locks in opposite orders; raise mode breaks the cycle."""
    a, b = asyncio.Lock(), asyncio.Lock()
    both_hold = asyncio.Barrier(2) if hasattr(asyncio, "Barrier") else None
    caught: list[str] = []

    async def take(first: asyncio.Lock, second: asyncio.Lock) -> None:
        async with first:
            if both_hold is not None:
                await both_hold.wait()
            else:
                await asyncio.sleep(0.05)
            try:
                async with second:
                    pass
            except aiodeadlock.DeadlockError:
                task = asyncio.current_task()
                assert task is not None
                caught.append(task.get_name())

    await asyncio.wait_for(
        asyncio.gather(
            asyncio.create_task(take(a, b), name="victim-A"),
            asyncio.create_task(take(b, a), name="victim-B"),
        ),
        DEADLINE,
    )
    return caught


def test_deadlock_in_one_loop_is_reported_with_only_its_tasks(session: Detector) -> None:
    def busy() -> list[int]:
        out = []
        end = time.monotonic() + 0.5  # overlap the deadlock in the other thread
        while time.monotonic() < end:
            out.append(asyncio.run(workload(7)))
        return out

    def deadlocked() -> list[str]:
        time.sleep(0.1)
        return asyncio.run(deadlock_between_two_tasks())

    *others, caught = in_threads([busy, busy, busy, deadlocked])
    assert all(o and set(o) == {55} for o in others)
    assert len(caught) == 1 and caught[0] in ("victim-A", "victim-B")
    definite = [f for f in session.findings if f.definite]
    assert [f.kind.code for f in definite] == ["DL102"]
    assert sorted(t.name for t in definite[0].tasks) == ["victim-A", "victim-B"]
    # The lock-order inversion behind it, once; nothing from the busy threads.
    potential = _potential()
    assert [f.kind.code for f in potential] == ["DL104"]
    assert {t.name for t in potential[0].tasks} <= {"victim-A", "victim-B"}


# -- wake-ups from other threads ---------------------------------------------------------


async def woken_from_threads(n_workers: int) -> int:
    """Tasks park on an event and a queue that only worker threads feed, after a pause
    longer than the stall grace (0.1 s), through call_soon_threadsafe."""
    loop = asyncio.get_running_loop()
    event = asyncio.Event()
    queue: asyncio.Queue[int] = asyncio.Queue()
    lock = asyncio.Lock()

    def worker(i: int) -> None:
        time.sleep(0.3)
        loop.call_soon_threadsafe(queue.put_nowait, i)
        if i == 0:
            time.sleep(0.2)
            loop.call_soon_threadsafe(event.set)

    async def holder() -> None:
        async with lock:  # others wait for the lock while its holder waits for a thread
            await event.wait()

    async def lock_waiter() -> None:
        await asyncio.sleep(0.01)
        async with lock:
            pass

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n_workers)]
    tasks = [asyncio.create_task(holder()), asyncio.create_task(lock_waiter())]
    for t in threads:
        t.start()
    got = [await queue.get() for _ in range(n_workers)]
    await asyncio.wait_for(asyncio.gather(*tasks), DEADLINE)
    for t in threads:
        await asyncio.to_thread(t.join, DEADLINE)
    return sum(got)


def test_call_soon_threadsafe_wakeups_are_not_stalls(session: Detector) -> None:
    # No timeout around the program: only the worker threads can wake these loops.
    results = in_threads([lambda: asyncio.run(woken_from_threads(3)) for _ in range(3)])
    assert results == [0 + 1 + 2] * 3
    assert session.findings == []


def test_run_coroutine_threadsafe_between_loops(session: Detector) -> None:
    """A loop thread waits on a future fed by another loop thread (no deadlock)."""
    server_loop = asyncio.new_event_loop()
    serving = threading.Event()
    stop = asyncio.Event()

    def server() -> None:
        async def main() -> None:
            serving.set()
            await stop.wait()

        server_loop.run_until_complete(asyncio.wait_for(main(), DEADLINE))

    async def double(x: int) -> int:
        lock = asyncio.Lock()
        async with lock:
            await asyncio.sleep(0.2)  # longer than the grace: the client loop sits idle
            return 2 * x

    async def client() -> int:
        assert serving.wait(DEADLINE)
        futures = [asyncio.run_coroutine_threadsafe(double(i), server_loop) for i in range(5)]
        results = [await asyncio.wrap_future(f) for f in futures]
        server_loop.call_soon_threadsafe(stop.set)
        return sum(results)

    try:
        _, total = in_threads([server, asyncio_run(client)])
    finally:
        server_loop.close()
    assert total == 2 * (0 + 1 + 2 + 3 + 4)
    assert session.findings == []


# -- loops closed and made again ---------------------------------------------------------


def test_many_asyncio_runs_and_loop_cycles_leave_no_state(session: Detector) -> None:
    """Like a test suite: asyncio.run() and new_event_loop()/close() over and over."""
    for i in range(30):
        assert asyncio.run(workload(i)) == 55
        loop = asyncio.new_event_loop()
        try:
            assert loop.run_until_complete(workload(i)) == 55
        finally:
            loop.close()
    assert _potential() == []
    assert session.findings == []


async def _hold_forever(lock: asyncio.Lock, started: asyncio.Event) -> None:
    async with lock:
        started.set()
        await asyncio.Event().wait()


_ABANDONED: list[asyncio.Task[None]] = []


def _abandon_a_loop_with_a_held_lock() -> asyncio.Lock:
    """A loop closed while one of its tasks holds a lock (never cancelled, never ended)."""
    loop = asyncio.new_event_loop()
    lock = asyncio.Lock()

    async def main() -> None:
        started = asyncio.Event()
        _ABANDONED.append(loop.create_task(_hold_forever(lock, started), name="abandoned"))
        await started.wait()

    loop.run_until_complete(main())
    loop.close()  # the task is left pending, as a careless test would leave it
    return lock


def test_lock_held_by_a_task_of_a_closed_loop_is_not_in_a_later_report(
    session: Detector,
) -> None:
    stale = [_abandon_a_loop_with_a_held_lock() for _ in range(3)]

    async def later() -> str:
        lock = asyncio.Lock()
        async with lock:
            try:
                async with lock:
                    return "no error"
            except aiodeadlock.DeadlockError as exc:
                return exc.report

    for _ in range(3):  # a correct program in a new loop: nothing at all
        assert asyncio.run(workload(0)) == 55
    assert session.findings == []
    report = asyncio.run(later())
    (finding,) = session.findings
    assert finding.kind.code == "DL101"
    assert len(finding.tasks) == 1
    assert "abandoned" not in report
    assert len(finding.resources) == 1
    assert all(lock.locked() for lock in stale)  # still held by their dead loops' tasks


def test_loops_cycled_in_threads_concurrently(session: Detector) -> None:
    def cycle() -> int:
        count = 0
        for i in range(15):
            loop = asyncio.new_event_loop()
            try:
                count += loop.run_until_complete(workload(i)) == 55
            finally:
                loop.close()
            _abandon_a_loop_with_a_held_lock()
        return count

    assert in_threads([cycle] * 4) == [15] * 4
    assert session.findings == []


# -- a stall in one thread's loop --------------------------------------------------------


def test_stall_in_a_worker_threads_loop_is_reported(session: Detector) -> None:
    """The main thread only waits in join() for the loop's thread: it cannot wake it."""
    box: dict[str, Any] = {}
    parked = threading.Event()

    async def main() -> str:
        box["loop"], box["event"] = asyncio.get_running_loop(), asyncio.Event()
        parked.set()
        try:
            await box["event"].wait()
        except aiodeadlock.DeadlockError as exc:
            return exc.findings[0].kind.code
        return "woken by the test"

    thread = threading.Thread(target=lambda: box.update(result=asyncio.run(main())), daemon=True)
    thread.start()
    assert parked.wait(DEADLINE)
    # If the stall is missed, this thread (one of the detector's own, so it does not count
    # as a possible waker) wakes the loop, so that join() below cannot hang.
    rescue = threading.Timer(DEADLINE, lambda: box["loop"].call_soon_threadsafe(box["event"].set))
    rescue._adl_own = True  # type: ignore[attr-defined]
    rescue.daemon = True
    rescue.start()
    thread.join()  # no timeout: a join with one would end, and could then wake the loop
    rescue.cancel()
    assert box["result"] == "DL105"
