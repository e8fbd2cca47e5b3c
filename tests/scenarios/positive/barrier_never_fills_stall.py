# expect: stall lines=10
# requires: 3.11
# timeout: 6
# A Barrier for three parties, but only two workers are started.
import asyncio


async def worker(barrier, n):
    print("worker", n, "at the barrier")
    await barrier.wait()


async def main():
    barrier = asyncio.Barrier(3)
    await asyncio.gather(worker(barrier, 1), worker(barrier, 2))


asyncio.run(main())
