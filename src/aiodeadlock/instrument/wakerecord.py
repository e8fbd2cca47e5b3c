"""Who last set, filled, notified or gave back a primitive, and where: the wake edges' facts.

Each patched method does asyncio's work, then records who did it:
  Event.set          -> event._adl_woke = (TaskState or None, code, lasti): the task and
  Condition.notify   -> condition._adl_woke    the line that called it (for notify_all,
                        the line that called that)
  Queue.put_nowait   -> queue._adl_woke = TaskState or None (per item, so no line); if
                        the task puts into the queue it last took from, it gives a unit
                        back: `TaskState.took` is cleared, and the queue is a pool
                        (`queue._adl_pool`, set once)
  Queue.get_nowait   -> TaskState.took = id(queue); for a pool also where (`took_at`)
Queue.put and Queue.get go through these. Semaphore releases by a task that holds no
permit are recorded in primitives.py. Nothing here refers to a user object other than
through the task's record (which refers to its task weakly); code objects are kept, as
everywhere else.
"""

from __future__ import annotations

import sys
from asyncio import locks, queues
from typing import Any

from aiodeadlock.instrument.capabilities import make_current_task
from aiodeadlock.instrument.primitives import state_of

_current_task = make_current_task()
_getframe = sys._getframe
_event_set = locks.Event.set
_notify = locks.Condition.notify
_put_nowait = queues.Queue.put_nowait
_get_nowait = queues.Queue.get_nowait
#: Called from these, the line that matters is their caller's.
_NOTIFY_ALL = locks.Condition.notify_all.__code__
_GET = queues.Queue.get.__code__


def _here() -> Any:
    """The current task's record (None outside a task); the slow path of the patches."""
    try:
        task = _current_task()
    except RuntimeError:  # no running loop
        return None
    return state_of(task)


# The patches inline the lookup of the current task's record (one C call and one
# attribute load when the task has one) and read their caller's frame once.


def event_set(self: Any) -> None:
    _event_set(self)
    try:
        st = _current_task()._adl_st
    except (AttributeError, RuntimeError):
        st = _here()
    frame: Any = _getframe(1)
    self._adl_woke = (st, frame.f_code, frame.f_lasti)


def condition_notify(self: Any, n: int = 1) -> None:
    _notify(self, n)
    try:
        st = _current_task()._adl_st
    except (AttributeError, RuntimeError):
        st = _here()
    frame: Any = _getframe(1)
    if frame.f_code is _NOTIFY_ALL:
        frame = frame.f_back
    self._adl_woke = (st, frame.f_code, frame.f_lasti)


def queue_put_nowait(self: Any, item: Any) -> None:
    # Per item, so lighter: the putting task only (no line), and a unit given back.
    _put_nowait(self, item)
    try:
        st = _current_task()._adl_st
    except (AttributeError, RuntimeError):
        st = _here()
        if st is None:
            self._adl_woke = None
            return
    if st.took == id(self):  # it gives back what it took: the queue is a pool
        st.took = None
        if not self._adl_pool:
            self._adl_pool = True
    self._adl_woke = st


def queue_get_nowait(self: Any) -> Any:
    item = _get_nowait(self)
    try:
        st = _current_task()._adl_st
    except (AttributeError, RuntimeError):
        st = _here()
        if st is None:
            return item
    st.took = id(self)
    if self._adl_pool:  # where it took its unit of a pool
        frame: Any = _getframe(1)
        if frame.f_code is _GET:
            frame = frame.f_back
        st.took_at = (frame.f_code, frame.f_lasti)
    return item


def last_waker(prim: Any) -> tuple[Any, Any, int] | None:
    """The last recorded wake of `prim`: `(TaskState or None, code or None, lasti)`."""
    attrs = getattr(prim, "__dict__", None)
    did = None if attrs is None else attrs.get("_adl_woke")
    if did is None:
        return None
    if not isinstance(did, tuple):  # a queue records the task only
        return (did, None, -1)
    return did


#: (class, attribute, replacement).
PATCHES: list[tuple[Any, str, Any]] = [
    (locks.Event, "set", event_set),
    (locks.Condition, "notify", condition_notify),
    (queues.Queue, "put_nowait", queue_put_nowait),
    (queues.Queue, "get_nowait", queue_get_nowait),
    (queues.Queue, "_adl_pool", False),
]
