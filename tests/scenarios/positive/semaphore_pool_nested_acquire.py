# expect: wait-cycle lines=8,10
# timeout: 6
# A semaphore limits connections to two; a job holds one and asks for another inside.
import asyncio


async def job(limit, name):
    async with limit:  # takes one permit
        await asyncio.sleep(0.01)
        async with limit:  # nested: needs a second one, both are taken
            print(name)


async def main():
    limit = asyncio.BoundedSemaphore(2)
    await asyncio.gather(job(limit, "a"), job(limit, "b"))


asyncio.run(main())
