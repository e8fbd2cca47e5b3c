# expect: none
# potential: orphaned-lock lines=9
# A task raises holding a lock, but nobody ever asks for that lock again: no deadlock, but
# the lock is lost (a potential orphaned-lock finding at the end is right).
import asyncio


async def broken(lock):
    await lock.acquire()
    raise KeyError("oops")


async def main():
    lock = asyncio.Lock()
    results = await asyncio.gather(broken(lock), return_exceptions=True)
    print(results, lock.locked())


asyncio.run(main())
