# expect: wait-cycle lines=14,15,8
# timeout: 5
# The parent holds a lock and gathers children that need the same lock.
import asyncio


async def child(lock, n):
    async with lock:  # the parent holds it while it waits for us
        return n * 2


async def parent():
    lock = asyncio.Lock()
    async with lock:
        results = await asyncio.gather(child(lock, 1), child(lock, 2))
    print(results)


asyncio.run(parent())
