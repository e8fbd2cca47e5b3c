"""The concurrent futures a blocked thread waits on: Future.result(), wait(), as_completed()."""

from __future__ import annotations

import concurrent.futures
import concurrent.futures._base as _base
import threading
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

_RESULT = "Future.result()"
_WAIT: CodeType = _base.wait.__code__
_AS_COMPLETED: CodeType = _base.as_completed.__code__
#: The frames of these waits, and how a report names each call.
CODES: dict[CodeType, str] = {
    concurrent.futures.Future.result.__code__: _RESULT,
    concurrent.futures.Future.exception.__code__: _RESULT,
    _WAIT: "concurrent.futures.wait()",
    _AS_COMPLETED: "concurrent.futures.as_completed()",
}
CALLS = frozenset(CODES.values())
#: Futures of one wait looked at, at most (each costs a look through the loops' queues).
MOST = 64
_EVENT_WAIT: CodeType = threading.Event.wait.__code__


@dataclass(frozen=True)
class FutureWait:
    """A thread blocked until some of `pending` (its futures not done yet) are done: all of
    them (`all_of`: `result()`, `wait()` with ALL_COMPLETED), or any one (FIRST_COMPLETED,
    FIRST_EXCEPTION, the next result of `as_completed()`)."""

    call: str
    pending: tuple[Any, ...]  # (the first `MOST`)
    all_of: bool
    timeout: Any  # None: it waits forever
    count: int  # how many are not done (more than `pending` holds: not all looked at)


def read(frames: list[FrameType], i: int) -> FutureWait | None:
    """The wait a thread (`frames`, innermost first) blocks in at `frames[i]` (one of
    `CODES`), or None if it is not blocked there (its future is done, its waiter was
    woken, it runs) or not readable."""
    frame, callee = frames[i], frames[i - 1] if i else None
    code = frame.f_code
    call = CODES.get(code)
    if call is None:
        return None
    try:
        args = frame.f_locals
    except Exception:  # a frame we cannot read now
        return None
    timeout = args.get("timeout")
    if call == _RESULT:
        fut = args.get("self")
        if not isinstance(fut, concurrent.futures.Future) or fut.done():
            return None
        return FutureWait(call, (fut,), True, timeout, 1)
    # wait() and as_completed() (the same code on 3.10-3.15) block in `waiter.event.wait()`,
    # which every future sets as it ends (FIRST_COMPLETED, as_completed) or the last one
    # (ALL_COMPLETED; FIRST_EXCEPTION also the first that raises)
    event = getattr(args.get("waiter"), "event", None)
    if callee is None or callee.f_code is not _EVENT_WAIT:
        return None  # (not blocked: taking a future's condition, yielding a result...)
    if not isinstance(event, threading.Event) or event.is_set():
        return None
    futures = args.get("pending") if code is _AS_COMPLETED else args.get("fs")
    if not isinstance(futures, (set, frozenset)):
        return None
    pending = [f for f in list(futures) if not _done(f)]
    if not pending:
        return None
    all_of = code is _WAIT and args.get("return_when") == concurrent.futures.ALL_COMPLETED
    return FutureWait(call, tuple(pending[:MOST]), all_of, timeout, len(pending))


def _done(fut: Any) -> bool:
    """Done as wait() sees it: a future cancelled while queued tells its waiters only
    when a worker takes it out of the queue, so until then it is not done for them."""
    return getattr(fut, "_state", None) in _TOLD


_TOLD = (_base.CANCELLED_AND_NOTIFIED, _base.FINISHED)
