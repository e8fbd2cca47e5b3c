# expect: none
# The parent holds a lock and waits for a child needing it, with asyncio.wait(timeout=...).
import asyncio


async def needs_lock(lock):
    async with lock:
        return "child"


async def main():
    lock = asyncio.Lock()
    async with lock:
        child = asyncio.create_task(needs_lock(lock))
        done, pending = await asyncio.wait({child}, timeout=0.3)
        print(len(done), len(pending))
    print(await child)


asyncio.run(main())
