"""A watchdog thread: samples the loops' threads (stuck in one callback?) and their tasks' waits."""

from __future__ import annotations

import _thread
import atexit
import selectors
import sys
import threading
import time
from asyncio import base_events, events
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any, Protocol

from aiodeadlock.instrument import loophook, threadlocks, uvloophook
from aiodeadlock.instrument.exitwaits import exit_waits, exiting, signal_wakers
from aiodeadlock.instrument.livegraph import LiveGraph
from aiodeadlock.instrument.probe import SLOT
from aiodeadlock.instrument.threadwaits import Reader, tasks_of
from aiodeadlock.model.threads import Actor, BusyPoll, LateWait, ThreadWait

_BaseLoop: Any = base_events.BaseEventLoop
_run_forever = _BaseLoop.run_forever
_RUN_ONCE: CodeType = loophook._run_once.__code__
_HANDLE_RUN: CodeType = events.Handle._run.__code__
_MAX_DEPTH = 1000
_SELECTORS = selectors.__file__
#: Functions that call a loop's selector to sleep: the loop's and ours (loophook).
_SLEEPERS = ("_run_once", "_sleep_through_own_timers")

#: The loops running now (registered by run_forever), by id.
_running: dict[int, Any] = {}


def run_forever(self: Any) -> Any:
    _running[id(self)] = self
    try:
        return _run_forever(self)
    finally:
        _running.pop(id(self), None)


def callback_frame(top: FrameType | None) -> FrameType | None:
    """The frame of the callback (Handle._run) a loop thread is inside, or None.

    None also when the thread is in the loop itself (polling for I/O, or between
    callbacks): then it has returned to the loop.
    """
    child = None
    for _ in range(_MAX_DEPTH):
        if top is None:
            break
        if top.f_code is _RUN_ONCE:
            return child if child is not None and child.f_code is _HANDLE_RUN else None
        child, top = top, top.f_back
    return None


# -- the thread ---------------------------------------------------------------------


class Sink(Protocol):
    """Where the watchdog's samples go (the detector decides what they mean)."""

    def loop_thread_blocked(
        self, thread: int, wait_of: Callable[[int], ThreadWait | None], blocked_for: float
    ) -> bool:
        """A loop's thread has been in one callback for `blocked_for` seconds; `wait_of`
        reads what a thread is blocked in. True if that was reported (not asked again)."""
        ...

    def loop_thread_busy(
        self, thread: int, poll_of: Callable[[int], BusyPoll | None], busy_for: float
    ) -> bool:
        """A loop's thread has run one callback for `busy_for` seconds without being
        blocked in a call; `poll_of` reads what it polls. True if that was reported."""
        ...

    def late_waits(self, waits: list[LateWait]) -> None:
        """Tasks that have waited on one primitive longer than the long-wait threshold."""
        ...

    def loop_asleep_with_work(self, loop: Any, asleep_for: float) -> bool:
        """`loop` has slept in its selector for `asleep_for` seconds with the same
        callback first in its ready queue: a wake-up was lost. True if that was reported
        (not asked again for this callback)."""
        ...

    def exit_blocked(
        self,
        joined: list[str],
        waits: dict[int, ThreadWait | None],
        wakers: list[str],
        stuck_for: float,
    ) -> bool:
        """Interpreter exit has joined the threads `joined` for `stuck_for` seconds, with
        every other live thread in the same `waits` all along; `wakers` could still run
        code. True if that was reported (not asked again)."""
        ...

    def watchdog_failed(self, exc: BaseException) -> None: ...


class _Asleep:
    """A loop seen asleep in its selector with callbacks ready, since when."""

    __slots__ = ("first", "reported", "since")

    def __init__(self, first: Any, since: float) -> None:
        self.first = first  # the callback first in the ready queue (the same: no progress)
        self.since = since
        self.reported = False


def asleep_in_selector(top: FrameType | None) -> bool:
    """True if a loop thread's innermost frames are its selector's select() (or a signal
    handler that interrupted it), called by the loop's iteration, maybe through a
    selector subclass's own select(): the thread sleeps until I/O, a timer or a wake-up."""
    frame = top
    in_select = False
    for _ in range(4):
        if frame is None:
            return False
        code = frame.f_code
        if code.co_name == "select":
            in_select = in_select or code.co_filename == _SELECTORS
        elif in_select:
            return code.co_name in _SLEEPERS
        frame = frame.f_back
    return False


class _Watch:
    """What one loop was doing at the last samples: the callback's frame and, for a uvloop
    loop, how many callbacks it had had scheduled (a task's steps share one frame)."""

    __slots__ = ("frame", "mark", "next_check", "since")

    def __init__(self, frame: FrameType | None, mark: int, since: float) -> None:
        self.frame = frame
        self.mark = mark
        self.since = since
        self.next_check = 0.0


class Watchdog:
    """Samples the loops' threads and tells `sink` of a loop thread that stays in one
    callback, and of long waits.

    `threshold`: seconds a loop thread may stay in one callback before its stack is
    inspected (None: off). `long_wait`: seconds a task may wait on one primitive before
    it is reported (None: off). The sink hears of blocked loop threads from this thread,
    and of long waits from this thread (read while the loop sleeps) or from the loop's
    own thread (between its callbacks).
    """

    def __init__(
        self,
        threshold: float | None,
        long_wait: float | None,
        sink: Sink,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.long_wait = long_wait
        self.sink = sink
        self.clock = clock
        self._watches: dict[int, _Watch] = {}
        self._asleep: dict[int, _Asleep] = {}
        self._next_wait_scan = 0.0
        self._wait_scan_cost = 0.0
        self._scan_pending: set[int] = set()
        #: Interpreter exit seen joining: (the waits seen, since when, reported).
        self._exit: tuple[tuple[tuple[int, str, str], ...], float, bool] | None = None
        self._waits: dict[int, dict[tuple[int, str], float]] = {}
        self._reported: set[tuple[int, str]] = set()
        self._stop = threading.Event()
        self._ended: Any = None  # a lock the thread releases when it ends
        self._ident: int | None = None
        #: More looks at each sample of the threads: (frames, loops, now) -> None.
        self.lookers: list[Callable[[dict[int, FrameType], list[Any], float], None]] = []

    @property
    def interval(self) -> float:
        steps = [0.25]
        if self.threshold is not None:
            steps.append(self.threshold / 4)
        if self.long_wait is not None:
            steps.append(self.long_wait / 4)
        return max(0.01, min(steps))

    def start(self) -> None:
        """Start the thread: a bare `_thread` one, so the program never sees it (not in
        threading.enumerate() or active_count(), not traced by threading.settrace(),
        not joined by threading's shutdown, which it watches too). It is stopped by an
        atexit handler, which runs after that shutdown: no thread of ours is left running
        while the interpreter finalizes."""
        self._ended = _thread.allocate_lock()
        self._ended.acquire()
        self._ident = _thread.start_new_thread(self._main, (self._ended,))
        atexit.register(self.stop)

    def stop(self) -> None:
        atexit.unregister(self.stop)
        self._stop.set()
        ended, self._ended = self._ended, None
        if ended is not None and self._ident != _thread.get_ident():
            ended.acquire(timeout=1.0)
        self._watches.clear()

    @property
    def ident(self) -> int | None:
        """The watchdog thread's ident while it runs."""
        return self._ident if self._ended is not None else None

    def _main(self, ended: Any) -> None:
        # `ended` is handed over, not read from self: stop() clears that attribute before it
        # waits for this release.
        try:
            while not self._stop.wait(self.interval):
                try:
                    self.tick(sys._current_frames)
                except Exception as exc:  # never let the watchdog break the program
                    self.sink.watchdog_failed(exc)
                    return
        finally:
            ended.release()

    def tick(self, sample: Callable[[], dict[int, FrameType]]) -> None:
        """One look at the running loops (`sample` returns every thread's top frame)."""
        now = self.clock()
        loops = []
        for loop in list(_running.values()):
            if loop.is_closed():  # registered while running, when the watchdog started
                _running.pop(id(loop), None)
                self._waits.pop(id(loop), None)
            else:
                loops.append(loop)
        for loop in list(uvloophook.running.values()):  # registered by their run_forever
            if not loop.is_closed():
                loops.append(loop)
        if self.long_wait is not None and now >= self._next_wait_scan:
            # A scan reads every task of the loop: keep it near 2% of the loop's time.
            self._next_wait_scan = now + max(self.long_wait / 4, 50 * self._wait_scan_cost)
            self._scan_pending.update(id(loop) for loop in loops)
            SLOT.due = 0.0  # a busy loop runs it at its next pause between callbacks
        if self.threshold is None and not self._scan_pending:
            return
        frames = sample()  # a few microseconds: cheaper than any shortcut worth having
        try:
            for loop in loops:
                if id(loop) in self._scan_pending:
                    self._scan_while_asleep(loop, frames, sample)
            if self.threshold is not None:
                self._look(frames, loops, now)
                self._look_at_exit(frames, loops, now)
                # (asyncio's loops: the lookers read their queues, which uvloop's hide)
                plain = [loop for loop in loops if not uvloophook.is_uvloop(loop)]
                for look in self.lookers:
                    look(frames, plain, now)
        finally:
            # The dict holds this thread's own frame, whose local holds the dict: without
            # this, every tick would leave a reference cycle for the program's gc to find.
            frames.clear()

    def _look(self, frames: dict[int, FrameType], loops: list[Any], now: float) -> None:
        assert self.threshold is not None
        watches: dict[int, _Watch] = {}
        asleep: dict[int, _Asleep] = {}
        for loop in loops:
            tid = uvloophook.loop_thread(loop)
            top = frames.get(tid) if tid is not None else None
            if uvloophook.is_uvloop(loop):
                # No lost wake-up check: uvloop's ready queue is out of reach, and a
                # handle the program keeps alive would look pending after it has run.
                cb, mark = uvloophook.callback_frame(loop, top), uvloophook.progress(loop)
            else:
                ready = getattr(loop, "_ready", None)
                if ready and asleep_in_selector(top):
                    self._look_asleep(loop, ready[0], now, asleep)
                    continue
                cb, mark = callback_frame(top), 0
            if cb is None or tid is None:
                continue
            watch = self._watches.get(id(loop))
            if watch is None or watch.frame is not cb or watch.mark != mark:
                watch = _Watch(cb, mark, now)
            watches[id(loop)] = watch
            blocked_for = now - watch.since
            if blocked_for >= self.threshold and now >= watch.next_check:
                watch.next_check = now + self.threshold
                reader = Reader(frames, loops)
                if self.sink.loop_thread_blocked(
                    tid, reader.wait, blocked_for
                ) or self.sink.loop_thread_busy(tid, reader.polling, blocked_for):
                    watch.next_check = float("inf")  # reported: once per blocked callback
        self._watches = watches
        self._asleep = asleep

    def _look_at_exit(self, frames: dict[int, FrameType], loops: list[Any], now: float) -> None:
        """Interpreter exit joining threads: the same waits at every sample for a while
        may mean it never ends (the sink decides)."""
        main = threading.main_thread().ident
        if main is None or not exiting(frames.get(main)):
            self._exit = None
            return
        joined, waits = exit_waits(Reader(frames, loops), main, threading.get_ident())
        key = tuple(
            sorted(
                (tid, w.call, w.resource.key) if w else (tid, "", "") for tid, w in waits.items()
            )
        )
        if self._exit is None or self._exit[0] != key:
            self._exit = (key, now, False)
            return
        _, since, reported = self._exit
        if not reported and self.sink.exit_blocked(joined, waits, signal_wakers(), now - since):
            self._exit = (key, since, True)

    def _look_asleep(self, loop: Any, first: Any, now: float, asleep: dict[int, _Asleep]) -> None:
        """A loop asleep with callbacks ready: the same first callback at every sample for
        a while means no wake-up is coming (the sink decides how long is a while)."""
        seen = self._asleep.get(id(loop))
        if seen is None or seen.first is not first:
            seen = _Asleep(first, now)
        asleep[id(loop)] = seen
        if not seen.reported and self.sink.loop_asleep_with_work(loop, now - seen.since):
            seen.reported = True

    # long waits: read while the loop sleeps, or by the loop itself between callbacks -----
    #
    # Nothing is ever scheduled on the loop for this: a loop asleep in select() is read
    # from this thread (the read is kept only if the loop slept through all of it), and a
    # busy loop runs the scan itself at its next pause (Detector.between).

    def scan_if_pending(self, loop: Any) -> None:
        """Run a requested scan of `loop` now (called on the loop's thread, between
        callbacks)."""
        if id(loop) in self._scan_pending:
            self.scan_waits(loop)

    def _scan_while_asleep(
        self, loop: Any, frames: dict[int, FrameType], sample: Callable[[], dict[int, FrameType]]
    ) -> None:
        tid = uvloophook.loop_thread(loop)
        top = frames.get(tid) if tid is not None else None
        if tid is None:
            return
        if uvloophook.is_uvloop(loop):
            # In uvloop's C code with no callback pending: a task changes what it waits on
            # only once woken through call_soon, which is counted (no hook runs in there).
            if not uvloophook.in_run_forever(loop, frames) or uvloophook.pending_ready(loop):
                return
        elif top is None or top.f_code.co_filename != _SELECTORS or not asleep_in_selector(top):
            return  # awake (or in a signal handler): it scans itself between callbacks
        ticks, mark = SLOT.ticks, uvloophook.progress(loop)
        start = self.clock()
        threshold = self.long_wait
        try:
            read = None if threshold is None else self._collect_waits(loop, threshold, start)
        except Exception:  # the loop woke and changed what was being read: try again
            return
        after = sample()
        try:
            slept_through = (
                SLOT.ticks == ticks and after.get(tid) is top and uvloophook.progress(loop) == mark
            )
        finally:
            after.clear()
        if slept_through and read is not None and id(loop) in self._scan_pending:
            self._scan_pending.discard(id(loop))
            self._wait_scan_cost = self.clock() - start
            self._commit_waits(loop, *read)

    def scan_waits(self, loop: Any) -> None:
        """Report tasks of `loop` that have waited on one primitive for `long_wait` s
        (on the loop's own thread)."""
        self._scan_pending.discard(id(loop))
        try:
            self._scan_waits(loop)
        except Exception as exc:  # a callback of the program's loop: never raise there
            self.long_wait = None
            self.sink.watchdog_failed(exc)

    def _scan_waits(self, loop: Any) -> None:
        threshold = self.long_wait
        if threshold is None:
            return
        start = now = self.clock()
        try:
            self._commit_waits(loop, *self._collect_waits(loop, threshold, now))
        finally:
            self._wait_scan_cost = self.clock() - start

    def _collect_waits(
        self, loop: Any, threshold: float, now: float
    ) -> tuple[dict[tuple[int, str], float], list[LateWait], set[tuple[int, str]]]:
        """Read (and change nothing): the waits seen now, one late wait per primitive
        waited on too long (naming its first such waiter), and the waits that names."""
        graph = LiveGraph(current=None, loop=loop, stacks=False)
        before = self._waits.get(id(loop), {})
        seen: dict[tuple[int, str], float] = {}
        late: dict[str, list[tuple[Any, float]]] = {}  # resource key -> (node, since)
        named: set[tuple[int, str]] = set()
        for task in tasks_of(loop):
            if task.done():
                continue
            node = graph.task(graph.add_task(task))
            wait = node.waits
            if wait is None:
                continue
            res = graph.resource(wait.resource)
            if res.type == "Future":  # a bare future: I/O, a timer... not a primitive
                continue
            key = (id(task), res.key)
            seen[key] = since = before.get(key, now)
            if key in self._reported or now - since < threshold:
                continue
            named.add(key)
            late.setdefault(res.key, []).append((node, since))
        found: list[LateWait] = []
        for rkey, waiters in late.items():
            node, since = min(waiters, key=lambda w: w[1])
            node = graph.with_stack(node)
            res = graph.resource(rkey)
            actor = Actor(node.key, node.name, node.stack, node.waits.at if node.waits else None)
            holders = tuple(
                Actor(h.task, graph.task(h.task).name, (), h.since) for h in res.holders
            )
            resource = res.to_resource()
            found.append(LateWait(actor, resource, now - since, holders, len(waiters) - 1))
        return seen, found, named

    def _commit_waits(
        self,
        loop: Any,
        seen: dict[tuple[int, str], float],
        found: list[LateWait],
        named: set[tuple[int, str]],
    ) -> None:
        self._reported |= named
        if found:
            self.sink.late_waits(found)
        self._waits[id(loop)] = seen
        self._reported &= set().union(*self._waits.values())


#: What the watchdog patches: run_forever (to know the running loops) and threading's
#: Lock and RLock (to know who holds them).
PATCHES: list[tuple[Any, str, Any]] = [
    (_BaseLoop, "run_forever", run_forever),
    *threadlocks.PATCHES,
]


def register_running(loop: Any) -> None:
    """Count `loop` as running (the watchdog started from inside it)."""
    if loop is not None and isinstance(loop, _BaseLoop) and loop.is_running():
        _running[id(loop)] = loop


def forget_loops() -> None:
    _running.clear()
