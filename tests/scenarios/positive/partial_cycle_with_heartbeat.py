# expect: wait-cycle lines=13,15
# timeout: 6
# Two tasks deadlock on two locks while a heartbeat keeps the loop busy.
import asyncio


async def heartbeat():
    while True:
        await asyncio.sleep(0.05)


async def task(first, second):
    async with first:
        await asyncio.sleep(0.1)
        async with second:
            pass


async def main():
    asyncio.create_task(heartbeat())
    a, b = asyncio.Lock(), asyncio.Lock()
    await asyncio.gather(task(a, b), task(b, a))


asyncio.run(main())
