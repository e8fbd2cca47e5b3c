"""What the detector may read of one asyncio event loop, and the few things it may do to it."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from aiodeadlock.instrument import loophook, taskstate, waits
from aiodeadlock.instrument.introspect import tasks_referencing
from aiodeadlock.instrument.livegraph import LiveGraph
from aiodeadlock.instrument.primitives import bound_elsewhere
from aiodeadlock.instrument.probe import SLOT
from aiodeadlock.instrument.sites import describe_callable, qualname
from aiodeadlock.instrument.threadrefs import threads_referencing
from aiodeadlock.instrument.wakeedges import wakers_of
from aiodeadlock.instrument.wakeup import raise_in
from aiodeadlock.model.location import Location
from aiodeadlock.model.waitgraph import WakeSet


class LoopView:
    """The facts of `loop` (a BaseEventLoop) as `detectors.scan` asks for them.

    Tasks are handed out as opaque objects: the detectors only pass them back.
    """

    def __init__(self, loop: Any, ignored_handlers: Any = ()) -> None:
        self.loop = loop
        self.ignored_handlers = ignored_handlers

    def now(self) -> float:
        return time.monotonic()

    def ticks(self) -> int:
        return SLOT.ticks

    # which tasks to look at ------------------------------------------------------------

    def unfinished(self) -> list[Any]:
        return loophook.unfinished_tasks(self.loop)

    def parked(self) -> list[Any] | None:
        """The tasks that parked since the last call, or None if every task must be read."""
        return loophook.parked_since_last_call(self.loop)

    def recording_parked(self) -> bool:
        # (a loop not derived from BaseEventLoop, such as uvloop's, never records them)
        return getattr(self.loop, "_adl_parked", None) is not None

    def record_parked(self, tasks: int) -> None:
        """Record parking tasks from now on if there are many (`tasks`), stop if few."""
        loophook.track_parked(self.loop, tasks)

    def task_count(self) -> int:
        return loophook.task_count_hint(self.loop)

    def on_this_loop(self, task: Any) -> bool:
        return task.get_loop() is self.loop

    def done(self, task: Any) -> bool:
        return bool(task.done())

    def may_wait_for_tasks(self, task: Any) -> bool:
        """Cheap pre-check: could `task` wait on something only tasks can end?"""
        st = taskstate.states.get(id(task))
        return (st is not None and st.waiting is not None) or waits.may_be_exclusive(task)

    # the wait-for graph ----------------------------------------------------------------

    def graph(self, current: Any = None, *, wakers: bool = True, stacks: bool = True) -> LiveGraph:
        """The loop's wait-for graph, read lazily. Without `wakers`, pending callbacks are
        not looked at (a first, cheap pass); without `stacks`, await stacks are left out."""
        return LiveGraph(current=current, loop=self.loop, stacks=stacks, wakers=wakers)

    def wakers(self, graph: Any, rkey: str, waiters: set[str]) -> WakeSet | None:
        """Who could set or fill resource `rkey` (see wakeedges.py)."""
        try:
            return wakers_of(graph, rkey, waiters, self.unfinished())
        except Exception:  # never let this break a report: no wake edges then
            return None

    def holders_may_run(self, prim: Any) -> bool:
        return waits.holders_may_run(prim)

    def bound_elsewhere(self, prim: Any) -> bool:
        """asyncio itself will refuse this wait (primitive bound to another loop)."""
        return bound_elsewhere(prim, self.loop)

    def why_not_stalled(self) -> str | None:
        return loophook.why_not_stalled(self.loop, handlers=self.ignored_handlers)

    def why_asleep_forever(self) -> str | None:
        """For a loop asleep in its selector with callbacks ready (asked from another
        thread): what could still wake it, or None if nothing can."""
        tid = self.loop._thread_id
        thread = next((t for t in threading.enumerate() if t.ident == tid), None)
        return loophook.why_asleep_forever(self.loop, thread)

    def ready_callbacks(self) -> tuple[list[str], list[Any]]:
        """The callbacks in the ready queue, described, and the tasks they would resume."""
        described: list[str] = []
        tasks: list[Any] = []
        for handle in list(self.loop._ready):
            callback = getattr(handle, "_callback", None)
            owner = getattr(callback, "__self__", None)
            if isinstance(owner, asyncio.Task):
                if owner not in tasks:
                    tasks.append(owner)
                described.append(f"resume task {owner.get_name()!r}")
            elif isinstance(owner, asyncio.Future):
                # fut.set_result(...) scheduled: the tasks awaiting the future wait on
                awaiting = _tasks_awaiting(owner)
                tasks.extend(t for t in awaiting if t not in tasks)
                names = ", ".join(repr(t.get_name()) for t in awaiting) or "no task"
                name = getattr(callback, "__name__", "callback")
                described.append(f"Future.{name}() of a future awaited by {names}")
            else:
                described.append(describe_callable(callback))
        return described, tasks

    def signal_handler_sites(self) -> list[tuple[str, Location]]:
        """The program's `signal.signal` handlers: signal name, where each is defined."""
        sites = []
        for sig in loophook.python_signal_handlers(self.ignored_handlers):
            handler = signal.getsignal(sig)
            code = getattr(handler, "__code__", None) or getattr(
                getattr(handler, "__func__", None), "__code__", None
            )
            if code is not None:
                where = Location(code.co_filename, code.co_firstlineno, qualname(code))
                sites.append((signal.Signals(sig).name, where))
        return sites

    def only_threads(self, reason: str) -> bool:
        return loophook.only_threads(reason)

    # who else could release a lock ---------------------------------------------------

    def threads_holding(self, prims: list[Any]) -> bool:
        """Another thread has one of `prims` in a local variable."""
        return bool(threads_referencing(prims))

    def tasks_holding(self, prims: list[Any], skip: Any) -> list[Any]:
        """Unfinished tasks (but `skip`) with one of `prims` in a local variable."""
        return tasks_referencing(prims, self.loop, skip=skip)

    def mark_shared(self, prims: list[Any]) -> None:
        """These primitives are released by others: their holders no longer count."""
        for prim in prims:
            prim._adl_shared = True

    # acting --------------------------------------------------------------------------

    def raise_in(self, victims: list[Any], err: BaseException, contained: bool) -> bool:
        return raise_in(victims, err, contained)

    def call_later(self, name: str, delay: float, callback: Callable[[Any], None]) -> None:
        loophook.call_once_later(self.loop, name, delay, callback)


def _tasks_awaiting(future: Any) -> list[Any]:
    """The tasks whose wake-up is among `future`'s done callbacks."""
    found = []
    for entry in list(getattr(future, "_callbacks", None) or ()):
        callback = entry[0] if isinstance(entry, tuple) else entry
        owner = getattr(callback, "__self__", None)
        if isinstance(owner, asyncio.Task):
            found.append(owner)
    return found


def running_loop() -> Any:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
