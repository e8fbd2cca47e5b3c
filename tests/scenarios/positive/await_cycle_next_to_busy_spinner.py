# expect: wait-cycle lines=14,18
# Two tasks await each other while a third one keeps the loop busy without ever letting
# it pause (it only yields with sleep(0)): the cycle is found by the periodic scan of a
# busy loop.
import asyncio


async def spinner():
    while True:
        await asyncio.sleep(0)


async def first():
    await second_task


async def second():
    await asyncio.shield(first_task)


async def main():
    global first_task, second_task
    spin = asyncio.create_task(spinner())
    first_task = asyncio.create_task(first())
    second_task = asyncio.create_task(second())
    await asyncio.gather(spin, first_task, second_task)


asyncio.run(main())
