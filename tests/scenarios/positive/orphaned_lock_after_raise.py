# expect: orphaned-lock lines=7,13
# A writer raises between acquire() and release(); a reader later waits for the lock.
import asyncio


async def writer(lock):
    await lock.acquire()  # never released
    raise ValueError("disk full")


async def reader(lock):
    await asyncio.sleep(0.1)
    async with lock:  # waits for a dead task
        print("read")


async def main():
    lock = asyncio.Lock()
    w = asyncio.create_task(writer(lock))
    await reader(lock)
    await w


asyncio.run(main())
