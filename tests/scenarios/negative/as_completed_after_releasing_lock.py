# expect: none
# The parent starts children that need a lock it holds, builds the as_completed() iterator,
# releases the lock and only then collects the results.
import asyncio


async def needs_lock(lock, i):
    async with lock:
        await asyncio.sleep(0.01)
        return i


async def main():
    lock = asyncio.Lock()
    async with lock:
        children = [asyncio.create_task(needs_lock(lock, i)) for i in range(3)]
        await asyncio.sleep(0.01)
        results = asyncio.as_completed(children)
    print(sorted([await fut for fut in results]))


asyncio.run(main())
