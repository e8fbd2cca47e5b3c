# expect: none
# A Condition waiter is cancelled; the condition's lock stays usable by everyone.
import asyncio


async def waiter(cond):
    async with cond:
        await cond.wait()


async def main():
    cond = asyncio.Condition()
    tasks = [asyncio.create_task(waiter(cond)) for _ in range(3)]
    await asyncio.sleep(0.01)
    tasks[0].cancel()
    async with cond:
        cond.notify_all()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    print([type(r).__name__ for r in results])
    async with cond:
        print("condition lock free:", cond.locked())


asyncio.run(main())
