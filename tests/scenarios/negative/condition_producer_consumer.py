# expect: none
# Producer/consumer on a Condition, with notify and wait_for.
import asyncio


async def consumer(cond, items, out):
    for _ in range(10):
        async with cond:
            await cond.wait_for(lambda: items)
            out.append(items.pop(0))


async def producer(cond, items):
    for i in range(10):
        async with cond:
            items.append(i)
            cond.notify()
        await asyncio.sleep(0.001)


async def main():
    cond = asyncio.Condition()
    items, out = [], []
    await asyncio.gather(consumer(cond, items, out), producer(cond, items))
    print(out)


asyncio.run(main())
