# expect: none
# A task raises holding a lock, but nobody ever asks for that lock again.
import asyncio


async def broken(lock):
    await lock.acquire()
    raise KeyError("oops")


async def main():
    lock = asyncio.Lock()
    results = await asyncio.gather(broken(lock), return_exceptions=True)
    print(results, lock.locked())


asyncio.run(main())
