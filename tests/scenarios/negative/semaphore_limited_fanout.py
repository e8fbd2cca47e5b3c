# expect: none
# 100 downloads, at most 5 at a time, through a Semaphore and a BoundedSemaphore.
import asyncio


async def download(sem, bsem, n, active, peak):
    async with sem:
        async with bsem:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            await asyncio.sleep(0.001)
            active[0] -= 1
            return n


async def main():
    sem = asyncio.Semaphore(5)
    bsem = asyncio.BoundedSemaphore(5)
    active, peak = [0], [0]
    results = await asyncio.gather(*(download(sem, bsem, n, active, peak) for n in range(100)))
    print(sum(results), "peak", peak[0])


asyncio.run(main())
