# expect: wait-cycle lines=11,13
# timeout: 6
# Two Semaphore(1) "connection slots" taken in opposite orders by two jobs.
import asyncio

db_slot = asyncio.Semaphore(1)
cache_slot = asyncio.BoundedSemaphore(1)


async def job(first, second, name):
    async with first:
        await asyncio.sleep(0.1)
        async with second:
            print(name, "done")


async def main():
    await asyncio.gather(job(db_slot, cache_slot, "a"), job(cache_slot, db_slot, "b"))


asyncio.run(main())
