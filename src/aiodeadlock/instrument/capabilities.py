"""Version-dependent facts about asyncio, decided once in one place."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

PY311 = sys.version_info >= (3, 11)
PY312 = sys.version_info >= (3, 12)
PY314 = sys.version_info >= (3, 14)

#: asyncio.TaskGroup and asyncio.timeout exist.
HAS_TASKGROUP = PY311
#: Tasks may run their first step eagerly inside create_task (eager task factory).
HAS_EAGER_TASKS = PY312
#: wait_for awaits a coroutine in the calling task (no inner task) from 3.12 on.
WAIT_FOR_RUNS_INLINE = PY312
#: as_completed() is an iterator object that keeps the futures not done yet (3.13+); before,
#: its waits are closures that do not hold them.
AS_COMPLETED_KEEPS_TODO = sys.version_info >= (3, 13)


def make_current_task() -> Callable[[], Any]:
    """Return the cheapest `() -> Task | None` for this interpreter.

    Callers must treat RuntimeError as "no task" (3.12+ raises it with no running loop).

    From 3.12 on `asyncio.current_task` is cheap C code. Before that, finding the
    running loop alone costs ~170 ns, so the loop is cached per thread and the cache
    is refreshed whenever it yields no task (a stale loop is not running any task).
    """
    import asyncio.events as events
    import asyncio.tasks as tasks

    get_loop = events._get_running_loop
    if PY312:
        try:
            from _asyncio import current_task as c_current_task  # type: ignore[attr-defined,unused-ignore]
        except ImportError:  # an interpreter without the C accelerator
            return tasks.current_task
        return c_current_task  # type: ignore[no-any-return]

    lookup = tasks._current_tasks.get  # type: ignore[attr-defined]
    cache = threading.local()
    cache.loop = None

    def current_task_cached() -> Any:
        try:
            task = lookup(cache.loop)
        except AttributeError:  # first call in this thread
            task = None
        if task is None:
            cache.loop = get_loop()
            task = lookup(cache.loop)
        return task

    return current_task_cached


def _c_current_task() -> Callable[..., Any] | None:
    """asyncio's C `current_task(loop=None)` where it is cheap C code (3.12+), else None."""
    if not PY312:
        return None
    try:
        from _asyncio import current_task  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # an interpreter without the C accelerator
        return None
    return current_task  # type: ignore[no-any-return]


#: Whether the hot paths' current-task lookup is keyed by a loop they remember per primitive
#: (see `task_by_loop_lookup`).
CACHE_TASK_LOOP = _c_current_task() is None


def task_by_loop_lookup() -> Callable[[Any], Any]:
    """`loop -> the task it is running, or None`, for the hot paths: the cheapest lookup
    that is right on this interpreter.

    3.12+ (CACHE_TASK_LOOP false): asyncio's C `current_task`. Called with None it reads
    this thread's running loop, raising RuntimeError if there is none; the hot paths pass
    None always (they remember no loop). From 3.14 on it is the only right answer: C tasks
    record the current task on the thread state and no longer update
    `asyncio.tasks._current_tasks`, so a lookup in that table misses every time.

    3.10/3.11 (CACHE_TASK_LOOP true): `asyncio.tasks._current_tasks.get`, a plain dict
    lookup, keyed by a loop the caller remembered (None yields None; the caller then finds
    the running loop, which costs ~170 ns there, and remembers it).
    """
    import asyncio.tasks as tasks

    c_current_task = _c_current_task()
    if c_current_task is not None:
        return c_current_task
    table = getattr(tasks, "_current_tasks", None)
    if isinstance(table, dict):
        return table.get

    def lookup(loop: Any) -> Any:  # an interpreter without the table: ask asyncio
        return None if loop is None else tasks.current_task(loop)

    return lookup


#: C tasks are kept in per-thread lists that only `all_tasks()` reads (3.14+); before
#: that every task is in the `_scheduled_tasks` WeakSet, whose length is cheap to read.
TASKS_IN_THREAD_LISTS = PY314


def make_task_counter() -> Callable[[Any], int]:
    """Return `loop -> about how many tasks exist`, as cheaply as this interpreter allows.

    Before 3.14 it is the length of asyncio's task registry (every loop's tasks). From
    3.14 on C tasks are only reachable through `all_tasks(loop)`, which visits them: a
    hint then costs time proportional to the loop's tasks, so callers rate-limit it.
    """
    import asyncio.tasks as tasks

    if not TASKS_IN_THREAD_LISTS:
        registry = getattr(tasks, "_scheduled_tasks", None)
        eager = getattr(tasks, "_eager_tasks", None) or ()
        if registry is not None:

            def count_registry(loop: Any) -> int:
                try:
                    return len(registry) + len(eager)
                except TypeError:
                    return 0

            return count_registry

    def count_all(loop: Any) -> int:
        try:
            return len(tasks.all_tasks(loop))
        except RuntimeError:  # the set changed while being read
            return 0

    return count_all
