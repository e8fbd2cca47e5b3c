# expect: none
# An async generator holds a lock across yields; the consumer and a second task share it.
import asyncio


async def rows(lock):
    async with lock:
        for i in range(3):
            await asyncio.sleep(0.01)
            yield i


async def other(lock):
    async with lock:
        return "other ran"


async def main():
    lock = asyncio.Lock()
    t = asyncio.create_task(other(lock))
    await asyncio.sleep(0)
    print([r async for r in rows(lock)])
    print(await t)


asyncio.run(main())
