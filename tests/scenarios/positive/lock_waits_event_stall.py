# expect: stall lines=16
# timeout: 6
# A task holds a lock while waiting for an Event that only a task blocked on the lock sets.
import asyncio


async def setter(lock, ev):
    async with lock:
        ev.set()


async def main():
    lock, ev = asyncio.Lock(), asyncio.Event()
    async with lock:
        asyncio.create_task(setter(lock, ev))
        await ev.wait()


asyncio.run(main())
