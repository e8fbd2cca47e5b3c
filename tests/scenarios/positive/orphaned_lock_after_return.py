# expect: orphaned-lock lines=7,17
# An early return skips the release().
import asyncio


async def maybe_update(lock, value):
    await lock.acquire()
    if value is None:
        return "nothing to do"
    lock.release()
    return "updated"


async def main():
    lock = asyncio.Lock()
    print(await asyncio.create_task(maybe_update(lock, None)))
    async with lock:
        print("never")


asyncio.run(main())
