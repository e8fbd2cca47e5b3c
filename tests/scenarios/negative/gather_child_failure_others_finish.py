# expect: none
# One gathered child raises while the others wait on a lock and an event; all complete.
import asyncio


async def bad():
    await asyncio.sleep(0.01)
    raise ValueError("bad child")


async def good(lock, ev, n):
    async with lock:
        await asyncio.sleep(0.01)
    await ev.wait()
    return n


async def main():
    lock, ev = asyncio.Lock(), asyncio.Event()
    asyncio.get_running_loop().call_later(0.1, ev.set)
    print(await asyncio.gather(bad(), good(lock, ev, 1), good(lock, ev, 2),
                               return_exceptions=True))


asyncio.run(main())
