# expect: none
# potential: lock-order lines=8,9
# Opposite lock orders that do not bite on this run (no await between the acquires).
import asyncio


async def task(lock1, lock2):
    async with lock1:
        async with lock2:
            pass


async def main():
    lock1 = asyncio.Lock()
    lock2 = asyncio.Lock()
    await asyncio.gather(task(lock1, lock2), task(lock2, lock1))
    print("done")


asyncio.run(main())
