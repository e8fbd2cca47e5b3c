# expect: wait-cycle lines=18,8
# timeout: 5
# A parent holds a lock across nested gathers; a grandchild needs the lock.
import asyncio


async def leaf(lock, n):
    async with lock:
        return n


async def branch(lock):
    return await asyncio.gather(leaf(lock, 1), leaf(lock, 2))


async def main():
    lock = asyncio.Lock()
    async with lock:
        print(await asyncio.gather(branch(lock), branch(lock)))


asyncio.run(main())
