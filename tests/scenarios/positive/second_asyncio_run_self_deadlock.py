# expect: self-deadlock lines=15,16
# The first asyncio.run is fine; the second one deadlocks.
import asyncio


async def ok():
    lock = asyncio.Lock()
    async with lock:
        pass
    return "first run ok"


async def broken():
    lock = asyncio.Lock()
    await lock.acquire()
    await lock.acquire()


print(asyncio.run(ok()))
asyncio.run(broken())
