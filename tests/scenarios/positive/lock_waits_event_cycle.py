# expect: wait-cycle lines=8,14,16
# timeout: 6
# A task holds a lock while waiting for an Event that only a task blocked on the lock sets.
import asyncio


async def setter(lock, ev):
    async with lock:  # waits for main's lock
        ev.set()


async def main():
    lock, ev = asyncio.Lock(), asyncio.Event()
    async with lock:  # taken here
        asyncio.create_task(setter(lock, ev))
        await ev.wait()  # only setter would set it


asyncio.run(main())
