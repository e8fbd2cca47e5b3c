"""threading.Lock/RLock made while the watchdog runs: owners recorded, behaviour unchanged."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterator

import pytest

from aiodeadlock.instrument import watchdog
from aiodeadlock.instrument.patching import Patcher
from aiodeadlock.instrument.threadlocks import TrackedLock, TrackedRLock


@pytest.fixture
def patched() -> Iterator[None]:
    patcher = Patcher(watchdog.PATCHES)
    patcher.apply()
    try:
        yield
    finally:
        patcher.restore()


def test_user_locks_are_tracked_library_locks_are_not(patched: None) -> None:
    assert isinstance(threading.Lock(), TrackedLock)
    assert isinstance(threading.RLock(), TrackedRLock)
    assert not isinstance(threading.Condition()._lock, TrackedLock)  # type: ignore[attr-defined]
    assert not isinstance(queue.Queue().mutex, TrackedLock)
    assert not isinstance(threading.Event()._cond._lock, TrackedLock)  # type: ignore[attr-defined]


def test_lock_records_owner_thread_task_and_site() -> None:
    lock = TrackedLock()
    assert lock.holder() == (None, None)
    with lock:
        assert lock.locked()
        assert lock.holder() == (threading.get_ident(), None)
        assert lock._code is test_lock_records_owner_thread_task_and_site.__code__
    assert not lock.locked() and lock.holder() == (None, None)
    assert lock.acquire(timeout=0.01)
    assert not lock.acquire(blocking=False)
    lock.release()
    with pytest.raises(RuntimeError):
        lock.release()

    async def in_task() -> object:
        with lock:
            return lock.holder()[1]

    async def main() -> None:
        task = asyncio.create_task(in_task())
        assert await task is task

    asyncio.run(main())


def test_release_by_another_thread_makes_ownership_unknown() -> None:
    lock = TrackedLock()
    lock.acquire()
    t = threading.Thread(target=lock.release)
    t.start()
    t.join()
    assert not lock.locked()
    lock.acquire()
    assert lock.holder() == (None, None)  # used as a signal: owners mean nothing
    lock.release()


def test_rlock_reentrancy_and_condition() -> None:
    rlock = TrackedRLock()
    with rlock, rlock:
        assert rlock.holder()[0] == threading.get_ident()
        assert rlock._is_owned()
    assert rlock.holder() == (None, None) and not rlock._is_owned()
    with pytest.raises(RuntimeError):
        rlock.release()

    cond = threading.Condition(rlock)
    box: list[int] = []

    def producer() -> None:
        with cond:
            box.append(1)
            cond.notify()

    with cond, cond:  # held twice: wait() gives up both levels, then takes them back
        t = threading.Thread(target=producer)
        t.start()
        assert cond.wait_for(lambda: box, timeout=5)
        assert rlock.holder()[0] == threading.get_ident() and rlock._count == 2
    t.join()
    assert rlock.holder() == (None, None)


def test_other_threads_cannot_release_an_rlock() -> None:
    rlock = TrackedRLock()
    rlock.acquire()
    errors: list[BaseException] = []

    def other() -> None:
        try:
            rlock.release()
        except RuntimeError as exc:
            errors.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert len(errors) == 1 and rlock.holder()[0] == threading.get_ident()
    rlock.release()
