"""Patches for asyncio.Lock and asyncio.Semaphore: who holds them, since where, who waits.

The patches are installed on the classes themselves, so primitives created before
`install()` are covered too (BoundedSemaphore and Condition go through these). The
uncontended path only records the owner and the acquire site (a code object and a
bytecode offset); everything else happens when a task is about to park.

`async with` on a free primitive is done at once: `__aenter__` and `__aexit__` are plain
functions that do their work when called and return an awaitable that is already
finished (`_DONE`), so no coroutine is made for them. `async with` awaits that right
after the call, so nothing can happen in between; only a contended `__aenter__` returns a
coroutine, which parks the task.

Attributes kept on instances. Those the hot paths read or write are set by `__init__` and
have no class-level default: a class attribute of the same name would stop CPython
3.12/3.13 from specialising their loads and stores (3.14 their stores). A primitive made
before `install()` (or by a subclass whose `__init__` skips ours) gets them on its first
patched use (`_adopt`), before anything reads them.
  _adl_owner        Lock: TaskState of the holder, or None
  _adl_code/_lasti  Lock: where the holder acquired it; the offset is stored inverted
                    (~lasti, negative) when it was taken by `acquire()` rather than by
                    an `async with` block (see `held_in_block`)
  _adl_holders      Semaphore: {TaskState: [count, code, lasti]}, or None
  _adl_loop         the loop last seen using it (3.10/3.11: the current-task lookup's key)
  _adl_class        its lock class for the lock-order graph, once known (ordering.py)
  _adl_ikey         its key in per-instance lock-order edges, set with `_adl_class`
With class-level defaults (read only off the hot paths):
  _adl_total        Semaphore: permits it was created with (None if unknown)
  _adl_shared       released by a task that did not acquire it: ownership is not tracked
  _adl_created      (code, lasti) of the creation site, or None
  _adl_released     Lock: (TaskState, code, lasti) of the last release that had waiters
                    (written on the contended path only)
  _adl_via          Lock: (taker TaskState, code, lasti, _adl_released) when a waiter took
                    it (a hand-over); it describes the current hold only if taker and site
                    are the current ones (see `handed_over_by`)
  _adl_woke         Semaphore: (TaskState, code, lasti) of the last release by a task that
                    held no permit (a semaphore used as a signal); see wakerecord.py
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from asyncio import coroutines, events, locks, queues
from collections.abc import Coroutine
from typing import Any

from aiodeadlock.instrument import accel, taskstate
from aiodeadlock.instrument.capabilities import (
    CACHE_TASK_LOOP,
    make_current_task,
    task_by_loop_lookup,
)
from aiodeadlock.instrument.probe import SLOT
from aiodeadlock.instrument.sites import is_internal, user_frame

_getframe = sys._getframe
#: The one piece of contextlib that calls `__aenter__` (AsyncExitStack's): entered from
#: there, the site is the user's line that called it. (Compared by identity: cheaper than
#: reading the caller's file name.)
_ENTER_ASYNC_CONTEXT = contextlib.AsyncExitStack.enter_async_context.__code__
_current_task = make_current_task()
#: `loop -> its current task` (None: this thread's running loop); see capabilities.py.
_task_by_loop = task_by_loop_lookup()
_states_get = taskstate.states.get
_new_state = taskstate._new_state
_watch_end = taskstate.watch_end
_unwatch_end = taskstate.unwatch_end

_Lock: Any = locks.Lock
_Semaphore: Any = locks.Semaphore
_lock_init = _Lock.__init__
_lock_acquire = _Lock.acquire
_lock_release = _Lock.release
_sem_init = _Semaphore.__init__
_sem_acquire = _Semaphore.acquire
_sem_release = _Semaphore.release


class _Done(Coroutine[Any, Any, None]):
    """An awaitable that is finished already, with the result None.

    Awaiting it costs no allocation: `__await__` is the bound `__iter__` of one exhausted
    iterator (a C callable, not a descriptor), which returns that iterator. It is also a
    Coroutine, so whatever takes a coroutine (create_task, ensure_future) takes it too.
    """

    __slots__ = ()
    __await__ = iter(()).__iter__  # type: ignore[assignment]

    def send(self, value: Any) -> Any:
        raise StopIteration

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        if val is None:
            raise typ
        raise val

    def close(self) -> None:
        pass


_DONE = _Done()


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


#: id(code) -> (code, whether it is asyncio's or ours): `is_internal` compares file names,
#: and acquire() is mostly called from asyncio itself (Condition, the `async with` of
#: Condition and BoundedSemaphore), so the same few code objects are asked about again and
#: again. The code is kept with its entry, so that id stays its own.
_internal_codes: dict[int, tuple[Any, bool]] = {}
_INTERNAL_CODES_LIMIT = 4096
_HANDLE_RUN = events.Handle._run.__code__


def forget_code_verdicts() -> None:
    """Drop the cached verdicts (after a library was hidden or shown: see sites)."""
    _internal_codes.clear()


def _internal(code: Any) -> bool:
    hit = _internal_codes.get(id(code))
    if hit is not None:
        return hit[1]
    verdict = is_internal(code)
    if len(_internal_codes) >= _INTERNAL_CODES_LIMIT:
        _internal_codes.clear()
    _internal_codes[id(code)] = (code, verdict)
    return verdict


def _caller(depth: int) -> Any:
    """The user frame that called into the primitive (None if it is a task's first step):
    `sites.user_frame` of the caller, with the verdicts on code objects cached."""
    frame: Any = _getframe(depth + 1)
    while frame is not None:
        code = frame.f_code
        if not _internal(code):
            return frame
        if code is _HANDLE_RUN:  # the loop's callback runner: above it is not the task's
            return None
        frame = frame.f_back
    return None


def _created_site(frame: Any) -> tuple[Any, int] | None:
    if frame is not None and _internal(frame.f_code):
        frame = user_frame(frame)
    return None if frame is None else (frame.f_code, frame.f_lasti)


def _task_for(prim: Any) -> Any:
    """The current task, slow path (the running loop is looked up), or None.

    Where the lookup is keyed by loop (3.10/3.11, CACHE_TASK_LOOP) the loop is remembered on
    `prim`: the hot paths then look the task up as `_task_by_loop(prim._adl_loop)`, one dict
    lookup. A remembered loop that is not running yields None, which brings us here.
    """
    try:
        task = _current_task()
    except RuntimeError:  # no running loop
        return None
    if task is not None and CACHE_TASK_LOOP:
        prim._adl_loop = task.get_loop()
    return task


_LOCK_FIELDS = (
    ("_adl_owner", None),
    ("_adl_code", None),
    ("_adl_lasti", -1),
    ("_adl_loop", None),
    ("_adl_class", None),
)
_SEM_FIELDS = (("_adl_holders", None), ("_adl_loop", None), ("_adl_class", None))


def _adopt(prim: Any) -> Any:
    """Give a primitive that missed our `__init__` the attributes the hot paths use (those
    it has are kept), then return the current task (None outside a task)."""
    fields = _LOCK_FIELDS if isinstance(prim, _Lock) else _SEM_FIELDS
    attrs = prim.__dict__
    for name, default in fields:
        if name not in attrs:
            setattr(prim, name, default)
    return _task_for(prim)


def _current(prim: Any) -> Any:
    """The current task (None outside a task): the hot paths' lookup, as a function."""
    try:
        return _task_by_loop(prim._adl_loop) or _task_for(prim)
    except AttributeError:  # made before install()
        return _adopt(prim)
    except RuntimeError:  # no running loop
        return None


def _state(prim: Any) -> Any:
    """The current task's record (created on first use), or None outside a task."""
    try:
        task = _task_by_loop(prim._adl_loop) or _task_for(prim)
    except AttributeError:  # made before install()
        task = _adopt(prim)
    except RuntimeError:  # no running loop
        return None
    try:
        return task._adl_st
    except AttributeError:  # outside a task, or its first time here
        return state_of(task)


def state_of(task: Any) -> Any:
    """The record of `task` (None: None), made on first use and then kept on the task too
    (`task._adl_st`, where the task takes attributes): one attribute load for the hot
    paths instead of a lookup by `id(task)`, which makes an int object every time."""
    if task is None:
        return None
    st = _states_get(id(task))
    if st is None or st() is not task:
        st = _new_state(task)
    elif st.end_off:
        _watch_end(st)
    try:
        task._adl_st = st
    except Exception:  # a task type without instance attributes: looked up every time
        pass
    return st


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
    # Every attribute the hot path reads or sets, set once here in one order: instances
    # then share one layout, which the interpreter's attribute caches rely on.
    self._adl_owner = None
    self._adl_code = None
    self._adl_lasti = -1
    self._adl_loop = None
    self._adl_class = None
    self._adl_created = _created_site(_getframe(1))
    self._adl_released = None
    self._adl_via = None


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


def _released(self: Any, frame: Any) -> None:
    """A release with waiters queued (one of them takes the lock next): by whom, where."""
    try:
        task = _current(self)
        st = None if task is None else task._adl_st
    except AttributeError:  # a task that never took a primitive
        st = state_of(task)
    self._adl_released = (st, frame.f_code, frame.f_lasti)


def _caller_of(frame: Any) -> Any:
    while frame is not None and _internal(frame.f_code):
        if frame.f_code is _HANDLE_RUN:
            return None
        frame = frame.f_back
    return frame


def handed_over_by(prim: Any) -> tuple[Any, Any, int] | None:
    """For a lock whose current holder took it from a waiting queue: the release that
    handed it over, `(TaskState or None, code, lasti)`; None when not known.

    The record is trusted only when it names the current holder and acquire site (a
    later uncontended re-take by the same task at the same line is not told apart)."""
    attrs = getattr(prim, "__dict__", None)
    if not isinstance(prim, _Lock) or attrs is None or not prim._locked:
        return None
    via = attrs.get("_adl_via")
    if via is None or via[3] is None:
        return None
    taker, code, lasti, released = via
    if taker is None or taker is not attrs.get("_adl_owner"):
        return None
    if code is not attrs.get("_adl_code") or lasti != attrs.get("_adl_lasti"):
        return None
    if released[0] is taker:
        return None  # released and taken again by the same task: no hand-over
    return released  # type: ignore[no-any-return]


def held_in_block(prim: Any) -> bool:
    """True if `prim` is a Lock whose current hold was taken by an `async with` block.

    Such a hold is released by the block's own exit: another task releasing it instead
    would make that exit fail, so nobody but the holder can end it.
    """
    if not isinstance(prim, _Lock) or not prim._locked:
        return False
    attrs = prim.__dict__
    return attrs.get("_adl_code") is not None and attrs.get("_adl_lasti", -1) >= 0


def lock_aenter(self: Any) -> Any:
    # The hot path: a task lookup, a frame lookup and a few stores; the lock is taken
    # here and then (see the module's docstring), a coroutine made only to wait.
    try:
        task = _task_by_loop(self._adl_loop) or _task_for(self)
    except AttributeError:  # made before install()
        task = _adopt(self)
    except RuntimeError:  # no running loop
        task = None
    frame = _getframe(1)
    code = frame.f_code
    if code is _ENTER_ASYNC_CONTEXT:  # entered through AsyncExitStack: the user's line
        frame = user_frame(frame) or frame
        code = frame.f_code
    try:
        st = task._adl_st
    except AttributeError:  # outside a task, or its first time here
        st = state_of(task)
    if st is not None and st.held:
        _nested(st, self, frame)
    if self._locked or self._waiters:
        return _lock_wait(self, st, frame, code)
    # Free and nobody queued: asyncio's own fast path would just mark it taken.
    self._locked = True
    if st is not None:
        self._adl_owner = st
        st.held.append(self)
    self._adl_code = code
    self._adl_lasti = frame.f_lasti
    return _DONE


async def _lock_wait(self: Any, st: Any, frame: Any, code: Any) -> None:
    """The contended `async with`: park through asyncio's acquire, the wait recorded."""
    if st is None or not SLOT.watching:
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
    self._adl_lasti = lasti = frame.f_lasti
    self._adl_via = (st, code, lasti, self.__dict__.get("_adl_released"))


def lock_aexit(self: Any, exc_type: Any, exc: Any, tb: Any) -> Any:
    # Released by the task that entered the block, so no handover check is needed.
    # (The hot path: _drop()'s common case is inlined.)
    if self._locked and not self._waiters:
        self._locked = False  # nobody to wake: all asyncio's release would do
    else:
        _lock_release(self)
        frame = _getframe(1)  # (the releaser is the holder: the block's own exit)
        self._adl_released = (self.__dict__.get("_adl_owner"), frame.f_code, frame.f_lasti)
    try:
        st = self._adl_owner
    except AttributeError:  # made and entered before install()
        return _DONE
    if st is not None:
        self._adl_owner = None
        held = st.held
        if held:  # _drop(), inlined
            top = held.pop()
            if top is not self:  # released out of order
                held.append(top)
                _drop(held, self)
        # (The done callback is not taken back here: one more test on every release of
        # the uncontended path cost more than it saved; see taskstate.unwatch_end.)
    return _DONE


async def lock_acquire(self: Any) -> bool:
    frame = _caller(1)
    st = _state(self)
    if st is not None and st.held:
        _nested(st, self, frame)
    if not self._locked and not self._waiters:
        self._locked = True
        _lock_taken(self, st, frame)
    else:
        await _park(self, _lock_acquire, frame, st, self._locked)
        _lock_taken(self, st, frame)
        self._adl_via = (st, self._adl_code, self._adl_lasti, self.__dict__.get("_adl_released"))
    return True


def lock_release(self: Any) -> None:
    contended = bool(self._waiters)
    _lock_release(self)
    if contended:
        _released(self, _getframe(1))
    try:
        st = self._adl_owner
    except AttributeError:  # made and taken before install()
        return
    if st is not None:
        self._adl_owner = None
        _drop(st.held, self)
        task = _current(self)
        if task is None or id(task) != st.task_id:
            self._adl_shared = True
        if not st.held and st.end_once:
            _unwatch_end(st)


# -- Semaphore ----------------------------------------------------------------------


def sem_init(self: Any, value: int = 1, *args: Any, **kwargs: Any) -> None:
    _sem_init(self, value, *args, **kwargs)
    self._adl_holders = None  # see lock_init
    self._adl_loop = None
    self._adl_class = None
    self._adl_total = value
    self._adl_created = _created_site(_getframe(1))


def _drop(held: list[Any], prim: Any) -> None:
    """Remove the most recent occurrence of `prim` from a held list."""
    if not held:
        return
    top = held.pop()  # (cheaper than reading held[-1] first, which is not specialised)
    if top is prim:  # released in the order taken: the usual case
        return
    held.append(top)
    for i in range(len(held) - 2, -1, -1):
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
    try:
        holders = self._adl_holders
    except AttributeError:  # made and taken before install()
        _adopt(self)
        holders = None
    st = _state(self) if holders else None
    entry = None if st is None else holders.get(st)
    if entry is None or st is None:
        self._adl_shared = True  # released by a task that holds no permit: a signal
        frame = _caller_of(_getframe(2))
        self._adl_woke = (st, None, -1) if frame is None else (st, frame.f_code, frame.f_lasti)
        return
    _drop(st.held, self)
    entry[0] -= 1
    if entry[0] <= 0:
        del holders[st]
    if not st.held and st.end_once:
        _unwatch_end(st)


def sem_aenter(self: Any) -> Any:
    # As lock_aenter: the permit is taken here and then, a coroutine made only to wait.
    try:
        task = _task_by_loop(self._adl_loop) or _task_for(self)
    except AttributeError:  # made before install()
        task = _adopt(self)
    except RuntimeError:  # no running loop
        task = None
    frame = _getframe(1)
    if frame.f_code is _ENTER_ASYNC_CONTEXT:  # entered through AsyncExitStack: the user's line
        frame = user_frame(frame) or frame
    try:
        st = task._adl_st
    except AttributeError:  # outside a task, or its first time here
        st = state_of(task)
    if st is not None and st.held:
        _nested(st, self, frame)
    if self._value <= 0 or self._waiters:
        return _sem_wait(self, st, frame)
    self._value -= 1  # a free permit and nobody queued: asyncio's fast path
    _sem_taken(self, st, frame)
    return _DONE


async def _sem_wait(self: Any, st: Any, frame: Any) -> None:
    """The contended `async with`: park through asyncio's acquire, the wait recorded."""
    if st is None or not SLOT.watching:
        await _sem_acquire(self)
    else:  # _park(), inlined
        try:
            _announce(st, self, frame, self._value <= 0)
            await _sem_acquire(self)
        finally:
            st.waiting = None
    _sem_taken(self, st, frame)


def sem_aexit(self: Any, exc_type: Any, exc: Any, tb: Any) -> Any:
    if type(self) is _Semaphore and not self._waiters:
        self._value += 1  # nobody to wake: all asyncio's release would do
        _sem_given_back(self)
    else:
        self.release()  # BoundedSemaphore checks its bound first
    return _DONE


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
        self._adl_woke = None  # (set here: one instance layout; see wakerecord.py)

    return __init__


_OTHERS: list[Any] = [locks.Event, locks.Condition, queues.Queue]
if hasattr(locks, "Barrier"):
    _OTHERS.append(locks.Barrier)


def _as_coroutine_function(func: Any) -> None:
    """Mark a plain function that returns an awaitable as a coroutine function, as the
    method it replaces is one (for introspection: inspect, asyncio, unittest.mock)."""
    func._is_coroutine = _IS_COROUTINE  # asyncio.iscoroutinefunction
    mark = getattr(inspect, "markcoroutinefunction", None)  # 3.12+
    if mark is not None:
        mark(func)


_IS_COROUTINE = getattr(coroutines, "_is_coroutine", None)
for _func in (lock_aenter, lock_aexit, sem_aenter, sem_aexit):
    _as_coroutine_function(_func)


#: asyncio's C Task class (None without the C accelerator): its instances' attributes are
#: plain, which the C fast paths rely on to read `_adl_st` from the instance dict.
_C_TASK: Any = getattr(sys.modules.get("_asyncio"), "Task", None)


def _fast_paths() -> tuple[Any, Any, Any, Any]:
    """The four `async with` methods to install: the C fast paths when they are built and
    wanted (each hands what it does not do to its Python twin above), else the twins."""
    global _DONE
    fast = accel.load()
    if fast is None:
        return lock_aenter, lock_aexit, sem_aenter, sem_aexit
    _DONE = fast.DONE  # the same, awaited without a call into Python (the twins use it too)
    fast.bind(
        _task_by_loop,
        _task_for,
        state_of,
        _nested,
        _lock_wait,
        _sem_wait,
        _sem_taken,
        _drop,
        _unwatch_end,
        _DONE,
        _ENTER_ASYNC_CONTEXT,
        _Lock,
        _Semaphore,
        _C_TASK,
        taskstate.TaskState,
        _sem_release,
        _lock_release,
    )
    methods = []
    for twin in (lock_aenter, lock_aexit, sem_aenter, sem_aexit):
        method = fast.method(twin.__name__, twin)  # (named when patched: see Patcher)
        _as_coroutine_function(method)
        methods.append(method)
    return methods[0], methods[1], methods[2], methods[3]


_LOCK_AENTER, _LOCK_AEXIT, _SEM_AENTER, _SEM_AEXIT = _fast_paths()

#: (class, attribute, replacement). The class-level defaults installed alongside are only
#: for attributes the hot paths neither read nor write (see the module's docstring).
PATCHES: list[tuple[Any, str, Any]] = [
    (_Lock, "__init__", lock_init),
    (_Lock, "__aenter__", _LOCK_AENTER),
    (_Lock, "__aexit__", _LOCK_AEXIT),
    (_Lock, "acquire", lock_acquire),
    (_Lock, "release", lock_release),
    (_Lock, "_adl_created", None),
    (_Lock, "_adl_shared", False),
    (_Semaphore, "__init__", sem_init),
    (_Semaphore, "__aenter__", _SEM_AENTER),
    (_Semaphore, "__aexit__", _SEM_AEXIT),
    (_Semaphore, "acquire", sem_acquire),
    (_Semaphore, "release", sem_release),
    (_Semaphore, "_adl_total", None),
    (_Semaphore, "_adl_created", None),
    (_Semaphore, "_adl_shared", False),
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
        self._st = state_of(task)
        if self._st is not None:
            self._old = self._st.group
            self._st.group = self._ids

    def __exit__(self, *exc: object) -> None:
        if self._st is not None:
            self._st.group = self._old
