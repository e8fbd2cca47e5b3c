"""Per-task records: what a task holds and waits on, and how it ended.

A record is created the first time a task acquires an instrumented primitive. It
refers to its task only weakly, so a finished task is freed exactly when it would
be without the detector; the record keeps what a report needs (name, how it ended).
"""

from __future__ import annotations

import asyncio
import contextvars
import traceback
import weakref
from typing import Any

#: A task of any loop (C or pure-Python asyncio.Task, or a subclass).
Task = asyncio.Task[Any]

#: How a task ended, as reported.
RETURNED = "returned"
RAISED = "raised"
CANCELLED = "cancelled"


class TaskState(weakref.ref[Task]):
    """What the detector knows about one task.

    A record is itself a weak reference to its task: `st()` is the task, or None once it
    has been freed (one object per task instead of a record and a reference, and no
    Python-level constructor on the way: a task's first acquire makes one).
    """

    __slots__ = (
        "__weakref__",
        "end_off",
        "end_once",
        "ended",
        "exception",
        "exception_tb",
        "final_name",
        "group",
        "held",
        "task_id",
        "took",
        "took_at",
        "waiting",
        "waiting_code",
        "waiting_lasti",
    )
    # Records are told apart by identity, alive or not (a weak reference would hash and
    # compare as its task, and not hash at all once that is freed).
    __hash__ = object.__hash__
    __eq__ = object.__eq__
    __ne__ = object.__ne__

    def __init__(self, task: Task, callback: Any = None) -> None:
        self.task_id = id(task)
        #: Instrumented primitives this task holds, in the order it took them.
        self.held: list[Any] = []
        #: ids of the locks an `ordered()` block of this task is taking, if any.
        self.group: frozenset[int] = frozenset()
        #: The instrumented primitive this task is parked on, if any.
        self.waiting: Any = None
        self.waiting_code: Any = None
        self.waiting_lasti = -1
        #: None while the task runs; RETURNED, RAISED or CANCELLED once it is done.
        self.ended: str | None = None
        self.exception: str | None = None
        self.exception_tb: list[str] | None = None
        self.final_name: str | None = None
        #: `_on_task_done` is registered with the record, to be taken back once the task
        #: holds nothing (`end_once`), or was taken back (`end_off`): see `unwatch_end`.
        self.end_once = True
        self.end_off = False
        #: id() of the queue it last took an item from and has not put one back into.
        self.took: int | None = None
        #: (code, bytecode offset) where it took it, recorded for queues used as pools.
        self.took_at: tuple[Any, int] | None = None

    def task(self) -> Task | None:
        """The task, or None once it has been freed."""
        return self()

    def name(self) -> str:
        task = self()
        if task is not None:
            return str(task.get_name())
        return self.final_name or f"<task {self.task_id:#x}>"


#: Records of live tasks, by id(task). Entries leave when their task is freed.
states: dict[int, TaskState] = {}


def state_for(task: Task) -> TaskState:
    """Return (creating on first use) the record of `task`."""
    state = states.get(id(task))
    if state is None:
        state = _new_state(task)
    return state


def _new_state(task: Task) -> TaskState:
    state = TaskState(task, _forget)
    states[state.task_id] = state
    task.add_done_callback(_on_task_done, context=_CONTEXT)
    return state


# -- how a task ends: recorded only for a task that may end holding something ---------
#
# The end of a task matters to a report only if it ends holding a primitive (an orphaned
# lock) or a unit of a queue used as a pool. A done callback costs every task a handle
# and a turn of the loop when it ends, which is most of what the detector adds to a task
# that takes one permit and ends (a request handler, a fan-out job). So the callback
# registered with a record is taken back when that task first holds nothing again after
# giving back a semaphore's permit or calling a lock's release() (not at the end of an
# `async with lock` block, whose exit is the hottest path of all and would pay one more
# test every time); the record's place on the task (`_adl_st`) goes with it, so that the
# task's next acquire finds the record through `states` and registers the callback again,
# this time for good (a task that takes primitives again and again pays for it once).


def unwatch_end(state: TaskState) -> None:
    """`state`'s task holds nothing now: take back the done callback registered with the
    record (only that first one), unless the task holds a unit of a pool."""
    if not state.end_once or state.held or state.took is not None:
        return
    state.end_once = False
    task = state()
    if task is None or task.done():
        return  # its callback is scheduled or has run: keep what it records
    task.remove_done_callback(_on_task_done)
    state.end_off = True
    try:
        del task._adl_st  # type: ignore[attr-defined]
    except AttributeError:  # a task type without instance attributes
        pass


def watch_end(state: TaskState) -> None:
    """Register the done callback again for a record whose callback was taken back."""
    task = state()
    if state.end_off and task is not None:
        state.end_off = False
        task.add_done_callback(_on_task_done, context=_CONTEXT)


#: The context _on_task_done runs in (it reads no context variable): one for all tasks,
#: instead of a copy of the current one per task.
_CONTEXT = contextvars.Context()


def _forget(state: TaskState) -> None:
    """A task was freed: drop its record from `states` (records stay where referenced)."""
    if states.get(state.task_id) is state:
        del states[state.task_id]


def _on_task_done(task: Task) -> None:
    """Record how a task that holds (or held) instrumented primitives ended."""
    state = states.get(id(task))
    if state is None or id(state()) != id(task):
        return
    if state.held:  # it ended holding something: keep what a report will need
        state.final_name = str(task.get_name())
        _remember_ended_holding(state)
    if task.cancelled():
        state.ended = CANCELLED
        return
    exc: BaseException | None = task._exception  # read without marking it retrieved
    if exc is None:
        state.ended = RETURNED
        return
    state.ended = RAISED
    if state.held:
        state.exception = describe_exception(exc)
        state.exception_tb = traceback.format_exception(type(exc), exc, exc.__traceback__)


#: Records of tasks that ended while holding something (pruned as holdings go).
ended_holding: list[TaskState] = []
_prune_at = 64


def _remember_ended_holding(state: TaskState) -> None:
    global _prune_at
    ended_holding.append(state)
    if len(ended_holding) >= _prune_at:
        ended_holding[:] = [s for s in ended_holding if s.held]
        _prune_at = max(64, 2 * len(ended_holding))


def describe_exception(exc: BaseException) -> str:
    """A short one-line description of an exception, e.g. `ValueError('bad')`."""
    try:
        text = repr(exc)
    except Exception:  # a broken __repr__ must not break the report
        text = type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
