"""Memory stays flat when a program creates and drops many tasks and nested locks."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc

import aiodeadlock


async def churn(count: int, batch: int = 500) -> None:
    async def worker(outer: asyncio.Lock, inner: asyncio.Lock) -> None:
        async with outer, inner:
            await asyncio.sleep(0)

    for _ in range(count // batch):
        locks = [asyncio.Lock() for _ in range(batch)]
        await asyncio.gather(*(worker(locks[i], locks[i + 1]) for i in range(0, batch, 2)))


def _traced_after(count: int) -> int:
    asyncio.run(churn(count))
    asyncio.run(churn(500))  # lets the detector drop edges of freed locks
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_many_short_lived_locks_and_tasks_keep_memory_flat() -> None:
    with aiodeadlock.detect():
        asyncio.run(churn(5_000))  # warm-up
        gc.collect()
        tracemalloc.start()
        try:
            small = _traced_after(10_000)
            large = _traced_after(40_000)
        finally:
            tracemalloc.stop()
    # Four times as many locks and tasks must not leave more memory behind.
    assert large - small < 128 * 1024, f"{small / 1024:.0f} KiB, then {large / 1024:.0f} KiB"
