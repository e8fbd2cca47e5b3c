"""The public API: install/uninstall, detect(), run(), DeadlockError, ordered()."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import aiodeadlock
from aiodeadlock.model.findings import SELF_DEADLOCK, WAIT_CYCLE

Runner = Any


async def _retake(lock: asyncio.Lock) -> None:
    async with lock, lock:
        pass


def test_run_raises_deadlock_error_in_the_waiting_task(run_bounded: Runner) -> None:
    async def main() -> str:
        lock = asyncio.Lock()
        try:
            await _retake(lock)
        except aiodeadlock.DeadlockError as err:
            assert err.findings[0].kind is SELF_DEADLOCK
            assert "holds itself" in err.report
            return "caught"
        return "not caught"

    with aiodeadlock.detect():
        assert run_bounded(main) == "caught"
    assert not aiodeadlock.api.installed()


def test_run_is_asyncio_run_with_detection(run_bounded: Runner) -> None:
    async def main() -> bool:
        lock = asyncio.Lock()
        try:
            await _retake(lock)
        except aiodeadlock.DeadlockError:
            return True
        return False

    box: dict[str, bool] = {}

    def in_thread() -> None:
        box["ok"] = aiodeadlock.run(main())

    import threading

    thread = threading.Thread(target=in_thread, daemon=True)
    thread.start()
    thread.join(10)
    assert box == {"ok": True}


def test_detect_collects_findings_and_uninstalls(run_bounded: Runner) -> None:
    async def ab(a: asyncio.Lock, b: asyncio.Lock, ready: asyncio.Event) -> None:
        async with a:
            ready.set()
            await asyncio.sleep(0.01)
            async with b:
                pass

    async def main() -> None:
        a, b = asyncio.Lock(), asyncio.Lock()
        r1, r2 = asyncio.Event(), asyncio.Event()
        results = await asyncio.gather(ab(a, b, r1), ab(b, a, r2), return_exceptions=True)
        assert any(isinstance(r, aiodeadlock.DeadlockError) for r in results)

    original = asyncio.Lock.__dict__.copy()
    with aiodeadlock.detect() as session:
        run_bounded(main)
    assert [f.kind for f in session.findings if f.definite] == [WAIT_CYCLE]
    assert dict(asyncio.Lock.__dict__) == original


def test_install_is_idempotent_and_uninstall_restores_exactly() -> None:
    classes = [asyncio.Lock, asyncio.Semaphore, asyncio.Event, asyncio.Condition, asyncio.Queue]
    before = [dict(c.__dict__) for c in classes]
    run_once = asyncio.base_events.BaseEventLoop.__dict__["_run_once"]
    aiodeadlock.install()
    patched = asyncio.Lock.__dict__["acquire"]
    aiodeadlock.install()
    assert asyncio.Lock.__dict__["acquire"] is patched
    aiodeadlock.uninstall()
    assert [dict(c.__dict__) for c in classes] == before
    assert asyncio.base_events.BaseEventLoop.__dict__["_run_once"] is run_once


def test_locks_created_before_install_are_tracked(run_bounded: Runner) -> None:
    lock = asyncio.Lock()

    async def main() -> None:
        with pytest.raises(aiodeadlock.DeadlockError):
            await _retake(lock)

    with aiodeadlock.detect():
        run_bounded(main)


def test_a_wait_that_a_timeout_will_end_is_not_a_deadlock(run_bounded: Runner) -> None:
    async def main() -> str:
        lock = asyncio.Lock()
        async with lock:
            try:
                await asyncio.wait_for(lock.acquire(), 0.05)
            except asyncio.TimeoutError:
                return "timed out"
        return "acquired"

    with aiodeadlock.detect() as session:
        assert run_bounded(main) == "timed out"
    assert session.findings == []


def test_ordered_takes_locks_in_one_order_and_records_no_inversion() -> None:
    async def worker(a: asyncio.Lock, b: asyncio.Lock, log: list[int]) -> None:
        for _ in range(5):
            async with aiodeadlock.ordered(a, b):
                assert a.locked() and b.locked()
                log.append(1)
                await asyncio.sleep(0)

    async def main() -> int:
        a, b = asyncio.Lock(), asyncio.Lock()
        log: list[int] = []
        await asyncio.wait_for(asyncio.gather(worker(a, b, log), worker(b, a, log)), 5)
        assert not a.locked() and not b.locked()
        return len(log)

    with aiodeadlock.detect() as session:
        assert asyncio.run(main()) == 10
    assert session.findings == []


def test_ordered_releases_what_it_took_when_cancelled() -> None:
    async def main() -> None:
        a, b = asyncio.Lock(), asyncio.Lock()
        first, second = sorted([a, b], key=id)
        await second.acquire()
        task = asyncio.create_task(aiodeadlock.ordered(a, b).__aenter__())
        await asyncio.sleep(0.01)
        assert first.locked()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
        assert not first.locked()
        second.release()

    asyncio.run(main())
