"""Deliver a DeadlockError into a task that is parked, from outside it (the loop hook)."""

from __future__ import annotations

import asyncio
from typing import Any


def raise_in(victims: list[Any], err: BaseException, contained: bool = False) -> bool:
    """Raise `err` in one of the parked `victims`; False if none could take it.

    First a victim parked on a plain future (the error is set on it); else a victim
    parked on a task (its wake-up is moved to a failed future); else, if `contained`,
    the victims' loop is stopped so the run does not end the process.
    """
    for task in victims:
        fut = getattr(task, "_fut_waiter", None)
        if fut is not None and not _is_task(fut) and not fut.done():
            fut.set_exception(err)
            return True
    # First a task parked on a task that someone else awaits too (run_until_complete(),
    # a parent): the error goes round the cycle and ends where it is retrieved.
    order = sorted(victims, key=lambda t: len(getattr(t._fut_waiter, "_callbacks", None) or ()) < 2)
    if any(_wake_with(task, err) for task in order):
        return True
    if not contained or not victims:
        return False
    victims[0].get_loop().stop()  # run_until_complete() then raises RuntimeError
    return True


def _wake_with(task: Any, err: BaseException) -> bool:
    """Raise `err` in `task` parked on another task: move its wake-up to a failed future."""
    awaited = getattr(task, "_fut_waiter", None)
    if not asyncio.isfuture(awaited) or awaited.done():
        return False
    loop = awaited.get_loop()
    for callback, context in awaited._callbacks or ():
        if getattr(callback, "__self__", None) is task:
            awaited.remove_done_callback(callback)
            failed = loop.create_future()
            failed.set_exception(err)
            loop.call_soon(callback, failed, context=context)
            return True
    return False


def _is_task(obj: Any) -> bool:
    """A task, C or pure-Python (pytest-asyncio runs tests in the latter on 3.10)."""
    return isinstance(obj, (asyncio.Task, asyncio.tasks._PyTask))  # type: ignore[attr-defined]
