# expect: wait-cycle lines=10,12,17,19
# One task holds an asyncio.Lock and wants an anyio.Lock; the other holds the anyio.Lock
# and wants the asyncio.Lock: one cycle through both kinds of lock.
import asyncio

import anyio


async def index(db_lock, cache_lock):
    async with db_lock:  # asyncio.Lock
        await anyio.sleep(0.1)
        async with cache_lock:  # waits for the anyio lock
            print("indexed")


async def evict(db_lock, cache_lock):
    async with cache_lock:  # anyio.Lock
        await anyio.sleep(0.1)
        async with db_lock:  # waits for the asyncio lock
            print("evicted")


async def main():
    db_lock, cache_lock = asyncio.Lock(), anyio.Lock()
    async with anyio.create_task_group() as tg:
        tg.start_soon(index, db_lock, cache_lock)
        tg.start_soon(evict, db_lock, cache_lock)


asyncio.run(main())
