# expect: none
# A task ends holding a lock; another task releases it 1.5 s later (past the grace).
import asyncio


async def opener(lock):
    await lock.acquire()


async def closer(lock):
    await asyncio.sleep(1.5)
    lock.release()


async def main():
    lock = asyncio.Lock()
    await asyncio.create_task(opener(lock))
    asyncio.create_task(closer(lock))
    async with lock:
        print("got it")


asyncio.run(main())
