"""Which thread pool a concurrent future was submitted to, and which of its workers runs it."""

from __future__ import annotations

import concurrent.futures.thread as _pool
import functools
import weakref
from types import CodeType, FrameType
from typing import Any

_ThreadPool: Any = _pool.ThreadPoolExecutor
_submit = _ThreadPool.submit
_RUN: CodeType = _pool._WorkItem.run.__code__
_MAX_DEPTH = 400


def submit(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    """ThreadPoolExecutor.submit, and the future remembers its pool (weakly) and job."""
    fut = _submit(self, fn, *args, **kwargs)
    try:
        fut._adl_pool = weakref.ref(self)
        fut._adl_job = _code_of(fn)
    except (AttributeError, TypeError):  # a future type of someone else's: not known
        pass
    return fut


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
