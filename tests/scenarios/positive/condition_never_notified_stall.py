# expect: stall lines=10
# timeout: 6
# A consumer waits on a Condition; the producer appends but never notifies.
import asyncio


async def consumer(cond, items):
    async with cond:
        while not items:
            await cond.wait()
        print(items.pop())


async def producer(cond, items):
    async with cond:
        items.append("job")  # forgot cond.notify()


async def main():
    cond = asyncio.Condition()
    items = []
    c = asyncio.create_task(consumer(cond, items))
    await asyncio.sleep(0.01)
    await producer(cond, items)
    await c


asyncio.run(main())
