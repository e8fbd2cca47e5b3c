"""A hook in the event loop's iteration: it tells the probe when the loop is about to sleep
with nothing to do, and now and then while it is busy; it records which tasks parked.

It wraps `BaseEventLoop._run_once`; the added cost per iteration is a few attribute
reads. Loops that do not derive from BaseEventLoop (uvloop) are not hooked.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import signal
import sys
import threading
import time
import weakref
from asyncio import base_events
from collections.abc import Callable
from typing import Any

from aiodeadlock.instrument import anyio_primitives, capabilities
from aiodeadlock.instrument.introspect import idle_pool_worker, joins_forever
from aiodeadlock.instrument.probe import SLOT
from aiodeadlock.instrument.sockpairs import only_internal

_BaseLoop: Any = base_events.BaseEventLoop
_run_once = _BaseLoop._run_once

_monotonic = time.monotonic
#: The longest a loop sleeps in one select() call (asyncio's own limit).
_MAX_TIMEOUT: float = getattr(base_events, "MAXIMUM_SELECT_TIMEOUT", 24 * 3600)


def run_once(self: Any) -> None:
    slot = SLOT
    slot.ticks = ticks = slot.ticks + 1
    ready = self._ready
    if not ready:
        if slot.watching:
            _pausing(slot, self)
        _run_once(self)
        return
    # Busy (the usual case, kept short): callbacks to run, a clock read now and then.
    if not ticks & CLOCK_EVERY and slot.watching and _monotonic() >= slot.due:
        _tell_between(slot, self, False)
    parked = self._adl_parked
    if parked is None:
        _run_once(self)
        return
    stepping: list[Any] = [
        t for h in ready if isinstance(t := getattr(h._callback, "__self__", None), _TASKS)
    ]
    _run_once(self)
    for task in stepping:
        if task._fut_waiter is None:  # finished, or ready to run again
            parked.pop(id(task), None)
        else:
            parked[id(task)] = task


def _pausing(slot: Any, loop: Any) -> None:
    """`loop` has nothing ready: it is about to sleep, for good or until a timer or I/O."""
    if not loop._stopping and not _live_timers(loop._scheduled):
        _tell_idle(slot, loop)
    elif loop._adl_parked or _monotonic() >= slot.due:
        _tell_between(slot, loop, True)  # about to wait for a timer or I/O
    if loop._scheduled and not loop._stopping and _own_timer_first(loop):
        _sleep_through_own_timers(loop)  # our timer must not wake the program


#: A loop that keeps running callbacks reads the clock every CLOCK_EVERY + 1 iterations
#: (a power of two, minus one); one about to wait for a timer or I/O reads it every time.
CLOCK_EVERY = 63


def _live_timers(scheduled: list[Any]) -> bool:
    """True if a timer that is not cancelled is scheduled (cancelled ones stay in the heap
    until the loop drops them: a loop with only those sleeps with no timeout)."""
    return bool(scheduled) and (
        not scheduled[0]._cancelled or not all(h._cancelled for h in scheduled)
    )


def _tell_idle(slot: Any, loop: Any) -> None:
    try:
        slot.probe.idle(loop)
    except Exception as exc:  # never let the detector break the loop
        slot.fail(exc)


def _tell_between(slot: Any, loop: Any, pausing: bool) -> None:
    try:
        slot.probe.between(loop, pausing)
    except Exception as exc:  # never let the detector break the loop
        slot.fail(exc)


# -- which tasks parked: recorded only on loops with many tasks --------------------------
#
# A new deadlock is closed by a task that has just run a step and parked. With thousands
# of tasks, reading every one of them at each idle moment is what costs; so such a loop
# records the tasks that step (read off its ready queue) and park, and an idle moment
# then only looks at those. Full scans still run now and then, their cost bounded (see
# busy_scan), and before a stall is reported. The record holds tasks that wait (alive
# anyway, each once) until the next scan reads and drops it.

#: Loops with at least this many tasks record them (below it a full scan is cheap).
TRACK_ABOVE = 2000
_TASKS = (asyncio.Task, asyncio.tasks._PyTask)  # type: ignore[attr-defined]
_count = capabilities.make_task_counter()
#: The last count of tasks (rate-limited where counting visits every task), and when.
_counted = (-1.0, 0)
#: Loops recording parked tasks (so that uninstall() can drop what they hold).
_tracking: weakref.WeakSet[Any] = weakref.WeakSet()


def task_count_hint(loop: Any) -> int:
    """About how many tasks exist (read at most every COUNT_PERIOD seconds where
    counting them visits every one)."""
    global _counted
    if not capabilities.TASKS_IN_THREAD_LISTS:
        return _count(loop)
    now = _monotonic()
    at, value = _counted
    if now - at >= COUNT_PERIOD or at < 0:
        value = _count(loop)
        _counted = (now, value)
    return value


#: Seconds between two looks at a busy loop's number of tasks.
COUNT_PERIOD = 0.1


def track_parked(loop: Any, tasks: int) -> None:
    """Record `loop`'s parking tasks from now on if it has many tasks; stop if few."""
    if tasks >= TRACK_ABOVE:
        if loop._adl_parked is None:
            loop._adl_parked = {}
            loop._adl_parked_lost = True  # nothing is known about what parked before
            _tracking.add(loop)
    elif tasks < TRACK_ABOVE // 2 and loop._adl_parked is not None:
        loop._adl_parked = None
        _tracking.discard(loop)


def parked_since_last_call(loop: Any) -> list[Any] | None:
    """The tasks that parked since the last call and still wait, or None if that is not
    known (the loop is not recording, or lost count): then every task must be read."""
    parked = loop._adl_parked
    if parked is None:
        return None
    lost = loop._adl_parked_lost
    loop._adl_parked_lost = False
    loop._adl_parked = {}
    return None if lost else list(parked.values())


def stop_tracking() -> None:
    """Forget every loop's record (at uninstall: the loops may outlive the detector)."""
    for loop in list(_tracking):
        loop.__dict__.pop("_adl_parked", None)
        loop.__dict__.pop("_adl_parked_lost", None)
    _tracking.clear()


def why_not_stalled(loop: Any, ignore: Any = None, handlers: Any = ()) -> str | None:
    """What could still wake this loop's tasks, or None if nothing can.

    `ignore`: a handle of our own to leave out; `handlers`: signal handlers known not to
    wake any task (a test runner's timeout alarm).
    """
    if any(h is not ignore for h in loop._ready):
        return "callbacks are ready to run"
    return _what_wakes(loop, ignore, threading.current_thread(), handlers)


def why_asleep_forever(loop: Any, loop_thread: Any) -> str | None:
    """For a loop asleep in its selector while callbacks are ready: what could still wake
    it, or None if nothing can (asked from another thread; `loop_thread` is the loop's).

    The program's `signal.signal` handlers do not count: one may be what scheduled the
    callbacks, and they cannot wake the selector (only a handler the loop installed with
    add_signal_handler, which the loop's own table shows, writes to its wake-up pipe).
    """
    return _what_wakes(loop, None, loop_thread, None)


def _what_wakes(loop: Any, ignore: Any, me: Any, handlers: Any) -> str | None:
    """Timers, watched file descriptors (but the loop's connections with itself),
    signal handlers (the program's own too unless
    `handlers` is None) or another live thread (not `me`, not one of ours, not one
    joining `me` forever, not an idle pool worker)."""
    if any(not h._cancelled and h is not ignore for h in loop._scheduled):
        return "timers are pending"
    selector = getattr(loop, "_selector", None)
    if selector is None:
        return "unknown loop type"
    ssock = getattr(loop, "_ssock", None)
    own = ssock.fileno() if ssock is not None else -1
    try:
        watched = [key.fd for key in selector.get_map().values()]
    except Exception:  # not a selector we can read (a test's mock): it may watch anything
        return "the selector's descriptors cannot be read"
    if any(fd != own for fd in watched) and not only_internal(loop, own):
        return "file descriptors are being watched"
    if getattr(loop, "_signal_handlers", None):
        return "signal handlers are installed"
    if handlers is not None and python_signal_handlers(handlers):
        return "signal handlers are installed"
    frames: dict[int, Any] = {}
    try:
        for thread in threading.enumerate():
            if thread is me or not thread.is_alive() or getattr(thread, "_adl_own", False):
                continue
            if not frames:
                frames = sys._current_frames()
            frame = frames.get(thread.ident or -1)
            if not joins_forever(frame, me) and not _idle_worker(frame):
                return f"{_THREAD_ALIVE} {thread.name!r} is alive"
        return None
    finally:
        frames.clear()  # it holds this frame, which holds it: no cycle left for the gc


_THREAD_ALIVE = "thread"


def _idle_worker(frame: Any) -> bool:
    """A pool worker thread waiting for a job (concurrent.futures', or anyio's when anyio
    is in use): it runs nothing until a job is handed to it, so it cannot wake a loop."""
    return idle_pool_worker(frame) or anyio_primitives.idle_worker(frame)


def only_threads(reason: str) -> bool:
    """True if `reason` (from why_not_stalled) is that another thread is alive: the one
    thing whose end does not wake the loop."""
    return reason.startswith(_THREAD_ALIVE + " ")


#: Signal handlers of our own (the snapshot dump), which cannot wake a task.
OWN_HANDLERS: set[Any] = set()


def python_signal_handlers(ignored: Any = ()) -> list[int]:
    """Signals with a Python-level handler of the program's (one may set an Event...)."""
    found = []
    for sig in signal.valid_signals():
        try:
            handler = signal.getsignal(sig)
        except (ValueError, OSError):
            continue
        own = (
            handler is signal.default_int_handler
            or handler in OWN_HANDLERS
            or handler in ignored
            or _is_runner_sigint(handler)
        )
        if callable(handler) and not own:
            found.append(int(sig))
    return found


def _is_runner_sigint(handler: Any) -> bool:
    """asyncio.run's own Ctrl-C handler: it only cancels the main task on Ctrl-C."""
    while isinstance(handler, functools.partial):
        handler = handler.func
    owner = getattr(handler, "__self__", None)
    runner = getattr(asyncio, "Runner", None)
    if runner is not None and isinstance(owner, runner):
        return True
    # pytest-asyncio >= 1.0 on 3.10 runs tests in backports.asyncio.runner's Runner, and
    # anyio.run on 3.10 in a Runner of its own
    cls = type(owner)
    return cls.__name__ == "Runner" and cls.__module__.startswith(_RUNNER_MODULES)


_RUNNER_MODULES = ("backports.asyncio.runner", "anyio._backends._asyncio")


def _own_timer_first(loop: Any) -> bool:
    """The loop is about to sleep until a timer of ours (a stall re-check)."""
    _drop_cancelled_heads(loop)
    return bool(loop._scheduled) and loop._scheduled[0]._callback is _own_timer


def _drop_cancelled_heads(loop: Any) -> None:
    """Drop cancelled timers from the head of the schedule, as the loop's iteration does."""
    scheduled = loop._scheduled
    while scheduled and scheduled[0]._cancelled:
        loop._timer_cancelled_count -= 1
        heapq.heappop(scheduled)._scheduled = False


def _sleep_through_own_timers(loop: Any) -> None:
    """Sleep as the loop would without our timers, running them here when they are due.

    A timer of ours must not wake the program: plain python would sleep on until its own
    I/O, timer or wake-up. So the loop thread waits in the selector until our timer is
    due and runs it here, inside the sleep; callbacks that were scheduled meanwhile
    without waking the loop (a lost wake-up) stay unrun, as they would without us. When
    our timers leave the loop with nothing scheduled, the idle hook runs again, as the
    loop's next iteration would have run it. The sleep ends when I/O or a wake-up
    arrives, when a timer of the program is due, or when our callback scheduled work (a
    verdict being acted on). Events seen here are left to the loop's own iteration: its
    selector is level-triggered, so its select() returns them again at once (processing
    them here as well would run each I/O callback twice).
    """
    selector = loop._selector
    ran = False
    while not loop._stopping:
        _drop_cancelled_heads(loop)
        if not loop._scheduled:
            if loop._ready:  # only callbacks that never woke the loop: it sleeps on
                selector.select(None)
                return
            if not ran:
                return
            ran = False
            _tell_idle(SLOT, loop)  # may schedule a re-check of ours
            if loop._ready:
                return  # it acted on a verdict: the loop runs what that scheduled
            continue
        first = loop._scheduled[0]
        timeout = min(max(0.0, first._when - loop.time()), _MAX_TIMEOUT)
        if first._callback is not _own_timer:
            if loop._ready:  # callbacks that never woke the loop: sleep on to that timer
                selector.select(timeout)
            return  # the loop's own iteration sleeps until its timer (or runs it now)
        if selector.select(timeout):
            return
        if first._when > loop.time() + loop._clock_resolution:
            continue  # woken early (a signal): not due yet
        heapq.heappop(loop._scheduled)
        first._scheduled = False
        before = len(loop._ready)
        first._run()
        ran = True
        if len(loop._ready) > before:
            return  # our callback scheduled work: a verdict is being acted on


def call_once_later(loop: Any, name: str, delay: float, callback: Callable[[Any], None]) -> None:
    """Schedule `callback(loop)` in `delay` seconds, unless one called `name` is pending."""
    attr = f"_adl_{name}"
    if getattr(loop, attr, None):
        return
    loop.call_later(delay, _own_timer, loop, attr, callback)
    # A flag, not the handle: the loop then holds the timer only in its own schedule,
    # which close() empties, so a closed loop leaves no reference cycle through us.
    setattr(loop, attr, True)


def _own_timer(loop: Any, attr: str, callback: Callable[[Any], None]) -> None:
    """Every timer of ours runs this (see _sleep_through_own_timers)."""
    setattr(loop, attr, False)
    callback(loop)


def unfinished_tasks(loop: Any) -> list[Any]:
    """The loop's unfinished tasks."""
    return list(asyncio.all_tasks(loop))


PATCHES: list[tuple[Any, str, Any]] = [
    (_BaseLoop, "_run_once", run_once),
    (_BaseLoop, "_adl_parked", None),
    (_BaseLoop, "_adl_parked_lost", False),
]
