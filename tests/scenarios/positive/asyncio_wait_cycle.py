# expect: wait-cycle lines=9,14
# timeout: 5
# main waits with asyncio.wait() (no timeout) for a task that waits for main.
import asyncio


async def helper(main_task):
    await asyncio.sleep(0.01)
    await main_task


async def main():
    t = asyncio.create_task(helper(asyncio.current_task()), name="helper")
    await asyncio.wait([t])


asyncio.run(main())
