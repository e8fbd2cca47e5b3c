"""Which thread pool a concurrent future was submitted to, and which of its workers runs it."""

from __future__ import annotations

import asyncio
import concurrent.futures.thread as _pool
import contextvars
import functools
import sys
import threading
import weakref
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

from aiodeadlock.instrument import threadlocks
from aiodeadlock.instrument.sites import frame_location, user_frame
from aiodeadlock.model.location import Location

_ThreadPool: Any = _pool.ThreadPoolExecutor
_running_loop = asyncio.events._get_running_loop
_submit = _ThreadPool.submit
_RUN: CodeType = _pool._WorkItem.run.__code__
#: The frames that call a job's function (3.14+: WorkerContext.run, inside _WorkItem.run).
_CALLS_JOB = {_RUN} | {
    ctx.run.__code__ for ctx in [getattr(_pool, "WorkerContext", None)] if ctx is not None
}
_MAX_DEPTH = 400


def submit(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    """ThreadPoolExecutor.submit, and the future remembers its pool (weakly) and job."""
    fut = _submit(self, fn, *args, **kwargs)
    try:
        ref = self.__dict__.get("_adl_ref")
        if ref is None:
            ref = self._adl_ref = weakref.ref(self)
        fut._adl_pool = ref
        code = getattr(fn, "__code__", None)  # a function, or a bound method
        fut._adl_job = code if code is not None else _code_of(fn)
    except (AttributeError, TypeError):  # a pool or future type of someone else's
        return fut
    if code is None or id(code) in _ACQUIRE_CODES:
        lock = _lock_taken_by(fn)
        if lock is not None:  # run_in_executor(None, lock.acquire), to_thread(lock.acquire)
            _for_task(fut, lock)
    return fut


@dataclass(frozen=True)
class Orphan:
    """A threading lock a pool thread took for a task that was cancelled while it waited
    for the lock: the task never learns it holds it, so it never releases it."""

    worker: int  # the pool thread that took it (its owner now)
    task: str  # the cancelled task
    at: Location | None  # where that task awaited the job


#: The last job-taken acquisition of each lock, when it was taken for nobody.
_orphans: weakref.WeakKeyDictionary[Any, Orphan] = weakref.WeakKeyDictionary()


def _lock_taken_by(fn: Any) -> Any:
    """The tracked threading lock `fn` acquires (`lock.acquire`, also wrapped by to_thread
    in partial(context.run, ...)), or None."""
    if isinstance(fn, functools.partial) and isinstance(
        getattr(fn.func, "__self__", None), contextvars.Context
    ):
        fn = fn.args[0] if fn.args else None
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, threadlocks.TrackedLock) and getattr(fn, "__name__", "") in _ACQUIRES:
        return owner
    return None


_ACQUIRES = ("acquire", "__enter__")
#: By id (code objects hash by content: slow); these live as long as the module.
_ACQUIRE_CODES = frozenset(id(code) for code in threadlocks.ACQUIRE_CODES)


def _for_task(fut: Any, lock: Any) -> None:
    """Remember which task the job takes `lock` for, and check when the job ends."""
    task = asyncio.current_task() if _running_loop() is not None else None
    name = str(task.get_name()) if task is not None else "?"
    frame = user_frame(sys._getframe(2))
    at = frame_location(frame) if frame is not None else None
    lock_ref = weakref.ref(lock)

    def taken(done: Any) -> None:
        target = lock_ref()
        if target is None:
            return
        if done.cancelled() or done.exception() is not None or done.result() is not True:
            return
        waiters = _destinations(done)
        if waiters and all(w.cancelled() for w in waiters):
            _orphans[target] = Orphan(threading.get_ident(), name, at)
        else:
            _orphans.pop(target, None)

    fut.add_done_callback(taken)


def _destinations(fut: Any) -> list[Any]:
    """The asyncio futures `fut` is chained to (wrap_future, run_in_executor)."""
    found = []
    for cb in list(getattr(fut, "_done_callbacks", None) or ()):
        code = getattr(cb, "__code__", None)
        if code is not None and code.co_name == "_call_set_state":
            names = code.co_freevars
            for name, cell in zip(names, cb.__closure__ or (), strict=False):
                if name == "destination" and isinstance(cell.cell_contents, asyncio.Future):
                    found.append(cell.cell_contents)
    return found


def orphan(lock: Any) -> Orphan | None:
    """How `lock` was taken for nobody, if it still is: locked by the pool thread that
    took it as a job (no code of the program has taken it since)."""
    if not isinstance(lock, threadlocks.TrackedLock):
        return None
    found = _orphans.get(lock)
    if found is None or not lock.locked():
        return None
    if lock._owner != found.worker or lock._code not in _CALLS_JOB:
        return None
    return found


def _code_of(fn: Any) -> CodeType | None:
    while isinstance(fn, functools.partial):
        fn = fn.func
    fn = getattr(fn, "__func__", fn)
    code = getattr(fn, "__code__", None)
    return code if isinstance(code, CodeType) else None


def pool_of(fut: Any) -> Any:
    """The ThreadPoolExecutor `fut` was submitted to (while installed), or None."""
    ref = getattr(fut, "_adl_pool", None)
    return ref() if ref is not None else None


def job_of(fut: Any) -> CodeType | None:
    """The code of the function `fut` runs (submitted while installed), or None."""
    return getattr(fut, "_adl_job", None)


def workers(pool: Any) -> list[Any]:
    """The pool's live worker threads."""
    return [t for t in list(getattr(pool, "_threads", ())) if t.is_alive()]


def saturated(pool: Any) -> bool:
    """Every worker the pool may have has been started: a job queued now waits for one of
    them (no new worker is started for it)."""
    return len(workers(pool)) >= int(getattr(pool, "_max_workers", 0) or 0) > 0


def running_on(fut: Any, frames: dict[int, FrameType]) -> int | None:
    """The ident of the worker thread running `fut`'s job, or None."""
    for tid, top in frames.items():
        frame: FrameType | None = top
        for _ in range(_MAX_DEPTH):
            if frame is None:
                break
            if frame.f_code is _RUN:
                item = frame.f_locals.get("self")
                if getattr(item, "future", None) is fut:
                    return tid
                break  # a worker runs one job at a time
            frame = frame.f_back
    return None


PATCHES: list[tuple[Any, str, Any]] = [(_ThreadPool, "submit", submit)]
