# expect: orphaned-lock lines=12,27
# A threading.Lock is taken in a pool thread on behalf of a task (to_thread(lock.acquire));
# the second task is cancelled while its pool thread still waits for the lock, so when the
# lock comes free that thread takes it for a task that is gone: the third waits forever.
import asyncio
import threading

cache_lock = threading.Lock()


async def update(delay):
    await asyncio.to_thread(cache_lock.acquire)  # a pool thread takes it for this task
    try:
        await asyncio.sleep(delay)
    finally:
        cache_lock.release()


async def main():
    first = asyncio.create_task(update(1.0), name="first")
    await asyncio.sleep(0.3)  # first holds the lock
    second = asyncio.create_task(update(0), name="second")
    await asyncio.sleep(0.3)  # second's pool thread waits for the lock
    second.cancel()  # too late for the pool thread: it will take the lock for nobody
    await first
    await asyncio.sleep(0.3)
    await asyncio.create_task(update(0), name="third")  # waits forever
    print("unreachable")


asyncio.run(main())
