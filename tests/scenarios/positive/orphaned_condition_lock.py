# expect: orphaned-lock lines=7,17
# A task enters a Condition with acquire() and is cancelled; a notifier waits for it.
import asyncio


async def consumer(cond):
    await cond.acquire()
    await asyncio.sleep(10)


async def main():
    cond = asyncio.Condition()
    t = asyncio.create_task(consumer(cond))
    await asyncio.sleep(0.05)
    t.cancel()
    await asyncio.sleep(0.05)
    async with cond:
        cond.notify_all()


asyncio.run(main())
