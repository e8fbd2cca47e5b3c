# expect: self-deadlock lines=16,7
# Two helper levels, acquire() style, inside a task created with a name.
import asyncio


async def inner(lock):
    await lock.acquire()  # waits for the lock its own task holds
    lock.release()


async def outer(lock):
    await inner(lock)


async def worker(lock):
    await lock.acquire()
    try:
        await outer(lock)
    finally:
        lock.release()


async def main():
    lock = asyncio.Lock()
    await asyncio.create_task(worker(lock), name="worker")


asyncio.run(main())
