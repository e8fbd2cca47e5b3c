"""Read a task's await chain: the frames it is suspended in, outermost first."""

from __future__ import annotations

import sys
import threading
from types import FrameType
from typing import Any

from aiodeadlock.instrument.sites import frame_location, is_internal
from aiodeadlock.model.location import Location


def suspended_frames(task: Any) -> list[FrameType]:
    """Frames of a suspended task's coroutine chain, outermost first."""
    frames: list[FrameType] = []
    coro = task.get_coro()
    seen = 0
    while coro is not None and seen < 200:
        seen += 1
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            frame = getattr(coro, "ag_frame", None)
        if frame is None:
            break
        frames.append(frame)
        nxt = getattr(coro, "cr_await", None)
        if nxt is None:
            nxt = getattr(coro, "gi_yieldfrom", None)
        if nxt is None:
            nxt = getattr(coro, "ag_await", None)
        coro = nxt
    return frames


def running_frames(task: Any, skip: int = 1) -> list[FrameType]:
    """Frames of the running task, from its coroutine down to our caller, outermost first."""
    coro = task.get_coro()
    top = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
    frames: list[FrameType] = []
    frame: FrameType | None = sys._getframe(skip + 1)
    while frame is not None and len(frames) < 200:
        frames.append(frame)
        if frame is top:
            break
        frame = frame.f_back
    else:
        if top is None:
            return []
    frames.reverse()
    return frames


def user_stack(frames: list[FrameType]) -> tuple[Location, ...]:
    """The locations of user frames (asyncio's and ours left out)."""
    return tuple(frame_location(f) for f in frames if not is_internal(f.f_code))


def task_stack(task: Any, running: bool = False) -> tuple[Location, ...]:
    """A task's await stack as locations, outermost first."""
    try:
        frames = running_frames(task, skip=2) if running else suspended_frames(task)
    except Exception:  # a coroutine-like object we do not understand
        return ()
    return user_stack(frames)


def tasks_referencing(prims: list[Any], loop: Any, skip: Any = None) -> list[Any]:
    """The loop's unfinished tasks (but `skip`) with one of `prims` in a local variable.

    A task that has a lock in hand, as a local or an argument, may release it: asyncio
    lets any task do that. Only direct references count (not through other objects).
    """
    import asyncio

    wanted = {id(p) for p in prims}
    found = []
    for task in asyncio.all_tasks(loop):
        if task is skip or task.done():
            continue
        try:
            frames = suspended_frames(task)
            if any(id(v) in wanted for f in frames for v in f.f_locals.values()):
                found.append(task)
        except Exception:  # a frame we cannot read: do not count it either way
            continue
    return found


_JOIN = threading.Thread.join.__code__


def joins_forever(frame: Any, target: threading.Thread) -> bool:
    """True if `frame` (a thread's innermost) is inside `target.join()` with no timeout:
    that thread does nothing until `target` ends, so it cannot wake `target`'s loop."""
    for _ in range(4):
        if frame is None:
            return False
        if frame.f_code is _JOIN:
            try:
                local = frame.f_locals
                return local.get("self") is target and local.get("timeout") is None
            except Exception:  # a frame we cannot read: count the thread as able to wake
                return False
        frame = frame.f_back
    return False


def _pool_worker_code() -> Any:
    import concurrent.futures.thread as pool

    return getattr(getattr(pool, "_worker", None), "__code__", None)


_POOL_WORKER = _pool_worker_code()


def idle_pool_worker(frame: Any) -> bool:
    """True if `frame` (a thread's innermost) is a thread pool worker waiting for work:
    it runs nothing until someone submits a job, so it cannot wake a loop by itself."""
    return frame is not None and _POOL_WORKER is not None and frame.f_code is _POOL_WORKER
