"""Threads that cannot go on by themselves, and whose action each one needs, from one sample."""

from __future__ import annotations

import _thread
import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from types import CodeType, FrameType
from typing import Any

from aiodeadlock.instrument import executors, futurewaits, loophook
from aiodeadlock.instrument.futurewaits import FutureWait
from aiodeadlock.instrument.introspect import suspended_frames
from aiodeadlock.instrument.sites import qualname
from aiodeadlock.instrument.sockpairs import only_internal
from aiodeadlock.instrument.threadwaits import (
    _LIMIT,
    Reader,
    _cells,
    _chained_source,
    _frames_of,
    _reachable,
    _rkey,
    tasks_of,
)
from aiodeadlock.model.findings import Resource
from aiodeadlock.model.location import Location
from aiodeadlock.model.threads import Actor, JobWait, Stuck, ThreadWait

_SELECTORS_SLEEPERS = ("_run_once", "_sleep_through_own_timers")
#: A thread ident no thread has: needing it means never stuck (someone unknown may act).
_NOBODY = -1


def asleep(top: FrameType | None) -> bool:
    """The thread's innermost frames are a loop's selector (select(), called by the loop)."""
    frame = top
    for _ in range(3):
        if frame is None:
            return False
        back = frame.f_back
        if (
            frame.f_code.co_name == "select"
            and back is not None
            and back.f_code.co_name in _SELECTORS_SLEEPERS
            and "selectors" in frame.f_code.co_filename
        ):
            return True
        frame = back
    return False


def sleeps_for_good(loop: Any, ignored_handlers: Any = ()) -> bool:
    """Nothing of `loop`'s own can wake it: no ready callbacks, no timers (but ours), no
    watched file descriptors, no signal handlers. Only another thread could."""
    if getattr(loop, "_ready", None) or getattr(loop, "_stopping", False):
        return False
    for handle in list(getattr(loop, "_scheduled", ())):
        if not handle._cancelled and handle._callback is not loophook._own_timer:
            return False
    selector = getattr(loop, "_selector", None)
    if selector is None:
        return False
    ssock = getattr(loop, "_ssock", None)
    own = ssock.fileno() if ssock is not None else -1
    watched = any(key.fd != own for key in list(selector.get_map().values()))
    if watched and not only_internal(loop, own):
        return False
    if getattr(loop, "_signal_handlers", None):
        return False
    return not loophook.python_signal_handlers(ignored_handlers)


class KnotReader(Reader):
    """Reads, for each thread, whether it is stuck and whose action would let it go on."""

    def __init__(self, frames: dict[int, FrameType], loops: list[Any], ignored: Any = ()) -> None:
        # asyncio's own loops (uvloop's keep their thread and sleep in C: not readable here)
        super().__init__(frames, [lp for lp in loops if hasattr(lp, "_thread_id")])
        self.me = _thread.get_ident()
        self.ignored = ignored
        self.objects: dict[int, Any] = {}  # thread -> the object its wait is on
        self._refs: dict[int, dict[int, Any] | None] = {}  # see referrers()
        self._loop_refs: dict[int, dict[int, Any]] = {}
        #: (id(future), waiting thread) -> the loop work that would start its coroutine
        self._starters: dict[tuple[int, int], tuple[int, Actor | None, str] | None] = {}

    def live(self) -> frozenset[int]:
        """The program's threads that could act: not ours, not pool workers without a job."""
        found = set()
        for tid, top in self.frames.items():
            if tid == self.me or loophook._idle_worker(top):
                continue
            thread = self.threads.get(tid)
            if thread is not None and getattr(thread, "_adl_own", False):
                continue
            found.add(tid)
        for thread in threading.enumerate():  # alive, but running no Python code now
            ident = thread.ident
            if ident is None or ident in self.frames or getattr(thread, "_adl_own", False):
                continue
            if thread.is_alive():
                found.add(ident)  # (a foreign thread may call back any time)
        return frozenset(found)

    def _blocked(self, tid: int, frames: list[FrameType], i: int) -> ThreadWait | None:
        view = futurewaits.read(frames, i)
        self.objects[tid] = view if view is not None else frames[i].f_locals.get("self")
        return super()._blocked(tid, frames, i)

    def stuck(self, tid: int) -> Stuck | None:
        """Thread `tid` as a node of the wait-for graph between threads, or None if it may
        go on by itself (running, sleeping with a timeout, waiting in a call we do not know)."""
        loop = self.loop_of.get(tid)
        name = self.thread_name(tid)
        if loop is not None and asleep(self.frames.get(tid)):
            if not sleeps_for_good(loop, self.ignored):
                return None
            return Stuck(tid, name, None, anyone=True, loop=True)  # (tasks: see detail())
        if tid == threading.main_thread().ident and loophook.python_signal_handlers(self.ignored):
            return None  # a signal handler of the program may run on it and end any wait
        wait = self.wait(tid)
        if wait is None or wait.timeout is not None:
            return None
        is_loop = loop is not None
        view = self.objects.get(tid)
        if isinstance(view, FutureWait):
            return self._futures_stuck(tid, name, wait, view, is_loop)
        if wait.call.endswith("Lock.acquire()"):
            found = executors.orphan(self.objects.get(tid))
            if found is not None:  # nobody will release it: whoever else could, is stuck?
                taken = (found.task, found.at, self.thread_name(found.worker))
                return Stuck(tid, name, wait, anyone=True, loop=is_loop, orphaned_for=taken)
        if wait.call == "Thread.join()" or wait.call.endswith("Lock.acquire()"):
            if wait.next_thread is None:
                return None
            return Stuck(tid, name, wait, frozenset({wait.next_thread}), loop=is_loop)
        # an Event, Condition, Semaphore, Barrier or Queue: anyone may set, release or fill it
        return Stuck(tid, name, wait, anyone=True, loop=is_loop)

    def detail(self, node: Stuck, most: int = 8) -> Stuck:
        """`node` with what a report shows of an asleep loop: its waiting tasks (the first
        `most`, and every one that waits for a job of a thread pool) and those jobs."""
        loop = self.loop_of.get(node.thread)
        if node.wait is not None or loop is None:
            return node
        actors: list[Actor] = []
        jobs: list[JobWait] = []
        for task in tasks_of(loop):
            if task.done():
                continue
            source = _wrapped_source(getattr(task, "_fut_waiter", None))
            if source is None and len(actors) >= most:
                continue
            actor = self._task_actor(task)
            actors.append(actor)
            job = self._job(source, actor, actor.waits_at) if source is not None else None
            if job is not None:
                jobs.append(job)
        return replace(node, tasks=tuple(actors), jobs=tuple(jobs))

    # cheaper than Reader's: who else could end a wait is asked of a knot's members only

    def _starter(self, fut: Any, waiting: int) -> tuple[int, Actor | None, str] | None:
        """The loop work that would start the coroutine of a run_coroutine_threadsafe()
        future not started yet (looked for once per read: naming the resolver of a wait and
        deciding whether it is stuck both ask)."""
        key = (id(fut), waiting)
        if key not in self._starters:
            self._starters[key] = self._loop_work_referring(fut, waiting, quiet=False)
        return self._starters[key]

    def _resolver(self, fut: Any, waiting: int) -> tuple[int, Actor | None, str] | None:
        source = _chained_source(fut)
        if source is None:  # the callback of run_coroutine_threadsafe() that starts it?
            return self._starter(fut, waiting)
        if source.done():
            return None
        return self._future_resolver(fut, waiting)  # the task behind it: no search

    def _object_wait(
        self, tid: int, waiter: Actor, kind: str, frame: FrameType, at: Location | None
    ) -> ThreadWait | None:
        args = frame.f_locals
        obj: Any = args.get("self")
        if obj is None or not args.get("blocking", True) or not args.get("block", True):
            return None
        if kind == "threading.Event" and obj.is_set():
            return None
        timeout = args.get("timeout")
        if timeout is None and kind == "threading.Barrier":
            timeout = getattr(obj, "_timeout", None)
        call = f"{kind.split('.')[1]}.{frame.f_code.co_name}()"
        return ThreadWait(tid, waiter, call, Resource(_rkey(obj), kind), at, timeout, None)

    def _futures_stuck(
        self, tid: int, name: str, wait: ThreadWait, view: FutureWait, is_loop: bool
    ) -> Stuck | None:
        """A thread waiting on several futures: one node per future, as if it waited on
        that one alone; stuck if any one is (all_of), else only if every one is."""
        if view.count == 1:
            return self._future_stuck(tid, name, wait, view.pending[0], is_loop)
        if not view.all_of and view.count > len(view.pending):  # too many to look at all
            return Stuck(tid, name, wait, anyone=True, loop=is_loop)  # (only if all are stuck)
        parts: list[Stuck] = []
        for fut in view.pending:
            one = self._one_future(tid, wait.waiter, view.call, fut, wait.at, view.timeout)
            part = self._future_stuck(tid, name, one, fut, is_loop)
            if part is None and not view.all_of:
                return None  # that one may be done without anyone stuck
            if part is not None:
                parts.append(part)
        if view.all_of:
            return Stuck(tid, name, wait, loop=is_loop, futures=tuple(parts), all_of=True)
        needs = frozenset().union(*(p.needs for p in parts))
        anyone = any(p.anyone for p in parts)
        jobs = tuple(j for p in parts for j in p.jobs)
        whys = "; ".join(dict.fromkeys(_part_why(p) for p in parts))
        n = view.count
        why = f"any of the {n} futures it waits on would end it, and none can be done: {whys}"
        wait = replace(wait, why=why)
        return Stuck(tid, name, wait, needs, anyone, loop=is_loop, jobs=jobs, futures=tuple(parts))

    def _future_stuck(
        self, tid: int, name: str, wait: ThreadWait, fut: Any, is_loop: bool
    ) -> Stuck | None:
        source = _chained_source(fut)
        if isinstance(source, asyncio.Future):
            owner: Any = source.get_loop()
            loop_tid = getattr(owner, "_thread_id", None)
            if loop_tid is None:
                return None
            return Stuck(tid, name, wait, frozenset({loop_tid}), loop=is_loop)
        if source is None:  # its coroutine not started yet: only its loop can start it
            found = self._starter(fut, tid)
            if found is not None:
                return Stuck(tid, name, wait, frozenset({found[0]}), loop=is_loop)
        actor = wait.waiter
        job = self._job(fut, actor, wait.at)
        if job is None:
            return Stuck(tid, name, wait, anyone=True, loop=is_loop)  # someone may set it
        if job.running is not None:  # (a running job cannot be cancelled)
            return Stuck(tid, name, wait, frozenset({job.running}), loop=is_loop, jobs=(job,))
        # A queued job needs a free worker; anyone could also cancel it (its future, or
        # shutdown(cancel_futures=True) of its pool, even through a global): only when
        # every other thread is stuck too is it certain that nobody will.
        needs = frozenset(job.workers)
        return Stuck(tid, name, wait, needs, anyone=True, loop=is_loop, jobs=(job,))

    def _job(self, fut: Any, waiter: Actor, at: Location | None) -> JobWait | None:
        """`fut` as a job of a thread pool: running on a worker, or queued behind workers
        that are all started (no new one will be)."""
        pool = executors.pool_of(fut)
        if pool is None or fut.done():
            return None
        res = Resource(_rkey(fut), "concurrent.futures.Future", detail=_job_name(fut))
        workers = tuple(t.ident for t in executors.workers(pool) if t.ident is not None)
        if fut.running():
            runner = executors.running_on(fut, self.frames)
            if runner is None:
                return None
            why = f"its job runs on thread {self.thread_name(runner)!r}"
            return JobWait(waiter, res, at, workers, runner, why)
        if not executors.saturated(pool) or getattr(pool, "_broken", False):
            return None
        names = ", ".join(repr(self.thread_name(w)) for w in workers)
        why = (
            f"its job is queued in a ThreadPoolExecutor of {len(workers)} worker(s) "
            f"({names}): it starts only when one of them is free"
        )
        return JobWait(waiter, res, at, workers, None, why)

    def with_referrers(self, node: Stuck) -> Stuck:
        """`node` needing also the `referrers` of what it waits on (for a wait on all of
        several futures: each one's own)."""
        if node.all_of:
            return replace(node, futures=tuple(self.with_referrers(p) for p in node.futures))
        return replace(node, needs=node.needs | self.referrers(node))

    def referrers(self, node: Stuck) -> frozenset[int]:
        """Threads (and the threads of loops whose tasks) that refer to the future `node`
        waits on, in a local variable or near one: they may complete or cancel it."""
        if node.wait is None or node.anyone or node.wait.call not in futurewaits.CALLS:
            return frozenset()
        if node.futures:  # whoever refers to any of them (see with_referrers for all_of)
            return frozenset().union(*(self.referrers(p) for p in node.futures))
        if node.thread not in self.objects:
            self.wait(node.thread)
        view = self.objects.get(node.thread)
        key = node.wait.resource.key
        pending = view.pending if isinstance(view, FutureWait) else ()
        obj = next((f for f in pending if _rkey(f) == key), None)
        if obj is None:
            return frozenset({_NOBODY})
        found = set()
        for tid in self.frames:
            if tid in (node.thread, self.me):
                continue
            seen = self._thread_refs(tid)
            if seen is None or id(obj) in seen or len(seen) >= _LIMIT:
                found.add(tid)  # (None: a frame we cannot read now: it may refer to it)
        for cb in list(getattr(obj, "_done_callbacks", None) or ()):
            # wrap_future(): cancelling the asyncio future cancels this one
            code = getattr(cb, "__code__", None)
            if code is not None and code.co_name == "_call_set_state":
                dest: Any = _cells(cb).get("destination")
                loop = dest.get_loop() if isinstance(dest, asyncio.Future) else None
                found.add(getattr(loop, "_thread_id", None) or _NOBODY)
        for loop in self.loops:
            tid = loop._thread_id
            if tid is not None and tid not in found and id(obj) in self._task_refs(loop):
                found.add(tid)
        return frozenset(found)

    def _thread_refs(self, tid: int) -> dict[int, Any] | None:
        """What thread `tid`'s locals refer to, two steps on (None: not readable now)."""
        if tid not in self._refs:
            try:
                roots = [v for f in _frames_of(self.frames[tid]) for v in f.f_locals.values()]
            except Exception:  # a frame we cannot read now
                self._refs[tid] = None
            else:
                self._refs[tid] = _reachable(roots, depth=2)
        return self._refs[tid]

    def _task_refs(self, loop: Any) -> dict[int, Any]:
        """What the suspended tasks of `loop` refer to, one step on (everything: a task
        that cannot be read now)."""
        key = id(loop)
        if key not in self._loop_refs:
            seen: dict[int, Any] = {}
            for task in tasks_of(loop):
                try:
                    roots = [v for f in suspended_frames(task) for v in f.f_locals.values()]
                except Exception:  # a coroutine we cannot read now
                    seen = _EVERYTHING
                    break
                seen.update(_reachable(roots, depth=1))
            self._loop_refs[key] = seen
        return self._loop_refs[key]


class _Everything(dict[int, Any]):
    """Holds every id: what an unreadable task may refer to."""

    def __contains__(self, key: object) -> bool:
        return True


_EVERYTHING = _Everything()


def _part_why(part: Stuck) -> str:
    """Why one future of several waited on is not done (as explain_knot says it)."""
    if part.jobs:
        job = part.jobs[0]
        return f"{job.resource.detail}: {job.why}" if job.resource.detail else job.why
    if part.anyone or part.wait is None:
        return "only another thread could complete it, and every other thread is stuck"
    return part.wait.why


def _wrapped_source(fut: Any) -> Any:
    """The concurrent future an asyncio future was chained to (wrap_future), or None."""
    for entry in list(getattr(fut, "_callbacks", None) or ()):
        cb = entry[0] if isinstance(entry, tuple) else entry
        code = getattr(cb, "__code__", None)
        if code is not None and code.co_name == "_call_check_cancel":
            source = _cells(cb).get("source")
            if source is not None and not isinstance(source, asyncio.Future):
                return source
    return None


def _job_name(fut: Any) -> str | None:
    code: CodeType | None = executors.job_of(fut)
    if code is None:
        return None
    where = Location(code.co_filename, code.co_firstlineno, qualname(code))
    return f"job {qualname(code)}() ({where.short()})"


#: Looked at again after this many thresholds even if no thread moved (a loop's watched
#: descriptors or a lock's holder may change without any steady frame changing).
_AGAIN = 10


class KnotWatch:
    """Samples every thread at the watchdog's ticks; when some have stayed in one place
    for `threshold` seconds, asks `decide` (at most every `threshold`/2 seconds, and while
    nothing moved only every `_AGAIN` thresholds) whether they are stuck for good."""

    def __init__(
        self,
        threshold: Callable[[], float | None],
        decide: Callable[[KnotReader, frozenset[int]], None],
        ignored: Any = (),
        clock: Callable[[], float] = time.monotonic,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.threshold = threshold
        self.decide = decide
        #: Told of an internal error, after which this watch looks no more (the rest of
        #: the watchdog goes on).
        self.failed = failed
        self.broken = False
        self.ignored = ignored
        self.clock = clock
        self._seen: dict[int, tuple[int, int, float]] = {}
        self._last: frozenset[tuple[int, ...]] = frozenset()
        self._next = 0.0
        self._cost = 0.0
        self._last_at = 0.0

    def look(self, frames: dict[int, FrameType], loops: list[Any], now: float) -> None:
        if self.broken:
            return
        try:
            self._look(frames, loops, now)
        except Exception as exc:  # (a loop with a mock selector...): stop, say so once
            self.broken = True
            if self.failed is not None:
                self.failed(exc)

    def _look(self, frames: dict[int, FrameType], loops: list[Any], now: float) -> None:
        threshold = self.threshold()
        if threshold is None:
            return
        seen: dict[int, tuple[int, int, float]] = {}
        steady: set[int] = set()
        for tid, top in frames.items():
            key = (id(top), top.f_lasti if top is not None else -1)
            old = self._seen.get(tid)
            since = old[2] if old is not None and old[:2] == key else now
            seen[tid] = (key[0], key[1], since)
            if now - since >= threshold:
                steady.add(tid)
        self._seen = seen
        if not steady or now < self._next:
            return
        state = frozenset((tid, *seen[tid][:2]) for tid in steady) | frozenset(
            (loop._thread_id or 0, len(loop._ready), len(loop._scheduled))
            for loop in loops
            if asleep(frames.get(getattr(loop, "_thread_id", None) or 0))
        )
        if state == self._last and now < self._last_at + _AGAIN * threshold:
            return  # nothing moved since the last look (it found no knot)
        self._last, self._last_at = state, now
        start = self.clock()
        try:
            self.decide(KnotReader(frames, loops, self.ignored), frozenset(steady))
        finally:
            self._cost = self.clock() - start
            self._next = now + max(threshold / 2, 50 * self._cost)

    def again(self) -> None:
        """Look again at the next sample even if nothing moved (to confirm a knot)."""
        self._last = frozenset()
