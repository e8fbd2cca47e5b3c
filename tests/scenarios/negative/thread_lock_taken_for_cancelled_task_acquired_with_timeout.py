# expect: none
# A pool thread takes a threading.Lock for a task that was cancelled meanwhile, so nobody
# releases it; the next caller acquires with a timeout and gives up instead of hanging.
import asyncio
import threading

cache_lock = threading.Lock()


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
    await asyncio.sleep(0.3)
    got = await asyncio.to_thread(cache_lock.acquire, True, 1.3)
    print("got the lock" if got else "the lock is stuck: gave up")


asyncio.run(main())
