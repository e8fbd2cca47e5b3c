# expect: none
# requires: 3.11
# Three workers meet at a Barrier(3), twice.
import asyncio


async def worker(barrier, n, lock, log):
    for phase in range(2):
        await asyncio.sleep(0.01 * n)
        async with lock:
            log.append((phase, n))
        await barrier.wait()


async def main():
    barrier, lock, log = asyncio.Barrier(3), asyncio.Lock(), []
    await asyncio.gather(*(worker(barrier, n, lock, log) for n in range(3)))
    print(len(log))


asyncio.run(main())
