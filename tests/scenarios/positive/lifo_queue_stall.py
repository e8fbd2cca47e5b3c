# expect: stall lines=16
# timeout: 6
# A LifoQueue consumer after its only producer returned early.
import asyncio


async def producer(q, items):
    for item in items:
        await q.put(item)


async def main():
    q = asyncio.LifoQueue()
    await producer(q, [1, 2])
    for _ in range(3):
        print(await q.get())


asyncio.run(main())
