"""What a blocked thread waits for, read from its stack: a future, a lock, a thread to end."""

from __future__ import annotations

import asyncio
import concurrent.futures
import concurrent.futures.thread
import dis
import functools
import queue
import sys
import threading
from asyncio import events
from collections.abc import Iterable
from dataclasses import replace
from types import CodeType, FrameType
from typing import Any

from aiodeadlock.instrument import futurewaits, threadlocks, uvloophook
from aiodeadlock.instrument.futurewaits import FutureWait
from aiodeadlock.instrument.introspect import suspended_frames, task_stack
from aiodeadlock.instrument.livegraph import task_key
from aiodeadlock.instrument.naming import assigned_name
from aiodeadlock.instrument.sites import frame_location, is_internal, location
from aiodeadlock.model.findings import Resource
from aiodeadlock.model.location import Location
from aiodeadlock.model.threads import Actor, BusyPoll, ThreadWait

_HANDLE_RUN: CodeType = events.Handle._run.__code__
_JOIN: CodeType = threading.Thread.join.__code__
#: threading's own table of started threads: a thread leaves it when its Python code is
#: done, and is still alive (joinable, not yet joined) until its OS thread ends.
_active_threads: dict[int | None, threading.Thread] = threading._active  # type: ignore[attr-defined]
#: Waits on an object that someone else must set, release, fill or drain.
_OBJECT_WAITS: dict[CodeType, str] = {
    threading.Event.wait.__code__: "threading.Event",
    threading.Condition.wait.__code__: "threading.Condition",
    threading.Condition.wait_for.__code__: "threading.Condition",
    threading.Semaphore.acquire.__code__: "threading.Semaphore",
    threading.Barrier.wait.__code__: "threading.Barrier",
    queue.Queue.get.__code__: "queue.Queue",
    queue.Queue.put.__code__: "queue.Queue",
    queue.Queue.join.__code__: "queue.Queue",
}
#: A pool worker waiting for its next job (blocked in the C queue's get()).
_IDLE_WORKER: CodeType = concurrent.futures.thread._worker.__code__
_MAX_DEPTH = 400
#: Objects looked at in one search for references (bounds the time the GIL is held).
_LIMIT = 20_000


def _library(code: CodeType) -> bool:
    return is_internal(code) or threadlocks._from_library(code)


def _frames_of(top: FrameType | None) -> list[FrameType]:
    """A thread's frames, innermost first."""
    frames: list[FrameType] = []
    while top is not None and len(frames) < _MAX_DEPTH:
        frames.append(top)
        top = top.f_back
    return frames


#: Methods that poll an asyncio object, by the type they poll.
_POLLS: tuple[tuple[type, tuple[str, ...]], ...] = (
    (asyncio.Future, ("done", "cancelled")),
    (asyncio.Event, ("is_set",)),
    (asyncio.Lock, ("locked",)),
    (asyncio.Queue, ("empty", "full", "qsize")),
)


def _polled(value: Any, called: set[str], loop: Any) -> str | None:
    """The polling call (`done()`) if `value` is an asyncio object of `loop` that is not
    ready yet and `called` (a frame's called names) includes a method that polls it."""
    for kind, methods in _POLLS:
        if not isinstance(value, kind):
            continue
        method = next((m for m in methods if m in called), None)
        if method is None:
            return None
        if isinstance(value, asyncio.Future):
            ready = value.done() or value.get_loop() is not loop
        else:
            bound = getattr(value, "_loop", None)
            ready = bound is not None and bound is not loop
            if isinstance(value, asyncio.Event):
                ready = ready or value.is_set()
        return None if ready else f"{method}()"
    return None


_LOADS = {"LOAD_FAST", "LOAD_FAST_BORROW", "LOAD_DEREF", "LOAD_NAME", "LOAD_GLOBAL"}
_LOADS_CHECKED = {"LOAD_FAST_CHECK", "LOAD_CLASSDEREF", "LOAD_FROM_DICT_OR_DEREF"}


def _call_line(code: CodeType, name: str, method: str, near: int) -> int | None:
    """The line where `code` calls `name.method` (the poll itself, not wherever in the
    busy loop the sample landed): of those lines, the last one at or before `near`,
    else the first; None if `code` has no such call."""
    lines = _method_lines(code, name, method)
    if not lines:
        return None
    before = [line for line in lines if line <= near]
    return max(before) if before else min(lines)


@functools.lru_cache(maxsize=256)
def _method_lines(code: CodeType, name: str, method: str) -> tuple[int, ...]:
    found: list[int] = []
    previous: dis.Instruction | None = None
    line = code.co_firstlineno
    for inst in dis.get_instructions(code):
        if sys.version_info < (3, 11):
            line = inst.starts_line or line
        elif inst.positions is not None and inst.positions.lineno is not None:
            line = inst.positions.lineno
        if (
            inst.opname in ("LOAD_ATTR", "LOAD_METHOD")
            and inst.argval == method
            and previous is not None
            and previous.opname in _LOADS | _LOADS_CHECKED
            and previous.argval == name
        ):
            found.append(line)
        previous = inst
    return tuple(found)


class Reader:
    """Reads the blocking calls of threads from one sample of their stacks."""

    def __init__(self, frames: dict[int, FrameType], loops: list[Any]) -> None:
        self.frames = frames
        self.loops = loops
        threads = ((uvloophook.loop_thread(loop), loop) for loop in loops)
        self.loop_of = {tid: loop for tid, loop in threads if tid is not None}
        self.threads = {t.ident: t for t in threading.enumerate()}
        #: What the threads that run no loop refer to, by the thread they leave out.
        self._elsewhere: dict[int, dict[int, Any]] = {}

    def thread_name(self, tid: int) -> str:
        thread = self.threads.get(tid)
        return thread.name if thread is not None else f"{tid:#x}"

    def loop_name(self, tid: int | None, waiting: int) -> str:
        """How a wait's message names the loop run by thread `tid`."""
        if tid == waiting:
            return "this same event loop"
        return f"the event loop of thread {self.thread_name(tid) if tid else '?'!r}"

    def wait(self, tid: int) -> ThreadWait | None:
        """What thread `tid` is blocked in, or None if it is not in a call we know.

        The call is the outermost known one below the innermost user frame (what the
        program called: Future.result(), not the Condition.wait() inside it), except
        that re-taking a tracked lock wins (a notified Condition.wait() needs the lock).
        """
        frames = _frames_of(self.frames.get(tid))
        match = None
        for i, frame in enumerate(frames):
            code = frame.f_code
            if not _library(code):
                break  # the program's own code
            if code in threadlocks.ACQUIRE_CODES and match is None:
                return self._blocked(tid, frames, i)
            if code in futurewaits.CODES or code is _JOIN or code in _OBJECT_WAITS:
                match = i
        return None if match is None else self._blocked(tid, frames, match)

    def polling(self, tid: int) -> BusyPoll | None:
        """What the loop thread `tid`, busy in one callback, polls that only its own loop
        can deliver, or None: a local of one of its innermost program frames (a future of
        that loop not done, an asyncio Event not set...) whose polling method that frame's
        code calls."""
        loop = self.loop_of.get(tid)
        frames = _frames_of(self.frames.get(tid))
        if loop is None:
            return None
        user = [i for i, f in enumerate(frames) if not _library(f.f_code)][:3]
        for i in user:
            frame = frames[i]
            called = set(frame.f_code.co_names)
            try:
                values = list(frame.f_locals.items())
            except Exception:  # a frame we cannot read now
                continue
            for name, value in values:
                call = _polled(value, called, loop)
                if call is not None:
                    res = Resource(_rkey(value), type(value).__name__, name)
                    waiter = self._waiter(tid, frames[i:])
                    here = frame_location(frame)
                    line = _call_line(frame.f_code, name, call[:-2], here.line)
                    at = here if line is None else Location(here.file, line, here.function)
                    return BusyPoll(tid, waiter, at, res, call)
        return None

    def _blocked(self, tid: int, frames: list[FrameType], i: int) -> ThreadWait | None:
        frame = frames[i]
        outer = frames[i + 1 :]
        at = next((frame_location(f) for f in outer if not _library(f.f_code)), None)
        waiter = self._waiter(tid, outer)
        if frame.f_code in futurewaits.CODES:
            return self._futures_wait(tid, waiter, futurewaits.read(frames, i), at)
        args = frame.f_locals
        obj = args.get("self")
        kind = _OBJECT_WAITS.get(frame.f_code)
        if kind is not None:
            return self._object_wait(tid, waiter, kind, frame, at)
        if frame.f_code is _JOIN:
            if not isinstance(obj, threading.Thread) or not obj.is_alive():
                return None
            if _active_threads.get(obj.ident) is not obj:
                return None  # past its own code, its OS thread ending: the join ends by itself
            res = Resource(_rkey(obj), "Thread", obj.name)
            holder = Actor(f"H{obj.ident or 0:x}", f"thread {obj.name}", is_task=False)
            return ThreadWait(
                tid,
                waiter,
                "Thread.join()",
                res,
                at,
                args.get("timeout"),
                obj.ident,
                holder,
                why=f"thread {obj.name!r} has to finish first",
            )
        return self._lock_wait(tid, waiter, obj, at, args)

    def _waiter(self, tid: int, outer: list[FrameType]) -> Actor:
        loop = self.loop_of.get(tid)
        task = asyncio.current_task(loop) if loop is not None else None
        user: list[FrameType] = []
        base = uvloophook.base_code(loop)
        for f in outer:
            if f.f_code is _HANDLE_RUN or f.f_code is base:
                break  # the loop that runs the callback: asyncio's, or uvloop's
            if not _library(f.f_code):
                user.append(f)
        stack = tuple(frame_location(f) for f in reversed(user))
        at = stack[-1] if stack else None
        if task is not None:
            return Actor(task_key(id(task)), str(task.get_name()), stack, at)
        what = "a callback on thread" if loop is not None else "thread"
        return Actor(f"H{tid:x}", f"{what} {self.thread_name(tid)}", stack, at, False)

    # concurrent.futures futures: Future.result(), wait(), as_completed() ---------------

    def _futures_wait(
        self, tid: int, waiter: Actor, view: FutureWait | None, at: Location | None
    ) -> ThreadWait | None:
        """The wait on `view`'s futures: on one of them, whose resolver ends it."""
        if view is None:
            return None
        n = view.count
        if n == 1:
            return self._one_future(tid, waiter, view.call, view.pending[0], at, view.timeout)
        if not view.all_of and n > len(view.pending):  # too many to name who ends it
            res = Resource(_rkey(view.pending[0]), "concurrent.futures.Future")
            return ThreadWait(tid, waiter, view.call, res, at, view.timeout, None)
        if view.all_of:  # it ends when all are done: one that cannot be holds it up
            chosen = None
            for fut in view.pending:
                wait = self._one_future(tid, waiter, view.call, fut, at, view.timeout)
                if wait.next_thread is not None and (chosen is None or wait.next_thread == tid):
                    chosen = wait
                if wait.next_thread == tid:
                    break  # (one that needs this very thread: held up for good)
            if chosen is None:
                return wait
            why = f"it returns only when all {n} futures it waits on are done, and {chosen.why}"
            return replace(chosen, why=why)
        waits = []  # it ends when any one is done: each must need the same thread
        for fut in view.pending:
            wait = self._one_future(tid, waiter, view.call, fut, at, view.timeout)
            if wait.next_thread is None:
                return wait  # this one may be done by someone we cannot name
            waits.append(wait)
        if len({w.next_thread for w in waits}) != 1:
            return replace(waits[0], next_thread=None, holder=None, why="")
        whys = "; ".join(dict.fromkeys(w.why for w in waits))
        why = f"any of the {n} futures it waits on would end it, and none can be done: {whys}"
        return replace(waits[0], why=why)

    def _one_future(
        self, tid: int, waiter: Actor, call: str, fut: Any, at: Location | None, timeout: Any
    ) -> ThreadWait:
        """Thread `tid` waiting (in `call`) on the concurrent future `fut`, not done."""
        res = Resource(_rkey(fut), "concurrent.futures.Future")
        found = self._resolver(fut, tid)
        if found is None:
            return ThreadWait(tid, waiter, call, res, at, timeout, None)
        thread, holder, why = found
        return ThreadWait(tid, waiter, call, res, at, timeout, thread, holder, why=why)

    def _resolver(self, fut: Any, waiting: int) -> tuple[int, Actor | None, str] | None:
        """The loop thread that must run for `fut` to be done, unless a thread that runs no
        loop refers to it (and so might resolve it)."""
        found = self._future_resolver(fut, waiting)
        if found is None or self._mentioned_elsewhere(fut, waiting):
            return None
        return found

    def _object_wait(
        self, tid: int, waiter: Actor, kind: str, frame: FrameType, at: Location | None
    ) -> ThreadWait | None:
        """A wait on a threading.Event, Condition, Semaphore, Barrier or a queue.Queue."""
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
        res = Resource(_rkey(obj), kind)
        found = self._loop_work_referring(obj, tid, quiet=self._others_quiet(tid))
        if found is None or self._mentioned_elsewhere(obj, tid):
            return ThreadWait(tid, waiter, call, res, at, timeout, None)
        thread, holder, why = found
        return ThreadWait(tid, waiter, call, res, at, timeout, thread, holder, why=why)

    def _future_resolver(self, fut: Any, waiting: int) -> tuple[int, Actor | None, str] | None:
        """The loop thread whose pending work would resolve `fut`, and that work.

        Strong evidence: `fut` is the far end of run_coroutine_threadsafe() (chained to a
        task of a loop, or still in the callback that will start the coroutine). Weak
        evidence (a callback or a suspended task merely refers to it) counts only when
        no other thread is busy: a thread might hold the future and complete it.
        """
        source = _chained_source(fut)
        if source is not None and not source.done():
            loop: Any = source.get_loop()
            tid = uvloophook.loop_thread(loop)
            if tid is None:
                return None
            if isinstance(source, asyncio.Task):
                holder = self._task_actor(source)
                why = (
                    f"only task {holder.name!r} can complete it, and it runs on "
                    f"{self.loop_name(tid, waiting)}"
                )
                return tid, holder, why
            return tid, None, f"only {self.loop_name(tid, waiting)} can complete it"
        return self._loop_work_referring(fut, waiting, quiet=self._others_quiet(waiting))

    def _loop_work_referring(
        self, obj: Any, waiting: int, quiet: bool
    ) -> tuple[int, Actor | None, str] | None:
        """A callback or suspended task of a loop that refers to `obj` and so may end the
        wait on it. Only a run_coroutine_threadsafe() callback counts unless `quiet`."""
        for loop in self.loops:
            tid = uvloophook.loop_thread(loop)
            if tid is None:
                continue
            handles = list(getattr(loop, "_ready", ())) + list(getattr(loop, "_scheduled", ()))
            for handle in handles:
                if getattr(handle, "_cancelled", False):
                    continue
                coro = _scheduled_coroutine(handle, obj)
                if coro is None and not quiet:
                    continue
                if coro is None:
                    seen = _reachable([handle._callback, *(handle._args or ())], depth=3)
                    if id(obj) not in seen:
                        continue
                what = f"coroutine {_coro_name(coro)}" if coro is not None else "a callback"
                why = (
                    f"{what}, scheduled on {self.loop_name(tid, waiting)}, would end the "
                    "wait, and can only start when that loop runs"
                )
                return tid, None, why
            if not quiet:
                continue
            current = asyncio.current_task(loop)
            for task in tasks_of(loop):
                if task is current or task.done():
                    continue
                frames = suspended_frames(task)
                if any(_mentions(v, obj, 0) for f in frames for v in f.f_locals.values()):
                    holder = self._task_actor(task)
                    why = (
                        f"only task {holder.name!r} can end the wait, and it is suspended "
                        f"on {self.loop_name(tid, waiting)}"
                    )
                    return tid, holder, why
        return None

    def _others_quiet(self, waiting: int) -> bool:
        """No thread but the waiting one runs code of the program (idle pool workers aside)."""
        me = threading.get_ident()
        for tid, top in self.frames.items():
            if tid in (waiting, me, uvloophook.monitor_ident()):
                continue
            thread = self.threads.get(tid)
            if thread is not None and getattr(thread, "_adl_own", False):
                continue
            if top is not None and top.f_code is _IDLE_WORKER:
                continue
            return False
        return True

    def _mentioned_elsewhere(self, obj: Any, waiting: int) -> bool:
        """Does a thread that runs no loop refer to `obj` (and so might resolve it)?"""
        seen = self._elsewhere.get(waiting)
        if seen is None:
            me = threading.get_ident()
            roots: list[Any] = []
            for tid, top in self.frames.items():
                if tid in (waiting, me, uvloophook.monitor_ident()) or tid in self.loop_of:
                    continue
                for frame in _frames_of(top):
                    roots += frame.f_locals.values()
            seen = self._elsewhere[waiting] = _reachable(roots, depth=2)
        return id(obj) in seen or len(seen) >= _LIMIT  # too much to look through: maybe

    # a threading.Lock / RLock made while installed ----------------------------------

    def _lock_wait(
        self, tid: int, waiter: Actor, lock: Any, at: Location | None, args: Any
    ) -> ThreadWait | None:
        if not isinstance(lock, threadlocks.TrackedLock) or not args.get("blocking", True):
            return None
        timeout = args.get("timeout", -1)
        timeout = None if timeout is None or timeout < 0 else timeout
        kind = "threading.RLock" if isinstance(lock, threadlocks.TrackedRLock) else "threading.Lock"
        created = None if lock._created is None else location(*lock._created)
        name = assigned_name(created.file, created.line) if created is not None else None
        res = Resource(_rkey(lock), kind, name, created)
        owner, task = lock.holder()
        since = location(lock._code, lock._lasti)
        call = f"{kind.split('.')[1]}.acquire()"
        if owner is None:
            return ThreadWait(tid, waiter, call, res, at, timeout, None)
        if task is not None and not task.done():
            thread = uvloophook.loop_thread(task.get_loop())
            holder = self._task_actor(task)
            if holder.key == waiter.key:
                holder = waiter
                why = "the task holds it itself"
            else:
                where = f", suspended at {holder.waits_at.short()}" if holder.waits_at else ""
                why = (
                    f"held by task {holder.name!r}{where}, which only "
                    f"{self.loop_name(thread, tid)} can resume"
                )
            return ThreadWait(tid, waiter, call, res, at, timeout, thread, holder, since, why)
        holder = Actor(f"H{owner:x}", f"thread {self.thread_name(owner)}", is_task=False)
        if owner == tid:
            holder = waiter
        why = f"held by thread {self.thread_name(owner)!r}"
        return ThreadWait(tid, waiter, call, res, at, timeout, owner, holder, since, why)

    def _task_actor(self, task: Any) -> Actor:
        stack = task_stack(task)
        return Actor(task_key(id(task)), str(task.get_name()), stack, stack[-1] if stack else None)


def _rkey(obj: object) -> str:
    return f"R{id(obj):x}"


def _coro_name(coro: Any) -> str:
    name = str(getattr(coro, "__qualname__", type(coro).__name__))
    frame = getattr(coro, "cr_frame", None)
    if frame is not None:
        return f"{name}() ({Location(frame.f_code.co_filename, frame.f_lineno or 1).short()})"
    return f"{name}()"


def tasks_of(loop: Any) -> list[Any]:
    try:
        return list(asyncio.all_tasks(loop))
    except RuntimeError:  # the set changed while being read, again and again
        return []


def _cells(fn: Any) -> dict[str, Any]:
    """A function's closure variables by name (empty cells left out)."""
    code = getattr(fn, "__code__", None)
    cells = getattr(fn, "__closure__", None) or ()
    if code is None:
        return {}
    found = {}
    for name, cell in zip(code.co_freevars, cells, strict=False):
        try:
            found[name] = cell.cell_contents
        except ValueError:  # an empty cell
            pass
    return found


def _chained_source(fut: Any) -> Any:
    """The asyncio future `fut` was chained to as its destination (run_coroutine_threadsafe)."""
    for cb in list(getattr(fut, "_done_callbacks", None) or ()):
        code = getattr(cb, "__code__", None)
        if code is not None and code.co_name == "_call_check_cancel":
            source = _cells(cb).get("source")
            if isinstance(source, asyncio.Future):
                return source
    return None


def _scheduled_coroutine(handle: Any, fut: Any) -> Any:
    """The coroutine a pending run_coroutine_threadsafe() callback will start for `fut`."""
    cells = _cells(handle._callback)
    if cells.get("future") is fut and asyncio.iscoroutine(cells.get("coro")):
        return cells["coro"]
    return None


def _closure(fn: Any) -> list[Any]:
    """The values a callback closes over (through partial and bound methods, one step)."""
    values: list[Any] = []
    if isinstance(fn, functools.partial):
        values += [fn.func, *fn.args]
        fn = fn.func
    values.append(getattr(fn, "__self__", None))
    for cell in getattr(getattr(fn, "__func__", fn), "__closure__", None) or ():
        try:
            values.append(cell.cell_contents)
        except ValueError:  # an empty cell
            pass
    return values


def _children(obj: Any) -> list[Any]:
    if isinstance(obj, (str, bytes, int, float, bool, type)) or obj is None:
        return []
    if isinstance(obj, (list, tuple, set, frozenset)):
        return list(obj)[:64]
    if isinstance(obj, dict):
        return list(obj.values())[:64]
    found = _closure(obj)
    attrs = getattr(obj, "__dict__", None)
    if isinstance(attrs, dict):
        found += list(attrs.values())[:64]
    return found


def _reachable(roots: Iterable[Any], depth: int) -> dict[int, Any]:
    """Objects reachable from `roots` in at most `depth` steps, by id (at most _LIMIT)."""
    seen: dict[int, Any] = {}
    level = list(roots)
    for _ in range(depth + 1):
        nxt: list[Any] = []
        for obj in level:
            if obj is None or id(obj) in seen:
                continue
            seen[id(obj)] = obj
            if len(seen) >= _LIMIT:  # keep the watchdog's hold on the GIL short
                return seen
            nxt += _children(obj)
        level = nxt
    return seen


def _mentions(value: Any, target: Any, depth: int) -> bool:
    return value is target or (depth > 0 and id(target) in _reachable([value], depth))
