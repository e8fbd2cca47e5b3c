# expect: orphaned-lock lines=7,18
# A task is cancelled while it holds a lock taken with acquire() and no try/finally.
import asyncio


async def slow_update(lock):
    await lock.acquire()
    await asyncio.sleep(10)  # cancelled here, the lock stays taken
    lock.release()


async def main():
    lock = asyncio.Lock()
    task = asyncio.create_task(slow_update(lock))
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.sleep(0.05)
    await lock.acquire()  # waits for a cancelled task


asyncio.run(main())
