# expect: orphaned-lock lines=9,16
# at: 16
# 'taker' returns holding the lock; 'waiter' then waits for it, and main waits for both
# in gather(). The report names 'waiter' (not main) as the task waiting for the lock.
import asyncio


async def taker(lock):
    await lock.acquire()


async def waiter(lock, first):
    await asyncio.wait([first])
    print("taker is done")
    await asyncio.sleep(0)
    async with lock:
        print("never")


async def main():
    lock = asyncio.Lock()
    first = asyncio.create_task(taker(lock), name="taker")
    second = asyncio.create_task(waiter(lock, first), name="waiter")
    await asyncio.gather(first, second)


asyncio.run(main())
