# expect: none
# Task A holds a lock and awaits task B, which waits for the lock; task C releases it for A.
import asyncio


async def c_releases(lock):
    await asyncio.sleep(0.1)
    lock.release()


async def b_waits(lock):
    async with lock:
        return "b got the lock"


async def a_holds(lock):
    await lock.acquire()
    asyncio.create_task(c_releases(lock))
    return await asyncio.create_task(b_waits(lock))


print(asyncio.run(a_holds(asyncio.Lock())))
