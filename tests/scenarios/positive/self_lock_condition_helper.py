# expect: self-deadlock lines=15,7
# A consumer holds the condition and calls a helper that enters it again.
import asyncio


async def push(cond, items, value):
    async with cond:  # the condition's lock is already held by this task
        items.append(value)
        cond.notify()


async def main():
    cond = asyncio.Condition()
    items = []
    async with cond:
        if not items:
            await push(cond, items, 1)


asyncio.run(main())
