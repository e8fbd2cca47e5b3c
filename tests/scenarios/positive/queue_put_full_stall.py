# expect: stall lines=17
# timeout: 6
# A bounded queue fills up and the only consumer has already returned.
import asyncio


async def consumer(q):
    print("consumed", await q.get())


async def main():
    q = asyncio.Queue(maxsize=1)
    c = asyncio.create_task(consumer(q))
    await q.put(1)
    await c
    await q.put(2)
    await q.put(3)


asyncio.run(main())
