"""threading.Lock and RLock made while installed remember their owner: thread, task, site."""

from __future__ import annotations

import _thread
import asyncio
import os
import sys
import threading
import weakref
from types import CodeType
from typing import Any

_allocate = _thread.allocate_lock
_RawRLock: Any = getattr(threading, "_CRLock", None) or threading._PyRLock  # type: ignore[attr-defined]
_get_ident = _thread.get_ident
_getframe = sys._getframe
_running_loop = asyncio.events._get_running_loop
_current_task: Any = asyncio.current_task
_weakref = weakref.ref

_STDLIB = os.path.dirname(threading.__file__) + os.sep
_OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _from_library(code: CodeType) -> bool:
    """Locks the standard library (Condition, Queue, Future...) or we make stay untracked."""
    name = code.co_filename
    if name.startswith(_OWN_DIR):
        return True
    return name.startswith(_STDLIB) and "-packages" not in name


def _owner_task() -> Any:
    """A weak reference to the asyncio task running in this thread, or None."""
    loop = _running_loop()
    if loop is None:
        return None
    task = _current_task(loop)
    return None if task is None else _weakref(task)


class TrackedLock:
    """A threading.Lock that records who holds it (see `holder`); made by `threading.Lock()`.

    Attributes: _owner (thread ident or None), _task (weakref to the owning asyncio task),
    _code/_lasti (acquire site), _created ((code, lasti) of the creation site), _shared
    (once released by a thread that did not take it: ownership means nothing then).
    """

    __slots__ = (
        "__weakref__",
        "_code",
        "_created",
        "_lasti",
        "_lock",
        "_owner",
        "_shared",
        "_task",
    )

    _lock: Any
    _owner: int | None
    _task: Any
    _code: CodeType | None
    _lasti: int
    _created: tuple[CodeType, int] | None
    _shared: bool

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        frame = _getframe(1)
        if _from_library(frame.f_code):
            return cls._raw()
        self = object.__new__(cls)
        self._lock = cls._raw()
        self._owner = self._task = self._code = None
        self._lasti = -1
        self._shared = False
        self._created = (frame.f_code, frame.f_lasti)
        return self

    @staticmethod
    def _raw() -> Any:
        return _allocate()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if not self._lock.acquire(blocking, timeout):
            return False
        frame = _getframe(1)
        self._owner = _get_ident()
        self._task = _owner_task()
        self._code = frame.f_code
        self._lasti = frame.f_lasti
        return True

    def __enter__(self) -> bool:
        self._lock.acquire()
        frame = _getframe(1)
        self._owner = _get_ident()
        self._task = _owner_task()
        self._code = frame.f_code
        self._lasti = frame.f_lasti
        return True

    def release(self) -> None:
        owner = self._owner
        if owner is not None:
            if owner != _get_ident():
                self._shared = True
            self._owner = self._task = None
        self._lock.release()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def locked(self) -> bool:
        return bool(self._lock.locked())

    def _at_fork_reinit(self) -> None:
        self._lock._at_fork_reinit()
        self._owner = self._task = None

    def holder(self) -> tuple[int | None, Any]:
        """(thread ident, task or None) of the holder; (None, None) if free or shared."""
        owner = self._owner
        if owner is None or self._shared:
            return None, None
        ref = self._task
        return owner, (None if ref is None else ref())

    def __repr__(self) -> str:
        state = "locked" if self.locked() else "unlocked"
        return f"<{state} {type(self).__name__} object at {id(self):#x}>"


class TrackedRLock(TrackedLock):
    """A threading.RLock that records who holds it; made by `threading.RLock()`."""

    __slots__ = ("_count",)

    _count: int

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        frame = _getframe(1)
        if _from_library(frame.f_code):
            return _RawRLock()
        self = object.__new__(cls)
        self._lock = _RawRLock()
        self._owner = self._task = self._code = None
        self._lasti = -1
        self._shared = False
        self._count = 0
        self._created = (frame.f_code, frame.f_lasti)
        return self

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if not self._lock.acquire(blocking, timeout):
            return False
        self._taken(_getframe(1))
        return True

    def __enter__(self) -> bool:
        self._lock.acquire()
        self._taken(_getframe(1))
        return True

    def _taken(self, frame: Any) -> None:
        """Count a take; the first records the owner and `frame`'s line."""
        if self._count == 0:
            self._owner = _get_ident()
            self._task = _owner_task()
            self._code = frame.f_code
            self._lasti = frame.f_lasti
        self._count += 1

    def release(self) -> None:
        if self._owner != _get_ident() or self._count <= 0:
            self._lock.release()  # not ours: raises as the plain RLock would
            return
        self._count -= 1
        if self._count == 0:
            self._owner = self._task = None
        self._lock.release()

    def locked(self) -> bool:
        locked = getattr(self._lock, "locked", None)  # RLock.locked() is 3.14+
        return bool(locked()) if locked is not None else self._count > 0

    def _is_owned(self) -> bool:
        return bool(self._lock._is_owned())

    def _release_save(self) -> Any:
        """Condition.wait() gives the lock up entirely: forget the owner first."""
        saved = (self._count, self._task, self._code, self._lasti)
        self._count = 0
        self._owner = self._task = None
        return saved, self._lock._release_save()

    def _acquire_restore(self, state: Any) -> None:
        saved, inner = state
        self._lock._acquire_restore(inner)
        self._count, self._task, self._code, self._lasti = saved
        self._owner = _get_ident()

    def _at_fork_reinit(self) -> None:
        self._lock._at_fork_reinit()
        self._owner = self._task = None
        self._count = 0


#: Codes of the methods a thread is inside while it blocks acquiring a tracked lock.
ACQUIRE_CODES = frozenset(
    f.__code__
    for f in (
        TrackedLock.acquire,
        TrackedLock.__enter__,
        TrackedRLock.acquire,
        TrackedRLock.__enter__,
        TrackedRLock._acquire_restore,
    )
)

PATCHES: list[tuple[Any, str, Any]] = [
    (threading, "Lock", TrackedLock),
    (threading, "RLock", TrackedRLock),
]
