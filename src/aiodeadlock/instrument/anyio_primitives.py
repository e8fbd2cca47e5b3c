"""Patches for anyio's primitives on its asyncio backend: who holds them, since where,
who waits on them.

anyio is optional and nothing here imports it. While the detector is open (`Switch.armed`),
an import hook patches anyio's modules as they are imported, or at once if they already
are; closing the detector restores them exactly.

anyio's primitives have no room for attributes (`__slots__`), so each one gets a record,
kept in a weak side table. A record stands for its primitive in task records (`held`,
`waiting`) and carries what the wait-for graph reads of an asyncio semaphore:

  _adl_holders   {TaskState: [count, code, lasti]} (in the record's __dict__)
  _adl_total     permits (1 for a Lock, the tokens of a CapacityLimiter)
  _value         permits free now, read from the primitive itself
  _adl_shared    True when others than the holders may release it (see `_Counted`)
  _adl_created   (code, lasti) of the user line that created the primitive

Lock ownership and limiter borrowers are read back from anyio's own fields after every
operation (anyio hands a released lock or token straight to the next waiter), so the
graph names an owner even when it never resumed to take what it was given. Events,
conditions, memory object streams and task groups are waits (`waits.Wait`) on records.
"""

from __future__ import annotations

import os
import sys
import time
import typing
import weakref
from types import FrameType, ModuleType
from typing import Any

from aiodeadlock.instrument import patching, sites, taskstate
from aiodeadlock.instrument.capabilities import make_current_task
from aiodeadlock.instrument.introspect import tasks_referencing
from aiodeadlock.instrument.patching import Patcher
from aiodeadlock.instrument.primitives import (
    _announce,
    _drop,
    _nested,
    _sem_given_back,
    _sem_taken,
    forget_code_verdicts,
)
from aiodeadlock.instrument.probe import SLOT
from aiodeadlock.instrument.sites import is_internal
from aiodeadlock.instrument.threadrefs import threads_referencing
from aiodeadlock.instrument.waits import _TASKS, Wait, Wakers
from aiodeadlock.model.waitgraph import ANY
from aiodeadlock.onimport import ImportWatch, stop_watching, watch_imports

_getframe = sys._getframe
_monotonic = time.monotonic
_current_task = make_current_task()
_states = taskstate.states
_new_state = taskstate._new_state

#: The anyio modules patched here, by the name they are imported under.
BACKEND = "anyio._backends._asyncio"
SYNC = "anyio._core._synchronization"
STREAMS = "anyio.streams.memory"
MODULES = (SYNC, STREAMS, BACKEND)

# -- records ---------------------------------------------------------------------------


class _Record:
    """What the detector knows of one anyio primitive."""

    _adl_class: Any = None
    _adl_loop: Any = None

    def __init__(self, target: Any, created: tuple[Any, int] | None) -> None:
        self.target = weakref.ref(target)
        self._adl_created = created


class _Counted(_Record):
    """A primitive with holders (a lock, permits, tokens), as the graph reads a semaphore."""

    _adl_total: Any = None

    def __init__(self, target: Any, created: tuple[Any, int] | None) -> None:
        super().__init__(target, created)
        self._adl_holders: dict[Any, list[Any]] | None = None
        self._sticky = False
        self._checked: tuple[Any, bool] = ((-1, -1), True)

    @property
    def _adl_shared(self) -> bool:
        """Could anything but its holders release it? (A permit given back by a task that
        held none, a callback or another thread with it in hand, or a task not holding it
        that has it in a local variable: any of them may release it.)"""
        return self._sticky or self._others_may_release()

    @_adl_shared.setter
    def _adl_shared(self, value: bool) -> None:
        self._sticky = bool(value)

    def _others_may_release(self) -> bool:
        # Asked once per look at the graph: per loop iteration (or per 10 ms on loops whose
        # iterations are not counted, uvloop's)
        ticks = (SLOT.ticks, int(_monotonic() * 100))
        at, result = self._checked
        if at == ticks:
            return result
        target = self.target()
        result = target is None or _released_elsewhere(self, target)
        self._checked = (ticks, result)
        return result


class _LockRecord(_Counted):
    """anyio.Lock: only its owner task may release it (anyio checks), so it is never shared."""

    _adl_total = 1

    @property
    def _adl_shared(self) -> bool:
        return self._sticky

    @_adl_shared.setter
    def _adl_shared(self, value: bool) -> None:
        self._sticky = bool(value)

    @property
    def _value(self) -> int:
        """0 while the owner anyio names is the holder recorded; else 1 (a record that is
        behind never makes the lock look taken)."""
        target = self.target()
        owner = None if target is None else target._owner_task
        holders = self.__dict__.get("_adl_holders")
        if owner is None or not holders:
            return 1
        return 0 if any(st() is owner for st in holders) else 1


class _SemaphoreRecord(_Counted):
    @property
    def _value(self) -> int:
        target = self.target()
        return 1 if target is None else int(target._value)


class _LimiterRecord(_Counted):
    @property
    def _adl_total(self) -> Any:
        target = self.target()
        return None if target is None else target._total_tokens

    @property
    def _value(self) -> Any:
        target = self.target()
        return 1 if target is None else target._total_tokens - len(target._borrowers)


class _DefaultLimiterRecord(_LimiterRecord):
    """The limiter `to_thread.run_sync` uses unless given one."""


class _WaitRecord(_Record):
    """A primitive tasks wait on that anyone may end (an Event, a Condition, a stream)."""

    kind = "anyio"

    def __init__(self, target: Any, created: tuple[Any, int] | None) -> None:
        super().__init__(target, created)
        self.wait = Wait(self.kind, self, [], exclusive=False)


class _EventRecord(_WaitRecord):
    kind = "anyio.Event"


class _ConditionRecord(_WaitRecord):
    kind = "anyio.Condition"


class _StreamRecord(_Record):
    """The state shared by a memory object stream's send and receive ends."""

    def __init__(self, target: Any, created: tuple[Any, int] | None) -> None:
        super().__init__(target, created)
        self.send = Wait("MemoryObjectSendStream.send", self, [], exclusive=False)
        self.receive = Wait("MemoryObjectReceiveStream.receive", self, [], exclusive=False)


class _GroupWait(Wait):
    """A task group's host waiting in `__aexit__` for the group's unfinished tasks."""

    def __init__(self, group: Any, record: Any) -> None:
        self._group = weakref.ref(group)
        # A failing member cancels the others and wakes the host: stuck only if all are.
        super().__init__("anyio.TaskGroup", record, [], ANY, True)

    @property
    def holders(self) -> list[Any]:
        group = self._group()
        return [] if group is None else [t for t in list(group._tasks) if not t.done()]

    @holders.setter
    def holders(self, value: list[Any]) -> None:
        pass  # read live from the group


class _GroupRecord(_Record):
    def __init__(self, target: Any, created: tuple[Any, int] | None) -> None:
        super().__init__(target, created)
        self.wait = _GroupWait(target, self)


for _cls, _name in (
    (_LockRecord, "anyio.Lock"),
    (_SemaphoreRecord, "anyio.Semaphore"),
    (_LimiterRecord, "anyio.CapacityLimiter"),
    (_DefaultLimiterRecord, "anyio.CapacityLimiter (to_thread default)"),
):
    _cls.__name__ = _name  # what a report calls the resource (type(prim).__name__)

#: anyio primitive -> its record.
_records: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
#: anyio's adapters (primitives made outside an event loop) -> where they were created.
_adapter_sites: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
#: id(task) -> the record whose acquire that task is inside (its own give-backs then
#: undo a take that was never recorded).
_acquiring: dict[int, Any] = {}
#: ids of the records whose `_adl_shared` is being worked out (see _released_elsewhere).
_checking: set[int] = set()


def record_of(prim: Any) -> Any:
    """The record of an anyio primitive, or None if it has none."""
    try:
        return _records.get(prim)
    except TypeError:
        return None


def _record(prim: Any, cls: Any) -> Any:
    rec = _records.get(prim)
    if rec is None:
        rec = _records[prim] = cls(prim, None)
    return rec


def _new_record(prim: Any, cls: Any, frame: FrameType | None) -> Any:
    rec = _records[prim] = cls(prim, _creation_site(frame))
    return rec


def _released_elsewhere(rec: Any, target: Any) -> bool:
    """Could a callback, another thread or a task that neither holds nor waits for `target`
    release it? Counted as yes whenever it cannot be told."""
    if id(rec) in _checking:
        return False  # asked again while deciding it: assume not, as the question supposes
    loop = rec._adl_loop
    if loop is None:
        return True
    _checking.add(id(rec))
    try:
        if Wakers(loop).may_release(target) or threads_referencing([target]):
            return True
        holders = {st.task_id for st in rec.__dict__.get("_adl_holders") or {}}
        for task in tasks_referencing([target], loop):
            st = _states.get(id(task))
            if id(task) in holders or (st is not None and st.waiting is rec):
                continue
            return True
        return False
    finally:
        _checking.discard(id(rec))


# -- sites ----------------------------------------------------------------------------

_ANYIO_DIR = "\0"  # set when anyio is patched
_HANDLE_RUN: Any = None
#: Code objects of the adapters' properties that create the real primitive on first use.
_ADAPTER_CODES: set[int] = set()
_DEFAULT_LIMITER_CODE: Any = None


#: typing's file: `create_memory_object_stream[int](...)` calls through a generic alias.
_TYPING_FILE = typing.__file__


def _skipped(code: Any) -> bool:
    filename = code.co_filename
    return filename.startswith(_ANYIO_DIR) or filename == _TYPING_FILE or is_internal(code)


def _outside(frame: FrameType | None) -> FrameType | None:
    """The nearest frame at or above `frame` that is not anyio's, asyncio's or ours."""
    while frame is not None and _skipped(frame.f_code):
        if frame.f_code is _HANDLE_RUN:
            return None
        frame = frame.f_back
    return frame


def _creation_site(frame: FrameType | None) -> tuple[Any, int] | None:
    """Where the user created a primitive whose __init__ is called from `frame`: for one an
    adapter creates on first use, where the adapter was created."""
    while frame is not None and _skipped(frame.f_code):
        if id(frame.f_code) in _ADAPTER_CODES:
            site = _adapter_sites.get(frame.f_locals.get("self"))
            if site is not None:
                return site  # type: ignore[no-any-return]
        if frame.f_code is _HANDLE_RUN:
            return None
        frame = frame.f_back
    return None if frame is None else (frame.f_code, frame.f_lasti)


def _made_by_default_limiter(frame: FrameType | None) -> bool:
    for _ in range(4):
        if frame is None:
            return False
        if frame.f_code is _DEFAULT_LIMITER_CODE:
            return True
        frame = frame.f_back
    return False


def _state_of(task: Any) -> Any:
    st = _states.get(id(task))
    if st is None or st() is not task:
        return _new_state(task)
    taskstate.watch_end(st)
    return st


def _current() -> Any:
    try:
        return _current_task()
    except RuntimeError:  # no running loop
        return None


def _site_of(st: Any, rec: Any, frame: FrameType | None) -> list[Any]:
    """[1, code, lasti] for a hold by `st`: where it asked (if it waited), else `frame`."""
    if st.waiting is rec and st.waiting_code is not None:
        return [1, st.waiting_code, st.waiting_lasti]
    if frame is not None:
        return [1, frame.f_code, frame.f_lasti]
    return [1, None, -1]


def _forget_failed(waiters: Any, task: Any) -> None:
    """Drop the queue entries whose future holds an error: a DeadlockError raised into a
    parked task goes through its future (wakeup.raise_in), which anyio does not expect
    (its release() would set a result on that future)."""
    for entry in list(waiters):
        fut = entry[1] if task is not None else entry
        if task is not None and entry[0] is not task:
            continue
        if fut.done() and not fut.cancelled() and fut.exception() is not None:
            try:
                waiters.remove(entry)
            except ValueError:
                pass


# -- Lock -------------------------------------------------------------------------------


def _sync_owner(rec: Any, lock: Any, frame: FrameType | None) -> None:
    """Record the owner anyio names now (it hands a released lock to the next waiter)."""
    owner = lock._owner_task
    holders = rec._adl_holders
    if holders:
        old = next(iter(holders))
        if owner is not None and old() is owner:
            return
        holders.clear()
        _drop(old.held, rec)
    if owner is None:
        return
    st = _state_of(owner)
    if holders is None:
        holders = rec._adl_holders = {}
    holders[st] = _site_of(st, rec, frame if owner is _current() else None)
    st.held.append(rec)
    rec._adl_loop = owner.get_loop()


def _patch_lock(cls: Any) -> list[tuple[Any, str, Any]]:
    init, acquire, acquire_nowait, release = (
        cls.__init__,
        cls.acquire,
        cls.acquire_nowait,
        cls.release,
    )

    def lock_init(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        _new_record(self, _LockRecord, _getframe(1))

    async def lock_acquire(self: Any) -> None:
        rec = _record(self, _LockRecord)
        frame = _outside(_getframe(1))
        task = _current()
        st = None if task is None else _state_of(task)
        if st is not None and st.held and SLOT.watching:
            _nested(st, rec, frame)
        owner = self._owner_task
        if (
            st is None
            or not SLOT.watching
            or owner is task
            or (owner is None and not self._waiters)
        ):
            await acquire(self)  # free, or anyio raises (taken by this very task)
        else:
            before = st.waiting
            try:
                _announce(st, rec, frame, owner is not None)
                await acquire(self)
            except BaseException:
                _forget_failed(self._waiters, task)
                raise
            finally:
                st.waiting = before
        _sync_owner(rec, self, frame)

    def lock_acquire_nowait(self: Any) -> None:
        acquire_nowait(self)
        _sync_owner(_record(self, _LockRecord), self, _outside(_getframe(1)))

    def lock_release(self: Any) -> None:
        release(self)
        rec = _records.get(self)
        if rec is not None:
            _sync_owner(rec, self, None)

    return [
        (cls, "__init__", lock_init),
        (cls, "acquire", lock_acquire),
        (cls, "acquire_nowait", lock_acquire_nowait),
        (cls, "release", lock_release),
    ]


# -- Semaphore --------------------------------------------------------------------------


def _patch_semaphore(cls: Any) -> list[tuple[Any, str, Any]]:
    init, acquire, acquire_nowait, release = (
        cls.__init__,
        cls.acquire,
        cls.acquire_nowait,
        cls.release,
    )

    def sem_init(self: Any, initial_value: int, *args: Any, **kwargs: Any) -> None:
        init(self, initial_value, *args, **kwargs)
        rec = _new_record(self, _SemaphoreRecord, _getframe(1))
        rec._adl_total = initial_value

    async def sem_acquire(self: Any) -> None:
        rec = _record(self, _SemaphoreRecord)
        frame = _outside(_getframe(1))
        task = _current()
        st = None if task is None else _state_of(task)
        if st is not None and st.held and SLOT.watching:
            _nested(st, rec, frame)
        if task is not None:
            rec._adl_loop = task.get_loop()
            _acquiring[id(task)] = rec
        try:
            if st is None or not SLOT.watching or (self._value > 0 and not self._waiters):
                await acquire(self)
            else:
                before = st.waiting
                try:
                    _announce(st, rec, frame, self._value <= 0)
                    await acquire(self)
                except BaseException:
                    _forget_failed(self._waiters, None)
                    raise
                finally:
                    st.waiting = before
        finally:
            if task is not None:
                _acquiring.pop(id(task), None)
        _sem_taken(rec, st, frame)

    def sem_acquire_nowait(self: Any) -> None:
        acquire_nowait(self)
        task = _current()
        rec = _record(self, _SemaphoreRecord)
        _sem_taken(rec, None if task is None else _state_of(task), _outside(_getframe(1)))

    def sem_release(self: Any) -> None:
        release(self)
        rec = _records.get(self)
        if rec is None:
            return
        task = _current()
        if task is not None and _acquiring.get(id(task)) is rec:
            return  # a cancelled acquire gives back what it was handed: never recorded
        _sem_given_back(rec)

    return [
        (cls, "__init__", sem_init),
        (cls, "acquire", sem_acquire),
        (cls, "acquire_nowait", sem_acquire_nowait),
        (cls, "release", sem_release),
    ]


# -- CapacityLimiter ----------------------------------------------------------------------


def _sync_borrowers(rec: Any, limiter: Any, frame: FrameType | None) -> None:
    """Record the tasks among anyio's borrowers (it hands a freed token to the next waiter)."""
    borrowing = {id(b): b for b in list(limiter._borrowers) if isinstance(b, _TASKS)}
    holders = rec._adl_holders
    if holders is None:
        if not borrowing:
            return
        holders = rec._adl_holders = {}
    for st in list(holders):
        if borrowing.get(st.task_id) is not st():
            del holders[st]
            _drop(st.held, rec)
    if len(holders) == len(borrowing):
        return
    current = _current()
    known = {st.task_id for st in holders}
    for task in borrowing.values():
        if id(task) in known:
            continue
        st = _state_of(task)
        holders[st] = _site_of(st, rec, frame if task is current else None)
        st.held.append(rec)
        rec._adl_loop = task.get_loop()


def _patch_limiter(cls: Any) -> list[tuple[Any, str, Any]]:
    init = cls.__init__
    acquire = cls.acquire_on_behalf_of
    acquire_nowait = cls.acquire_on_behalf_of_nowait
    release = cls.release_on_behalf_of
    tokens = cls.__dict__["total_tokens"]

    def limiter_init(self: Any, total_tokens: float) -> None:
        frame = _getframe(1)
        kind = _DefaultLimiterRecord if _made_by_default_limiter(frame) else _LimiterRecord
        rec = _new_record(self, kind, frame)
        if kind is _DefaultLimiterRecord:
            rec._adl_created = None  # made by anyio: the line that first ran a job names it not
        init(self, total_tokens)

    async def limiter_acquire(self: Any, borrower: object) -> None:
        rec = _record(self, _LimiterRecord)
        frame = _outside(_getframe(1))
        task = _current()
        st = None if task is None or borrower is not task else _state_of(task)
        if st is not None and st.held and SLOT.watching:
            _nested(st, rec, frame)
        if task is not None:
            rec._adl_loop = task.get_loop()
        full = len(self._borrowers) >= self._total_tokens
        waits = borrower not in self._borrowers and (bool(self._wait_queue) or full)
        try:
            if st is None or not SLOT.watching or not waits:
                await acquire(self, borrower)
            else:
                before = st.waiting
                try:
                    _announce(st, rec, frame, full)
                    await acquire(self, borrower)
                finally:
                    st.waiting = before
        finally:
            _sync_borrowers(rec, self, frame)

    def limiter_acquire_nowait(self: Any, borrower: object) -> None:
        acquire_nowait(self, borrower)
        _sync_borrowers(_record(self, _LimiterRecord), self, _outside(_getframe(1)))

    def limiter_release(self: Any, borrower: object) -> None:
        release(self, borrower)
        rec = _records.get(self)
        if rec is not None:
            _sync_borrowers(rec, self, None)

    def set_tokens(self: Any, value: float) -> None:
        tokens.fset(self, value)
        rec = _records.get(self)
        if rec is not None:
            _sync_borrowers(rec, self, None)

    return [
        (cls, "__init__", limiter_init),
        (cls, "acquire_on_behalf_of", limiter_acquire),
        (cls, "acquire_on_behalf_of_nowait", limiter_acquire_nowait),
        (cls, "release_on_behalf_of", limiter_release),
        (cls, "total_tokens", property(tokens.fget, set_tokens, None, tokens.__doc__)),
    ]


# -- waits anyone may end: Event, Condition, memory object streams; task groups --------


def _waiting_on(original: Any, wait_of: Any) -> Any:
    """An async method that records, while `original` runs, that the task waits on
    `wait_of(self)` (unless it already records a wait: a Condition's inner Event)."""

    async def waiting(self: Any, *args: Any, **kwargs: Any) -> Any:
        task = _current() if SLOT.watching else None
        st = None if task is None else _state_of(task)
        if st is None or st.waiting is not None:
            return await original(self, *args, **kwargs)
        wait = wait_of(self)
        if wait is None:
            return await original(self, *args, **kwargs)
        frame = _outside(_getframe(1))
        st.waiting = wait
        if frame is not None:
            st.waiting_code = frame.f_code
            st.waiting_lasti = frame.f_lasti
        try:
            return await original(self, *args, **kwargs)
        finally:
            st.waiting = None

    return waiting


def _recording_init(original: Any, kind: Any) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _new_record(self, kind, _getframe(1))

    return __init__


def _adapter_init(original: Any) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        site = _creation_site(_getframe(1))
        if site is not None:
            _adapter_sites[self] = site

    return __init__


def _event_wait(event: Any) -> Any:
    return None if event.is_set() else _record(event, _EventRecord).wait


def _condition_wait(cond: Any) -> Any:
    return _record(cond, _ConditionRecord).wait


def _send_wait(stream: Any) -> Any:
    return _record(stream._state, _StreamRecord).send


def _receive_wait(stream: Any) -> Any:
    return _record(stream._state, _StreamRecord).receive


def _group_wait(group: Any) -> Any:
    return _record(group, _GroupRecord).wait if group._tasks else None


def _host_task(scope: Any) -> Any:
    """A cancel scope's host task, as `_task`: the name under which waits.Wakers follows a
    timer's owner to the task it wakes (a scope's deadline cancels that task)."""
    return scope._host_task


# -- what to patch, module by module -------------------------------------------------------


def _patches_for(name: str, module: ModuleType) -> list[tuple[Any, str, Any]]:
    global _ANYIO_DIR, _HANDLE_RUN, _DEFAULT_LIMITER_CODE
    import asyncio

    anyio = sys.modules.get("anyio")
    if anyio is not None and getattr(anyio, "__file__", None):
        _ANYIO_DIR = os.path.dirname(os.path.abspath(anyio.__file__ or "")) + os.sep
        sites.hide_library(_ANYIO_DIR)
        forget_code_verdicts()
    _HANDLE_RUN = asyncio.events.Handle._run.__code__
    patches: list[tuple[Any, str, Any]] = []
    if name == SYNC:
        cond = module.Condition
        patches += [
            (cond, "__init__", _recording_init(cond.__init__, _ConditionRecord)),
            (cond, "wait", _waiting_on(cond.wait, _condition_wait)),
        ]
        for adapter, prop in (
            ("LockAdapter", "_lock"),
            ("SemaphoreAdapter", "_semaphore"),
            ("CapacityLimiterAdapter", "_limiter"),
            ("EventAdapter", "_event"),
        ):
            cls = getattr(module, adapter, None)
            getter = getattr(getattr(cls, prop, None), "fget", None)
            if cls is None or getter is None:
                continue
            _ADAPTER_CODES.add(id(getter.__code__))
            patches.append((cls, "__init__", _adapter_init(cls.__init__)))
    elif name == STREAMS:
        state = module._MemoryObjectStreamState
        send, receive = module.MemoryObjectSendStream, module.MemoryObjectReceiveStream
        patches += [
            (state, "__init__", _recording_init(state.__init__, _StreamRecord)),
            (send, "send", _waiting_on(send.send, _send_wait)),
            (receive, "receive", _waiting_on(receive.receive, _receive_wait)),
        ]
    elif name == BACKEND:
        _DEFAULT_LIMITER_CODE = module.AsyncIOBackend.current_default_thread_limiter.__code__
        patches += _patch_lock(module.Lock)
        patches += _patch_semaphore(module.Semaphore)
        patches += _patch_limiter(module.CapacityLimiter)
        event, group = module.Event, module.TaskGroup
        patches += [
            (event, "__init__", _recording_init(event.__init__, _EventRecord)),
            (event, "wait", _waiting_on(event.wait, _event_wait)),
            (group, "__init__", _recording_init(group.__init__, _GroupRecord)),
            (group, "__aexit__", _waiting_on(group.__aexit__, _group_wait)),
            (module.CancelScope, "_task", property(_host_task)),
        ]
    return patches


class _Patched:
    """The anyio modules patched so far, each with its Patcher."""

    def __init__(self) -> None:
        self.by_module: dict[str, Patcher] = {}

    def module_loaded(self, name: str, module: ModuleType) -> None:
        if name in self.by_module:
            return
        try:
            patches = _patches_for(name, module)
        except Exception:  # an anyio this module does not know: leave it as it is
            patches = []
        patcher = self.by_module[name] = Patcher(patches)
        patcher.apply()

    def restore(self) -> None:
        for name in reversed(list(self.by_module)):
            self.by_module.pop(name).restore()


_patched = _Patched()


def _module_loaded(name: str, module: ModuleType) -> None:
    if Switch.armed:
        _patched.module_loaded(name, module)


_finder = ImportWatch(MODULES, _module_loaded)


def arm() -> None:
    """Patch anyio's modules already imported, and the others as they are imported."""
    watch_imports(_finder)
    for name in MODULES:
        module = sys.modules.get(name)
        if module is not None:
            _patched.module_loaded(name, module)


def disarm() -> None:
    """Restore anyio exactly and stop watching imports."""
    stop_watching(_finder)
    _patched.restore()
    sites.show_library(_ANYIO_DIR)
    forget_code_verdicts()
    _records.clear()
    _adapter_sites.clear()
    _acquiring.clear()


class Switch(patching.Switch):
    """Setting `armed` arms or disarms the anyio patches (so that a Patcher can do it)."""

    armed = False
    on_arm = staticmethod(arm)
    on_disarm = staticmethod(disarm)


#: Arms the anyio patches while the detector's patches are applied.
PATCHES: list[tuple[Any, str, Any]] = [(Switch, "armed", True)]


def idle_worker(frame: Any) -> bool:
    """True if `frame` (a thread's innermost) is an anyio worker thread waiting for a job:
    it runs nothing until a task hands it one, so it cannot wake a loop by itself."""
    backend = sys.modules.get(BACKEND)
    worker = getattr(backend, "WorkerThread", None)
    if worker is None:
        return False
    run = worker.run.__code__
    import queue

    get = queue.Queue.get.__code__
    child = None
    for _ in range(8):
        if frame is None:
            return False
        if frame.f_code is run:
            return child is get
        child, frame = frame.f_code, frame.f_back
    return False
