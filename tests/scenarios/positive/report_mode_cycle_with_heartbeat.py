# expect: wait-cycle lines=15,17
# args: --on-deadlock report
# exit: hang
# timeout: 4
# Report mode on a lock cycle while a heartbeat keeps printing: reported once, program goes on.
import asyncio


async def heartbeat():
    while True:
        await asyncio.sleep(0.1)


async def worker(first, second):
    async with first:
        await asyncio.sleep(0.1)
        async with second:
            pass


async def main():
    asyncio.create_task(heartbeat())
    a, b = asyncio.Lock(), asyncio.Lock()
    await asyncio.gather(worker(a, b), worker(b, a))


asyncio.run(main())
