# expect: none
# The tutorial's mutual-await program fixed: tasks await each other's results in order.
import asyncio


async def step(name, before=None):
    if before is not None:
        await before
    await asyncio.sleep(0.01)
    print("done", name)
    return name


async def main():
    first = asyncio.create_task(step("first"))
    second = asyncio.create_task(step("second", first))
    print(await asyncio.gather(first, second))


asyncio.run(main())
