# expect: none
# The parent releases the lock before gathering children that need it.
import asyncio


async def child(lock, n):
    async with lock:
        await asyncio.sleep(0.001)
        return n


async def main():
    lock = asyncio.Lock()
    async with lock:
        jobs = [child(lock, n) for n in range(5)]
    print(await asyncio.gather(*jobs))


asyncio.run(main())
