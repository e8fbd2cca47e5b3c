# expect: none
# The parent holds a lock and waits (FIRST_COMPLETED) for a child that needs the lock and
# for a timer task; the timer task finishes, the parent wakes and releases the lock.
import asyncio


async def needs_lock(lock):
    async with lock:
        return "child"


async def main():
    lock = asyncio.Lock()
    async with lock:
        child = asyncio.create_task(needs_lock(lock))
        timer = asyncio.create_task(asyncio.sleep(0.3, "timer"))
        done, pending = await asyncio.wait({child, timer}, return_when=asyncio.FIRST_COMPLETED)
        print([t.result() for t in done])
    print(await child)


asyncio.run(main())
