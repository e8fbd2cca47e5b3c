# expect: none
# Semaphore(0) as a counting signal: workers release, the collector acquires.
import asyncio


async def worker(done, n):
    await asyncio.sleep(0.01 * n)
    done.release()


async def main():
    done = asyncio.Semaphore(0)
    for n in range(5):
        asyncio.create_task(worker(done, n))
    for _ in range(5):
        await done.acquire()
    print("all five finished")


asyncio.run(main())
