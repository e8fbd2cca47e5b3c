# expect: none
# A task ends holding the lock on purpose; a later task releases it, then it is reused.
import asyncio


async def opener(lock):
    await lock.acquire()
    return "opened"


async def closer(lock):
    await asyncio.sleep(0.02)
    lock.release()


async def main():
    lock = asyncio.Lock()
    print(await asyncio.create_task(opener(lock)))
    asyncio.create_task(closer(lock))
    await lock.acquire()
    print("reacquired")
    lock.release()


asyncio.run(main())
