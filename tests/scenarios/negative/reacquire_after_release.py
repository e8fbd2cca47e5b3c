# expect: none
# A task takes, releases and takes again the same lock and semaphore many times.
import asyncio


async def main():
    lock = asyncio.Lock()
    sem = asyncio.Semaphore(1)
    for i in range(50):
        async with lock:
            pass
        await lock.acquire()
        lock.release()
        async with sem:
            pass
    async with lock:
        pass
    async with lock:
        print("done")


asyncio.run(main())
