# expect: none
# asyncio.run twice in one program, contended locks in each run, a task that held a lock
# in the first run is long gone in the second.
import asyncio


async def round_(n):
    lock = asyncio.Lock()

    async def hold():
        async with lock:
            await asyncio.sleep(0.01)

    await asyncio.gather(*(hold() for _ in range(10)))
    return n


print(asyncio.run(round_(1)))
print(asyncio.run(round_(2)))
