"""The lean hot paths of the Lock and Semaphore patches record the same facts as before, for
primitives made before install() too, and change nothing a program can see."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import sys
from typing import Any

import pytest

import aiodeadlock
from aiodeadlock.instrument import capabilities, primitives, taskstate
from aiodeadlock.instrument.sites import line_of

#: Attributes the hot paths read or write: a class-level default of any of them would stop
#: CPython 3.12/3.13 from specialising those loads and stores.
HOT = {
    asyncio.Lock: ("_adl_owner", "_adl_code", "_adl_lasti", "_adl_loop", "_adl_class"),
    asyncio.Semaphore: ("_adl_holders", "_adl_loop", "_adl_class"),
}


def _line() -> int:
    return sys._getframe(1).f_lineno


def _held_line(lock: Any) -> int:
    return line_of(lock._adl_code, lock._adl_lasti)


def test_no_class_level_defaults_for_hot_attributes() -> None:
    with aiodeadlock.detect():
        for cls, names in HOT.items():
            for name in names:
                assert name not in cls.__dict__, f"{cls.__name__}.{name}"
        fresh = asyncio.Lock()
        for name in HOT[asyncio.Lock]:
            assert name in vars(fresh)
        sem = asyncio.Semaphore(2)
        for name in HOT[asyncio.Semaphore]:
            assert name in vars(sem)


def test_async_with_records_owner_site_and_held_chain() -> None:
    async def main() -> None:
        lock, sem = asyncio.Lock(), asyncio.Semaphore(2)
        task = asyncio.current_task()
        async with sem:
            async with lock:
                line = _line() - 1
                st = taskstate.states[id(task)]
                assert lock._adl_owner is st
                assert st.held == [sem, lock]
                assert lock._adl_code is sys._getframe().f_code
                assert lock._adl_lasti >= 0  # taken by a block
                assert _held_line(lock) == line
                assert primitives.held_in_block(lock)
                count, code, lasti = sem._adl_holders[st]
                assert count == 1 and line_of(code, lasti) == line - 1
            assert lock._adl_owner is None and st.held == [sem]
        assert st.held == [] and not sem._adl_holders
        assert getattr(task, "_adl_st", st) is st  # the record is kept on the task

    with aiodeadlock.detect():
        asyncio.run(main())


def test_acquire_release_out_of_order_keeps_the_held_chain() -> None:
    async def main() -> None:
        a, b, c = asyncio.Lock(), asyncio.Lock(), asyncio.Lock()
        await a.acquire()
        async with b:
            await c.acquire()
            st = taskstate.states[id(asyncio.current_task())]
            assert st.held == [a, b, c]
            assert a._adl_lasti < 0 and not primitives.held_in_block(a)
            a.release()
            assert st.held == [b, c]
        assert st.held == [c]
        c.release()
        assert st.held == []
        assert not a._adl_shared and not c._adl_shared

    with aiodeadlock.detect():
        asyncio.run(main())


def test_primitives_made_before_install(capsys: pytest.CaptureFixture[str]) -> None:
    lock, sem = asyncio.Lock(), asyncio.Semaphore(1)
    held_across = asyncio.Lock()
    box: dict[str, Any] = {}

    async def main() -> None:
        await held_across.acquire()
        with aiodeadlock.detect():
            for prim in (lock, sem, held_across):
                assert not any(name.startswith("_adl_") for name in vars(prim))
            async with held_across:  # it is taken: this waits for the release below
                pass
            box["done"] = True

    async def releaser() -> None:
        await asyncio.sleep(0.01)
        held_across.release()  # taken before install(): no owner known

    async def both() -> None:
        async def use() -> None:
            async with lock, sem:
                box["owner"] = lock._adl_owner
            await lock.acquire()
            lock.release()
            await sem.acquire()
            sem.release()

        await asyncio.gather(main(), releaser(), use())

    asyncio.run(both())
    assert box["done"]
    assert box["owner"] is not None
    assert "internal error" not in capsys.readouterr().err


def test_lock_entered_before_install_and_left_after(capsys: pytest.CaptureFixture[str]) -> None:
    box: dict[str, Any] = {}

    async def main() -> None:
        lock, sem = asyncio.Lock(), asyncio.Semaphore(1)
        async with lock, sem:
            box["detector"] = aiodeadlock.install(on_deadlock="raise", output=None)
        assert not lock.locked() and sem._value == 1
        async with lock, sem:
            assert lock._adl_owner is not None

    try:
        asyncio.run(main())
        assert box["detector"].active and not box["detector"].findings
    finally:
        aiodeadlock.uninstall()
    assert "internal error" not in capsys.readouterr().err


def test_aenter_result_is_an_awaitable_and_a_coroutine() -> None:
    """`__aenter__` of a free lock takes it at once and returns a finished awaitable, which
    anything that accepts a coroutine accepts too."""

    async def main() -> None:
        lock = asyncio.Lock()
        assert await lock.__aenter__() is None
        assert lock.locked()
        assert await lock.__aexit__(None, None, None) is None
        assert not lock.locked()
        assert await asyncio.create_task(lock.__aenter__()) is None  # type: ignore[arg-type]
        assert lock.locked()
        await asyncio.ensure_future(lock.__aexit__(None, None, None))
        assert not lock.locked()
        sem = asyncio.BoundedSemaphore(1)
        await sem.__aenter__()
        await sem.__aexit__(None, None, None)
        with pytest.raises(ValueError):
            await sem.__aexit__(None, None, None)  # BoundedSemaphore still checks
        with pytest.raises(RuntimeError):
            await lock.__aexit__(None, None, None)  # not taken: asyncio's own error

    with aiodeadlock.detect():
        asyncio.run(main())


def test_aenter_and_aexit_still_look_like_coroutine_functions() -> None:
    with aiodeadlock.detect():
        for cls in (asyncio.Lock, asyncio.Semaphore, asyncio.BoundedSemaphore):
            for name in ("__aenter__", "__aexit__"):
                method = getattr(cls, name)
                if sys.version_info >= (3, 12):
                    assert inspect.iscoroutinefunction(method), (cls, name)
                if sys.version_info < (3, 14):  # deprecated from 3.14 on
                    assert asyncio.iscoroutinefunction(method), (cls, name)


def test_contended_async_with_still_waits_in_order() -> None:
    async def main() -> list[int]:
        lock = asyncio.Lock()
        order: list[int] = []

        async def worker(i: int) -> None:
            async with lock:
                order.append(i)
                await asyncio.sleep(0)

        await asyncio.gather(*(worker(i) for i in range(5)))
        return order

    with aiodeadlock.detect():
        assert asyncio.run(main()) == [0, 1, 2, 3, 4]


def test_exit_stack_site_is_the_users_line() -> None:
    async def main() -> None:
        lock = asyncio.Lock()
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(lock)
            line = _line() - 1
            assert _held_line(lock) == line
            assert lock._adl_code is sys._getframe().f_code

    with aiodeadlock.detect():
        asyncio.run(main())


def test_lock_subclass_with_setattr_and_slots_free_layout() -> None:
    seen: list[str] = []

    class Watched(asyncio.Lock):
        def __setattr__(self, name: str, value: Any) -> None:
            seen.append(name)
            super().__setattr__(name, value)

    async def main() -> None:
        lock = Watched()
        async with lock:
            assert lock.locked()
        assert not lock.locked()

    with aiodeadlock.detect():
        asyncio.run(main())
    assert "_locked" in seen and "_adl_owner" in seen


def test_current_task_lookup_per_version() -> None:
    lookup = capabilities.task_by_loop_lookup()

    async def main() -> None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        assert lookup(loop) is task
        if capabilities.CACHE_TASK_LOOP:
            assert lookup(None) is None  # keyed by loop: the caller finds the loop
        else:
            assert lookup(None) is task

    asyncio.run(main())
    # 3.14 moved the current task to the thread state: asyncio.tasks._current_tasks is no
    # longer kept, so that table must not be what the hot paths read there.
    if sys.version_info >= (3, 14):
        assert not capabilities.CACHE_TASK_LOOP
    if sys.version_info < (3, 12):
        assert capabilities.CACHE_TASK_LOOP


def test_outside_any_task() -> None:
    """A coroutine driven by hand (no task, no loop) takes and releases as asyncio does."""

    async def body(lock: asyncio.Lock, sem: asyncio.Semaphore) -> None:
        async with lock, sem:
            assert lock.locked() and lock._adl_owner is None

    with aiodeadlock.detect():
        lock, sem = asyncio.Lock(), asyncio.Semaphore(1)
        coro = body(lock, sem)
        with pytest.raises(StopIteration):
            coro.send(None)
        assert not lock.locked() and sem._value == 1


def _watches_end(task: Any) -> bool:
    """Whether the detector's done callback is registered on `task`."""
    return any(cb is taskstate._on_task_done for cb, _ in (task._callbacks or ()))


@pytest.mark.parametrize("how", ["acquire", "semaphore", "bounded semaphore"])
def test_a_task_that_holds_nothing_again_schedules_nothing_at_its_end(how: str) -> None:
    """A task that takes one primitive and lets it go has no done callback of ours left
    (its end would cost a handle and a turn of the loop); taking one again registers it
    again, for good, so that a task ending with a lock held is still reported (scenario
    orphaned_lock_after_holding_nothing)."""

    async def take(prim: Any) -> None:
        if how == "acquire":
            await prim.acquire()
            prim.release()
        else:
            async with prim:
                pass

    async def main() -> None:
        prims = {"semaphore": asyncio.Semaphore, "bounded semaphore": asyncio.BoundedSemaphore}
        prim = prims[how](2) if how in prims else asyncio.Lock()
        task = asyncio.current_task()
        await take(prim)
        st = taskstate.states[id(task)]
        assert not _watches_end(task) and st.end_off
        await take(prim)
        assert _watches_end(task) and not st.end_off and not st.end_once
        await take(prim)
        assert _watches_end(task)  # kept: not taken back a second time
        assert [cb for cb, _ in task._callbacks].count(taskstate._on_task_done) == 1

    with aiodeadlock.detect():
        asyncio.run(main())


def test_a_task_that_took_a_unit_of_a_queue_keeps_its_end_watched() -> None:
    async def main() -> None:
        sem, q = asyncio.Semaphore(), asyncio.Queue[int]()
        q.put_nowait(1)
        task = asyncio.current_task()
        async with sem:
            q.get_nowait()  # not given back: a queue used as a pool needs the task's end
        assert _watches_end(task)

    with aiodeadlock.detect():
        asyncio.run(main())


def test_the_end_of_an_async_with_lock_block_leaves_the_done_callback() -> None:
    """The exit of `async with lock` (the hottest path) does not take the callback back."""

    async def main() -> None:
        lock = asyncio.Lock()
        task = asyncio.current_task()
        async with lock:
            pass
        assert _watches_end(task)

    with aiodeadlock.detect():
        asyncio.run(main())
