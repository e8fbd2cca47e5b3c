# expect: none
# A task holds a lock while it waits for an Event that a busy task sets late (after
# 1.3 s of work in small steps); another task queues for the lock meanwhile.
import asyncio
import time


async def cruncher(ready, results):
    end = time.monotonic() + 1.3
    total = 0
    while time.monotonic() < end:
        total += sum(range(1000))
        await asyncio.sleep(0)  # busy, but gives the loop a turn
    results.append(total > 0)
    ready.set()


async def waiter(lock):
    async with lock:
        return "waited"


async def main():
    lock, ready, results = asyncio.Lock(), asyncio.Event(), []
    async with lock:
        asyncio.create_task(cruncher(ready, results))
        queued = asyncio.create_task(waiter(lock))
        await ready.wait()
    print(results, await queued)


asyncio.run(main())
