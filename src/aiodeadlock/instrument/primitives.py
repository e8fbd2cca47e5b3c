"""Patches for asyncio.Lock and asyncio.Semaphore: who holds them, since where, who waits.

The patches are installed on the classes themselves, so primitives created before
`install()` are covered too (BoundedSemaphore and Condition go through these). The
uncontended path only records the owner and the acquire site (a code object and a
bytecode offset); everything else happens when a task is about to park.

Attributes kept on instances (class-level defaults make them readable on any instance):
  _adl_owner        Lock: TaskState of the holder, or None
  _adl_code/_lasti  Lock: where the holder acquired it; the offset is stored inverted
                    (~lasti, negative) when it was taken by `acquire()` rather than by
                    an `async with` block (see `held_in_block`)
  _adl_holders      Semaphore: {TaskState: [count, code, lasti]}
  _adl_total        Semaphore: permits it was created with (None if unknown)
  _adl_shared       released by a task that did not acquire it: ownership is not tracked
  _adl_created      (code, lasti) of the creation site, or None
"""

from __future__ import annotations

import sys
from asyncio import locks, queues
from typing import Any

from aiodeadlock.instrument import taskstate
from aiodeadlock.instrument.capabilities import current_tasks_lookup, make_current_task
from aiodeadlock.instrument.probe import SLOT
from aiodeadlock.instrument.sites import contextlib_filename, is_internal, user_frame

_getframe = sys._getframe
#: contextlib's file name, as the very string object its code objects carry.
_CONTEXTLIB = contextlib_filename()
_current_task = make_current_task()
_current_tasks_get = current_tasks_lookup()
_states = taskstate.states
_new_state = taskstate._new_state

_Lock: Any = locks.Lock
_Semaphore: Any = locks.Semaphore
_lock_init = _Lock.__init__
_lock_acquire = _Lock.acquire
_lock_release = _Lock.release
_sem_init = _Semaphore.__init__
_sem_acquire = _Semaphore.acquire
_sem_release = _Semaphore.release


def is_lock(obj: Any) -> bool:
    """True for an asyncio.Lock (as opposed to a semaphore)."""
    return isinstance(obj, _Lock)


def bound_elsewhere(prim: Any, loop: Any) -> bool:
    """True if `prim` is bound to an event loop other than `loop` (asyncio refuses to wait)."""
    bound = getattr(prim, "_loop", None)
    return bound is not None and bound is not loop


def is_owned_primitive(obj: Any) -> bool:
    """True for the primitives whose holders are tracked (locks and semaphores)."""
    return isinstance(obj, (_Lock, _Semaphore))


def _caller(depth: int) -> Any:
    """The user frame that called into the primitive (None if it is a task's first step)."""
    frame = _getframe(depth + 1)
    if is_internal(frame.f_code):
        return user_frame(frame)
    return frame


def _created_site(frame: Any) -> tuple[Any, int] | None:
    if frame is not None and is_internal(frame.f_code):
        frame = user_frame(frame)
    return None if frame is None else (frame.f_code, frame.f_lasti)


def _task_for(prim: Any) -> Any:
    """The current task, slow path: find the running loop and remember it on `prim`.

    The hot paths look the task up as `current_tasks.get(prim._adl_loop)`: one dict
    lookup instead of finding the running loop (which costs ~170 ns before 3.12). A
    remembered loop that is not running yields None, which brings us here.
    """
    try:
        task = _current_task()
    except RuntimeError:  # no running loop
        return None
    if task is not None:
        prim._adl_loop = task.get_loop()
    return task


def _state(prim: Any) -> Any:
    """The current task's record (created on first use), or None outside a task."""
    task = _current_tasks_get(prim._adl_loop) or _task_for(prim)
    if task is None:
        return None
    st = _states.get(id(task))
    return st if st is not None else _new_state(task)


def _nested(st: Any, prim: Any, frame: Any) -> None:
    try:
        SLOT.probe.nested(st, prim, frame)
    except Exception as exc:  # the detector failed: the program must not notice
        SLOT.fail(exc)


def _announce(st: Any, prim: Any, frame: Any, taken: bool) -> None:
    """`st`'s task is about to park on `prim`: record the wait (until it resumes) and,
    if `prim` is taken (rather than free but promised to a waiter that was woken),
    let the detector look. Raises the detector's verdict (DeadlockError, raise mode)."""
    st.waiting = prim
    if frame is not None:
        st.waiting_code = frame.f_code
        st.waiting_lasti = frame.f_lasti
    if not taken:
        return
    try:
        verdict = SLOT.probe.contended(st, prim, frame)
    except Exception as exc:  # the detector failed: the program must not notice
        SLOT.fail(exc)
        return
    if verdict is not None:
        raise verdict


async def _park(self: Any, acquire: Any, frame: Any, st: Any, taken: bool) -> Any:
    """Slow path: wait for `self` through asyncio's own `acquire`, the wait recorded."""
    if st is None or not SLOT.watching:
        return await acquire(self)
    try:
        _announce(st, self, frame, taken)
        return await acquire(self)
    finally:
        st.waiting = None


# -- Lock ---------------------------------------------------------------------------


def lock_init(self: Any, *args: Any, **kwargs: Any) -> None:
    _lock_init(self, *args, **kwargs)
    # Every attribute the hot path sets, set once here: instances then keep one layout,
    # which the interpreter's attribute caches rely on.
    self._adl_owner = None
    self._adl_code = None
    self._adl_lasti = -1
    self._adl_loop = None
    self._adl_created = _created_site(_getframe(1))


def _lock_taken(self: Any, st: Any, frame: Any) -> None:
    """Bookkeeping after `acquire()` (not `async with`) took the lock."""
    self._adl_owner = st
    if st is not None:
        st.held.append(self)
    if frame is not None:
        self._adl_code = frame.f_code
        self._adl_lasti = ~frame.f_lasti
    else:
        self._adl_code = None
        self._adl_lasti = -1


def held_in_block(prim: Any) -> bool:
    """True if `prim` is a Lock whose current hold was taken by an `async with` block.

    Such a hold is released by the block's own exit: another task releasing it instead
    would make that exit fail, so nobody but the holder can end it.
    """
    return (
        isinstance(prim, _Lock)
        and bool(prim._locked)
        and prim._adl_code is not None
        and prim._adl_lasti >= 0
    )


async def lock_aenter(self: Any) -> None:
    # The hot path: keep it to a task lookup, two stores and a frame lookup.
    task = _current_tasks_get(self._adl_loop) or _task_for(self)
    frame = _getframe(1)
    code = frame.f_code
    if code.co_filename is _CONTEXTLIB:  # entered through contextlib: the user's line
        frame = user_frame(frame) or frame
        code = frame.f_code
    lasti = frame.f_lasti
    st = None
    if task is not None:
        st = _states.get(id(task)) or _new_state(task)
        if st.held:
            _nested(st, self, frame)
    if not self._locked and not self._waiters:
        # Free and nobody queued: asyncio's own fast path would just mark it taken.
        self._locked = True
    elif st is None or not SLOT.watching:
        await _lock_acquire(self)
    else:  # _park(), inlined: one coroutine less on every contended acquire
        try:
            _announce(st, self, frame, self._locked)
            await _lock_acquire(self)
        finally:
            st.waiting = None
    if st is not None:
        self._adl_owner = st
        st.held.append(self)
    self._adl_code = code
    self._adl_lasti = lasti


async def lock_aexit(self: Any, exc_type: Any, exc: Any, tb: Any) -> None:
    # Released by the task that entered the block, so no handover check is needed.
    # (The hot path: _drop()'s common case is inlined.)
    if self._locked and not self._waiters:
        self._locked = False  # nobody to wake: all asyncio's release would do
    else:
        _lock_release(self)
    st = self._adl_owner
    if st is not None:
        self._adl_owner = None
        held = st.held
        if held and held[-1] is self:
            held.pop()
        else:
            _drop(held, self)


async def lock_acquire(self: Any) -> bool:
    frame = _caller(1)
    st = _state(self)
    if st is not None and st.held:
        _nested(st, self, frame)
    if not self._locked and not self._waiters:
        self._locked = True
    else:
        await _park(self, _lock_acquire, frame, st, self._locked)
    _lock_taken(self, st, frame)
    return True


def lock_release(self: Any) -> None:
    _lock_release(self)
    st = self._adl_owner
    if st is not None:
        self._adl_owner = None
        _drop(st.held, self)
        task = _current_tasks_get(self._adl_loop) or _task_for(self)
        if task is None or id(task) != st.task_id:
            self._adl_shared = True


# -- Semaphore ----------------------------------------------------------------------


def sem_init(self: Any, value: int = 1, *args: Any, **kwargs: Any) -> None:
    _sem_init(self, value, *args, **kwargs)
    self._adl_total = value
    self._adl_created = _created_site(_getframe(1))


def _drop(held: list[Any], prim: Any) -> None:
    """Remove the most recent occurrence of `prim` from a held list."""
    if held and held[-1] is prim:  # released in the order taken: the usual case
        held.pop()
        return
    for i in range(len(held) - 1, -1, -1):
        if held[i] is prim:
            del held[i]
            return


def _sem_taken(self: Any, st: Any, frame: Any) -> None:
    if st is None:
        self._adl_shared = True  # a permit taken outside any task: owners unknown
        return
    holders = self._adl_holders
    if holders is None:
        holders = self._adl_holders = {}
    entry = holders.get(st)
    if entry is None:
        holders[st] = [1, None, -1] if frame is None else [1, frame.f_code, frame.f_lasti]
    else:
        entry[0] += 1
    st.held.append(self)


def _sem_given_back(self: Any) -> None:
    """Bookkeeping after a permit went back: whose was it?"""
    holders = self._adl_holders
    st = _state(self) if holders else None
    entry = None if st is None else holders.get(st)
    if entry is None or st is None:
        self._adl_shared = True  # released by a task that holds no permit: a signal
        return
    _drop(st.held, self)
    entry[0] -= 1
    if entry[0] <= 0:
        del holders[st]


async def sem_aenter(self: Any) -> None:
    task = _current_tasks_get(self._adl_loop) or _task_for(self)
    frame = _getframe(1)
    if frame.f_code.co_filename is _CONTEXTLIB:  # entered through contextlib: the user's line
        frame = user_frame(frame) or frame
    st = None
    if task is not None:
        st = _states.get(id(task)) or _new_state(task)
        if st.held:
            _nested(st, self, frame)
    if self._value > 0 and not self._waiters:
        self._value -= 1  # a free permit and nobody queued: asyncio's fast path
    else:
        await _park(self, _sem_acquire, frame, st, self._value <= 0)
    _sem_taken(self, st, frame)


async def sem_aexit(self: Any, exc_type: Any, exc: Any, tb: Any) -> None:
    if type(self) is _Semaphore and not self._waiters:
        self._value += 1  # nobody to wake: all asyncio's release would do
        _sem_given_back(self)
    else:
        self.release()  # BoundedSemaphore checks its bound first


async def sem_acquire(self: Any) -> bool:
    frame = _caller(1)
    st = _state(self)
    if st is not None and st.held:
        _nested(st, self, frame)
    if self._value > 0 and not self._waiters:
        self._value -= 1
    else:
        await _park(self, _sem_acquire, frame, st, self._value <= 0)
    _sem_taken(self, st, frame)
    return True


def sem_release(self: Any) -> None:
    _sem_release(self)
    _sem_given_back(self)


def _recording_init(cls: Any) -> Any:
    """An __init__ for `cls` that also records where the instance was created."""
    original = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._adl_created = _created_site(_getframe(1))

    return __init__


_OTHERS: list[Any] = [locks.Event, locks.Condition, queues.Queue]
if hasattr(locks, "Barrier"):
    _OTHERS.append(locks.Barrier)

#: (class, attribute, replacement). Class-level defaults are installed alongside.
PATCHES: list[tuple[Any, str, Any]] = [
    (_Lock, "__init__", lock_init),
    (_Lock, "__aenter__", lock_aenter),
    (_Lock, "__aexit__", lock_aexit),
    (_Lock, "acquire", lock_acquire),
    (_Lock, "release", lock_release),
    (_Lock, "_adl_owner", None),
    (_Lock, "_adl_code", None),
    (_Lock, "_adl_lasti", -1),
    (_Lock, "_adl_created", None),
    (_Lock, "_adl_shared", False),
    (_Lock, "_adl_loop", None),
    (_Lock, "_adl_class", None),
    (_Semaphore, "__init__", sem_init),
    (_Semaphore, "__aenter__", sem_aenter),
    (_Semaphore, "__aexit__", sem_aexit),
    (_Semaphore, "acquire", sem_acquire),
    (_Semaphore, "release", sem_release),
    (_Semaphore, "_adl_total", None),
    (_Semaphore, "_adl_created", None),
    (_Semaphore, "_adl_shared", False),
    (_Semaphore, "_adl_loop", None),
    (_Semaphore, "_adl_holders", None),
    (_Semaphore, "_adl_class", None),
]
for _cls in _OTHERS:
    PATCHES += [(_cls, "__init__", _recording_init(_cls)), (_cls, "_adl_created", None)]


class grouped:
    """Mark the locks an `ordered()` block takes, so their mutual order is not recorded."""

    def __init__(self, prims: list[Any]) -> None:
        self._ids = frozenset(id(p) for p in prims)
        self._st: Any = None
        self._old: frozenset[int] = frozenset()

    def __enter__(self) -> None:
        try:
            task = _current_task()
        except RuntimeError:  # no running loop
            task = None
        self._st = None if task is None else (_states.get(id(task)) or _new_state(task))
        if self._st is not None:
            self._old = self._st.group
            self._st.group = self._ids

    def __exit__(self, *exc: object) -> None:
        if self._st is not None:
            self._st.group = self._old
