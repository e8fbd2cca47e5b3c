# expect: none
# The parent holds a lock and waits for a child needing it through wait_for(timeout):
# the child is cancelled at the timeout, the parent goes on.
import asyncio


async def needs_lock(lock):
    async with lock:
        return "child"


async def main():
    lock = asyncio.Lock()
    async with lock:
        child = asyncio.create_task(needs_lock(lock))
        try:
            await asyncio.wait_for(child, 0.3)
        except asyncio.TimeoutError:
            print("child timed out, cancelled:", child.cancelled())


asyncio.run(main())
