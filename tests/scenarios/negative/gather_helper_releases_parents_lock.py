# expect: none
# The parent holds a lock and gathers a child that waits for it and a helper that releases
# it for the parent (asyncio lets any task release a lock).
import asyncio


async def release_later(lock):
    await asyncio.sleep(0.1)
    lock.release()
    return "released"


async def take(lock):
    await lock.acquire()
    return "taken"


async def main():
    lock = asyncio.Lock()
    await lock.acquire()
    print(await asyncio.gather(release_later(lock), take(lock)))
    lock.release()


asyncio.run(main())
