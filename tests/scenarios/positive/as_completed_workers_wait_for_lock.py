# expect: wait-cycle lines=12,21
# requires: 3.13
# timeout: 5
# main takes the cache lock, starts workers that need it, then collects their results with
# as_completed() while still holding the lock: each side waits for the other.
import asyncio

cache_lock = asyncio.Lock()


async def fetch(i):
    async with cache_lock:  # held by main
        return i * 2


async def main():
    async with cache_lock:
        workers = [asyncio.create_task(fetch(i), name=f"fetch-{i}") for i in range(3)]
        await asyncio.sleep(0.01)
        for next_done in asyncio.as_completed(workers):
            print(await next_done)  # waits for a worker, with the lock in hand


asyncio.run(main())
