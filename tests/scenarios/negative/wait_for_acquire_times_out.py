# expect: none
# A task tries a lock held by another task with a timeout, gives up, then gets it later.
import asyncio


async def holder(lock, started):
    async with lock:
        started.set()
        await asyncio.sleep(0.3)


async def main():
    lock = asyncio.Lock()
    started = asyncio.Event()
    h = asyncio.create_task(holder(lock, started))
    await started.wait()
    try:
        await asyncio.wait_for(lock.acquire(), 0.1)
    except asyncio.TimeoutError:
        print("busy, try later")
    await h
    async with lock:
        print("got it")


asyncio.run(main())
