# expect: orphaned-lock lines=11,18
# A task that took and let go of the lock once (so it held nothing for a while) takes it
# again and fails; its lock is never released, and main waits for it.
import asyncio


async def worker(lock):
    await lock.acquire()
    lock.release()
    await asyncio.sleep(0)
    await lock.acquire()
    raise ValueError("lost the lock")


async def main():
    lock = asyncio.Lock()
    await asyncio.gather(worker(lock), return_exceptions=True)
    async with lock:
        print("never")


asyncio.run(main())
