# expect: none
# Every permit of a Semaphore(2) is held across 1.2 s of executor work; eight tasks queue.
import asyncio
import time


async def job(sem, n):
    async with sem:
        await asyncio.get_running_loop().run_in_executor(None, time.sleep, 1.2 if n < 2 else 0)
        return n


async def main():
    sem = asyncio.Semaphore(2)
    print(await asyncio.gather(*(job(sem, n) for n in range(10))))


asyncio.run(main())
