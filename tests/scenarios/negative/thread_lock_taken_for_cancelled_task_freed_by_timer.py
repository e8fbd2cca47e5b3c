# expect: none
# A pool thread takes a threading.Lock for a task that was cancelled meanwhile; a timer of
# the loop frees a lock held too long, so the next task waiting for it goes on.
import asyncio
import threading

cache_lock = threading.Lock()


def free_stuck_lock():
    if cache_lock.locked():
        cache_lock.release()


async def update(delay):
    await asyncio.to_thread(cache_lock.acquire)
    try:
        await asyncio.sleep(delay)
    finally:
        cache_lock.release()


async def main():
    first = asyncio.create_task(update(1.0), name="first")
    await asyncio.sleep(0.3)
    second = asyncio.create_task(update(0), name="second")
    await asyncio.sleep(0.3)
    second.cancel()
    await first
    asyncio.get_running_loop().call_later(1.5, free_stuck_lock)
    await update(0)
    print("updated after the lock was freed")


asyncio.run(main())
