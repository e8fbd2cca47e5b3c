# expect: none
# potential: lock-order lines=8,9
# Semaphore(1) used as a lock counts as one: taking it and a Lock in both orders inverts.
import asyncio


async def path(first, second):
    async with first:
        async with second:
            await asyncio.sleep(0)


async def main():
    pool = asyncio.Semaphore(1)
    state = asyncio.Lock()
    await path(pool, state)
    await path(state, pool)
    print("ok")


asyncio.run(main())
