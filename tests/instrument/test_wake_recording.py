"""What the wake patches record (who set, put, took, released and where), and who the
possible wakers of a parked task are, read from live tasks."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import aiodeadlock
from aiodeadlock.instrument import primitives, taskstate
from aiodeadlock.instrument.livegraph import LiveGraph
from aiodeadlock.instrument.sites import line_of
from aiodeadlock.instrument.wakeedges import wakers_of
from aiodeadlock.instrument.wakerecord import last_waker
from aiodeadlock.model.waitgraph import WakeSet

GLOBAL_EVENT: Any = None


def _line() -> int:
    return sys._getframe(1).f_lineno


def test_set_notify_put_and_get_record_who_and_where() -> None:
    async def main() -> dict[str, Any]:
        me = asyncio.current_task()
        ev, cond, q = asyncio.Event(), asyncio.Condition(), asyncio.Queue()
        ev.set()
        set_line = _line() - 1
        async with cond:
            cond.notify_all()
            notify_line = _line() - 1
        await q.put("unit")
        item = await q.get()
        assert me is not None and me._adl_st.took == id(q)  # took a unit, not given back
        assert me._adl_st.took_at is None  # (not a pool yet: no line kept)
        q.put_nowait(item)  # given back: now a pool
        assert me._adl_st.took is None and q._adl_pool
        await q.get()
        got_line = _line() - 1
        return {
            "ev": last_waker(ev),
            "cond": last_waker(cond),
            "q": last_waker(q),
            "me": me._adl_st,
            "lines": (set_line, notify_line, got_line),
            "took_at": me._adl_st.took_at,
        }

    with aiodeadlock.detect():
        got = asyncio.run(main())
    set_line, notify_line, got_line = got["lines"]
    st, code, lasti = got["ev"]
    assert st is got["me"] and line_of(code, lasti) == set_line
    st, code, lasti = got["cond"]
    assert st is got["me"] and line_of(code, lasti) == notify_line
    assert got["q"][0] is got["me"]
    assert line_of(*got["took_at"]) == got_line


async def _hold_and_wait(lock: asyncio.Lock, ev: asyncio.Event) -> None:
    async with lock:
        await ev.wait()


async def _set_under(lock: asyncio.Lock, ev: asyncio.Event) -> None:
    async with lock:
        ev.set()


async def _set_global(lock: asyncio.Lock) -> None:
    async with lock:
        GLOBAL_EVENT.set()


async def _sets_another(lock: asyncio.Lock, ev: asyncio.Event, other: asyncio.Event) -> None:
    async with lock:
        other.set()  # a set() ahead, on another Event
    print(ev)


async def _only_holds(ev: asyncio.Event) -> None:
    await asyncio.sleep(3600)
    print(ev)


async def _wakers(make: Any) -> WakeSet | None:
    """Start the tasks `make()` returns (a waiter parked on an Event, and others) and read
    the waiter's possible wakers. Only those tasks refer to the Event: `make` returns
    coroutines, not the Event itself, and the running task keeps none."""
    waiter_coro, others = make()
    waiter = asyncio.create_task(waiter_coro, name="waiter")
    await asyncio.sleep(0)
    tasks = [waiter, *(asyncio.create_task(c, name=n) for n, c in others)]
    del waiter_coro, others
    await asyncio.sleep(0.01)
    graph = LiveGraph(current=asyncio.current_task(), loop=asyncio.get_running_loop())
    key = graph.add_task(waiter)
    node = graph.task(key)
    assert node.waits is not None
    wake = wakers_of(graph, node.waits.resource, {key}, [*tasks, asyncio.current_task()])
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    names = {graph.add_task(t): t.get_name() for t in tasks}
    names_of.clear()
    if wake is not None:
        names_of.extend(names[h.task] for h in wake.wakers)
    return wake


names_of: list[str] = []


def _local_event() -> tuple[Any, list[tuple[str, Any]]]:
    ev, lock = asyncio.Event(), asyncio.Lock()
    others = [
        ("setter", _set_under(lock, ev)),
        ("idle", _only_holds(ev)),
        ("other", _sets_another(lock, ev, asyncio.Event())),
    ]
    return _hold_and_wait(lock, ev), others


def _global_event() -> tuple[Any, list[tuple[str, Any]]]:
    global GLOBAL_EVENT
    GLOBAL_EVENT = asyncio.Event()
    lock = asyncio.Lock()
    return _hold_and_wait(lock, GLOBAL_EVENT), [("setter", _set_global(lock))]


def test_a_task_that_has_the_event_and_a_set_ahead_is_its_only_waker() -> None:
    with aiodeadlock.detect():
        wake = asyncio.run(_wakers(_local_event))
    assert wake is not None and wake.exact and wake.method == "set"
    assert names_of == ["setter"]  # not the task that only holds it, nor one that sets another


def test_an_event_reachable_from_a_global_is_a_guess() -> None:
    global GLOBAL_EVENT
    try:
        with aiodeadlock.detect():
            wake = asyncio.run(_wakers(_global_event))
    finally:
        GLOBAL_EVENT = None
    assert wake is not None and not wake.exact
    assert names_of == ["setter"]  # its code reads the global and sets it


def test_a_lock_handed_over_names_its_releaser() -> None:
    async def taker(lock: asyncio.Lock, held: asyncio.Event) -> None:
        async with lock:
            held.set()
            await asyncio.sleep(3600)

    async def main() -> tuple[Any, int, Any]:
        lock, held = asyncio.Lock(), asyncio.Event()
        await lock.acquire()
        task = asyncio.create_task(taker(lock, held))
        await asyncio.sleep(0)
        lock.release()
        line = _line() - 1
        await held.wait()
        released = primitives.handed_over_by(lock)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        after = primitives.handed_over_by(lock)  # free again: nothing to say
        me = asyncio.current_task()
        assert released is not None and me is not None
        mine = taskstate.states[id(me)]  # (no longer on the task: it holds nothing)
        assert released[0] is mine and after is None
        return released, line, mine

    with aiodeadlock.detect():
        released, line, _ = asyncio.run(main())
    assert line_of(released[1], released[2]) == line
