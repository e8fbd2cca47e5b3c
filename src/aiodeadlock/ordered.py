"""`ordered(*locks)`: take several locks in one global order, so no two paths invert it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiodeadlock.instrument.primitives import grouped


@contextlib.asynccontextmanager
async def ordered(*locks: Any) -> AsyncIterator[None]:
    """Acquire `locks` (asyncio locks or semaphores) in a stable order; release in reverse.

    The order is by object identity, which is fixed for a lock's lifetime, so every
    `ordered(a, b)` and `ordered(b, a)` in the program take them the same way round.
    If acquiring one fails (cancellation), those already taken are released.
    """
    unique: dict[int, Any] = {}
    for lock in locks:
        unique.setdefault(id(lock), lock)
    chosen = [unique[k] for k in sorted(unique)]
    taken: list[Any] = []
    with grouped(chosen):
        try:
            for lock in chosen:
                await lock.acquire()
                taken.append(lock)
        except BaseException:
            for lock in reversed(taken):
                lock.release()
            raise
    try:
        yield
    finally:
        for lock in reversed(taken):
            lock.release()
