# expect: stall lines=11,19,21
# timeout: 6
# The "ready" Event is a module global: any code could set it, so the only task that
# would (blocked on the lock the waiter holds) is named, but no cycle is claimed.
import asyncio

ready = asyncio.Event()


async def announcer(lock):
    async with lock:  # waits for the lock main holds
        ready.set()
    await asyncio.sleep(0)
    ready.set()  # (a second time, after the lock)


async def main():
    lock = asyncio.Lock()
    async with lock:  # taken here
        asyncio.create_task(announcer(lock))
        await ready.wait()


asyncio.run(main())
