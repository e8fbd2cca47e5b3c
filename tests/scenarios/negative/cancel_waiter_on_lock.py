# expect: none
# A task waiting on a held lock is cancelled; the lock still works for everyone else.
import asyncio


async def main():
    lock = asyncio.Lock()
    await lock.acquire()
    waiter = asyncio.create_task(lock.acquire())
    await asyncio.sleep(0.01)
    waiter.cancel()
    try:
        await waiter
    except asyncio.CancelledError:
        print("waiter cancelled")
    lock.release()
    async with lock:
        print("lock reusable")


asyncio.run(main())
