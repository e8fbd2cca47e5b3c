"""Memory stays flat when a program creates and drops many tasks and nested locks."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc

import aiodeadlock


async def churn(count: int, batch: int = 500) -> None:
    async def worker(outer: asyncio.Lock, inner: asyncio.Lock) -> None:
        async with outer:
            async with inner:
                await asyncio.sleep(0)

    for _ in range(count // batch):
        locks = [asyncio.Lock() for _ in range(batch)]
        await asyncio.gather(*(worker(locks[i], locks[i + 1]) for i in range(0, batch, 2)))


def test_many_short_lived_locks_and_tasks_keep_memory_flat() -> None:
    with aiodeadlock.detect():
        asyncio.run(churn(5_000))  # warm-up
        gc.collect()
        tracemalloc.start()
        try:
            asyncio.run(churn(40_000))
            gc.collect()
            asyncio.run(churn(500))  # lets the detector drop edges of freed locks
            gc.collect()
            growth = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    # 40,000 locks and 20,000 tasks: what is left must not scale with them
    # (one batch of edges, ~250 entries, is a few hundred KiB at most).
    assert growth < 512 * 1024, f"{growth / 1024:.0f} KiB left after the churn"
