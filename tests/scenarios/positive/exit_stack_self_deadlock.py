# expect: self-deadlock lines=15
# at: 15
# potential: lock-order
# Locks collected for an AsyncExitStack contain the same lock twice.
import asyncio
import contextlib


async def main():
    config_lock = asyncio.Lock()
    data_lock = asyncio.Lock()
    needed = [config_lock, data_lock, config_lock]  # duplicate by mistake
    async with contextlib.AsyncExitStack() as stack:
        for lock in needed:
            await stack.enter_async_context(lock)
        print("never")


asyncio.run(main())
