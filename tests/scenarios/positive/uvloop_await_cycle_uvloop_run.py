# expect: wait-cycle lines=10,15
# timeout: 8
# Under uvloop.run(): main awaits a child task that awaits main.
import asyncio

import uvloop


async def child(parent):
    await parent  # waits for main, which waits for this task


async def main():
    task = asyncio.create_task(child(asyncio.current_task()))
    await task  # waits for the child


uvloop.run(main())
