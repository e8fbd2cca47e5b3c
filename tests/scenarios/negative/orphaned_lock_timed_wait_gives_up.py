# expect: none
# potential: orphaned-lock lines=9
# A worker dies holding a lock; main waits for it with a 1.5 s timeout and copes.
# The lock is lost (a potential finding is right), but nothing waits forever.
import asyncio


async def worker(lock):
    await lock.acquire()
    raise RuntimeError("worker crashed")


async def main():
    lock = asyncio.Lock()
    await asyncio.gather(worker(lock), return_exceptions=True)
    try:
        await asyncio.wait_for(lock.acquire(), 1.5)
        print("got the lock")
    except asyncio.TimeoutError:
        print("lock is stuck, giving up")


asyncio.run(main())
