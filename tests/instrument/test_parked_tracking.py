"""Loops with many tasks record which tasks parked, and idle moments read only those."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

import aiodeadlock
from aiodeadlock.detectors.scan import Scanner
from aiodeadlock.instrument import loophook

# Above loophook.TRACK_ABOVE, so the loop records parked tasks; small enough to be quick.
MANY = 2500


async def _wait(ev: asyncio.Event) -> None:
    await ev.wait()


async def _settle() -> None:
    """Let the loop pause a few times, so that it has noticed how many tasks it has
    (checked every loophook.COUNT_PERIOD) and read every task that parked so far."""
    for _ in range(4):
        await asyncio.sleep(loophook.COUNT_PERIOD)


def _await_cycle() -> tuple[asyncio.Task[None], asyncio.Task[None]]:
    """Two new tasks that await each other (the second through shield(), whose outer
    future can carry the DeadlockError)."""
    pair: list[asyncio.Task[None]] = []

    async def first() -> None:
        await pair[1]

    async def second() -> None:
        await asyncio.shield(pair[0])

    pair += [asyncio.create_task(first()), asyncio.create_task(second())]
    return pair[0], pair[1]


def _count_full_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the reads of every task of a loop (full scans) from now on."""
    calls: list[int] = []
    original = loophook.unfinished_tasks

    def counting(loop: Any) -> list[Any]:
        calls.append(1)
        return original(loop)

    monkeypatch.setattr(loophook, "unfinished_tasks", counting)
    return calls


def test_an_await_cycle_among_many_blocked_tasks_is_found_without_a_full_scan(
    run_bounded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    full_reads: list[int] = []

    async def main() -> str:
        ev = asyncio.Event()
        others = [asyncio.create_task(_wait(ev)) for _ in range(MANY)]
        await _settle()
        assert asyncio.get_running_loop()._adl_parked is not None  # type: ignore[attr-defined]
        reads = _count_full_reads(monkeypatch)

        first_task, second_task = _await_cycle()
        try:
            await second_task
            outcome = "not reported"
        except aiodeadlock.DeadlockError as exc:
            outcome = exc.findings[0].kind.code
        full_reads.extend(reads)
        ev.set()
        first_task.cancel()
        await asyncio.gather(*others, first_task, return_exceptions=True)
        return outcome

    with aiodeadlock.detect(on_deadlock="raise") as session:
        outcome = run_bounded(main, timeout=60)
    assert outcome == "DL102"
    assert [f.kind.code for f in session.findings] == ["DL102"]
    assert full_reads == []  # found from the tasks that had just parked


def test_many_tasks_that_complete_are_never_reported(run_bounded: Any) -> None:
    async def worker(i: int, lock: asyncio.Lock, q: asyncio.Queue[int], ev: asyncio.Event) -> int:
        await ev.wait()
        async with lock:
            await asyncio.sleep(0)
        child = asyncio.create_task(asyncio.sleep(0.001, result=i))
        await q.put(await child)
        return i

    async def main() -> int:
        ev = asyncio.Event()
        locks = [asyncio.Lock() for _ in range(10)]
        q: asyncio.Queue[int] = asyncio.Queue()
        tasks = [asyncio.create_task(worker(i, locks[i % 10], q, ev)) for i in range(MANY)]
        await _settle()
        ev.set()
        done = await asyncio.gather(*tasks)
        return sum(done) + q.qsize()

    with aiodeadlock.detect(on_deadlock="raise") as session:
        total = run_bounded(main, timeout=60)
    assert total == sum(range(MANY)) + MANY
    assert session.findings == []


def test_a_cycle_closed_by_an_unrecorded_step_is_still_found_before_a_stall(
    run_bounded: Any,
) -> None:
    """A task made to step outside the ready queue is not recorded; the full read done
    before a stall is reported finds the cycle (with its kind, not as a stall)."""

    async def main() -> str:
        ev = asyncio.Event()
        others = [asyncio.create_task(_wait(ev)) for _ in range(MANY)]
        await _settle()
        loop = asyncio.get_running_loop()

        first_task, second_task = _await_cycle()
        await asyncio.sleep(0)
        loop._adl_parked.clear()  # type: ignore[attr-defined]  # as if their steps went unseen
        try:
            await second_task
            return "not reported"
        except aiodeadlock.DeadlockError as exc:
            return exc.findings[0].kind.code
        finally:
            ev.set()
            first_task.cancel()
            await asyncio.gather(*others, first_task, return_exceptions=True)

    with aiodeadlock.detect(on_deadlock="raise", grace=0.1):
        assert run_bounded(main, timeout=60) == "DL102"


def test_uninstall_drops_the_record_of_parked_tasks(run_bounded: Any) -> None:
    loops: list[Any] = []

    async def main() -> None:
        ev = asyncio.Event()
        others = [asyncio.create_task(_wait(ev)) for _ in range(MANY)]
        await _settle()
        loops.append(asyncio.get_running_loop())
        assert loops[0]._adl_parked is not None
        aiodeadlock.uninstall()
        ev.set()
        await asyncio.gather(*others)

    aiodeadlock.install(on_deadlock="raise")
    try:
        run_bounded(main, timeout=60)
    finally:
        aiodeadlock.uninstall()
    assert "_adl_parked" not in vars(loops[0])
    assert not hasattr(loops[0], "_adl_parked")


def test_a_cycle_seen_first_by_the_stall_check_is_reported_as_a_cycle(
    run_bounded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop went idle while another thread was still working (no stall yet, and no
    periodic scan due); once that thread is done, the stall check must name the cycle."""
    monkeypatch.setattr(Scanner, "_scan_soon", lambda self, facts: None)
    monkeypatch.setattr(Scanner, "_scan", lambda self, facts: None)
    runner_threads = [t for t in threading.enumerate() if not hasattr(t, "_adl_own")]
    for thread in runner_threads:  # the test runner's threads cannot wake this loop
        thread._adl_own = True  # type: ignore[attr-defined]

    async def main() -> str:
        threading.Thread(target=time.sleep, args=(0.3,)).start()

        first_task, second_task = _await_cycle()
        try:
            await second_task
            return "not reported"
        except aiodeadlock.DeadlockError as exc:
            return exc.findings[0].kind.code
        finally:
            first_task.cancel()
            await asyncio.gather(first_task, return_exceptions=True)

    try:
        with aiodeadlock.detect(on_deadlock="raise", grace=0.1):
            assert run_bounded(main, timeout=30) == "DL102"
    finally:
        for thread in runner_threads:
            del thread._adl_own  # type: ignore[attr-defined]
