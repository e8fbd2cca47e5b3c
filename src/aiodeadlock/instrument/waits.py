"""What a suspended task is waiting on, read from its await chain and its waited-on future."""

from __future__ import annotations

import asyncio
import functools
import weakref
from asyncio import base_events, locks, queues, tasks
from dataclasses import dataclass
from types import FrameType
from typing import Any

from aiodeadlock.instrument import capabilities
from aiodeadlock.instrument.introspect import suspended_frames
from aiodeadlock.instrument.sites import is_internal
from aiodeadlock.model.waitgraph import ALL, ANY

#: C and pure-Python tasks (pytest-asyncio >= 1.0 runs tests in the latter on 3.10).
_TASKS = (asyncio.Task, asyncio.tasks._PyTask)  # type: ignore[attr-defined]


@dataclass
class Wait:
    """A task waits on `obj`; `holders` are the tasks whose progress would end the wait."""

    type: str
    obj: Any
    holders: list[Any]  # tasks
    mode: str = ALL
    exclusive: bool = True  # only the holders can end it
    frame: FrameType | None = None  # innermost user frame of the waiting task


def _tasks_of(futs: Any) -> tuple[list[Any], bool]:
    """The tasks among `futs`, and whether every one of them is a task."""
    found = [f for f in futs if isinstance(f, _TASKS)]
    return found, len(found) == len(list(futs))


def _queue_wait(kind: str) -> Any:
    def handler(frame: FrameType, fut: Any) -> Wait:
        q = frame.f_locals.get("self")
        return Wait(f"Queue.{kind}", q, [], exclusive=False)

    return handler


def _simple(type_name: str) -> Any:
    def handler(frame: FrameType, fut: Any) -> Wait:
        return Wait(type_name, frame.f_locals.get("self"), [], exclusive=False)

    return handler


def _taskgroup(frame: FrameType, fut: Any) -> Wait | None:
    group = frame.f_locals.get("self")
    members = list(getattr(group, "_tasks", ()) or ())
    if not members:
        return None
    # A failing member cancels the others and wakes the parent: stuck only if all are.
    return Wait("TaskGroup", group, members, ANY, True)


def _wait_for(frame: FrameType, fut: Any) -> Wait | None:
    inner = frame.f_locals.get("fut")
    if frame.f_locals.get("timeout") is not None:
        return None  # a timer ends this wait
    if isinstance(inner, _TASKS):
        return Wait("Task", inner, [inner], ALL, True)
    return None


def _asyncio_wait(frame: FrameType, fut: Any) -> Wait | None:
    loc = frame.f_locals
    if loc.get("timeout") is not None:
        return None
    fs = [f for f in (loc.get("fs") or ()) if not f.done()]
    members, only_tasks = _tasks_of(fs)
    mode = ALL if loc.get("return_when") == tasks.ALL_COMPLETED else ANY
    return Wait("asyncio.wait", fut, members, mode, only_tasks and bool(members))


def _server_closed(frame: FrameType, fut: Any) -> Wait:
    """Server.wait_closed() (3.12+ waits for every connection to close): the tasks that
    serve those connections would close them."""
    server = frame.f_locals.get("self")
    handlers = []
    transports = getattr(getattr(server, "_loop", None), "_transports", None) or {}
    for transport in list(transports.values()):
        if getattr(transport, "_server", None) is server:
            task = getattr(getattr(transport, "_protocol", None), "_task", None)
            if isinstance(task, _TASKS) and not task.done():
                handlers.append(task)
    return Wait("Server.wait_closed", server, handlers, exclusive=False)


def _as_completed(frame: FrameType, fut: Any) -> Wait | None:
    """A task waiting for the next of as_completed()'s futures (3.13+: the iterator's
    `_wait_for_one`): any one of them finishing ends the wait."""
    it = frame.f_locals.get("self")
    timer = getattr(it, "_timeout_handle", None)
    if timer is not None and not timer.cancelled():
        return None  # a timer ends this wait
    done = getattr(it, "_done", None)
    if done is None or not done.empty():
        return None  # a finished future is queued: the wait is about to end
    fs = [f for f in (getattr(it, "_todo", None) or ()) if not f.done()]
    members, only_tasks = _tasks_of(fs)
    return Wait("asyncio.as_completed", it, members, ANY, only_tasks and bool(members))


#: Keyed by id(code object): code objects hash by content (slow); these live forever.
_HANDLERS: dict[int, Any] = {
    id(locks.Event.wait.__code__): _simple("Event"),
    id(locks.Condition.wait.__code__): _simple("Condition"),
    id(queues.Queue.get.__code__): _queue_wait("get"),
    id(queues.Queue.put.__code__): _queue_wait("put"),
    id(queues.Queue.join.__code__): _queue_wait("join"),
    id(tasks._wait.__code__): _asyncio_wait,  # type: ignore[attr-defined]
    id(base_events.Server.wait_closed.__code__): _server_closed,
}
if not capabilities.WAIT_FOR_RUNS_INLINE:
    _HANDLERS[id(tasks.wait_for.__code__)] = _wait_for
if capabilities.HAS_TASKGROUP:
    _HANDLERS[id(asyncio.TaskGroup.__aexit__.__code__)] = _taskgroup  # type: ignore[attr-defined]
    _HANDLERS[id(locks.Barrier.wait.__code__)] = _simple("Barrier")  # type: ignore[attr-defined]
if capabilities.AS_COMPLETED_KEEPS_TODO:
    _HANDLERS[id(tasks._AsCompletedIterator._wait_for_one.__code__)] = _as_completed  # type: ignore[attr-defined]


#: Waits that only other tasks can end (the rest: Event, Queue... can be ended by anyone).
_EXCLUSIVE_CODES = {
    code
    for code, handler in _HANDLERS.items()
    if handler in (_taskgroup, _wait_for, _asyncio_wait, _as_completed)
}


def may_be_exclusive(task: Any) -> bool:
    """Cheap pre-check for scans: could this task wait on something only tasks can end?"""
    fut = task._fut_waiter
    if fut is None:
        return False
    if isinstance(fut, _TASKS) or hasattr(fut, "_children"):
        return True
    if shielded and fut in shielded:
        return True
    coro = task.get_coro()
    codes = _EXCLUSIVE_CODES
    for _ in range(100):
        code = getattr(coro, "cr_code", None)  # no frame object is made, nothing raised
        if code is None:
            return False  # the end of the chain: a future's iterator, or not a coroutine
        if id(code) in codes:
            return True
        coro = coro.cr_await
    return False


def holders_may_run(prim: Any) -> bool:
    """Cheap pre-check when a task is about to park on `prim` (a Lock or Semaphore): True
    if some holder of it is alive and not waiting on anything that could close a cycle
    (it sleeps, does I/O, or is ready to run), so this wait cannot be a deadlock yet."""
    holders = prim.__dict__.get("_adl_holders")
    owners = list(holders) if holders else [prim.__dict__.get("_adl_owner")]
    for st in owners:
        if st is None or st.ended is not None:
            continue
        task = st()
        if task is None or task.done():
            continue
        if st.waiting is not None:  # parked on a primitive itself, unless already woken
            fut = task._fut_waiter
            if fut is not None and fut.done():
                return True
        elif not may_be_exclusive(task):
            return True
    return False


def blocked_on(task: Any) -> Wait | None:
    """What a suspended task waits on, or None if it is not waiting on anything known."""
    fut = task._fut_waiter
    frames = suspended_frames(task)
    user: FrameType | None = None
    found: Wait | None = None
    matched = False
    for frame in reversed(frames):  # innermost first
        if not is_internal(frame.f_code):
            user = frame
            break
        handler = _HANDLERS.get(id(frame.f_code))
        if handler is not None:
            matched = True
            found = handler(frame, fut)  # the outermost internal match wins
    if not matched and fut is not None:
        found = _from_future(fut)
    if found is not None:
        found.frame = user
    return found


#: shield(): the outer future handed to the caller -> what it shields.
shielded: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_shield = tasks.shield


def shield(arg: Any) -> Any:
    """asyncio.shield, remembering which future the returned one stands for."""
    outer = _shield(arg)
    if isinstance(arg, asyncio.Future) and outer is not arg:
        try:
            shielded[outer] = arg
        except TypeError:  # a future type that takes no weak references
            pass
    return outer


def _from_future(fut: Any) -> Wait | None:
    if fut.done():
        return None
    if isinstance(fut, _TASKS):
        return Wait("Task", fut, [fut], ALL, True)
    inner = shielded.get(fut)
    if isinstance(inner, _TASKS) and not inner.done():
        return Wait("Task", inner, [inner], ALL, True)
    children = getattr(fut, "_children", None)
    if children is not None:  # gather()
        pending = [c for c in children if not c.done()]
        members, only_tasks = _tasks_of(pending)
        # A child that raises wakes the parent (unless return_exceptions, which is not
        # visible here): stuck only when every unfinished child is stuck.
        return Wait("gather", fut, members, ANY, only_tasks and bool(members))
    return Wait("Future", fut, [], exclusive=False)


class Wakers:
    """What the callbacks pending in a loop (ready or timed) refer to.

    A task or future they refer to may be woken, and a primitive they refer to may be
    released, so none of those can be called stuck. References are followed a short
    way: bound-method owners, partial and handle arguments, closure cells, and the
    attributes of those objects (a timer calling `limiter._release` counts as
    referring to `limiter._lock`).
    """

    def __init__(self, loop: Any) -> None:
        refs: set[int] = set()
        handles = list(getattr(loop, "_ready", ())) + list(getattr(loop, "_scheduled", ()))
        for handle in handles:
            if getattr(handle, "_cancelled", False):
                continue
            roots: list[Any] = [getattr(handle, "_callback", None)]
            roots += list(getattr(handle, "_args", None) or ())
            for root in roots:
                _collect(root, refs, depth=3)
        self.refs = refs

    def may_wake(self, task: Any) -> bool:
        if id(task) in self.refs:
            return True
        fut = task._fut_waiter
        if fut is not None and id(fut) in self.refs:
            return True
        return _watched_by_wait_for(task)

    def may_release(self, prim: Any) -> bool:
        return id(prim) in self.refs


def _collect(obj: Any, refs: set[int], depth: int) -> None:
    """Add `obj` and what it refers to (a few steps deep) to `refs`."""
    if obj is None or depth < 0 or id(obj) in refs:
        return
    refs.add(id(obj))
    if isinstance(obj, (str, bytes, int, float, bool)):
        return
    nxt: list[Any] = []
    if isinstance(obj, functools.partial):
        nxt += [obj.func, *obj.args, *obj.keywords.values()]
    owner = getattr(obj, "__self__", None)
    if owner is not None:
        nxt.append(owner)
        nxt.append(getattr(owner, "_task", None))  # asyncio.timeout's Timeout
    func = getattr(obj, "__func__", obj)
    for cell in getattr(func, "__closure__", None) or ():
        try:
            nxt.append(cell.cell_contents)
        except ValueError:  # an empty cell
            pass
    attrs = getattr(obj, "__dict__", None)
    if isinstance(attrs, dict) and not isinstance(obj, type):
        nxt += list(attrs.values())[:64]
    for item in nxt:
        _collect(item, refs, depth - 1)


_RELEASE_WAITER = getattr(tasks, "_release_waiter", None)


def _watched_by_wait_for(task: Any) -> bool:
    """3.10/3.11: the inner task of wait_for(..., timeout) is cancelled when it expires."""
    if _RELEASE_WAITER is None or capabilities.WAIT_FOR_RUNS_INLINE:
        return False
    for entry in getattr(task, "_callbacks", None) or ():
        cb = entry[0] if isinstance(entry, tuple) else entry
        if isinstance(cb, functools.partial) and cb.func is _RELEASE_WAITER:
            return True
    return False


#: asyncio.shield is replaced in both places programs reach it from.
PATCHES: list[tuple[Any, str, Any]] = [(tasks, "shield", shield), (asyncio, "shield", shield)]
