# expect: stall lines=15
# timeout: 6
# Semaphore(0) used as a "done" signal, but the worker returns without releasing it.
import asyncio


async def worker(done, n):
    if n < 0:
        done.release()


async def main():
    done = asyncio.Semaphore(0)
    await asyncio.create_task(worker(done, 1))
    await done.acquire()


asyncio.run(main())
