# expect: stall lines=16
# timeout: 6
# The producer crashes after two items; the consumer waits for a third forever.
import asyncio


async def producer(q):
    for i in range(3):
        if i == 2:
            raise ConnectionError("upstream closed")
        await q.put(i)


async def consumer(q):
    for _ in range(3):
        item = await q.get()
        print("got", item)


async def main():
    q = asyncio.Queue()
    asyncio.create_task(producer(q))
    await consumer(q)


asyncio.run(main())
